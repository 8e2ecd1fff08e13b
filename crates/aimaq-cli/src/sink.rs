//! Screening reports written through GDAL: a GeoPackage with `parcels` and `findings`
//! layers, or one table of rows (GeoJSON, CSV, FlatGeobuf) for formats that hold one layer.

use aimaq_check::{Finding, ParcelReport, Verdict};
use anyhow::{bail, Context, Result};
use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use gdal::vector::{
    Feature, FieldValue, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType, ToGdal,
};
use gdal::{Dataset, DriverManager};
use geo::MultiPolygon;
use std::collections::HashMap;
use std::path::Path;

/// A field of the parcels' source, carried into the report.
#[derive(Debug, Clone)]
pub struct SourceField {
    pub name: String,
    pub kind: OGRFieldType::Type,
}

/// One screened record, ready to write: geometries already in the report's CRS.
pub struct Outcome {
    /// 0-based position in the input.
    pub ordinal: u64,
    /// The input feature's FID, when the source has one.
    pub fid: Option<u64>,
    /// The input's own fields, parallel to the sink's source fields.
    pub attributes: Vec<Option<FieldValue>>,
    /// The engine's answer (an error report when the record could not be checked).
    pub report: ParcelReport,
    /// What was repaired before checking, if anything.
    pub repair: Option<String>,
    /// The parcel in the report's CRS (`None` when the record had no usable geometry).
    pub parcel_geometry: Option<Wkb>,
    /// Each finding's encumbered area in the report's CRS, parallel to `report.findings`.
    pub finding_geometries: Vec<Wkb>,
}

/// A geometry already encoded as WKB by GDAL. Encoding happens in the parallel checking
/// stage; the writer, the stage everything waits for, then hands GDAL one buffer per
/// geometry instead of building it point by point.
pub struct Wkb(Vec<u8>);

impl Wkb {
    pub fn of(g: &MultiPolygon<f64>) -> Result<Wkb, String> {
        g.to_gdal()
            .and_then(|g| g.wkb())
            .map(Wkb)
            .map_err(|e| format!("cannot encode a geometry for the report: {e}"))
    }
}

/// A new, empty vector file; an existing one is replaced only with `overwrite`.
pub fn create_file(path: &Path, driver_name: &str, overwrite: bool) -> Result<Dataset> {
    if path.exists() {
        if !overwrite {
            bail!("{} exists: remove it or pass --overwrite", path.display());
        }
        std::fs::remove_file(path).with_context(|| format!("cannot remove {}", path.display()))?;
    }
    DriverManager::get_driver_by_name(driver_name)?
        .create_vector_only(path)
        .with_context(|| format!("GDAL cannot create {}", path.display()))
}

/// The CRS for a new layer, in GIS axis order (easting first), as geo's coordinates are.
pub fn layer_srs(definition: &str) -> Result<SpatialRef> {
    let mut srs =
        SpatialRef::from_definition(definition).with_context(|| format!("CRS `{definition}`"))?;
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    Ok(srs)
}

/// Report layouts by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// GeoPackage: layer `parcels` (one row per input record) and `findings`.
    Layers,
    /// One table: a row per finding plus a row per clear or errored parcel.
    Rows,
}

/// The GDAL driver and layout an output path asks for.
pub fn format_of(path: &Path) -> Result<(&'static str, Layout)> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    Ok(match ext.as_deref() {
        Some("gpkg") => ("GPKG", Layout::Layers),
        Some("geojson") | Some("json") => ("GeoJSON", Layout::Rows),
        Some("csv") => ("CSV", Layout::Rows),
        Some("fgb") => ("FlatGeobuf", Layout::Rows),
        _ => bail!(
            "cannot tell the report format of {}: use .gpkg, .geojson, .csv or .fgb",
            path.display()
        ),
    })
}

#[derive(Clone, Copy)]
enum Kind {
    Text,
    Real,
    Int,
}

impl Kind {
    fn ogr(self) -> OGRFieldType::Type {
        match self {
            Kind::Text => OGRFieldType::OFTString,
            Kind::Real => OGRFieldType::OFTReal,
            Kind::Int => OGRFieldType::OFTInteger64,
        }
    }
}

/// Finding columns: the serde field names of [`Finding`] (docs/output.md), so a report
/// row says exactly what the JSON contract says.
const FINDING_COLUMNS: &[(&str, Kind)] = &[
    ("rule", Kind::Text),
    ("layer", Kind::Text),
    ("feature", Kind::Text),
    ("feature_name", Kind::Text),
    ("severity", Kind::Text),
    ("distance_m", Kind::Real),
    ("limit_m", Kind::Real),
    ("encumbered_m2", Kind::Real),
    ("encumbered_share", Kind::Real),
    ("citation", Kind::Text),
    ("regime", Kind::Text),
    ("approval", Kind::Text),
    ("regime_citation", Kind::Text),
    ("message", Kind::Text),
];

