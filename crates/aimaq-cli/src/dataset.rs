//! `aimaq dataset build`: a constraint dataset from OSM extracts and a GIS office's layers.

use aimaq_dataset::build::{build, BuildOptions, BuildSummary};
use anyhow::Result;
use clap::Subcommand;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// `aimaq dataset …`
#[derive(Subcommand)]
pub(crate) enum DatasetCommand {
    /// Build one GeoPackage of the contract's layers from OSM extracts (.osm, .osm.pbf)
    /// and OGR sources mapped by a TOML (docs/dataset.md, "Bring your own data").
    Build(BuildArgs),
    /// `completeness` and `diff` (dataset_check.rs).
    #[command(flatten)]
    Check(crate::dataset_check::Command),
}

#[derive(clap::Args)]
pub(crate) struct BuildArgs {
    /// Sources, merged in this order (the first source's feature wins a duplicate).
    #[arg(required = true)]
    sources: Vec<PathBuf>,
    /// The GeoPackage to write.
    #[arg(long)]
    out: PathBuf,
    /// Mapping TOML for the non-OSM sources (OSM uses data/osm/mapping.toml unless this
    /// names it).
    #[arg(long)]
    map: Option<PathBuf>,
    /// Replace OUT if it exists, once the new one is complete.
    #[arg(long)]
    overwrite: bool,
    /// Regulation catalog TOML whose layer contract to build for. Default: the embedded one.
    #[arg(long)]
    catalog: Option<PathBuf>,
    /// Print the build summary as JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(command: DatasetCommand) -> Result<ExitCode> {
    match command {
        DatasetCommand::Build(args) => {
            let summary = build(&BuildOptions {
                sources: args.sources,
                out: args.out,
                map: args.map,
                overwrite: args.overwrite,
                catalog: args.catalog,
            })?;
            let mut out = std::io::stdout().lock();
            if args.json {
                writeln!(out, "{}", serde_json::to_string_pretty(&summary)?)?;
            } else {
                print_summary(&summary, &mut out)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        DatasetCommand::Check(command) => crate::dataset_check::run(command),
    }
}

fn print_summary(s: &BuildSummary, out: &mut impl Write) -> std::io::Result<()> {
    let total: usize = s.layers.values().sum();
    writeln!(
        out,
        "{}: {total} features in {} layers",
        s.out,
        s.layers.len()
    )?;
    for (layer, n) in &s.layers {
        writeln!(out, "  {layer:<22} {n}")?;
    }
    writeln!(out, "sources:")?;
    for src in &s.sources {
        writeln!(
            out,
            "  {} ({}, {}): {} read, {} used",
            src.path, src.driver, src.sha256, src.read, src.used
        )?;
        for (reason, n) in &src.skipped {
            writeln!(out, "    {n} skipped: {reason}")?;
        }
    }
    if !s.duplicates.is_empty() {
        writeln!(out, "duplicates (the first source's feature kept):")?;
        for d in &s.duplicates {
            let names = d
                .name_similarity
                .map(|x| format!(", names {x:.2} alike"))
                .unwrap_or_default();
            writeln!(
                out,
                "  {}: {} dropped as {} ({:.1} m{names})",
                d.layer, d.dropped, d.kept, d.distance_m
            )?;
        }
    }
    if !s.issues.is_empty() {
        writeln!(out, "{} issues:", s.issues.len())?;
        for i in &s.issues {
            let line = i
                .mapping_line
                .map(|l| format!(" (mapping line {l})"))
                .unwrap_or_default();
            let field = i
                .field
                .as_ref()
                .map(|f| format!(" `{f}`"))
                .unwrap_or_default();
            writeln!(
                out,
                "  {} {}{field}{line}: {}",
                i.source,
                i.feature.as_deref().unwrap_or("-"),
                i.message
            )?;
        }
    }
    if let Some(a) = &s.attribution {
        writeln!(out, "{a}")?;
    }
    Ok(())
}
