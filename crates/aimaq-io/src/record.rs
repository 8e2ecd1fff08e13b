//! One record through the engine: id and use, polygonal geometry, reprojection to the
//! metric CRS, the check, a documented repair of invalid geometry, and the answer's
//! geometries expressed in the report's CRS.

use crate::coverage::Coverage;
use crate::sink::Outcome;
use crate::source::ParcelRecord;
use crate::Result;
use aimaq_check::{Engine, Parcel, ParcelReport, Projected, Verdict};
use aimaq_proj::{MetricCrs, Transformer};
use gdal::cpl::CslStringList;
use gdal::vector::ToGdal;
use geo::{Geometry, MultiPolygon};

/// Checks records read in one CRS and expresses the answers in another.
///
/// ```
/// use aimaq_io::{open_engine, EngineOptions, RecordChecker, ParcelRecord};
/// use aimaq_check::Verdict;
///
/// let opened = open_engine(&EngineOptions::default()).unwrap();
/// let checker = RecordChecker::new(&opened.engine, &opened.metric, "EPSG:4326", "EPSG:4326").unwrap();
/// let lot = geo::Polygon::new(vec![(76.5, 43.5), (76.5005, 43.5), (76.5005, 43.5003), (76.5, 43.5003)].into(), vec![]);
/// let outcome = checker.check(ParcelRecord {
///     ordinal: 0, fid: None, id: Ok("lot-1".into()), proposed_use: Ok(Some("residential".into())),
///     geometry: Ok(lot.into()), attributes: vec![],
/// });
/// assert_ne!(outcome.report.verdict, Verdict::Error);
/// ```
pub struct RecordChecker<'e> {
    engine: &'e Engine,
    metric: MetricCrs,
    to_lonlat: Transformer,
    to_metric: Transformer,
    metric_to_report: Transformer,
    source_to_report: Transformer,
    repair: bool,
    messages: bool,
    /// The dataset's extent: parcels outside it are errors (`None`: no geometry at all).
    coverage: Option<Coverage>,
}

