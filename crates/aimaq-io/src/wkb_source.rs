//! Parcels handed over as WKB with their ids and uses: what Python (shapely, GeoPandas),
//! Arrow columns and Spark batches hold. Records come in memory, a batch at a time, so the
//! whole batch is parsed (in parallel) before the first check, and its extent is held
//! against the CRS it claims — degrees labelled as metres are refused as they are for files.

use crate::ogr::{definition_of, LayerCrs};
use crate::source::{ParcelRecord, ParcelSource, SourceInfo};
use crate::{Error, Result};
use gdal::spatial_ref::SpatialRef;
use gdal::vector::{geometry_type_has_m, geometry_type_has_z};
use geo::{BoundingRect, CoordsIter, Geometry, Rect};
use rayon::prelude::*;
use std::path::PathBuf;

/// One parcel as a binding holds it: the id, the proposed use and the geometry as WKB,
/// each possibly missing (a missing id or geometry makes that record an error row).
#[derive(Debug, Clone, Copy, Default)]
pub struct WkbRecord<'a> {
    /// The parcel's id.
    pub id: Option<&'a str>,
    /// The proposed use code (`None`: not stated, generic construction).
    pub proposed_use: Option<&'a str>,
    /// ISO WKB, or the extended WKB of GEOS/PostGIS without SRID; Z and M are dropped.
    pub wkb: Option<&'a [u8]>,
}

/// A batch of WKB records as a [`ParcelSource`], in the given order.
///
/// ```
/// use aimaq_io::wkb_source::{WkbRecord, WkbSource};
/// use aimaq_io::ParcelSource;
///
/// // POLYGON((76.5 43.5, 76.5005 43.5, 76.5005 43.5003, 76.5 43.5)), little-endian WKB
/// let mut wkb = vec![1u8, 3, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0];
/// for (x, y) in [(76.5, 43.5), (76.5005, 43.5), (76.5005, 43.5003), (76.5, 43.5)] {
///     wkb.extend(f64::to_le_bytes(x));
///     wkb.extend(f64::to_le_bytes(y));
/// }
/// let source = WkbSource::new("lots", "EPSG:4326", vec![
///     WkbRecord { id: Some("a"), proposed_use: Some("residential"), wkb: Some(&wkb) },
///     WkbRecord { id: Some("b"), proposed_use: None, wkb: Some(&b"not wkb"[..]) },
/// ]).unwrap();
/// assert_eq!(source.info().total, Some(2));
/// let records: Vec<_> = source.collect();
/// assert!(records[0].geometry.is_ok());
/// assert!(records[1].geometry.as_ref().unwrap_err().contains("WKB"));
/// ```
pub struct WkbSource {
    records: std::vec::IntoIter<ParcelRecord>,
    info: SourceInfo,
}

