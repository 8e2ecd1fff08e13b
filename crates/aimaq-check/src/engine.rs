//! Builds the index over a constraint dataset and checks parcels against it.

use crate::finding::FindingInput;
use crate::geometry::{line_problem, polygon_problem};
use crate::refine::{self, LocalFeature};
use crate::{Encumbrance, Finding, ParcelReport, Projected, Verdict};
use aimaq_index::{ConstraintIndex, FeatureId, IndexBuilder};
use aimaq_rules::{fill, Attributes, Catalog, DataIssue, IssueLevel, Lang, LayerGeometry, Zone};
use geo::{Area, BoundingRect, Geometry, MultiLineString, MultiPolygon, Translate};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// One feature of a constraint layer, as a reader hands it over.
#[derive(Debug, Clone)]
pub struct ConstraintFeature {
    /// Layer name from the dataset contract, e.g. `railways`.
    pub layer: String,
    /// Properties; `id` among them.
    pub attributes: Attributes,
    /// Geometry in metres, or the reader's reason why there is none.
    pub geometry: Result<Projected<Geometry<f64>>, String>,
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

/// A feature ready for refinement.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub layer: String,
    pub id: String,
    pub name: Option<String>,
    /// Its attributes, which regime cells may test (`subzone`, `kind`, …).
    pub attributes: Attributes,
    /// Polygon features: the area (zones include it).
    pub area: Option<MultiPolygon<f64>>,
    /// `(rule index in the catalog, resolved zone)`.
    pub zones: Vec<(usize, Zone)>,
}

/// Counts of what the dataset held.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DatasetStats {
    /// Features read, by layer.
    pub features_by_layer: BTreeMap<String, usize>,
    /// Features usable for checking.
    pub features_used: usize,
    /// Segments in the index.
    pub indexed_segments: usize,
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
///     attributes: serde_json::json!({"id": "pl-1", "name": "Alma – Robot", "voltage_kv": 500})
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
/// assert_eq!(near.verdict, Verdict::Prohibited);
/// let f = &near.findings[0];
/// assert_eq!((f.rule.as_str(), f.limit_m), ("power.protection_zone", 30.0));
/// assert!((f.distance_m - 29.9).abs() < 1e-9);
/// assert!((f.encumbered_m2 - 0.1 * 40.0).abs() < 1e-3); // a 0.1 m × 40 m strip
/// assert_eq!(engine.check(&lot("far", 30.1)).verdict, Verdict::Clear);
/// ```
pub struct Engine {
    catalog: Catalog,
    crs: String,
    features: Vec<Prepared>,
    index: ConstraintIndex,
    settlements: Vec<MultiPolygon<f64>>,
    settlement_index: ConstraintIndex,
    issues: Vec<DataIssue>,
    stats: DatasetStats,
    lang: Lang,
    pub(crate) limits: crate::Limits,
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
        let mut issues = Vec::new();
        let mut prepared = Vec::new();
        let mut settlements = Vec::new();
        let mut stats = DatasetStats::default();
        let mut seen: HashSet<(String, String)> = HashSet::new();
        let condition_layers: Vec<String> = catalog
            .condition_layers()
            .into_iter()
            .map(String::from)
            .collect();

        let mut builder = IndexBuilder::new();
        let mut settlement_builder = IndexBuilder::new();

