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

    /// A citation read back from its English line (its `Display`), as reports that
    /// store the line keep it, so that it can be said in another language with
    /// [`Catalog::cite`](crate::Catalog::cite). `None` for a line without the scheme's
    /// lines, whose act cannot be told from its note.
    ///
    /// ```
    /// use aimaq_rules::Citation;
    /// let c = Citation::new("Decree No. 514 of 13.08.2020").scheme("L273, L280-281").digest("R04")
    ///     .note("read as ≤ 1,000 mm (verify)");
    /// assert_eq!(Citation::from_line(&c.to_string()), Some(c));
    /// assert_eq!(Citation::from_line("Some act"), None);
    /// ```
    pub fn from_line(line: &str) -> Option<Citation> {
        let (act, rest) = line.split_once(", scheme ")?;
        // the ranges: `L12`, `L12-15`, joined by `, `
        let range_len = |r: &str| {
            r.strip_prefix('L').map(|t| {
                1 + t
                    .find(|c: char| !c.is_ascii_digit() && c != '-')
                    .unwrap_or(t.len())
            })
        };
        let mut end = range_len(rest)?;
        while rest[end..].starts_with(", L") {
            end += 2 + range_len(&rest[end + 2..])?;
        }
        let lines = rest[..end].to_string();
        let mut rest = rest[end..].trim_start();
        let mut c = Citation::new(act).scheme(lines);
        if let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']')?;
            c = c.digest(&r[..close]);
            rest = r[close + 1..].trim_start();
        }
        if let Some(note) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
            c = c.note(note);
        } else if !rest.is_empty() {
            return None;
        }
        Some(c)
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
