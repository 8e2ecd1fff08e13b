//! `aimaq`: does a proposed parcel break a spatial regulation of the Almaty
//! agglomeration scheme — why, where, by how much, under which act?

mod balance;
mod dataset;
mod dataset_check;
mod explain;
mod progress;
mod report_text;
mod screen;
mod serve;

use aimaq_check::{Limits, ParcelReport, Report, Summary};
use aimaq_io::dataset::DatasetSource;
use aimaq_io::output::PendingFile;
use aimaq_io::pipeline::{self, RunOptions};
use aimaq_io::sink::{Collect, GeoJsonRows, JsonReport, ReportSink};
use aimaq_io::{EngineOptions, GeoJsonSource, RecordChecker};
use aimaq_rules::{Catalog, Date, IssueLevel, Lang};
use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

/// mimalloc: the checking threads allocate and free many small strings and vectors a
/// finding; glibc's allocator took about a fifth of their time (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "aimaq",
    version,
    about = "Checks land parcels against the spatial regulations of the Almaty agglomeration scheme (Decree No. 514 of 13.08.2020)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// A table for a person.
    Text,
    /// The machine contract (docs/output.md).
    Json,
    /// Encumbered areas with finding attributes, WGS84, for QGIS.
    Geojson,
}

#[derive(clap::Args)]
struct Common {
    /// Constraint dataset: a GeoPackage holding the layers by name, or a directory of
    /// <layer>.geojson|.shp|.gpkg|.fgb files. Default: the embedded data/almaty.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Projected CRS with metre axes to measure in.
    #[arg(long, default_value = "EPSG:32643")]
    crs: String,
    /// Regulation catalog TOML. Default: the embedded data/regulations/almaty-2020.toml.
    #[arg(long)]
    catalog: Option<PathBuf>,
    /// Language of messages and labels: kk, ru or en.
    #[arg(long, default_value = "en")]
    lang: Lang,
    /// Check against the rules in force on this date (YYYY-MM-DD). Default: all rules.
    #[arg(long)]
    as_of: Option<Date>,
}

impl Common {
    /// What the library builds the engine from.
    fn options(&self) -> EngineOptions {
        EngineOptions {
            data: DatasetSource::from_option(self.data.as_deref()),
            crs: self.crs.clone(),
            catalog: self.catalog.clone(),
            lang: self.lang,
            as_of: self.as_of,
            limits: Limits::default(),
        }
    }

    /// The options with per-parcel limits of the command line.
    fn options_with(&self, limits: &ParcelLimits) -> EngineOptions {
        EngineOptions {
            limits: limits.limits(),
            ..self.options()
        }
    }
}

/// Limits on one parcel: past them it is an error row with the reason, not a long wait.
#[derive(clap::Args)]
struct ParcelLimits {
    /// Refuse parcels of more vertices than this (every ring, closing positions not counted).
    #[arg(long, default_value_t = Limits::default().max_vertices, value_parser = positive_count)]
    max_vertices: usize,
    /// Refuse parcels whose bounding box, in the measuring CRS, has a longer diagonal, km.
    #[arg(long, default_value_t = Limits::default().max_extent_m / 1000.0, value_parser = positive_km)]
    max_extent_km: f64,
}

/// A limit in km: a finite number above zero (`nan` and `inf` would turn the limit off).
fn positive_km(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of kilometres"))?;
    if !v.is_finite() || v <= 0.0 {
        return Err(format!(
            "`{s}` is no limit: give a finite number of kilometres above 0 (the default is {})",
            Limits::default().max_extent_m / 1000.0
        ));
    }
    Ok(v)
}

/// A count limit: a whole number above zero (0 would refuse every parcel).
fn positive_count(s: &str) -> Result<usize, String> {
    let v: usize = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number"))?;
    if v == 0 {
        return Err(format!(
            "0 vertices would refuse every parcel: give a number above 0 (the default is {})",
            Limits::default().max_vertices
        ));
    }
    Ok(v)
}

