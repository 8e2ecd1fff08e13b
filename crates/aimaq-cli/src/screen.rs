//! `aimaq screen`: a whole parcel file through the engine, streamed.
//!
//! Three stages joined by bounded channels, so memory holds a few chunks whatever the
//! input's size: a reader thread (GDAL is read by one thread), the checker (rayon over
//! each chunk), and a writer thread (GDAL is written by one thread). Chunks keep input
//! order end to end, so the report is in input order.

use crate::crs::{self, MetricCrs, Transformer};
use crate::ogr;
use crate::sink::{Outcome, Sink, SourceField, Wkb};
use aimaq_check::{Engine, Limits, Parcel, ParcelReport, Projected, Summary, Verdict};
use anyhow::{Context, Result};
use gdal::cpl::CslStringList;
use gdal::vector::{FieldValue, LayerAccess, ToGdal};
use geo::{Geometry, MultiPolygon};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use rayon::prelude::*;
use serde::Serialize;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::time::{Duration, Instant};

/// Parcels per chunk: large enough to keep both cores busy, small enough that three
/// chunks in flight stay a few megabytes.
const CHUNK: usize = 4096;

/// What to screen and where the report goes: the arguments of `aimaq screen`.
#[derive(clap::Args)]
pub struct ScreenOptions {
    /// Parcels: Shapefile, GeoPackage, GeoJSON, FlatGeobuf, … (anything OGR reads).
    pub parcels: PathBuf,
    /// Report: .gpkg (layers `parcels` and `findings`), .geojson, .csv or .fgb.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Layer of PARCELS (default: its only layer, or `parcels`).
    #[arg(long)]
    pub layer: Option<String>,
    /// Field holding the parcel id (default: `id` if present, else the feature's FID).
    #[arg(long)]
    pub id_field: Option<String>,
    /// Field holding the proposed use (default: `use` if present).
    #[arg(long)]
    pub use_field: Option<String>,
    /// CRS of PARCELS when the file does not say (a Shapefile without .prj).
    /// Overrides the file's own.
    #[arg(long)]
    pub s_srs: Option<String>,
    /// CRS of the report (default: the parcels' CRS).
    #[arg(long)]
    pub t_srs: Option<String>,
    /// Worker threads for checking (default: all cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Replace REPORT if it exists.
    #[arg(long)]
    pub overwrite: bool,
    /// Leave out the GeoPackage report's R-tree spatial indexes: about 7 µs a row to
    /// build, half the run at a million parcels; QGIS opens the report either way.
    #[arg(long)]
    pub no_spatial_index: bool,
    /// Progress display: a bar on a terminal, else a line every 10 s.
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: Progress,
}

/// How progress is shown.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Progress {
    /// A bar on a terminal, else a plain line every 10 s.
    Auto,
    /// Plain lines every 10 s, terminal or not.
    Plain,
    /// Nothing.
    Off,
}

/// Counts written beside the report (`REPORT.summary.json`) and printed.
#[derive(Debug, Serialize)]
pub struct ScreenSummary {
    pub parcels_file: String,
    pub layer: String,
    pub report: String,
    pub source_crs: String,
    pub measured_in: String,
    /// Whether parcels were reprojected to be measured.
    pub reprojected: bool,
    pub report_crs: String,
    pub dataset: String,
    pub catalog: String,
    #[serde(flatten)]
    pub summary: Summary,
    /// Records checked after a documented repair of their geometry.
    pub parcels_repaired: usize,
    pub findings: usize,
    pub seconds: f64,
    pub parcels_per_second: f64,
}

/// A record as read, before any checking.
struct RawRecord {
    ordinal: u64,
    fid: Option<u64>,
    id: Option<String>,
    proposed_use: Option<String>,
    /// In the source CRS.
    geometry: Result<Geometry<f64>, String>,
    /// The source's own fields, carried into the report.
    attributes: Vec<Option<FieldValue>>,
}

