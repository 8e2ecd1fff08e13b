//! What resolving a rule for one feature gives: the zone and the problems met.

use crate::issue::IssueLevel;
use crate::metres::format_metres;
use crate::width::WidthValue;
use crate::zone::Zone;
use serde_json::Value;
use thiserror::Error;

/// A rule's outcome for one feature: the zone, if one could be found, and any problems.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resolution {
    /// The zone, or `None` when no width applies.
    pub zone: Option<Zone>,
    /// Problems with the feature's attributes, in the order they were met.
    pub problems: Vec<ResolutionProblem>,
}

/// A problem with a feature's attributes met while resolving a rule: the zone may still
/// be found (from the catalog instead of the feature), or not at all.
///
/// ```
/// use aimaq_rules::{Catalog, IssueLevel, ResolutionProblem};
/// let catalog = Catalog::embedded();
/// let power = catalog.rule("power.protection_zone").unwrap();
/// let attrs = serde_json::json!({"id": "L2", "voltage_kv": "high", "outer_wire_offset_m": 0});
/// let res = power.resolve(attrs.as_object().unwrap());
/// let ResolutionProblem::CaseWrongType { attribute, expected, .. } = &res.problems[0]
/// else { panic!("{:?}", res.problems) };
/// assert_eq!((attribute.as_str(), *expected), ("voltage_kv", "number"));
/// assert_eq!(res.problems[0].level(), IssueLevel::Error);
/// assert_eq!(res.problems[0].to_string(),
///     "`voltage_kv` must be a number, found \"high\": width unknown, checked as a review band");
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ResolutionProblem {
    /// The offset attribute is not a non-negative number: measured from the geometry.
    #[error("`{attribute}` must be a non-negative number of metres, found {found}; measured from the stored geometry instead")]
    BadOffset {
        /// The offset attribute.
        attribute: String,
        /// Its value.
        found: Value,
    },
    /// The override attribute is not a positive number: the catalog's case is used.
    #[error("`{attribute}` must be a positive number of metres, found {found}; the catalog width is used instead")]
    BadOverride {
        /// The override attribute.
        attribute: String,
        /// Its value.
        found: Value,
    },
    /// An attribute a case tests has the wrong type: no zone.
    #[error("`{attribute}` must be a {expected}, found {found}: width unknown, checked as a review band")]
    CaseWrongType {
        /// The attribute.
        attribute: String,
        /// `number` or `string`.
        expected: &'static str,
        /// Its value.
        found: Value,
    },
    /// Attributes the cases test are missing: no zone.
    #[error("missing {}: width unknown, checked as a review band (the catalog has: {catalog_has})", show_quoted(.attributes))]
    MissingAttributes {
        /// The attributes, in the order the cases test them.
        attributes: Vec<String>,
        /// The cases in words.
        catalog_has: String,
    },
    /// No case holds for the feature's values: no zone.
    #[error("no width in the catalog for {}: checked as a review band (the catalog has: {catalog_has}; other values need the act that sets them)", show_values(.values))]
    NoCase {
        /// Each attribute the cases test, with the feature's value.
        values: Vec<(String, Option<Value>)>,
        /// The cases in words.
        catalog_has: String,
    },
    /// The width attribute is not a positive number: another width is looked for.
    #[error("`{attribute}` must be a positive number of metres, found {found}")]
    NotPositive {
        /// The width attribute.
        attribute: String,
        /// Its value.
        found: Value,
    },
    /// The feature's own width is outside what the named object's act sets: the act's
    /// width is used.
    #[error("`{attribute}` = {} m is outside the {act_width} set for {object} by {act} ({}); the act's width is used", format_metres(*.value), .scheme.as_deref().unwrap_or(""))]
    OutsideActWidth {
        /// The width attribute.
        attribute: String,
        /// The feature's width, metres.
        value: f64,
        /// The act's width or range.
        act_width: WidthValue,
        /// The object's first name.
        object: String,
        /// The act.
        act: String,
        /// The scheme's lines for the act's width.
        scheme: Option<String>,
    },
    /// An attribute a default tests has the wrong type: that default is not applied.
    #[error("`{attribute}` must be a {expected}, found {found}; default not applied")]
    DefaultWrongType {
        /// The attribute.
        attribute: String,
        /// `number` or `string`.
        expected: &'static str,
        /// Its value.
        found: Value,
    },
    /// The feature carries a named object's name but not its conditions (another kind of
    /// water body, another district, or no `kind` at all): it may be another feature of
    /// that name, so the act's widths are not applied.
    #[error("named like {object} of {act} ({key}), which is the one where {when}; this feature has {}: it is taken as another feature of that name and the act's widths are not applied (if it is that object, set {when})", show_values(.found))]
    NotThisObject {
        /// The object's first name.
        object: String,
        /// The object's key.
        key: String,
        /// The act that fixes its widths.
        act: String,
        /// The object's conditions in words.
        when: String,
        /// The feature's value for each attribute the conditions test.
        found: Vec<(String, Option<Value>)>,
    },
    /// The offset attribute the law's reference line needs is missing: the zone is
    /// measured from the stored geometry and falls short of the law.
    #[error("no `{attribute}`: {note}")]
    MissingOffset {
        /// The offset attribute.
        attribute: String,
        /// The catalog's words on what that means.
        note: String,
    },
    /// The zone is wider than the zone of another rule it must lie inside (a
    /// water-protection belt wider than its water-protection zone): a contradiction in
    /// the data, so this zone is not applied.
    #[error("{} is wider than the {} of `{within}` ({}), which it must lie inside ({lines}): rule not applied; correct one of the two widths", show_width(*.width, .from.as_deref()), show_width(*.within_width, .within_from.as_deref()), .within_title)]
    WiderThanZone {
        /// This zone's width, metres.
        width: f64,
        /// The attribute it came from, if the feature's own.
        from: Option<String>,
        /// The rule whose zone it must lie inside.
        within: String,
        /// That rule's title.
        within_title: String,
        /// That zone's width, metres.
        within_width: f64,
        /// The attribute that width came from, if the feature's own.
        within_from: Option<String>,
        /// The scheme's lines that nest the zones.
        lines: String,
    },
    /// Neither the feature, nor an act, nor a default gives a width: no zone.
    #[error("no `{attribute}` and no act in the catalog gives a width for this feature{}; checked as a review band", show_note(.note))]
    NoWidth {
        /// The width attribute.
        attribute: String,
        /// The catalog's words on it.
        note: Option<String>,
        /// Whether the catalog counts this an error or a warning.
        level: IssueLevel,
    },
}

impl ResolutionProblem {
    /// Whether results are incomplete (`Error`) or only less certain (`Warning`).
    pub fn level(&self) -> IssueLevel {
        match self {
            ResolutionProblem::NoWidth { level, .. } => *level,
            ResolutionProblem::NotThisObject { .. } | ResolutionProblem::MissingOffset { .. } => {
                IssueLevel::Warning
            }
            _ => IssueLevel::Error,
        }
    }

    /// Whether [`level`](Self::level) is `Error`.
    pub fn is_error(&self) -> bool {
        self.level() == IssueLevel::Error
    }
}

fn show_quoted(attributes: &[String]) -> String {
    attributes
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn show_values(values: &[(String, Option<Value>)]) -> String {
    values
        .iter()
        .map(|(a, v)| match v {
            Some(v) => format!("{a} = {v}"),
            None => format!("{a} = —"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn show_width(m: f64, from: Option<&str>) -> String {
    match from {
        Some(a) => format!("`{a}` = {} m", format_metres(m)),
        None => format!("{} m", format_metres(m)),
    }
}

fn show_note(note: &Option<String>) -> String {
    note.as_ref().map(|n| format!(": {n}")).unwrap_or_default()
}
