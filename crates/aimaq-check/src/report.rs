//! The whole answer for a batch of parcels: JSON contract and a table for a person.

use crate::engine::Engine;
use crate::finding::ParcelReport;
use crate::prepare::DatasetStats;
use crate::verdict::Verdict;
use aimaq_rules::{
    fill_in, format_metres, printable, Catalog, DataIssue, Date, IssueLevel, Lang, NotInForce,
    Severity,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Which catalog produced the findings.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogRef {
    /// Catalog id.
    pub id: String,
    /// Scheme title.
    pub title: String,
    /// Approving act.
    pub act: String,
    /// The date the rules were taken as of (`--as-of`), if one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<Date>,
    /// Rules not applied because their wording is not in force on `as_of`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_in_force: Vec<NotInForce>,
}

/// The dataset's state.
#[derive(Debug, Clone, Serialize)]
pub struct DatasetSection {
    /// What it held.
    #[serde(flatten)]
    pub stats: DatasetStats,
    /// Its problems.
    pub issues: Vec<DataIssue>,
    /// The credit its licence requires (OpenStreetMap data: "© OpenStreetMap
    /// contributors, ODbL 1.0, …"); absent when none is required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
}

/// Counts that must add up: `parcels_in = parcels_checked + parcels_errored`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    /// Records read.
    pub parcels_in: usize,
    /// Records checked.
    pub parcels_checked: usize,
    /// Records that could not be checked.
    pub parcels_errored: usize,
    /// Checked parcels by verdict.
    pub by_verdict: BTreeMap<Verdict, usize>,
    /// Findings by rule id.
    pub findings_by_rule: BTreeMap<String, usize>,
    /// Dataset errors (results may be incomplete when > 0).
    pub dataset_errors: usize,
    /// Dataset warnings.
    pub dataset_warnings: usize,
}

impl Summary {
    /// Counts the reports.
    pub fn of(parcels: &[ParcelReport], issues: &[DataIssue]) -> Summary {
        let mut summary = Summary::empty(issues);
        for p in parcels {
            summary.add(p);
        }
        summary
    }

    /// No parcels yet; the dataset's problems counted. Streaming callers [`add`](Self::add)
    /// reports as they go, so a batch never has to sit in memory to be summed up.
    pub fn empty(issues: &[DataIssue]) -> Summary {
        let count = |level| issues.iter().filter(|i| i.level == level).count();
        Summary {
            parcels_in: 0,
            parcels_checked: 0,
            parcels_errored: 0,
            by_verdict: BTreeMap::new(),
            findings_by_rule: BTreeMap::new(),
            dataset_errors: count(IssueLevel::Error),
            dataset_warnings: count(IssueLevel::Warning),
        }
    }

    /// Counts one more report.
    pub fn add(&mut self, p: &ParcelReport) {
        self.parcels_in += 1;
        if p.verdict == Verdict::Error {
            self.parcels_errored += 1;
            return;
        }
        self.parcels_checked += 1;
        *self.by_verdict.entry(p.verdict).or_insert(0) += 1;
        for f in &p.findings {
            *self.findings_by_rule.entry(f.rule.clone()).or_insert(0) += 1;
        }
    }
}

/// A batch's report, serialised as the JSON contract (`docs/output.md`).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Language of messages and labels.
    pub lang: Lang,
    /// CRS of the measurements.
    pub crs: String,
    /// Catalog in force.
    pub catalog: CatalogRef,
    /// Dataset counts and problems.
    pub dataset: DatasetSection,
    /// One entry per input record, in input order.
    pub parcels: Vec<ParcelReport>,
    /// Totals.
    pub summary: Summary,
    /// The catalog, for labels of the text table.
    #[serde(skip)]
    full_catalog: Catalog,
}

impl Report {
    /// Assembles the report for `parcels` checked by `engine`.
    pub fn new(engine: &Engine, parcels: Vec<ParcelReport>) -> Report {
        let catalog = engine.catalog();
        let info = catalog.info();
        let summary = Summary::of(&parcels, engine.issues());
        Report {
            lang: engine.lang(),
            crs: engine.crs().to_string(),
            catalog: CatalogRef {
                id: info.id.clone(),
                title: info.title.clone(),
                act: info.act.clone(),
                as_of: catalog.as_of_date(),
                not_in_force: catalog.not_in_force().to_vec(),
            },
            dataset: DatasetSection {
                stats: engine.stats().clone(),
                issues: engine.issues().to_vec(),
                attribution: engine.attribution().map(str::to_string),
            },
            parcels,
            summary,
            full_catalog: catalog.clone(),
        }
    }

    fn msg(&self, key: &str) -> &str {
        self.full_catalog.message(key, self.lang)
    }

    fn verdict_word(&self, v: Verdict) -> &str {
        self.msg(&format!("verdict.{}", v.as_str()))
    }

    fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        fill_in(self.lang, self.msg(key), values)
    }

    /// A severity as a word of the report's language, in lower case.
    fn severity_word(&self, s: Severity) -> String {
        let key = match s {
            Severity::Prohibited => "regime.prohibited",
            Severity::Conditional => "regime.conditional",
            Severity::Review => "severity.review",
        };
        self.msg(key).to_lowercase()
    }

    /// Writes the table a permit officer reads.
    pub fn write_text(&self, out: &mut impl Write) -> io::Result<()> {
        let info = self.full_catalog.info();
        writeln!(
            out,
            "aimaq — {} ({})",
            info.title_in(self.lang),
            self.full_catalog.text(&info.act, self.lang)
        )?;
        writeln!(
            out,
            "{}",
            self.fill("label.measured_in", &[("crs", &self.crs)])
        )?;
        if let Some(date) = self.full_catalog.as_of_date() {
            writeln!(
                out,
                "{}",
                self.fill("label.as_of", &[("date", &date.to_string())])
            )?;
            for n in self.full_catalog.not_in_force() {
                let line = self.fill(
                    "label.not_applied",
                    &[
                        ("rule", &n.rule),
                        ("from", &n.in_force.from.to_string()),
                        ("act", &self.full_catalog.text(&n.in_force.act, self.lang)),
                    ],
                );
                writeln!(out, "  {line}")?;
            }
        }
        writeln!(out)?;
        let m = self.msg("unit.m");
        let m2 = self.msg("unit.m2");
        for p in &self.parcels {
            let use_ = p
                .proposed_use
                .as_deref()
                .unwrap_or(&self.full_catalog.info().default_use);
            // ids, uses and names come from other people's files: escaped, so that
            // they can neither forge a line nor command the terminal
            let id = printable(&p.id);
            match &p.error {
                Some(e) => writeln!(
                    out,
                    "{id:<14} {}  {}",
                    self.verdict_word(Verdict::Error),
                    printable(e)
                )?,
                None => writeln!(
                    out,
                    "{id:<14} {:<12} {:>12} {m2}  {}",
                    printable(use_),
                    format!("{:.1}", p.area_m2),
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
                    .as_deref()
                    .map(|n| format!(" «{}»", printable(n)))
                    .unwrap_or_default();
                let distance = if f.limit_m == 0.0 {
                    self.msg("label.overlap").to_string()
                } else {
                    format!("{:.2} {m} < {} {m}", f.distance_m, format_metres(f.limit_m))
                };
                writeln!(
                    out,
                    "  {mark} {:<11} {:<28} {}{} — {distance}, {:.1} {m2} ({:.1} %)",
                    self.severity_word(f.severity),
                    f.rule,
                    printable(&f.feature),
                    name,
                    f.encumbered_m2,
                    f.encumbered_share * 100.0
                )?;
                writeln!(out, "      {}", printable(&f.message))?;
                writeln!(out, "      {}: {}", self.msg("label.source"), f.citation)?;
                writeln!(
                    out,
                    "      {}: {}",
                    self.msg("label.regime_source"),
                    f.regime_citation
                )?;
            }
            if let Some(e) = p.encumbrance.as_ref().filter(|_| p.findings.len() > 1) {
                let parts: Vec<String> = e
                    .by_severity
                    .iter()
                    .rev()
                    .map(|(s, a)| {
                        format!(
                            "{} {:.1} {m2} ({:.1} %)",
                            self.severity_word(*s),
                            a.m2,
                            a.share * 100.0
                        )
                    })
                    .collect();
                writeln!(
                    out,
                    "  = {}: {:.1} {m2} ({:.1} %) — {}",
                    self.msg("label.encumbrance"),
                    e.total.m2,
                    e.total.share * 100.0,
                    parts.join(", ")
                )?;
            }
        }
        let s = &self.summary;
        writeln!(out)?;
        let verdicts: Vec<String> = Verdict::ALL
            .iter()
            .filter_map(|v| {
                s.by_verdict
                    .get(v)
                    .map(|n| format!("{} {n}", self.verdict_word(*v).to_lowercase()))
            })
            .collect();
        writeln!(
            out,
            "{}",
            self.fill(
                "label.summary",
                &[
                    ("n", &s.parcels_in.to_string()),
                    ("checked", &s.parcels_checked.to_string()),
                    ("verdicts", &verdicts.join(", ")),
                    ("errored", &s.parcels_errored.to_string()),
                ]
            )
        )?;
        if !s.findings_by_rule.is_empty() {
            let rules: Vec<String> = s
                .findings_by_rule
                .iter()
                .map(|(r, n)| format!("{r} {n}"))
                .collect();
            writeln!(
                out,
                "{}: {}",
                self.msg("label.findings_by_rule"),
                rules.join(", ")
            )?;
        }
        if s.dataset_errors + s.dataset_warnings > 0 {
            let incomplete = if s.dataset_errors > 0 {
                format!(" — {}", self.msg("label.incomplete"))
            } else {
                String::new()
            };
            writeln!(
                out,
                "{}{incomplete} ({})",
                self.fill(
                    "label.dataset",
                    &[
                        ("errors", &s.dataset_errors.to_string()),
                        ("warnings", &s.dataset_warnings.to_string()),
                    ]
                ),
                self.msg("label.run_validate")
            )?;
        }
        if let Some(credit) = &self.dataset.attribution {
            // the licence's own words, in every language (ODbL 1.0 asks for this line)
            writeln!(out, "{credit}")?;
        }
        Ok(())
    }
}
