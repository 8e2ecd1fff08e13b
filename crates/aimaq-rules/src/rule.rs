//! A spatial rule of the catalog, and how it finds its zone for one feature.

use crate::attributes::Attributes;
use crate::citation::Citation;
use crate::condition::{Condition, Test};
use crate::in_force::InForce;
use crate::issue::IssueLevel;
use crate::lang::{Labels, Lang};
use crate::named::{NamedMatch, NamedWidths};
use crate::regime::RegimeMatrix;
use crate::resolution::{Resolution, ResolutionProblem};
use crate::severity::Severity;
use crate::texts::user_supplied_note;
use crate::width::{ExactWidth, SourcedWidth, WidthValue};
use crate::width_rule::{
    describe_cases, MissingWidth, Offset, OutsideOnly, UnknownWidthRule, WidthRule,
};
use crate::zone::{Limit, UnknownWidth, WidthBasis, Zone, ON_FEATURE_M};
use serde::Serialize;
use std::collections::BTreeSet;

/// A spatial rule: a zone around the features of one layer. Only a
/// [`Catalog`](crate::Catalog) makes rules, so every rule is as the catalog checked it:
/// its layer exists, its widths are positive, its regime restricts something.
///
/// ```
/// let catalog = aimaq_rules::Catalog::embedded();
/// let rail = catalog.rule("rail.control_zone").unwrap();
/// assert_eq!((rail.id(), rail.layer()), ("rail.control_zone", "railways"));
/// assert_eq!(rail.citation().scheme.as_deref(), Some("L256-263"));
/// assert_eq!(catalog.describe_width(rail, aimaq_rules::Lang::En), "20 m inside settlements, 50 m outside");
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    /// Stable id, e.g. `rail.control_zone`.
    pub(crate) id: String,
    /// The layer whose features carry the zone.
    pub(crate) layer: String,
    /// Human title (English).
    pub(crate) title: String,
    /// Title in the three languages.
    pub(crate) labels: Labels,
    /// The worst outcome entering the zone can have, over all uses; the regime matrix
    /// gives each use's.
    pub(crate) severity: Severity,
    /// Why the regime is what it is for uses no specific cell lists.
    pub(crate) severity_basis: String,
    /// Only features meeting these conditions carry the zone (e.g. `kind = "seismic"`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) applies_when: Vec<(String, Condition)>,
    /// The period this wording is in force.
    pub(crate) in_force: InForce,
    /// What the zone means for each proposed use.
    pub(crate) regime: RegimeMatrix,
    /// The reference line the width is measured from, in the three languages.
    pub(crate) measured_from: Labels,
    /// The rule's source.
    pub(crate) citation: Citation,
    /// How the width is found for a feature.
    pub(crate) width: WidthRule,
    /// An attribute that moves the reference line away from the stored geometry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) offset: Option<Offset>,
    /// The zone applies only outside these polygons, unless the feature says otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) outside_only: Option<OutsideOnly>,
    /// The rule (of the same layer) whose zone this one lies inside: a wider zone is a
    /// data error ([`Catalog::resolve_feature`](crate::Catalog::resolve_feature)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) within: Option<String>,
    /// The review band of a feature whose width this rule cannot determine.
    pub(crate) unknown: UnknownWidthRule,
}

impl Rule {
    /// Stable id, e.g. `rail.control_zone`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The layer whose features carry the zone.
    pub fn layer(&self) -> &str {
        &self.layer
    }

    /// Human title (English).
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Title in the three languages.
    pub fn labels(&self) -> &Labels {
        &self.labels
    }

    /// The worst outcome entering the zone can have, over all uses; the regime matrix
    /// gives each use's.
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// Why the regime is what it is for uses no specific cell lists.
    pub fn severity_basis(&self) -> &str {
        &self.severity_basis
    }

    /// Only features meeting these conditions carry the zone (e.g. `kind = "seismic"`).
    pub fn applies_when(&self) -> &[(String, Condition)] {
        &self.applies_when
    }

    /// The period this wording is in force.
    pub fn in_force(&self) -> &InForce {
        &self.in_force
    }

    /// What the zone means for each proposed use.
    pub fn regime(&self) -> &RegimeMatrix {
        &self.regime
    }

    /// The reference line the width is measured from (English).
    pub fn measured_from(&self) -> &str {
        &self.measured_from.en
    }

    /// The reference line the width is measured from, in `lang`.
    pub fn measured_from_in(&self, lang: Lang) -> &str {
        self.measured_from.get(lang)
    }

    /// The rule's source.
    pub fn citation(&self) -> &Citation {
        &self.citation
    }

    /// How the width is found for a feature.
    pub fn width(&self) -> &WidthRule {
        &self.width
    }

    /// An attribute that moves the reference line away from the stored geometry.
    pub fn offset(&self) -> Option<&Offset> {
        self.offset.as_ref()
    }

    /// The polygons the zone stops at, if it applies only outside them.
    pub fn outside_only(&self) -> Option<&OutsideOnly> {
        self.outside_only.as_ref()
    }

    /// The rule whose zone this one must lie inside, if any (`water.zone` for `water.belt`).
    pub fn within(&self) -> Option<&str> {
        self.within.as_deref()
    }

    /// What the rule draws for a feature whose width it cannot determine.
    pub fn unknown_width(&self) -> &UnknownWidthRule {
        &self.unknown
    }