/// Parcel columns, first in every row.
const PARCEL_COLUMNS: &[(&str, Kind)] = &[
    ("parcel", Kind::Text),
    ("use", Kind::Text),
    ("verdict", Kind::Text),
    ("findings", Kind::Int),
    ("area_m2", Kind::Real),
    ("encumbered_total_m2", Kind::Real),
    ("encumbered_total_share", Kind::Real),
    ("error", Kind::Text),
    ("repair", Kind::Text),
    ("source_fid", Kind::Int),
];

/// A layer to create: name, columns, creation options.
type LayerPlan = (&'static str, Vec<(&'static str, Kind)>, Vec<&'static str>);

/// Rows this many features long share a transaction: SQLite commits are the cost.
const ROWS_PER_TRANSACTION: usize = 200_000;

/// A report being written.
pub struct Sink {
    dataset: Dataset,
    layout: Layout,
    spatial_index: bool,
    batch: Batch,
    /// Report column of each source field (its name, or `src_<name>` where it would
    /// clash with a column of aimaq's).
    source_columns: Vec<String>,
    /// Field positions by name, per layer: looked up once, not per row (OGR's own
    /// lookup compares names case-insensitively, field by field).
    columns: Vec<HashMap<String, usize>>,
}

/// Groups writes into transactions of [`ROWS_PER_TRANSACTION`] rows where the driver
/// has transactions (GeoPackage); elsewhere (CSV, GeoJSON, FlatGeobuf) rows go straight
/// to the file.
pub struct Batch {
    open: bool,
    rows: usize,
}

impl Batch {
    /// Opens the first transaction, if the driver has them.
    pub fn begin(ds: &Dataset) -> Batch {
        let mut b = Batch {
            open: false,
            rows: 0,
        };
        b.start(ds);
        b
    }

    fn start(&mut self, ds: &Dataset) {
        // SAFETY: the handle is valid while `ds` lives; a driver without transactions
        // refuses and rows are then written directly.
        let err = unsafe { gdal_sys::GDALDatasetStartTransaction(ds.c_dataset(), 0) };
        self.open = err == gdal_sys::OGRErr::OGRERR_NONE;
        self.rows = 0;
    }

    /// Counts `n` rows written; commits and reopens when the transaction is full.
    pub fn rows(&mut self, ds: &Dataset, n: usize) -> Result<()> {
        self.rows += n;
        if self.open && self.rows >= ROWS_PER_TRANSACTION {
            self.commit(ds)?;
            self.start(ds);
        }
        Ok(())
    }

    /// One row written.
    pub fn row(&mut self, ds: &Dataset) -> Result<()> {
        self.rows(ds, 1)
    }

    /// Commits what is pending.
    pub fn commit(&mut self, ds: &Dataset) -> Result<()> {
        if self.open {
            self.open = false;
            // SAFETY: as in `start`; a transaction is open.
            let err = unsafe { gdal_sys::GDALDatasetCommitTransaction(ds.c_dataset()) };
            if err != gdal_sys::OGRErr::OGRERR_NONE {
                bail!("GDAL could not commit the rows written (error {err})");
            }
        }
        Ok(())
    }
}

