//! Report sinks: where screened records go. One trait, [`ReportSink`], and one column
//! schema ([`PARCEL_COLUMNS`], [`FINDING_COLUMNS`]) derived from the JSON contract's
//! [`Finding`] and [`ParcelReport`] fields, so every format says the same thing under the
//! same names.
//!
//! Implementations: [`GdalReport`] (GeoPackage layers, or one table in CSV, GeoJSON or
//! FlatGeobuf, through GDAL), [`JsonReport`] (the JSON contract of `aimaq check`),
//! [`GeoJsonRows`] (the one-table layout as RFC 7946 GeoJSON) and [`Collect`] (keeps the
//! outcomes for the caller).

mod collect;
mod gdal_report;
mod geojson_rows;
pub mod gpkg;
mod json_report;

pub use collect::Collect;
pub use gdal_report::{error_rows_path, format_of, GdalReport, Layout, ERROR_ROWS_EXTENSION};
pub use geojson_rows::GeoJsonRows;
pub use gpkg::{gpkg_blob, GpkgBlob, GpkgReport, ReportInfo};
pub use json_report::JsonReport;

use crate::Result;
use aimaq_check::{Finding, ParcelReport, Summary, Verdict};
use gdal::vector::FieldValue;
use geo::MultiPolygon;

/// Counts of a finished run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Totals {
    /// Verdicts, findings by rule, errors.
    pub summary: Summary,
    /// Records checked after a documented repair of their geometry.
    pub repaired: usize,
    /// Whether the run was cancelled before the input ended: the sink then holds only
    /// the records before that point, and must not be presented as complete.
    pub cancelled: bool,
}

/// One screened record, ready to write: the engine's answer and geometries in the
/// report's CRS.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// 0-based position in the input.
    pub ordinal: u64,
    /// The input feature's FID, when the source has one.
    pub fid: Option<u64>,
    /// The input's own fields, parallel to the source's fields.
    pub attributes: Vec<Option<FieldValue>>,
    /// The engine's answer (an error report when the record could not be checked).
    pub report: ParcelReport,
    /// What was repaired before checking, if anything.
    pub repair: Option<String>,
    /// The parcel in the report's CRS (`None` when the record had no usable geometry).
    pub parcel_geometry: Option<MultiPolygon<f64>>,
    /// Each finding's encumbered area in the report's CRS, parallel to `report.findings`.
    pub finding_geometries: Vec<MultiPolygon<f64>>,
    /// The same geometries as WKB, when the sink asked for them ([`Encoding::Wkb`]):
    /// encoded on the checking threads, so the writer only copies bytes.
    pub wkb: Option<EncodedGeometries>,
    /// The same geometries as GeoPackage blobs ([`Encoding::Gpkg`]); a finding's is
    /// `None` where its zone covers the whole parcel and the sink draws it with the
    /// parcel's.
    pub gpkg: Option<GpkgGeometries>,
}

/// GeoPackage blobs of an outcome's geometries.
#[derive(Debug, Clone, Default)]
pub struct GpkgGeometries {
    /// The parcel.
    pub parcel: Option<GpkgBlob>,
    /// Each finding's encumbered area, or `None` where it is the whole parcel.
    pub findings: Vec<Option<GpkgBlob>>,
}

/// How a sink wants geometries handed over: encoded on the checking threads, in
/// parallel, so its writer only copies bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// As `geo` geometries ([`Outcome::parcel_geometry`], [`Outcome::finding_geometries`]).
    Geo,
    /// ISO WKB ([`Outcome::wkb`]).
    Wkb,
    /// GeoPackage blobs in `srs_id` ([`Outcome::gpkg`]), optionally without the
    /// geometry of findings that cover their whole parcel.
    Gpkg {
        /// The `gpkg_spatial_ref_sys` id of the geometry columns.
        srs_id: i32,
        /// Leave out a whole-parcel finding's geometry (the parcel's stands for it).
        omit_whole_parcel: bool,
    },
}

