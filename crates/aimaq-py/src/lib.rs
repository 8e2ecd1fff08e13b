//! `aimaq._aimaq`: the native part of the Python package `aimaq`.
//!
//! A thin binding over `aimaq-io`: an [`Engine`] is `aimaq_io::open_engine`; a check is
//! an Arrow record batch of WKB through `aimaq_io::wkb_source::WkbSource` and
//! `aimaq_io::pipeline::run` into two Arrow tables; a screen is
//! `aimaq_io::screen::screen_file`, the pipeline of `aimaq screen`. Both run on rayon
//! with the GIL released, and stop at the next chunk on Ctrl-C. Records in = rows out:
//! a bad record is an error row; only what concerns the whole call raises.
//!
//! The Python side (`python/aimaq/`) turns shapely, GeoPandas and pyarrow inputs into
//! batches and the tables into DataFrames.

mod arrow_ffi;
mod table;

use aimaq_io::dataset::DatasetSource;
use aimaq_io::output::OutputError;
use aimaq_io::pipeline::{self, Progress, RunOptions};
use aimaq_io::screen::{screen_file, ScreenRequest};
use aimaq_io::wkb_source::WkbSource;
use aimaq_io::{open_engine, EngineOptions, OgrOptions, OpenedEngine, ParcelSource, RecordChecker};
use aimaq_rules::{Date, Lang};
use arrow_ffi::{import_batch, ArrowBatch};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyFileExistsError, PyFileNotFoundError, PyValueError};
use pyo3::prelude::*;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use table::ArrowSink;

create_exception!(
    _aimaq,
    AimaqError,
    PyException,
    "A call aimaq could not carry out as a whole: an unreadable dataset or parcel file, \
     an unknown CRS, coordinates that cannot be in the CRS given, an output that exists."
);

/// The Python exception for an `aimaq-io` error.
fn io_error(e: aimaq_io::Error) -> PyErr {
    let text = e.to_string();
    match e {
        aimaq_io::Error::Missing { .. } => PyFileNotFoundError::new_err(text),
        aimaq_io::Error::Output(OutputError::Exists { .. }) => PyFileExistsError::new_err(text),
        _ => AimaqError::new_err(text),
    }
}

/// An engine: the catalog, the constraint dataset and the CRS it measures in, loaded once
/// and shared by every check (it is immutable; checks run in parallel).
#[pyclass(frozen, module = "aimaq._aimaq", name = "Engine")]
struct Engine {
    opened: OpenedEngine,
    /// What it was opened from: the land balance reads the dataset's features again.
    options: EngineOptions,
    lang: Lang,
    as_of: Option<Date>,
    /// A pool of its own when the caller fixed the threads (a Spark task gets one core),
    /// else rayon's global pool (all cores).
    pool: Option<rayon::ThreadPool>,
}

impl Engine {
    /// Runs `work` on another thread with the GIL released, in the engine's pool, while
    /// this thread watches for Ctrl-C: an interrupt sets `cancel` (the pipeline stops at
    /// the next chunk) and is raised once `work` has returned.
    fn released<T: Send>(
        &self,
        py: Python<'_>,
        cancel: &AtomicBool,
        work: impl FnOnce() -> T + Send,
    ) -> PyResult<T> {
        let waiter = std::thread::current();
        std::thread::scope(|scope| {
            let handle = scope.spawn(move || {
                let out = match &self.pool {
                    Some(pool) => pool.install(work),
                    None => work(),
                };
                waiter.unpark();
                out
            });
            let mut interrupted = None;
            while !handle.is_finished() {
                py.detach(|| std::thread::park_timeout(Duration::from_millis(100)));
                if interrupted.is_none() {
                    if let Err(e) = py.check_signals() {
                        cancel.store(true, Ordering::Relaxed);
                        interrupted = Some(e);
                    }
                }
            }
            let out = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            match interrupted {
                Some(e) => Err(e),
                None => Ok(out),
            }
        })
    }
}

