//! The regulation catalog: layers, rules and named objects, loaded from TOML.

use crate::attributes::{AttributeSpec, AttributeType};
use crate::citation::Citation;
use crate::severity::Severity;
use crate::width::{Condition, RawWidth, SourcedWidth, WidthRule};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use thiserror::Error;

/// The catalog shipped with aimaq: the Almaty agglomeration scheme of 2020.
pub const EMBEDDED_CATALOG: &str = include_str!("../../../data/regulations/almaty-2020.toml");

/// A catalog that cannot be used.
#[derive(Debug, Error)]
pub enum CatalogError {
    /// The TOML does not parse into the catalog's shape.
    #[error("catalog does not parse: {0}")]
    Parse(#[from] toml::de::Error),
    /// The TOML parses but contradicts itself.
    #[error("catalog is inconsistent: {0}")]
    Invalid(String),
}

/// Which geometries a layer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerGeometry {
    /// (Multi)LineString.
    Line,
    /// (Multi)Polygon.
    Polygon,
    /// Either; polygons are areas (zones include them), lines are axes.
    LineOrPolygon,
}

impl LayerGeometry {
    /// Human words for error messages.
    pub fn describe(self) -> &'static str {
        match self {
            LayerGeometry::Line => "LineString or MultiLineString",
            LayerGeometry::Polygon => "Polygon or MultiPolygon",
            LayerGeometry::LineOrPolygon => "LineString, MultiLineString, Polygon or MultiPolygon",
        }
    }
}

/// One layer of the constraint dataset contract.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerSpec {
    /// File stem and layer name, e.g. `railways`.
    pub name: String,
    /// Allowed geometry.
    pub geometry: LayerGeometry,
    /// What one feature is called in messages, e.g. `railway`.
    pub title: String,
    /// Known attributes; others are reported.
    pub attributes: Vec<AttributeSpec>,
}

/// A spatial rule: a zone around the features of one layer.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    /// Stable id, e.g. `rail.control_zone`.
    pub id: String,
    /// The layer whose features carry the zone.
    pub layer: String,
    /// Human title.
    pub title: String,
    /// Severity of entering the zone for generic construction.
    pub severity: Severity,
    /// Why that severity.
    pub severity_basis: String,
    /// The reference line the width is measured from.
    pub measured_from: String,
    /// The rule's source.
    pub citation: Citation,
    /// How the width is found for a feature.
    pub width: WidthRule,
    /// An attribute that moves the reference line away from the stored geometry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<Offset>,
}

/// The reference line lies `factor × attribute` metres outside the stored geometry
/// (a right-of-way half width, an outer wire).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offset {
    /// Attribute holding the distance in metres.
    pub attribute: String,
    /// Multiplier, e.g. 0.5 for a full right-of-way width.
    pub factor: f64,
}

/// An object whose widths an act fixes by name (Kapshagay, the rivers of decree 246/2011,
/// the reserved corridors).
#[derive(Debug, Clone, Serialize)]
pub struct NamedObject {
    /// Layer (table) it belongs to.
    pub table: String,
    /// Stable key.
    pub key: String,
    /// Names a feature may carry to be recognised, in any of kk/ru/en.
    pub names: Vec<String>,
    /// The act that fixes the widths.
    pub act: String,
    /// Reference line or scope remarks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Widths by attribute name (`belt_m`, `zone_m`, `corridor_m`).
    pub widths: BTreeMap<String, SourcedWidth>,
}

/// Catalog header.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogInfo {
    /// Stable id, e.g. `almaty-2020`.
    pub id: String,
    /// Title of the scheme.
    pub title: String,
    /// The approving act.
    pub act: String,
    /// Amending acts.
    #[serde(default)]
    pub amendments: Vec<String>,
    /// The text the line numbers refer to.
    pub source: String,
}

