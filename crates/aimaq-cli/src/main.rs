//! `aimaq`: does a proposed parcel break a spatial regulation of the Almaty
//! agglomeration scheme — why, where, by how much, under which act?

mod balance;
mod cadastre;
mod crs;
mod dataset;
mod explain;
mod input;
mod ogr;
mod screen;
mod sink;
mod zones;

use aimaq_check::{Engine, Limits, Parcel, ParcelReport, Report};
use aimaq_rules::{Catalog, Date, IssueLevel, Lang};
use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use crs::{MetricCrs, Reprojector};
use geo::{Geometry, MultiPolygon};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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

/// Limits on one parcel: past them it is an error row with the reason, not a long wait.
#[derive(clap::Args)]
struct ParcelLimits {
    /// Refuse parcels of more vertices than this (every ring, closing positions not counted).
    #[arg(long, default_value_t = Limits::default().max_vertices)]
    max_vertices: usize,
    /// Refuse parcels whose bounding box, in the measuring CRS, has a longer diagonal, km.
    #[arg(long, default_value_t = Limits::default().max_extent_m / 1000.0)]
    max_extent_km: f64,
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
        opts: screen::ScreenOptions,
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
    /// List every problem of a constraint dataset.
    Validate {
        #[command(flatten)]
        common: Common,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
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
            ExitCode::from(1)
        }
    }
}

fn load_catalog(path: Option<&Path>) -> Result<Catalog> {
    match path {
        None => Ok(Catalog::embedded()),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            Catalog::from_toml_str(&text).with_context(|| format!("catalog {}", p.display()))
        }
    }
}

/// An engine over the dataset `common` names, and what it was built from.
struct Built {
    engine: Engine,
    reproject: Reprojector,
    metric: MetricCrs,
    source: String,
}

/// The catalog in force on `--as-of`, and the dataset measured in `--crs`.
fn load_dataset(common: &Common) -> Result<(Catalog, MetricCrs, Reprojector, dataset::Loaded)> {
    let mut catalog = load_catalog(common.catalog.as_deref())?;
    if let Some(date) = common.as_of {
        catalog = catalog.as_of(date)?;
    }
    let metric = MetricCrs::new(&common.crs)?;
    let reproject = Reprojector::new(&metric)?;
    let loaded = dataset::load(&catalog, common.data.as_deref(), &reproject, &metric)?;
    Ok((catalog, metric, reproject, loaded))
}

