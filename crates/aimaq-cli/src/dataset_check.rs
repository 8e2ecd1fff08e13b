//! `aimaq dataset completeness` and `aimaq dataset diff`: what a dataset lets each rule
//! measure, and what changed between two datasets (and which stored decisions it
//! affects). The work is `aimaq_dataset`'s and `aimaq_server::impact`'s; this file reads
//! the command line and prints.

use aimaq_check::Engine;
use aimaq_dataset::completeness::Completeness;
use aimaq_dataset::diff::{self, DiffOptions};
use aimaq_io::dataset::{DatasetSource, LoadedDataset};
use aimaq_io::EngineOptions;
use aimaq_rules::{printable, Date, IssueLevel};
use aimaq_server::{Desk, DeskOptions};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The dataset commands of this file.
#[derive(clap::Subcommand)]
pub enum Command {
    /// For each rule: features it can measure, what they lack and what the check then
    /// does; layers absent or empty ("not checked", never "clear"). As `aimaq validate`
    /// prints after the dataset's problems.
    Completeness(CompletenessArgs),
    /// What changed between two datasets, by layer: features added, removed, moved
    /// (Hausdorff distance above --tolerance-m) and with changed attributes; with
    /// --decisions, the stored decisions whose outcome the change alters.
    Diff(DiffArgs),
}

/// Where and how to measure.
#[derive(clap::Args)]
pub struct Measure {
    /// Projected CRS with metre axes to measure in.
    #[arg(long, default_value = aimaq_io::DEFAULT_CRS)]
    crs: String,
    /// Regulation catalog TOML. Default: the embedded one.
    #[arg(long)]
    catalog: Option<PathBuf>,
    /// The rules in force on this date (YYYY-MM-DD). Default: all rules.
    #[arg(long)]
    as_of: Option<Date>,
}

impl Measure {
    fn options(&self, data: DatasetSource) -> EngineOptions {
        EngineOptions {
            data,
            crs: self.crs.clone(),
            catalog: self.catalog.clone(),
            as_of: self.as_of,
            ..EngineOptions::default()
        }
    }
}

/// `aimaq dataset completeness`.
#[derive(clap::Args)]
pub struct CompletenessArgs {
    /// The dataset: a GeoPackage holding the layers, or a directory of layer files.
    dataset: PathBuf,
    #[command(flatten)]
    measure: Measure,
    /// Print JSON instead of text (docs/dataset.md, "Completeness").
    #[arg(long)]
    json: bool,
}

/// `aimaq dataset diff`.
#[derive(clap::Args)]
pub struct DiffArgs {
    /// The old dataset (GeoPackage or directory).
    old: PathBuf,
    /// The new dataset.
    new: PathBuf,
    /// A permit desk's decision store (opened read-only): list the decisions whose
    /// outcome differs between the two datasets.
    #[arg(long)]
    decisions: Option<PathBuf>,
    /// A feature moved when its Hausdorff distance, in metres of --crs, is above this.
    #[arg(long, default_value_t = diff::DEFAULT_TOLERANCE_M)]
    tolerance_m: f64,
    #[command(flatten)]
    measure: Measure,
    /// Print JSON instead of text (docs/dataset.md, "What changed").
    #[arg(long)]
    json: bool,
}

/// Runs a command of this file.
pub fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Completeness(args) => {
            let options = args
                .measure
                .options(DatasetSource::Path(args.dataset.clone()));
            let (completeness, _) = assess(&options)?;
            let mut out = std::io::stdout().lock();
            if args.json {
                writeln!(out, "{}", serde_json::to_string_pretty(&completeness)?)?;
            } else {
                write!(out, "{}", completeness.to_text())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff(args) => diff_command(args),
    }
}

/// The completeness of the dataset `options` name, and the engine's issues.
pub fn assess(options: &EngineOptions) -> Result<(Completeness, Engine)> {
    let (catalog, metric, loaded) = aimaq_io::load(options)?;
    let mut engine =
        Engine::new(catalog, metric.label(), loaded.features.clone()).with_lang(options.lang);
    engine.add_issues(loaded.issues.clone());
    Ok((Completeness::of(&loaded, &engine), engine))
}