/// WKB of an outcome's geometries.
#[derive(Debug, Clone, Default)]
pub struct EncodedGeometries {
    /// The parcel.
    pub parcel: Option<Vec<u8>>,
    /// Each finding's encumbered area.
    pub findings: Vec<Vec<u8>>,
}

/// ISO WKB of a geometry, little-endian.
pub fn wkb_of(g: &MultiPolygon<f64>) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    wkb::writer::write_geometry(
        &mut bytes,
        g,
        &wkb::writer::WriteOptions {
            endianness: wkb::Endianness::LittleEndian,
        },
    )
    .map_err(|e| format!("cannot encode a geometry for the report: {e}"))?;
    Ok(bytes)
}

/// Shares at or above this are the whole parcel (boolean operations round).
const WHOLE_PARCEL: f64 = 1.0 - 1e-9;

impl Outcome {
    /// Encodes the geometries as `encoding` asks, and drops the `geo` copies it replaces.
    pub fn encode(&mut self, encoding: Encoding) -> Result<(), String> {
        match encoding {
            Encoding::Geo => return Ok(()),
            Encoding::Wkb => {
                let parcel = self.parcel_geometry.as_ref().map(wkb_of).transpose()?;
                let findings = self
                    .finding_geometries
                    .iter()
                    .map(wkb_of)
                    .collect::<Result<_, _>>()?;
                self.wkb = Some(EncodedGeometries { parcel, findings });
            }
            Encoding::Gpkg {
                srs_id,
                omit_whole_parcel,
            } => {
                let parcel = self
                    .parcel_geometry
                    .as_ref()
                    .map(|g| gpkg_blob(g, srs_id))
                    .transpose()?;
                let mut findings = Vec::with_capacity(self.finding_geometries.len());
                for (f, g) in self.report.findings.iter().zip(&self.finding_geometries) {
                    let whole = omit_whole_parcel && f.encumbered_share >= WHOLE_PARCEL;
                    findings.push(if whole {
                        None
                    } else {
                        Some(gpkg_blob(g, srs_id)?)
                    });
                }
                self.gpkg = Some(GpkgGeometries { parcel, findings });
            }
        }
        self.parcel_geometry = None;
        self.finding_geometries = Vec::new();
        Ok(())
    }
}

/// Where screened records go, in input order. The pipeline calls [`ReportSink::write`]
/// with chunks of outcomes from one writer thread, then [`ReportSink::finish`] once.
pub trait ReportSink: Send {
    /// How outcomes' geometries should arrive.
    fn encoding(&self) -> Encoding {
        Encoding::Geo
    }
    /// Writes a chunk of outcomes, in order.
    fn write(&mut self, outcomes: &[Outcome]) -> Result<()>;
    /// The run's counts, once every record is written and before `finish`: for sinks
    /// that record them in the file itself.
    fn totals(&mut self, _totals: &Totals) {}
    /// What the file could not hold as the records gave it, said in words for the
    /// summary (text with a NUL byte, written escaped).
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
    /// Completes the output (commits, indexes, closes). Called once, after the last chunk.
    fn finish(&mut self) -> Result<()>;
}

/// The type of a report column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Text.
    Text,
    /// A real number.
    Real,
    /// A 64-bit integer.
    Int,
}

/// A report column: its name (the JSON contract's field name) and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The name, as in docs/output.md.
    pub name: &'static str,
    /// The type.
    pub kind: ColumnKind,
}

const fn col(name: &'static str, kind: ColumnKind) -> Column {
    Column { name, kind }
}

/// A cell of a report row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// Unset.
    Null,
    /// Text.
    Text(&'a str),
    /// A real number, rounded as the JSON contract rounds.
    Real(f64),
    /// An integer.
    Int(i64),
}