impl ParcelLimits {
    fn limits(&self) -> Limits {
        Limits {
            max_vertices: self.max_vertices,
            max_extent_m: self.max_extent_km * 1000.0,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Check parcels (a GeoJSON FeatureCollection of (Multi)Polygons with `id`, optional `use`).
    Check {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        limits: ParcelLimits,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Replace OUTPUT if it exists, once the new one is complete.
        #[arg(long)]
        overwrite: bool,
        /// Largest parcels file read, in MB (it is read whole): larger files are refused.
        #[arg(long, default_value_t = aimaq_io::geojson::MAX_GEOJSON_BYTES >> 20, value_parser = clap::value_parser!(u64).range(1..))]
        max_input_mb: u64,
        /// Encoding of a parcels file that is not UTF-8 (CP1251, CP866, KOI8-R, …).
        #[arg(long)]
        encoding: Option<String>,
        /// Parcels file (RFC 7946 GeoJSON, WGS84 lon/lat).
        parcels: PathBuf,
    },
    /// Screen a parcel file (any OGR source, any CRS) and write a report GIS opens.
    Screen {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        limits: ParcelLimits,
        #[command(flatten)]
        args: screen::Args,
    },
    /// Generate a deterministic synthetic cadastre around the embedded settlements.
    Cadastre {
        /// Number of parcels.
        #[arg(long)]
        count: usize,
        /// Output .gpkg or .fgb (layer `parcels`, EPSG:32643).
        #[arg(long, short)]
        out: PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Replace OUT if it exists.
        #[arg(long)]
        overwrite: bool,
    },
    /// Export the constraint dataset with every rule resolved to its limits (.gpkg).
    Zones {
        #[command(flatten)]
        common: Common,
        #[arg(long, short)]
        out: PathBuf,
        /// Keep only the zones that restrict this proposed use.
        #[arg(long = "use", default_value = "construction")]
        use_code: String,
        /// Replace OUT if it exists.
        #[arg(long)]
        overwrite: bool,
        /// Also write `join_lines` and `join_areas`: the zones as source geometry and
        /// limits, for engines that measure distances themselves (benches/peers). Not
        /// map layers.
        #[arg(long)]
        join_tables: bool,
    },
    /// Print a compact screening report (.gpkg) as text, messages rendered from its fields.
    ReportText {
        /// The report, written by `aimaq screen`.
        report: PathBuf,
        /// Language of labels and rule titles: kk, ru or en.
        #[arg(long, default_value = "en")]
        lang: Lang,
    },
    /// List the regulation catalog: every rule, its widths and sources.
    Rules {
        /// Regulation catalog TOML. Default: the embedded one.
        #[arg(long)]
        catalog: Option<PathBuf>,
    },
    /// Print a rule's full text: widths, conditions, regime by use, citations.
    Explain {
        /// Rule id, e.g. water.zone (`aimaq rules` lists them).
        rule: String,
        /// Regulation catalog TOML. Default: the embedded one.
        #[arg(long)]
        catalog: Option<PathBuf>,
        /// Language of titles and labels: kk, ru or en.
        #[arg(long, default_value = "en")]
        lang: Lang,
    },
    /// Land balance by functional zone group and sub-zone, beside the scheme's Appendix 1.
    Balance {
        #[command(flatten)]
        common: Common,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List every problem of a constraint dataset, then its completeness: for each rule,
    /// what it can measure and what the data lack.
    Validate {
        #[command(flatten)]
        common: Common,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The permit desk: a web page and an HTTP API that check one application at a time
    /// and keep every decision in a store.
    Serve(serve::ServeArgs),
    /// The decision store: verify every decision again, or list them.
    Decisions {
        #[command(subcommand)]
        command: serve::DecisionsCommand,
    },
    /// Constraint datasets from real data: `aimaq dataset build`; what each rule can
    /// measure on one (`completeness`), what changed between two (`diff`).
    Dataset {
        #[command(subcommand)]
        command: dataset::DatasetCommand,
    },
}

/// Exit status for a command line clap refuses: not 2, which says "some records
/// errored" (sysexits' EX_USAGE).
const EXIT_USAGE: u8 = 64;
/// Exit status after Ctrl-C (128 + SIGINT), as shells report it.
const EXIT_INTERRUPTED: u8 = 130;

/// Set by Ctrl-C: the pipeline stops reading, and nothing is written at the output's name.
static CANCEL: AtomicBool = AtomicBool::new(false);

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // the first Ctrl-C stops cleanly; a second one stops at once (the run's hidden private
    // directory may stay behind, never a file at the output's name)
    let _ = ctrlc::set_handler(|| {
        if CANCEL.swap(true, Ordering::SeqCst) {
            std::process::exit(EXIT_INTERRUPTED.into());
        }
        eprintln!("\naimaq: interrupted — finishing the records in flight, writing nothing (Ctrl-C again to stop at once)");
    });
    match run(cli) {
        Ok(code) => code,
        // a closed pipe (`aimaq rules | head`) is the reader's choice, not a failure
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("aimaq: {e:#}");
            let interrupted = e
                .chain()
                .any(|c| matches!(c.downcast_ref(), Some(aimaq_io::Error::Interrupted { .. })));
            ExitCode::from(if interrupted { EXIT_INTERRUPTED } else { 1 })
        }
    }
}

fn load_catalog(path: Option<&Path>) -> Result<Catalog> {
    Ok(aimaq_io::load_catalog(path)?)
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Check {
            common,
            limits,
            format,
            output,
            overwrite,
            max_input_mb,
            encoding,
            parcels,
        } => check(
            &common.options_with(&limits),
            format,
            output.as_deref(),
            overwrite,
            &parcels,
            max_input_mb << 20,
            encoding.as_deref(),
        ),
        Command::Screen {
            common,
            limits,
            args,
        } => {
            if let Some(n) = args.jobs {
                let n = capped_jobs(n);
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build_global()
                    .context("cannot start the worker threads")?;
            }
            let opened = aimaq_io::open_engine(&common.options_with(&limits))?;
            let display = progress::Display::new(args.progress);
            let update = |p| display.update(p);
            let summary = aimaq_io::screen::screen_file(
                &opened,
                &args.request(),
                Some(&update),
                Some(&CANCEL),
            );
            display.done();
            let summary = summary?;
            screen::print_summary(&summary, &mut std::io::stdout().lock())?;
            Ok(exit_code(&summary.summary))
        }
        Command::Cadastre {
            count,
            out,
            seed,
            overwrite,
        } => {
            let lots = aimaq_io::cadastre::generate(count, seed)?;
            aimaq_io::cadastre::write(&lots, &out, overwrite)?;
            println!("{}: {}", out.display(), aimaq_io::cadastre::describe(&lots));
            Ok(ExitCode::SUCCESS)
        }
        Command::Zones {
            common,
            out,
            use_code,
            overwrite,
            join_tables,
        } => {
            let opened = aimaq_io::open_engine(&common.options())?;
            let options = aimaq_io::zones::Options { join_tables };
            let written =
                aimaq_io::zones::write_with(&opened, &use_code, &out, overwrite, &options)?;
            println!(
                "{}: {} zone strips and {} zone areas restricting `{use_code}`, of {} features from {}, in {}",
                out.display(),
                written.strips,
                written.areas,
                opened.engine.stats().features_used,
                opened.dataset,
                opened.metric.label()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::ReportText { report, lang } => {
            report_text::print(&report, lang, &mut std::io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules { catalog } => {
            let catalog = load_catalog(catalog.as_deref())?;
            print_rules(&catalog, &mut std::io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain {
            rule,
            catalog,
            lang,
        } => {
            let catalog = load_catalog(catalog.as_deref())?;
            explain::print(&catalog, &rule, lang, &mut std::io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Balance { common, json } => balance::run(&common.options(), json),
        Command::Validate { common, json } => validate(&common, json),
        Command::Serve(args) => serve::serve(args),
        Command::Decisions { command } => serve::decisions(command),
        Command::Dataset { command } => dataset::run(command),
    }
}

/// Worker threads at most, per core: checking is CPU-bound, so more threads than this
/// only cost memory (each has its own stack and buffers).
const JOBS_PER_CORE: usize = 4;

/// `--jobs`, capped at [`JOBS_PER_CORE`] × the cores available, with a message when capped.
fn capped_jobs(asked: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cap = cores * JOBS_PER_CORE;
    if asked > cap {
        eprintln!(
            "aimaq: --jobs {asked} capped at {cap} ({JOBS_PER_CORE} × {cores} cores): checking is CPU-bound, more threads only cost memory"
        );
        cap
    } else {
        asked.max(1)
    }
}

/// `aimaq check`: GeoJSON parcels through the engine, as text, JSON or GeoJSON.
fn check(
    options: &EngineOptions,
    format: Format,
    output: Option<&Path>,
    overwrite: bool,
    parcels: &Path,
    max_input_bytes: u64,
    encoding: Option<&str>,
) -> Result<ExitCode> {
    // refused before the engine is built: a device or a FIFO is no parcel file
    aimaq_io::geojson::check_input_file(parcels, Some(max_input_bytes))?;
    let opened = aimaq_io::open_engine(options)?;
    let source = match encoding {
        Some(enc) => GeoJsonSource::open_encoded(parcels, max_input_bytes, enc)?,
        None => GeoJsonSource::open_bounded(parcels, max_input_bytes)?,
    };
    // GeoJSON output is WGS84 (RFC 7946); the others carry no geometry
    let report_crs = match format {
        Format::Geojson => "EPSG:4326",
        _ => opened.metric.definition(),
    };
    // `check` answers what was given: an invalid polygon is that record's error
    let checker = RecordChecker::new(&opened.engine, &opened.metric, "EPSG:4326", report_crs)?
        .with_repair(false);
    let pending = output
        .map(|p| PendingFile::new(p, overwrite, &[parcels.to_path_buf()]))
        .transpose()?;
    let out: Box<dyn Write + Send> = match &pending {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p.path())
                .with_context(|| format!("cannot create {}", p.target().display()))?,
        )),
        None => Box::new(std::io::stdout()),
    };
    let options = RunOptions {
        progress: None,
        cancel: Some(&CANCEL),
    };
    // a write error is said about the output file (a full disk by name)
    let explain = |e: aimaq_io::Error| match &pending {
        Some(p) => p.explain(e),
        None => e,
    };
    let run = |sink: &mut dyn ReportSink, source| -> Result<aimaq_io::pipeline::Totals> {
        let totals = pipeline::run(&checker, source, sink, &options).map_err(explain)?;
        if totals.cancelled {
            return Err(aimaq_io::Error::Interrupted {
                records: totals.summary.parcels_in,
                kept: None,
            }
            .into());
        }
        Ok(totals)
    };
    let summary: Summary = match format {
        Format::Text => {
            let mut sink = Collect::default();
            run(&mut sink, source)?;
            let reports: Vec<ParcelReport> =
                sink.into_outcomes().into_iter().map(|o| o.report).collect();
            let report = Report::new(&opened.engine, reports);
            let mut out = out;
            let written = report.write_text(&mut out).and_then(|()| out.flush());
            if let (Err(cause), Some(p)) = (&written, &pending) {
                if cause.kind() != std::io::ErrorKind::BrokenPipe {
                    let cause = std::io::Error::new(cause.kind(), cause.to_string());
                    let e = aimaq_io::Error::Write {
                        path: p.target().to_path_buf(),
                        cause,
                    };
                    return Err(explain(e).into());
                }
            }
            written?;
            report.summary
        }
        Format::Json => {
            let mut sink = JsonReport::new(&opened.engine, out);
            run(&mut sink, source)?.summary
        }
        Format::Geojson => {
            let mut sink = GeoJsonRows::new(out);
            run(&mut sink, source)?.summary
        }
    };
    if let Some(p) = pending {
        p.commit()?;
    }
    if output.is_some() || !matches!(format, Format::Text) {
        eprintln!(
            "aimaq: {} parcels in, {} checked, {} errored; {} findings",
            summary.parcels_in,
            summary.parcels_checked,
            summary.parcels_errored,
            summary.findings_by_rule.values().sum::<usize>()
        );
    }
    Ok(exit_code(&summary))
}

/// `aimaq validate`: every problem of a constraint dataset, then its completeness.
fn validate(common: &Common, json: bool) -> Result<ExitCode> {
    let (completeness, engine) = dataset_check::assess(&common.options())?;
    let issues = engine.issues();
    let mut out = std::io::stdout().lock();
    if json {
        let doc = serde_json::json!({
            "dataset": completeness.dataset,
            "stats": engine.stats(),
            "issues": issues,
            "completeness": completeness,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    } else {
        let stats = engine.stats();
        let counts: Vec<String> = stats
            .features_by_layer
            .iter()
            .map(|(l, n)| format!("{l} {n}"))
            .collect();
        writeln!(
            out,
            "dataset {}: {}",
            completeness.dataset,
            counts.join(", ")
        )?;
        writeln!(
            out,
            "{} features usable, {} segments indexed, measured in {}",
            stats.features_used,
            stats.indexed_segments,
            engine.crs()
        )?;
        for i in issues {
            writeln!(out, "{i}")?;
        }
        let errors = issues
            .iter()
            .filter(|i| i.level == IssueLevel::Error)
            .count();
        writeln!(out, "{errors} errors, {} warnings", issues.len() - errors)?;
        writeln!(out)?;
        write!(out, "{}", completeness.to_text())?;
    }
    Ok(if dataset_check::has_errors(&engine) {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_rules(catalog: &Catalog, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "{} — {}", catalog.info().title, catalog.info().act)?;
    let codes: Vec<&str> = catalog.uses().iter().map(|u| u.code.as_str()).collect();
    writeln!(out, "  uses: {}", codes.join(", "))?;
    for a in &catalog.info().amendments {
        writeln!(out, "  amended by {a}")?;
    }
    writeln!(out)?;
    for rule in catalog.rules() {
        writeln!(
            out,
            "{}  [{} at worst; `aimaq explain {}` for each use]  layer `{}`",
            rule.id(),
            rule.severity(),
            rule.id(),
            rule.layer()
        )?;
        writeln!(out, "  {}", rule.title())?;
        writeln!(out, "  width: {}", rule.width().describe())?;
        writeln!(out, "  measured from: {}", rule.measured_from())?;
        writeln!(out, "  source: {}", rule.citation())?;
        writeln!(out, "  regime (default): {}", rule.severity_basis())?;
        writeln!(
            out,
            "  in force from {} ({})",
            rule.in_force().from,
            rule.in_force().act
        )?;
        writeln!(out)?;
    }
    Ok(())
}

/// At most `n` characters, with an ellipsis when cut (labels are long in kk and ru).
pub(crate) fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// 0 when every record was checked on a clean dataset; 2 when a record errored or the
/// dataset has errors (the report is complete for what could be checked).
fn exit_code(s: &Summary) -> ExitCode {
    if s.parcels_errored > 0 || s.dataset_errors > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}