fn load(measure: &Measure, path: &Path) -> Result<(LoadedDataset, String)> {
    let (_, metric, loaded) =
        aimaq_io::load(&measure.options(DatasetSource::Path(path.to_path_buf())))
            .with_context(|| format!("cannot read the dataset {}", path.display()))?;
    Ok((loaded, metric.label().to_string()))
}

fn diff_command(args: DiffArgs) -> Result<ExitCode> {
    if !(args.tolerance_m.is_finite() && args.tolerance_m >= 0.0) {
        anyhow::bail!(
            "--tolerance-m must be a non-negative number of metres, got {}",
            args.tolerance_m
        );
    }
    let (old, crs) = load(&args.measure, &args.old)?;
    let (new, _) = load(&args.measure, &args.new)?;
    let d = diff::diff(
        &old,
        &new,
        &crs,
        &DiffOptions {
            tolerance_m: args.tolerance_m,
        },
    );
    let impact = match &args.decisions {
        None => None,
        Some(store) => {
            let desk = |path: &PathBuf| {
                Desk::open(&DeskOptions {
                    data: DatasetSource::Path(path.to_path_buf()),
                    crs: args.measure.crs.clone(),
                    catalog: args.measure.catalog.clone(),
                })
                .with_context(|| format!("cannot open a desk on {}", path.display()))
            };
            let (old_desk, new_desk) = (desk(&args.old)?, desk(&args.new)?);
            let mut err = std::io::stderr();
            let mut progress = |n: usize| {
                if n.is_multiple_of(500) {
                    let _ = writeln!(err, "aimaq: {n} decisions run on both datasets");
                }
            };
            Some(aimaq_server::impact::affected(
                store,
                &old_desk,
                &new_desk,
                &mut progress,
            )?)
        }
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        let mut doc = serde_json::to_value(&d)?;
        if let Some(i) = &impact {
            doc["decisions"] = serde_json::to_value(i)?;
        }
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    } else {
        write!(out, "{}", d.to_text())?;
        if let Some(i) = &impact {
            print_impact(i, &mut out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_impact(i: &aimaq_server::impact::Impact, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "decisions in {}: {} run on both datasets, {} affected, {} not affected{}",
        i.store,
        i.decisions,
        i.affected.len(),
        i.unaffected,
        if i.failed.is_empty() {
            String::new()
        } else {
            format!(", {} could not be run", i.failed.len())
        }
    )?;
    // ids and values come from stored decisions and the data: escaped as every text output
    // escapes them (docs/reliability.md, round 2), so none reaches the terminal raw
    let show = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => printable(s).into_owned(),
        serde_json::Value::Null => "—".into(),
        other => other.to_string(),
    };
    for d in &i.affected {
        writeln!(
            out,
            "{}  {}  application {}: {} → {} (stored {})",
            d.id,
            d.created_at,
            printable(&d.application.join(", ")),
            d.verdict_old,
            d.verdict_new,
            d.verdict_stored
        )?;
        for p in &d.parcels {
            writeln!(
                out,
                "  parcel {}: {} → {}",
                printable(&p.parcel),
                show(&p.verdict_old),
                show(&p.verdict_new)
            )?;
            let added = p.added.iter().map(|f| ("+", "", f));
            for (sign, was, f) in added.chain(p.removed.iter().map(|f| ("-", "was ", f))) {
                writeln!(
                    out,
                    "    {sign} {} {}/{}: {was}{} m, {} m², {}",
                    f.rule,
                    f.layer,
                    printable(&f.feature),
                    show(&f.distance_m),
                    show(&f.encumbered_m2),
                    show(&f.severity)
                )?;
            }
            for c in &p.changed {
                writeln!(
                    out,
                    "    ~ {} {}/{}: {} → {} m, {} → {} m², {} → {}",
                    c.new.rule,
                    c.new.layer,
                    printable(&c.new.feature),
                    show(&c.old.distance_m),
                    show(&c.new.distance_m),
                    show(&c.old.encumbered_m2),
                    show(&c.new.encumbered_m2),
                    show(&c.old.severity),
                    show(&c.new.severity)
                )?;
            }
        }
    }
    for f in &i.failed {
        writeln!(out, "{}  could not be run: {}", f.id, f.reason)?;
    }
    Ok(())
}

/// Whether the dataset's issues hold an error (for `validate`'s exit status).
pub fn has_errors(engine: &Engine) -> bool {
    engine.issues().iter().any(|i| i.level == IssueLevel::Error)
}
