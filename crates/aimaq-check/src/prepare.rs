//! Turns the features a reader hands over into features ready for checking: layer and
//! attributes checked, id unique, geometry of the layer's kind and measurable, every rule
//! of the layer resolved to its zone. Every problem becomes a [`DataIssue`]; a feature is
//! left out only when it cannot be measured or named.

use crate::geometry::{line_problem, polygon_problem};
use crate::projected::Projected;
use aimaq_rules::{
    Attributes, Catalog, DataIssue, IssueLevel, LandUse, LayerGeometry, LayerSpec, RegimeCell,
    Rule, Zone,
};
use geo::{Geometry, MultiLineString, MultiPolygon};
use std::collections::{BTreeMap, HashSet};

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

/// A feature's geometry in metres, of the kind its layer allows.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureGeometry {
    /// An axis (railway, power line, river): zones run along it.
    Lines(MultiLineString<f64>),
    /// An area: zones include it.
    Area(MultiPolygon<f64>),
}

impl FeatureGeometry {
    /// The area, for polygon features.
    pub fn area(&self) -> Option<&MultiPolygon<f64>> {
        match self {
            FeatureGeometry::Area(a) => Some(a),
            FeatureGeometry::Lines(_) => None,
        }
    }

    /// The lines, for line features.
    pub fn lines(&self) -> Option<&MultiLineString<f64>> {
        match self {
            FeatureGeometry::Lines(l) => Some(l),
            FeatureGeometry::Area(_) => None,
        }
    }
}

impl From<&FeatureGeometry> for Geometry<f64> {
    fn from(g: &FeatureGeometry) -> Geometry<f64> {
        match g {
            FeatureGeometry::Lines(l) => Geometry::MultiLineString(l.clone()),
            FeatureGeometry::Area(a) => Geometry::MultiPolygon(a.clone()),
        }
    }
}

/// A feature ready for refinement.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub layer: String,
    pub id: String,
    pub name: Option<String>,
    /// Its attributes, which regime cells may test (`subzone`, `kind`, …).
    pub attributes: Attributes,
    pub geometry: FeatureGeometry,
    /// `(rule index in the catalog, resolved zone)`.
    pub zones: Vec<(usize, Zone)>,
    /// The widest zone: how far from the feature a parcel can still be affected.
    pub reach: f64,
}

/// One zone the engine checks parcels against: a rule resolved for one feature.
///
/// ```
/// use aimaq_check::{ConstraintFeature, Engine, Projected};
/// use aimaq_rules::{Catalog, Limit, Regime};
/// use geo::{line_string, Geometry};
///
/// let line = ConstraintFeature {
///     layer: "power_lines".into(),
///     attributes: serde_json::json!({"id": "pl-1", "voltage_kv": 500})
///         .as_object().unwrap().clone(),
///     geometry: Ok(Projected::assume_metres(Geometry::from(
///         line_string![(x: 0.0, y: 0.0), (x: 1000.0, y: 0.0)]))),
/// };
/// let engine = Engine::new(Catalog::embedded(), "EPSG:32643", vec![line]);
/// let zone = engine.zones().next().unwrap();
/// assert_eq!((zone.rule.id(), zone.feature), ("power.protection_zone", "pl-1"));
/// assert_eq!(zone.zone.limit, Limit::Fixed { m: 30.0 });
/// assert!(zone.geometry.lines().is_some());
/// let shop = engine.catalog().land_use("commercial").unwrap();
/// // the scheme gives the width, not a ban (L270-275): the operator's consent decides
/// assert_eq!(zone.cell_for(shop).regime, Regime::Conditional);
/// // for a house it turns on sanitary rules the scheme names but does not give (L270-271)
/// let house = engine.catalog().land_use("residential").unwrap();
/// assert_eq!(zone.cell_for(house).regime, Regime::Review);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ResolvedZone<'a> {
    /// The feature's layer.
    pub layer: &'a str,
    /// The feature's id.
    pub feature: &'a str,
    /// The feature's name, if it has one.
    pub name: Option<&'a str>,
    /// The feature's attributes.
    pub attributes: &'a Attributes,
    /// The feature's geometry, in the engine's metres.
    pub geometry: &'a FeatureGeometry,
    /// The rule.
    pub rule: &'a Rule,
    /// The rule resolved for the feature: limit, offset, citation.
    pub zone: &'a Zone,
}

