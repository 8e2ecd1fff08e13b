//! Conditions on a feature's attributes, as `when` tables state them.

use crate::metres::format_metres;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A condition on one attribute in a `when` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Condition {
    /// The attribute is this number.
    Number(f64),
    /// The attribute is this string (case-insensitive).
    Text(String),
    /// The attribute is one of these strings (case-insensitive).
    OneOf(Vec<String>),
    /// The attribute is a number within bounds.
    Bound {
        /// `≤ max`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
        /// `> above`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        above: Option<f64>,
    },
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Number(n) => write!(f, "= {}", format_metres(*n)),
            Condition::Text(s) => write!(f, "= \"{s}\""),
            Condition::OneOf(list) => write!(f, "in [{}]", list.join(", ")),
            Condition::Bound { max, above } => {
                let mut parts = Vec::new();
                if let Some(a) = above {
                    parts.push(format!("> {}", format_metres(*a)));
                }
                if let Some(m) = max {
                    parts.push(format!("≤ {}", format_metres(*m)));
                }
                f.write_str(&parts.join(" and "))
            }
        }
    }
}

/// `when` conditions in words (`kind = "river", length_km > 10`), empty when there are none.
pub(crate) fn describe_when(when: &[(String, Condition)]) -> String {
    when.iter()
        .map(|(a, c)| format!("{a} {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The outcome of testing a condition on a feature's value.
pub(crate) enum Test {
    Pass,
    Fail,
    Missing,
    /// The value has the wrong JSON type; the type expected.
    WrongType(&'static str),
}

impl Condition {
    /// Whether `value` meets the condition (a missing or mistyped value does not).
    pub(crate) fn holds(&self, value: Option<&serde_json::Value>) -> bool {
        matches!(self.test(value), Test::Pass)
    }

    /// Tests `value`, telling a failed test from a missing or mistyped value.
    pub(crate) fn test(&self, value: Option<&serde_json::Value>) -> Test {
        let Some(value) = value.filter(|v| !v.is_null()) else {
            return Test::Missing;
        };
        match self {
            Condition::Number(n) => match value.as_f64() {
                Some(v) if v.is_finite() => pass((v - n).abs() < 1e-9),
                _ => Test::WrongType("number"),
            },
            Condition::Text(s) => match value.as_str() {
                Some(v) => pass(v.trim().eq_ignore_ascii_case(s)),
                None => Test::WrongType("string"),
            },
            Condition::OneOf(list) => match value.as_str() {
                Some(v) => pass(list.iter().any(|s| v.trim().eq_ignore_ascii_case(s))),
                None => Test::WrongType("string"),
            },
            Condition::Bound { max, above } => match value.as_f64() {
                Some(v) if v.is_finite() => {
                    pass(max.is_none_or(|m| v <= m) && above.is_none_or(|a| v > a))
                }
                _ => Test::WrongType("number"),
            },
        }
    }
}

fn pass(b: bool) -> Test {
    if b {
        Test::Pass
    } else {
        Test::Fail
    }
}
