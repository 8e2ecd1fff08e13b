//! Widths as the catalog states them: one value or a decree's range, with the citation.

use crate::citation::Citation;
use crate::metres::format_metres;
use serde::Serialize;
use std::fmt;

/// A width as the catalog states it: one value or a decree's range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum WidthValue {
    /// Exactly this many metres.
    Exact(f64),
    /// Between `min` and `max` metres; the decree's project decides where.
    Range {
        /// Lower end, metres.
        min: f64,
        /// Upper end, metres.
        max: f64,
    },
}

impl WidthValue {
    /// Whether this is a range.
    pub fn is_range(&self) -> bool {
        matches!(self, WidthValue::Range { .. })
    }
    pub(crate) fn scaled(self, k: f64) -> WidthValue {
        match self {
            WidthValue::Exact(m) => WidthValue::Exact(m * k),
            WidthValue::Range { min, max } => WidthValue::Range {
                min: min * k,
                max: max * k,
            },
        }
    }
}

impl fmt::Display for WidthValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WidthValue::Exact(m) => write!(f, "{} m", format_metres(*m)),
            WidthValue::Range { min, max } => {
                write!(f, "{}–{} m", format_metres(*min), format_metres(*max))
            }
        }
    }
}

/// A width with its own citation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourcedWidth {
    /// The value.
    pub value: WidthValue,
    /// Where it comes from.
    pub citation: Citation,
}

/// One width in metres with its own citation: what cases and settlement-dependent rules
/// give, where a range has no meaning.
///
/// ```
/// use aimaq_rules::{Catalog, WidthRule};
/// let catalog = Catalog::embedded();
/// let WidthRule::BySettlement { inside, outside, .. } = catalog.rule("rail.control_zone").unwrap().width()
/// else { panic!("the railway zone depends on settlements") };
/// assert_eq!((inside.m, outside.m), (20.0, 50.0));
/// assert_eq!(inside.to_string(), "20 m");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExactWidth {
    /// Metres.
    pub m: f64,
    /// Where it comes from.
    pub citation: Citation,
}

impl fmt::Display for ExactWidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        WidthValue::Exact(self.m).fmt(f)
    }
}

impl SourcedWidth {
    /// The width when it is one value, not a range.
    pub(crate) fn exact(self) -> Option<ExactWidth> {
        match self.value {
            WidthValue::Exact(m) => Some(ExactWidth {
                m,
                citation: self.citation,
            }),
            WidthValue::Range { .. } => None,
        }
    }
}
