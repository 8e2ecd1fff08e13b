//! Builds the index over a constraint dataset and checks parcels against it.

use crate::encumbrance::Encumbrance;
use crate::finding::{Finding, ParcelReport};
use crate::geometry::polygon_problem;
use crate::ground::{Frame, Ground, ScaleGrid, MAX_SCALE_ERROR};
use crate::message::FindingContext;
use crate::prepare::{
    ConstraintFeature, DatasetStats, FeatureGeometry, Prepared, Preparer, ResolvedZone, Settlement,
};
use crate::projected::Projected;
use crate::refine::{self, LocalFeature};
use crate::verdict::Verdict;
use crate::{LimitHints, Limits};
use aimaq_index::{ConstraintIndex, FeatureId, IndexBuilder};
use aimaq_rules::{fill, Attributes, Catalog, DataIssue, Lang};
use geo::{Area, BoundingRect, Coord, Geometry, MultiPolygon, Rect};
use rayon::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// How much farther than a zone's width the index looks: the widest scale error a
/// [`Ground`] corrects (a width reads up to this much longer in the projection).
const PAD: f64 = 1.0 + MAX_SCALE_ERROR;

/// How much wider than a parcel's box the index is asked on the ground (m).
const GROUND_MARGIN_M: f64 = 1.0;

fn grow(r: Rect<f64>, m: f64) -> Rect<f64> {
    Rect::new(
        (r.min().x - m, r.min().y - m),
        (r.max().x + m, r.max().y + m),
    )
}

/// A parcel to check.
#[derive(Debug, Clone)]
pub struct Parcel {
    /// The parcel's id.
    pub id: String,
    /// Proposed land use: a code of the catalog's vocabulary (`residential`,
    /// `vehicle_wash`, …); `None` means generic construction. An unknown code makes the
    /// parcel an error naming the allowed codes.
    pub proposed_use: Option<String>,
    /// Its area in metres.
    pub geometry: Projected<MultiPolygon<f64>>,
}

/// The checker: a catalog, a constraint dataset indexed for lookup, and what was wrong
/// with the dataset. Build once, then check any number of parcels from any thread.
///
/// ```
/// use aimaq_check::{ConstraintFeature, Engine, Parcel, Projected, Verdict};
/// use aimaq_rules::Catalog;
/// use geo::{line_string, polygon, Geometry};
///
/// let line = ConstraintFeature {
///     layer: "power_lines".into(),
///     attributes: serde_json::json!({"id": "pl-1", "name": "Alma – Robot", "voltage_kv": 500, "outer_wire_offset_m": 0})
///         .as_object().unwrap().clone(),
///     geometry: Ok(Projected::assume_metres(Geometry::from(
///         line_string![(x: 0.0, y: 0.0), (x: 1000.0, y: 0.0)]))),
/// };
/// let engine = Engine::new(Catalog::embedded(), "EPSG:32643", vec![line]);
///
/// // 30 m zone for 500 kV: a lot 29.9 m away is inside, one 30.1 m away is clear
/// let lot = |id: &str, y: f64| Parcel {
///     id: id.into(),
///     proposed_use: None,
///     geometry: Projected::assume_metres(
///         polygon![(x: 100.0, y: y), (x: 140.0, y: y), (x: 140.0, y: y + 30.0), (x: 100.0, y: y + 30.0)].into()),
/// };
/// let near = engine.check(&lot("near", 29.9));
/// // L270-275 give the width only: building there needs the line operator's consent
/// assert_eq!(near.verdict, Verdict::Conditional);
/// let f = &near.findings[0];
/// assert_eq!((f.rule.as_str(), f.limit_m), ("power.protection_zone", 30.0));
/// assert!((f.distance_m - 29.9).abs() < 1e-9);
/// assert!((f.encumbered_m2 - 0.1 * 40.0).abs() < 1e-3); // a 0.1 m × 40 m strip
/// assert_eq!(engine.check(&lot("far", 30.1)).verdict, Verdict::Clear);
/// ```
pub struct Engine {
    catalog: Catalog,
    crs: String,
    /// Features with at least one zone, by their `FeatureId` in `index`.
    features: Vec<Prepared>,
    index: ConstraintIndex,
    /// Polygons deciding settlement-dependent widths, by their `FeatureId` in
    /// `settlement_index`, and the `(layer, id)` of each.
    settlements: Vec<MultiPolygon<f64>>,
    /// Each settlement's layer, id, name and attributes (for maps that label them).
    settlement_features: Vec<(String, String, Option<String>, Attributes)>,
    settlement_index: ConstraintIndex,
    issues: Vec<DataIssue>,
    stats: DatasetStats,
    lang: Lang,
    limits: Limits,
    /// The attribution the dataset's licence requires (OSM's ODbL), for every report.
    attribution: Option<String>,
    /// The bounding box of every feature given, in metres (the dataset's coverage, once
    /// grown by `reach`).
    extent: Option<Rect<f64>>,
    /// The widest zone any feature has, m.
    reach: f64,
    limit_hints: LimitHints,
    /// The measuring CRS's scale, sampled over the extent: widths and areas on the
    /// ground. `None`: measured in the projection as it is.
    ground: Option<ScaleGrid>,
}