#[pymethods]
impl Engine {
    /// Loads the catalog and the dataset: `data` is a directory of layer files or a
    /// GeoPackage (None: the embedded Almaty data); `metric_crs` the projected CRS with
    /// metre axes distances and areas are measured in; `threads` the checking threads
    /// (None: all cores); `max_vertices` and `max_extent_km` the limits on one parcel,
    /// past which it is an error row.
    #[new]
    #[pyo3(signature = (data=None, lang="en", as_of=None, metric_crs=aimaq_io::DEFAULT_CRS, catalog=None, threads=None, max_vertices=aimaq_check::Limits::default().max_vertices, max_extent_km=aimaq_check::Limits::default().max_extent_m / 1000.0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        data: Option<PathBuf>,
        lang: &str,
        as_of: Option<&str>,
        metric_crs: &str,
        catalog: Option<PathBuf>,
        threads: Option<usize>,
        max_vertices: usize,
        max_extent_km: f64,
    ) -> PyResult<Engine> {
        if !(max_extent_km.is_finite() && max_extent_km > 0.0) {
            return Err(PyValueError::new_err(format!(
                "max_extent_km must be a finite number of kilometres above 0, not {max_extent_km}"
            )));
        }
        let lang: Lang = lang
            .parse()
            .map_err(|e: aimaq_rules::UnknownLang| PyValueError::new_err(e.to_string()))?;
        let as_of: Option<Date> = as_of
            .map(str::parse)
            .transpose()
            .map_err(|e: aimaq_rules::InvalidDate| PyValueError::new_err(e.to_string()))?;
        let pool = match threads {
            Some(0) => return Err(PyValueError::new_err("threads must be at least 1")),
            Some(n) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .thread_name(|i| format!("aimaq-check-{i}"))
                    .build()
                    .map_err(|e| AimaqError::new_err(format!("cannot start threads: {e}")))?,
            ),
            None => None,
        };
        let options = EngineOptions {
            data: DatasetSource::from_option(data.as_deref()),
            crs: metric_crs.to_string(),
            catalog,
            lang,
            as_of,
            limits: aimaq_check::Limits {
                max_vertices,
                max_extent_m: max_extent_km * 1000.0,
            },
        };
        let mut opened = py.detach(|| open_engine(&options)).map_err(io_error)?;
        // errors past a limit name this constructor's keywords, not the Rust API
        opened.engine.set_limit_hints(aimaq_check::LimitHints {
            vertices: "raise it with aimaq.Engine(max_vertices=...)".into(),
            extent: "raise it with aimaq.Engine(max_extent_km=...)".into(),
        });
        Ok(Engine {
            opened,
            options,
            lang,
            as_of,
            pool,
        })
    }

    /// The constraint dataset, as reports name it.
    #[getter]
    fn dataset(&self) -> String {
        self.opened.dataset.clone()
    }

    /// The CRS distances and areas are measured in.
    #[getter]
    fn metric_crs(&self) -> String {
        self.opened.metric.label()
    }

    /// Language of messages and approvals: kk, ru or en.
    #[getter]
    fn lang(&self) -> &'static str {
        self.lang.code()
    }

    /// The date whose rules apply, if one was given (YYYY-MM-DD).
    #[getter]
    fn as_of(&self) -> Option<String> {
        self.as_of.map(|d| d.to_string())
    }

    /// The regulation catalog's id.
    #[getter]
    fn catalog(&self) -> String {
        self.opened.engine.catalog().info().id.clone()
    }

    /// Problems of the dataset (level, layer, feature, rule, message), as `aimaq validate`
    /// lists them.
    #[getter]
    fn issues(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let json = serde_json::to_string(self.opened.engine.issues())
            .map_err(|e| AimaqError::new_err(e.to_string()))?;
        Ok(py.import("json")?.call_method1("loads", (json,))?.unbind())
    }

    /// Checks a record batch: WKB in column `geometry` (in `crs`), ids in `id` (None: the
    /// row's position), uses in `use_col` (None: generic construction). Returns the
    /// parcels table (one row per input row, in order) and the findings table, as
    /// Arrow batches. `repair`: invalid polygons are repaired with GEOS MakeValid and
    /// checked, the row saying so; otherwise they are error rows.
    #[pyo3(signature = (batch, geometry, id, use_col, crs, repair))]
    #[allow(clippy::too_many_arguments)]
    fn check_batch(
        &self,
        py: Python<'_>,
        batch: &Bound<'_, PyAny>,
        geometry: &str,
        id: Option<&str>,
        use_col: Option<&str>,
        crs: &str,
        repair: bool,
    ) -> PyResult<(ArrowBatch, ArrowBatch)> {
        let batch = import_batch(batch)?;
        let wkb = table::wkb_column(table::column(&batch, geometry)?, geometry)?;
        let ids = match id {
            Some(name) => table::text_column(table::column(&batch, name)?, name)?,
            None => (0..batch.num_rows())
                .map(|i| Some(i.to_string().into()))
                .collect(),
        };
        let uses = use_col
            .map(|name| table::text_column(table::column(&batch, name)?, name))
            .transpose()?;
        let records = table::records(&wkb, &ids, uses.as_deref());
        let cancel = AtomicBool::new(false);
        let opened = &self.opened;
        let run = || -> aimaq_io::Result<ArrowSink> {
            let source = WkbSource::new("the batch", crs, records)?;
            // answers in the parcels' own CRS, as `aimaq screen` writes them by default
            let crs = source.info().crs.definition.clone();
            let checker =
                RecordChecker::new(&opened.engine, &opened.metric, &crs, &crs)?.with_repair(repair);
            let mut sink = ArrowSink::new(&crs);
            let options = RunOptions {
                progress: None,
                cancel: Some(&cancel),
            };
            pipeline::run(&checker, source, &mut sink, &options)?;
            Ok(sink)
        };
        let (parcels, findings) = self.released(py, &cancel, run)?.map_err(io_error)?.finish();
        Ok((ArrowBatch(parcels), ArrowBatch(findings)))
    }

    /// `aimaq screen`: a parcel file (anything OGR reads, in its own CRS) into a report
    /// file (.gpkg, .geojson, .csv, .fgb) with its summary beside it. Returns the summary.
    /// `progress(written, total)` is called after each chunk written; raising in it stops
    /// reading at the next chunk, and the exception is raised from this call.
    #[pyo3(signature = (parcels, out, *, layer=None, id_field=None, use_field=None, s_srs=None, t_srs=None, overwrite=false, spatial_index=true, verbose_rows=false, progress=None))]
    #[allow(clippy::too_many_arguments)]
    fn screen(
        &self,
        py: Python<'_>,
        parcels: PathBuf,
        out: PathBuf,
        layer: Option<String>,
        id_field: Option<String>,
        use_field: Option<String>,
        s_srs: Option<String>,
        t_srs: Option<String>,
        overwrite: bool,
        spatial_index: bool,
        verbose_rows: bool,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        // recorded in the report's metadata, where the CLI puts its command line
        let command_line = format!(
            "aimaq.Engine(data={:?}).screen({:?}, {:?})",
            self.opened.dataset,
            parcels.display().to_string(),
            out.display().to_string()
        );
        let request = ScreenRequest {
            input: OgrOptions {
                layer,
                id_field,
                use_field,
                s_srs,
                encoding: None,
                cancel: None,
            },
            t_srs,
            overwrite,
            spatial_index,
            verbose_rows,
            command_line,
            ..ScreenRequest::new(parcels, out)
        };
        let cancel = AtomicBool::new(false);
        let total = AtomicU64::new(u64::MAX);
        let failed: Mutex<Option<PyErr>> = Mutex::new(None);
        let report = |p: Progress| {
            let Some(callback) = &progress else { return };
            match p {
                Progress::Started(t) => total.store(t.unwrap_or(u64::MAX), Ordering::Relaxed),
                Progress::Written(n) => Python::attach(|py| {
                    let t = Some(total.load(Ordering::Relaxed)).filter(|&t| t != u64::MAX);
                    if let Err(e) = callback.call1(py, (n, t)) {
                        cancel.store(true, Ordering::Relaxed);
                        failed.lock().expect("not poisoned").get_or_insert(e);
                    }
                }),
                Progress::Finishing => {}
            }
        };
        let opened = &self.opened;
        let summary = self.released(py, &cancel, || {
            screen_file(opened, &request, Some(&report), Some(&cancel))
        })?;
        if let Some(e) = failed.into_inner().expect("not poisoned") {
            return Err(e);
        }
        let json = serde_json::to_string(&summary.map_err(io_error)?)
            .map_err(|e| AimaqError::new_err(e.to_string()))?;
        Ok(py.import("json")?.call_method1("loads", (json,))?.unbind())
    }

    /// Writes the zones that restrict `use` as areas to `out` (.gpkg), exactly as
    /// `aimaq zones` does. Returns the counts: `{"strips": n, "areas": m}`.
    #[pyo3(signature = (out, *, r#use="construction", overwrite=false))]
    fn zones(
        &self,
        py: Python<'_>,
        out: PathBuf,
        r#use: &str,
        overwrite: bool,
    ) -> PyResult<Py<PyAny>> {
        let opened = &self.opened;
        let written = py
            .detach(|| aimaq_io::zones::write(opened, r#use, &out, overwrite))
            .map_err(io_error)?;
        let counts = pyo3::types::PyDict::new(py);
        counts.set_item("strips", written.strips)?;
        counts.set_item("areas", written.areas)?;
        Ok(counts.into_any().unbind())
    }

    /// The land balance of the dataset's functional zones by group and sub-zone, beside
    /// the scheme's Appendix 1 (the JSON of `aimaq balance --json`'s `balance`).
    fn balance(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let options = &self.options;
        let lang = self.lang;
        let balance = py
            .detach(|| {
                aimaq_io::load(options).map(|(catalog, _, loaded)| {
                    aimaq_check::LandBalance::compute(&catalog, &loaded.features, lang)
                })
            })
            .map_err(io_error)?;
        if balance.rows.is_empty() {
            return Err(AimaqError::new_err(format!(
                "dataset {} has no functional zones: nothing to balance",
                self.opened.dataset
            )));
        }
        let json =
            serde_json::to_string(&balance).map_err(|e| AimaqError::new_err(e.to_string()))?;
        Ok(py.import("json")?.call_method1("loads", (json,))?.unbind())
    }

    fn __repr__(&self) -> String {
        let as_of = self
            .as_of
            .map(|d| format!(", as_of={d}"))
            .unwrap_or_default();
        format!(
            "Engine(dataset={:?}, metric_crs={:?}, lang={}{as_of})",
            self.opened.dataset,
            self.opened.metric.label(),
            self.lang.code()
        )
    }
}

/// Empty parcels and findings tables: their schemas, for callers that declare them
/// before any data (Spark's `mapInArrow`). Geometry in `crs`.
#[pyfunction]
#[pyo3(signature = (crs="EPSG:4326"))]
fn empty_tables(crs: &str) -> (ArrowBatch, ArrowBatch) {
    let (parcels, findings) = ArrowSink::new(crs).finish();
    (ArrowBatch(parcels), ArrowBatch(findings))
}

/// Builds a constraint dataset (one GeoPackage) from OSM extracts and OGR sources mapped
/// by a TOML, exactly as `aimaq dataset build` does; returns the build summary.
#[pyfunction]
#[pyo3(signature = (sources, out, map=None, overwrite=false))]
fn build_dataset(
    py: Python<'_>,
    sources: Vec<PathBuf>,
    out: PathBuf,
    map: Option<PathBuf>,
    overwrite: bool,
) -> PyResult<Py<PyAny>> {
    let options = aimaq_dataset::build::BuildOptions {
        sources,
        out,
        map,
        overwrite,
        catalog: None,
    };
    let summary = py
        .detach(|| aimaq_dataset::build::build(&options))
        .map_err(|e| {
            // the command line's flag names, in this call's words
            let text = e
                .to_string()
                .replace("--map MAPPING.toml", "map=\"MAPPING.toml\"")
                .replace("--map", "map=")
                .replace("--overwrite", "overwrite=True");
            match e {
                aimaq_dataset::build::BuildError::Output(OutputError::Exists { .. }) => {
                    PyFileExistsError::new_err(text)
                }
                aimaq_dataset::build::BuildError::Io(aimaq_io::Error::Missing { .. }) => {
                    PyFileNotFoundError::new_err(text)
                }
                _ => AimaqError::new_err(text),
            }
        })?;
    let json = serde_json::to_string(&summary).map_err(|e| AimaqError::new_err(e.to_string()))?;
    Ok(py.import("json")?.call_method1("loads", (json,))?.unbind())
}

/// The native module.
#[pymodule]
fn _aimaq(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Engine>()?;
    m.add_class::<ArrowBatch>()?;
    m.add_function(wrap_pyfunction!(empty_tables, m)?)?;
    m.add_function(wrap_pyfunction!(build_dataset, m)?)?;
    m.add("AimaqError", m.py().get_type::<AimaqError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