fn build_engine(common: &Common) -> Result<Built> {
    let (catalog, metric, reproject, loaded) = load_dataset(common)?;
    let mut engine = Engine::new(catalog, metric.label(), loaded.features).with_lang(common.lang);
    engine.add_issues(loaded.issues);
    Ok(Built {
        engine,
        reproject,
        metric,
        source: loaded.source,
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Check {
            common,
            limits,
            format,
            output,
            parcels,
        } => {
            let Built {
                engine, reproject, ..
            } = build_engine(&common)?;
            let engine = engine.with_limits(limits.limits());
            let records = input::read_file(&parcels)?;
            let mut reports: Vec<Option<ParcelReport>> = Vec::with_capacity(records.len());
            let mut to_check = Vec::new();
            for r in records {
                let label = r.label();
                let proposed_use = r
                    .properties
                    .get("use")
                    .and_then(|u| u.as_str())
                    .map(String::from);
                let geometry = r.geometry.and_then(|g| match g {
                    Geometry::Polygon(p) => Ok(MultiPolygon(vec![p])),
                    Geometry::MultiPolygon(mp) => Ok(mp),
                    _ => Err("a parcel must be a Polygon or MultiPolygon".to_string()),
                });
                let checked = match (r.id, geometry) {
                    (None, _) => {
                        Err("parcel has no `id` (properties.id or the feature's id)".to_string())
                    }
                    (Some(_), Err(e)) => Err(e),
                    (Some(id), Ok(mp)) => {
                        reproject
                            .to_metric(&Geometry::MultiPolygon(mp))
                            .map(|g| Parcel {
                                id,
                                proposed_use: proposed_use.clone(),
                                geometry: g.map(|g| match g {
                                    Geometry::MultiPolygon(mp) => mp,
                                    _ => unreachable!("reprojection keeps the type"),
                                }),
                            })
                    }
                };
                match checked {
                    Ok(p) => {
                        reports.push(None);
                        to_check.push(p);
                    }
                    Err(e) => reports.push(Some(ParcelReport::error(&label, proposed_use, e))),
                }
            }
            let mut checked = engine.check_all(&to_check).into_iter();
            let reports: Vec<ParcelReport> = reports
                .into_iter()
                .map(|r| {
                    r.unwrap_or_else(|| checked.next().expect("one report per checked parcel"))
                })
                .collect();
            let report = Report::new(&engine, reports);
            let mut out: Box<dyn Write> = match &output {
                Some(p) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(p)
                        .with_context(|| format!("cannot create {}", p.display()))?,
                )),
                None => Box::new(std::io::stdout().lock()),
            };
            match format {
                Format::Text => report.write_text(&mut out)?,
                Format::Json => {
                    serde_json::to_writer_pretty(&mut out, &report)?;
                    writeln!(out)?;
                }
                Format::Geojson => write_geojson(&report, &reproject, &mut out)?,
            }
            out.flush()?;
            let s = &report.summary;
            if output.is_some() || !matches!(format, Format::Text) {
                eprintln!(
                    "aimaq: {} parcels in, {} checked, {} errored; {} findings",
                    s.parcels_in,
                    s.parcels_checked,
                    s.parcels_errored,
                    s.findings_by_rule.values().sum::<usize>()
                );
            }
            Ok(exit_code(s))
        }
        Command::Screen {
            common,
            limits,
            opts,
        } => {
            if let Some(n) = opts.jobs {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n.max(1))
                    .build_global()
                    .context("cannot start the worker threads")?;
            }
            let built = build_engine(&common)?;
            let engine = built.engine.with_limits(limits.limits());
            let summary = screen::run(&engine, &built.metric, &built.source, &opts)?;
            screen::print_summary(&summary, &mut std::io::stdout().lock())?;
            let s = &summary.summary;
            Ok(exit_code(s))
        }
        Command::Cadastre {
            count,
            out,
            seed,
            overwrite,
        } => {
            let lots = cadastre::generate(count, seed)?;
            cadastre::write(&lots, &out, overwrite)?;
            println!("{}: {}", out.display(), cadastre::describe(&lots));
            Ok(ExitCode::SUCCESS)
        }
        Command::Zones {
            common,
            out,
            use_code,
            overwrite,
        } => {
            let (catalog, metric, _, loaded) = load_dataset(&common)?;
            let features = loaded.features.clone();
            let mut engine = Engine::new(catalog.clone(), metric.label(), loaded.features);
            engine.add_issues(loaded.issues);
            let rows = zones::write(
                &catalog, &use_code, &features, &engine, &metric, &out, overwrite,
            )?;
            println!(
                "{}: {rows} zones of {} features from {}, in {}",
                out.display(),
                engine.stats().features_used,
                loaded.source,
                metric.label()
            );
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
        Command::Balance { common, json } => balance::run(&common, json),
        Command::Validate { common, json } => {
            let Built { engine, source, .. } = build_engine(&common)?;
            let issues = engine.issues();
            let mut out = std::io::stdout().lock();
            if json {
                let doc = serde_json::json!({ "dataset": source, "stats": engine.stats(), "issues": issues });
                writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
            } else {
                let stats = engine.stats();
                let counts: Vec<String> = stats
                    .features_by_layer
                    .iter()
                    .map(|(l, n)| format!("{l} {n}"))
                    .collect();
                writeln!(out, "dataset {source}: {}", counts.join(", "))?;
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
            }
            Ok(if issues.iter().any(|i| i.level == IssueLevel::Error) {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

fn write_geojson(report: &Report, reproject: &Reprojector, out: &mut dyn Write) -> Result<()> {
    let mut features = Vec::new();
    for p in &report.parcels {
        for f in &p.findings {
            let wgs = reproject.to_wgs84(&f.geometry)?;
            let mut props = match serde_json::to_value(f)? {
                serde_json::Value::Object(m) => m,
                _ => unreachable!("a finding serialises to an object"),
            };
            props.insert("parcel".into(), p.id.clone().into());
            props.insert("verdict".into(), p.verdict.as_str().into());
            features.push(geojson::Feature {
                geometry: Some(geojson::Geometry::new(geojson::GeometryValue::from(&wgs))),
                properties: Some(props),
                ..Default::default()
            });
        }
    }
    let fc = geojson::FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    };
    serde_json::to_writer(&mut *out, &fc)?;
    writeln!(out)?;
    Ok(())
}

fn print_rules(catalog: &Catalog, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "{} — {}", catalog.info.title, catalog.info.act)?;
    let codes: Vec<&str> = catalog.uses.iter().map(|u| u.code.as_str()).collect();
    writeln!(out, "  uses: {}", codes.join(", "))?;
    for a in &catalog.info.amendments {
        writeln!(out, "  amended by {a}")?;
    }
    writeln!(out)?;
    for rule in &catalog.rules {
        writeln!(
            out,
            "{}  [{} at worst; `aimaq explain {}` for each use]  layer `{}`",
            rule.id, rule.severity, rule.id, rule.layer
        )?;
        writeln!(out, "  {}", rule.title)?;
        writeln!(out, "  width: {}", rule.width.describe(catalog))?;
        writeln!(out, "  measured from: {}", rule.measured_from)?;
        writeln!(out, "  source: {}", rule.citation)?;
        writeln!(out, "  regime (default): {}", rule.severity_basis)?;
        writeln!(
            out,
            "  in force from {} ({})",
            rule.in_force.from, rule.in_force.act
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
fn exit_code(s: &aimaq_check::Summary) -> ExitCode {
    if s.parcels_errored > 0 || s.dataset_errors > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}