/// A loaded, checked regulation catalog.
///
/// ```
/// let catalog = aimaq_rules::Catalog::embedded();
/// let rail = catalog.rule("rail.control_zone").unwrap();
/// assert_eq!(rail.layer, "railways");
/// assert_eq!(rail.citation.scheme.as_deref(), Some("L256-263"));
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct Catalog {
    /// Header.
    pub info: CatalogInfo,
    /// Layers of the dataset contract.
    pub layers: Vec<LayerSpec>,
    /// Rules, in catalog order.
    pub rules: Vec<Rule>,
    /// Named objects.
    pub named: Vec<NamedObject>,
    #[serde(skip)]
    named_index: HashMap<(String, String), usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    catalog: CatalogInfo,
    #[serde(default)]
    layer: Vec<LayerSpec>,
    #[serde(default)]
    rule: Vec<RawRule>,
    #[serde(default)]
    named: Vec<RawNamed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    layer: String,
    title: String,
    severity: Severity,
    severity_basis: String,
    measured_from: String,
    citation: Citation,
    width: RawWidthRule,
    offset: Option<Offset>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNamed {
    table: String,
    key: String,
    names: Vec<String>,
    act: String,
    reference: Option<String>,
    widths: BTreeMap<String, RawWidth>,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum RawWidthRule {
    Cases {
        cases: Vec<RawWidth>,
        override_attribute: Option<String>,
    },
    BySettlement {
        settlement_layer: String,
        inside: RawWidth,
        outside: RawWidth,
    },
    Attribute {
        attribute: String,
        #[serde(default = "one")]
        scale: f64,
        named: Option<String>,
        named_width: Option<String>,
        #[serde(default)]
        defaults: Vec<RawWidth>,
        fallback: Option<RawWidth>,
        missing: crate::width::MissingWidth,
        missing_note: Option<String>,
    },
    Overlap,
}

fn one() -> f64 {
    1.0
}

/// Normalises a feature name for matching: case, spacing and dash style ignored.
pub(crate) fn normalize_name(name: &str) -> String {
    let dashes = ['–', '—', '‒', '−', '-'];
    let mut out = String::with_capacity(name.len());
    for word in name.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for ch in word.chars() {
            if dashes.contains(&ch) {
                out.push('-');
            } else {
                out.extend(ch.to_lowercase());
            }
        }
    }
    out
}

impl Catalog {
    /// The catalog compiled into the crate (`data/regulations/almaty-2020.toml`).
    pub fn embedded() -> Catalog {
        Catalog::from_toml_str(EMBEDDED_CATALOG).expect("the embedded catalog is checked by tests")
    }

    /// Parses and checks a catalog.
    ///
    /// ```
    /// let err = aimaq_rules::Catalog::from_toml_str("[catalog]\nid = 1").unwrap_err();
    /// assert!(err.to_string().contains("does not parse"));
    /// ```
    pub fn from_toml_str(text: &str) -> Result<Catalog, CatalogError> {
        let raw: RawCatalog = toml::from_str(text)?;
        let invalid = |msg: String| CatalogError::Invalid(msg);

        let mut layer_names = HashMap::new();
        for (i, layer) in raw.layer.iter().enumerate() {
            if layer_names.insert(layer.name.clone(), i).is_some() {
                return Err(invalid(format!("layer `{}` is declared twice", layer.name)));
            }
            if !layer
                .attributes
                .iter()
                .any(|a| a.name == "id" && a.required)
            {
                return Err(invalid(format!("layer `{}` must require `id`", layer.name)));
            }
        }

        let mut named = Vec::new();
        let mut named_index = HashMap::new();
        for raw_named in raw.named {
            if !layer_names.contains_key(&raw_named.table) {
                return Err(invalid(format!(
                    "named object `{}` refers to unknown layer `{}`",
                    raw_named.key, raw_named.table
                )));
            }
            let mut widths = BTreeMap::new();
            for (attr, w) in raw_named.widths {
                let ctx = format!("named object `{}` width `{attr}`", raw_named.key);
                let w = w
                    .into_sourced(Some(&raw_named.act), &ctx)
                    .map_err(invalid)?;
                widths.insert(attr, w);
            }
            let idx = named.len();
            for name in &raw_named.names {
                let key = (raw_named.table.clone(), normalize_name(name));
                if named_index.insert(key, idx).is_some() {
                    return Err(invalid(format!(
                        "name `{name}` is used by two named objects"
                    )));
                }
            }
            named.push(NamedObject {
                table: raw_named.table,
                key: raw_named.key,
                names: raw_named.names,
                act: raw_named.act,
                reference: raw_named.reference,
                widths,
            });
        }

        let mut rules: Vec<Rule> = Vec::new();
        for r in raw.rule {
            if rules.iter().any(|x| x.id == r.id) {
                return Err(invalid(format!("rule `{}` is declared twice", r.id)));
            }
            let Some(&layer_idx) = layer_names.get(&r.layer) else {
                return Err(invalid(format!(
                    "rule `{}` refers to unknown layer `{}`",
                    r.id, r.layer
                )));
            };
            let layer = &raw.layer[layer_idx];
            let has_attr = |name: &str| layer.attributes.iter().any(|a| a.name == name);
            let ctx = |what: &str| format!("rule `{}` {what}", r.id);
            let width = match r.width {
                RawWidthRule::Cases {
                    cases,
                    override_attribute,
                } => {
                    let mut typed = Vec::new();
                    for (i, c) in cases.into_iter().enumerate() {
                        for attr in c.when.keys() {
                            if !has_attr(attr) {
                                return Err(invalid(ctx(&format!(
                                    "case {i} tests unknown attribute `{attr}`"
                                ))));
                            }
                        }
                        let when: Vec<(String, Condition)> = c.when.clone().into_iter().collect();
                        let w = c
                            .into_sourced(None, &ctx(&format!("case {i}")))
                            .map_err(invalid)?;
                        if w.value.is_range() {
                            return Err(invalid(ctx(&format!("case {i} must be a single width"))));
                        }
                        typed.push((when, w));
                    }
                    if typed.is_empty() {
                        return Err(invalid(ctx("has no cases")));
                    }
                    if let Some(a) = &override_attribute {
                        if !has_attr(a) {
                            return Err(invalid(ctx(&format!(
                                "overrides with unknown attribute `{a}`"
                            ))));
                        }
                    }
                    WidthRule::Cases {
                        cases: typed,
                        override_attribute,
                    }
                }
                RawWidthRule::BySettlement {
                    settlement_layer,
                    inside,
                    outside,
                } => {
                    match layer_names.get(&settlement_layer) {
                        Some(&i) if raw.layer[i].geometry == LayerGeometry::Polygon => {}
                        _ => {
                            return Err(invalid(ctx(&format!(
                                "needs polygon layer `{settlement_layer}`"
                            ))))
                        }
                    }
                    let inside = inside.into_sourced(None, &ctx("inside")).map_err(invalid)?;
                    let outside = outside
                        .into_sourced(None, &ctx("outside"))
                        .map_err(invalid)?;
                    if inside.value.is_range() || outside.value.is_range() {
                        return Err(invalid(ctx("inside/outside must be single widths")));
                    }
                    WidthRule::BySettlement {
                        settlement_layer,
                        inside,
                        outside,
                    }
                }
                RawWidthRule::Attribute {
                    attribute,
                    scale,
                    named: named_table,
                    named_width,
                    defaults,
                    fallback,
                    missing,
                    missing_note,
                } => {
                    if !has_attr(&attribute) {
                        return Err(invalid(ctx(&format!(
                            "reads unknown attribute `{attribute}`"
                        ))));
                    }
                    if !(scale.is_finite() && scale > 0.0) {
                        return Err(invalid(ctx("scale must be positive")));
                    }
                    if named_table.is_some() != named_width.is_some() {
                        return Err(invalid(ctx(
                            "needs both `named` and `named_width`, or neither",
                        )));
                    }
                    if let (Some(t), Some(w)) = (&named_table, &named_width) {
                        if !named
                            .iter()
                            .any(|n| &n.table == t && n.widths.contains_key(w))
                        {
                            return Err(invalid(ctx(&format!(
                                "no named object of `{t}` has `{w}`"
                            ))));
                        }
                    }
                    let mut typed_defaults = Vec::new();
                    for (i, d) in defaults.into_iter().enumerate() {
                        for attr in d.when.keys() {
                            if !has_attr(attr) {
                                return Err(invalid(ctx(&format!(
                                    "default {i} tests unknown attribute `{attr}`"
                                ))));
                            }
                        }
                        let when: Vec<(String, Condition)> = d.when.clone().into_iter().collect();
                        let w = d
                            .into_sourced(None, &ctx(&format!("default {i}")))
                            .map_err(invalid)?;
                        typed_defaults.push((when, w));
                    }
                    let fallback = fallback
                        .map(|f| f.into_sourced(None, &ctx("fallback")))
                        .transpose()
                        .map_err(invalid)?;
                    WidthRule::Attribute {
                        attribute,
                        scale,
                        named: named_table.zip(named_width),
                        defaults: typed_defaults,
                        fallback,
                        missing,
                        missing_note,
                    }
                }
                RawWidthRule::Overlap => {
                    if layer.geometry != LayerGeometry::Polygon {
                        return Err(invalid(ctx("overlap needs a polygon layer")));
                    }
                    WidthRule::Overlap
                }
            };
            if let Some(off) = &r.offset {
                if !(has_attr(&off.attribute) && off.factor.is_finite() && off.factor > 0.0) {
                    return Err(invalid(ctx(
                        "offset needs a known attribute and a positive factor",
                    )));
                }
            }
            rules.push(Rule {
                id: r.id,
                layer: r.layer,
                title: r.title,
                severity: r.severity,
                severity_basis: r.severity_basis,
                measured_from: r.measured_from,
                citation: r.citation,
                width,
                offset: r.offset,
            });
        }

        Ok(Catalog {
            info: raw.catalog,
            layers: raw.layer,
            rules,
            named,
            named_index,
        })
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The layer spec with this name.
    pub fn layer(&self, name: &str) -> Option<&LayerSpec> {
        self.layers.iter().find(|l| l.name == name)
    }

    /// Rules that apply to features of `layer`, in catalog order.
    pub fn rules_for_layer<'a>(&'a self, layer: &'a str) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules.iter().filter(move |r| r.layer == layer)
    }

    /// Layers whose polygons decide which width applies (settlements for the railway rule).
    pub fn condition_layers(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .rules
            .iter()
            .filter_map(|r| match &r.width {
                WidthRule::BySettlement {
                    settlement_layer, ..
                } => Some(settlement_layer.as_str()),
                _ => None,
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The named object of `table` called `name` (case, spacing and dashes ignored).
    ///
    /// ```
    /// let catalog = aimaq_rules::Catalog::embedded();
    /// let turgen = catalog.named("water_bodies", "TURGEN  river").unwrap();
    /// assert_eq!(turgen.key, "turgen");
    /// ```
    pub fn named(&self, table: &str, name: &str) -> Option<&NamedObject> {
        self.named_index
            .get(&(table.to_string(), normalize_name(name)))
            .map(|&i| &self.named[i])
    }
}

impl LayerSpec {
    /// Checks a feature's attributes against the contract: required present, types right,
    /// nothing unknown. Returns one message per problem.
    pub fn attribute_problems(&self, attributes: &crate::Attributes) -> Vec<String> {
        let mut problems = Vec::new();
        for spec in &self.attributes {
            match attributes.get(&spec.name) {
                None | Some(serde_json::Value::Null) if spec.required => {
                    problems.push(format!("missing required attribute `{}`", spec.name))
                }
                None | Some(serde_json::Value::Null) => {}
                Some(value) => {
                    if !spec.kind.accepts(value) {
                        problems.push(format!(
                            "attribute `{}` must be a {}, found {}",
                            spec.name,
                            spec.kind.describe(),
                            value
                        ));
                    }
                }
            }
        }
        for key in attributes.keys() {
            if !self.attributes.iter().any(|a| &a.name == key) {
                let known: Vec<&str> = self.attributes.iter().map(|a| a.name.as_str()).collect();
                problems.push(format!(
                    "unknown attribute `{key}` (layer `{}` knows: {})",
                    self.name,
                    known.join(", ")
                ));
            }
        }
        problems
    }

    /// Type of a known attribute.
    pub fn attribute_type(&self, name: &str) -> Option<AttributeType> {
        self.attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_loads_with_every_hard_constraint() {
        let c = Catalog::embedded();
        for id in [
            "rail.control_zone",
            "power.protection_zone",
            "water.belt",
            "water.zone",
            "water_conduit.sanitary_belt",
            "gas.protection_zone",
            "road.reserved_corridor",
            "spna.territory",
        ] {
            let rule = c.rule(id).unwrap_or_else(|| panic!("{id} missing"));
            assert!(!rule.citation.act.is_empty(), "{id} has no act");
            assert!(rule.citation.scheme.is_some(), "{id} has no scheme lines");
        }
        assert_eq!(
            c.named
                .iter()
                .filter(|n| n.table == "road_corridors")
                .count(),
            12
        );
        assert_eq!(c.condition_layers(), vec!["settlements"]);
    }

    #[test]
    fn every_named_width_cites_scheme_lines() {
        let c = Catalog::embedded();
        for n in &c.named {
            for (attr, w) in &n.widths {
                assert!(
                    w.citation.scheme.is_some(),
                    "{}.{attr} has no scheme lines",
                    n.key
                );
                assert_eq!(w.citation.act, n.act);
            }
        }
    }

    #[test]
    fn names_match_ignoring_case_space_and_dash_style() {
        let c = Catalog::embedded();
        let a = c
            .named("road_corridors", "western europe - western china")
            .unwrap();
        assert_eq!(a.key, "western_europe_western_china");
        assert!(c.named("water_bodies", "Үлкен Алматы өзені").is_some());
        assert!(c.named("water_bodies", "Kaskelen").is_none());
    }

    #[test]
    fn inconsistent_catalogs_are_refused() {
        let base = EMBEDDED_CATALOG;
        let dup = format!("{base}\n[[rule]]\nid = \"spna.territory\"\nlayer = \"protected_areas\"\ntitle = \"x\"\nseverity = \"review\"\nseverity_basis = \"x\"\nmeasured_from = \"x\"\ncitation = {{ act = \"x\" }}\nwidth = {{ kind = \"overlap\" }}\n");
        let err = Catalog::from_toml_str(&dup).unwrap_err().to_string();
        assert!(err.contains("declared twice"), "{err}");

        let bad_layer = base.replace("layer = \"gas_pipelines\"\ntitle", "layer = \"gas\"\ntitle");
        let err = Catalog::from_toml_str(&bad_layer).unwrap_err().to_string();
        assert!(err.contains("unknown layer `gas`"), "{err}");

        let negative = base.replace("m = 50, act = \"Law", "m = -50, act = \"Law");
        let err = Catalog::from_toml_str(&negative).unwrap_err().to_string();
        assert!(err.contains("positive"), "{err}");
    }
}
