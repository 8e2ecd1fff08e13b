//! Arrow tables in and out: the columns of an input batch read as WKB records, and the
//! outcomes written as two record batches (parcels, findings) whose columns are the
//! report schema of `aimaq_io::sink` — the same names as `aimaq screen`'s GeoPackage.

use aimaq_io::sink::{
    finding_cells, parcel_cells, Cell, ColumnKind, Encoding, Outcome, ReportSink, FINDING_COLUMNS,
    PARCEL_COLUMNS,
};
use aimaq_io::wkb_source::WkbRecord;
use arrow_array::builder::{BinaryBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use pyo3::exceptions::{PyKeyError, PyTypeError};
use pyo3::PyResult;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// The parcel column the in-memory tables leave out: records from memory have no FID
/// (their position is the row's index).
const NO_FID: &str = "source_fid";

/// The column `name` of `batch`.
pub fn column<'b>(batch: &'b RecordBatch, name: &str) -> PyResult<&'b ArrayRef> {
    batch.column_by_name(name).ok_or_else(|| {
        let names: Vec<_> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        PyKeyError::new_err(format!(
            "no column `{name}` (the batch has: {})",
            names.join(", ")
        ))
    })
}

/// A column of ids or uses as text: strings as they are, integers in decimal.
pub fn text_column<'a>(array: &'a dyn Array, name: &str) -> PyResult<Vec<Option<Cow<'a, str>>>> {
    macro_rules! integers {
        ($t:ty) => {
            array
                .as_primitive::<$t>()
                .iter()
                .map(|v| v.map(|v| Cow::Owned(v.to_string())))
                .collect()
        };
    }
    let borrowed = |v: Option<&'a str>| v.map(Cow::Borrowed);
    Ok(match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().map(borrowed).collect(),
        DataType::LargeUtf8 => array.as_string::<i64>().iter().map(borrowed).collect(),
        DataType::Utf8View => array.as_string_view().iter().map(borrowed).collect(),
        DataType::Int8 => integers!(Int8Type),
        DataType::Int16 => integers!(Int16Type),
        DataType::Int32 => integers!(Int32Type),
        DataType::Int64 => integers!(Int64Type),
        DataType::UInt8 => integers!(UInt8Type),
        DataType::UInt16 => integers!(UInt16Type),
        DataType::UInt32 => integers!(UInt32Type),
        DataType::UInt64 => integers!(UInt64Type),
        DataType::Null => vec![None; array.len()],
        other => {
            return Err(PyTypeError::new_err(format!(
                "column `{name}` is {other}: give text or integers (cast it first)"
            )))
        }
    })
}

/// A column of WKB.
pub fn wkb_column<'a>(array: &'a dyn Array, name: &str) -> PyResult<Vec<Option<&'a [u8]>>> {
    Ok(match array.data_type() {
        DataType::Binary => array.as_binary::<i32>().iter().collect(),
        DataType::LargeBinary => array.as_binary::<i64>().iter().collect(),
        DataType::BinaryView => array.as_binary_view().iter().collect(),
        DataType::Null => vec![None; array.len()],
        other => {
            return Err(PyTypeError::new_err(format!(
                "column `{name}` is {other}: geometries must be WKB (binary)"
            )))
        }
    })
}

/// Records of a batch: WKB from `geometry`, ids from `id` (else the row's position),
/// uses from `use_col` (else none: generic construction).
pub fn records<'a>(
    geometry: &[Option<&'a [u8]>],
    ids: &'a [Option<Cow<'a, str>>],
    uses: Option<&'a [Option<Cow<'a, str>>]>,
) -> Vec<WkbRecord<'a>> {
    geometry
        .iter()
        .enumerate()
        .map(|(i, wkb)| WkbRecord {
            id: ids[i].as_deref(),
            proposed_use: uses.and_then(|u| u[i].as_deref()),
            wkb: *wkb,
        })
        .collect()
}

/// A column being built.
enum Builder {
    Text(StringBuilder),
    Real(Float64Builder),
    Int(Int64Builder),
}

impl Builder {
    fn new(kind: ColumnKind) -> Builder {
        match kind {
            ColumnKind::Text => Builder::Text(StringBuilder::new()),
            ColumnKind::Real => Builder::Real(Float64Builder::new()),
            ColumnKind::Int => Builder::Int(Int64Builder::new()),
        }
    }

    fn push(&mut self, cell: Cell<'_>) {
        match (self, cell) {
            (Builder::Text(b), Cell::Text(s)) => b.append_value(s),
            (Builder::Real(b), Cell::Real(v)) => b.append_value(v),
            (Builder::Int(b), Cell::Int(v)) => b.append_value(v),
            // the schema and the cells come from one table in aimaq-io: anything else
            // is a null cell
            (Builder::Text(b), _) => b.append_null(),
            (Builder::Real(b), _) => b.append_null(),
            (Builder::Int(b), _) => b.append_null(),
        }
    }

