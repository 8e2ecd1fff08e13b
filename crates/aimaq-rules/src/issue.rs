//! Problems found in constraint data.

use serde::Serialize;
use std::fmt;

/// Whether a data problem makes results incomplete (`Error`) or only less certain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IssueLevel {
    /// Worth knowing; results are still complete.
    Warning,
    /// A rule could not be applied as the data says, or a record was refused.
    Error,
}

/// One problem with one feature of a constraint layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataIssue {
    /// Error or warning.
    pub level: IssueLevel,
    /// Layer name, e.g. `power_lines`.
    pub layer: String,
    /// The feature's `id`, or `#N` (0-based position) when it has none.
    pub feature: String,
    /// The rule concerned, when the problem is about one rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// What is wrong, in words a GIS officer can act on.
    pub message: String,
}

impl fmt::Display for DataIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            IssueLevel::Error => "error",
            IssueLevel::Warning => "warning",
        };
        write!(f, "{level}: {}/{}", self.layer, self.feature)?;
        if let Some(rule) = &self.rule {
            write!(f, " [{rule}]")?;
        }
        write!(f, ": {}", self.message)
    }
}