    /// Whether a feature with `attrs` carries this rule's zone (its `applies_when`).
    pub fn applies_to(&self, attrs: &Attributes) -> bool {
        self.applies_when.iter().all(|(a, c)| c.holds(attrs.get(a)))
    }

    /// The title in `lang`.
    pub fn title_in(&self, lang: Lang) -> &str {
        self.labels.get(lang)
    }
}

impl Rule {
    /// Finds this rule's zone for a feature of its layer.
    ///
    /// ```
    /// use aimaq_rules::{Catalog, Limit};
    /// let catalog = Catalog::embedded();
    /// let rule = catalog.rule("power.protection_zone").unwrap();
    /// let attrs = serde_json::json!({"id": "L1", "voltage_kv": 500});
    /// let res = rule.resolve(attrs.as_object().unwrap());
    /// let zone = res.zone.unwrap();
    /// assert_eq!(zone.limit, Limit::Fixed { m: 30.0 });
    /// assert_eq!(zone.citation.scheme.as_deref(), Some("L273"));
    ///
    /// // A voltage the scheme does not give is an error, never a silent skip: a review
    /// // band as wide as the zone could be (the rules outside the scheme give 20 m).
    /// let attrs = serde_json::json!({"id": "L2", "voltage_kv": 110, "outer_wire_offset_m": 0});
    /// let res = rule.resolve(attrs.as_object().unwrap());
    /// assert_eq!(res.zone.unwrap().limit, Limit::Range { min: 0.0, max: 20.0 });
    /// assert!(res.problems[0].is_error() && res.problems[0].to_string().contains("110"));
    /// ```
    pub fn resolve(&self, attrs: &Attributes) -> Resolution {
        let mut res = Resolution::default();
        let offset_m = self.offset_m(attrs, &mut res);
        let zone = match &self.width {
            WidthRule::Overlap => Some(self.overlap_zone()),
            WidthRule::BySettlement {
                inside, outside, ..
            } => Some(self.settlement_zone(inside, outside)),
            WidthRule::Cases {
                cases,
                override_attribute,
            } => self.case_zone(cases, override_attribute.as_deref(), attrs, &mut res),
            WidthRule::Attribute {
                attribute,
                scale,
                named,
                defaults,
                fallback,
                missing,
                missing_note,
            } => self.attribute_zone(
                AttributeWidth {
                    attribute,
                    scale: *scale,
                    named: named.as_ref(),
                    defaults,
                    fallback: fallback.as_ref(),
                    missing: *missing,
                    missing_note: missing_note.as_deref(),
                },
                attrs,
                &mut res,
            ),
        };
        let zone = zone.or_else(|| self.unknown_zone(attrs, &res.problems));
        let zone = match (&self.outside_only, zone) {
            (Some(only), Some(zone)) => self.outside_only_zone(only, zone, attrs),
            (_, zone) => zone,
        };
        res.zone = zone.map(|z| z.offset_by(offset_m));
        res
    }

    /// The review band of a feature whose width the problems met leave unknown (a
    /// missing or mistyped attribute, a value the catalog has no width for, no width at
    /// all): as far as another act's width for the value, else the widest width the rule
    /// gives, else only the feature itself. `None` when the zone is absent for another
    /// reason (a conduit on developed land).
    fn unknown_zone(&self, attrs: &Attributes, problems: &[ResolutionProblem]) -> Option<Zone> {
        let mut why = UnknownWidth::default();
        let mut unknown = false;
        for p in problems {
            match p {
                ResolutionProblem::MissingAttributes { attributes, .. } => {
                    why.supply.extend(attributes.iter().cloned());
                }
                ResolutionProblem::NoCase { values, .. } => why.found.extend(
                    values
                        .iter()
                        .filter_map(|(a, v)| v.as_ref().map(|v| format!("{a} = {v}"))),
                ),
                ResolutionProblem::NoWidth { attribute, .. } => why.supply.push(attribute.clone()),
                ResolutionProblem::CaseWrongType {
                    attribute, found, ..
                } => {
                    why.found.push(format!("{attribute} = {found}"));
                    why.supply.push(attribute.clone());
                }
                _ => continue,
            }
            unknown = true;
        }
        if !unknown {
            return None;
        }
        why.supply.dedup();
        let (m, citation) = match match_cases(&self.unknown.cases, attrs) {
            CaseMatch::Found(w) => {
                why.outside_scheme = true;
                (w.m, cite(self, &w.citation))
            }
            _ => match (&self.unknown.reach, &self.width) {
                (Some(w), _) => (w.m, cite(self, &w.citation)),
                // the widest of the rule's own cases (a conduit without `soil`: 50 m)
                (None, WidthRule::Cases { cases, .. }) => cases
                    .iter()
                    .map(|(_, w)| w)
                    .max_by(|a, b| a.m.total_cmp(&b.m))
                    .map(|w| (w.m, cite(self, &w.citation)))
                    .unwrap_or((ON_FEATURE_M, self.citation.clone())),
                (None, _) => (ON_FEATURE_M, self.citation.clone()),
            },
        };
        Some(Zone::new(
            Limit::Range { min: 0.0, max: m },
            citation,
            WidthBasis::Unknown(why),
        ))
    }