impl Engine {
    /// Validates and indexes `features` under `catalog`. `crs` labels reports (the CRS
    /// the metres are in). Problems do not stop the build: they are kept in
    /// [`Engine::issues`], and a feature is left out only when it cannot be measured.
    pub fn new(
        catalog: Catalog,
        crs: impl Into<String>,
        features: Vec<ConstraintFeature>,
    ) -> Engine {
        let extent = dataset_extent(&features);
        let mut preparer = Preparer::new(&catalog);
        let mut prepared = Vec::new();
        let mut builder = IndexBuilder::new();
        let mut settlements = Vec::new();
        let mut settlement_features = Vec::new();
        let mut settlement_builder = IndexBuilder::new();
        for feature in features {
            let Some(feature) = preparer.prepare(feature) else {
                continue;
            };
            if let Some(area) = feature.geometry.area() {
                if preparer.is_condition_layer(&feature.layer) {
                    let fid = FeatureId(settlements.len() as u32);
                    let mut part = 0;
                    for p in &area.0 {
                        part = settlement_builder.add_polygon(fid, part, p, 0.0);
                    }
                    settlements.push(area.clone());
                    settlement_features.push((
                        feature.layer.clone(),
                        feature.id.clone(),
                        feature.name.clone(),
                        feature.attributes.clone(),
                    ));
                }
            }
            if feature.zones.is_empty() {
                continue;
            }
            let fid = FeatureId(prepared.len() as u32);
            match &feature.geometry {
                FeatureGeometry::Lines(lines) => {
                    for (part, line) in lines.0.iter().enumerate() {
                        builder.add_line_string(fid, part as u32, line, feature.reach * PAD);
                    }
                }
                FeatureGeometry::Area(area) => {
                    let mut part = 0;
                    for p in &area.0 {
                        part = builder.add_polygon(fid, part, p, feature.reach * PAD);
                    }
                }
            }
            prepared.push(feature);
        }
        let (issues, mut stats) = preparer.finish();
        // A parcel beyond the features' box but within a zone of a feature at its edge
        // is measured against that feature: the coverage reaches as far as the widest
        // zone.
        let reach = prepared
            .iter()
            .map(|f| f.reach)
            .filter(|r| r.is_finite())
            .fold(0.0, f64::max);

        let index = builder.build();
        stats.features_used = prepared.len();
        stats.indexed_segments = index.segment_count();
        Engine {
            catalog,
            crs: crs.into(),
            features: prepared,
            index,
            settlements,
            settlement_features,
            settlement_index: settlement_builder.build(),
            issues,
            stats,
            lang: Lang::default(),
            limits: Limits::default(),
            attribution: None,
            extent,
            reach,
            limit_hints: LimitHints::default(),
            ground: None,
        }
    }

