//! The one text renderer: the table a permit officer reads, for `aimaq check` (from a
//! [`Report`](crate::Report)) and `aimaq report-text` (from a compact screening report's
//! rows) alike. Every word comes from the catalog's `[messages]` in the language asked
//! for, every number goes through [`format_number`]; only codes, ids and names stay as
//! the files hold them (escaped with [`printable`]).

use aimaq_rules::{fill_in, format_number, printable, Catalog, Lang, Severity};
use std::io::{self, Write};

/// One finding as the table shows it.
#[derive(Debug, Clone, Copy)]
pub struct TextFinding<'a> {
    /// What entering the zone means for the parcel's use.
    pub severity: Severity,
    /// Rule id.
    pub rule: &'a str,
    /// The feature's id.
    pub feature: &'a str,
    /// The feature's name in the report's language, if it has one.
    pub feature_name: Option<&'a str>,
    /// Minimum distance, m.
    pub distance_m: f64,
    /// The limit that applied, m (0: the area itself).
    pub limit_m: f64,
    /// Encumbered area, m².
    pub encumbered_m2: f64,
    /// Encumbered share of the parcel.
    pub encumbered_share: f64,
    /// The finding's one line, when the report holds it; without it the line is made
    /// of the regime, the rule's title and the approval.
    pub message: Option<&'a str>,
    /// The rule's title in the report's language (for the line made without a message).
    pub rule_title: Option<&'a str>,
    /// The regime code for the use (`prohibited`, `conditional`, `review`).
    pub regime: &'a str,
    /// What makes a conditional use possible, in the report's language.
    pub approval: Option<&'a str>,
    /// The width's act and lines, in the report's language.
    pub citation: Option<&'a str>,
    /// The regime's act and lines, in the report's language.
    pub regime_citation: Option<&'a str>,
}

/// One parcel as the table shows it.
#[derive(Debug, Clone)]
pub struct TextParcel<'a> {
    /// The parcel's id.
    pub id: &'a str,
    /// The use the regime was looked up for.
    pub use_code: &'a str,
    /// Area, m².
    pub area_m2: f64,
    /// Verdict code (`prohibited`, …, `error`).
    pub verdict: &'a str,
    /// Why it could not be checked.
    pub error: Option<&'a str>,
    /// Its findings, in order.
    pub findings: Vec<TextFinding<'a>>,
    /// The union of the findings' zones, m², and its share.
    pub encumbered: Option<(f64, f64)>,
    /// The union by severity, worst first: `(severity, m², share)`.
    pub encumbered_by_severity: Vec<(Severity, f64, f64)>,
}

/// Writes the table in one language.
///
/// ```
/// use aimaq_check::{TextParcel, TextRenderer};
/// use aimaq_rules::{Catalog, Lang};
/// let catalog = Catalog::embedded();
/// let text = TextRenderer::new(&catalog, Lang::Ru);
/// let p = TextParcel { id: "P-1", use_code: "residential", area_m2: 1199.34, verdict: "clear",
///     error: None, findings: vec![], encumbered: None, encumbered_by_severity: vec![] };
/// let mut out = Vec::new();
/// text.parcel(&p, &mut out).unwrap();
/// let out = String::from_utf8(out).unwrap();
/// assert!(out.contains("1\u{202f}199,3 м²"), "{out}");
/// assert!(out.contains("ОГРАНИЧЕНИЙ НЕТ"));
/// ```
#[derive(Clone, Copy)]
pub struct TextRenderer<'a> {
    catalog: &'a Catalog,
    lang: Lang,
}

impl<'a> TextRenderer<'a> {
    /// A renderer of `catalog`'s words in `lang`.
    pub fn new(catalog: &'a Catalog, lang: Lang) -> TextRenderer<'a> {
        TextRenderer { catalog, lang }
    }

    /// The catalog's message `key` in the renderer's language.
    pub fn msg(&self, key: &str) -> &'a str {
        self.catalog.message(key, self.lang)
    }

