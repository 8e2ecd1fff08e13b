//! How bad it is to be inside a zone.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What entering a zone means for the proposed use. Ordered from mildest to worst, so
/// that `max()` over findings gives the parcel's verdict.
///
/// ```
/// use aimaq_rules::Severity;
/// assert!(Severity::Prohibited > Severity::Conditional);
/// assert!(Severity::Conditional > Severity::Review);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The answer is open: the width is a range and the parcel lies between its ends (the
    /// decree's project, not in the dataset, decides), or the regime for the use is
    /// `review` (the cell says what must be settled).
    Review,
    /// Allowed with an approval or an agreed project.
    Conditional,
    /// Not allowed.
    Prohibited,
}

impl Severity {
    /// The lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Review => "review",
            Severity::Conditional => "conditional",
            Severity::Prohibited => "prohibited",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
