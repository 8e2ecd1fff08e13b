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

/// Writes the upload into `dir` and gives the path GDAL opens.
fn stage(dir: &Path, bytes: &[u8], allowed: &[Kind]) -> Result<PathBuf, Error> {
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
    let (name, open) = match kind {
        Kind::Zip => ("upload.zip", true),
        Kind::GeoPackage => ("upload.gpkg", false),
        Kind::Kml => ("upload.kml", false),
        Kind::GeoJson => ("upload.geojson", false),
    };
    let file = dir.join(name);
    std::fs::write(&file, bytes)
        .map_err(|e| Error::Internal(format!("cannot keep the upload: {e}")))?;
    Ok(if open {
        PathBuf::from(format!("/vsizip/{}", file.display()))
    } else {
        file
    })
}

/// Most parcels `POST /import` hands to the page (files go to `/screen`).
const MAX_IMPORT: usize = 500;

/// Reads an uploaded file's parcels into a GeoJSON FeatureCollection in WGS84, each with
/// `id` and `use` when the file has them.
pub fn import(bytes: &[u8], options: &OgrOptions, limits: &Limits) -> Result<Value, Error> {
    let dir = tempfile::Builder::new()
        .prefix("aimaq-import-")
        .tempdir()
        .map_err(|e| Error::Internal(format!("no temporary directory: {e}")))?;
    let path = stage(
        dir.path(),
        bytes,
        &[Kind::Zip, Kind::GeoPackage, Kind::Kml, Kind::GeoJson],
    )?;
    let source = OgrSource::open(&path, options).map_err(|e| {
        Error::BadRequest(format!(
            "the file cannot be read: {}",
            scrub(&e.to_string(), dir.path())
        ))
    })?;
    let info = source.info().clone();
    let to_wgs84 = Transformer::new(&info.crs.definition, "EPSG:4326")
        .map_err(|e| Error::BadRequest(e.to_string()))?;
    let mut features = Vec::new();
    let mut problems = Vec::new();
    let mut vertices = 0usize;
    for record in source {
        if features.len() + problems.len() >= MAX_IMPORT {
            return Err(Error::TooManyParcels {
                count: MAX_IMPORT + 1,
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

struct Job {
    id: String,
    created_at: String,
    upload_bytes: usize,
    input: PathBuf,
    options: OgrOptions,
    dir: tempfile::TempDir,
    state: Mutex<State>,
    written: AtomicU64,
    total: AtomicU64,
    cancel: AtomicBool,
}

impl Job {
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
        }))
    }

    fn active(&self) -> usize {
        self.0
            .jobs
            .lock()
            .expect("jobs")
            .iter()
            .filter(|j| !j.state.lock().expect("job state").finished())
            .count()
    }

    /// Refuses a new job when the queue is full (before its upload is read).
    pub fn admit(&self) -> Result<(), Error> {
        let active = self.active();
        if active >= self.0.limits.max_jobs {
            return Err(Error::TooManyJobs(format!(
                "{active} screening jobs are queued or running, the limit is {}: try again when one finishes",
                self.0.limits.max_jobs
            )));
        }
        Ok(())
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
        self.admit()?;
        let dir = tempfile::Builder::new()
            .prefix("aimaq-screen-")
            .tempdir()
            .map_err(|e| Error::Internal(format!("no temporary directory: {e}")))?;
        let input = stage(dir.path(), bytes, &[Kind::Zip, Kind::GeoPackage])?;
        // refuse what cannot be screened now, not minutes later
        OgrSource::open(&input, &options).map_err(|e| {
            Error::BadRequest(format!(
                "the file cannot be screened: {}",
                scrub(&e.to_string(), dir.path())
            ))
        })?;
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
            id,
            created_at,
            upload_bytes: bytes.len(),
            input,
            options,
            dir,
            state: Mutex::new(State::Queued),
            written: AtomicU64::new(0),
            total: AtomicU64::new(u64::MAX),
            cancel: AtomicBool::new(false),
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
                        Err(e) => {
                            *job.state.lock().expect("job state") =
                                State::Failed(format!("no worker thread: {e}"))
                        }
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
    pub fn shutdown(&self) {
        self.cancel_all();
        self.0.queue.lock().expect("job queue").take();
        if let Some(w) = self.0.worker.lock().expect("job worker").take() {
            let _ = w.join();
        }
        self.0.jobs.lock().expect("jobs").clear();
    }

    fn opened(&self) -> Result<&OpenedEngine, String> {
        self.0
            .opened
            .get_or_init(|| {
                let desk = &self.0.desk;
                let mut engine = Engine::new(
                    desk.catalog().clone(),
                    desk.metric().label(),
                    desk.features().to_vec(),
                );
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
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    fn run(&self, job: &Job) {
        if job.cancel.load(Ordering::Relaxed) {
            *job.state.lock().expect("job state") = State::Cancelled;
            return;
        }
        *job.state.lock().expect("job state") = State::Running;
        let started = Instant::now();
        let limit = self.0.limits.job_timeout;
        let timed_out = AtomicBool::new(false);
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
                input: job.options.clone(),
                ..ScreenRequest::new(&job.input, job.report())
            };
            screen_file(opened, &request, Some(&progress), Some(&job.cancel))
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
            Err(_) if timed_out.load(Ordering::Relaxed) => State::Failed(format!(
                "stopped after {} s, the time limit for a job",
                limit.as_secs()
            )),
            Err(_) if job.cancel.load(Ordering::Relaxed) => State::Cancelled,
            Err(e) => State::Failed(e.to_string()),
        };
        *job.state.lock().expect("job state") = state;
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
        {
            let mut state = job.state.lock().expect("job state");
            if matches!(*state, State::Queued) {
                *state = State::Cancelled;
            }
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
        jobs.shutdown();
        assert!(!dir.exists(), "{} is still there", dir.display());
    }
}
