//! The decision store: SQLite in WAL mode, a schema with numbered migrations, and
//! decisions that are never changed once written.
//!
//! - `catalogs` and `datasets` keep each catalog's TOML text and each dataset snapshot
//!   once, under its SHA-256: a decision names them by digest, and verification rebuilds
//!   the very engine that decided.
//! - `decisions` holds the request as normalised, the result as answered, the digests,
//!   the as-of date, the language, the aimaq version and the time. Triggers refuse any
//!   UPDATE or DELETE of the three tables; each decision also carries a hash chain over
//!   its predecessor, so an edit made around the triggers (another tool, a hex editor)
//!   shows at `aimaq decisions verify`.
//! - One writer thread owns the only writing connection and commits decisions in groups
//!   (one transaction, one sync, for every decision waiting), so a burst of checks costs
//!   one disk flush, not one each; a request is answered only after its commit.
//! - With `synchronous = FULL` (the default) a decision answered is on disk; a crash or
//!   a kill at any moment loses nothing answered, and SQLite's WAL recovery on the next
//!   open discards a transaction that was not committed.

use crate::snapshot::sha256;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TryRecvError};
use std::sync::Mutex;
use std::thread::JoinHandle;

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite's error.
    #[error("{path}: {source}")]
    Sqlite {
        /// The store.
        path: String,
        /// SQLite's words.
        source: rusqlite::Error,
    },
    /// The store was written by a newer aimaq.
    #[error(
        "{path} has schema version {found}; this aimaq knows up to {known}: use a newer aimaq"
    )]
    Newer {
        /// The store.
        path: String,
        /// Its version.
        found: i64,
        /// What this build knows.
        known: i64,
    },
    /// The store cannot be created.
    #[error("cannot create {path}: {reason}")]
    Create {
        /// The store.
        path: String,
        /// Why.
        reason: String,
    },
    /// The file exists but is not an aimaq decision store: it is refused before
    /// anything is written to it.
    #[error("{path} is not an aimaq decision store ({what}): it was left untouched; give --store a new file name or an existing aimaq store")]
    NotAStore {
        /// The file.
        path: String,
        /// What it is instead.
        what: String,
    },
    /// Another process holds the store.
    #[error("{path} is in use by another aimaq serve{holder}: one desk writes a store at a time (stop the other, or give this one another --store)")]
    Locked {
        /// The store.
        path: String,
        /// `" (process 1234)"` when the other process could be named.
        holder: String,
    },
    /// The writer thread is gone (the store is closing).
    #[error("the store is closed")]
    Closed,
}

/// `Result` with [`StoreError`].
pub type StoreResult<T> = Result<T, StoreError>;

/// The schema, one migration a version (`PRAGMA user_version`). Never edit a migration
/// that has shipped: add the next.
const MIGRATIONS: &[&str] = &[
    // 1: catalogs, datasets, decisions; immutable
    r#"
    CREATE TABLE catalogs (
        digest      TEXT PRIMARY KEY,
        catalog_id  TEXT NOT NULL,
        toml        TEXT NOT NULL,
        first_seen  TEXT NOT NULL
    ) STRICT;
    CREATE TABLE datasets (
        digest      TEXT PRIMARY KEY,
        label       TEXT NOT NULL,
        crs         TEXT NOT NULL,
        features    INTEGER NOT NULL,
        snapshot    BLOB NOT NULL,
        first_seen  TEXT NOT NULL
    ) STRICT;
    CREATE TABLE decisions (
        seq             INTEGER PRIMARY KEY,
        id              TEXT NOT NULL UNIQUE,
        created_at      TEXT NOT NULL,
        aimaq_version   TEXT NOT NULL,
        catalog_digest  TEXT NOT NULL REFERENCES catalogs(digest),
        dataset_digest  TEXT NOT NULL REFERENCES datasets(digest),
        crs             TEXT NOT NULL,
        lang            TEXT NOT NULL,
        as_of           TEXT,
        verdict         TEXT NOT NULL,
        parcels         INTEGER NOT NULL,
        request         TEXT NOT NULL,
        result          TEXT NOT NULL,
        request_digest  TEXT NOT NULL,
        result_digest   TEXT NOT NULL,
        chain           TEXT NOT NULL
    ) STRICT;
    CREATE INDEX decisions_created_at ON decisions(created_at);
    CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decisions are immutable'); END;
    CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decisions are immutable'); END;
    CREATE TRIGGER catalogs_no_update BEFORE UPDATE ON catalogs
        BEGIN SELECT RAISE(ABORT, 'recorded catalogs are immutable'); END;
    CREATE TRIGGER catalogs_no_delete BEFORE DELETE ON catalogs
        BEGIN SELECT RAISE(ABORT, 'recorded catalogs are immutable'); END;
    CREATE TRIGGER datasets_no_update BEFORE UPDATE ON datasets
        BEGIN SELECT RAISE(ABORT, 'recorded datasets are immutable'); END;
    CREATE TRIGGER datasets_no_delete BEFORE DELETE ON datasets
        BEGIN SELECT RAISE(ABORT, 'recorded datasets are immutable'); END;
    "#,
    // 2: the file says it is an aimaq store; decisions written from now on carry a
    // link of version 2, which also covers seq, parcels, the catalog's id and the
    // dataset's label (version 1 links, of decisions made before, did not)
    r#"
    ALTER TABLE decisions ADD COLUMN link_version INTEGER NOT NULL DEFAULT 1;
    PRAGMA application_id = 1095322961;
    "#,
];

