//! The answer for one parcel.

use aimaq_rules::Severity;
use serde::Serialize;
use std::fmt;

/// A parcel's overall answer: the worst severity among its findings, or `Clear`.
///
/// ```
/// use aimaq_check::Verdict;
/// use aimaq_rules::Severity;
/// let v = Verdict::from_severities([Severity::Review, Severity::Prohibited]);
/// assert_eq!(v, Verdict::Prohibited);
/// assert_eq!(Verdict::from_severities([]), Verdict::Clear);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No zone entered.
    Clear,
    /// Only zones whose width needs the decree's project to settle.
    Review,
    /// Allowed with approvals or agreed projects.
    Conditional,
    /// At least one prohibition.
    Prohibited,
    /// The parcel could not be checked; see its error.
    Error,
}

impl Verdict {
    /// The worst of the severities, `Clear` for none.
    pub fn from_severities(severities: impl IntoIterator<Item = Severity>) -> Verdict {
        match severities.into_iter().max() {
            None => Verdict::Clear,
            Some(Severity::Review) => Verdict::Review,
            Some(Severity::Conditional) => Verdict::Conditional,
            Some(Severity::Prohibited) => Verdict::Prohibited,
        }
    }
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Clear => "clear",
            Verdict::Review => "review",
            Verdict::Conditional => "conditional",
            Verdict::Prohibited => "prohibited",
            Verdict::Error => "error",
        }
    }
    /// All verdicts, worst first (report order).
    pub const ALL: [Verdict; 5] = [
        Verdict::Prohibited,
        Verdict::Conditional,
        Verdict::Review,
        Verdict::Clear,
        Verdict::Error,
    ];
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
