//! Screening reports written through GDAL: a GeoPackage with `parcels` and `findings`
//! layers, or one table of rows (GeoJSON, CSV, FlatGeobuf) for formats that hold one layer.

use super::{finding_cells, parcel_cells, row_kind, Cell, Column, ColumnKind, Outcome, ReportSink};
use super::{FINDING_COLUMNS, PARCEL_COLUMNS};
use crate::gdal_write::{create_dataset, layer_srs, Batch};
use crate::source::SourceField;
use crate::{Error, Result};
use gdal::vector::{Feature, Layer, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType};
use gdal::Dataset;
use std::path::Path;

/// Report layouts by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// GeoPackage: layer `parcels` (one row per input record) and `findings`.
    Layers,
    /// One table: a row per finding plus a row per clear or errored parcel.
    Rows,
}

/// The GDAL driver and layout an output path asks for.
///
/// ```
/// use aimaq_io::sink::{format_of, Layout};
/// assert_eq!(format_of("r.gpkg".as_ref()).unwrap(), ("GPKG", Layout::Layers));
/// assert_eq!(format_of("r.CSV".as_ref()).unwrap(), ("CSV", Layout::Rows));
/// assert!(format_of("r.xlsx".as_ref()).is_err());
/// ```
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
        _ => {
            return Err(Error::Format {
                path: path.to_path_buf(),
                expected: ".gpkg, .geojson, .csv or .fgb",
            })
        }
    })
}

fn ogr_type(kind: ColumnKind) -> OGRFieldType::Type {
    match kind {
        ColumnKind::Text => OGRFieldType::OFTString,
        ColumnKind::Real => OGRFieldType::OFTReal,
        ColumnKind::Int => OGRFieldType::OFTInteger64,
    }
}

/// Where each column of a row goes in a layer: the field index, looked up once (OGR's
/// own lookup compares names case-insensitively, field by field, per row).
struct LayerColumns {
    row: Option<usize>,
    parcel: Vec<Option<usize>>,
    finding: Vec<Option<usize>>,
    source: Vec<Option<usize>>,
}

impl LayerColumns {
    fn of(layer: &Layer, source_columns: &[String]) -> LayerColumns {
        let names: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
        let find = |n: &str| names.iter().position(|m| m == n);
        LayerColumns {
            row: find("row"),
            parcel: PARCEL_COLUMNS.iter().map(|c| find(c.name)).collect(),
            finding: FINDING_COLUMNS.iter().map(|c| find(c.name)).collect(),
            source: source_columns
                .iter()
                .map(|n| if n.is_empty() { None } else { find(n) })
                .collect(),
        }
    }
}

/// Where a FlatGeobuf report's rows without a geometry go: `r.fgb` →
/// `r.fgb.errors.csv`. GDAL 3.6's FlatGeobuf writer skips features without a geometry,
/// so the error rows of records that have none (no geometry, an unreadable one, not a
/// feature at all) are written to this CSV beside it, in the same columns, committed with
/// it and named in the summary.
///
/// ```
/// use aimaq_io::sink::error_rows_path;
/// assert_eq!(error_rows_path("out/r.fgb".as_ref()), std::path::Path::new("out/r.fgb.errors.csv"));
/// ```
pub fn error_rows_path(report: &Path) -> std::path::PathBuf {
    report.with_extension(ERROR_ROWS_EXTENSION)
}

/// The extension [`error_rows_path`] gives a `.fgb` report's error rows.
pub const ERROR_ROWS_EXTENSION: &str = "fgb.errors.csv";

/// A FlatGeobuf report's rows without a geometry, in a CSV beside it.
struct ErrorRows {
    dataset: Option<Dataset>,
    path: std::path::PathBuf,
    columns: LayerColumns,
    written: u64,
}