    /// The engine measuring on the ground: every width compared, distance reported and
    /// area measured on the WGS84 ellipsoid, in each parcel's frame corrected by
    /// `ground`'s point scale (see the `ground` module's notes: distances right to 0.1 mm
    /// within 2 km of a parcel's centre, areas to 1e-6). `aimaq_io` gives every engine it
    /// opens the measuring CRS's own; without one the engine measures in the projection
    /// as it is, which is what a caller holding local metres (`assume_metres`) wants.
    ///
    /// ```
    /// use aimaq_check::{ConstraintFeature, Engine, Ground, Parcel, Projected};
    /// use geo::{line_string, polygon, Coord, Geometry};
    /// use std::sync::Arc;
    ///
    /// /// A CRS that reads every length 0.1 % long.
    /// struct Long;
    /// impl Ground for Long {
    ///     fn scale(&self, _: Coord<f64>) -> Option<f64> { Some(1.001) }
    /// }
    /// let line = ConstraintFeature {
    ///     layer: "power_lines".into(),
    ///     attributes: serde_json::json!({"id": "pl-1", "voltage_kv": 500, "outer_wire_offset_m": 0})
    ///         .as_object().unwrap().clone(),
    ///     geometry: Ok(Projected::assume_metres(Geometry::from(
    ///         line_string![(x: 0.0, y: 0.0), (x: 1000.0, y: 0.0)]))),
    /// };
    /// let lot = Parcel {
    ///     id: "lot".into(),
    ///     proposed_use: None,
    ///     geometry: Projected::assume_metres(
    ///         polygon![(x: 100.0, y: 30.02), (x: 140.0, y: 30.02), (x: 140.0, y: 60.0), (x: 100.0, y: 60.0)].into()),
    /// };
    /// let planar = Engine::new(aimaq_rules::Catalog::embedded(), "EPSG:32643", vec![line.clone()]);
    /// assert!(planar.check(&lot).findings.is_empty()); // 30.02 m in the projection
    /// let ground = Engine::new(aimaq_rules::Catalog::embedded(), "EPSG:32643", vec![line])
    ///     .with_ground(Arc::new(Long));
    /// let report = ground.check(&lot); // 29.99 m on the ground: inside the 30 m zone
    /// assert!((report.findings[0].distance_m - 30.02 / 1.001).abs() < 1e-9);
    /// assert!((report.area_m2 - 40.0 * 29.98 / 1.001 / 1.001).abs() < 1e-6);
    /// ```
    pub fn with_ground(mut self, ground: Arc<dyn Ground>) -> Engine {
        let box_of = |e: Rect<f64>| {
            let r = self.reach * PAD;
            (
                Coord {
                    x: e.min().x - r,
                    y: e.min().y - r,
                },
                Coord {
                    x: e.max().x + r,
                    y: e.max().y + r,
                },
            )
        };
        let (min, max) = self
            .extent
            .map(box_of)
            .unwrap_or((Coord { x: 0.0, y: 0.0 }, Coord { x: 0.0, y: 0.0 }));
        self.ground = Some(ScaleGrid::new(ground, min, max));
        self
    }

    /// Runs `draw` on `geometry` (projected metres) moved into the ground frame at its
    /// centre — where a metre is a metre on the WGS84 ellipsoid, as in [`Engine::check`] —
    /// and moves the result back: a zone's strip buffered there by its width is the zone
    /// as the engine measures it, drawn in the CRS (`aimaq zones`, the desk's map). The
    /// frame is exact to about `s²/(2R²)` at `s` from the centre: 5e-6 of the width at
    /// 20 km, millimetres for the widest zones. Without a [`Ground`], the geometry is only
    /// moved to its centre (boolean operations lose centimetres at UTM magnitudes).
    ///
    /// ```
    /// use aimaq_check::{Engine, Ground};
    /// use geo::{line_string, Area, Buffer, Coord, Geometry};
    /// use std::sync::Arc;
    ///
    /// struct Long; // every length reads 0.1 % long
    /// impl Ground for Long {
    ///     fn scale(&self, _: Coord<f64>) -> Option<f64> { Some(1.001) }
    /// }
    /// let engine = Engine::new(aimaq_rules::Catalog::embedded(), "EPSG:32643", vec![])
    ///     .with_ground(Arc::new(Long));
    /// let line = Geometry::from(line_string![(x: 0.0, y: 0.0), (x: 1000.0, y: 0.0)]);
    /// let strip = engine.draw_on_ground(&line, |g| g.buffer(50.0));
    /// // 100 m wide on the ground: 100.1 m in the CRS
    /// let in_crs = line.buffer(50.05).unsigned_area();
    /// assert!((strip.unsigned_area() / in_crs - 1.0).abs() < 1e-6);
    /// ```
    pub fn draw_on_ground(
        &self,
        geometry: &Geometry<f64>,
        draw: impl FnOnce(&Geometry<f64>) -> MultiPolygon<f64>,
    ) -> MultiPolygon<f64> {
        let Some(b) = geometry.bounding_rect() else {
            return MultiPolygon::new(Vec::new());
        };
        let frame = self
            .ground
            .as_ref()
            .and_then(|g| g.frame(b.center()).ok())
            .unwrap_or_else(|| Frame::planar(b.center()));
        frame.world(&draw(&frame.local(geometry)))
    }

