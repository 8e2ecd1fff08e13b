//! The report as an RFC 7946 FeatureCollection: the one-table layout of every screening
//! format — a feature per finding (its encumbered area) and one per parcel without a
//! finding (clear, or errored), with the parcel's verdict — properties in the contract's
//! order, ready to drop into QGIS.

use super::{finding_cells, parcel_cells, row_kind, Cell, Outcome, ReportSink};
use super::{FINDING_COLUMNS, PARCEL_COLUMNS};
use crate::{Error, Result};
use geo::MultiPolygon;
use std::io::Write;

/// Streams the report as GeoJSON. Geometries must already be WGS84 longitude/latitude
/// (the pipeline's report CRS `EPSG:4326`).
pub struct GeoJsonRows<W: Write + Send> {
    out: W,
    first: bool,
    started: bool,
}

impl<W: Write + Send> GeoJsonRows<W> {
    /// A collection written to `out`.
    pub fn new(out: W) -> Self {
        GeoJsonRows {
            out,
            first: true,
            started: false,
        }
    }

    /// The writer, once finished.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn start(&mut self) -> std::io::Result<()> {
        if !self.started {
            self.started = true;
            self.out
                .write_all(br#"{"type":"FeatureCollection","features":["#)?;
        }
        Ok(())
    }

    fn feature(&mut self, props: &str, geometry: Option<&MultiPolygon<f64>>) -> Result<()> {
        let geometry = match geometry {
            Some(g) => {
                serde_json::to_string(&geojson::Geometry::new(geojson::GeometryValue::from(g)))
                    .map_err(|e| io(e.into()))?
            }
            None => "null".into(),
        };
        if !self.first {
            self.out.write_all(b",\n").map_err(io)?;
        }
        self.first = false;
        write!(
            self.out,
            r#"{{"type":"Feature","properties":{props},"geometry":{geometry}}}"#
        )
        .map_err(io)
    }
}

fn json(cell: Cell) -> serde_json::Value {
    match cell {
        Cell::Null => serde_json::Value::Null,
        Cell::Text(s) => s.into(),
        Cell::Real(v) => {
            serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into)
        }
        Cell::Int(v) => v.into(),
    }
}

fn io(cause: std::io::Error) -> Error {
    Error::Write {
        path: "the GeoJSON report".into(),
        cause,
    }
}

/// Properties written by hand, in the contract's order (a JSON map would sort them).
struct Props(String);

impl Props {
    fn new() -> Props {
        Props(String::from("{"))
    }

    fn put(&mut self, name: &str, value: serde_json::Value) {
        if value.is_null() {
            return;
        }
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0
            .push_str(&serde_json::to_string(name).expect("a string"));
        self.0.push(':');
        self.0.push_str(&value.to_string());
    }

    fn done(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

impl<W: Write + Send> ReportSink for GeoJsonRows<W> {
    fn write(&mut self, outcomes: &[Outcome]) -> Result<()> {
        self.start().map_err(io)?;
        for o in outcomes {
            let parcel = parcel_cells(o);
            let head = |kind: &str, use_code: Option<&str>| {
                let mut props = Props::new();
                props.put("row", kind.into());
                for (c, cell) in PARCEL_COLUMNS.iter().zip(parcel) {
                    match (c.name, use_code) {
                        // a finding's use is the one its regime was looked up for
                        ("use", Some(u)) => props.put("use", u.into()),
                        _ => props.put(c.name, json(cell)),
                    }
                }
                props
            };
            if o.report.findings.is_empty() {
                let props = head(row_kind(o), None).done();
                self.feature(&props, o.parcel_geometry.as_ref())?;
            }
            for (f, g) in o.report.findings.iter().zip(&o.finding_geometries) {
                let mut props = head("finding", Some(&f.use_code));
                for (c, cell) in FINDING_COLUMNS.iter().zip(finding_cells(f)) {
                    props.put(c.name, json(cell));
                }
                self.feature(&props.done(), Some(g))?;
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        self.start().map_err(io)?;
        self.out.write_all(b"]}\n").map_err(io)?;
        self.out.flush().map_err(io)
    }
}