impl WkbSource {
    /// Parses `records` given in `crs` (`EPSG:4326`, `EPSG:32643`, WKT, anything GDAL
    /// reads; named back as `AUTH:CODE` where GDAL can identify it). `label` names the
    /// batch in errors. Fails only for the batch as a whole: a CRS GDAL does not know,
    /// or an extent that cannot be in that CRS. A bad record is that record's error.
    pub fn new(label: &str, crs: &str, records: Vec<WkbRecord<'_>>) -> Result<WkbSource> {
        let crs = crs_of(crs)?;
        let parsed: Vec<ParcelRecord> = records
            .into_par_iter()
            .enumerate()
            .map(|(i, r)| record(i as u64, r))
            .collect();
        let extent = parsed
            .iter()
            .filter_map(|r| r.geometry.as_ref().ok()?.bounding_rect())
            .reduce(|a, b| {
                Rect::new(
                    (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
                    (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
                )
            });
        if let Some(e) = extent {
            crs.check_extent((e.min().x, e.min().y, e.max().x, e.max().y), label)?;
        }
        Ok(WkbSource {
            info: SourceInfo {
                path: PathBuf::from(label),
                layer: label.to_string(),
                crs,
                total: Some(parsed.len() as u64),
                fields: Vec::new(),
                files: Vec::new(),
                id_field: None,
                use_field: None,
                id_source: "the ids given with the records".into(),
            },
            records: parsed.into_iter(),
        })
    }
}

/// `text` trimmed, `None` when blank: as OGR fields are read.
fn stated(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
}

fn record(ordinal: u64, r: WkbRecord<'_>) -> ParcelRecord {
    ParcelRecord {
        ordinal,
        fid: None,
        id: stated(r.id).ok_or_else(|| "parcel has no id (the id is null or blank)".to_string()),
        proposed_use: Ok(stated(r.proposed_use)),
        geometry: match r.wkb {
            None => Err("no geometry".into()),
            Some(bytes) => parse_wkb(bytes),
        },
        attributes: Vec::new(),
    }
}

/// The CRS as sources report it.
fn crs_of(definition: &str) -> Result<LayerCrs> {
    let srs = SpatialRef::from_definition(definition).map_err(|_| Error::BadSourceCrs {
        definition: definition.to_string(),
    })?;
    let definition = definition_of(&srs)?;
    Ok(LayerCrs {
        name: srs.name().unwrap_or_else(|| definition.clone()),
        geographic: srs.is_geographic(),
        definition,
    })
}

/// A WKB geometry (through GDAL) as `geo` sees it, in plan (Z and M dropped), or why it
/// cannot be one: unreadable bytes, an empty or curved geometry, a non-finite coordinate.
///
/// ```
/// use aimaq_io::wkb_source::parse_wkb;
/// // POINT(1 2)
/// let mut point = vec![1u8, 1, 0, 0, 0];
/// point.extend(1f64.to_le_bytes());
/// point.extend(2f64.to_le_bytes());
/// assert!(matches!(parse_wkb(&point), Ok(geo::Geometry::Point(_))));
/// assert!(parse_wkb(&point[..9]).is_err());
/// ```
pub fn parse_wkb(bytes: &[u8]) -> Result<Geometry<f64>, String> {
    let mut g = gdal::vector::Geometry::from_wkb(bytes)
        .map_err(|e| format!("unreadable WKB ({} bytes): {e}", bytes.len()))?;
    if g.is_empty() {
        return Err("empty geometry".into());
    }
    let kind = g.geometry_type();
    if geometry_type_has_z(kind) || geometry_type_has_m(kind) {
        g.flatten_to_2d();
    }
    let geometry = g
        .to_geo()
        .map_err(|e| format!("unreadable geometry ({}): {e}", g.geometry_name()))?;
    // a NaN reaches no distance test honestly: refused here, as WKT and GeoJSON refuse it
    if let Some(c) = geometry
        .coords_iter()
        .find(|c| !(c.x.is_finite() && c.y.is_finite()))
    {
        return Err(format!(
            "coordinate ({}, {}) is not a finite number",
            c.x, c.y
        ));
    }
    Ok(geometry)
}

impl Iterator for WkbSource {
    type Item = ParcelRecord;

    fn next(&mut self) -> Option<ParcelRecord> {
        self.records.next()
    }
}

impl ParcelSource for WkbSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline;
    use crate::sink::Collect;
    use crate::{open_engine, EngineOptions, RecordChecker};
    use aimaq_check::Verdict;
    use gdal::vector::ToGdal;

    fn wkb_of(g: &Geometry<f64>) -> Vec<u8> {
        g.to_gdal().unwrap().wkb().unwrap()
    }

    fn lot(x: f64, y: f64, d: f64) -> Geometry<f64> {
        geo::Polygon::new(
            vec![(x, y), (x + d, y), (x + d, y + d), (x, y + d), (x, y)].into(),
            vec![],
        )
        .into()
    }

    #[test]
    fn round_trips_polygons_and_drops_z() {
        let g = lot(76.9, 43.2, 0.001);
        assert_eq!(parse_wkb(&wkb_of(&g)).unwrap(), g);
        let z = gdal::vector::Geometry::from_wkt(
            "POLYGON ZM ((76.9 43.2 5 1, 76.901 43.2 5 1, 76.901 43.201 5 1, 76.9 43.2 5 1))",
        )
        .unwrap();
        let flat = parse_wkb(&z.wkb().unwrap()).unwrap();
        let plan = geo::Polygon::new(
            vec![(76.9, 43.2), (76.901, 43.2), (76.901, 43.201), (76.9, 43.2)].into(),
            vec![],
        );
        assert_eq!(flat, plan.into());
    }

    #[test]
    fn bad_records_are_errors_not_failures() {
        let good = wkb_of(&lot(76.9, 43.2, 0.001));
        let nan = wkb_of(&lot(f64::NAN, 43.2, 0.001));
        let empty = gdal::vector::Geometry::from_wkt("POLYGON EMPTY")
            .unwrap()
            .wkb()
            .unwrap();
        let curve = gdal::vector::Geometry::from_wkt(
            "CURVEPOLYGON(CIRCULARSTRING(76.9 43.2, 76.91 43.21, 76.9 43.2))",
        )
        .unwrap()
        .wkb()
        .unwrap();
        let records = vec![
            WkbRecord {
                id: Some("ok"),
                proposed_use: Some(" residential "),
                wkb: Some(&good),
            },
            WkbRecord {
                id: Some("nan"),
                proposed_use: None,
                wkb: Some(&nan),
            },
            WkbRecord {
                id: Some("empty"),
                proposed_use: None,
                wkb: Some(&empty),
            },
            WkbRecord {
                id: Some("curve"),
                proposed_use: None,
                wkb: Some(&curve),
            },
            WkbRecord {
                id: Some("truncated"),
                proposed_use: None,
                wkb: Some(&good[..20]),
            },
            WkbRecord {
                id: Some("none"),
                proposed_use: None,
                wkb: None,
            },
            WkbRecord {
                id: Some("  "),
                proposed_use: Some(""),
                wkb: Some(&good),
            },
        ];
        let r: Vec<ParcelRecord> = WkbSource::new("t", "EPSG:4326", records).unwrap().collect();
        assert_eq!(r.len(), 7);
        assert_eq!(
            r.iter().map(|r| r.ordinal).collect::<Vec<_>>(),
            (0..7).collect::<Vec<_>>()
        );
        assert!(r[0].geometry.is_ok());
        assert_eq!(r[0].proposed_use, Ok(Some("residential".into())));
        assert!(r[1]
            .geometry
            .as_ref()
            .unwrap_err()
            .contains("not a finite number"));
        assert_eq!(r[2].geometry.as_ref().unwrap_err(), "empty geometry");
        assert!(r[3]
            .geometry
            .as_ref()
            .unwrap_err()
            .contains("unreadable geometry"));
        assert!(r[4]
            .geometry
            .as_ref()
            .unwrap_err()
            .contains("unreadable WKB"));
        assert_eq!(r[5].geometry.as_ref().unwrap_err(), "no geometry");
        assert!(r[6].id.is_err());
        assert_eq!(r[6].proposed_use, Ok(None));
    }

    #[test]
    fn refuses_degrees_labelled_as_metres_and_unknown_crs() {
        let g = wkb_of(&lot(76.9, 43.2, 0.001));
        let one = || {
            vec![WkbRecord {
                id: Some("a"),
                proposed_use: None,
                wkb: Some(&g),
            }]
        };
        assert!(matches!(
            WkbSource::new("t", "EPSG:32643", one()),
            Err(Error::Extent { .. })
        ));
        assert!(matches!(
            WkbSource::new("t", "EPSG:999999", one()),
            Err(Error::BadSourceCrs { .. })
        ));
        // a WKT definition is named back by its code
        let wkt = SpatialRef::from_epsg(4326).unwrap().to_wkt().unwrap();
        let s = WkbSource::new("t", &wkt, one()).unwrap();
        assert_eq!(s.info().crs.definition, "EPSG:4326");
        assert!(s.info().crs.geographic);
    }

    #[test]
    fn checks_like_any_source() {
        let opened = open_engine(&EngineOptions::default()).unwrap();
        let checker =
            RecordChecker::new(&opened.engine, &opened.metric, "EPSG:4326", "EPSG:4326").unwrap();
        let g = wkb_of(&lot(76.5, 43.5, 0.0005));
        let records = vec![
            WkbRecord {
                id: Some("a"),
                proposed_use: Some("residential"),
                wkb: Some(&g),
            },
            WkbRecord {
                id: Some("b"),
                proposed_use: Some("no_such_use"),
                wkb: Some(&g),
            },
        ];
        let source = WkbSource::new("t", "EPSG:4326", records).unwrap();
        let mut sink = Collect::default();
        let totals = pipeline::run(&checker, source, &mut sink, &Default::default()).unwrap();
        assert_eq!(
            (
                totals.summary.parcels_checked,
                totals.summary.parcels_errored
            ),
            (1, 1)
        );
        let out = sink.into_outcomes();
        assert_ne!(out[0].report.verdict, Verdict::Error);
        assert_eq!(out[1].report.verdict, Verdict::Error);
        assert!(out[1]
            .report
            .error
            .as_deref()
            .unwrap()
            .contains("no_such_use"));
    }
}