/// `PRAGMA application_id` of a decision store: "AIMQ".
pub const APPLICATION_ID: i64 = 0x4149_4D51;

/// The version of the chain links this build writes (see [`chain_link`]).
pub const LINK_VERSION: i64 = 2;

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How hard a commit holds on to the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous = FULL`: a decision answered survives a power cut.
    #[default]
    Full,
    /// `synchronous = NORMAL`: a decision answered survives a crash of aimaq, not of
    /// the machine (WAL fsyncs only at checkpoints).
    Normal,
}

/// A decision to write: everything but what the store assigns (id, time, chain).
#[derive(Debug, Clone)]
pub struct NewDecision {
    /// The aimaq version that decided.
    pub aimaq_version: String,
    /// The catalog's digest (registered with [`Store::register_catalog`]).
    pub catalog_digest: String,
    /// The dataset's digest (registered with [`Store::register_dataset`]).
    pub dataset_digest: String,
    /// The CRS measured in.
    pub crs: String,
    /// The language of messages.
    pub lang: String,
    /// The as-of date, `YYYY-MM-DD`.
    pub as_of: Option<String>,
    /// The worst verdict over the parcels.
    pub verdict: String,
    /// Number of parcels.
    pub parcels: usize,
    /// The normalised request, JSON.
    pub request: String,
    /// The answer, JSON.
    pub result: String,
}

/// What the store assigned.
#[derive(Debug, Clone, Serialize)]
pub struct Assigned {
    /// The decision id, e.g. `20261126-K7Q2M9XD`.
    pub id: String,
    /// Its position in the log (1, 2, …).
    pub seq: i64,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// Its chain link: the head of the chain once it is stored.
    pub chain: String,
}

/// A stored decision, as read back.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionRecord {
    /// The id.
    pub id: String,
    /// Its position in the log.
    pub seq: i64,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// The aimaq version that decided.
    pub aimaq_version: String,
    /// The catalog's id (e.g. `almaty-2020`).
    pub catalog_id: String,
    /// SHA-256 of the catalog's TOML.
    pub catalog_digest: String,
    /// The dataset's label.
    pub dataset_label: String,
    /// SHA-256 of the dataset snapshot.
    pub dataset_digest: String,
    /// The CRS measured in.
    pub crs: String,
    /// Language of messages.
    pub lang: String,
    /// The as-of date.
    pub as_of: Option<String>,
    /// The worst verdict.
    pub verdict: String,
    /// Number of parcels.
    pub parcels: i64,
    /// The normalised request.
    pub request: serde_json::Value,
    /// The answer.
    pub result: serde_json::Value,
    /// SHA-256 of the request's JSON text.
    pub request_digest: String,
    /// SHA-256 of the result's JSON text.
    pub result_digest: String,
    /// The hash chain up to this decision: SHA-256 of the link before it and of
    /// everything this decision states (see [`chain_link`]).
    pub chain: String,
    /// The version of its chain link: 1 for decisions made before schema 2, 2 after.
    pub link_version: i64,
    /// The request's JSON text as stored (its digest is of these bytes).
    #[serde(skip)]
    pub request_text: String,
    /// The result's JSON text as stored.
    #[serde(skip)]
    pub result_text: String,
}

/// A line of the decision list.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionSummary {
    /// The id.
    pub id: String,
    /// Its position in the log.
    pub seq: i64,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// The worst verdict.
    pub verdict: String,
    /// Number of parcels.
    pub parcels: i64,
    /// Language.
    pub lang: String,
    /// The parcels' ids, comma-separated.
    pub parcel_ids: String,
}

type Reply = tokio::sync::oneshot::Sender<StoreResult<Assigned>>;

/// The decision store.
pub struct Store {
    path: PathBuf,
    tx: Mutex<Option<SyncSender<(NewDecision, Reply)>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
    /// The schema version read (older stores are read as they are).
    schema: i64,
    /// Opened with `immutable=1` (a read-only mount).
    immutable: bool,
    lock: Mutex<Option<StoreLock>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

fn sqlite(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Sqlite {
        path: path.display().to_string(),
        source,
    }
}

/// Brings a writable connection's schema to [`SCHEMA_VERSION`].
fn migrate(conn: &mut Connection, path: &Path) -> StoreResult<()> {
    let err = sqlite(path);
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(&err)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::Newer {
            path: path.display().to_string(),
            found: version,
            known: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction().map_err(&err)?;
        tx.execute_batch(sql).map_err(&err)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)
            .map_err(&err)?;
        tx.commit().map_err(&err)?;
    }
    Ok(())
}

/// What an existing file is, read through a read-only connection before anything is
/// written: an aimaq store (of some schema version), or something to leave alone.
fn examine(path: &Path) -> StoreResult<()> {
    let not_a_store = |what: String| StoreError::NotAStore {
        path: path.display().to_string(),
        what,
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(StoreError::Create {
                path: path.display().to_string(),
                reason: e.to_string(),
            })
        }
    };
    if !meta.is_file() {
        return Err(not_a_store("not a regular file".into()));
    }
    if meta.len() == 0 {
        return Ok(()); // an empty file: SQLite makes a new database of it
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| not_a_store(format!("SQLite cannot open it: {e}")))?;
    let header = |sql: &str| -> StoreResult<i64> {
        conn.query_row(sql, [], |r| r.get(0))
            .map_err(|e| not_a_store(format!("not a SQLite database: {e}")))
    };
    let application_id = header("PRAGMA application_id")?;
    let version = header("PRAGMA user_version")?;
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
        .map_err(|e| not_a_store(format!("not a SQLite database: {e}")))?;
    match application_id {
        APPLICATION_ID => Ok(()),
        // schema 1 wrote no application id: its tables say what it is
        0 if version >= 1
            && ["catalogs", "datasets", "decisions"]
                .iter()
                .all(|t| tables.iter().any(|n| n == t)) =>
        {
            Ok(())
        }
        0 if version == 0 && tables.is_empty() => Ok(()),
        // refused either way; said as a newer store, as schema 1 would have been
        0 if version > SCHEMA_VERSION => Err(StoreError::Newer {
            path: path.display().to_string(),
            found: version,
            known: SCHEMA_VERSION,
        }),
        0x4750_4B47 | 0x4750_3130 => Err(not_a_store("a GeoPackage".into())),
        0 => Err(not_a_store(format!(
            "a SQLite database of another application: tables {}",
            if tables.is_empty() {
                "none".to_string()
            } else {
                tables
                    .iter()
                    .take(8)
                    .map(|t| format!("`{}`", t.escape_default()))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ))),
        other => Err(not_a_store(format!(
            "a SQLite database with application_id {other:#010x}"
        ))),
    }
}

/// The exclusive lock on a store: a lock file beside it (`decisions.sqlite.lock`), held
/// with `flock` for as long as the desk runs and released by the kernel when the process
/// ends, however it ends. It holds the process id of its holder, to name it.
#[derive(Debug)]
struct StoreLock {
    _file: std::fs::File,
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

impl StoreLock {
    fn take(path: &Path) -> StoreResult<StoreLock> {
        use std::io::{Read, Seek, Write};
        let lock = lock_path(path);
        let create = |reason: String| StoreError::Create {
            path: path.display().to_string(),
            reason,
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock)
            .map_err(|e| create(format!("cannot open its lock file {}: {e}", lock.display())))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let holder = text
                    .trim()
                    .parse::<u32>()
                    .map(|pid| format!(" (process {pid}, per {})", lock.display()))
                    .unwrap_or_else(|_| format!(" (its lock file is {})", lock.display()));
                return Err(StoreError::Locked {
                    path: path.display().to_string(),
                    holder,
                });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(create(format!("cannot lock {}: {e}", lock.display())))
            }
        }
        // the lock is ours: say who holds it (the lock itself is the flock, not the text)
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = write!(file, "{}", std::process::id());
        let _ = file.flush();
        Ok(StoreLock { _file: file })
    }
}

impl Store {
    /// Opens (creating it and its directory when missing) the store at `path`, brings
    /// its schema up to date and starts the writer.
    ///
    /// An existing file that is not an aimaq store (another application's SQLite
    /// database, a GeoPackage, anything else) is refused before anything is written to
    /// it, and a store another process has open is refused ([`StoreError::Locked`]).
    pub fn open(path: &Path, durability: Durability) -> StoreResult<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Create {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
        }
        examine(path)?;
        let lock = StoreLock::take(path)?;
        // examined again under the lock: the file may have changed between the two
        examine(path)?;
        let err = sqlite(path);
        let mut conn = Connection::open(path).map_err(&err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(&err)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(&err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Create {
                path: path.display().to_string(),
                reason: format!("SQLite refused WAL mode (journal_mode = {mode})"),
            });
        }
        conn.pragma_update(
            None,
            "synchronous",
            match durability {
                Durability::Full => "FULL",
                Durability::Normal => "NORMAL",
            },
        )
        .map_err(&err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(&err)?;
        migrate(&mut conn, path)?;
        let (last_seq, last_chain): (i64, String) = conn
            .query_row(
                "SELECT seq, chain FROM decisions ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(&err)?
            .unwrap_or_default();
        // a queue deep enough for every request in flight; a full queue makes the
        // handlers wait, which is the back-pressure wanted
        let (tx, rx) = sync_channel(1024);
        let thread_path = path.to_path_buf();
        let writer = std::thread::Builder::new()
            .name("aimaq-store".into())
            .spawn(move || write_loop(conn, rx, (last_seq, last_chain), thread_path))
            .map_err(|e| StoreError::Create {
                path: path.display().to_string(),
                reason: format!("cannot start the writer: {e}"),
            })?;
        Ok(Store {
            path: path.to_path_buf(),
            tx: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            readers: Mutex::new(Vec::new()),
            schema: SCHEMA_VERSION,
            immutable: false,
            lock: Mutex::new(Some(lock)),
        })
    }

    /// Opens an existing store to read it only (for `aimaq decisions verify` and
    /// `list`): no migration, no writer, no lock, nothing written, not even SQLite's
    /// shared-memory file when it cannot be (a store on a read-only mount is opened
    /// `immutable`, provided no write-ahead log beside it holds decisions it would not
    /// see). Stores of an older schema are read as they are; a newer schema is refused.
    pub fn open_read_only(path: &Path) -> StoreResult<Store> {
        if !path.exists() {
            return Err(StoreError::Create {
                path: path.display().to_string(),
                reason: "no such store".into(),
            });
        }
        let mut store = Store {
            path: path.to_path_buf(),
            tx: Mutex::new(None),
            writer: Mutex::new(None),
            readers: Mutex::new(Vec::new()),
            schema: 0,
            immutable: false,
            lock: Mutex::new(None),
        };
        let header = |c: &Connection| -> rusqlite::Result<(i64, i64)> {
            Ok((
                c.query_row("PRAGMA application_id", [], |r| r.get(0))?,
                c.query_row("PRAGMA user_version", [], |r| r.get(0))?,
            ))
        };
        let (application_id, version) = match store.read(header) {
            Ok(v) => v,
            Err(first) => {
                // a read-only directory: SQLite cannot make the WAL index; read the file
                // as it is, unless a write-ahead log holds what that would miss
                let wal = {
                    let mut n = path.as_os_str().to_os_string();
                    n.push("-wal");
                    PathBuf::from(n)
                };
                if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
                    return Err(first);
                }
                store.immutable = true;
                store.readers.lock().expect("reader pool").clear();
                store.read(header).map_err(|_| first)?
            }
        };
        if version > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: path.display().to_string(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        if version == 0 || (application_id != 0 && application_id != APPLICATION_ID) {
            return Err(StoreError::NotAStore {
                path: path.display().to_string(),
                what: "no aimaq schema".into(),
            });
        }
        store.schema = version;
        Ok(store)
    }

    /// Whether the store was opened `immutable` (a read-only mount).
    pub fn is_immutable(&self) -> bool {
        self.immutable
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write_now<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> StoreResult<T> {
        // registration happens before the writer is busy; a second connection waits on
        // SQLite's lock for the writer's transaction, if any
        let conn = Connection::open(&self.path).map_err(sqlite(&self.path))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(sqlite(&self.path))?;
        f(&conn).map_err(sqlite(&self.path))
    }

    /// Records a catalog's text under its digest (once).
    pub fn register_catalog(&self, digest: &str, catalog_id: &str, toml: &str) -> StoreResult<()> {
        self.write_now(|c| {
            c.execute(
                "INSERT INTO catalogs (digest, catalog_id, toml, first_seen) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(digest) DO NOTHING",
                params![digest, catalog_id, toml, crate::time::now_rfc3339()],
            )
            .map(drop)
        })
    }

    /// Records a dataset snapshot under its digest (once).
    pub fn register_dataset(
        &self,
        digest: &str,
        label: &str,
        crs: &str,
        features: usize,
        snapshot: &[u8],
    ) -> StoreResult<()> {
        self.write_now(|c| {
            c.execute(
                "INSERT INTO datasets (digest, label, crs, features, snapshot, first_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(digest) DO NOTHING",
                params![
                    digest,
                    label,
                    crs,
                    features as i64,
                    snapshot,
                    crate::time::now_rfc3339()
                ],
            )
            .map(drop)
        })
    }

    /// Queues a decision; the answer comes once it is committed.
    pub fn append(
        &self,
        decision: NewDecision,
    ) -> tokio::sync::oneshot::Receiver<StoreResult<Assigned>> {
        let (reply, rx) = tokio::sync::oneshot::channel();
        let tx = self.tx.lock().expect("store sender").clone();
        match tx {
            Some(tx) => {
                if let Err(e) = tx.send((decision, reply)) {
                    let _ = e.0 .1.send(Err(StoreError::Closed));
                }
            }
            None => {
                let _ = reply.send(Err(StoreError::Closed));
            }
        }
        rx
    }

    /// Writes a decision and waits for its commit (for callers outside an async runtime).
    pub fn append_blocking(&self, decision: NewDecision) -> StoreResult<Assigned> {
        self.append(decision)
            .blocking_recv()
            .unwrap_or(Err(StoreError::Closed))
    }

    /// Stops the writer after the decisions already queued are committed.
    pub fn close(&self) {
        self.tx.lock().expect("store sender").take();
        if let Some(w) = self.writer.lock().expect("store writer").take() {
            let _ = w.join();
        }
        // the writer is done: the store is free for another desk
        self.lock.lock().expect("store lock").take();
    }

    /// Runs `f` on a read-only connection from a small pool.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> StoreResult<T> {
        let err = sqlite(&self.path);
        let conn = self.readers.lock().expect("reader pool").pop();
        let conn = match conn {
            Some(c) => c,
            None => {
                let c = if self.immutable {
                    Connection::open_with_flags(
                        format!("file:{}?immutable=1", uri_path(&self.path)),
                        OpenFlags::SQLITE_OPEN_READ_ONLY
                            | OpenFlags::SQLITE_OPEN_NO_MUTEX
                            | OpenFlags::SQLITE_OPEN_URI,
                    )
                } else {
                    Connection::open_with_flags(
                        &self.path,
                        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )
                }
                .map_err(&err)?;
                c.busy_timeout(std::time::Duration::from_secs(10))
                    .map_err(&err)?;
                c
            }
        };
        let out = f(&conn).map_err(&err);
        let mut pool = self.readers.lock().expect("reader pool");
        if pool.len() < 8 {
            pool.push(conn);
        }
        out
    }

    fn select_record(&self) -> String {
        // schema 1 had no link_version: all its links are version 1
        let version = if self.schema >= 2 {
            "d.link_version"
        } else {
            "1"
        };
        SELECT_RECORD.replace("d.link_version", version)
    }

    /// The newest decision's seq and chain link: the head of the chain.
    pub fn head(&self) -> StoreResult<Option<(i64, String)>> {
        self.read(|c| {
            c.query_row(
                "SELECT seq, chain FROM decisions ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
        })
    }

    /// The decision `id`.
    pub fn get(&self, id: &str) -> StoreResult<Option<DecisionRecord>> {
        let select = self.select_record();
        self.read(|c| {
            c.query_row(&format!("{select} WHERE d.id = ?1"), params![id], record_of)
                .optional()
        })
    }

    /// Decisions, newest first, before `before_seq` when given.
    pub fn list(&self, limit: usize, before_seq: Option<i64>) -> StoreResult<Vec<DecisionSummary>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT id, seq, created_at, verdict, parcels, lang, request FROM decisions
                 WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2",
            )?;
            let rows =
                stmt.query_map(params![before_seq.unwrap_or(i64::MAX), limit as i64], |r| {
                    let request: String = r.get(6)?;
                    let ids = serde_json::from_str::<serde_json::Value>(&request)
                        .ok()
                        .and_then(|v| {
                            v.get("parcels").and_then(|p| p.as_array()).map(|a| {
                                a.iter()
                                    .filter_map(|p| p.get("id").and_then(|i| i.as_str()))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            })
                        })
                        .unwrap_or_default();
                    Ok(DecisionSummary {
                        id: r.get(0)?,
                        seq: r.get(1)?,
                        created_at: r.get(2)?,
                        verdict: r.get(3)?,
                        parcels: r.get(4)?,
                        lang: r.get(5)?,
                        parcel_ids: ids,
                    })
                })?;
            rows.collect()
        })
    }

    /// Number of decisions.
    pub fn count(&self) -> StoreResult<i64> {
        self.read(|c| c.query_row("SELECT count(*) FROM decisions", [], |r| r.get(0)))
    }

    /// Calls `f` with every decision in log order (one at a time, so memory stays flat).
    pub fn for_each(&self, mut f: impl FnMut(DecisionRecord) -> bool) -> StoreResult<()> {
        let mut after = 0i64;
        let select = self.select_record();
        loop {
            let batch: Vec<DecisionRecord> = self.read(|c| {
                let mut stmt = c.prepare(&format!(
                    "{select} WHERE d.seq > ?1 ORDER BY d.seq LIMIT 256"
                ))?;
                let rows = stmt.query_map(params![after], record_of)?;
                rows.collect()
            })?;
            let Some(last) = batch.last() else {
                return Ok(());
            };
            after = last.seq;
            for r in batch {
                if !f(r) {
                    return Ok(());
                }
            }
        }
    }

    /// A recorded catalog's TOML.
    pub fn catalog_text(&self, digest: &str) -> StoreResult<Option<String>> {
        self.read(|c| {
            c.query_row(
                "SELECT toml FROM catalogs WHERE digest = ?1",
                params![digest],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// A recorded dataset: label, CRS and snapshot bytes.
    pub fn dataset(&self, digest: &str) -> StoreResult<Option<(String, String, Vec<u8>)>> {
        self.read(|c| {
            c.query_row(
                "SELECT label, crs, snapshot FROM datasets WHERE digest = ?1",
                params![digest],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
        })
    }

    /// SQLite's own `PRAGMA integrity_check`: `ok`, or the problems it lists.
    pub fn integrity_check(&self) -> StoreResult<Vec<String>> {
        self.read(|c| {
            let mut stmt = c.prepare("PRAGMA integrity_check")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect()
        })
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.close();
    }
}

const SELECT_RECORD: &str = "SELECT d.id, d.seq, d.created_at, d.aimaq_version, c.catalog_id,
    d.catalog_digest, s.label, d.dataset_digest, d.crs, d.lang, d.as_of, d.verdict, d.parcels,
    d.request, d.result, d.request_digest, d.result_digest, d.chain, d.link_version
    FROM decisions d LEFT JOIN catalogs c ON c.digest = d.catalog_digest
    LEFT JOIN datasets s ON s.digest = d.dataset_digest";

/// `path` as the path of an SQLite URI (`file:…`): `%`, `?` and `#` escaped.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.display().to_string().chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

