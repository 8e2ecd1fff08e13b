//! Files: `POST /screen` turns an uploaded zipped Shapefile or GeoPackage into a
//! screening job (exactly `aimaq screen`, GeoPackage report out), with progress at
//! `GET /jobs/{id}`; `POST /import` reads a small file (GeoJSON, zipped Shapefile, KML,
//! GeoPackage) into parcels for the page.
//!
//! Uploads live only in a temporary directory per request or job, removed when the job
//! is forgotten or the import answered; GDAL reads a zip in place (`/vsizip/`), so no
//! archive member is ever written anywhere. Jobs are bounded in number (queued and
//! running), kept finished up to a count, run one at a time on a pool of their own (so
//! checks keep their cores), and stopped at a time limit.

use crate::{Desk, Error, Limits};
use aimaq_check::Engine;
use aimaq_io::screen::{screen_file, ScreenRequest};
use aimaq_io::{OgrOptions, OgrSource, OpenedEngine, ParcelSource};
use aimaq_proj::Transformer;
use serde_json::{json, Value};
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

/// What an upload is, from its first bytes (names and media types are the client's word;
/// the bytes are not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Zip,
    GeoPackage,
    Kml,
    GeoJson,
}

fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Some(Kind::Zip);
    }
    if bytes.starts_with(b"SQLite format 3\0") {
        return Some(Kind::GeoPackage);
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]);
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with('{') {
        return Some(Kind::GeoJson);
    }
    if head.starts_with('<') && head.contains("<kml") {
        return Some(Kind::Kml);
    }
    None
}

/// A member of a zip, as its central directory declares it.
#[derive(Debug, Clone, PartialEq)]
struct Member {
    name: String,
    size: u64,
}

fn le16(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 2)
        .map(|x| u64::from(u16::from_le_bytes([x[0], x[1]])))
}

fn le32(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 4)
        .map(|x| u64::from(u32::from_le_bytes([x[0], x[1], x[2], x[3]])))
}

fn le64(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 8).map(|x| {
        let mut a = [0u8; 8];
        a.copy_from_slice(x);
        u64::from_le_bytes(a)
    })
}

