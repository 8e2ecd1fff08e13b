//! `screen`: a whole parcel file through the engine into a report file GIS opens, with a
//! summary beside it. Nothing is written at the report's name until it is complete.

use crate::output::PendingFile;
use crate::pipeline::{self, Progress, RunOptions};
use crate::record::RecordChecker;
use crate::sink::{GdalReport, GpkgReport, ReportInfo, ReportSink};
use crate::source::{OgrOptions, OgrSource, ParcelSource};
use crate::{Error, OpenedEngine, Result};
use aimaq_check::Summary;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// What to screen and where the report goes.
#[derive(Debug, Clone)]
pub struct ScreenRequest {
    /// Parcels: Shapefile, GeoPackage, GeoJSON, FlatGeobuf, … (anything OGR reads).
    pub parcels: PathBuf,
    /// How to read them.
    pub input: OgrOptions,
    /// Report: `.gpkg` (layers `parcels` and `findings`), `.geojson`, `.csv` or `.fgb`.
    pub out: PathBuf,
    /// CRS of the report (default: the parcels' CRS).
    pub t_srs: Option<String>,
    /// Replace an existing report (and its summary) once the new one is complete.
    pub overwrite: bool,
    /// Build the GeoPackage report's R-tree spatial indexes.
    pub spatial_index: bool,
    /// A GeoPackage report in the wide layout (every finding field and message on every
    /// row, written through GDAL) instead of the compact one.
    pub verbose_rows: bool,
    /// How the run was asked for, recorded in the report's metadata.
    pub command_line: String,
}

impl ScreenRequest {
    /// Screening `parcels` into `out` with the defaults.
    pub fn new(parcels: impl Into<PathBuf>, out: impl Into<PathBuf>) -> ScreenRequest {
        ScreenRequest {
            parcels: parcels.into(),
            input: OgrOptions::default(),
            out: out.into(),
            t_srs: None,
            overwrite: false,
            spatial_index: true,
            verbose_rows: false,
            command_line: String::new(),
        }
    }
}