impl<'e> RecordChecker<'e> {
    /// Records in `source_crs`, answers in `report_crs`, measured in `metric` (the
    /// engine's CRS). Invalid polygons are repaired (see [`RecordChecker::with_repair`]).
    pub fn new(
        engine: &'e Engine,
        metric: &MetricCrs,
        source_crs: &str,
        report_crs: &str,
    ) -> Result<RecordChecker<'e>> {
        Ok(RecordChecker {
            engine,
            metric: metric.clone(),
            to_lonlat: Transformer::new(source_crs, "EPSG:4326")?,
            to_metric: Transformer::new(source_crs, metric.definition())?,
            metric_to_report: Transformer::new(metric.definition(), report_crs)?,
            source_to_report: Transformer::new(source_crs, report_crs)?,
            repair: true,
            messages: true,
            coverage: Coverage::of(engine, metric)?,
        })
    }

    /// Whether an invalid polygon (self-intersection, hole outside its shell, …) is
    /// repaired with GEOS MakeValid (method STRUCTURE) and checked, the row saying so;
    /// without repair it is an error row.
    pub fn with_repair(mut self, repair: bool) -> Self {
        self.repair = repair;
        self
    }

    /// Whether findings carry their rendered message (the default). A sink that stores
    /// the fields and renders words on demand, such as the compact GeoPackage report,
    /// turns it off: see [`Engine::check_without_messages`].
    pub fn with_messages(mut self, messages: bool) -> Self {
        self.messages = messages;
        self
    }

    /// Whether the records are measured in another CRS than the one they come in.
    pub fn reprojects(&self) -> bool {
        !self.to_metric.is_identity()
    }

    /// The engine.
    pub fn engine(&self) -> &'e Engine {
        self.engine
    }

    /// The outcome of one record: checked, repaired and checked, or an error row with
    /// the reason. Never fails and never panics: a record is always answered.
    pub fn check(&self, record: ParcelRecord) -> Outcome {
        let ParcelRecord {
            ordinal,
            fid,
            id,
            proposed_use,
            geometry,
            attributes,
        } = record;
        let label = match &id {
            Ok(id) => id.clone(),
            Err(_) => format!("#{ordinal}"),
        };
        let stated_use = proposed_use.as_ref().ok().cloned().flatten();
        let failed = |reason: String, geometry: Option<&MultiPolygon<f64>>| Outcome {
            ordinal,
            fid,
            attributes: attributes.clone(),
            report: ParcelReport::error(&label, stated_use.clone(), reason),
            repair: None,
            parcel_geometry: geometry.and_then(|g| self.source_to_report.apply(g).ok()),
            finding_geometries: Vec::new(),
            wkb: None,
            gpkg: None,
        };
        let id = match id {
            Ok(id) => id,
            Err(reason) => {
                return failed(
                    reason,
                    geometry.ok().and_then(|g| polygonal(g).ok()).as_ref(),
                )
            }
        };
        let source = match geometry.and_then(polygonal) {
            Ok(mp) => mp,
            Err(reason) => return failed(reason, None),
        };
        let proposed_use = match proposed_use {
            Ok(u) => u,
            Err(reason) => return failed(reason, Some(&source)),
        };
        if let Err(reason) = self
            .within_area_of_use(&source)
            .and_then(|_| self.within_dataset(&source))
        {
            return failed(reason, Some(&source));
        }
        let check = |source: &MultiPolygon<f64>| -> Result<ParcelReport, String> {
            let metric = self.to_metric.apply(source).map_err(|e| e.to_string())?;
            let parcel = Parcel {
                id: id.clone(),
                proposed_use: proposed_use.clone(),
                geometry: Projected::assume_metres(metric),
            };
            Ok(if self.messages {
                self.engine.check(&parcel)
            } else {
                self.engine.check_without_messages(&parcel)
            })
        };
        let mut report = match check(&source) {
            Ok(r) => r,
            Err(reason) => return failed(reason, Some(&source)),
        };
        let mut geometry = source;
        let mut repaired = None;
        // validity in O(n log n); no repair past the vertex limit, which it would not lift
        if self.repair
            && report.verdict == Verdict::Error
            && aimaq_check::Limits::vertices(&geometry) <= self.engine.limits().max_vertices
            && !aimaq_check::is_valid(&geometry)
        {
            let before = report.error.clone().unwrap_or_default();
            match repair(&geometry).and_then(|fixed| Ok((check(&fixed)?, fixed))) {
                Ok((again, fixed)) if again.verdict != Verdict::Error => {
                    repaired = Some(format!(
                        "{before}; repaired with GEOS MakeValid (STRUCTURE) before checking"
                    ));
                    report = again;
                    geometry = fixed;
                }
                Ok((again, _)) => {
                    report.error = Some(format!(
                        "{before}; after GEOS MakeValid still unusable: {}",
                        again.error.unwrap_or_default()
                    ))
                }
                Err(why) => report.error = Some(format!("{before}; no repair: {why}")),
            }
        }
        let mut finding_geometries = Vec::with_capacity(report.findings.len());
        for f in &report.findings {
            match self.metric_to_report.apply(&f.geometry) {
                Ok(g) => finding_geometries.push(g),
                Err(reason) => {
                    return failed(
                        format!("cannot express a finding in the report's CRS: {reason}"),
                        Some(&geometry),
                    )
                }
            }
        }
        Outcome {
            ordinal,
            fid,
            attributes,
            parcel_geometry: self.source_to_report.apply(&geometry).ok(),
            report,
            repair: repaired,
            finding_geometries,
            wkb: None,
            gpkg: None,
        }
    }
}

/// How far beyond its CRS's area of use a parcel may lie, in degrees. A UTM zone is 6°
/// wide; 1° past its edge (4° from the central meridian) the scale error at Almaty's
/// latitude is about 0.13 % in length, 0.26 % in area. Further out the numbers would be
/// distortions reported as fact.
pub const AREA_OF_USE_MARGIN_DEG: f64 = 1.0;

