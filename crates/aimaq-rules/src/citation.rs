//! Where a number comes from.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The legal source of a rule or of one width: the act, and where the scheme says it.
///
/// ```
/// use aimaq_rules::Citation;
/// let c = Citation::new("Decree No. 514 of 13.08.2020").scheme("L273").digest("R04");
/// assert_eq!(c.to_string(), "Decree No. 514 of 13.08.2020, scheme L273 [R04]");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Citation {
    /// The act (decree, law, order, norm) the value comes from.
    pub act: String,
    /// 1-based line range in the scheme's Kazakh text, e.g. `L256-263`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// Rule number in the project's digest of the scheme, e.g. `R01-R02`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// How the text was read where it is ambiguous.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Citation {
    /// A citation of `act` alone.
    pub fn new(act: impl Into<String>) -> Self {
        Citation {
            act: act.into(),
            ..Default::default()
        }
    }
    /// Adds the scheme's line range.
    pub fn scheme(mut self, lines: impl Into<String>) -> Self {
        self.scheme = Some(lines.into());
        self
    }
    /// Adds the digest's rule number.
    pub fn digest(mut self, rule: impl Into<String>) -> Self {
        self.digest = Some(rule.into());
        self
    }
    /// Adds a reading note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

impl fmt::Display for Citation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.act)?;
        if let Some(lines) = &self.scheme {
            write!(f, ", scheme {lines}")?;
        }
        if let Some(rule) = &self.digest {
            write!(f, " [{rule}]")?;
        }
        if let Some(note) = &self.note {
            write!(f, " ({note})")?;
        }
        Ok(())
    }
}
