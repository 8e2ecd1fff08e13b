//! `aimaq screen`: the arguments, and the lines printed at the end of a run.

use crate::progress;
use aimaq_check::Verdict;
use aimaq_io::screen::{summary_path, ScreenRequest, ScreenSummary};
use aimaq_io::OgrOptions;
use std::path::{Path, PathBuf};

/// What to screen and where the report goes: the arguments of `aimaq screen`.
#[derive(clap::Args)]
pub struct Args {
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
    /// Encoding of a Shapefile's text when its .dbf does not say (no .cpg): CP1251 for
    /// Cyrillic Windows exports, CP866 for DOS ones.
    #[arg(long)]
    pub encoding: Option<String>,
    /// CRS of the report (default: the parcels' CRS).
    #[arg(long)]
    pub t_srs: Option<String>,
    /// Worker threads for checking (default: all cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Replace REPORT (and its summary) if it exists, once the new one is complete.
    #[arg(long)]
    pub overwrite: bool,
    /// Leave out the GeoPackage report's R-tree spatial indexes: about 7 µs a row to
    /// build, half the run at a million parcels; QGIS opens the report either way.
    #[arg(long)]
    pub no_spatial_index: bool,
    /// Progress display: a bar on a terminal, else a line every 10 s.
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: progress::Mode,
    /// A GeoPackage report in the wide layout: every finding field, citation and message
    /// on every row (written through GDAL; several times larger and slower).
    #[arg(long)]
    pub verbose_rows: bool,
}

impl Args {
    /// The library's request.
    pub fn request(&self) -> ScreenRequest {
        ScreenRequest {
            parcels: self.parcels.clone(),
            input: OgrOptions {
                layer: self.layer.clone(),
                id_field: self.id_field.clone(),
                use_field: self.use_field.clone(),
                s_srs: self.s_srs.clone(),
                encoding: self.encoding.clone(),
                cancel: None,
            },
            out: self.out.clone(),
            t_srs: self.t_srs.clone(),
            overwrite: self.overwrite,
            spatial_index: !self.no_spatial_index,
            verbose_rows: self.verbose_rows,
            command_line: std::env::args().collect::<Vec<_>>().join(" "),
        }
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
    if s.id_source.starts_with("no id field") {
        writeln!(
            out,
            "NOTE: {}; name the id field with --id-field",
            s.id_source
        )?;
    }
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
    for w in &s.warnings {
        // the record text in a warning is escaped already
        writeln!(out, "WARNING: {w}")?;
    }
    if let Some(file) = &s.error_rows_file {
        writeln!(
            out,
            "FlatGeobuf cannot hold rows without a geometry: the error rows of records without one are in {}",
            aimaq_rules::printable(file)
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