/// How each record is taken apart.
struct Plan {
    layer: String,
    id_field: Option<usize>,
    use_field: Option<usize>,
    crs: ogr::LayerCrs,
    total: Option<u64>,
    source_fields: Vec<SourceField>,
}

/// Opens the parcels, checks what can be checked before anything is written.
fn plan(opts: &ScreenOptions) -> Result<Plan> {
    let ds = ogr::open(&opts.parcels)?;
    let layer = ogr::pick_layer(&ds, opts.layer.as_deref(), &opts.parcels)?;
    let what = format!("{} layer `{}`", opts.parcels.display(), layer.name());
    let named = |flag: &str, name: &Option<String>, default: &str| -> Result<Option<usize>> {
        match name {
            Some(n) => ogr::field_index(&layer, n).map(Some).with_context(|| {
                format!(
                    "{what} has no field `{n}` for {flag} (fields: {})",
                    ogr::field_names(&layer).join(", ")
                )
            }),
            None => Ok(ogr::field_index(&layer, default)),
        }
    };
    let id_field = named("--id-field", &opts.id_field, "id")?;
    let use_field = named("--use-field", &opts.use_field, "use")?;
    let crs = ogr::layer_crs(&layer, opts.s_srs.as_deref(), &what)?;
    Ok(Plan {
        layer: layer.name(),
        id_field,
        use_field,
        crs,
        total: layer.try_feature_count().or(Some(layer.feature_count())),
        source_fields: layer
            .defn()
            .fields()
            .map(|f| SourceField {
                name: f.name(),
                kind: f.field_type(),
            })
            .collect(),
    })
}