        for feature in features {
            // 0-based position within its layer, for features without an id
            let count = stats
                .features_by_layer
                .entry(feature.layer.clone())
                .or_default();
            let ordinal = *count;
            *count += 1;

            let id = match feature.attributes.get("id") {
                Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
                _ => None,
            };
            let label = id.clone().unwrap_or_else(|| format!("#{ordinal}"));
            let mut issue = |level: IssueLevel, rule: Option<&str>, message: String| {
                issues.push(DataIssue {
                    level,
                    layer: feature.layer.clone(),
                    feature: label.clone(),
                    rule: rule.map(String::from),
                    message,
                })
            };

            let Some(spec) = catalog.layer(&feature.layer) else {
                let known: Vec<&str> = catalog.layers.iter().map(|l| l.name.as_str()).collect();
                issue(
                    IssueLevel::Error,
                    None,
                    format!("unknown layer (the catalog knows: {})", known.join(", ")),
                );
                continue;
            };
            for problem in spec.attribute_problems(&feature.attributes) {
                issue(IssueLevel::Error, None, problem);
            }
            let Some(id) = id else {
                // reported above as a missing or mistyped `id`; findings need an id
                continue;
            };
            if !seen.insert((feature.layer.clone(), id.clone())) {
                issue(
                    IssueLevel::Error,
                    None,
                    format!("duplicate id `{id}` in layer `{}`: findings cannot tell the features apart", feature.layer),
                );
            }

            let geometry = match feature.geometry {
                Ok(g) => g.into_inner(),
                Err(reason) => {
                    issue(
                        IssueLevel::Error,
                        None,
                        format!("{reason}: feature left out"),
                    );
                    continue;
                }
            };
            let (lines, area) = match (spec.geometry, geometry) {
                (LayerGeometry::Line | LayerGeometry::LineOrPolygon, Geometry::LineString(l)) => {
                    (Some(MultiLineString(vec![l])), None)
                }
                (
                    LayerGeometry::Line | LayerGeometry::LineOrPolygon,
                    Geometry::MultiLineString(l),
                ) => (Some(l), None),
                (LayerGeometry::Polygon | LayerGeometry::LineOrPolygon, Geometry::Polygon(p)) => {
                    (None, Some(MultiPolygon(vec![p])))
                }
                (
                    LayerGeometry::Polygon | LayerGeometry::LineOrPolygon,
                    Geometry::MultiPolygon(p),
                ) => (None, Some(p)),
                (expected, other) => {
                    issue(
                        IssueLevel::Error,
                        None,
                        format!(
                            "geometry is a {}, layer `{}` takes {}: feature left out",
                            geometry_name(&other),
                            spec.name,
                            expected.describe()
                        ),
                    );
                    continue;
                }
            };
            let problem = match (&lines, &area) {
                (Some(l), _) => line_problem(l),
                (_, Some(a)) => polygon_problem(a),
                _ => unreachable!(),
            };
            if let Err(reason) = problem {
                issue(
                    IssueLevel::Error,
                    None,
                    format!("{reason}: feature left out"),
                );
                continue;
            }

            let name = feature
                .attributes
                .get("name")
                .and_then(|v| v.as_str())
                .map(String::from);
            if condition_layers.contains(&feature.layer) {
                if let Some(a) = &area {
                    let fid = FeatureId(settlements.len() as u32);
                    let mut part = 0;
                    for p in &a.0 {
                        part = settlement_builder.add_polygon(fid, part, p, 0.0);
                    }
                    settlements.push(a.clone());
                }
            }

            if let Some(zoning) = catalog.zoning.as_ref().filter(|z| z.layer == feature.layer) {
                let subzone = feature.attributes.get("subzone").and_then(|v| v.as_str());
                let group = feature.attributes.get("group").and_then(|v| v.as_f64());
                if let (Some(code), Some(group)) = (subzone.and_then(|c| zoning.subzone(c)), group)
                {
                    if f64::from(code.group) != group {
                        issue(
                            IssueLevel::Error,
                            None,
                            format!(
                                "sub-zone `{}` belongs to group {}, the feature says group {group}",
                                code.code, code.group
                            ),
                        );
                    }
                }
            }

            let mut zones = Vec::new();
            for (rule_idx, rule) in catalog.rules.iter().enumerate() {
                if rule.layer != feature.layer || !rule.applies_to(&feature.attributes) {
                    continue;
                }
                let res = rule.resolve(&catalog, &feature.attributes);
                for (is_error, msg) in res.problems {
                    let level = if is_error {
                        IssueLevel::Error
                    } else {
                        IssueLevel::Warning
                    };
                    issue(level, Some(&rule.id), msg);
                }
                if let Some(zone) = res.zone {
                    zones.push((rule_idx, zone));
                }
            }
            if zones.is_empty() {
                continue;
            }
            let reach = zones
                .iter()
                .map(|(_, z)| z.limit.reach())
                .fold(0.0, f64::max);
            let fid = FeatureId(prepared.len() as u32);
            if let Some(l) = &lines {
                for (part, line) in l.0.iter().enumerate() {
                    builder.add_line_string(fid, part as u32, line, reach);
                }
            }
            if let Some(a) = &area {
                let mut part = 0;
                for p in &a.0 {
                    part = builder.add_polygon(fid, part, p, reach);
                }
            }
            prepared.push(Prepared {
                layer: feature.layer.clone(),
                id,
                name,
                attributes: feature.attributes,
                area,
                zones,
            });
        }

