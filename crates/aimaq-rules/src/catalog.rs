//! The regulation catalog: layers, rules and named objects, loaded from TOML.

use crate::attributes::{AttributeSpec, AttributeType};
use crate::citation::Citation;
use crate::condition::Condition;
use crate::in_force::{Date, InForce, NotInForce};
use crate::land_use::LandUse;
use crate::lang::{Labels, Lang};
use crate::regime::{Regime, RegimeCell, RegimeMatrix};
use crate::severity::Severity;
use crate::width::{RawWidth, SourcedWidth, WidthRule};
use crate::zoning::Zoning;
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
    /// That name in the three languages.
    pub labels: Labels,
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
    /// Human title (English).
    pub title: String,
    /// Title in the three languages.
    pub labels: Labels,
    /// The worst outcome entering the zone can have, over all uses; the regime matrix
    /// gives each use's.
    pub severity: Severity,
    /// Why the regime is what it is for uses no specific cell lists.
    pub severity_basis: String,
    /// Only features meeting these conditions carry the zone (e.g. `kind = "seismic"`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub applies_when: Vec<(String, Condition)>,
    /// The period this wording is in force.
    pub in_force: InForce,
    /// What the zone means for each proposed use.
    pub regime: RegimeMatrix,
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
    /// The use assumed for a parcel that states none.
    pub default_use: String,
    /// When the catalog's rules are in force unless a rule says otherwise.
    pub in_force: InForce,
}

/// An approval or agreed project that makes a `conditional` use possible, in words.
///
/// ```
/// use aimaq_rules::{Catalog, Lang};
/// let catalog = Catalog::embedded();
/// let seismic = catalog.approval("seismic_design").unwrap();
/// assert!(seismic.labels.get(Lang::Ru).contains("СП РК 2.03-30-2017"));
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// Stable id, e.g. `agreed_project`.
    pub id: String,
    /// What is needed, in the three languages.
    pub labels: Labels,
}