fn record_of(r: &rusqlite::Row) -> rusqlite::Result<DecisionRecord> {
    let json = |i: usize, text: &str| -> rusqlite::Result<serde_json::Value> {
        serde_json::from_str(text).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        })
    };
    let request_text: String = r.get(13)?;
    let result_text: String = r.get(14)?;
    Ok(DecisionRecord {
        id: r.get(0)?,
        seq: r.get(1)?,
        created_at: r.get(2)?,
        aimaq_version: r.get(3)?,
        // a catalog or dataset row missing (removed around the triggers) reads as
        // empty, and verify says what is missing
        catalog_id: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
        catalog_digest: r.get(5)?,
        dataset_label: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
        dataset_digest: r.get(7)?,
        crs: r.get(8)?,
        lang: r.get(9)?,
        as_of: r.get(10)?,
        verdict: r.get(11)?,
        parcels: r.get(12)?,
        request: json(13, &request_text)?,
        result: json(14, &result_text)?,
        request_digest: r.get(15)?,
        result_digest: r.get(16)?,
        chain: r.get(17)?,
        link_version: r.get(18)?,
        request_text,
        result_text,
    })
}

/// The chain link of a decision: the SHA-256 of its predecessor's link and of
/// everything it states.
///
/// A version 2 link (every decision made by schema 2 or later) covers, one per line:
/// `aimaq-chain-2`, the previous link, seq, id, time, aimaq version, catalog digest,
/// catalog id, dataset digest, dataset label, CRS, language, as-of date, verdict, parcel
/// count, and the digests of the request and the result; every field the printed record
/// shows is one of them or inside the request or the result. A version 1 link (schema 1)
/// covered neither seq, the parcel count, the catalog id nor the dataset label.
/// Each field is escaped so that no field's text can pass for a line break.
pub fn chain_link(prev: &str, d: &ChainFields) -> String {
    if d.version < 2 {
        let text = [
            prev,
            d.id,
            d.created_at,
            d.aimaq_version,
            d.catalog_digest,
            d.dataset_digest,
            d.crs,
            d.lang,
            d.as_of.unwrap_or(""),
            d.verdict,
            d.request_digest,
            d.result_digest,
        ]
        .join("\n");
        return sha256(text.as_bytes());
    }
    let seq = d.seq.to_string();
    let parcels = d.parcels.to_string();
    let as_of = d.as_of.map_or_else(|| "-".to_string(), |a| format!("={a}"));
    let text = [
        "aimaq-chain-2",
        prev,
        &seq,
        d.id,
        d.created_at,
        d.aimaq_version,
        d.catalog_digest,
        d.catalog_id,
        d.dataset_digest,
        d.dataset_label,
        d.crs,
        d.lang,
        &as_of,
        d.verdict,
        &parcels,
        d.request_digest,
        d.result_digest,
    ]
    .iter()
    .map(|f| f.replace('\\', "\\\\").replace('\n', "\\n"))
    .collect::<Vec<_>>()
    .join("\n");
    sha256(text.as_bytes())
}