/// Screens `opts.parcels` with `engine` (which measures in `metric`).
pub fn run(
    engine: &Engine,
    metric: &MetricCrs,
    dataset_label: &str,
    opts: &ScreenOptions,
) -> Result<ScreenSummary> {
    let started = Instant::now();
    let plan = plan(opts)?;
    let report_crs = opts
        .t_srs
        .clone()
        .unwrap_or_else(|| plan.crs.definition.clone());
    let to_metric = Transformer::new(&plan.crs.definition, &metric.definition)?;
    let metric_to_report = Transformer::new(&metric.definition, &report_crs)?;
    let source_to_report = Transformer::new(&plan.crs.definition, &report_crs)?;
    let mut sink = Sink::create(
        &opts.out,
        &report_crs,
        &plan.source_fields,
        opts.overwrite,
        !opts.no_spatial_index,
    )?;
    let bar = progress_bar(opts.progress, plan.total);

    let (raw_tx, raw_rx) = sync_channel::<Vec<RawRecord>>(2);
    let (out_tx, out_rx) = sync_channel::<Vec<Outcome>>(2);
    let (spent_tx, spent_rx) = sync_channel::<Vec<Outcome>>(2);
    let mut summary = Summary::empty(engine.issues());
    let mut repaired = 0;

    std::thread::scope(|scope| -> Result<()> {
        // named threads, so that a profile says which stage the time goes to
        let reader = std::thread::Builder::new()
            .name("aimaq-reader".into())
            .spawn_scoped(scope, || read(opts, &plan, raw_tx))?;
        let writer = std::thread::Builder::new()
            .name("aimaq-writer".into())
            .spawn_scoped(scope, || -> Result<()> {
                // owned here, so the free thread ends when the writer does
                let spent_tx = spent_tx;
                let mut next = 0;
                for chunk in out_rx {
                    sink.write(&chunk)?;
                    for o in &chunk {
                        // the report's promise: one row per record, in input order
                        anyhow::ensure!(o.ordinal == next, "record {next} went missing");
                        next += 1;
                        summary.add(&o.report);
                        repaired += usize::from(o.repair.is_some());
                    }
                    bar.inc(chunk.len() as u64);
                    // freeing a chunk's geometries is a tenth of the writer's time: done
                    // elsewhere, as the writer is the stage the others wait for
                    let _ = spent_tx.send(chunk);
                }
                Ok(())
            })?;
        std::thread::Builder::new()
            .name("aimaq-free".into())
            .spawn_scoped(scope, move || spent_rx.into_iter().for_each(drop))?;
        for chunk in raw_rx {
            let outcomes: Vec<Outcome> = chunk
                .into_par_iter()
                .map(|r| screen_one(engine, r, &to_metric, &metric_to_report, &source_to_report))
                .collect();
            if out_tx.send(outcomes).is_err() {
                break; // the writer failed; its error is reported below
            }
        }
        drop(out_tx);
        let written = writer.join().expect("writer thread panicked");
        let read = reader.join().expect("reader thread panicked");
        written.and(read)
    })?;
    bar.finish_and_clear();
    if opts.progress != Progress::Off && sink.builds_indexes() {
        // a million-parcel report takes a while here, with no rows to count
        eprintln!("aimaq: building the report's spatial indexes…");
    }
    sink.finish()?;

    let seconds = started.elapsed().as_secs_f64();
    let findings = summary.findings_by_rule.values().sum();
    let result = ScreenSummary {
        parcels_file: opts.parcels.display().to_string(),
        layer: plan.layer,
        report: opts.out.display().to_string(),
        source_crs: match crs::short(&plan.crs.definition) {
            // WKT shortens to the name itself
            def if def == plan.crs.name => def,
            def => format!("{def} ({})", plan.crs.name),
        },
        measured_in: metric.label(),
        reprojected: !to_metric.is_identity(),
        report_crs: crs::short(&report_crs),
        dataset: dataset_label.to_string(),
        catalog: engine.catalog().info.id.clone(),
        parcels_per_second: summary.parcels_in as f64 / seconds.max(1e-9),
        summary,
        parcels_repaired: repaired,
        findings,
        seconds,
    };
    let path = summary_path(&opts.out);
    std::fs::write(&path, serde_json::to_string_pretty(&result)? + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(result)
}

/// `report.gpkg` → `report.summary.json`.
pub fn summary_path(report: &Path) -> PathBuf {
    let stem = report
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    report.with_file_name(format!("{stem}.summary.json"))
}

fn progress_bar(mode: Progress, total: Option<u64>) -> ProgressBar {
    match mode {
        Progress::Off => ProgressBar::hidden(),
        Progress::Auto if std::io::stderr().is_terminal() => {
            let bar = match total {
                Some(n) => ProgressBar::new(n),
                None => ProgressBar::new_spinner(),
            };
            bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(4));
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} screening [{bar:30}] {human_pos}/{human_len} parcels  {rate}  ETA {eta}",
                )
                .expect("valid template")
                .with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0} parcels/s", state.per_sec());
                })
                .progress_chars("=> "),
            );
            bar
        }
        // Not a terminal: a plain line now and then, which logs keep readably.
        _ => {
            let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden());
            let shadow = bar.clone();
            std::thread::spawn(move || {
                let start = Instant::now();
                while !shadow.is_finished() {
                    std::thread::sleep(Duration::from_millis(250));
                    if start.elapsed().as_millis() % 10_000 < 250 && !shadow.is_finished() {
                        let n = shadow.position();
                        let rate = n as f64 / start.elapsed().as_secs_f64().max(1e-9);
                        let of = shadow
                            .length()
                            .map(|l| format!(" of {l}"))
                            .unwrap_or_default();
                        eprintln!("aimaq: screened {n}{of} parcels ({rate:.0}/s)");
                    }
                }
            });
            bar
        }
    }
}