/// A GDAL-written report being filled.
pub struct GdalReport {
    dataset: Option<Dataset>,
    path: std::path::PathBuf,
    /// Rows written, layer by layer: what the closed file must hold.
    written: Vec<u64>,
    layout: Layout,
    spatial_index: bool,
    batch: Batch,
    columns: Vec<LayerColumns>,
    /// A FlatGeobuf report's rows without a geometry (see [`error_rows_path`]).
    errors: Option<ErrorRows>,
    /// Text values holding a NUL byte, which GDAL's C strings cannot carry: written with
    /// `\0` for the NUL, and the first such row's id.
    escaped: (u64, Option<String>),
}

impl GdalReport {
    /// Creates the report at `path` (format by extension, see [`format_of`]), in the CRS
    /// `srs_definition`, carrying `source_fields` on parcel rows. `path` must not exist.
    pub fn create(
        path: &Path,
        srs_definition: &str,
        source_fields: &[SourceField],
        skip: &[&str],
        spatial_index: bool,
    ) -> Result<GdalReport> {
        let (driver_name, layout) = format_of(path)?;
        let mut dataset = create_dataset(path, driver_name)?;
        let srs = layer_srs(srs_definition)?;

        let ours: Vec<&str> = PARCEL_COLUMNS
            .iter()
            .chain(&FINDING_COLUMNS)
            .map(|c| c.name)
            .chain(["row", "fid", "geom"])
            .collect();
        // the source's own fields, renamed `src_<name>` where they would clash with ours;
        // the id and use fields are the `parcel` and `use` columns already (an empty name
        // leaves a field out)
        let source_columns: Vec<String> = source_fields
            .iter()
            .map(|f| {
                if skip.iter().any(|s| s.eq_ignore_ascii_case(&f.name)) {
                    String::new()
                } else if ours.iter().any(|o| o.eq_ignore_ascii_case(&f.name)) {
                    format!("src_{}", f.name)
                } else {
                    f.name.clone()
                }
            })
            .collect();
        let row_column = Column {
            name: "row",
            kind: ColumnKind::Text,
        };
        let parcel_head = &PARCEL_COLUMNS[..3];
        let repair = PARCEL_COLUMNS[8];
        let layers: Vec<(&str, Vec<Column>, Vec<&str>, bool)> = match layout {
            // spatial indexes are built in `finish`, in bulk
            Layout::Layers => vec![
                (
                    "parcels",
                    PARCEL_COLUMNS.to_vec(),
                    vec!["SPATIAL_INDEX=NO"],
                    true,
                ),
                (
                    "findings",
                    parcel_head
                        .iter()
                        .chain(&FINDING_COLUMNS)
                        .chain([&repair])
                        .copied()
                        .collect(),
                    vec!["SPATIAL_INDEX=NO"],
                    false,
                ),
            ],
            Layout::Rows => {
                let options = match driver_name {
                    // .csvt types every column and .prj names the CRS: QGIS loads typed
                    // numbers in place, not text
                    "CSV" => vec!["GEOMETRY=AS_WKT", "CREATE_CSVT=YES"],
                    "GeoJSON" => vec!["WRITE_NAME=NO"],
                    _ => vec![],
                };
                let cols = [row_column]
                    .iter()
                    .chain(&PARCEL_COLUMNS)
                    .chain(&FINDING_COLUMNS)
                    .copied()
                    .collect();
                vec![("report", cols, options, true)]
            }
        };
        let define = |layer: &Layer, name: &str, cols: &[Column], with_source: bool| {
            let mut defs: Vec<(&str, OGRFieldType::Type)> =
                cols.iter().map(|c| (c.name, ogr_type(c.kind))).collect();
            // the parcel rows carry the source's own fields, typed as they were
            if with_source {
                defs.extend(
                    source_columns
                        .iter()
                        .zip(source_fields)
                        .filter(|(n, _)| !n.is_empty())
                        .map(|(n, f)| (n.as_str(), f.kind)),
                );
            }
            layer
                .create_defn_fields(&defs)
                .map_err(Error::gdal(format!("cannot define the fields of `{name}`")))
        };
        let mut error_columns = Vec::new();
        for (name, cols, options, with_source) in layers {
            let layer = dataset
                .create_layer(LayerOptions {
                    name,
                    srs: Some(&srs),
                    ty: OGRwkbGeometryType::wkbMultiPolygon,
                    options: (!options.is_empty()).then_some(options.as_slice()),
                })
                .map_err(Error::gdal(format!(
                    "cannot create the report layer `{name}`"
                )))?;
            define(&layer, name, &cols, with_source)?;
            error_columns = cols;
        }
        let errors = if driver_name == "FlatGeobuf" {
            let side = error_rows_path(path);
            let mut errors = create_dataset(&side, "CSV")?;
            let layer = errors
                .create_layer(LayerOptions {
                    name: "error_rows",
                    srs: None,
                    ty: OGRwkbGeometryType::wkbNone,
                    options: None,
                })
                .map_err(Error::gdal(format!(
                    "cannot create the error rows file {}",
                    side.display()
                )))?;
            define(&layer, "error_rows", &error_columns, true)?;
            let columns = LayerColumns::of(&layer, &source_columns);
            Some(ErrorRows {
                dataset: Some(errors),
                path: side,
                columns,
                written: 0,
            })
        } else {
            None
        };
        let columns = dataset
            .layers()
            .map(|l| LayerColumns::of(&l, &source_columns))
            .collect();
        let batch = Batch::begin(&dataset);
        let layer_count = dataset.layer_count();
        Ok(GdalReport {
            dataset: Some(dataset),
            path: path.to_path_buf(),
            written: vec![0; layer_count],
            layout,
            spatial_index,
            batch,
            columns,
            errors,
            escaped: (0, None),
        })
    }

