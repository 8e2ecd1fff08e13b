//! The whole answer for a batch of parcels: JSON contract and a table for a person.

use crate::engine::Engine;
use crate::finding::ParcelReport;
use crate::prepare::DatasetStats;
use crate::text::{TextFinding, TextParcel, TextRenderer};
use crate::verdict::Verdict;
use aimaq_rules::{date_ending, Catalog, DataIssue, Date, DateCase, IssueLevel, Lang, NotInForce};
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

    /// Writes the table a permit officer reads.
    pub fn write_text(&self, out: &mut impl Write) -> io::Result<()> {
        let text = TextRenderer::new(&self.full_catalog, self.lang);
        let default_use = &self.full_catalog.info().default_use;
        text.header(&self.crs, out)?;
        if let Some(date) = self.full_catalog.as_of_date() {
            writeln!(
                out,
                "{}",
                text.fill("label.as_of", &[("date", &date.to_string())])
            )?;
            for n in self.full_catalog.not_in_force() {
                let line = text.fill(
                    "label.not_applied",
                    &[
                        ("rule", &n.rule),
                        (
                            "from",
                            &date_ending(self.lang, &n.in_force.from.to_string(), DateCase::From),
                        ),
                        ("act", &self.full_catalog.text(&n.in_force.act, self.lang)),
                    ],
                );
                writeln!(out, "  {line}")?;
            }
        }
        writeln!(out)?;
        for p in &self.parcels {
            text.parcel(&text_parcel(p, default_use), out)?;
        }
        let s = &self.summary;
        writeln!(out)?;
        let verdicts: Vec<(&str, usize)> = Verdict::ALL
            .iter()
            .filter_map(|v| s.by_verdict.get(v).map(|n| (v.as_str(), *n)))
            .collect();
        writeln!(
            out,
            "{}",
            text.summary(
                s.parcels_in,
                s.parcels_checked,
                &verdicts,
                s.parcels_errored
            )
        )?;
        if !s.findings_by_rule.is_empty() {
            let rules: Vec<String> = s
                .findings_by_rule
                .iter()
                .map(|(r, n)| format!("{r} {}", text.number(*n as f64, None)))
                .collect();
            writeln!(
                out,
                "{}: {}",
                text.msg("label.findings_by_rule"),
                rules.join(", ")
            )?;
        }
        if s.dataset_errors + s.dataset_warnings > 0 {
            let incomplete = if s.dataset_errors > 0 {
                format!(" — {}", text.msg("label.incomplete"))
            } else {
                String::new()
            };
            writeln!(
                out,
                "{}{incomplete} ({})",
                text.fill(
                    "label.dataset",
                    &[
                        ("errors", &text.number(s.dataset_errors as f64, None)),
                        ("warnings", &text.number(s.dataset_warnings as f64, None)),
                    ]
                ),
                text.msg("label.run_validate")
            )?;
        }
        if let Some(credit) = &self.dataset.attribution {
            // the licence's own words, in every language (ODbL 1.0 asks for this line)
            writeln!(out, "{credit}")?;
        }
        Ok(())
    }
}

/// A checked parcel as the text table shows it.
fn text_parcel<'a>(p: &'a ParcelReport, default_use: &'a str) -> TextParcel<'a> {
    TextParcel {
        id: &p.id,
        use_code: p.proposed_use.as_deref().unwrap_or(default_use),
        area_m2: p.area_m2,
        verdict: p.verdict.as_str(),
        error: p.error.as_deref(),
        findings: p
            .findings
            .iter()
            .map(|f| TextFinding {
                severity: f.severity,
                rule: &f.rule,
                feature: &f.feature,
                feature_name: f.feature_name.as_deref(),
                distance_m: f.distance_m,
                limit_m: f.limit_m,
                encumbered_m2: f.encumbered_m2,
                encumbered_share: f.encumbered_share,
                message: Some(&f.message),
                rule_title: None,
                regime: f.regime.as_str(),
                approval: f.approval.as_deref(),
                citation: Some(&f.citation),
                regime_citation: Some(&f.regime_citation),
            })
            .collect(),
        encumbered: p.encumbrance.as_ref().map(|e| (e.total.m2, e.total.share)),
        encumbered_by_severity: p
            .encumbrance
            .as_ref()
            .map(|e| {
                e.by_severity
                    .iter()
                    .rev()
                    .map(|(s, a)| (*s, a.m2, a.share))
                    .collect()
            })
            .unwrap_or_default(),
    }
}