    /// A zone that applies only outside `only`'s polygons: the feature's own word on
    /// where it runs, else no zone inside the polygons and the width outside.
    fn outside_only_zone(
        &self,
        only: &OutsideOnly,
        zone: Zone,
        attrs: &Attributes,
    ) -> Option<Zone> {
        let stated = only
            .attribute
            .as_deref()
            .and_then(|a| attrs.get(a))
            .and_then(|v| v.as_str())
            .map(str::trim);
        match stated {
            Some(v) if v.eq_ignore_ascii_case(&only.everywhere) => Some(zone),
            Some(v) if v.eq_ignore_ascii_case(&only.nowhere) => None,
            // any other value is the layer contract's error; the polygons decide
            _ => {
                let Limit::Fixed { m } = zone.limit else {
                    // the catalog allows `outside_only` on single widths only
                    return Some(zone);
                };
                let inside = cite(self, &only.citation);
                let outside = zone.citation.clone();
                let mut split = Zone::new(
                    Limit::BySettlement {
                        inside: 0.0,
                        outside: m,
                    },
                    zone.citation,
                    zone.basis,
                );
                split.settlement_citations = Some((inside, outside));
                Some(split)
            }
        }
    }

    /// Metres from the stored geometry to the reference line (the rule's `offset`).
    fn offset_m(&self, attrs: &Attributes, res: &mut Resolution) -> f64 {
        let Some(off) = &self.offset else {
            return 0.0;
        };
        match attrs.get(&off.attribute) {
            None | Some(serde_json::Value::Null) => {
                if let Some(note) = &off.missing_warning {
                    res.problems.push(ResolutionProblem::MissingOffset {
                        attribute: off.attribute.clone(),
                        note: note.clone(),
                    });
                }
                0.0
            }
            Some(v) => match v.as_f64() {
                Some(x) if x.is_finite() && x >= 0.0 => x * off.factor,
                _ => {
                    res.problems.push(ResolutionProblem::BadOffset {
                        attribute: off.attribute.clone(),
                        found: v.clone(),
                    });
                    0.0
                }
            },
        }
    }

    /// `Overlap`: the polygon itself.
    fn overlap_zone(&self) -> Zone {
        Zone::new(Limit::Overlap, self.citation.clone(), WidthBasis::Catalog)
    }

    /// `BySettlement`: both widths, each with its citation; the parcel's parts decide.
    fn settlement_zone(&self, inside: &ExactWidth, outside: &ExactWidth) -> Zone {
        let mut zone = Zone::new(
            Limit::BySettlement {
                inside: inside.m,
                outside: outside.m,
            },
            self.citation.clone(),
            WidthBasis::Catalog,
        );
        zone.settlement_citations =
            Some((cite(self, &inside.citation), cite(self, &outside.citation)));
        zone
    }

    /// `Cases`: the feature's override attribute if valid, else the first case that holds.
    fn case_zone(
        &self,
        cases: &[(Vec<(String, Condition)>, ExactWidth)],
        override_attribute: Option<&str>,
        attrs: &Attributes,
        res: &mut Resolution,
    ) -> Option<Zone> {
        if let Some(attr) = override_attribute {
            match positive_number(attrs, attr) {
                Ok(Some(m)) => {
                    let c = self.citation.clone().note(user_supplied_note(attr));
                    return Some(Zone::new(
                        Limit::Fixed { m },
                        c,
                        WidthBasis::Attribute(attr.to_string()),
                    ));
                }
                Ok(None) => {}
                Err(found) => res.problems.push(ResolutionProblem::BadOverride {
                    attribute: attr.to_string(),
                    found,
                }),
            }
        }
        match match_cases(cases, attrs) {
            CaseMatch::Found(w) => Some(Zone::new(
                Limit::Fixed { m: w.m },
                cite(self, &w.citation),
                WidthBasis::Catalog,
            )),
            CaseMatch::WrongType {
                attribute,
                expected,
                found,
            } => {
                res.problems.push(ResolutionProblem::CaseWrongType {
                    attribute,
                    expected,
                    found,
                });
                None
            }
            CaseMatch::None { missing } if !missing.is_empty() => {
                res.problems.push(ResolutionProblem::MissingAttributes {
                    attributes: missing,
                    catalog_has: describe_cases(cases),
                });
                None
            }
            CaseMatch::None { .. } => {
                let tested: BTreeSet<&String> = cases
                    .iter()
                    .flat_map(|(when, _)| when.iter().map(|(a, _)| a))
                    .collect();
                res.problems.push(ResolutionProblem::NoCase {
                    values: tested
                        .into_iter()
                        .map(|a| (a.clone(), attrs.get(a).cloned()))
                        .collect(),
                    catalog_has: describe_cases(cases),
                });
                None
            }
        }
    }