impl<'a> ResolvedZone<'a> {
    /// The regime cell that decides `land_use` in this zone: the engine gives a finding
    /// only when its regime is not `allowed`.
    pub fn cell_for(&self, land_use: &LandUse) -> &'a RegimeCell {
        self.rule.regime().cell_for(land_use, self.attributes)
    }
}

/// A polygon of a layer that decides settlement-dependent widths (settlements for the
/// railway rule).
#[derive(Debug, Clone, Copy)]
pub struct Settlement<'a> {
    /// The layer.
    pub layer: &'a str,
    /// The feature's id.
    pub id: &'a str,
    /// Its name, if it has one (its `name` attribute).
    pub name: Option<&'a str>,
    /// Its attributes (`name_kk`, `name_ru`, …).
    pub attributes: &'a Attributes,
    /// Its area, in the engine's metres.
    pub area: &'a MultiPolygon<f64>,
}

/// Prepares a dataset's features one by one, keeping what was wrong and what was read.
pub(crate) struct Preparer<'a> {
    catalog: &'a Catalog,
    condition_layers: Vec<&'a str>,
    seen: HashSet<(String, String)>,
    issues: Vec<DataIssue>,
    stats: DatasetStats,
}

impl<'a> Preparer<'a> {
    pub(crate) fn new(catalog: &'a Catalog) -> Self {
        Preparer {
            catalog,
            condition_layers: catalog.condition_layers(),
            seen: HashSet::new(),
            issues: Vec::new(),
            stats: DatasetStats::default(),
        }
    }

    /// Whether `layer`'s polygons decide settlement-dependent widths.
    pub(crate) fn is_condition_layer(&self, layer: &str) -> bool {
        self.condition_layers.contains(&layer)
    }

    /// The feature ready for checking, or `None` when it cannot be (the reason is among
    /// the issues). A feature whose rules all failed to resolve comes back without zones.
    pub(crate) fn prepare(&mut self, feature: ConstraintFeature) -> Option<Prepared> {
        // 0-based position within its layer, for features without an id
        let count = self
            .stats
            .features_by_layer
            .entry(feature.layer.clone())
            .or_default();
        let ordinal = *count;
        *count += 1;

        let id = match feature.attributes.get("id") {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
            _ => None,
        };
        let mut issues = FeatureIssues {
            issues: &mut self.issues,
            layer: &feature.layer,
            feature: id.clone().unwrap_or_else(|| format!("#{ordinal}")),
        };

        let Some(spec) = self.catalog.layer(&feature.layer) else {
            let known: Vec<&str> = self
                .catalog
                .layers()
                .iter()
                .map(|l| l.name.as_str())
                .collect();
            issues.error(format!(
                "unknown layer (the catalog knows: {})",
                known.join(", ")
            ));
            return None;
        };
        for problem in spec.attribute_problems(&feature.attributes) {
            issues.error(problem.to_string());
        }
        // a blank id is a string, so no type problem above: say it, or the feature would
        // vanish without a word (found by fuzzing the dataset loader)
        if let Some(serde_json::Value::String(s)) = feature.attributes.get("id") {
            if s.trim().is_empty() {
                issues.error(
                    "attribute `id` is blank: feature left out (findings need an id)".into(),
                );
            }
        }
        // reported above as a missing, mistyped or blank `id`; findings need an id
        let id = id?;
        if !self.seen.insert((feature.layer.clone(), id.clone())) {
            issues.error(format!(
                "duplicate id `{id}` in layer `{}`: findings cannot tell the features apart",
                feature.layer
            ));
        }
        let geometry = match feature.geometry {
            Ok(g) => measurable_geometry(spec, g.into_inner()),
            Err(reason) => Err(reason),
        };
        let geometry = match geometry {
            Ok(g) => g,
            Err(reason) => {
                issues.error(format!("{reason}: feature left out"));
                return None;
            }
        };
        check_zoning_group(
            self.catalog,
            &feature.layer,
            &feature.attributes,
            &mut issues,
        );
        let zones = resolve_zones(
            self.catalog,
            &feature.layer,
            &feature.attributes,
            &mut issues,
        );
        let reach = zones
            .iter()
            .map(|(_, z)| z.limit.reach())
            .fold(0.0, f64::max);
        let name = feature
            .attributes
            .get("name")
            .and_then(|v| v.as_str())
            .map(String::from);
        Some(Prepared {
            layer: feature.layer,
            id,
            name,
            attributes: feature.attributes,
            geometry,
            zones,
            reach,
        })
    }