impl Sink {
    /// Creates the report file. Refuses to replace an existing file unless `overwrite`.
    pub fn create(
        path: &Path,
        srs_definition: &str,
        source_fields: &[SourceField],
        overwrite: bool,
        spatial_index: bool,
    ) -> Result<Sink> {
        let (driver_name, layout) = format_of(path)?;
        let mut dataset = create_file(path, driver_name, overwrite)?;
        let srs = layer_srs(srs_definition)?;

        let ours: Vec<&str> = PARCEL_COLUMNS
            .iter()
            .chain(FINDING_COLUMNS)
            .map(|(n, _)| *n)
            .chain(["row", "fid", "geom"])
            .collect();
        let source_columns: Vec<String> = source_fields
            .iter()
            .map(|f| {
                if ours.iter().any(|o| o.eq_ignore_ascii_case(&f.name)) {
                    format!("src_{}", f.name)
                } else {
                    f.name.clone()
                }
            })
            .collect();
        let mut layers: Vec<LayerPlan> = Vec::new();
        match layout {
            Layout::Layers => {
                // spatial indexes are built in `finish`, in bulk
                layers.push(("parcels", PARCEL_COLUMNS.to_vec(), vec!["SPATIAL_INDEX=NO"]));
                let mut cols = vec![
                    ("parcel", Kind::Text),
                    ("use", Kind::Text),
                    ("verdict", Kind::Text),
                ];
                cols.extend_from_slice(FINDING_COLUMNS);
                cols.push(("repair", Kind::Text));
                layers.push(("findings", cols, vec!["SPATIAL_INDEX=NO"]));
            }
            Layout::Rows => {
                let mut cols = vec![("row", Kind::Text)];
                cols.extend_from_slice(PARCEL_COLUMNS);
                cols.extend_from_slice(FINDING_COLUMNS);
                let options = match driver_name {
                    "CSV" => vec!["GEOMETRY=AS_WKT"],
                    "GeoJSON" => vec!["WRITE_NAME=NO"],
                    _ => vec![],
                };
                layers.push(("report", cols, options));
            }
        }
        for (i, (name, cols, options)) in layers.into_iter().enumerate() {
            let layer = dataset.create_layer(LayerOptions {
                name,
                srs: Some(&srs),
                ty: OGRwkbGeometryType::wkbMultiPolygon,
                options: (!options.is_empty()).then_some(options.as_slice()),
            })?;
            let mut defs: Vec<(&str, OGRFieldType::Type)> =
                cols.iter().map(|(n, k)| (*n, k.ogr())).collect();
            // the parcel rows carry the source's own fields, typed as they were
            if i == 0 {
                defs.extend(
                    source_columns
                        .iter()
                        .zip(source_fields)
                        .map(|(n, f)| (n.as_str(), f.kind)),
                );
            }
            layer.create_defn_fields(&defs)?;
        }
        let columns = dataset
            .layers()
            .map(|l| {
                l.defn()
                    .fields()
                    .enumerate()
                    .map(|(i, f)| (f.name(), i))
                    .collect()
            })
            .collect();
        let batch = Batch::begin(&dataset);
        Ok(Sink {
            dataset,
            layout,
            spatial_index,
            batch,
            source_columns,
            columns,
        })
    }

    /// Writes a batch of outcomes, in order.
    pub fn write(&mut self, outcomes: &[Outcome]) -> Result<()> {
        let mut rows = 0;
        match self.layout {
            Layout::Layers => {
                let parcels = self.dataset.layer(0)?;
                let findings = self.dataset.layer(1)?;
                for o in outcomes {
                    let mut row = Row::new(&parcels, &self.columns[0])?;
                    row.parcel(o)?;
                    row.source(&self.source_columns, o)?;
                    row.finish(o.parcel_geometry.as_ref(), &parcels)?;
                    for (f, g) in o.report.findings.iter().zip(&o.finding_geometries) {
                        let mut row = Row::new(&findings, &self.columns[1])?;
                        row.parcel_head(o)?;
                        row.finding(f)?;
                        row.text("repair", o.repair.as_deref())?;
                        row.finish(Some(g), &findings)?;
                        rows += 1;
                    }
                    rows += 1;
                }
            }
            Layout::Rows => {
                let table = self.dataset.layer(0)?;
                for o in outcomes {
                    if o.report.findings.is_empty() {
                        let mut row = Row::new(&table, &self.columns[0])?;
                        let kind = if o.report.verdict == Verdict::Error {
                            "error"
                        } else {
                            "clear"
                        };
                        row.text("row", Some(kind))?;
                        row.parcel(o)?;
                        row.source(&self.source_columns, o)?;
                        row.finish(o.parcel_geometry.as_ref(), &table)?;
                        rows += 1;
                    }
                    for (f, g) in o.report.findings.iter().zip(&o.finding_geometries) {
                        let mut row = Row::new(&table, &self.columns[0])?;
                        row.text("row", Some("finding"))?;
                        row.parcel(o)?;
                        row.source(&self.source_columns, o)?;
                        row.finding(f)?;
                        row.finish(Some(g), &table)?;
                        rows += 1;
                    }
                }
            }
        }
        self.batch.rows(&self.dataset, rows)
    }

    /// Whether `finish` builds R-tree spatial indexes (GeoPackage reports).
    pub fn builds_indexes(&self) -> bool {
        self.layout == Layout::Layers && self.spatial_index
    }