    /// `Attribute`: the feature's own width (kept to a named object's act when it is
    /// one), else the act's width for the named object, else a default.
    fn attribute_zone(
        &self,
        width: AttributeWidth<'_>,
        attrs: &Attributes,
        res: &mut Resolution,
    ) -> Option<Zone> {
        let AttributeWidth {
            attribute, scale, ..
        } = width;
        let named_width = match width.named.map(|named| named.lookup(attrs)) {
            Some(NamedMatch::Found(object, w)) => Some((object, w)),
            Some(NamedMatch::NotThisObject(object)) => {
                res.problems.push(ResolutionProblem::NotThisObject {
                    object: object.names[0].clone(),
                    key: object.key.clone(),
                    act: object.act.clone(),
                    when: object.describe_when(),
                    found: object
                        .when
                        .iter()
                        .map(|(a, _)| (a.clone(), attrs.get(a).cloned()))
                        .collect(),
                });
                None
            }
            Some(NamedMatch::None) | None => None,
        };
        let own = match positive_number(attrs, attribute) {
            Ok(v) => v,
            Err(found) => {
                res.problems.push(ResolutionProblem::NotPositive {
                    attribute: attribute.to_string(),
                    found,
                });
                None
            }
        };
        let to_limit = |v: WidthValue| scaled_limit(v, scale);
        match (own, named_width) {
            (Some(v), Some((obj, w))) => {
                let within = match w.value {
                    WidthValue::Exact(m) => (v - m).abs() < 1e-6,
                    WidthValue::Range { min, max } => v >= min - 1e-6 && v <= max + 1e-6,
                };
                let c = cite(self, &w.citation);
                if within {
                    return Some(Zone::new(
                        to_limit(WidthValue::Exact(v)),
                        c,
                        WidthBasis::Attribute(attribute.to_string()),
                    ));
                }
                res.problems.push(ResolutionProblem::OutsideActWidth {
                    attribute: attribute.to_string(),
                    value: v,
                    act_width: w.value,
                    object: obj.names[0].clone(),
                    act: obj.act.clone(),
                    scheme: c.scheme.clone(),
                });
                Some(Zone::new(
                    to_limit(w.value),
                    c,
                    WidthBasis::NamedObject(obj.key.clone()),
                ))
            }
            (Some(v), None) => {
                let c = self.citation.clone().note(user_supplied_note(attribute));
                Some(Zone::new(
                    to_limit(WidthValue::Exact(v)),
                    c,
                    WidthBasis::Attribute(attribute.to_string()),
                ))
            }
            (None, Some((obj, w))) => Some(Zone::new(
                to_limit(w.value),
                cite(self, &w.citation),
                WidthBasis::NamedObject(obj.key.clone()),
            )),
            (None, None) => self.default_zone(width, attrs, res),
        }
    }

    /// `Attribute` without a width of the feature's own or of a named object: the first
    /// default that holds, else the fallback, else a problem at the rule's level.
    fn default_zone(
        &self,
        width: AttributeWidth<'_>,
        attrs: &Attributes,
        res: &mut Resolution,
    ) -> Option<Zone> {
        let found = match match_cases(width.defaults, attrs) {
            CaseMatch::Found(w) => Some(w),
            CaseMatch::WrongType {
                attribute,
                expected,
                found,
            } => {
                res.problems.push(ResolutionProblem::DefaultWrongType {
                    attribute,
                    expected,
                    found,
                });
                None
            }
            CaseMatch::None { .. } => None,
        };
        if let Some(w) = found.or(width.fallback) {
            return Some(Zone::new(
                scaled_limit(w.value, width.scale),
                cite(self, &w.citation),
                WidthBasis::Default,
            ));
        }
        res.problems.push(ResolutionProblem::NoWidth {
            attribute: width.attribute.to_string(),
            note: width.missing_note.map(String::from),
            level: match width.missing {
                MissingWidth::Error => IssueLevel::Error,
                MissingWidth::Warning => IssueLevel::Warning,
            },
        });
        None
    }
}

/// The limit of a width read from an attribute: `scale` × the value, a range kept a range.
fn scaled_limit(value: WidthValue, scale: f64) -> Limit {
    match value.scaled(scale) {
        WidthValue::Exact(m) => Limit::Fixed { m },
        WidthValue::Range { min, max } => Limit::Range { min, max },
    }
}

/// The fields of [`WidthRule::Attribute`], borrowed for resolving.
#[derive(Clone, Copy)]
struct AttributeWidth<'a> {
    attribute: &'a str,
    scale: f64,
    named: Option<&'a NamedWidths>,
    defaults: &'a [(Vec<(String, Condition)>, SourcedWidth)],
    fallback: Option<&'a SourcedWidth>,
    missing: MissingWidth,
    missing_note: Option<&'a str>,
}

/// Merges a width's citation into the rule's: the width's own act if it names one.
fn cite(rule: &Rule, width: &Citation) -> Citation {
    Citation {
        act: if width.act.is_empty() {
            rule.citation.act.clone()
        } else {
            width.act.clone()
        },
        scheme: width
            .scheme
            .clone()
            .or_else(|| rule.citation.scheme.clone()),
        digest: width
            .digest
            .clone()
            .or_else(|| rule.citation.digest.clone()),
        note: width.note.clone(),
    }
}

/// The outcome of trying `when` entries in order: the first whose conditions all hold,
/// or why none did.
enum CaseMatch<'a, W> {
    Found(&'a W),
    None {
        missing: Vec<String>,
    },
    WrongType {
        attribute: String,
        expected: &'static str,
        found: serde_json::Value,
    },
}

