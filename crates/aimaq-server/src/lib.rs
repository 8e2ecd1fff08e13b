//! # aimaq-server
//!
//! The permit desk behind `aimaq serve`: a permit officer checks one application on a
//! map and prints a decision record; every check is kept in a decision store that can
//! be verified again months later (`aimaq decisions verify`).
//!
//! - [`Desk`]: the catalog and the dataset, read once, with engines per language and
//!   rules in force, and the digests every decision records.
//! - [`request`]: GeoJSON, WKT or coordinates with a CRS, checked and normalised;
//!   [`decide`]: the JSON contract of `aimaq check` for it.
//! - [`store`]: SQLite (WAL) with migrations, immutable decisions, group commit.
//! - [`verify`]: every stored decision re-run against its recorded catalog and data.
//! - [`api`]: the axum router — JSON API under `/api/v1` (OpenAPI at
//!   `/api/v1/openapi.json`), the page, `/healthz`, `/metrics`.
//!
//! ```no_run
//! use aimaq_server::{Config, Desk};
//! let config = Config { store: "/tmp/decisions.sqlite".into(), ..Config::default() };
//! // blocks until Ctrl-C
//! aimaq_server::run(Desk::open(&Default::default()).unwrap(), config).unwrap();
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod api;
mod assets;
pub mod decide;
pub mod desk;
mod error;
mod i18n;
pub mod impact;
pub mod jobs;
mod layers;
mod metrics;
mod numbers;
pub mod parcels;
mod pdf;
mod report;
pub mod request;
mod routes;
mod rules;
pub mod snapshot;
pub mod store;
pub mod time;
pub mod verify;

pub use desk::{Desk, DeskOptions};
pub use error::Error;
pub use snapshot::sha256;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The aimaq version decisions record.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What one request may ask of the desk.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body, bytes (uploads to `/screen` have their own limit).
    pub max_body_bytes: usize,
    /// Most vertices over all parcels of a check.
    pub max_vertices: usize,
    /// Most parcels in one check (a decision); files go to `/screen`.
    pub max_parcels: usize,
    /// Longest a request may take, reading its body included.
    pub request_timeout: Duration,
    /// Largest upload to `/screen` and `/import`, bytes.
    pub max_upload_bytes: usize,
    /// Screening jobs queued or running at once.
    pub max_jobs: usize,
    /// Finished jobs kept for download (the oldest go first).
    pub kept_jobs: usize,
    /// Longest a screening job may run.
    pub job_timeout: Duration,
    /// Largest uncompressed size of an upload to `/screen`: the sum of a zip's members
    /// as its directory declares them (GDAL reads no further than that).
    pub max_unzipped_bytes: u64,
    /// Largest uncompressed size of an upload to `/import` (GDAL's GeoJSON reader holds a
    /// whole file in memory, several times its size).
    pub max_import_bytes: u64,
    /// Imports read at once; one more is answered 429.
    pub max_imports: usize,
    /// Connections open at once; the next waits in the kernel's backlog until one closes.
    pub max_connections: usize,
    /// A connection that has not sent a complete request head within this time of
    /// opening, or of its last answer, is closed (header-read and keep-alive idle
    /// timeout in one).
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1 << 20,
            max_vertices: 20_000,
            max_parcels: 100,
            request_timeout: Duration::from_secs(10),
            max_upload_bytes: 64 << 20,
            max_jobs: 4,
            kept_jobs: 16,
            job_timeout: Duration::from_secs(15 * 60),
            max_unzipped_bytes: 1 << 30,
            max_import_bytes: 32 << 20,
            max_imports: 2,
            max_connections: 256,
            idle_timeout: Duration::from_secs(15),
        }
    }
}

/// How the desk serves.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen; loopback unless told otherwise.
    pub bind: SocketAddr,
    /// The decision store (SQLite).
    pub store: PathBuf,
    /// How hard commits hold on to the disk.
    pub durability: store::Durability,
    /// A bearer token the API asks for (`None`: no token).
    pub token: Option<String>,
    /// Chromium for PDFs (`None`: look for `chromium`, `chromium-browser`,
    /// `google-chrome` on `PATH`).
    pub chromium: Option<PathBuf>,
    /// Host names the desk answers to besides the address it is bound to (and, when
    /// that is loopback, `localhost`): a request whose `Host` names anything else is
    /// refused, which is what stops DNS rebinding.
    pub allowed_hosts: Vec<String>,
    /// Limits.
    pub limits: Limits,
    /// The cadastre the page finds parcels in by number (`--parcels`), read at start.
    pub parcels: Option<std::sync::Arc<parcels::ParcelIndex>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            store: default_store(),
            durability: store::Durability::Full,
            token: None,
            chromium: None,
            allowed_hosts: Vec::new(),
            limits: Limits::default(),
            parcels: None,
        }
    }
}

/// `$XDG_DATA_HOME/aimaq/decisions.sqlite` (`~/.local/share/…` without it; the
/// platform's data directory elsewhere), or `./aimaq-decisions.sqlite` when there is no
/// home at all.
pub fn default_store() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"))?;
            let home = PathBuf::from(home);
            Some(if cfg!(target_os = "macos") {
                home.join("Library/Application Support")
            } else if cfg!(windows) {
                std::env::var_os("APPDATA").map_or(home.join("AppData/Roaming"), PathBuf::from)
            } else {
                home.join(".local/share")
            })
        });
    match base {
        Some(b) => b.join("aimaq").join("decisions.sqlite"),
        None => PathBuf::from("aimaq-decisions.sqlite"),
    }
}

/// Serves until Ctrl-C or SIGTERM: opens the store, registers the desk's catalog and
/// dataset in it, binds, and runs the router on a multi-threaded runtime. Checks run on
/// rayon's pool, off the runtime's threads.
pub fn run(desk: Desk, config: Config) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("aimaq-http")
        .build()
        .map_err(|e| Error::Setup(format!("cannot start the runtime: {e}")))?;
    let result = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|e| Error::Setup(format!("cannot listen on {}: {e}", config.bind)))?;
        let state = api::State::new(desk, &config)?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Setup(e.to_string()))?;
        if let Some(p) = &config.parcels {
            eprintln!(
                "aimaq serve: cadastre {}: {} parcels searchable by number{}",
                p.label(),
                p.len(),
                match p.skipped() {
                    [] => String::new(),
                    s => format!(", {} records skipped (first: {})", s.len(), s[0]),
                }
            );
        }
        eprintln!(
            "aimaq serve: the permit desk is at http://{addr}/ ({}; decisions in {}{})",
            state.desk().dataset_label(),
            config.store.display(),
            if config.token.is_some() {
                "; the API asks for a bearer token"
            } else {
                ""
            }
        );
        if !addr.ip().is_loopback() && config.token.is_none() {
            eprintln!("aimaq serve: warning: listening beyond loopback without a token");
        }
        api::serve(listener, state, shutdown_signal()).await
    });
    // a read GDAL cannot be told to stop (a stuck import) must not keep the process
    // alive after SIGTERM: blocking threads still running are abandoned
    runtime.shutdown_timeout(Duration::from_secs(2));
    result
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    eprintln!("aimaq serve: stopping (decisions already answered are stored)");
}

#[cfg(test)]
pub(crate) mod testing {
    use crate::Desk;
    use std::sync::OnceLock;

    /// One desk per test binary: engines are built once and shared.
    pub fn desk() -> &'static Desk {
        static DESK: OnceLock<Desk> = OnceLock::new();
        DESK.get_or_init(|| Desk::open(&Default::default()).expect("the embedded desk"))
    }
}
