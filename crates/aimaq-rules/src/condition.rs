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
    /// The attribute is given (`{ present = true }`) or absent (`{ present = false }`):
    /// a railway without `right_of_way_m`.
    Present {
        /// Whether it must be given.
        present: bool,
    },
    /// The attribute is absent, or meets the condition (`{ or_missing = "I" }`): a
    /// pipeline of class I, the class assumed when none is stated.
    OrMissing {
        /// The condition a given value must meet.
        or_missing: Box<Condition>,
    },
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
            Condition::OneOf(list) => {
                let quoted: Vec<String> = list.iter().map(|s| format!("\"{s}\"")).collect();
                write!(f, "∈ [{}]", quoted.join(", "))
            }
            // `—` is how a missing value is written everywhere (`kind = —`)
            Condition::Present { present: true } => f.write_str("≠ —"),
            Condition::Present { present: false } => f.write_str("= —"),
            Condition::OrMissing { or_missing } => write!(f, "{or_missing} | —"),
            Condition::Bound {
                max: Some(m),
                above: Some(a),
            } => write!(f, "∈ ({}, {}]", format_metres(*a), format_metres(*m)),
            Condition::Bound { max: Some(m), .. } => write!(f, "≤ {}", format_metres(*m)),
            Condition::Bound { above: Some(a), .. } => write!(f, "> {}", format_metres(*a)),
            // no bound: any number
            Condition::Bound { .. } => f.write_str("∈ ℝ"),
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
    /// Whether `value` meets the condition (a missing or mistyped value does not, unless
    /// the condition is about absence).
    ///
    /// ```
    /// use aimaq_rules::Condition;
    /// let river = Condition::Text("river".into());
    /// assert!(river.holds(Some(&serde_json::json!("River"))));
    /// assert!(!river.holds(None));
    /// assert!(Condition::Present { present: false }.holds(None));
    /// ```
    pub fn holds(&self, value: Option<&serde_json::Value>) -> bool {
        matches!(self.test(value), Test::Pass)
    }

    /// Tests `value`, telling a failed test from a missing or mistyped value.
    pub(crate) fn test(&self, value: Option<&serde_json::Value>) -> Test {
        let value = value.filter(|v| !v.is_null());
        match (self, value) {
            (Condition::Present { present }, v) => pass(v.is_some() == *present),
            (Condition::OrMissing { .. }, None) => Test::Pass,
            (Condition::OrMissing { or_missing }, v) => or_missing.test(v),
            (_, None) => Test::Missing,
            (Condition::Number(n), Some(value)) => match value.as_f64() {
                Some(v) if v.is_finite() => pass((v - n).abs() < 1e-9),
                _ => Test::WrongType("number"),
            },
            (Condition::Text(s), Some(value)) => match value.as_str() {
                Some(v) => pass(v.trim().eq_ignore_ascii_case(s)),
                None => Test::WrongType("string"),
            },
            (Condition::OneOf(list), Some(value)) => match value.as_str() {
                Some(v) => pass(list.iter().any(|s| v.trim().eq_ignore_ascii_case(s))),
                None => Test::WrongType("string"),
            },
            (Condition::Bound { max, above }, Some(value)) => match value.as_f64() {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(toml_value: &str) -> Condition {
        #[derive(Deserialize)]
        struct W {
            c: Condition,
        }
        toml::from_str::<W>(&format!("c = {toml_value}")).unwrap().c
    }

    #[test]
    fn presence_and_or_missing_conditions() {
        let absent = parse("{ present = false }");
        assert_eq!(absent, Condition::Present { present: false });
        assert!(absent.holds(None) && absent.holds(Some(&json!(null))));
        assert!(!absent.holds(Some(&json!(30))));
        assert_eq!(absent.to_string(), "= —");
        let class_i = parse("{ or_missing = \"I\" }");
        assert!(class_i.holds(None));
        assert!(class_i.holds(Some(&json!(" i "))));
        assert!(!class_i.holds(Some(&json!("II"))));
        assert!(matches!(
            class_i.test(Some(&json!(2))),
            Test::WrongType("string")
        ));
        assert_eq!(class_i.to_string(), "= \"I\" | —");
        // bounds still parse as bounds
        assert_eq!(
            parse("{ max = 325 }"),
            Condition::Bound {
                max: Some(325.0),
                above: None
            }
        );
    }
}