impl RecordChecker<'_> {
    /// Refuses a parcel outside the area the metric CRS is made for (with
    /// [`AREA_OF_USE_MARGIN_DEG`] of tolerance): measured there, distances and areas are
    /// wrong by whatever the projection's scale error is.
    fn within_area_of_use(&self, source: &MultiPolygon<f64>) -> Result<(), String> {
        use geo::BoundingRect;
        let Some(area) = self.metric.area_of_use() else {
            return Ok(()); // a CRS without a declared area: nothing to hold it to
        };
        let Some(bbox) = source.bounding_rect() else {
            return Ok(());
        };
        let Some(b) = self.lonlat_box(bbox)? else {
            return Ok(()); // non-finite: validation names it
        };
        let (w, s, e, n) = (b.min().x, b.min().y, b.max().x, b.max().y);
        if area.contains((w, s, e, n), AREA_OF_USE_MARGIN_DEG) {
            return Ok(());
        }
        let hint = if self.swapped_inside(bbox) {
            format!(" ({})", crate::coverage::SWAPPED_HINT)
        } else {
            String::new()
        };
        Err(format!(
            "the parcel (longitude {w:.4}…{e:.4}, latitude {s:.4}…{n:.4}) lies outside the area {} is made for ({:.0}°…{:.0}°E, {:.0}°…{:.0}°N, with {AREA_OF_USE_MARGIN_DEG}° of tolerance): measured there, distances and areas would be distorted; check it in a CRS that covers it (--crs){hint}",
            self.metric.label(),
            area.west,
            area.east,
            area.south,
            area.north,
        ))
    }

    /// The rule of [`Coverage`]: a parcel outside the dataset's extent was checked
    /// against nothing, so it is an error row, never clear; the reason says where it
    /// lies, where the dataset is, and whether swapping x and y would put it inside.
    fn within_dataset(&self, source: &MultiPolygon<f64>) -> Result<(), String> {
        use geo::BoundingRect;
        let (Some(coverage), Some(bbox)) = (&self.coverage, source.bounding_rect()) else {
            return Ok(());
        };
        // no place in WGS84 (non-finite, no image): validation or reprojection names it
        let Ok(Some(place)) = self.lonlat_box(bbox) else {
            return Ok(());
        };
        if coverage.covers(place) {
            return Ok(());
        }
        coverage
            .check(place, self.swapped_box(bbox))
            .map_err(|e| e.to_string())
    }

    /// The parcel's box read with x and y swapped, in WGS84, when it has a place there.
    fn swapped_box(&self, bbox: geo::Rect<f64>) -> Option<geo::Rect<f64>> {
        let flipped = geo::Rect::new((bbox.min().y, bbox.min().x), (bbox.max().y, bbox.max().x));
        self.lonlat_box(flipped).ok().flatten()
    }

    /// Whether the parcel read with x and y swapped would lie inside the dataset.
    fn swapped_inside(&self, bbox: geo::Rect<f64>) -> bool {
        match (&self.coverage, self.swapped_box(bbox)) {
            (Some(coverage), Some(swapped)) => coverage.covers(swapped),
            _ => false,
        }
    }

    /// A box of the source CRS as a WGS84 box: its corners, transformed and boxed.
    fn lonlat_box(&self, bbox: geo::Rect<f64>) -> Result<Option<geo::Rect<f64>>, String> {
        use geo::BoundingRect;
        let corners = geo::MultiPoint::from(
            bbox.to_polygon().exterior().0[..4]
                .iter()
                .map(|c| geo::Point(*c))
                .collect::<Vec<_>>(),
        );
        let lonlat = self.to_lonlat.apply(&corners).map_err(|e| e.to_string())?;
        Ok(lonlat.bounding_rect().filter(|b| {
            [b.min().x, b.min().y, b.max().x, b.max().y]
                .iter()
                .all(|v| v.is_finite())
        }))
    }
}

/// Polygonal parts of a geometry as one MultiPolygon, or why there are none.
pub fn polygonal(g: Geometry<f64>) -> Result<MultiPolygon<f64>, String> {
    match g {
        Geometry::Polygon(p) => Ok(MultiPolygon(vec![p])),
        Geometry::MultiPolygon(mp) => Ok(mp),
        Geometry::GeometryCollection(gc) => {
            let mut parts = Vec::new();
            for g in gc {
                match g {
                    Geometry::Polygon(p) => parts.push(p),
                    Geometry::MultiPolygon(mp) => parts.extend(mp.0),
                    other => {
                        return Err(format!(
                            "a parcel must be polygonal; this collection holds a {}",
                            kind(&other)
                        ))
                    }
                }
            }
            Ok(MultiPolygon(parts))
        }
        other => Err(format!(
            "a parcel must be a Polygon or MultiPolygon, not a {}",
            kind(&other)
        )),
    }
}

fn kind(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) | Geometry::MultiPoint(_) => "point",
        Geometry::Line(_) | Geometry::LineString(_) | Geometry::MultiLineString(_) => "line",
        _ => "polygon",
    }
}

/// The documented repair: GEOS MakeValid (through GDAL, method STRUCTURE), keeping the
/// polygonal result. Only for geometries OGC calls invalid (self-intersections, …).
pub fn repair(source: &MultiPolygon<f64>) -> Result<MultiPolygon<f64>, String> {
    let mut options = CslStringList::new();
    options
        .set_name_value("METHOD", "STRUCTURE")
        .map_err(|e| e.to_string())?;
    let fixed = source
        .to_gdal()
        .and_then(|g| g.make_valid(&options))
        .and_then(|g| g.to_geo())
        .map_err(|e| format!("GEOS MakeValid failed: {e}"))?;
    let fixed = polygonal(fixed)?;
    if fixed.0.is_empty() {
        return Err("MakeValid left no area".into());
    }
    Ok(fixed)
}