/// The fields a chain link covers.
pub struct ChainFields<'a> {
    /// Link version (1 or 2).
    pub version: i64,
    /// Position in the log (version 2).
    pub seq: i64,
    /// Decision id.
    pub id: &'a str,
    /// Time.
    pub created_at: &'a str,
    /// Version.
    pub aimaq_version: &'a str,
    /// Catalog digest.
    pub catalog_digest: &'a str,
    /// Catalog id (version 2).
    pub catalog_id: &'a str,
    /// Dataset digest.
    pub dataset_digest: &'a str,
    /// Dataset label (version 2).
    pub dataset_label: &'a str,
    /// CRS.
    pub crs: &'a str,
    /// Language.
    pub lang: &'a str,
    /// As-of date.
    pub as_of: Option<&'a str>,
    /// Verdict.
    pub verdict: &'a str,
    /// Number of parcels (version 2).
    pub parcels: i64,
    /// Request digest.
    pub request_digest: &'a str,
    /// Result digest.
    pub result_digest: &'a str,
}

impl DecisionRecord {
    /// The fields its chain link covers.
    pub fn chain_fields(&self) -> ChainFields<'_> {
        ChainFields {
            version: self.link_version,
            seq: self.seq,
            id: &self.id,
            created_at: &self.created_at,
            aimaq_version: &self.aimaq_version,
            catalog_digest: &self.catalog_digest,
            catalog_id: &self.catalog_id,
            dataset_digest: &self.dataset_digest,
            dataset_label: &self.dataset_label,
            crs: &self.crs,
            lang: &self.lang,
            as_of: self.as_of.as_deref(),
            verdict: &self.verdict,
            parcels: self.parcels,
            request_digest: &self.request_digest,
            result_digest: &self.result_digest,
        }
    }
}

