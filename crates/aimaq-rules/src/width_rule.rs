//! How a rule finds its width from a feature's attributes, as the catalog states it.

use crate::citation::Citation;
use crate::condition::{describe_when, Condition};
use crate::lang::{format_number, Lang};
use crate::named::NamedWidths;
use crate::width::{ExactWidth, SourcedWidth};
use serde::{Deserialize, Serialize};

/// What to report when no width can be found for a feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MissingWidth {
    /// The rule cannot be applied: results are incomplete.
    Error,
    /// The rule does not apply for lack of a legal width; say so.
    Warning,
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
    /// When set, a feature without the attribute is a data warning with these words:
    /// measured from the stored geometry, the zone falls short of the law's reference
    /// line (a railway's zone from its axis instead of its right-of-way, L259-261).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_warning: Option<String>,
}

/// The zone applies only outside the polygons of a layer: the sanitary belt of a water
/// conduit "passing through undeveloped territories" (L284) is not drawn where the
/// conduit runs inside a settlement. The parts of a parcel inside those polygons carry
/// no zone ([`Limit::BySettlement`](crate::Limit::BySettlement) with `inside` 0). A
/// feature may say where it runs instead, in `attribute`.
///
/// ```
/// use aimaq_rules::{Catalog, Limit};
/// let catalog = Catalog::embedded();
/// let belt = catalog.rule("water_conduit.sanitary_belt").unwrap();
/// let only = belt.outside_only().unwrap();
/// assert_eq!((only.layer.as_str(), only.attribute.as_deref()), ("settlements", Some("land")));
/// let zone = |attrs: serde_json::Value| belt.resolve(attrs.as_object().unwrap()).zone;
/// // settlements decide: no belt inside them, 10 m outside
/// assert_eq!(zone(serde_json::json!({"soil": "dry", "diameter_mm": 800})).unwrap().limit,
///     Limit::BySettlement { inside: 0.0, outside: 10.0 });
/// // the feature says it runs on undeveloped land: the belt all along it
/// assert_eq!(zone(serde_json::json!({"soil": "dry", "diameter_mm": 800, "land": "undeveloped"})).unwrap().limit,
///     Limit::Fixed { m: 10.0 });
/// // …or on developed land: no belt at all
/// assert!(zone(serde_json::json!({"soil": "dry", "diameter_mm": 800, "land": "developed"})).is_none());
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutsideOnly {
    /// The polygon layer inside which the zone does not apply (`settlements`).
    pub layer: String,
    /// An attribute of the feature that says where it runs, overriding the polygons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// The attribute's value for "the zone applies along the whole feature".
    pub everywhere: String,
    /// The attribute's value for "the zone applies nowhere along the feature".
    pub nowhere: String,
    /// Why the zone stops at those polygons.
    pub citation: Citation,
}

/// What a rule does with a feature whose width it cannot determine (a voltage the
/// scheme gives no width for, a missing `zone_m`): never a silent skip, but a `review`
/// band as wide as the zone could be (docs/regimes.md, "Unknown widths"). Built from the
/// catalog's `[rule.unknown]`; a rule without one flags only a parcel on the feature.
///
/// ```
/// use aimaq_rules::{Catalog, Limit, WidthBasis};
/// let catalog = Catalog::embedded();
/// let power = catalog.rule("power.protection_zone").unwrap();
/// // 110 kV: the scheme gives 220-1150 kV only (L272-275); the protection-zone rules
/// // outside the scheme give 20 m, so the band reaches 20 m and says why
/// let attrs = serde_json::json!({"voltage_kv": 110, "outer_wire_offset_m": 0});
/// let res = power.resolve(attrs.as_object().unwrap());
/// let zone = res.zone.unwrap();
/// assert_eq!(zone.limit, Limit::Range { min: 0.0, max: 20.0 });
/// let WidthBasis::Unknown(unknown) = &zone.basis else { panic!("{:?}", zone.basis) };
/// assert!(unknown.outside_scheme && unknown.found == ["voltage_kv = 110"]);
/// assert!(res.problems[0].is_error(), "validate still says it");
/// ```
#[derive(Debug, Clone, Default, Serialize)]
pub struct UnknownWidthRule {
    /// Widths of acts outside the scheme for values the scheme does not give, tried in
    /// order (`voltage_kv = 110`: 20 m).
    pub cases: Vec<(Vec<(String, Condition)>, ExactWidth)>,
    /// How far the zone could reach otherwise: the widest width the rule gives.
    pub reach: Option<ExactWidth>,
}

/// How a rule finds its width. Built from the catalog's `[rule.width]` table; said in
/// words by [`Catalog::describe_width`](crate::Catalog::describe_width).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WidthRule {
    /// First case whose `when` conditions all hold; a feature attribute may override.
    Cases {
        /// `(conditions, width)` in catalog order.
        cases: Vec<(Vec<(String, Condition)>, ExactWidth)>,
        /// Attribute that, when present, replaces the case width.
        override_attribute: Option<String>,
    },
    /// One width inside settlement polygons, another outside.
    BySettlement {
        /// Polygon layer that decides inside/outside.
        settlement_layer: String,
        /// Width inside settlements.
        inside: ExactWidth,
        /// Width outside settlements.
        outside: ExactWidth,
    },
    /// Width from a feature attribute, checked against a named object's act, with
    /// national defaults when neither is known.
    Attribute {
        /// The attribute holding the width.
        attribute: String,
        /// Multiplier (0.5 when the attribute is a full width and the zone runs each side).
        scale: f64,
        /// The widths acts fix for named objects, which a feature's own width must keep to.
        named: Option<NamedWidths>,
        /// Defaults for features without attribute or named width, first match wins.
        defaults: Vec<(Vec<(String, Condition)>, SourcedWidth)>,
        /// Range used when no default matches.
        fallback: Option<SourcedWidth>,
        /// What a feature with no width at all is.
        missing: MissingWidth,
        /// Extra words for that report.
        missing_note: Option<String>,
    },
    /// Any overlap with the polygon.
    Overlap,
}

/// A case list's widths, one part a case: `soil = "wet" → 20 м`.
pub(crate) fn cases_in(
    cases: &[(Vec<(String, Condition)>, ExactWidth)],
    metres: &dyn Fn(f64) -> String,
) -> Vec<String> {
    cases
        .iter()
        .map(|(when, w)| match describe_when(when) {
            cond if cond.is_empty() => metres(w.m),
            cond => format!("{cond} → {}", metres(w.m)),
        })
        .collect()
}

/// The cases of a rule in English, for the catalog's own error messages (which name no
/// catalog to take the words from).
pub(crate) fn describe_cases(cases: &[(Vec<(String, Condition)>, ExactWidth)]) -> String {
    cases_in(cases, &|m| {
        format!("{} m", format_number(Lang::En, m, None))
    })
    .join("; ")
}