    /// The message `key` with its placeholders filled.
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        fill_in(self.lang, self.msg(key), values)
    }

    /// A number in the renderer's language ([`format_number`]).
    pub fn number(&self, value: f64, decimals: Option<usize>) -> String {
        format_number(self.lang, value, decimals)
    }

    /// A verdict code as the language's word (`ТЫЙЫМ САЛЫНҒАН`).
    pub fn verdict_word(&self, verdict: &str) -> &'a str {
        self.msg(&format!("verdict.{verdict}"))
    }

    /// A severity as a word of the language, in lower case.
    pub fn severity_word(&self, s: Severity) -> String {
        let key = match s {
            Severity::Prohibited => "regime.prohibited",
            Severity::Conditional => "regime.conditional",
            Severity::Review => "severity.review",
        };
        self.msg(key).to_lowercase()
    }

    /// The report's first lines: the scheme and its act, where it was measured.
    pub fn header(&self, crs: &str, out: &mut impl Write) -> io::Result<()> {
        let info = self.catalog.info();
        writeln!(
            out,
            "aimaq — {} ({})",
            info.title_in(self.lang),
            self.catalog.text(&info.act, self.lang)
        )?;
        writeln!(out, "{}", self.fill("label.measured_in", &[("crs", crs)]))
    }

    /// One parcel: its line, each finding's lines, and the union of its zones.
    pub fn parcel(&self, p: &TextParcel<'_>, out: &mut impl Write) -> io::Result<()> {
        let m = self.msg("unit.m");
        let m2 = self.msg("unit.m2");
        // ids, uses and names come from other people's files: escaped, so that they can
        // neither forge a line nor command the terminal
        let id = printable(p.id);
        match p.error {
            Some(e) => writeln!(
                out,
                "{id:<14} {}  {}",
                self.verdict_word("error"),
                printable(e)
            )?,
            None => writeln!(
                out,
                "{id:<14} {:<12} {:>12} {m2}  {}",
                printable(p.use_code),
                self.number(p.area_m2, Some(1)),
                self.verdict_word(p.verdict)
            )?,
        }
        for f in &p.findings {
            let mark = match f.severity {
                Severity::Prohibited => "✗",
                Severity::Conditional => "!",
                Severity::Review => "?",
            };
            let name = f
                .feature_name
                .map(|n| format!(" «{}»", printable(n)))
                .unwrap_or_default();
            let distance = if f.limit_m == 0.0 {
                self.msg("label.overlap").to_string()
            } else {
                format!(
                    "{} {m} < {} {m}",
                    self.number(f.distance_m, Some(2)),
                    self.number(f.limit_m, None)
                )
            };
            writeln!(
                out,
                "  {mark} {:<11} {:<28} {}{} — {distance}, {} {m2} ({} %)",
                self.severity_word(f.severity),
                f.rule,
                printable(f.feature),
                name,
                self.number(f.encumbered_m2, Some(1)),
                self.number(f.encumbered_share * 100.0, Some(1))
            )?;
            let line = match f.message {
                Some(message) => printable(message).into_owned(),
                None => {
                    let mut line = format!(
                        "{}: {}",
                        self.msg(&format!("regime.{}", f.regime)),
                        f.rule_title.unwrap_or(f.rule)
                    );
                    if let Some(a) = f.approval {
                        line.push_str(" — ");
                        line.push_str(&self.fill("approval", &[("approval", a)]));
                    }
                    line
                }
            };
            writeln!(out, "      {line}")?;
            if let Some(c) = f.citation {
                writeln!(out, "      {}: {c}", self.msg("label.source"))?;
            }
            if let Some(c) = f.regime_citation {
                writeln!(out, "      {}: {c}", self.msg("label.regime_source"))?;
            }
        }
        if let Some((total, share)) = p.encumbered.filter(|_| p.findings.len() > 1) {
            let parts: Vec<String> = p
                .encumbered_by_severity
                .iter()
                .map(|(s, a, share)| {
                    format!(
                        "{} {} {m2} ({} %)",
                        self.severity_word(*s),
                        self.number(*a, Some(1)),
                        self.number(share * 100.0, Some(1))
                    )
                })
                .collect();
            let tail = if parts.is_empty() {
                String::new()
            } else {
                format!(" — {}", parts.join(", "))
            };
            writeln!(
                out,
                "  = {}: {} {m2} ({} %){tail}",
                self.msg("label.encumbrance"),
                self.number(total, Some(1)),
                self.number(share * 100.0, Some(1)),
            )?;
        }
        Ok(())
    }

    /// The closing count: `39 участков: проверено 39 (…), с ошибкой 0`; `verdicts` are
    /// `(verdict code, count)` worst first.
    pub fn summary(
        &self,
        parcels_in: usize,
        checked: usize,
        verdicts: &[(&str, usize)],
        errored: usize,
    ) -> String {
        let verdicts: Vec<String> = verdicts
            .iter()
            .map(|(v, n)| {
                format!(
                    "{} {}",
                    self.verdict_word(v).to_lowercase(),
                    self.number(*n as f64, None)
                )
            })
            .collect();
        self.fill(
            "label.summary",
            &[
                ("n", &self.number(parcels_in as f64, None)),
                ("checked", &self.number(checked as f64, None)),
                ("verdicts", &verdicts.join(", ")),
                ("errored", &self.number(errored as f64, None)),
            ],
        )
    }
}