/// `20261126-K7Q2M9XD`: the UTC day and 40 random bits in Crockford's base 32, short
/// enough to read over the phone, unguessable enough not to enumerate.
fn new_id(created_at: &str) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bytes = [0u8; 5];
    getrandom::fill(&mut bytes).expect("the system has randomness");
    let mut n = bytes.iter().fold(0u64, |acc, b| acc << 8 | u64::from(*b));
    let mut code = [0u8; 8];
    for c in code.iter_mut().rev() {
        *c = ALPHABET[(n & 31) as usize];
        n >>= 5;
    }
    let day: String = created_at[..10].chars().filter(|c| *c != '-').collect();
    format!("{day}-{}", std::str::from_utf8(&code).expect("ascii"))
}

fn write_loop(
    mut conn: Connection,
    rx: Receiver<(NewDecision, Reply)>,
    mut head: (i64, String),
    path: PathBuf,
) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        // group commit: everything already waiting goes into the same transaction
        while batch.len() < 512 {
            match rx.try_recv() {
                Ok(next) => batch.push(next),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        let before = head.clone();
        match write_batch(&mut conn, &batch, &mut head) {
            Ok(assigned) => {
                for ((_, reply), a) in batch.into_iter().zip(assigned) {
                    let _ = reply.send(Ok(a));
                }
            }
            Err(e) => {
                head = before;
                let text = e.to_string();
                eprintln!(
                    "aimaq serve: {}: cannot store decisions: {text}",
                    path.display()
                );
                for (_, reply) in batch {
                    let _ = reply.send(Err(StoreError::Create {
                        path: path.display().to_string(),
                        reason: text.clone(),
                    }));
                }
            }
        }
    }
}