    /// The file beside the report that holds its rows without a geometry (a FlatGeobuf
    /// report's, see [`error_rows_path`]), if this report has one.
    pub fn error_rows_file(&self) -> Option<&Path> {
        self.errors.as_ref().map(|e| e.path.as_path())
    }

    /// Whether `finish` builds R-tree spatial indexes (GeoPackage reports), which takes
    /// a while at a million rows with nothing to count.
    pub fn builds_indexes(&self) -> bool {
        self.layout == Layout::Layers && self.spatial_index
    }
}

impl ReportSink for GdalReport {
    fn encoding(&self) -> super::Encoding {
        super::Encoding::Wkb
    }

    fn notes(&self) -> Vec<String> {
        match &self.escaped {
            (0, _) => Vec::new(),
            (n, example) => vec![format!(
                "{n} text value(s) hold a NUL byte, which this format cannot store through GDAL: written with `\\0` for the NUL and `\\\\` for a backslash (first in parcel `{}`), so ids that differ after the NUL stay different; a .gpkg report keeps them as they are",
                example.as_deref().unwrap_or("?")
            )],
        }
    }

    fn write(&mut self, outcomes: &[Outcome]) -> Result<()> {
        let ds = self
            .dataset
            .as_ref()
            .ok_or_else(|| Error::Other("the report is already closed".into()))?;
        let mut escaped = 0u64;
        let mut note = |n: u64, o: &Outcome, escaped: &mut u64| {
            if n > 0 && self.escaped.1.is_none() {
                self.escaped.1 = Some(aimaq_rules::printable(&o.report.id).into_owned());
            }
            *escaped += n;
        };
        let mut rows = 0;
        let mut w = [0u64; 2];
        let no_wkb = super::EncodedGeometries::default();
        match self.layout {
            Layout::Layers => {
                let parcels = ds.layer(0)?;
                let findings = ds.layer(1)?;
                let (pc, fc) = (&self.columns[0], &self.columns[1]);
                for o in outcomes {
                    let wkb = o.wkb.as_ref().unwrap_or(&no_wkb);
                    let mut row = Row::new(&parcels)?;
                    row.cells(&pc.parcel, &parcel_cells(o))?;
                    row.source(&pc.source, o)?;
                    note(
                        row.finish(wkb.parcel.as_deref(), &parcels)?,
                        o,
                        &mut escaped,
                    );
                    w[0] += 1;
                    let head = &parcel_cells(o)[..3];
                    for (f, g) in o.report.findings.iter().zip(&wkb.findings) {
                        let mut row = Row::new(&findings)?;
                        row.cells(&fc.parcel[..3], head)?;
                        // the use the regime was looked up for (`construction` when the
                        // parcel names none)
                        row.cells(&fc.parcel[1..2], &[Cell::Text(&f.use_code)])?;
                        row.cells(&fc.finding, &finding_cells(f))?;
                        row.cells(&fc.parcel[8..9], &[Cell::text(o.repair.as_deref())])?;
                        note(row.finish(Some(g), &findings)?, o, &mut escaped);
                        w[1] += 1;
                        rows += 1;
                    }
                    rows += 1;
                }
            }
            Layout::Rows => {
                let table = ds.layer(0)?;
                let tc = &self.columns[0];
                let csv = ds.driver().short_name() == "CSV";
                for o in outcomes {
                    let wkb = o.wkb.as_ref().unwrap_or(&no_wkb);
                    let parcel = parcel_cells(o);
                    if o.report.findings.is_empty() {
                        match (&mut self.errors, wkb.parcel.as_deref()) {
                            // a row FlatGeobuf would drop: to the CSV beside it
                            (Some(errors), None) => {
                                let side = errors.dataset.as_ref().ok_or_else(|| {
                                    Error::Other("the error rows file is already closed".into())
                                })?;
                                let layer = side.layer(0)?;
                                let ec = &errors.columns;
                                let mut row = Row::new(&layer)?.for_csv(true);
                                row.cell(ec.row, Cell::Text(row_kind(o)))?;
                                row.cells(&ec.parcel, &parcel)?;
                                row.source(&ec.source, o)?;
                                note(row.finish(None, &layer)?, o, &mut escaped);
                                errors.written += 1;
                            }
                            (_, geometry) => {
                                let mut row = Row::new(&table)?.for_csv(csv);
                                row.cell(tc.row, Cell::Text(row_kind(o)))?;
                                row.cells(&tc.parcel, &parcel)?;
                                row.source(&tc.source, o)?;
                                note(row.finish(geometry, &table)?, o, &mut escaped);
                                rows += 1;
                                w[0] += 1;
                            }
                        }
                    }
                    for (f, g) in o.report.findings.iter().zip(&wkb.findings) {
                        let mut row = Row::new(&table)?.for_csv(csv);
                        row.cell(tc.row, Cell::Text("finding"))?;
                        row.cells(&tc.parcel, &parcel)?;
                        row.source(&tc.source, o)?;
                        row.cells(&tc.parcel[1..2], &[Cell::Text(&f.use_code)])?;
                        row.cells(&tc.finding, &finding_cells(f))?;
                        note(row.finish(Some(g), &table)?, o, &mut escaped);
                        rows += 1;
                        w[0] += 1;
                    }
                }
            }
        }
        for (total, n) in self.written.iter_mut().zip(w) {
            *total += n;
        }
        self.escaped.0 += escaped;
        let ds = self.dataset.as_ref().expect("checked above");
        self.batch.rows(ds, rows)
    }