impl<'a> Cell<'a> {
    fn text(s: Option<&'a str>) -> Cell<'a> {
        s.map_or(Cell::Null, Cell::Text)
    }
}

/// Parcel columns: one per field of the parcel's row.
pub const PARCEL_COLUMNS: [Column; 10] = [
    col("parcel", ColumnKind::Text),
    col("use", ColumnKind::Text),
    col("verdict", ColumnKind::Text),
    col("findings", ColumnKind::Int),
    col("area_m2", ColumnKind::Real),
    col("encumbered_total_m2", ColumnKind::Real),
    col("encumbered_total_share", ColumnKind::Real),
    col("error", ColumnKind::Text),
    col("repair", ColumnKind::Text),
    col("source_fid", ColumnKind::Int),
];

/// Finding columns: the serde field names of [`Finding`] (docs/output.md), so a report
/// row says exactly what the JSON contract says.
pub const FINDING_COLUMNS: [Column; 14] = [
    col("rule", ColumnKind::Text),
    col("layer", ColumnKind::Text),
    col("feature", ColumnKind::Text),
    col("feature_name", ColumnKind::Text),
    col("severity", ColumnKind::Text),
    col("distance_m", ColumnKind::Real),
    col("limit_m", ColumnKind::Real),
    col("encumbered_m2", ColumnKind::Real),
    col("encumbered_share", ColumnKind::Real),
    col("citation", ColumnKind::Text),
    col("regime", ColumnKind::Text),
    col("approval", ColumnKind::Text),
    col("regime_citation", ColumnKind::Text),
    col("message", ColumnKind::Text),
];

/// Rounded as the JSON contract rounds (docs/output.md): mm and m², shares to 1e-6.
fn round_to(v: f64, scale: f64) -> f64 {
    (v * scale).round() / scale
}

/// The cells of a parcel's row, in [`PARCEL_COLUMNS`] order.
pub fn parcel_cells<'a>(o: &'a Outcome) -> [Cell<'a>; 10] {
    let r = &o.report;
    let (total_m2, total_share) = match &r.encumbrance {
        // the union of the findings' zones: a square metre under two zones counts once
        Some(e) => (
            Cell::Real(round_to(e.total.m2, 1e3)),
            Cell::Real(round_to(e.total.share, 1e6)),
        ),
        None => (Cell::Null, Cell::Null),
    };
    [
        Cell::Text(&r.id),
        Cell::text(r.proposed_use.as_deref()),
        Cell::Text(r.verdict.as_str()),
        Cell::Int(r.findings.len() as i64),
        if r.error.is_none() {
            Cell::Real(round_to(r.area_m2, 1e3))
        } else {
            Cell::Null
        },
        total_m2,
        total_share,
        Cell::text(r.error.as_deref()),
        Cell::text(o.repair.as_deref()),
        o.fid.map_or(Cell::Null, |f| Cell::Int(f as i64)),
    ]
}

/// The cells of a finding's row, in [`FINDING_COLUMNS`] order.
pub fn finding_cells(f: &Finding) -> [Cell<'_>; 14] {
    [
        Cell::Text(&f.rule),
        Cell::Text(&f.layer),
        Cell::Text(&f.feature),
        Cell::text(f.feature_name.as_deref()),
        Cell::Text(f.severity.as_str()),
        Cell::Real(round_to(f.distance_m, 1e3)),
        Cell::Real(round_to(f.limit_m, 1e3)),
        Cell::Real(round_to(f.encumbered_m2, 1e3)),
        Cell::Real(round_to(f.encumbered_share, 1e6)),
        Cell::Text(&f.citation),
        Cell::Text(f.regime.as_str()),
        Cell::text(f.approval.as_deref()),
        Cell::Text(&f.regime_citation),
        Cell::Text(&f.message),
    ]
}

/// What a row of a one-table report stands for.
pub fn row_kind(o: &Outcome) -> &'static str {
    if o.report.verdict == Verdict::Error {
        "error"
    } else {
        "clear"
    }
}