fn write_batch(
    conn: &mut Connection,
    batch: &[(NewDecision, Reply)],
    head: &mut (i64, String),
) -> rusqlite::Result<Vec<Assigned>> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut assigned = Vec::with_capacity(batch.len());
    let (mut seq, mut chain) = head.clone();
    {
        let mut exists = tx.prepare_cached("SELECT 1 FROM decisions WHERE id = ?1")?;
        let mut catalog_id =
            tx.prepare_cached("SELECT catalog_id FROM catalogs WHERE digest = ?1")?;
        let mut label = tx.prepare_cached("SELECT label FROM datasets WHERE digest = ?1")?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO decisions (seq, id, created_at, aimaq_version, catalog_digest, dataset_digest,
                crs, lang, as_of, verdict, parcels, request, result, request_digest, result_digest,
                chain, link_version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        )?;
        for (d, _) in batch {
            let created_at = crate::time::now_rfc3339();
            let mut id = new_id(&created_at);
            while exists.exists(params![id])? {
                id = new_id(&created_at);
            }
            let request_digest = sha256(d.request.as_bytes());
            let result_digest = sha256(d.result.as_bytes());
            let cat: String = catalog_id.query_row(params![d.catalog_digest], |r| r.get(0))?;
            let lab: String = label.query_row(params![d.dataset_digest], |r| r.get(0))?;
            seq += 1;
            let link = chain_link(
                &chain,
                &ChainFields {
                    version: LINK_VERSION,
                    seq,
                    id: &id,
                    created_at: &created_at,
                    aimaq_version: &d.aimaq_version,
                    catalog_digest: &d.catalog_digest,
                    catalog_id: &cat,
                    dataset_digest: &d.dataset_digest,
                    dataset_label: &lab,
                    crs: &d.crs,
                    lang: &d.lang,
                    as_of: d.as_of.as_deref(),
                    verdict: &d.verdict,
                    parcels: d.parcels as i64,
                    request_digest: &request_digest,
                    result_digest: &result_digest,
                },
            );
            insert.execute(params![
                seq,
                id,
                created_at,
                d.aimaq_version,
                d.catalog_digest,
                d.dataset_digest,
                d.crs,
                d.lang,
                d.as_of,
                d.verdict,
                d.parcels as i64,
                d.request,
                d.result,
                request_digest,
                result_digest,
                link,
                LINK_VERSION
            ])?;
            chain = link.clone();
            assigned.push(Assigned {
                id,
                seq,
                created_at,
                chain: link,
            });
        }
    }
    tx.commit()?;
    *head = (seq, chain);
    Ok(assigned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision(verdict: &str) -> NewDecision {
        NewDecision {
            aimaq_version: "0.1.0".into(),
            catalog_digest: "sha256:c".into(),
            dataset_digest: "sha256:d".into(),
            crs: "EPSG:32643".into(),
            lang: "en".into(),
            as_of: None,
            verdict: verdict.into(),
            parcels: 1,
            request: r#"{"parcels":[{"id":"A"}]}"#.into(),
            result: r#"{"ok":true}"#.into(),
        }
    }

    fn store(dir: &Path) -> Store {
        let s = Store::open(&dir.join("sub/decisions.sqlite"), Durability::Normal).unwrap();
        s.register_catalog("sha256:c", "almaty-2020", "toml")
            .unwrap();
        s.register_dataset("sha256:d", "test", "EPSG:32643", 0, b"x")
            .unwrap();
        s
    }

    #[test]
    fn decisions_are_written_read_and_never_changed() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let a = s.append_blocking(decision("prohibited")).unwrap();
        let b = s.append_blocking(decision("clear")).unwrap();
        assert_eq!((a.seq, b.seq), (1, 2));
        assert_ne!(a.id, b.id);
        let got = s.get(&a.id).unwrap().unwrap();
        assert_eq!(got.verdict, "prohibited");
        assert_eq!(got.catalog_id, "almaty-2020");
        assert_eq!(got.result, serde_json::json!({"ok": true}));
        assert_eq!(got.chain, chain_link("", &got.chain_fields()));
        assert_eq!(got.link_version, LINK_VERSION);
        let list = s.list(10, None).unwrap();
        assert_eq!(list[0].id, b.id);
        assert_eq!(list[0].parcel_ids, "A");
        s.close();

        // the triggers refuse edits, whoever tries
        let conn = Connection::open(dir.path().join("sub/decisions.sqlite")).unwrap();
        for sql in [
            "UPDATE decisions SET verdict = 'clear'",
            "DELETE FROM decisions",
            "UPDATE catalogs SET toml = ''",
            "DELETE FROM datasets",
        ] {
            let e = conn.execute(sql, []).unwrap_err().to_string();
            assert!(e.contains("immutable"), "{sql}: {e}");
        }
    }

    #[test]
    fn a_reopened_store_continues_the_chain() {
        let dir = tempfile::tempdir().unwrap();
        let first = {
            let s = store(dir.path());
            s.append_blocking(decision("clear")).unwrap()
        };
        let s = Store::open(&dir.path().join("sub/decisions.sqlite"), Durability::Full).unwrap();
        let second = s.append_blocking(decision("review")).unwrap();
        let a = s.get(&first.id).unwrap().unwrap();
        let b = s.get(&second.id).unwrap().unwrap();
        assert_eq!(b.chain, chain_link(&a.chain, &b.chain_fields()));
        assert_eq!(s.integrity_check().unwrap(), vec!["ok".to_string()]);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.sqlite");
        {
            let c = Connection::open(&path).unwrap();
            c.pragma_update(None, "user_version", 99).unwrap();
        }
        let e = Store::open(&path, Durability::Full)
            .unwrap_err()
            .to_string();
        assert!(e.contains("newer aimaq"), "{e}");
        let e = Store::open_read_only(&path).unwrap_err().to_string();
        assert!(e.contains("newer aimaq"), "{e}");
        // any other SQLite file is not a store to verify
        let other = dir.path().join("other.sqlite");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        let e = Store::open_read_only(&other).unwrap_err().to_string();
        assert!(e.contains("not an aimaq decision store"), "{e}");
    }

    #[test]
    fn ids_read_well() {
        let id = new_id("2026-11-26T10:00:00.000Z");
        assert_eq!(id.len(), 17);
        assert!(id.starts_with("20261126-"));
        assert!(id[9..]
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
        assert!(!id[9..].contains(['I', 'L', 'O', 'U']));
    }
}