    /// The measuring CRS's point scale at `at` (projected metres): a ground length
    /// times it is the length to draw in the CRS (`aimaq zones`' strips, the desk's zone
    /// edges). 1 for an engine without a [`Ground`].
    pub fn scale_at(&self, at: Coord<f64>) -> f64 {
        self.ground
            .as_ref()
            .and_then(|g| g.scale(at))
            .unwrap_or(1.0)
    }

    /// How errors past a limit say to raise it: in the words of the surface the engine
    /// serves (a binding's keyword arguments); the Rust API's and the command line's by
    /// default.
    pub fn set_limit_hints(&mut self, hints: LimitHints) {
        self.limit_hints = hints;
    }

    /// The dataset's extent in metres: the bounding box of every feature given with a
    /// finite geometry, whether or not a rule applies to it, grown on every side by the
    /// widest zone any feature has (`None` for an empty dataset). A parcel outside it
    /// was checked against nothing; `aimaq_io`'s `Coverage` turns that into the
    /// parcel's error on every surface.
    ///
    /// ```
    /// use aimaq_check::{ConstraintFeature, Engine, Projected};
    /// use geo::{line_string, Geometry};
    /// let line = |x: f64| ConstraintFeature {
    ///     layer: "power_lines".into(),
    ///     attributes: serde_json::json!({"id": format!("pl-{x}"), "voltage_kv": 500, "outer_wire_offset_m": 0})
    ///         .as_object().unwrap().clone(),
    ///     geometry: Ok(Projected::assume_metres(Geometry::from(
    ///         line_string![(x: x, y: 0.0), (x: x + 10.0, y: 5.0)]))),
    /// };
    /// let engine = Engine::new(aimaq_rules::Catalog::embedded(), "EPSG:32643", vec![line(0.0), line(100.0)]);
    /// let e = engine.extent().unwrap();
    /// // the lines' box, grown by a 500 kV line's 30 m protection zone
    /// assert_eq!((e.min().x, e.min().y, e.max().x, e.max().y), (-30.0, -30.0, 140.0, 35.0));
    /// assert!(Engine::new(aimaq_rules::Catalog::embedded(), "EPSG:32643", vec![]).extent().is_none());
    /// ```
    pub fn extent(&self) -> Option<Rect<f64>> {
        // a zone's width reads up to MAX_SCALE_ERROR longer in the CRS than on the ground
        let reach = if self.ground.is_some() {
            self.reach * PAD
        } else {
            self.reach
        };
        self.extent.map(|e| {
            Rect::new(
                (e.min().x - reach, e.min().y - reach),
                (e.max().x + reach, e.max().y + reach),
            )
        })
    }

    /// The engine answering in `lang` (messages of findings and errors); English by default.
    ///
    /// ```
    /// use aimaq_check::Engine;
    /// use aimaq_rules::{Catalog, Lang};
    /// let engine = Engine::new(Catalog::embedded(), "EPSG:32643", vec![]).with_lang(Lang::Kk);
    /// assert_eq!(engine.lang(), Lang::Kk);
    /// ```
    pub fn with_lang(mut self, lang: Lang) -> Engine {
        self.lang = lang;
        self
    }

    /// The engine with other limits on parcels ([`Limits`]; the defaults otherwise).
    pub fn with_limits(mut self, limits: Limits) -> Engine {
        self.limits = limits;
        self
    }

    /// The limits on parcels in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The dataset's attribution line, carried by every report of this engine (OSM data
    /// must credit its contributors: ODbL 1.0).
    pub fn with_attribution(mut self, attribution: Option<String>) -> Engine {
        self.attribution = attribution;
        self
    }