    fn finish(&mut self) -> Result<()> {
        if let Some(errors) = &mut self.errors {
            if let Some(side) = errors.dataset.take() {
                close_checked(side, "cannot close the error rows file")?;
            }
        }
        let Some(dataset) = self.dataset.take() else {
            return Ok(());
        };
        self.batch.commit(&dataset)?;
        if self.builds_indexes() {
            // Built in one pass now rather than kept up row by row: with GDAL 3.6 the
            // incremental R-tree cost 6 s of an 8 s run at 100k parcels, the bulk one 1.5 s
            // (at 2.5 million rows both take about 7 µs a row: half of a 1M-parcel run).
            for layer in ["parcels", "findings"] {
                dataset
                    .execute_sql(
                        format!("SELECT CreateSpatialIndex('{layer}', 'geom')"),
                        None,
                        gdal::vector::sql::Dialect::DEFAULT,
                    )
                    .map_err(Error::gdal(format!(
                        "cannot index the report's `{layer}` layer"
                    )))?;
            }
        }
        close_checked(dataset, "cannot close the report")?;
        self.verify()
    }
}

/// Closes a written dataset and reads GDAL's error state after it: GDAL 3.6's close
/// returns nothing, and some drivers drop the error of their last write.
fn close_checked(dataset: Dataset, context: &str) -> Result<()> {
    // SAFETY: thread-local error state of GDAL, read and reset on this thread
    unsafe { gdal_sys::CPLErrorReset() };
    dataset.close().map_err(Error::gdal(context.to_string()))?;
    // SAFETY: as above
    let (level, message) = unsafe {
        let level = gdal_sys::CPLGetLastErrorType();
        let msg = gdal_sys::CPLGetLastErrorMsg();
        let text = if msg.is_null() {
            String::new()
        } else {
            std::ffi::CStr::from_ptr(msg).to_string_lossy().into_owned()
        };
        (level, text)
    };
    if level == gdal_sys::CPLErr::CE_Failure || level == gdal_sys::CPLErr::CE_Fatal {
        return Err(Error::Gdal {
            context: context.into(),
            cause: message,
        });
    }
    Ok(())
}