/// The first of `cases` whose conditions hold for `attrs`; a value of the wrong type stops
/// the search, since the catalog cannot tell which case it meant.
fn match_cases<'a, W>(
    cases: &'a [(Vec<(String, Condition)>, W)],
    attrs: &Attributes,
) -> CaseMatch<'a, W> {
    let mut missing = Vec::new();
    for (when, width) in cases {
        let mut all = true;
        for (attr, cond) in when {
            match cond.test(attrs.get(attr)) {
                Test::Pass => {}
                Test::Fail => all = false,
                Test::Missing => {
                    all = false;
                    if !missing.contains(attr) {
                        missing.push(attr.clone());
                    }
                }
                Test::WrongType(expected) => {
                    return CaseMatch::WrongType {
                        attribute: attr.clone(),
                        expected,
                        found: attrs.get(attr).cloned().unwrap_or_default(),
                    }
                }
            }
            if !all {
                break;
            }
        }
        if all {
            return CaseMatch::Found(width);
        }
    }
    CaseMatch::None { missing }
}

/// The attribute's value when it is a positive number, `None` when absent; the value
/// found otherwise.
fn positive_number(attrs: &Attributes, name: &str) -> Result<Option<f64>, serde_json::Value> {
    match attrs.get(name) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => match v.as_f64() {
            Some(x) if x.is_finite() && x > 0.0 => Ok(Some(x)),
            _ => Err(v.clone()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;
    use serde_json::json;

    fn resolve(rule: &str, attrs: serde_json::Value) -> Resolution {
        let c = Catalog::embedded();
        c.rule(rule).unwrap().resolve(attrs.as_object().unwrap())
    }

    fn limit(rule: &str, attrs: serde_json::Value) -> Limit {
        let r = resolve(rule, attrs);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        r.zone.unwrap().limit
    }

    #[test]
    fn power_line_width_by_voltage() {
        for (kv, m) in [(220, 20.0), (500, 30.0), (750, 40.0), (1150, 55.0)] {
            assert_eq!(
                limit(
                    "power.protection_zone",
                    json!({"voltage_kv": kv, "outer_wire_offset_m": 0})
                ),
                Limit::Fixed { m }
            );
        }
        let r = resolve(
            "power.protection_zone",
            json!({"voltage_kv": 110, "outer_wire_offset_m": 0}),
        );
        assert_eq!(
            r.zone.unwrap().limit,
            Limit::Range {
                min: 0.0,
                max: 20.0
            }
        );
        assert!(
            r.problems[0].to_string().contains("voltage_kv = 110"),
            "{}",
            r.problems[0]
        );
        let r = resolve(
            "power.protection_zone",
            json!({"voltage_kv": "high", "outer_wire_offset_m": 0}),
        );
        assert!(
            r.problems[0].to_string().contains("must be a number"),
            "{}",
            r.problems[0]
        );
        let r = resolve("power.protection_zone", json!({"outer_wire_offset_m": 0}));
        assert!(
            r.problems[0].to_string().contains("missing `voltage_kv`"),
            "{}",
            r.problems[0]
        );
        // no voltage: the widest width the scheme gives (L275)
        assert_eq!(
            r.zone.unwrap().limit,
            Limit::Range {
                min: 0.0,
                max: 55.0
            }
        );
    }

    /// Issue 19 item 3, L272-275: the scheme gives widths for 220, 500, 750 and 1150 kV
    /// only. A 35, 110 or 330 kV line is no silent skip: a review band as wide as the
    /// protection-zone rules outside the scheme make it, saying so.
    #[test]
    fn l272_275_voltages_without_a_scheme_width_get_a_review_band() {
        for (kv, m) in [
            (0.4, 2.0),
            (10.0, 10.0),
            (35.0, 15.0),
            (110.0, 20.0),
            (330.0, 30.0),
        ] {
            let r = resolve(
                "power.protection_zone",
                json!({"voltage_kv": kv, "outer_wire_offset_m": 0}),
            );
            let z = r.zone.unwrap();
            assert_eq!(z.limit, Limit::Range { min: 0.0, max: m }, "{kv} kV");
            assert!(z.citation.act.contains("No. 330"), "{}", z.citation.act);
            let WidthBasis::Unknown(u) = &z.basis else {
                panic!("{:?}", z.basis)
            };
            assert!(u.outside_scheme);
            assert_eq!(u.found, [format!("voltage_kv = {}", json!(kv))]);
            assert!(r.problems[0].is_error(), "validate still lists it");
        }
        // a voltage above every case: the widest the scheme gives
        let z = resolve("power.protection_zone", json!({"voltage_kv": 1500}))
            .zone
            .unwrap();
        assert_eq!(
            z.limit,
            Limit::Range {
                min: 0.0,
                max: 55.0
            }
        );
        assert_eq!(z.citation.scheme.as_deref(), Some("L275"));
    }

    /// Issue 19 item 3, L509-510: an object with emergency risk of kind "other" has no
    /// width without its `zone_m`: a parcel on it is flagged for review, not cleared.
    #[test]
    fn l509_510_an_emergency_object_without_zone_m_flags_a_parcel_on_it() {
        let r = resolve("emergency_risk.zone", json!({"kind": "other"}));
        let z = r.zone.unwrap();
        assert_eq!(
            z.limit,
            Limit::Range {
                min: 0.0,
                max: crate::ON_FEATURE_M
            }
        );
        let WidthBasis::Unknown(u) = &z.basis else {
            panic!("{:?}", z.basis)
        };
        assert_eq!(u.supply, ["zone_m"]);
        assert!(!u.outside_scheme);
        assert!(r.problems[0].is_error());
    }

    /// Issue 19 item 7: a power line without `outer_wire_offset_m` is measured from its
    /// axis; `validate` warns (L270-275 zones are from the outer wire) and
    /// `power.wire_offset_unknown` draws the typical offset as a review band.
    #[test]
    fn l270_275_power_line_without_wire_offset_warns_and_gets_a_band() {
        let r = resolve("power.protection_zone", json!({"voltage_kv": 500}));
        assert_eq!(r.zone.unwrap().limit, Limit::Fixed { m: 30.0 });
        assert_eq!(r.problems.len(), 1);
        assert!(!r.problems[0].is_error());
        assert!(r.problems[0]
            .to_string()
            .contains("power.wire_offset_unknown"));
        let c = Catalog::embedded();
        let band = c.rule("power.wire_offset_unknown").unwrap();
        let attrs = json!({"voltage_kv": 500});
        assert!(band.applies_to(attrs.as_object().unwrap()));
        assert_eq!(
            band.resolve(attrs.as_object().unwrap()).zone.unwrap().limit,
            Limit::Fixed { m: 42.0 }
        );
        let given = json!({"voltage_kv": 500, "outer_wire_offset_m": 11});
        assert!(!band.applies_to(given.as_object().unwrap()));
        assert_eq!(
            band.regime().default.regime,
            crate::Regime::Review,
            "never stricter than the text"
        );
    }

    #[test]
    fn outer_wire_offset_moves_the_reference_line() {
        let z = resolve(
            "power.protection_zone",
            json!({"voltage_kv": 500, "outer_wire_offset_m": 12.5}),
        )
        .zone
        .unwrap();
        assert_eq!(z.limit, Limit::Fixed { m: 42.5 });
        assert_eq!(z.offset_m, 12.5);
    }

    #[test]
    fn conduit_belt_by_soil_and_diameter() {
        // `land = "undeveloped"`: the belt along the whole conduit, as L284-288 give it
        let l = |mut v: serde_json::Value| {
            v.as_object_mut()
                .unwrap()
                .insert("land".into(), "undeveloped".into());
            limit("water_conduit.sanitary_belt", v)
        };
        assert_eq!(
            l(json!({"soil": "dry", "diameter_mm": 800})),
            Limit::Fixed { m: 10.0 }
        );
        assert_eq!(
            l(json!({"soil": "dry", "diameter_mm": 1000})),
            Limit::Fixed { m: 10.0 }
        );
        assert_eq!(
            l(json!({"soil": "dry", "diameter_mm": 1001})),
            Limit::Fixed { m: 20.0 }
        );
        assert_eq!(
            l(json!({"soil": "wet", "diameter_mm": 300})),
            Limit::Fixed { m: 50.0 }
        );
        assert_eq!(l(json!({"soil": "WET"})), Limit::Fixed { m: 50.0 });
        let r = resolve("water_conduit.sanitary_belt", json!({"soil": "dry"}));
        assert!(
            r.problems[0].to_string().contains("missing `diameter_mm`"),
            "{:?}",
            r.problems
        );
        let r = resolve(
            "water_conduit.sanitary_belt",
            json!({"soil": "swampy", "diameter_mm": 500}),
        );
        assert!(
            r.problems[0].to_string().contains("\"swampy\""),
            "{:?}",
            r.problems
        );
    }

    /// L284: «Құрылыс салынбаған аумақтардан өтетін су таратқыштардың…» — the belts of
    /// conduits passing through undeveloped territories.
    #[test]
    fn l284_conduit_belt_stops_at_settlements_unless_the_feature_says_where_it_runs() {
        let r = resolve(
            "water_conduit.sanitary_belt",
            json!({"soil": "dry", "diameter_mm": 1200}),
        );
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        let z = r.zone.unwrap();
        assert_eq!(
            z.limit,
            Limit::BySettlement {
                inside: 0.0,
                outside: 20.0
            }
        );
        let (inside, outside) = z.settlement_citations.unwrap();
        assert_eq!(inside.scheme.as_deref(), Some("L284"));
        assert_eq!(outside.scheme.as_deref(), Some("L287"));
        let z = |land: &str| {
            resolve(
                "water_conduit.sanitary_belt",
                json!({"soil": "wet", "land": land}),
            )
            .zone
        };
        assert_eq!(z("undeveloped").unwrap().limit, Limit::Fixed { m: 50.0 });
        assert_eq!(z(" Undeveloped ").unwrap().limit, Limit::Fixed { m: 50.0 });
        assert!(z("developed").is_none());
        // an unknown value is the layer contract's error; the settlements decide
        assert_eq!(
            z("fields").unwrap().limit,
            Limit::BySettlement {
                inside: 0.0,
                outside: 50.0
            }
        );
    }

    #[test]
    fn rail_zone_depends_on_settlement_and_right_of_way() {
        // L259-261 measure from the strip outside the right-of-way: without it, a warning
        let r = resolve("rail.control_zone", json!({"id": "r-1"}));
        assert_eq!(
            r.zone.unwrap().limit,
            Limit::BySettlement {
                inside: 20.0,
                outside: 50.0
            }
        );
        assert_eq!(r.problems.len(), 1);
        assert!(!r.problems[0].is_error());
        assert!(
            r.problems[0]
                .to_string()
                .starts_with("no `right_of_way_m`: ")
                && r.problems[0].to_string().contains("L259-261"),
            "{}",
            r.problems[0]
        );
        assert_eq!(
            limit("rail.control_zone", json!({"right_of_way_m": 30})),
            Limit::BySettlement {
                inside: 35.0,
                outside: 65.0
            }
        );
    }

    #[test]
    fn gas_zone_is_the_law_or_the_feature() {
        let z = resolve("gas.protection_zone", json!({"diameter_mm": 1020}))
            .zone
            .unwrap();
        assert_eq!(z.limit, Limit::Fixed { m: 50.0 });
        assert!(z.citation.act.contains("No. 20-V"));
        let z = resolve("gas.protection_zone", json!({"protection_m": 75}))
            .zone
            .unwrap();
        assert_eq!(z.limit, Limit::Fixed { m: 75.0 });
        assert_eq!(z.basis, WidthBasis::Attribute("protection_m".into()));
    }

    #[test]
    fn named_water_objects_use_their_decrees() {
        let z = resolve(
            "water.belt",
            json!({"name": "Kapshagay reservoir", "kind": "reservoir"}),
        )
        .zone
        .unwrap();
        assert_eq!(z.limit, Limit::Fixed { m: 100.0 });
        assert!(z.citation.act.contains("No. 93"));
        assert_eq!(z.citation.scheme.as_deref(), Some("L534-535"));
        assert_eq!(
            limit("water.zone", json!({"name": "Turgen", "kind": "river"})),
            Limit::Range {
                min: 550.0,
                max: 1700.0
            }
        );
        // a reach's project width inside the decree's range is used as is
        assert_eq!(
            limit(
                "water.belt",
                json!({"name": "Turgen", "kind": "river", "belt_m": 80})
            ),
            Limit::Fixed { m: 80.0 }
        );
        // outside the range: error, and the decree's range is used
        let r = resolve(
            "water.belt",
            json!({"name": "Turgen", "kind": "river", "belt_m": 20}),
        );
        assert!(
            r.problems[0].is_error() && r.problems[0].to_string().contains("55–110 m"),
            "{:?}",
            r.problems
        );
        assert_eq!(
            r.zone.unwrap().limit,
            Limit::Range {
                min: 55.0,
                max: 110.0
            }
        );
    }

    /// L418 names the lake Үлкен Алматы көлі; decree 246/2011 (L536-540) sets the widths of
    /// the river Үлкен Алматы өзені. L559-561: decree 241/2012 is the Akbulak Club Resort's in
    /// Talgar district; the Ақбұлақ reservoir is in Karasai district (L2877).
    #[test]
    fn l418_a_lake_named_like_a_decree_river_gets_no_decree_widths() {
        let r = resolve(
            "water.zone",
            json!({"name": "Үлкен Алматы", "kind": "lake"}),
        );
        let z = r.zone.unwrap();
        assert_ne!(z.basis, WidthBasis::NamedObject("ulken_almaty".into()));
        assert_eq!(
            z.limit,
            Limit::Range {
                min: 0.0,
                max: 1000.0
            },
            "a lake without a project: a review band (issue 19 item 1)"
        );
        let warning = r.problems[0].to_string();
        assert!(!r.problems[0].is_error());
        for both in [
            "Ulken Almaty",
            "No. 246",
            "kind = \"river\"",
            "kind = \"lake\"",
        ] {
            assert!(warning.contains(both), "{both} not in: {warning}");
        }
        // without a kind the name alone decides nothing
        let r = resolve("water.belt", json!({"name": "Turgen"}));
        assert!(r
            .problems
            .iter()
            .any(|p| p.to_string().contains("kind = —")));
        // the Karasai Ақбұлақ reservoir is not the Talgar resort's pond
        let r = resolve(
            "water.belt",
            json!({"name": "Ақбұлақ", "kind": "reservoir", "district": "Karasai"}),
        );
        assert_ne!(
            r.zone.unwrap().basis,
            WidthBasis::NamedObject("akbulak_club_resort".into())
        );
        assert!(
            r.problems[0].to_string().contains("No. 241")
                && r.problems[0].to_string().contains("district = \"Karasai\""),
            "{}",
            r.problems[0]
        );
        let z = resolve(
            "water.belt",
            json!({"name": "Akbulak", "kind": "pond", "district": "Talgar", "complex": "akbulak_club_resort"}),
        )
        .zone
        .unwrap();
        assert_eq!(z.limit, Limit::Fixed { m: 35.0 });
    }

    /// Issue 19 item 4. L531-535: decree 93 sets the Kapshagay reservoir's widths, not a
    /// canal's of that name. L559-561: decree 241 is for the water bodies "within the
    /// Akbulak Club Resort complex"; L5838 names an Ақбұлақ village in Talgar district, so
    /// a Talgar pond named Ақбұлақ is not thereby the resort's: without `complex` the
    /// data cannot say, the decree's widths are not applied, a warning says why and the
    /// review band of a water body without a project stands.
    #[test]
    fn l531_535_l559_561_named_objects_match_only_what_the_act_names() {
        let r = resolve("water.belt", json!({"name": "Kapshagay", "kind": "canal"}));
        assert_ne!(
            r.zone.as_ref().unwrap().basis,
            WidthBasis::NamedObject("kapshagay".into())
        );
        assert!(
            r.problems[0].to_string().contains("No. 93"),
            "{:?}",
            r.problems
        );
        let r = resolve(
            "water.zone",
            json!({"name": "Ақбұлақ", "kind": "pond", "district": "Talgar"}),
        );
        let warning = r.problems[0].to_string();
        assert!(!r.problems[0].is_error());
        assert!(
            warning.contains("No. 241") && warning.contains("complex = \"akbulak_club_resort\""),
            "{warning}"
        );
        let z = r.zone.unwrap();
        assert!(matches!(z.basis, WidthBasis::Unknown(_)), "{:?}", z.basis);
        assert_eq!(
            z.limit,
            Limit::Range {
                min: 0.0,
                max: 1000.0
            }
        );
    }

    #[test]
    fn water_bodies_without_project_take_national_defaults() {
        let z = resolve("water.zone", json!({"kind": "river", "length_km": 60}))
            .zone
            .unwrap();
        assert_eq!(z.limit, Limit::Fixed { m: 500.0 });
        assert_eq!(z.citation.digest.as_deref(), Some("R28"));
        assert_eq!(
            limit(
                "water.zone",
                json!({"kind": "river", "catchment": "complex"})
            ),
            Limit::Fixed { m: 1000.0 }
        );
        assert_eq!(
            limit("water.zone", json!({"kind": "river"})),
            Limit::Range {
                min: 500.0,
                max: 1000.0
            }
        );
        // no default belt exists: a warning, not an invented number, and a review band
        // as wide as the widest decree belt (L543)
        let r = resolve("water.belt", json!({"kind": "lake"}));
        assert_eq!(
            r.zone.unwrap().limit,
            Limit::Range {
                min: 0.0,
                max: 110.0
            }
        );
        assert_eq!(r.problems.len(), 1);
        assert!(!r.problems[0].is_error(), "must be a warning");
    }

    /// Issue 19 item 1. L567-576 give default widths for rivers only: «шағын … өзендер
    /// үшін», «басқа өзендер үшін». A lake, reservoir, pond or canal without a width of its
    /// own or of an act gets a review band citing order No. 19-1/446 (outside the scheme,
    /// verify), never a prohibition from a river's default — also with `catchment`.
    #[test]
    fn l567_576_non_river_water_bodies_take_no_river_default() {
        for kind in ["lake", "reservoir", "pond", "canal"] {
            for extra in [
                json!({}),
                json!({"catchment": "complex"}),
                json!({"length_km": 20}),
            ] {
                let mut attrs = extra.as_object().unwrap().clone();
                attrs.insert("kind".into(), kind.into());
                let c = Catalog::embedded();
                let r = c.rule("water.zone").unwrap().resolve(&attrs);
                let z = r.zone.unwrap();
                assert_eq!(
                    z.limit,
                    Limit::Range {
                        min: 0.0,
                        max: 1000.0
                    },
                    "{kind} {extra}"
                );
                assert!(z.citation.act.contains("19-1/446") && z.citation.act.contains("verify"));
                let WidthBasis::Unknown(u) = &z.basis else {
                    panic!("{:?}", z.basis)
                };
                assert!(u.outside_scheme && u.supply == ["zone_m"]);
                assert!(!r.problems[0].is_error());
            }
        }
        // a river keeps its defaults
        assert_eq!(
            limit(
                "water.zone",
                json!({"kind": "river", "catchment": "complex"})
            ),
            Limit::Fixed { m: 1000.0 }
        );
    }

    #[test]
    fn corridors_are_half_each_side() {
        let z = resolve(
            "road.reserved_corridor",
            json!({"name": "Western Europe – Western China", "corridor_m": 130}),
        )
        .zone
        .unwrap();
        assert_eq!(z.limit, Limit::Fixed { m: 65.0 });
        assert_eq!(z.citation.scheme.as_deref(), Some("L219"));
        assert_eq!(
            limit(
                "road.reserved_corridor",
                json!({"name": "Middle semi-ring (Pervomai and Kapshagay bypass)"})
            ),
            Limit::Range {
                min: 66.0,
                max: 165.25
            }
        );
        let r = resolve(
            "road.reserved_corridor",
            json!({"name": "Western Europe – Western China", "corridor_m": 200}),
        );
        assert!(
            r.problems[0].to_string().contains("130 m"),
            "{:?}",
            r.problems
        );
        assert_eq!(r.zone.unwrap().limit, Limit::Fixed { m: 65.0 });
        let r = resolve("road.reserved_corridor", json!({"name": "Some road"}));
        assert!(r.problems[0].is_error());
        // no width: a parcel on the road's axis is flagged for review, nothing more
        assert!(matches!(r.zone.unwrap().basis, WidthBasis::Unknown(_)));
        // an unnamed corridor with its own width: user-supplied, cited as such
        let z = resolve(
            "road.reserved_corridor",
            json!({"name": "Local bypass", "corridor_m": 60}),
        )
        .zone
        .unwrap();
        assert_eq!(z.limit, Limit::Fixed { m: 30.0 });
        assert!(z.citation.note.unwrap().contains("user-supplied"));
    }
}