/// The members of a zip and their uncompressed sizes, from its central directory (ZIP64
/// included), without inflating anything: what GDAL's `/vsizip/` will see, and how much it
/// could unpack (it reads a member no further than the size declared here).
fn zip_members(bytes: &[u8]) -> Result<Vec<Member>, String> {
    const EOCD: &[u8] = b"PK\x05\x06";
    let broken = || "the zip's directory cannot be read (a truncated or damaged zip)".to_string();
    let from = bytes.len().saturating_sub(22 + 65_535);
    let eocd = (from..bytes.len().saturating_sub(21))
        .rev()
        .find(|&i| &bytes[i..i + 4] == EOCD)
        .ok_or_else(broken)?;
    let mut count = le16(bytes, eocd + 10).ok_or_else(broken)?;
    let mut offset = le32(bytes, eocd + 16).ok_or_else(broken)?;
    if count == 0xFFFF || offset == 0xFFFF_FFFF {
        // ZIP64: the locator just before the end record points at the ZIP64 end record
        let loc = eocd.checked_sub(20).ok_or_else(broken)?;
        if bytes.get(loc..loc + 4) != Some(b"PK\x06\x07") {
            return Err(broken());
        }
        let end64 = le64(bytes, loc + 8).ok_or_else(broken)? as usize;
        if bytes.get(end64..end64 + 4) != Some(b"PK\x06\x06") {
            return Err(broken());
        }
        count = le64(bytes, end64 + 32).ok_or_else(broken)?;
        offset = le64(bytes, end64 + 48).ok_or_else(broken)?;
    }
    if count > 10_000 {
        return Err(format!(
            "the zip holds {count} members; a parcel file has a handful"
        ));
    }
    let mut at = usize::try_from(offset).map_err(|_| broken())?;
    let mut out = Vec::with_capacity(count as usize);
    for _ in 0..count {
        if bytes.get(at..at + 4) != Some(b"PK\x01\x02") {
            return Err(broken());
        }
        let mut size = le32(bytes, at + 24).ok_or_else(broken)?;
        let compressed = le32(bytes, at + 20).ok_or_else(broken)?;
        let name_len = le16(bytes, at + 28).ok_or_else(broken)? as usize;
        let extra_len = le16(bytes, at + 30).ok_or_else(broken)? as usize;
        let comment_len = le16(bytes, at + 32).ok_or_else(broken)? as usize;
        let name = bytes.get(at + 46..at + 46 + name_len).ok_or_else(broken)?;
        let name = String::from_utf8_lossy(name).into_owned();
        if size == 0xFFFF_FFFF {
            // the real size is in the ZIP64 extra field (first of its values)
            let extra = bytes
                .get(at + 46 + name_len..at + 46 + name_len + extra_len)
                .ok_or_else(broken)?;
            let mut i = 0;
            let mut found = None;
            while i + 4 <= extra.len() {
                let id = le16(extra, i).unwrap_or(0);
                let len = le16(extra, i + 2).unwrap_or(0) as usize;
                if id == 1 {
                    found = le64(extra, i + 4);
                    break;
                }
                i += 4 + len;
            }
            size = found.ok_or_else(broken)?;
        }
        let _ = compressed;
        out.push(Member { name, size });
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(out)
}

/// Which member of a zip to open, bounding what it unpacks to: the one `.shp` wherever it
/// lies (a zipped folder included), else the one GeoPackage, GeoJSON or KML. A zip without
/// one says what it holds instead, naming the `.shp` its `.dbf`/`.shx` expect.
fn zip_entry(bytes: &[u8], limit: u64, allowed: &[Kind]) -> Result<String, Error> {
    let members = zip_members(bytes).map_err(Error::BadRequest)?;
    let total: u64 = members.iter().map(|m| m.size).sum();
    if total > limit {
        return Err(Error::UnpackedTooLarge(format!(
            "the zip unpacks to {total} bytes, more than the limit of {limit}: send fewer or smaller files"
        )));
    }
    let files: Vec<&Member> = members.iter().filter(|m| !m.name.ends_with('/')).collect();
    let ext = |m: &Member| {
        m.name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default()
    };
    let listed = || {
        let mut names: Vec<String> = files
            .iter()
            .take(12)
            .map(|m| format!("`{}`", m.name.escape_default()))
            .collect();
        if files.len() > 12 {
            names.push(format!("and {} more", files.len() - 12));
        }
        if names.is_empty() {
            "nothing".to_string()
        } else {
            names.join(", ")
        }
    };
    let folder = files
        .iter()
        .find_map(|m| m.name.split_once('/').map(|(d, _)| d.to_string()));
    let wanted: &[&str] = if allowed.contains(&Kind::GeoJson) {
        &["shp", "gpkg", "geojson", "json", "kml"]
    } else {
        &["shp", "gpkg"]
    };
    for kind in wanted {
        let found: Vec<&&Member> = files.iter().filter(|m| ext(m) == *kind).collect();
        match found.as_slice() {
            [] => continue,
            [one] if *kind == "shp" => {
                // the Shapefile's set: its .dbf (attributes) and .shx must be beside it
                let stem = &one.name[..one.name.len() - 4];
                for part in ["dbf", "shx"] {
                    if !files.iter().any(|m| {
                        m.name.len() == stem.len() + 4
                            && m.name[..stem.len()] == *stem
                            && ext(m) == part
                    }) {
                        return Err(Error::BadRequest(format!(
                            "the zip has `{}` but no `{}.{part}` beside it: a Shapefile needs its .shp, .shx and .dbf together",
                            one.name.escape_default(),
                            stem.escape_default()
                        )));
                    }
                }
                // GDAL opens the folder that holds it (the zip's root, or a zipped folder)
                return Ok(one
                    .name
                    .rsplit_once('/')
                    .map_or(String::new(), |(d, _)| d.to_string()));
            }
            [one] => return Ok(one.name.clone()),
            many => {
                return Err(Error::BadRequest(format!(
                    "the zip holds {} .{kind} files ({}): send one layer a zip",
                    many.len(),
                    many.iter()
                        .map(|m| format!("`{}`", m.name.escape_default()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        }
    }
    // no data file: name the .shp its companions expect
    let companion = files
        .iter()
        .find(|m| matches!(ext(m).as_str(), "dbf" | "shx" | "prj" | "cpg"));
    let within = match &folder {
        Some(f) => format!(" (a folder `{}/`)", f.escape_default()),
        None => String::new(),
    };
    Err(Error::BadRequest(match companion {
        Some(c) => {
            let stem = c.name.rsplit_once('.').map_or(c.name.as_str(), |(s, _)| s);
            format!(
                "the zip has no `{}.shp`: it holds {}{within}; a Shapefile needs its .shp (the shapes), .shx and .dbf together",
                stem.escape_default(),
                listed()
            )
        }
        None => format!(
            "the zip holds no Shapefile{}: it holds {}{within}",
            if allowed.contains(&Kind::GeoJson) {
                ", GeoPackage, GeoJSON or KML"
            } else {
                " or GeoPackage"
            },
            listed()
        ),
    }))
}

/// Refuses a GeoPackage that holds any SQL view: a view runs a query of the sender's
/// choosing (a recursive CTE can run for ever) when it is read, and GDAL reads more than
/// the layers — `gpkg_contents`, `gpkg_spatial_ref_sys`, `gpkg_extensions` and others
/// as it opens the file, and any of them can be a view. The views are found in
/// `sqlite_master`, which is always a table, so finding them runs no query of the file's.
fn refuse_views(path: &Path) -> Result<(), Error> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| Error::BadRequest(format!("the GeoPackage cannot be opened: {e}")))?;
    let views: Vec<(String, bool)> = conn
        .prepare(
            "SELECT name, lower(name) IN ('gpkg_contents', 'gpkg_geometry_columns',
                 'gpkg_spatial_ref_sys', 'gpkg_extensions', 'gpkg_ogr_contents',
                 'gpkg_tile_matrix', 'gpkg_tile_matrix_set', 'gpkg_metadata',
                 'gpkg_metadata_reference', 'gpkg_data_columns')
             FROM sqlite_master WHERE type = 'view' ORDER BY name LIMIT 5",
        )
        .and_then(|mut st| st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .map_err(|e| Error::BadRequest(format!("not a GeoPackage: {e}")))?;
    if !views.is_empty() {
        let names = views
            .iter()
            .map(|(v, _)| format!("`{}`", v.escape_default()))
            .collect::<Vec<_>>()
            .join(", ");
        let metadata = views.iter().any(|(_, m)| *m);
        return Err(Error::BadRequest(format!(
            "the GeoPackage holds an SQL view ({names}{}), not only tables: views run queries when read, so the desk reads GeoPackages of tables only (export the layer to a table first)",
            if metadata {
                ", where the GeoPackage's own metadata table belongs"
            } else {
                ""
            }
        )));
    }
    Ok(())
}

/// Raises a flag when a deadline passes, unless dropped first: a read given the flag
/// ([`OgrOptions::cancel`]) then stops, inside GDAL's queries too (see
/// [`aimaq_io::ogr::SqliteCancel`]), and its thread ends.
struct Deadline {
    /// Dropped to stop the watch.
    _stop: Option<Sender<()>>,
    fired: Arc<AtomicBool>,
}

impl Deadline {
    /// Watches `flag` until `at`.
    fn watch(at: Instant, flag: Arc<AtomicBool>) -> Deadline {
        let (stop, stopped) = channel::<()>();
        let fired = Arc::new(AtomicBool::new(false));
        let raise = Arc::clone(&fired);
        let spawned = std::thread::Builder::new()
            .name("aimaq-deadline".into())
            .spawn(move || {
                let wait = at.saturating_duration_since(Instant::now());
                if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(wait)
                {
                    raise.store(true, Ordering::Relaxed);
                    flag.store(true, Ordering::Relaxed);
                }
            });
        if spawned.is_err() {
            // no thread for the watch: the time is up now rather than never
            fired.store(true, Ordering::Relaxed);
        }
        Deadline {
            _stop: Some(stop),
            fired,
        }
    }

    /// Whether the deadline passed while watched.
    fn fired(&self) -> bool {
        self.fired.load(Ordering::Relaxed)
    }
}

/// Writes the upload into `dir` and gives the path GDAL opens, once its bounds are
/// checked: a zip's unpacked size (from its directory) within `unzipped`, a plain file's
/// size within `plain` (the size is what it unpacks to), and no SQL view among a
/// GeoPackage's layers.
fn stage(
    dir: &Path,
    bytes: &[u8],
    allowed: &[Kind],
    unzipped: u64,
    plain: u64,
) -> Result<PathBuf, Error> {
    let kind = sniff(bytes)
        .filter(|k| allowed.contains(k))
        .ok_or_else(|| {
            let names: Vec<&str> = allowed
                .iter()
                .map(|k| match k {
                    Kind::Zip => "a zipped Shapefile",
                    Kind::GeoPackage => "a GeoPackage",
                    Kind::Kml => "KML",
                    Kind::GeoJson => "GeoJSON",
                })
                .collect();
            Error::UnsupportedMediaType(format!("of the upload: send {}", names.join(", ")))
        })?;
    if kind != Kind::Zip && bytes.len() as u64 > plain {
        return Err(Error::UnpackedTooLarge(format!(
            "the file is {} bytes, more than the limit of {plain} for this endpoint",
            bytes.len()
        )));
    }
    let member = match kind {
        Kind::Zip => Some(zip_entry(bytes, unzipped, allowed)?),
        _ => None,
    };
    let (name, open) = match kind {
        Kind::Zip => ("upload.zip", true),
        Kind::GeoPackage => ("upload.gpkg", false),
        Kind::Kml => ("upload.kml", false),
        Kind::GeoJson => ("upload.geojson", false),
    };
    let file = dir.join(name);
    std::fs::write(&file, bytes)
        .map_err(|e| Error::Internal(format!("cannot keep the upload: {e}")))?;
    if kind == Kind::GeoPackage {
        refuse_views(&file)?;
    }
    Ok(match (open, member) {
        (true, Some(m)) => {
            if m.to_ascii_lowercase().ends_with(".gpkg") {
                // its layers could not be checked for views without unpacking it
                return Err(Error::BadRequest(format!(
                    "the zip holds a GeoPackage (`{}`): send the .gpkg itself, not zipped",
                    m.escape_default()
                )));
            }
            if m.is_empty() {
                PathBuf::from(format!("/vsizip/{}", file.display()))
            } else {
                PathBuf::from(format!("/vsizip/{}/{m}", file.display()))
            }
        }
        _ => file,
    })
}

/// Most parcels `POST /import` hands to the page (files go to `/screen`).
const MAX_IMPORT: usize = 500;

/// Reads an uploaded file's parcels into a GeoJSON FeatureCollection in WGS84, each with
/// `id` and `use` when the file has them. A read still running at `deadline` is stopped
/// (inside GDAL's queries, for a GeoPackage) and answered [`Error::Timeout`].
pub fn import(
    bytes: &[u8],
    options: &OgrOptions,
    limits: &Limits,
    deadline: Instant,
) -> Result<Value, Error> {
    let dir = tempfile::Builder::new()
        .prefix("aimaq-import-")
        .tempdir()
        .map_err(|e| Error::Internal(format!("no temporary directory: {e}")))?;
    let path = stage(
        dir.path(),
        bytes,
        &[Kind::Zip, Kind::GeoPackage, Kind::Kml, Kind::GeoJson],
        limits.max_import_bytes,
        limits.max_import_bytes,
    )?;
    // vertices are counted before GDAL builds any geometry (its GeoJSON driver would
    // build them all at once)
    let limit = (limits.max_vertices as u64).saturating_mul(10);
    if let Some(count) = aimaq_io::ogr::count_vertices(&path, limit).filter(|n| *n > limit) {
        return Err(Error::UploadTooManyVertices { count, limit });
    }
    read_import(&path, dir.path(), options, limits, deadline)
}

/// The read of [`import`], from a staged file.
fn read_import(
    path: &Path,
    dir: &Path,
    options: &OgrOptions,
    limits: &Limits,
    deadline: Instant,
) -> Result<Value, Error> {
    let flag = Arc::new(AtomicBool::new(false));
    let options = OgrOptions {
        cancel: Some(Arc::clone(&flag)),
        ..options.clone()
    };
    let watch = Deadline::watch(deadline, flag);
    let out_of_time = || {
        Error::Timeout(format!(
            "the file was not read within the time limit ({} s): its read was stopped; send a smaller file, or screen it with POST /screen",
            limits.request_timeout.as_secs()
        ))
    };
    let mut source = OgrSource::open(path, &options).map_err(|e| match e {
        aimaq_io::Error::ReadStopped { .. } => out_of_time(),
        e => Error::BadRequest(format!(
            "the file cannot be read: {}",
            scrub(&e.to_string(), dir)
        )),
    })?;
    let info = source.info().clone();
    if let Some(total) = info.total.filter(|t| *t > MAX_IMPORT as u64) {
        return Err(Error::TooManyParcels {
            count: total as usize,
            limit: MAX_IMPORT,
        });
    }
    let to_wgs84 = Transformer::new(&info.crs.definition, "EPSG:4326")
        .map_err(|e| Error::BadRequest(e.to_string()))?;
    let mut features = Vec::new();
    let mut problems = Vec::new();
    let mut vertices = 0usize;
    for record in source.by_ref() {
        if features.len() + problems.len() >= MAX_IMPORT {
            // the layer's count was short of the truth: say at least how many
            return Err(Error::TooManyParcels {
                count: (MAX_IMPORT + 1).max(info.total.unwrap_or(0) as usize),
                limit: MAX_IMPORT,
            });
        }
        let label = record.label();
        let geometry = record
            .geometry
            .and_then(aimaq_io::polygonal)
            .and_then(|g| to_wgs84.apply(&g).map_err(|e| e.to_string()));
        match geometry {
            Ok(g) => {
                vertices += geo::CoordsIter::coords_count(&g);
                if vertices > limits.max_vertices * 10 {
                    return Err(Error::TooManyVertices {
                        count: vertices,
                        limit: limits.max_vertices * 10,
                    });
                }
                features.push(json!({
                    "type": "Feature",
                    "properties": {"id": label, "use": record.proposed_use.ok().flatten()},
                    "geometry": crate::layers::geometry_json(&geo::Geometry::MultiPolygon(g)),
                }));
            }
            Err(reason) => problems.push(json!({"id": label, "error": reason})),
        }
    }
    if source.stopped() || watch.fired() {
        // the records read are not all the file holds
        return Err(out_of_time());
    }
    Ok(json!({
        "type": "FeatureCollection",
        "features": features,
        "source": {"layer": info.layer, "crs": info.crs.label(), "records": features.len() + problems.len()},
        "problems": problems,
    }))
}

/// GDAL's messages name the temporary path: the client needs the reason, not our disk.
fn scrub(text: &str, dir: &Path) -> String {
    text.replace(&format!("/vsizip/{}", dir.display()), "upload")
        .replace(&dir.display().to_string(), "upload")
}

#[derive(Debug, Clone)]
enum State {
    Queued,
    Running,
    Done(Value),
    Failed(String),
    Cancelled,
}

impl State {
    fn name(&self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Running => "running",
            State::Done(_) => "done",
            State::Failed(_) => "failed",
            State::Cancelled => "cancelled",
        }
    }
    fn finished(&self) -> bool {
        matches!(self, State::Done(_) | State::Failed(_) | State::Cancelled)
    }
}

/// A place among the jobs queued or running, taken atomically before an upload is read
/// and given back when the job finishes (or the upload is refused): N simultaneous
/// requests against a limit of M get exactly min(N, M) places.
pub struct Slot(Arc<Inner>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::AcqRel);
    }
}

struct Job {
    slot: Mutex<Option<Slot>>,
    id: String,
    created_at: String,
    upload_bytes: usize,
    input: PathBuf,
    options: OgrOptions,
    dir: tempfile::TempDir,
    state: Mutex<State>,
    written: AtomicU64,
    total: AtomicU64,
    /// Raised to stop the job (cancelled, the desk closing, its time limit): shared with
    /// its reader, which stops inside GDAL's queries too.
    cancel: Arc<AtomicBool>,
}

impl Job {
    /// Sets the job's state; a finished job gives its place back.
    fn set(&self, state: State) {
        let finished = state.finished();
        *self.state.lock().expect("job state") = state;
        if finished {
            self.slot.lock().expect("job slot").take();
        }
    }

    fn report(&self) -> PathBuf {
        self.dir.path().join("report.gpkg")
    }

    fn status(&self) -> Value {
        let state = self.state.lock().expect("job state").clone();
        let total = self.total.load(Ordering::Relaxed);
        let total = (total != u64::MAX).then_some(total);
        let written = self.written.load(Ordering::Relaxed);
        let base = format!("{}/jobs/{}", crate::routes::PREFIX, self.id);
        let mut v = json!({
            "id": self.id,
            "state": state.name(),
            "created_at": self.created_at,
            "upload_bytes": self.upload_bytes,
            "progress": {
                "written": written,
                "total": total,
                "fraction": total.filter(|t| *t > 0).map(|t| written as f64 / t as f64),
            },
            "links": {"self": base},
        });
        match state {
            State::Done(summary) => {
                v["summary"] = summary;
                v["links"]["report"] = json!(format!("{base}/report.gpkg"));
            }
            State::Failed(reason) => v["error"] = json!(reason),
            _ => {}
        }
        v
    }
}

struct Inner {
    desk: Arc<Desk>,
    limits: Limits,
    jobs: Mutex<VecDeque<Arc<Job>>>,
    queue: Mutex<Option<Sender<Arc<Job>>>>,
    worker: Mutex<Option<std::thread::JoinHandle<()>>>,
    opened: OnceLock<Result<OpenedEngine, String>>,
    active: std::sync::atomic::AtomicUsize,
}

/// The screening jobs.
#[derive(Clone)]
pub struct Jobs(Arc<Inner>);

impl Jobs {
    /// No jobs yet; the worker starts with the first.
    pub fn new(desk: Arc<Desk>, limits: Limits) -> Jobs {
        Jobs(Arc::new(Inner {
            desk,
            limits,
            jobs: Mutex::new(VecDeque::new()),
            queue: Mutex::new(None),
            worker: Mutex::new(None),
            opened: OnceLock::new(),
            active: std::sync::atomic::AtomicUsize::new(0),
        }))
    }

    /// Takes a place for a new job, or refuses when every place is taken (before the
    /// upload is read). The check and the taking are one atomic step.
    pub fn reserve(&self) -> Result<Slot, Error> {
        let max = self.0.limits.max_jobs;
        self.0
            .active
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1))
            .map(|_| Slot(Arc::clone(&self.0)))
            .map_err(|n| {
                Error::TooManyJobs(format!(
                    "{n} screening jobs are queued or running, the limit is {max}: try again when one finishes"
                ))
            })
    }

    /// Jobs held, by state.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut out = BTreeMap::new();
        for j in self.0.jobs.lock().expect("jobs").iter() {
            *out.entry(j.state.lock().expect("job state").name())
                .or_insert(0) += 1;
        }
        out
    }

    /// Stages an upload and queues its screening.
    pub fn start(&self, bytes: &[u8], options: OgrOptions) -> Result<Value, Error> {
        let slot = self.reserve()?;
        self.start_reserved(slot, bytes, options)
    }

    /// The same, in a place already taken with [`Jobs::reserve`] (given back if the
    /// upload is refused).
    pub fn start_reserved(
        &self,
        slot: Slot,
        bytes: &[u8],
        options: OgrOptions,
    ) -> Result<Value, Error> {
        let dir = tempfile::Builder::new()
            .prefix("aimaq-screen-")
            .tempdir()
            .map_err(|e| Error::Internal(format!("no temporary directory: {e}")))?;
        let input = stage(
            dir.path(),
            bytes,
            &[Kind::Zip, Kind::GeoPackage],
            self.0.limits.max_unzipped_bytes,
            self.0.limits.max_unzipped_bytes,
        )?;
        // refuse what cannot be screened now, not minutes later; within the request's
        // time, stopping GDAL's queries if they overrun
        let flag = Arc::new(AtomicBool::new(false));
        let watch = Deadline::watch(
            Instant::now() + self.0.limits.request_timeout,
            Arc::clone(&flag),
        );
        let checked = OgrSource::open(
            &input,
            &OgrOptions {
                cancel: Some(flag),
                ..options.clone()
            },
        );
        drop(checked.map_err(|e| match e {
            aimaq_io::Error::ReadStopped { .. } => Error::Timeout(format!(
                "the file was not opened within the time limit ({} s): its read was stopped",
                self.0.limits.request_timeout.as_secs()
            )),
            e => Error::BadRequest(format!(
                "the file cannot be screened: {}",
                scrub(&e.to_string(), dir.path())
            )),
        })?);
        drop(watch);
        let created_at = crate::time::now_rfc3339();
        let mut random = [0u8; 6];
        getrandom::fill(&mut random).map_err(|e| Error::Internal(e.to_string()))?;
        let id = format!(
            "job-{}",
            random
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let job = Arc::new(Job {
            slot: Mutex::new(Some(slot)),
            id,
            created_at,
            upload_bytes: bytes.len(),
            input,
            options,
            dir,
            state: Mutex::new(State::Queued),
            written: AtomicU64::new(0),
            total: AtomicU64::new(u64::MAX),
            cancel: Arc::new(AtomicBool::new(false)),
        });
        {
            let mut jobs = self.0.jobs.lock().expect("jobs");
            jobs.push_back(Arc::clone(&job));
            // forget the oldest finished jobs beyond the count kept (their files go too)
            while jobs.len() > self.0.limits.kept_jobs + self.0.limits.max_jobs {
                let Some(pos) = jobs
                    .iter()
                    .position(|j| j.state.lock().expect("job state").finished())
                else {
                    break;
                };
                jobs.remove(pos);
            }
        }
        self.sender()
            .send(Arc::clone(&job))
            .map_err(|_| Error::Internal("the screening worker stopped".into()))?;
        Ok(job.status())
    }

    fn sender(&self) -> Sender<Arc<Job>> {
        let mut queue = self.0.queue.lock().expect("job queue");
        if let Some(tx) = queue.as_ref() {
            return tx.clone();
        }
        let (tx, rx) = channel::<Arc<Job>>();
        // the worker holds the jobs weakly: when the desk goes, the channel closes and
        // the worker ends, and the jobs' temporary directories go with them
        let jobs = Arc::downgrade(&self.0);
        let worker = std::thread::Builder::new()
            .name("aimaq-jobs".into())
            .spawn(move || {
                // one core for jobs: checks keep the rest
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .thread_name(|i| format!("aimaq-job-{i}"))
                    .build();
                for job in rx {
                    let Some(inner) = jobs.upgrade() else { break };
                    let jobs = Jobs(inner);
                    match &pool {
                        Ok(pool) => pool.install(|| jobs.run(&job)),
                        Err(e) => job.set(State::Failed(format!("no worker thread: {e}"))),
                    }
                }
            })
            .expect("a thread for screening jobs");
        *self.0.worker.lock().expect("job worker") = Some(worker);
        *queue = Some(tx.clone());
        tx
    }

    /// Stops every job and waits for the one running, then forgets them all, removing
    /// their uploads and reports (the desk is closing).
    ///
    /// A job stuck inside a GDAL read that cannot be interrupted is waited for `wait` at
    /// most, then left to the process's end (its files go when the process exits... or
    /// remain in the temporary directory if it is killed).
    pub fn shutdown(&self, wait: std::time::Duration) {
        self.cancel_all();
        self.0.queue.lock().expect("job queue").take();
        if let Some(w) = self.0.worker.lock().expect("job worker").take() {
            let (tx, rx) = std::sync::mpsc::channel();
            let _ = std::thread::Builder::new()
                .name("aimaq-jobs-join".into())
                .spawn(move || {
                    let _ = w.join();
                    let _ = tx.send(());
                });
            if rx.recv_timeout(wait).is_err() {
                eprintln!(
                    "aimaq serve: a screening job did not stop within {} s; leaving it",
                    wait.as_secs()
                );
            }
        }
        self.0.jobs.lock().expect("jobs").clear();
    }

    fn opened(&self) -> Result<&OpenedEngine, String> {
        self.0
            .opened
            .get_or_init(|| {
                let desk = &self.0.desk;
                let ground =
                    aimaq_io::distortion::ground(desk.metric()).map_err(|e| e.to_string())?;
                let mut engine = Engine::new(
                    desk.catalog().clone(),
                    desk.metric().label(),
                    desk.features().to_vec(),
                )
                .with_ground(ground)
                .with_attribution(desk.attribution().map(str::to_string));
                // the reader's own problems, as every engine of the desk has them
                engine.add_issues(desk.load_issues().to_vec());
                Ok(OpenedEngine {
                    engine,
                    metric: desk.metric().clone(),
                    reprojector: desk.reprojector().clone(),
                    dataset: desk.dataset_label().to_string(),
                    layers: desk.layers().to_vec(),
                    catalog_digest: desk.catalog_digest().to_string(),
                    as_of: None,
                    attribution: desk.attribution().map(str::to_string),
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    fn run(&self, job: &Job) {
        if job.cancel.load(Ordering::Relaxed) {
            job.set(State::Cancelled);
            return;
        }
        *job.state.lock().expect("job state") = State::Running;
        let started = Instant::now();
        let limit = self.0.limits.job_timeout;
        let timed_out = AtomicBool::new(false);
        // the job's own bound, `--job-timeout`: raised at the time even if GDAL is
        // inside one long query, which the flag stops
        let watch = Deadline::watch(started + limit, Arc::clone(&job.cancel));
        let progress = |p: aimaq_io::pipeline::Progress| {
            use aimaq_io::pipeline::Progress::*;
            match p {
                Started(total) => job
                    .total
                    .store(total.unwrap_or(u64::MAX), Ordering::Relaxed),
                Written(n) => job.written.store(n, Ordering::Relaxed),
                Finishing => {}
            }
            if started.elapsed() > limit {
                timed_out.store(true, Ordering::Relaxed);
                job.cancel.store(true, Ordering::Relaxed);
            }
        };
        let outcome = self.opened().map_err(Error::Internal).and_then(|opened| {
            let request = ScreenRequest {
                input: OgrOptions {
                    cancel: Some(Arc::clone(&job.cancel)),
                    ..job.options.clone()
                },
                ..ScreenRequest::new(&job.input, job.report())
            };
            screen_file(opened, &request, Some(&progress), Some(&*job.cancel))
                .map_err(|e| Error::BadRequest(scrub(&e.to_string(), job.dir.path())))
        });
        let state = match outcome {
            Ok(summary) => {
                let mut v = serde_json::to_value(&summary).unwrap_or(Value::Null);
                // paths of our temporary directory are nobody's business
                if let Some(o) = v.as_object_mut() {
                    o.remove("parcels_file");
                    o.remove("report");
                }
                State::Done(v)
            }
            Err(_) if timed_out.load(Ordering::Relaxed) || watch.fired() => State::Failed(format!(
                "stopped after {} s, the time limit for a job",
                limit.as_secs()
            )),
            Err(_) if job.cancel.load(Ordering::Relaxed) => State::Cancelled,
            Err(e) => State::Failed(e.to_string()),
        };
        job.set(state);
    }

    fn find(&self, id: &str) -> Result<Arc<Job>, Error> {
        self.0
            .jobs
            .lock()
            .expect("jobs")
            .iter()
            .find(|j| j.id == id)
            .cloned()
            .ok_or_else(|| Error::NotFound(format!("no job `{}`", id.escape_default())))
    }

    /// A job's state, progress and (when done) summary.
    pub fn status(&self, id: &str) -> Result<Value, Error> {
        Ok(self.find(id)?.status())
    }

    /// Stops a job (it keeps what it had; a cancelled job has no report).
    pub fn cancel(&self, id: &str) -> Result<Value, Error> {
        let job = self.find(id)?;
        job.cancel.store(true, Ordering::Relaxed);
        let mut state = job.state.lock().expect("job state");
        if matches!(*state, State::Queued) {
            *state = State::Cancelled;
            drop(state);
            job.slot.lock().expect("job slot").take();
        }
        Ok(job.status())
    }

    /// Stops every job (the desk is closing).
    pub fn cancel_all(&self) {
        for j in self.0.jobs.lock().expect("jobs").iter() {
            j.cancel.store(true, Ordering::Relaxed);
        }
    }

    /// The finished report of job `id`.
    pub fn report_path(&self, id: &str) -> Result<PathBuf, Error> {
        let job = self.find(id)?;
        let state = job.state.lock().expect("job state").clone();
        match state {
            State::Done(_) => Ok(job.report()),
            other => Err(Error::Conflict(format!(
                "job `{id}` is {}: no report to download",
                other.name()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A GeoPackage whose layer `parcels` is a view over an endless recursive CTE: the
    /// desk refuses it before GDAL opens it (`refuse_views`); here it stands for any
    /// GDAL read that does not end, and is read directly.
    fn endless_geopackage(path: &Path) {
        let c = rusqlite::Connection::open(path).unwrap();
        c.execute_batch(
            "PRAGMA application_id = 1196444487; PRAGMA user_version = 10300;
             CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
                 organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
             INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84', 4326, 'EPSG', 4326, 'GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563]],PRIMEM[\"Greenwich\",0],UNIT[\"degree\",0.0174532925199433]]', NULL);
             CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
                 description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
                 min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
             CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
                 srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, PRIMARY KEY (table_name, column_name));
             CREATE VIEW parcels AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)
                 SELECT n AS fid, CAST(NULL AS BLOB) AS geom, 'P-' || n AS id FROM r;
             INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('parcels', 'features', 'parcels', 4326);
             INSERT INTO gpkg_geometry_columns VALUES ('parcels', 'geom', 'POLYGON', 4326, 0, 0);",
        )
        .unwrap();
    }

    /// Waits for a thread to end, up to `bound`; gives its result and how long it took.
    fn ends_within<T: Send + 'static>(
        bound: Duration,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> (T, Duration) {
        let started = Instant::now();
        let handle = std::thread::spawn(f);
        while !handle.is_finished() {
            assert!(
                started.elapsed() < bound,
                "the reading thread still runs after {bound:?}: its core is not released"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        (handle.join().unwrap(), started.elapsed())
    }

    #[test]
    fn r2_a_hung_gdal_read_in_import_is_stopped_at_its_deadline_and_its_thread_ends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("endless.gpkg");
        endless_geopackage(&path);
        let limits = Limits {
            request_timeout: Duration::from_millis(800),
            ..Limits::default()
        };
        let at = Instant::now() + limits.request_timeout;
        let work = dir.path().to_path_buf();
        let (out, took) = ends_within(Duration::from_secs(5), move || {
            // GDAL 3.6 finds no CRS for a view's layer: named, as a user would
            let options = OgrOptions {
                s_srs: Some("EPSG:4326".into()),
                ..OgrOptions::default()
            };
            read_import(&path, &work, &options, &limits, at)
        });
        match out {
            Err(Error::Timeout(m)) => assert!(m.contains("was stopped"), "{m}"),
            other => panic!("expected a timeout, got {other:?}"),
        }
        eprintln!("the endless read ended {took:?} after it began (deadline 800 ms)");
        assert!(took >= Duration::from_millis(700), "{took:?}");
    }

    #[test]
    fn r2_a_hung_gdal_read_in_a_screening_job_is_stopped_at_the_job_timeout() {
        let desk = Arc::new(Desk::open(&Default::default()).unwrap());
        let jobs = Jobs::new(
            desk,
            Limits {
                job_timeout: Duration::from_secs(1),
                ..Limits::default()
            },
        );
        let dir = tempfile::Builder::new()
            .prefix("aimaq-screen-")
            .tempdir()
            .unwrap();
        let input = dir.path().join("endless.gpkg");
        endless_geopackage(&input);
        let slot = jobs.reserve().unwrap();
        let job = Arc::new(Job {
            slot: Mutex::new(Some(slot)),
            id: "job-endless".into(),
            created_at: String::new(),
            upload_bytes: 0,
            input,
            options: OgrOptions {
                s_srs: Some("EPSG:4326".into()),
                ..OgrOptions::default()
            },
            dir,
            state: Mutex::new(State::Queued),
            written: AtomicU64::new(0),
            total: AtomicU64::new(u64::MAX),
            cancel: Arc::new(AtomicBool::new(false)),
        });
        // the engine is built before the clock starts
        jobs.opened().unwrap();
        let (running, worker) = (Arc::clone(&job), jobs.clone());
        let ((), took) = ends_within(Duration::from_secs(6), move || worker.run(&running));
        let state = job.state.lock().unwrap().clone();
        match state {
            State::Failed(m) => assert!(m.contains("time limit for a job"), "{m}"),
            other => panic!("expected the job stopped at its time limit, got {other:?}"),
        }
        eprintln!("the endless job ended {took:?} after it began (job timeout 1 s)");
        assert_eq!(
            jobs.0.active.load(Ordering::Acquire),
            0,
            "its place is free"
        );
    }

    #[test]
    fn uploads_are_known_by_their_bytes() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Some(Kind::Zip));
        assert_eq!(sniff(b"SQLite format 3\0..."), Some(Kind::GeoPackage));
        assert_eq!(sniff(b"\xef\xbb\xbf  {\"type\": 1}"), Some(Kind::GeoJson));
        assert_eq!(
            sniff(b"<?xml version=\"1.0\"?><kml xmlns=\"http://www.opengis.net/kml/2.2\">"),
            Some(Kind::Kml)
        );
        assert_eq!(sniff(b"#!/bin/sh"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn a_closing_desk_leaves_no_upload_behind() {
        let desk = Arc::new(Desk::open(&Default::default()).unwrap());
        let jobs = Jobs::new(desk, Limits::default());
        let zip = include_bytes!("../../../fixtures/ogr/gk13.zip");
        let options = OgrOptions {
            id_field: Some("kad_nomer".into()),
            ..OgrOptions::default()
        };
        let status = jobs.start(zip, options).unwrap();
        let id = status["id"].as_str().unwrap().to_string();
        let dir = jobs.find(&id).unwrap().dir.path().to_path_buf();
        assert!(dir.join("upload.zip").exists());
        assert!(
            !dir.starts_with(env!("CARGO_MANIFEST_DIR")),
            "uploads live in a temporary directory"
        );
        for _ in 0..600 {
            if jobs.status(&id).unwrap()["state"] == "done" {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert_eq!(jobs.status(&id).unwrap()["state"], "done");
        assert!(jobs.report_path(&id).unwrap().exists());
        jobs.shutdown(std::time::Duration::from_secs(30));
        assert!(!dir.exists(), "{} is still there", dir.display());
    }
}