impl GdalReport {
    /// Checks the closed file holds what was written. A GeoJSON report must end its
    /// collection (GDAL 3.6 ignores a failed final write); and where the filesystem
    /// has less room left than the file's size (so the disk may have filled up while it
    /// was written), the file is opened again and its rows counted, layer by layer.
    fn verify(&self) -> Result<()> {
        let truncated = |why: String| Error::Write {
            path: self.path.clone(),
            cause: std::io::Error::other(why),
        };
        let size = std::fs::metadata(&self.path)
            .map_err(|cause| Error::Read {
                path: self.path.clone(),
                cause,
            })?
            .len();
        if format_of(&self.path)?.0 == "GeoJSON" {
            use std::io::{Read, Seek, SeekFrom};
            let mut f = std::fs::File::open(&self.path).map_err(|cause| Error::Read {
                path: self.path.clone(),
                cause,
            })?;
            let mut tail = Vec::new();
            f.seek(SeekFrom::Start(size.saturating_sub(16)))
                .and_then(|_| f.read_to_end(&mut tail))
                .map_err(|cause| Error::Read {
                    path: self.path.clone(),
                    cause,
                })?;
            let tail: Vec<u8> = tail
                .into_iter()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            if !tail.ends_with(b"]}") {
                return Err(truncated(
                    "the GeoJSON report was cut short (it does not end its feature collection)"
                        .into(),
                ));
            }
        }
        let dir = self
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| ".".into());
        let roomy = crate::output::free_bytes(&dir).is_some_and(|free| free > size + (64 << 20));
        if roomy {
            return Ok(());
        }
        if let Some(errors) = &self.errors {
            // the CSV of error rows: its lines, less the header
            let text = std::fs::read(&errors.path).map_err(|cause| Error::Read {
                path: errors.path.clone(),
                cause,
            })?;
            let ds = Dataset::open(&errors.path).map_err(|e| {
                truncated(format!("the error rows file cannot be opened again: {e}"))
            })?;
            let found = ds.layer(0)?.feature_count();
            if found != errors.written || (errors.written > 0 && !text.ends_with(b"\n")) {
                return Err(truncated(format!(
                    "the error rows file holds {found} rows of the {} written",
                    errors.written
                )));
            }
        }
        let ds = Dataset::open(&self.path)
            .map_err(|e| truncated(format!("the written report cannot be opened again: {e}")))?;
        for (i, expected) in self.written.iter().enumerate() {
            let layer = ds.layer(i)?;
            let found = layer
                .try_feature_count()
                .unwrap_or_else(|| layer.feature_count());
            if found != *expected {
                return Err(truncated(format!(
                    "layer `{}` holds {found} rows of the {expected} written",
                    layer.name()
                )));
            }
        }
        Ok(())
    }
}