/// The reader stage: every feature becomes a record, whatever is wrong with it.
fn read(opts: &ScreenOptions, plan: &Plan, tx: SyncSender<Vec<RawRecord>>) -> Result<()> {
    let ds = ogr::open(&opts.parcels)?;
    let mut layer = ogr::pick_layer(&ds, Some(&plan.layer), &opts.parcels)?;
    let mut chunk = Vec::with_capacity(CHUNK);
    for (ordinal, feature) in layer.features().enumerate() {
        let field = |idx: Option<usize>| idx.and_then(|i| ogr::field_text(feature.field(i).ok()?));
        let fid = feature.fid();
        let id = match plan.id_field {
            Some(_) => field(plan.id_field),
            // no id field: the FID is the id a GIS user sees in the attribute table
            None => fid.map(|f| f.to_string()),
        };
        let geometry = ogr::geometry_of(&feature);
        let attributes = (0..plan.source_fields.len())
            .map(|i| feature.field(i).ok().flatten())
            .collect();
        chunk.push(RawRecord {
            ordinal: ordinal as u64,
            fid,
            id,
            proposed_use: field(plan.use_field),
            geometry,
            attributes,
        });
        if chunk.len() == CHUNK
            && tx
                .send(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK)))
                .is_err()
        {
            return Ok(()); // downstream stopped; its error is the one to report
        }
    }
    if !chunk.is_empty() {
        let _ = tx.send(chunk);
    }
    Ok(())
}

/// Polygonal parts of a geometry as one MultiPolygon, or why there are none.
fn polygonal(g: Geometry<f64>) -> Result<MultiPolygon<f64>, String> {
    match g {
        Geometry::Polygon(p) => Ok(MultiPolygon(vec![p])),
        Geometry::MultiPolygon(mp) => Ok(mp),
        Geometry::GeometryCollection(gc) => {
            let mut parts = Vec::new();
            for g in gc {
                match g {
                    Geometry::Polygon(p) => parts.push(p),
                    Geometry::MultiPolygon(mp) => parts.extend(mp.0),
                    other => {
                        return Err(format!(
                            "a parcel must be polygonal; this collection holds a {}",
                            kind(&other)
                        ))
                    }
                }
            }
            Ok(MultiPolygon(parts))
        }
        other => Err(format!(
            "a parcel must be a Polygon or MultiPolygon, not a {}",
            kind(&other)
        )),
    }
}

fn kind(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) | Geometry::MultiPoint(_) => "point",
        Geometry::Line(_) | Geometry::LineString(_) | Geometry::MultiLineString(_) => "line",
        _ => "polygon",
    }
}

/// The documented repair: GEOS MakeValid (through GDAL, method STRUCTURE), keeping the
/// polygonal result. Only for geometries OGC calls invalid (self-intersections, …).
fn repair(source: &MultiPolygon<f64>) -> Result<MultiPolygon<f64>, String> {
    let mut options = CslStringList::new();
    options
        .set_name_value("METHOD", "STRUCTURE")
        .map_err(|e| e.to_string())?;
    let fixed = source
        .to_gdal()
        .and_then(|g| g.make_valid(&options))
        .and_then(|g| g.to_geo())
        .map_err(|e| format!("GEOS MakeValid failed: {e}"))?;
    let fixed = polygonal(fixed)?;
    if fixed.0.is_empty() {
        return Err("MakeValid left no area".into());
    }
    Ok(fixed)
}