/// Counts written beside the report (`REPORT.gpkg.summary.json`) and printed.
#[derive(Debug, Clone, Serialize)]
pub struct ScreenSummary {
    /// The parcels file.
    pub parcels_file: String,
    /// The layer read.
    pub layer: String,
    /// The report file.
    pub report: String,
    /// The parcels' CRS.
    pub source_crs: String,
    /// The CRS distances were measured in.
    pub measured_in: String,
    /// Whether parcels were reprojected to be measured.
    pub reprojected: bool,
    /// The report's CRS.
    pub report_crs: String,
    /// The constraint dataset.
    pub dataset: String,
    /// Its contract layers: what a `clear` verdict was checked against.
    pub layers: Vec<String>,
    /// Where the ids came from (a field, or the FIDs: said loudly).
    pub id_source: String,
    /// The catalog's id.
    pub catalog: String,
    /// Verdicts, findings by rule, errors.
    #[serde(flatten)]
    pub summary: Summary,
    /// Records checked after a documented repair of their geometry.
    pub parcels_repaired: usize,
    /// Findings in all.
    pub findings: usize,
    /// Wall time.
    pub seconds: f64,
    /// Records per second.
    pub parcels_per_second: f64,
    /// `sha256:…` of the report file this summary describes (the main file), so that a
    /// summary and a report can be checked to belong together.
    pub report_sha256: String,
    /// A FlatGeobuf report's rows without a geometry (the error rows of records that have
    /// none), which FlatGeobuf cannot hold: the CSV beside the report that holds them
    /// ([`crate::sink::error_rows_path`]). Records in = rows in both files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_rows_file: Option<String>,
    /// `sha256:…` of [`ScreenSummary::error_rows_file`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_rows_sha256: Option<String>,
    /// What the report could not hold as the records gave it (text with a NUL byte,
    /// written escaped), in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// `report.gpkg` → `report.gpkg.summary.json`: named after the whole file name, so
/// that reports of one name in several formats never share (or overwrite) a summary.
///
/// ```
/// use aimaq_io::screen::summary_path;
/// assert_eq!(summary_path("out/r.csv".as_ref()), std::path::Path::new("out/r.csv.summary.json"));
/// ```
pub fn summary_path(report: &Path) -> PathBuf {
    let name = report
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    report.with_file_name(format!("{name}.summary.json"))
}

/// Screens `request.parcels` with `opened`'s engine into `request.out`.
///
/// Everything that can be refused is refused before a record is read: the layer, the
/// fields, the CRS, an output that is an input or exists without `overwrite`. The report
/// and its summary are written under hidden partial names and renamed into place only
/// when complete; an error or a cancellation leaves the earlier files as they were.
pub fn screen_file(
    opened: &OpenedEngine,
    request: &ScreenRequest,
    progress: Option<&(dyn Fn(Progress) + Sync)>,
    cancel: Option<&AtomicBool>,
) -> Result<ScreenSummary> {
    let started = Instant::now();
    let source = OgrSource::open(&request.parcels, &request.input)?;
    let info = source.info().clone();
    let side: &[&str] = match crate::sink::format_of(&request.out)?.0 {
        "CSV" => &["csvt", "prj"],
        "FlatGeobuf" => &[crate::sink::ERROR_ROWS_EXTENSION],
        _ => &[],
    };
    let report = PendingFile::with_side_files(&request.out, side, request.overwrite, &info.files)?;
    let summary_file =
        PendingFile::new(&summary_path(&request.out), request.overwrite, &info.files)?;
    let report_crs = request
        .t_srs
        .clone()
        .unwrap_or_else(|| info.crs.definition.clone());
    let compact = !request.verbose_rows
        && matches!(
            crate::sink::format_of(&request.out)?,
            (_, crate::sink::Layout::Layers)
        );
    // the compact report stores fields, not sentences: its messages are rendered on demand
    let checker = RecordChecker::new(
        &opened.engine,
        &opened.metric,
        &info.crs.definition,
        &report_crs,
    )?
    .with_messages(!compact);
    let skip: Vec<&str> = [info.id_field.as_deref(), info.use_field.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let mut sink: Box<dyn ReportSink> = if compact {
        Box::new(GpkgReport::create(
            report.path(),
            &report_crs,
            &info.fields,
            &skip,
            opened.engine.catalog(),
            ReportInfo {
                aimaq_version: env!("CARGO_PKG_VERSION").into(),
                catalog: opened.engine.catalog().info().id.clone(),
                catalog_digest: opened.catalog_digest.clone(),
                dataset: opened.dataset.clone(),
                layers: opened.layers.clone(),
                measured_in: opened.metric.label(),
                as_of: opened.as_of.map(|d| d.to_string()),
                lang: opened.engine.lang().code().into(),
                command_line: request.command_line.clone(),
                parcels: format!("{} layer `{}`", request.parcels.display(), info.layer),
                id_source: info.id_source.clone(),
                attribution: opened.attribution.clone(),
            },
            request.spatial_index,
        )?)
    } else {
        Box::new(GdalReport::create(
            report.path(),
            &report_crs,
            &info.fields,
            &skip,
            request.spatial_index,
        )?)
    };
    let totals = pipeline::run(
        &checker,
        source,
        sink.as_mut(),
        &RunOptions { progress, cancel },
    )
    .map_err(|e| report.explain(e))?;
    if totals.cancelled {
        return Err(Error::Interrupted {
            records: totals.summary.parcels_in,
            kept: request.out.exists().then(|| request.out.clone()),
        });
    }
    let report_sha256 = crate::output::sha256_of(report.path()).map_err(|cause| {
        report.explain(Error::Read {
            path: request.out.clone(),
            cause,
        })
    })?;
    let error_rows = side
        .contains(&crate::sink::ERROR_ROWS_EXTENSION)
        .then(|| {
            let written = crate::sink::error_rows_path(report.path());
            crate::output::sha256_of(&written)
                .map(|digest| {
                    (
                        crate::sink::error_rows_path(&request.out)
                            .display()
                            .to_string(),
                        digest,
                    )
                })
                .map_err(|cause| {
                    report.explain(Error::Read {
                        path: written.clone(),
                        cause,
                    })
                })
        })
        .transpose()?;
    let (error_rows_file, error_rows_sha256) = match error_rows {
        Some((file, digest)) => (Some(file), Some(digest)),
        None => (None, None),
    };
    let warnings = sink.notes();
    let seconds = started.elapsed().as_secs_f64();
    let summary = ScreenSummary {
        parcels_file: request.parcels.display().to_string(),
        layer: info.layer.clone(),
        report: request.out.display().to_string(),
        source_crs: info.crs.label(),
        measured_in: opened.metric.label(),
        reprojected: checker.reprojects(),
        report_crs: aimaq_proj::short(&report_crs),
        dataset: opened.dataset.clone(),
        layers: opened.layers.clone(),
        id_source: info.id_source.clone(),
        catalog: opened.engine.catalog().info().id.clone(),
        parcels_per_second: totals.summary.parcels_in as f64 / seconds.max(1e-9),
        findings: totals.summary.findings_by_rule.values().sum(),
        summary: totals.summary,
        parcels_repaired: totals.repaired,
        seconds,
        report_sha256,
        error_rows_file,
        error_rows_sha256,
        warnings,
    };
    let text = serde_json::to_string_pretty(&summary).expect("a summary serialises") + "\n";
    summary_file
        .write_partial(text.as_bytes())
        .map_err(|e| summary_file.explain(e.into()))?;
    // Both files are complete and synced; they are renamed under one turn of the
    // directory's lock, so a second run writing the same report cannot slip its report
    // between this one's report and summary. The old summary goes first: in the instant
    // between the two renames the new report stands alone rather than beside a summary
    // of the old one; the summary names the report's SHA-256 besides.
    let overwrite = request.overwrite;
    let old_summary = summary_file.target().to_path_buf();
    report.commit_pair(summary_file, || {
        if overwrite {
            let _ = std::fs::remove_file(&old_summary);
        }
    })?;
    Ok(summary)
}