    /// The dataset's attribution line, if its licence requires one.
    pub fn attribution(&self) -> Option<&str> {
        self.attribution.as_deref()
    }

    /// The language of messages.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The catalog in force.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Label of the CRS the engine measures in.
    pub fn crs(&self) -> &str {
        &self.crs
    }

    /// Everything wrong with the dataset, in input order.
    pub fn issues(&self) -> &[DataIssue] {
        &self.issues
    }

    /// Adds problems a reader found outside any feature (e.g. a file that is no layer).
    pub fn add_issues(&mut self, issues: impl IntoIterator<Item = DataIssue>) {
        self.issues.extend(issues);
    }

    /// What the dataset held.
    pub fn stats(&self) -> &DatasetStats {
        &self.stats
    }

    /// Every zone parcels are checked against, feature by feature in input order, each
    /// feature's zones in catalog order: exactly what [`Engine::check`] uses, so an export
    /// of the zones and the findings cannot disagree. A feature is here when it could be
    /// measured and at least one rule resolved for it, attribute problems or not.
    ///
    /// ```
    /// use aimaq_check::{ConstraintFeature, Engine, Projected};
    /// use aimaq_rules::{Catalog, Limit};
    /// use geo::{line_string, Geometry};
    ///
    /// let rail = |id: &str, attrs: serde_json::Value| {
    ///     let mut attributes = attrs.as_object().unwrap().clone();
    ///     attributes.insert("id".into(), id.into());
    ///     ConstraintFeature {
    ///         layer: "railways".into(),
    ///         attributes,
    ///         geometry: Ok(Projected::assume_metres(Geometry::from(
    ///             line_string![(x: 0.0, y: 0.0), (x: 1000.0, y: 0.0)]))),
    ///     }
    /// };
    /// // an unknown attribute is a dataset error, but the railway still has its zone
    /// let features = vec![rail("r-1", serde_json::json!({"gauge": 1520, "right_of_way_m": 30}))];
    /// let engine = Engine::new(Catalog::embedded(), "EPSG:32643", features);
    /// assert_eq!(engine.issues().len(), 1);
    /// let zones: Vec<_> = engine.zones().collect();
    /// assert_eq!(zones.len(), 1);
    /// assert_eq!((zones[0].layer, zones[0].rule.id()), ("railways", "rail.control_zone"));
    /// // 20 and 50 m from the edge of a 30 m right-of-way (L259-263)
    /// assert_eq!(zones[0].zone.limit, Limit::BySettlement { inside: 35.0, outside: 65.0 });
    /// ```
    pub fn zones(&self) -> impl Iterator<Item = ResolvedZone<'_>> {
        let rules = self.catalog.rules();
        self.features.iter().flat_map(move |feature| {
            feature
                .zones
                .iter()
                .map(move |(rule_idx, zone)| ResolvedZone {
                    layer: &feature.layer,
                    feature: &feature.id,
                    name: feature.name.as_deref(),
                    attributes: &feature.attributes,
                    geometry: &feature.geometry,
                    rule: &rules[*rule_idx],
                    zone,
                })
        })
    }

    /// The polygons that decide settlement-dependent widths (the railway zone is 20 m
    /// inside them, 50 m outside), in input order: exactly those [`Engine::check`] splits
    /// parcels by.
    ///
    /// ```
    /// use aimaq_check::{ConstraintFeature, Engine, Projected};
    /// use aimaq_rules::Catalog;
    /// use geo::{polygon, Geometry};
    ///
    /// let town = ConstraintFeature {
    ///     layer: "settlements".into(),
    ///     attributes: serde_json::json!({"id": "s-1", "name": "Kaskelen"})
    ///         .as_object().unwrap().clone(),
    ///     geometry: Ok(Projected::assume_metres(Geometry::from(polygon![
    ///         (x: 0.0, y: 0.0), (x: 500.0, y: 0.0), (x: 500.0, y: 500.0), (x: 0.0, y: 500.0)]))),
    /// };
    /// let engine = Engine::new(Catalog::embedded(), "EPSG:32643", vec![town]);
    /// let settlements: Vec<_> = engine.settlements().collect();
    /// assert_eq!((settlements[0].layer, settlements[0].id), ("settlements", "s-1"));
    /// assert_eq!(settlements[0].area.0.len(), 1);
    /// ```
    pub fn settlements(&self) -> impl Iterator<Item = Settlement<'_>> {
        self.settlement_features.iter().zip(&self.settlements).map(
            |((layer, id, name, attributes), area)| Settlement {
                layer,
                id,
                name: name.as_deref(),
                attributes,
                area,
            },
        )
    }

    /// Checks one parcel. Never panics: an internal failure becomes the parcel's error.
    pub fn check(&self, parcel: &Parcel) -> ParcelReport {
        self.check_guarded(parcel, true)
    }

    /// As [`Engine::check`], with every finding's `message` left empty: for a report that
    /// keeps the fields and renders the words on demand (the compact GeoPackage report,
    /// `aimaq report-text`). Rendering the message is about a tenth of a large
    /// screening's time. The fields, verdicts and errors are the same as `check`'s.
    ///
    /// ```
    /// use aimaq_check::{ConstraintFeature, Engine, Parcel, Projected};
    /// use geo::{line_string, polygon, Geometry};
    ///
    /// let line = ConstraintFeature {
    ///     layer: "power_lines".into(),
    ///     attributes: serde_json::json!({"id": "pl-1", "voltage_kv": 500, "outer_wire_offset_m": 0})
    ///         .as_object().unwrap().clone(),
    ///     geometry: Ok(Projected::assume_metres(Geometry::from(
    ///         line_string![(x: 0.0, y: 0.0), (x: 1000.0, y: 0.0)]))),
    /// };
    /// let engine = Engine::new(aimaq_rules::Catalog::embedded(), "EPSG:32643", vec![line]);
    /// let lot = Parcel {
    ///     id: "lot".into(),
    ///     proposed_use: Some("residential".into()),
    ///     geometry: Projected::assume_metres(
    ///         polygon![(x: 100.0, y: 10.0), (x: 140.0, y: 10.0), (x: 140.0, y: 40.0), (x: 100.0, y: 40.0)].into()),
    /// };
    /// let (full, quiet) = (engine.check(&lot), engine.check_without_messages(&lot));
    /// assert_eq!(quiet.findings.len(), 1);
    /// assert!(!full.findings[0].message.is_empty() && quiet.findings[0].message.is_empty());
    /// assert_eq!(
    ///     (quiet.verdict, quiet.findings[0].distance_m, quiet.findings[0].encumbered_m2),
    ///     (full.verdict, full.findings[0].distance_m, full.findings[0].encumbered_m2)
    /// );
    /// ```
    pub fn check_without_messages(&self, parcel: &Parcel) -> ParcelReport {
        self.check_guarded(parcel, false)
    }

    fn check_guarded(&self, parcel: &Parcel, messages: bool) -> ParcelReport {
        match catch_unwind(AssertUnwindSafe(|| self.check_inner(parcel, messages))) {
            Ok(report) => report,
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown".into());
                ParcelReport::error(
                    &parcel.id,
                    parcel.proposed_use.clone(),
                    format!("internal error while checking: {what}"),
                )
            }
        }
    }

    /// Checks parcels in parallel; reports come back in input order.
    pub fn check_all(&self, parcels: &[Parcel]) -> Vec<ParcelReport> {
        parcels.par_iter().map(|p| self.check(p)).collect()
    }

    fn check_inner(&self, parcel: &Parcel, messages: bool) -> ParcelReport {
        let world = parcel.geometry.geometry();
        let within_limits = self.limits.check_with(world, &self.limit_hints);
        if let Err(reason) = within_limits.and_then(|_| polygon_problem(world)) {
            return ParcelReport::error(&parcel.id, parcel.proposed_use.clone(), reason);
        }
        let land_use = match self.catalog.resolve_use(parcel.proposed_use.as_deref()) {
            Ok(u) => u,
            Err(unknown) => {
                return ParcelReport::error(
                    &parcel.id,
                    parcel.proposed_use.clone(),
                    fill(
                        self.catalog.message("error.unknown_use", self.lang),
                        &[
                            ("code", &unknown.code),
                            ("allowed", &unknown.allowed.join(", ")),
                        ],
                    ),
                );
            }
        };
        let bbox = world.bounding_rect().expect("validated non-empty");
        // Refine in a frame centred on the parcel: boolean operations snap to a grid
        // scaled to their inputs' extent, which loses centimetres at UTM magnitudes. With
        // a ground, the frame's metre is the ellipsoid's (`ground`).
        let frame = match &self.ground {
            None => Frame::planar(bbox.center()),
            Some(grid) => match grid.frame(bbox.center()) {
                Ok(frame) => frame,
                Err(reason) => {
                    return ParcelReport::error(&parcel.id, parcel.proposed_use.clone(), reason)
                }
            },
        };
        let local = crate::local::LocalParcel::new(frame.local(world));
        let area_m2 = local.unsigned_area();
        if let Err(reason) = crate::limits::measurable(world, area_m2) {
            return ParcelReport::error(&parcel.id, parcel.proposed_use.clone(), reason);
        }

        // On the ground, a feature's edges are the geodesics between its positions, which
        // part from the projection's chords the index holds by `L²·|∇ln k|/8`: under 1 m
        // for edges up to 30 km in UTM.
        let query_box = if self.ground.is_some() {
            grow(bbox, GROUND_MARGIN_M)
        } else {
            bbox
        };
        let candidates = self.index.query(query_box);
        let mut split: Option<refine::SettlementSplit> = None;
        let mut findings = Vec::new();
        let mut local_zones = Vec::new();
        for cand in &candidates {
            let feature = &self.features[cand.feature.0 as usize];
            let local_feature = LocalFeature::new(cand, feature.geometry.area(), frame);
            let Some(distance) = local_feature.distance_to(&local) else {
                continue;
            };
            for (rule_idx, zone) in &feature.zones {
                if distance >= zone.limit.reach()
                    && !matches!(zone.limit, aimaq_rules::Limit::Overlap)
                {
                    continue;
                }
                let rule = &self.catalog.rules()[*rule_idx];
                let cell = rule.regime().cell_for(land_use, &feature.attributes);
                let Some(severity) = cell.regime.severity() else {
                    // the zone does not restrict this use
                    continue;
                };
                if matches!(zone.limit, aimaq_rules::Limit::BySettlement { .. }) && split.is_none()
                {
                    split = Some(refine::SettlementSplit::new(
                        &local,
                        &self.settlement_index.query(query_box),
                        &self.settlements,
                        frame,
                    ));
                }
                if let Some(hit) = refine::evaluate(
                    severity,
                    zone,
                    &local_feature,
                    &local,
                    distance,
                    split.as_ref(),
                ) {
                    let geometry = frame.world(&hit.encumbered);
                    local_zones.push((hit.severity, hit.encumbered.clone()));
                    let context = FindingContext {
                        catalog: &self.catalog,
                        lang: self.lang,
                        rule,
                        feature,
                        zone,
                        land_use,
                        cell,
                    };
                    findings.push(Finding::new(&context, area_m2, hit, geometry, messages));
                }
            }
        }
        let verdict = Verdict::from_severities(findings.iter().map(|f| f.severity));
        // in the parcel's frame, where the boolean operations are exact
        let zones: Vec<_> = local_zones.iter().map(|(s, g)| (*s, g)).collect();
        let encumbrance = Encumbrance::of(&zones, area_m2);
        ParcelReport {
            id: parcel.id.clone(),
            proposed_use: parcel.proposed_use.clone(),
            verdict,
            area_m2,
            findings,
            encumbrance: Some(encumbrance),
            error: None,
        }
    }
}

/// The bounding box, in metres, of every feature with a finite geometry: the extent
/// [`Engine::extent`] reports (`None` when no feature has one).
pub fn dataset_extent(features: &[ConstraintFeature]) -> Option<Rect<f64>> {
    features
        .iter()
        .filter_map(|f| f.geometry.as_ref().ok())
        .filter_map(|g| g.geometry().bounding_rect())
        .filter(|b| {
            [b.min().x, b.min().y, b.max().x, b.max().y]
                .iter()
                .all(|v| v.is_finite())
        })
        .reduce(|e, b| {
            Rect::new(
                (e.min().x.min(b.min().x), e.min().y.min(b.min().y)),
                (e.max().x.max(b.max().x), e.max().y.max(b.max().y)),
            )
        })
}