fn screen_one(
    engine: &Engine,
    raw: RawRecord,
    to_metric: &Transformer,
    metric_to_report: &Transformer,
    source_to_report: &Transformer,
) -> Outcome {
    let RawRecord {
        ordinal,
        fid,
        id,
        proposed_use,
        geometry,
        attributes,
    } = raw;
    let label = id.clone().unwrap_or_else(|| format!("#{ordinal}"));
    let failed = |reason: String, geometry: Option<MultiPolygon<f64>>| Outcome {
        ordinal,
        fid,
        attributes: attributes.clone(),
        report: ParcelReport::error(&label, proposed_use.clone(), reason),
        repair: None,
        parcel_geometry: geometry
            .and_then(|g| source_to_report.apply(&g).ok())
            .and_then(|g| Wkb::of(&g).ok()),
        finding_geometries: Vec::new(),
    };
    let source = match geometry.and_then(polygonal) {
        Ok(mp) => mp,
        Err(reason) => return failed(reason, None),
    };
    let Some(id) = id.clone() else {
        return failed(
            "parcel has no id (the id field is empty)".into(),
            Some(source),
        );
    };
    let check = |source: &MultiPolygon<f64>| -> Result<ParcelReport, String> {
        let metric = to_metric.apply(source)?;
        Ok(engine.check(&Parcel {
            id: id.clone(),
            proposed_use: proposed_use.clone(),
            geometry: Projected::assume_metres(metric),
        }))
    };
    let mut report = match check(&source) {
        Ok(r) => r,
        Err(reason) => return failed(reason, Some(source)),
    };
    let mut geometry = source;
    let mut repaired = None;
    // validity in O(n log n); no repair past the vertex limit, which it would not lift
    if report.verdict == Verdict::Error
        && Limits::vertices(&geometry) <= engine.limits().max_vertices
        && !aimaq_check::is_valid(&geometry)
    {
        let before = report.error.clone().unwrap_or_default();
        match repair(&geometry).and_then(|fixed| Ok((check(&fixed)?, fixed))) {
            Ok((again, fixed)) if again.verdict != Verdict::Error => {
                repaired = Some(format!(
                    "{before}; repaired with GEOS MakeValid (STRUCTURE) before checking"
                ));
                report = again;
                geometry = fixed;
            }
            Ok((again, _)) => {
                report.error = Some(format!(
                    "{before}; after GEOS MakeValid still unusable: {}",
                    again.error.unwrap_or_default()
                ))
            }
            Err(why) => report.error = Some(format!("{before}; no repair: {why}")),
        }
    }
    let mut finding_geometries = Vec::with_capacity(report.findings.len());
    for f in &report.findings {
        match metric_to_report
            .apply(&f.geometry)
            .and_then(|g| Wkb::of(&g))
        {
            Ok(g) => finding_geometries.push(g),
            Err(reason) => {
                return failed(
                    format!("cannot express a finding in the report's CRS: {reason}"),
                    Some(geometry),
                )
            }
        }
    }
    Outcome {
        ordinal,
        fid,
        attributes,
        parcel_geometry: source_to_report
            .apply(&geometry)
            .ok()
            .and_then(|g| Wkb::of(&g).ok()),
        report,
        repair: repaired,
        finding_geometries,
    }
}

/// The lines printed at the end of a run.
pub fn print_summary(s: &ScreenSummary, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let v = &s.summary.by_verdict;
    let count = |verdict| v.get(&verdict).copied().unwrap_or(0);
    writeln!(
        out,
        "{} parcels in ({} layer `{}`, {}): {} checked, {} errored, {} repaired",
        s.summary.parcels_in,
        s.parcels_file,
        s.layer,
        s.source_crs,
        s.summary.parcels_checked,
        s.summary.parcels_errored,
        s.parcels_repaired
    )?;
    writeln!(
        out,
        "verdicts: prohibited {}, conditional {}, review {}, clear {}",
        count(Verdict::Prohibited),
        count(Verdict::Conditional),
        count(Verdict::Review),
        count(Verdict::Clear)
    )?;
    writeln!(out, "{} findings:", s.findings)?;
    for (rule, n) in &s.summary.findings_by_rule {
        writeln!(out, "  {rule:<32} {n}")?;
    }
    if s.summary.dataset_errors > 0 {
        writeln!(
            out,
            "the constraint dataset has {} errors: results may be incomplete (aimaq validate)",
            s.summary.dataset_errors
        )?;
    }
    writeln!(
        out,
        "report {} (CRS {}), summary {}; {:.1} s, {:.0} parcels/s",
        s.report,
        s.report_crs,
        summary_path(Path::new(&s.report)).display(),
        s.seconds,
        s.parcels_per_second
    )
}
