//! Encumbered areas as an RFC 7946 FeatureCollection: a feature per finding, properties
//! in the contract's order, ready to drop into QGIS.

use super::{finding_cells, Cell, Outcome, ReportSink, FINDING_COLUMNS};
use crate::{Error, Result};
use std::io::Write;

/// Streams findings as GeoJSON features. Geometries must already be WGS84 longitude /
/// latitude (the pipeline's report CRS `EPSG:4326`).
pub struct GeoJsonFindings<W: Write + Send> {
    out: W,
    first: bool,
    started: bool,
}

impl<W: Write + Send> GeoJsonFindings<W> {
    /// A collection written to `out`.
    pub fn new(out: W) -> Self {
        GeoJsonFindings {
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

impl<W: Write + Send> ReportSink for GeoJsonFindings<W> {
    fn write(&mut self, outcomes: &[Outcome]) -> Result<()> {
        self.start().map_err(io)?;
        for o in outcomes {
            for (f, g) in o.report.findings.iter().zip(&o.finding_geometries) {
                // properties by hand, in the contract's order (a JSON map would sort them)
                let mut props = String::from("{");
                let mut put = |name: &str, value: serde_json::Value| {
                    if value.is_null() {
                        return;
                    }
                    if props.len() > 1 {
                        props.push(',');
                    }
                    props.push_str(&serde_json::to_string(name).expect("a string"));
                    props.push(':');
                    props.push_str(&value.to_string());
                };
                put("parcel", o.report.id.as_str().into());
                put("use", f.use_code.as_str().into());
                put("verdict", o.report.verdict.as_str().into());
                for (c, cell) in FINDING_COLUMNS.iter().zip(finding_cells(f)) {
                    put(c.name, json(cell));
                }
                props.push('}');
                let geometry = geojson::Geometry::new(geojson::GeometryValue::from(g));
                if !self.first {
                    self.out.write_all(b",").map_err(io)?;
                }
                self.first = false;
                write!(
                    self.out,
                    r#"{{"type":"Feature","properties":{props},"geometry":{}}}"#,
                    serde_json::to_string(&geometry).map_err(|e| io(e.into()))?
                )
                .map_err(io)?;
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