    /// The issues found, in input order, and the counts of what was read.
    pub(crate) fn finish(self) -> (Vec<DataIssue>, DatasetStats) {
        (self.issues, self.stats)
    }
}

/// Issues about one feature.
struct FeatureIssues<'a> {
    issues: &'a mut Vec<DataIssue>,
    layer: &'a str,
    /// Its id, or `#N` when it has none.
    feature: String,
}

impl FeatureIssues<'_> {
    fn push(&mut self, level: IssueLevel, rule: Option<&str>, message: String) {
        self.issues.push(DataIssue {
            level,
            layer: self.layer.to_string(),
            feature: self.feature.clone(),
            rule: rule.map(String::from),
            message,
        });
    }

    fn error(&mut self, message: String) {
        self.push(IssueLevel::Error, None, message);
    }
}

/// The geometry as the layer's kind (lines or area), or why it cannot be measured.
fn measurable_geometry(
    spec: &LayerSpec,
    geometry: Geometry<f64>,
) -> Result<FeatureGeometry, String> {
    let geometry = match (spec.geometry, geometry) {
        (LayerGeometry::Line | LayerGeometry::LineOrPolygon, Geometry::LineString(l)) => {
            FeatureGeometry::Lines(MultiLineString(vec![l]))
        }
        (LayerGeometry::Line | LayerGeometry::LineOrPolygon, Geometry::MultiLineString(l)) => {
            FeatureGeometry::Lines(l)
        }
        (LayerGeometry::Polygon | LayerGeometry::LineOrPolygon, Geometry::Polygon(p)) => {
            FeatureGeometry::Area(MultiPolygon(vec![p]))
        }
        (LayerGeometry::Polygon | LayerGeometry::LineOrPolygon, Geometry::MultiPolygon(p)) => {
            FeatureGeometry::Area(p)
        }
        (expected, other) => {
            return Err(format!(
                "geometry is a {}, layer `{}` takes {}",
                geometry_name(&other),
                spec.name,
                expected.describe()
            ))
        }
    };
    match &geometry {
        FeatureGeometry::Lines(l) => line_problem(l)?,
        FeatureGeometry::Area(a) => polygon_problem(a)?,
    }
    Ok(geometry)
}

/// A functional zone's `subzone` must belong to the `group` it states.
fn check_zoning_group(
    catalog: &Catalog,
    layer: &str,
    attributes: &Attributes,
    issues: &mut FeatureIssues<'_>,
) {
    let Some(zoning) = catalog.zoning().filter(|z| z.layer == layer) else {
        return;
    };
    let subzone = attributes.get("subzone").and_then(|v| v.as_str());
    let group = attributes.get("group").and_then(|v| v.as_f64());
    if let (Some(code), Some(group)) = (subzone.and_then(|c| zoning.subzone(c)), group) {
        if f64::from(code.group) != group {
            issues.error(format!(
                "sub-zone `{}` belongs to group {}, the feature says group {group}",
                code.code, code.group
            ));
        }
    }
}

/// Every rule of the layer that applies to the feature, resolved: `(rule index, zone)`.
/// The catalog resolves them together, so that a zone wider than the zone it lies inside
/// is refused ([`Catalog::resolve_feature`]).
fn resolve_zones(
    catalog: &Catalog,
    layer: &str,
    attributes: &Attributes,
    issues: &mut FeatureIssues<'_>,
) -> Vec<(usize, Zone)> {
    let mut zones = Vec::new();
    for (rule_idx, res) in catalog.resolve_feature(layer, attributes) {
        let rule = &catalog.rules()[rule_idx];
        for problem in res.problems {
            issues.push(problem.level(), Some(rule.id()), problem.to_string());
        }
        if let Some(zone) = res.zone {
            zones.push((rule_idx, zone));
        }
    }
    zones
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
