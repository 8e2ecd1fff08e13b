//! The law itself: the sentences of the scheme's Kazakh text that a citation's line
//! range points at, quoted verbatim, so that a finding says what the lines say and not
//! only «схема L541-542».

use crate::citation::Citation;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use thiserror::Error;

/// The scheme's Kazakh text the catalog's line numbers refer to
/// (`data/seed/almaty-agglomeration-scheme-2020.kk.txt`), compiled in.
pub const EMBEDDED_SCHEME: &str =
    include_str!("../../../data/seed/almaty-agglomeration-scheme-2020.kk.txt");

/// The file name of [`EMBEDDED_SCHEME`], as a catalog's `source` names it.
pub const EMBEDDED_SCHEME_FILE: &str = "almaty-agglomeration-scheme-2020.kk.txt";

/// A quotation of the scheme: one line range of a citation and what those lines say.
///
/// `text` is the lines verbatim, with the layout of the source undone: each line's
/// indentation and trailing spaces removed, runs of spaces made one, and the lines joined
/// by one space (none before a line that starts with punctuation). When the range's last line starts a sentence
/// that runs on past the range, that fragment is left out, so the quotation ends where
/// a sentence of the range ends.
///
/// ```
/// use aimaq_rules::{Citation, SchemeText};
/// let scheme = SchemeText::embedded();
/// let law = scheme.quote(&Citation::new("Decree No. 514 of 13.08.2020").scheme("L541-542"));
/// assert_eq!(law[0].lines, "L541-542");
/// assert_eq!(law[0].text, "Түрген өзені: су қорғау аймағы – 550-1700 м;");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LawExcerpt {
    /// The line range, as the citation writes it: `L593-600`, `L617`.
    pub lines: String,
    /// What the lines say, in Kazakh, verbatim.
    pub text: String,
}

/// A citation's `scheme` that is not a list of line ranges (`L12`, `L12-15`, joined by
/// `, `), or a range outside the text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("scheme lines `{lines}`: {problem}")]
pub struct BadLines {
    /// The citation's `scheme` as written.
    pub lines: String,
    /// What is wrong with it.
    pub problem: String,
}

/// `L593-600, L617` as `[(593, 600), (617, 617)]` (1-based, inclusive).
///
/// ```
/// assert_eq!(aimaq_rules::line_ranges("L593-600, L617").unwrap(), [(593, 600), (617, 617)]);
/// assert!(aimaq_rules::line_ranges("L600-593").is_err());
/// assert!(aimaq_rules::line_ranges("p. 12").is_err());
/// ```
pub fn line_ranges(scheme: &str) -> Result<Vec<(usize, usize)>, BadLines> {
    let bad = |problem: String| BadLines {
        lines: scheme.to_string(),
        problem,
    };
    let mut out = Vec::new();
    for part in scheme.split(',').map(str::trim) {
        let Some(range) = part.strip_prefix('L') else {
            return Err(bad(format!("`{part}` is not `L<first>[-<last>]`")));
        };
        let number = |s: &str| {
            s.trim()
                .parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| bad(format!("`{s}` in `{part}` is not a line number")))
        };
        let (first, last) = match range.split_once('-') {
            Some((a, b)) => (number(a)?, number(b)?),
            None => {
                let n = number(range)?;
                (n, n)
            }
        };
        if last < first {
            return Err(bad(format!("`{part}` ends before it starts")));
        }
        out.push((first, last));
    }
    Ok(out)
}

/// The scheme's text by line, for quoting.
#[derive(Debug)]
pub struct SchemeText {
    lines: Vec<&'static str>,
}