    fn finish(self) -> ArrayRef {
        match self {
            Builder::Text(mut b) => Arc::new(b.finish()),
            Builder::Real(mut b) => Arc::new(b.finish()),
            Builder::Int(mut b) => Arc::new(b.finish()),
        }
    }
}

fn data_type(kind: ColumnKind) -> DataType {
    match kind {
        ColumnKind::Text => DataType::Utf8,
        ColumnKind::Real => DataType::Float64,
        ColumnKind::Int => DataType::Int64,
    }
}

/// Collects outcomes into the parcels and findings tables.
///
/// Parcels: [`PARCEL_COLUMNS`] but `source_fid`, one row per record. Findings: `parcel`,
/// `use` (the use the regime was looked up for), [`FINDING_COLUMNS`], and `geometry`, the
/// encumbered area as WKB in the report's CRS, marked as GeoArrow WKB with that CRS.
pub struct ArrowSink {
    crs: String,
    parcels: Vec<Builder>,
    findings: Vec<Builder>,
    geometry: BinaryBuilder,
}

impl ArrowSink {
    /// An empty sink whose geometries are in `crs` (`AUTH:CODE` or WKT).
    pub fn new(crs: &str) -> ArrowSink {
        ArrowSink {
            crs: crs.to_string(),
            parcels: parcel_columns().map(|c| Builder::new(c.kind)).collect(),
            findings: finding_columns().map(|(_, k)| Builder::new(k)).collect(),
            geometry: BinaryBuilder::new(),
        }
    }

    /// The two tables: parcels, findings.
    pub fn finish(self) -> (RecordBatch, RecordBatch) {
        let parcels_schema = Schema::new(
            parcel_columns()
                .map(|c| Field::new(c.name, data_type(c.kind), true))
                .collect::<Vec<_>>(),
        );
        let parcels = RecordBatch::try_new(
            Arc::new(parcels_schema),
            self.parcels.into_iter().map(Builder::finish).collect(),
        )
        .expect("columns built from their schema");
        let mut fields: Vec<Field> = finding_columns()
            .map(|(name, kind)| Field::new(name, data_type(kind), true))
            .collect();
        fields.push(geometry_field(&self.crs));
        let mut columns: Vec<ArrayRef> = self.findings.into_iter().map(Builder::finish).collect();
        let mut geometry = self.geometry;
        columns.push(Arc::new(geometry.finish()));
        let findings = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
            .expect("columns built from their schema");
        (parcels, findings)
    }
}

fn parcel_columns() -> impl Iterator<Item = &'static aimaq_io::sink::Column> {
    PARCEL_COLUMNS.iter().filter(|c| c.name != NO_FID)
}

fn finding_columns() -> impl Iterator<Item = (&'static str, ColumnKind)> {
    [("parcel", ColumnKind::Text), ("use", ColumnKind::Text)]
        .into_iter()
        .chain(FINDING_COLUMNS.iter().map(|c| (c.name, c.kind)))
}

/// A WKB column GeoPandas and other GeoArrow readers take as geometry in `crs`.
fn geometry_field(crs: &str) -> Field {
    let metadata = match crs.split_once(':') {
        // `EPSG:4326`: an authority code; anything else is WKT
        Some((auth, code)) if !auth.contains(['[', '(']) && !code.contains('[') => {
            serde_json::json!({ "crs": crs, "crs_type": "authority_code" })
        }
        _ => serde_json::json!({ "crs": crs }),
    };
    Field::new("geometry", DataType::Binary, true).with_metadata(HashMap::from([
        (
            "ARROW:extension:name".to_string(),
            "geoarrow.wkb".to_string(),
        ),
        ("ARROW:extension:metadata".to_string(), metadata.to_string()),
    ]))
}

impl ReportSink for ArrowSink {
    fn encoding(&self) -> Encoding {
        Encoding::Wkb
    }

    fn write(&mut self, outcomes: &[Outcome]) -> aimaq_io::Result<()> {
        for o in outcomes {
            let cells = parcel_cells(o);
            let kept = PARCEL_COLUMNS
                .iter()
                .zip(cells)
                .filter(|(c, _)| c.name != NO_FID);
            for (builder, (_, cell)) in self.parcels.iter_mut().zip(kept) {
                builder.push(cell);
            }
            for (i, f) in o.report.findings.iter().enumerate() {
                let cells = [Cell::Text(&o.report.id), Cell::Text(&f.use_code)]
                    .into_iter()
                    .chain(finding_cells(f));
                for (builder, cell) in self.findings.iter_mut().zip(cells) {
                    builder.push(cell);
                }
                match o.wkb.as_ref().and_then(|w| w.findings.get(i)) {
                    Some(wkb) => self.geometry.append_value(wkb),
                    None => self.geometry.append_null(),
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> aimaq_io::Result<()> {
        Ok(())
    }
}