    /// Commits and closes the file.
    pub fn finish(mut self) -> Result<()> {
        self.batch.commit(&self.dataset)?;
        if self.layout == Layout::Layers && self.spatial_index {
            // Built in one pass now rather than kept up row by row: with GDAL 3.6 the
            // incremental R-tree cost 6 s of an 8 s run at 100k parcels, the bulk one 1.5 s
            // (at 2.5 million rows both take about 7 µs a row: half of a 1M-parcel run).
            for layer in ["parcels", "findings"] {
                self.dataset
                    .execute_sql(
                        format!("SELECT CreateSpatialIndex('{layer}', 'geom')"),
                        None,
                        gdal::vector::sql::Dialect::DEFAULT,
                    )
                    .with_context(|| format!("cannot index the report's `{layer}` layer"))?;
            }
        }
        self.dataset.close()?;
        Ok(())
    }
}

/// Rounded as the JSON contract rounds (docs/output.md): mm and m², share to 1e-6.
fn round_to(v: f64, scale: f64) -> f64 {
    (v * scale).round() / scale
}

/// One feature being filled, its fields found by name.
struct Row<'a> {
    feature: Feature<'a>,
    columns: &'a HashMap<String, usize>,
}

impl<'a> Row<'a> {
    fn new(
        layer: &'a gdal::vector::Layer<'a>,
        columns: &'a HashMap<String, usize>,
    ) -> Result<Row<'a>> {
        Ok(Row {
            feature: Feature::new(layer.defn())?,
            columns,
        })
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.columns.get(name).copied()
    }

    fn text(&mut self, name: &str, value: Option<&str>) -> Result<()> {
        if let (Some(i), Some(v)) = (self.index(name), value) {
            self.feature.set_field_string(i, v)?;
        }
        Ok(())
    }

    fn real(&mut self, name: &str, value: f64) -> Result<()> {
        if let Some(i) = self.index(name) {
            self.feature.set_field_double(i, value)?;
        }
        Ok(())
    }

    fn int(&mut self, name: &str, value: i64) -> Result<()> {
        if let Some(i) = self.index(name) {
            self.feature.set_field_integer64(i, value)?;
        }
        Ok(())
    }

    /// The columns that identify the parcel on a finding row.
    fn parcel_head(&mut self, o: &Outcome) -> Result<()> {
        let r = &o.report;
        self.text("parcel", Some(&r.id))?;
        self.text("use", r.proposed_use.as_deref())?;
        self.text("verdict", Some(r.verdict.as_str()))
    }

    fn parcel(&mut self, o: &Outcome) -> Result<()> {
        self.parcel_head(o)?;
        let r = &o.report;
        self.int("findings", r.findings.len() as i64)?;
        if r.error.is_none() {
            self.real("area_m2", round_to(r.area_m2, 1e3))?;
        }
        // the union of the findings' zones: a square metre under two zones counts once
        if let Some(e) = &r.encumbrance {
            self.real("encumbered_total_m2", round_to(e.total.m2, 1e3))?;
            self.real("encumbered_total_share", round_to(e.total.share, 1e6))?;
        }
        self.text("error", r.error.as_deref())?;
        self.text("repair", o.repair.as_deref())?;
        if let Some(fid) = o.fid {
            self.int("source_fid", fid as i64)?;
        }
        Ok(())
    }

    fn source(&mut self, columns: &[String], o: &Outcome) -> Result<()> {
        for (name, value) in columns.iter().zip(&o.attributes) {
            if let (Some(i), Some(v)) = (self.index(name), value) {
                self.feature.set_field(i, v)?;
            }
        }
        Ok(())
    }

    fn finding(&mut self, f: &Finding) -> Result<()> {
        // field by field rather than through serde: this runs once per finding row
        // the use the regime was looked up for (`construction` when the parcel names none)
        self.text("use", Some(&f.use_code))?;
        self.text("rule", Some(&f.rule))?;
        self.text("layer", Some(&f.layer))?;
        self.text("feature", Some(&f.feature))?;
        self.text("feature_name", f.feature_name.as_deref())?;
        self.text("severity", Some(f.severity.as_str()))?;
        self.real("distance_m", round_to(f.distance_m, 1e3))?;
        self.real("limit_m", round_to(f.limit_m, 1e3))?;
        self.real("encumbered_m2", round_to(f.encumbered_m2, 1e3))?;
        self.real("encumbered_share", round_to(f.encumbered_share, 1e6))?;
        self.text("citation", Some(&f.citation))?;
        self.text("regime", Some(f.regime.as_str()))?;
        self.text("approval", f.approval.as_deref())?;
        self.text("regime_citation", Some(&f.regime_citation))?;
        self.text("message", Some(&f.message))
    }

    fn finish(mut self, geometry: Option<&Wkb>, layer: &gdal::vector::Layer) -> Result<()> {
        if let Some(g) = geometry {
            self.feature
                .set_geometry(gdal::vector::Geometry::from_wkb(&g.0)?)?;
        }
        self.feature.create(layer)?;
        Ok(())
    }
}