impl SchemeText {
    /// The embedded Kazakh text ([`EMBEDDED_SCHEME`]).
    pub fn embedded() -> &'static SchemeText {
        static TEXT: OnceLock<SchemeText> = OnceLock::new();
        TEXT.get_or_init(|| SchemeText {
            lines: EMBEDDED_SCHEME.lines().collect(),
        })
    }

    /// How many lines the text has.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Line `n` (1-based) as the file holds it.
    pub fn line(&self, n: usize) -> Option<&'static str> {
        n.checked_sub(1).and_then(|i| self.lines.get(i)).copied()
    }

    /// Lines `first..=last` with the layout undone (indentation gone, joined by one space,
    /// none before leading punctuation), nothing trimmed: what a quotation must be a part
    /// of. `None` when the range leaves the text.
    ///
    /// ```
    /// let scheme = aimaq_rules::SchemeText::embedded();
    /// assert_eq!(scheme.joined(3328, 3329).unwrap(),
    ///     "су қорғау аймақтарын, су ағындары мен су қоймаларының жағалаудағы белдеулерін, су жинағыштарды санитариялық қорғау аймағын ұйымдастыру;");
    /// assert!(scheme.joined(1, 100_000).is_none());
    /// ```
    pub fn joined(&self, first: usize, last: usize) -> Option<String> {
        if first == 0 || last < first || last > self.lines.len() {
            return None;
        }
        let mut out = String::new();
        for line in &self.lines[first - 1..last] {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if !out.is_empty() && !line.starts_with([',', '.', ';', ':', ')']) {
                out.push(' ');
            }
            // runs of spaces inside a line are the layout's too
            let mut space = false;
            for c in line.chars() {
                if c.is_whitespace() {
                    if !space {
                        out.push(' ');
                    }
                    space = true;
                } else {
                    out.push(c);
                    space = false;
                }
            }
        }
        Some(out)
    }

    /// The quotation of lines `first..=last` ([`LawExcerpt`]): `None` when the range
    /// leaves the text or holds no words.
    pub fn excerpt(&self, first: usize, last: usize) -> Option<String> {
        let text = self.joined(first, last)?;
        let ends_sentence = |s: &str| s.trim_end().ends_with(['.', ';', ':', '!', '?']);
        if ends_sentence(&text) {
            return Some(text);
        }
        // the last line starts a sentence the range does not finish: end at the full
        // stop before it, when that stop lies on the last line
        let last_line = self.joined(last, last)?;
        let last_start = text.len() - last_line.len();
        let stop = text[last_start..]
            .match_indices(". ")
            .filter(|(i, _)| {
                text[last_start + i + 2..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_uppercase() || c == '«' || c == '"')
            })
            .map(|(i, _)| last_start + i + 1)
            .last();
        match stop {
            Some(end) if !text[..end].trim().is_empty() => Some(text[..end].to_string()),
            _ => Some(text).filter(|t| !t.is_empty()),
        }
    }

    /// The quotations a citation's `scheme` lines give, one per range, in its order; none
    /// for a citation of another act alone or with lines that do not parse.
    pub fn quote(&self, citation: &Citation) -> Vec<LawExcerpt> {
        let Some(scheme) = citation.scheme.as_deref() else {
            return Vec::new();
        };
        let Ok(ranges) = line_ranges(scheme) else {
            return Vec::new();
        };
        ranges
            .into_iter()
            .filter_map(|(first, last)| {
                let text = self.excerpt(first, last)?;
                let lines = if first == last {
                    format!("L{first}")
                } else {
                    format!("L{first}-{last}")
                };
                Some(LawExcerpt { lines, text })
            })
            .collect()
    }

    /// The quotations of several citations (a finding's width and regime), each range
    /// once, in the order first given.
    pub fn quote_all<'a>(
        &self,
        citations: impl IntoIterator<Item = &'a Citation>,
    ) -> Vec<LawExcerpt> {
        let mut out: Vec<LawExcerpt> = Vec::new();
        for c in citations {
            for q in self.quote(c) {
                if !out.iter().any(|o| o.lines == q.lines) {
                    out.push(q);
                }
            }
        }
        out
    }
}

impl crate::Catalog {
    /// The sentences of the scheme `citations` point at ([`SchemeText::quote_all`]),
    /// when the catalog's line numbers refer to the embedded text (its `source` names
    /// [`EMBEDDED_SCHEME_FILE`]); none for a catalog of another text.
    ///
    /// ```
    /// let catalog = aimaq_rules::Catalog::embedded();
    /// let rail = catalog.rule("rail.control_zone").unwrap();
    /// let law = catalog.law([rail.citation()]);
    /// assert_eq!(law[0].lines, "L256-263");
    /// assert!(law[0].text.contains("20 метр"));
    /// ```
    pub fn law<'a>(&self, citations: impl IntoIterator<Item = &'a Citation>) -> Vec<LawExcerpt> {
        if !self.info().source.starts_with(EMBEDDED_SCHEME_FILE) {
            return Vec::new();
        }
        SchemeText::embedded().quote_all(citations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l263_the_rail_zone_in_settlements_is_quoted_as_the_line_says() {
        let s = SchemeText::embedded();
        assert_eq!(
            s.excerpt(263, 263).unwrap(),
            "- елді мекендерде – теміржол жолағынан екі жаққа 20 метр қашықтықта."
        );
    }

    #[test]
    fn l614_617_the_quotation_ends_with_the_prohibition() {
        let s = SchemeText::embedded();
        let t = s.excerpt(614, 617).unwrap();
        assert!(t.ends_with("пайдалануға тыйым салынады."), "{t}");
        assert!(!t.contains("  \n"));
    }

    #[test]
    fn a_range_that_starts_a_sentence_it_does_not_finish_stops_at_the_full_stop() {
        let s = SchemeText::embedded();
        // find a line holding ". X" whose sentence runs on past it, and check the cut
        let n = (2..s.len())
            .find(|&n| {
                let j = s.joined(n, n).unwrap();
                let cut = j
                    .rfind(". ")
                    .is_some_and(|i| j[i + 2..].chars().next().is_some_and(char::is_uppercase));
                cut && !j.trim_end().ends_with(['.', ';', ':', '!', '?'])
            })
            .expect("the text has such a line");
        let q = s.excerpt(n, n).unwrap();
        assert!(q.ends_with('.'), "L{n}: {q}");
        assert!(s.joined(n, n).unwrap().starts_with(&q));
    }

    #[test]
    fn ranges_outside_the_text_quote_nothing() {
        let s = SchemeText::embedded();
        let c = Citation::new("x").scheme(format!("L{}", s.len() + 1));
        assert!(s.quote(&c).is_empty());
        assert!(s.quote(&Citation::new("x")).is_empty());
    }
}