/// Message fragments the engine and the reports put together; every catalog must give
/// them in kk, ru and en.
pub const MESSAGE_KEYS: &[&str] = &[
    "regime.prohibited",
    "regime.conditional",
    "regime.allowed",
    "severity.review",
    "verdict.clear",
    "verdict.review",
    "verdict.conditional",
    "verdict.prohibited",
    "verdict.error",
    "reason.inside_zone",
    "reason.inside_minimum",
    "reason.between_range",
    "reason.settlement_part",
    "reason.settlement_inside",
    "reason.settlement_outside",
    "reason.clear",
    "reason.overlap",
    "place.touches",
    "place.distance",
    "encumbered",
    "offset",
    "use_regime",
    "approval",
    "label.source",
    "label.regime_source",
    "label.encumbrance",
    "label.summary",
    "label.findings_by_rule",
    "label.dataset",
    "error.unknown_use",
    "label.measured_in",
    "label.as_of",
    "label.not_applied",
    "balance.title",
    "balance.zone",
    "balance.thousand_ha",
    "balance.total",
    "balance.appendix",
    "balance.category",
    "balance.measured",
    "balance.overlap",
];

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
    /// The vocabulary of proposed uses.
    pub uses: Vec<LandUse>,
    /// Approvals that conditional regimes refer to.
    pub approvals: Vec<Approval>,
    /// Message fragments in the three languages (see [`MESSAGE_KEYS`]).
    pub messages: BTreeMap<String, Labels>,
    /// Functional-zoning taxonomy and the planned land balance.
    pub zoning: Option<Zoning>,
    /// The date the catalog was taken as of ([`Catalog::as_of`]), if any.
    pub as_of: Option<Date>,
    /// Rules left out because they are not in force on `as_of`.
    pub not_in_force: Vec<NotInForce>,
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
    #[serde(default, rename = "use")]
    uses: Vec<LandUse>,
    #[serde(default)]
    approval: Vec<Approval>,
    #[serde(default)]
    messages: BTreeMap<String, Labels>,
    zoning: Option<Zoning>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegime {
    default: RawCell,
    #[serde(default)]
    cell: Vec<RawCell>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCell {
    #[serde(default = "all_uses")]
    uses: Vec<String>,
    #[serde(default)]
    when: BTreeMap<String, Condition>,
    regime: Regime,
    approval: Option<String>,
    basis: String,
    citation: Citation,
}

fn all_uses() -> Vec<String> {
    vec!["*".into()]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    layer: String,
    labels: Labels,
    measured_from: String,
    citation: Citation,
    width: RawWidthRule,
    offset: Option<Offset>,
    #[serde(default)]
    when: BTreeMap<String, Condition>,
    in_force: Option<InForce>,
    regime: RawRegime,
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

        let mut codes = std::collections::HashSet::new();
        let mut tags = std::collections::HashSet::new();
        for u in &raw.uses {
            if !codes.insert(u.code.as_str()) {
                return Err(invalid(format!("use `{}` is declared twice", u.code)));
            }
            if let Some(l) = u.labels.missing() {
                return Err(invalid(format!("use `{}` has no {l} label", u.code)));
            }
            tags.extend(u.tags.iter().map(String::as_str));
        }
        if !codes.contains(raw.catalog.default_use.as_str()) {
            return Err(invalid(format!(
                "default use `{}` is not in the vocabulary",
                raw.catalog.default_use
            )));
        }
        for a in &raw.approval {
            if let Some(l) = a.labels.missing() {
                return Err(invalid(format!("approval `{}` has no {l} text", a.id)));
            }
        }
        for key in MESSAGE_KEYS {
            match raw.messages.get(*key) {
                None => return Err(invalid(format!("message `{key}` is missing"))),
                Some(m) => {
                    if let Some(l) = m.missing() {
                        return Err(invalid(format!("message `{key}` has no {l} text")));
                    }
                }
            }
        }
        for layer in &raw.layer {
            if let Some(l) = layer.labels.missing() {
                return Err(invalid(format!("layer `{}` has no {l} label", layer.name)));
            }
        }
        if let Some(z) = &raw.zoning {
            z.check().map_err(invalid)?;
            if !layer_names.contains_key(&z.layer) {
                return Err(invalid(format!(
                    "zoning layer `{}` is not a layer",
                    z.layer
                )));
            }
        }
        let typed_cell = |c: RawCell,
                          ctx: &str,
                          has_attr: &dyn Fn(&str) -> bool|
         -> Result<RegimeCell, CatalogError> {
            for u in &c.uses {
                let known = u == "*"
                    || codes.contains(u.as_str())
                    || u.strip_prefix('#').is_some_and(|t| tags.contains(t));
                if !known {
                    return Err(invalid(format!("{ctx}: unknown use or tag `{u}`")));
                }
            }
            for attr in c.when.keys() {
                if !has_attr(attr) {
                    return Err(invalid(format!("{ctx}: tests unknown attribute `{attr}`")));
                }
            }
            match (&c.regime, &c.approval) {
                (Regime::Conditional, None) => {
                    return Err(invalid(format!(
                        "{ctx}: a conditional cell must name its approval"
                    )))
                }
                (Regime::Conditional, Some(a)) if !raw.approval.iter().any(|x| &x.id == a) => {
                    return Err(invalid(format!("{ctx}: unknown approval `{a}`")))
                }
                (Regime::Allowed | Regime::Prohibited, Some(_)) => {
                    return Err(invalid(format!(
                        "{ctx}: only conditional cells take an approval"
                    )))
                }
                _ => {}
            }
            if c.citation.act.trim().is_empty() {
                return Err(invalid(format!("{ctx}: the citation names no act")));
            }
            Ok(RegimeCell {
                uses: c.uses,
                when: c.when.into_iter().collect(),
                regime: c.regime,
                approval: c.approval,
                basis: c.basis,
                citation: c.citation,
            })
        };

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
            if let Some(l) = r.labels.missing() {
                return Err(invalid(ctx(&format!("has no {l} title"))));
            }
            for attr in r.when.keys() {
                if !has_attr(attr) {
                    return Err(invalid(ctx(&format!(
                        "applies when unknown attribute `{attr}`"
                    ))));
                }
            }
            let mut cells = Vec::new();
            for (i, c) in r.regime.cell.into_iter().enumerate() {
                cells.push(typed_cell(c, &ctx(&format!("regime cell {i}")), &has_attr)?);
            }
            let default = typed_cell(r.regime.default, &ctx("regime default"), &has_attr)?;
            if default.uses != ["*"] || !default.when.is_empty() {
                return Err(invalid(ctx(
                    "the regime default applies to every use, unconditionally",
                )));
            }
            let regime = RegimeMatrix { cells, default };
            let severity = regime
                .worst()
                .severity()
                .ok_or_else(|| invalid(ctx("allows every use: a rule must restrict something")))?;
            rules.push(Rule {
                id: r.id,
                layer: r.layer,
                title: r.labels.en.clone(),
                labels: r.labels,
                severity,
                severity_basis: regime.default.basis.clone(),
                measured_from: r.measured_from,
                citation: r.citation,
                width,
                offset: r.offset,
                applies_when: r.when.into_iter().collect(),
                in_force: r.in_force.unwrap_or_else(|| raw.catalog.in_force.clone()),
                regime,
            });
        }

        Ok(Catalog {
            info: raw.catalog,
            layers: raw.layer,
            rules,
            named,
            uses: raw.uses,
            approvals: raw.approval,
            messages: raw.messages,
            zoning: raw.zoning,
            as_of: None,
            not_in_force: Vec::new(),
            named_index,
        })
    }

    /// The catalog as in force on `date`: rules whose wording is not in force that day
    /// are left out and listed in [`Catalog::not_in_force`].
    ///
    /// ```
    /// let catalog = aimaq_rules::Catalog::embedded();
    /// let before = catalog.as_of("2023-06-01".parse().unwrap()).unwrap();
    /// assert!(before.rule("zoning.south_direction").is_none());
    /// assert_eq!(before.not_in_force[0].rule, "zoning.south_direction");
    /// let after = catalog.as_of("2025-06-01".parse().unwrap()).unwrap();
    /// assert!(after.rule("zoning.south_direction").is_some());
    /// // before the scheme itself, nothing of this catalog applies
    /// assert!(catalog.as_of("2019-01-01".parse().unwrap()).is_err());
    /// ```
    pub fn as_of(&self, date: Date) -> Result<Catalog, CatalogError> {
        if date < self.info.in_force.from {
            return Err(CatalogError::Invalid(format!(
                "{date} is before {} ({}): the catalog holds no wording in force then",
                self.info.in_force.from, self.info.in_force.act
            )));
        }
        let mut out = self.clone();
        out.as_of = Some(date);
        out.not_in_force.clear();
        let mut kept = Vec::new();
        for rule in out.rules.drain(..) {
            if rule.in_force.covers(date) {
                kept.push(rule);
            } else {
                out.not_in_force.push(NotInForce {
                    rule: rule.id.clone(),
                    in_force: rule.in_force.clone(),
                });
            }
        }
        out.rules = kept;
        Ok(out)
    }

    /// The use with this code.
    pub fn land_use(&self, code: &str) -> Option<&LandUse> {
        self.uses.iter().find(|u| u.code == code)
    }

    /// The use assumed when a parcel states none (`construction`).
    pub fn default_use(&self) -> &LandUse {
        self.land_use(&self.info.default_use)
            .expect("checked when the catalog was loaded")
    }

    /// Resolves a parcel's stated use: `None` or blank is the default use; an unknown code
    /// is an error naming the allowed ones.
    ///
    /// ```
    /// let catalog = aimaq_rules::Catalog::embedded();
    /// assert_eq!(catalog.resolve_use(Some(" Residential ")).unwrap().code, "residential");
    /// assert_eq!(catalog.resolve_use(None).unwrap().code, "construction");
    /// let err = catalog.resolve_use(Some("carwash")).unwrap_err();
    /// assert!(err.contains("unknown use `carwash`") && err.contains("vehicle_wash"));
    /// ```
    pub fn resolve_use(&self, stated: Option<&str>) -> Result<&LandUse, String> {
        match stated.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(self.default_use()),
            Some(code) => self.land_use(&code.to_lowercase()).ok_or_else(|| {
                format!(
                    "unknown use `{code}` (allowed: {})",
                    self.uses
                        .iter()
                        .map(|u| u.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }),
        }
    }

    /// The approval with this id.
    pub fn approval(&self, id: &str) -> Option<&Approval> {
        self.approvals.iter().find(|a| a.id == id)
    }

    /// A message fragment in `lang` (see [`MESSAGE_KEYS`], which every catalog must hold;
    /// any other key gives an empty text).
    ///
    /// ```
    /// let catalog = aimaq_rules::Catalog::embedded();
    /// assert_eq!(catalog.message("regime.prohibited", aimaq_rules::Lang::Kk), "ТЫЙЫМ САЛЫНҒАН");
    /// ```
    pub fn message(&self, key: &str, lang: Lang) -> &str {
        debug_assert!(
            MESSAGE_KEYS.contains(&key),
            "message key `{key}` is not in MESSAGE_KEYS"
        );
        self.messages.get(key).map(|m| m.get(lang)).unwrap_or("")
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The layer spec with this name.
    pub fn layer(&self, name: &str) -> Option<&LayerSpec> {
        self.layers.iter().find(|l| l.name == name)
    }

    /// The layer's name for one feature in `lang`.
    pub fn layer_label(&self, layer: &str, lang: Lang) -> String {
        self.layer(layer)
            .map(|l| l.labels.get(lang).to_string())
            .unwrap_or_else(|| layer.to_string())
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

impl Rule {
    /// Whether a feature with `attrs` carries this rule's zone (its `applies_when`).
    pub fn applies_to(&self, attrs: &crate::Attributes) -> bool {
        self.applies_when.iter().all(|(a, c)| c.holds(attrs.get(a)))
    }

    /// The title in `lang`.
    pub fn title_in(&self, lang: Lang) -> &str {
        self.labels.get(lang)
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
                    } else if let Some(values) = &spec.values {
                        let text = match value {
                            serde_json::Value::String(s) => s.trim().to_string(),
                            other => other.to_string(),
                        };
                        if !values.iter().any(|v| v.eq_ignore_ascii_case(&text)) {
                            problems.push(format!(
                                "attribute `{}` = {value} is not one of: {}",
                                spec.name,
                                values.join(", ")
                            ));
                        }
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
        let rule = |id: &str, regime: &str| {
            format!("\n[[rule]]\nid = \"{id}\"\nlayer = \"protected_areas\"\nlabels = {{ kk = \"x\", ru = \"x\", en = \"x\" }}\nmeasured_from = \"x\"\ncitation = {{ act = \"x\" }}\nwidth = {{ kind = \"overlap\" }}\nregime = {{ default = {regime} }}\n")
        };
        // rules go before the named objects' and zoning tables
        let with_rule =
            |extra: String| base.replacen("\n[[named]]", &format!("{extra}\n[[named]]"), 1);
        let dup = with_rule(rule(
            "spna.territory",
            "{ regime = \"prohibited\", basis = \"x\", citation = { act = \"x\" } }",
        ));
        let err = Catalog::from_toml_str(&dup).unwrap_err().to_string();
        assert!(err.contains("declared twice"), "{err}");

        let bad_layer = base.replace(
            "layer = \"gas_pipelines\"\nlabels",
            "layer = \"gas\"\nlabels",
        );
        let err = Catalog::from_toml_str(&bad_layer).unwrap_err().to_string();
        assert!(err.contains("unknown layer `gas`"), "{err}");

        let negative = base.replace("m = 50, act = \"Law", "m = -50, act = \"Law");
        let err = Catalog::from_toml_str(&negative).unwrap_err().to_string();
        assert!(err.contains("positive"), "{err}");

        // a conditional regime must say what makes the use possible
        let no_approval = with_rule(rule(
            "x.a",
            "{ regime = \"conditional\", basis = \"x\", citation = { act = \"x\" } }",
        ));
        let err = Catalog::from_toml_str(&no_approval)
            .unwrap_err()
            .to_string();
        assert!(err.contains("must name its approval"), "{err}");
        // a rule that allows everything restricts nothing
        let all_allowed = with_rule(rule(
            "x.b",
            "{ regime = \"allowed\", basis = \"x\", citation = { act = \"x\" } }",
        ));
        let err = Catalog::from_toml_str(&all_allowed)
            .unwrap_err()
            .to_string();
        assert!(err.contains("allows every use"), "{err}");
        // a cell naming a use outside the vocabulary
        let bad_use = base.replace("uses = [\"transport\"]", "uses = [\"roads\"]");
        let err = Catalog::from_toml_str(&bad_use).unwrap_err().to_string();
        assert!(err.contains("unknown use or tag `roads`"), "{err}");
        // every message in every language
        let no_kk = base.replace(
            "\"verdict.error\" = { kk = \"ҚАТЕ\", ",
            "\"verdict.error\" = { kk = \"\", ",
        );
        let err = Catalog::from_toml_str(&no_kk).unwrap_err().to_string();
        assert!(
            err.contains("message `verdict.error` has no kk text"),
            "{err}"
        );
    }

    #[test]
    fn every_rule_and_cell_cites_an_act_and_scheme_lines() {
        let c = Catalog::embedded();
        for rule in &c.rules {
            for cell in rule.regime.cells.iter().chain([&rule.regime.default]) {
                assert!(
                    !cell.citation.act.is_empty(),
                    "{} cell without act",
                    rule.id
                );
                assert!(
                    cell.citation
                        .scheme
                        .as_deref()
                        .is_some_and(|s| s.starts_with('L')),
                    "{} cell {:?} without scheme lines",
                    rule.id,
                    cell.uses
                );
            }
            for lang in Lang::ALL {
                assert!(!rule.title_in(lang).is_empty());
            }
        }
    }

    #[test]
    fn vocabulary_covers_the_scheme_lists() {
        let c = Catalog::embedded();
        for code in [
            "residential",
            "public",
            "commercial",
            "industrial",
            "warehouse",
            "agrochemical_storage",
            "fuel_station",
            "vehicle_service",
            "vehicle_wash",
            "mechanical_workshop",
            "waste_disposal",
            "pesticide_filling_site",
            "aviation_chemical_airstrip",
            "aerial_spraying",
            "livestock_farm",
            "wastewater_storage",
            "wastewater_irrigation",
            "cemetery",
            "animal_burial_ground",
            "arable_farming",
            "pasture",
            "horticulture",
            "dacha",
            "recreation",
            "tourism",
            "sport",
            "transport",
            "utility_line",
            "water_management",
            "mining",
            "construction",
        ] {
            let u = c.land_use(code).unwrap_or_else(|| panic!("{code} missing"));
            assert!(u.labels.missing().is_none(), "{code}");
        }
        // the scheme's own Kazakh terms
        assert_eq!(
            c.rule("water.belt").unwrap().title_in(Lang::Kk),
            "Су қорғау белдеуі"
        );
        assert_eq!(
            c.rule("water.zone").unwrap().title_in(Lang::Ru),
            "Водоохранная зона"
        );
        assert_eq!(
            c.land_use("animal_burial_ground").unwrap().label(Lang::Kk),
            "мал қорымы"
        );
    }
}