        let index = builder.build();
        stats.features_used = prepared.len();
        stats.indexed_segments = index.segment_count();
        Engine {
            catalog,
            crs: crs.into(),
            features: prepared,
            index,
            settlements,
            settlement_index: settlement_builder.build(),
            issues,
            stats,
            lang: Lang::default(),
            limits: crate::Limits::default(),
        }
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

    /// Checks one parcel. Never panics: an internal failure becomes the parcel's error.
    pub fn check(&self, parcel: &Parcel) -> ParcelReport {
        match catch_unwind(AssertUnwindSafe(|| self.check_inner(parcel))) {
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

    fn check_inner(&self, parcel: &Parcel) -> ParcelReport {
        let world = parcel.geometry.geometry();
        let within_limits = self.limits.check(world);
        if let Err(reason) = within_limits.and_then(|_| polygon_problem(world)) {
            return ParcelReport::error(&parcel.id, parcel.proposed_use.clone(), reason);
        }
        let land_use = match self.catalog.resolve_use(parcel.proposed_use.as_deref()) {
            Ok(u) => u,
            Err(_) => {
                let stated = parcel.proposed_use.as_deref().unwrap_or_default().trim();
                let allowed: Vec<&str> =
                    self.catalog.uses.iter().map(|u| u.code.as_str()).collect();
                return ParcelReport::error(
                    &parcel.id,
                    parcel.proposed_use.clone(),
                    fill(
                        self.catalog.message("error.unknown_use", self.lang),
                        &[("code", stated), ("allowed", &allowed.join(", "))],
                    ),
                );
            }
        };
        let bbox = world.bounding_rect().expect("validated non-empty");
        // Refine in a frame centred on the parcel: boolean operations snap to a grid
        // scaled to their inputs' extent, which loses centimetres at UTM magnitudes.
        let origin = bbox.center();
        let local = crate::local::LocalParcel::new(world.translate(-origin.x, -origin.y));
        let area_m2 = local.unsigned_area();

        let candidates = self.index.query(bbox);
        let mut split: Option<refine::SettlementSplit> = None;
        let mut findings = Vec::new();
        let mut local_zones = Vec::new();
        for cand in &candidates {
            let feature = &self.features[cand.feature.0 as usize];
            let local_feature = LocalFeature::new(cand, feature.area.as_ref(), origin);
            let Some(distance) = local_feature.distance_to(&local) else {
                continue;
            };
            for (rule_idx, zone) in &feature.zones {
                if distance >= zone.limit.reach()
                    && !matches!(zone.limit, aimaq_rules::Limit::Overlap)
                {
                    continue;
                }
                let rule = &self.catalog.rules[*rule_idx];
                let cell = rule.regime.cell_for(land_use, &feature.attributes);
                let Some(severity) = cell.regime.severity() else {
                    // the zone does not restrict this use
                    continue;
                };
                if matches!(zone.limit, aimaq_rules::Limit::BySettlement { .. }) && split.is_none()
                {
                    split = Some(refine::SettlementSplit::new(
                        &local,
                        &self.settlement_index.query(bbox),
                        &self.settlements,
                        origin,
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
                    let geometry = hit.encumbered.translate(origin.x, origin.y);
                    local_zones.push((hit.severity, hit.encumbered.clone()));
                    let input = FindingInput {
                        catalog: &self.catalog,
                        lang: self.lang,
                        rule,
                        feature,
                        zone,
                        land_use,
                        cell,
                        parcel_area_m2: area_m2,
                    };
                    findings.push(Finding::new(input, hit, geometry));
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

fn geometry_name(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) => "Line",
        Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) => "Polygon",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
        Geometry::Rect(_) => "Rect",
        Geometry::Triangle(_) => "Triangle",
    }
}