/// One feature being filled.
struct Row<'a> {
    feature: Feature<'a>,
    /// A CSV row: text cells are neutralised against formula injection.
    csv: bool,
    /// Text values written escaped, for holding a NUL.
    escaped: u64,
}

/// Text as GDAL can store it: GDAL takes C strings, which end at a NUL byte, so text
/// holding one is written with visible escapes (`\0`, and `\\` for a backslash, as the
/// text report prints them): two ids that differ after the NUL stay two ids.
fn storable(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('\0') {
        aimaq_rules::printable(s)
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

impl<'a> Row<'a> {
    fn new(layer: &'a Layer<'a>) -> Result<Row<'a>> {
        Ok(Row {
            feature: Feature::new(layer.defn())?,
            csv: false,
            escaped: 0,
        })
    }

    fn for_csv(mut self, csv: bool) -> Self {
        self.csv = csv;
        self
    }

    fn cell(&mut self, index: Option<usize>, cell: Cell) -> Result<()> {
        let Some(i) = index else { return Ok(()) };
        match cell {
            Cell::Null => {}
            Cell::Text(s) => self.text(i, s)?,
            Cell::Real(v) => self.feature.set_field_double(i, v)?,
            Cell::Int(v) => self.feature.set_field_integer64(i, v)?,
        }
        Ok(())
    }

    fn cells(&mut self, indices: &[Option<usize>], cells: &[Cell]) -> Result<()> {
        for (i, c) in indices.iter().zip(cells) {
            self.cell(*i, *c)?;
        }
        Ok(())
    }

    fn source(&mut self, indices: &[Option<usize>], o: &Outcome) -> Result<()> {
        for (i, value) in indices.iter().zip(&o.attributes) {
            match (i, value) {
                (Some(i), Some(gdal::vector::FieldValue::StringValue(v))) => self.text(*i, v)?,
                (Some(i), Some(v)) => self.feature.set_field(*i, v)?,
                _ => {}
            }
        }
        Ok(())
    }

    /// A text cell: escaped if it holds a NUL, neutralised if a CSV cell.
    fn text(&mut self, i: usize, s: &str) -> Result<()> {
        let s = storable(s);
        if let std::borrow::Cow::Owned(_) = s {
            self.escaped += 1;
        }
        if self.csv {
            self.feature.set_field_string(i, &csv_text(&s))?;
        } else {
            self.feature.set_field_string(i, &s)?;
        }
        Ok(())
    }

    /// Writes the row; gives the number of its text values written escaped.
    fn finish(mut self, wkb: Option<&[u8]>, layer: &Layer) -> Result<u64> {
        if let Some(g) = wkb {
            self.feature
                .set_geometry(gdal::vector::Geometry::from_wkb(g)?)?;
        }
        self.feature.create(layer)?;
        Ok(self.escaped)
    }
}

/// A text cell as a CSV report writes it: one that a spreadsheet would run as a formula
/// (it begins with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a single quote in
/// front, OWASP's rule against CSV injection. Only the CSV report does this; JSON,
/// GeoJSON, FlatGeobuf and GeoPackage keep the original text.
fn csv_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod csv_tests {
    #[test]
    fn r2_formula_cells_are_neutralised_by_owasps_rule() {
        for formula in ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"] {
            assert_eq!(super::csv_text(formula), format!("'{formula}"));
        }
        for plain in ["P-1", "кадастр", "1=1", "", "'quoted"] {
            assert_eq!(super::csv_text(plain), plain);
        }
    }
}
