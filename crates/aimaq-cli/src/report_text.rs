//! `aimaq report-text`: a compact GeoPackage report as the text `aimaq check` prints,
//! rendered from its fields (the report stores no messages) by the same renderer
//! ([`TextRenderer`]).

use aimaq_check::{TextFinding, TextParcel, TextRenderer};
use aimaq_io::report::{CompactReport, ParcelRow};
use aimaq_rules::{printable, Catalog, Lang, Severity};
use anyhow::Result;
use std::io::Write;
use std::path::Path;

/// A citation as the report stores it (English) in `lang`.
fn cite(catalog: &Catalog, en: &str, lang: Lang) -> String {
    match aimaq_rules::Citation::from_line(en) {
        Some(c) => catalog.cite(&c, lang),
        None => catalog.text(en, lang),
    }
}

/// An approval as the report stores it (English) in `lang`.
fn approval(catalog: &Catalog, en: &str, lang: Lang) -> String {
    catalog
        .approvals()
        .iter()
        .find(|a| a.labels.en == en)
        .map_or_else(|| en.to_string(), |a| a.labels.get(lang).to_string())
}

fn severity(code: &str) -> Severity {
    match code {
        "prohibited" => Severity::Prohibited,
        "conditional" => Severity::Conditional,
        _ => Severity::Review,
    }
}

/// Prints the report at `path` in `lang`.
pub fn print(path: &Path, lang: Lang, out: &mut impl Write) -> Result<()> {
    let report = CompactReport::open(path)?;
    let meta = report.metadata()?;
    let catalog = Catalog::embedded();
    let text = TextRenderer::new(&catalog, lang);
    let field = |k: &str| printable(meta[k].as_str().unwrap_or("—")).into_owned();
    text.header(&field("measured_in"), out)?;
    // the report's file, catalog and dataset: names and codes, no words
    writeln!(
        out,
        "  {} · {} ({}) · {}",
        printable(&path.display().to_string()),
        field("catalog"),
        field("catalog_digest"),
        field("dataset"),
    )?;
    if let Some(date) = meta["as_of"].as_str() {
        writeln!(out, "  {}", text.fill("label.as_of", &[("date", date)]))?;
    }
    writeln!(out)?;
    let default_use = catalog.default_use().code.clone();
    report.for_each_parcel(lang, |p: ParcelRow| {
        // the report keeps citations and approvals in English: said again in `lang`
        let said: Vec<(Option<String>, Option<String>, Option<String>)> = p
            .findings
            .iter()
            .map(|f| {
                (
                    f.citation.as_deref().map(|c| cite(&catalog, c, lang)),
                    f.regime_citation
                        .as_deref()
                        .map(|c| cite(&catalog, c, lang)),
                    f.approval.as_deref().map(|a| approval(&catalog, a, lang)),
                )
            })
            .collect();
        let parcel = TextParcel {
            id: p.parcel.as_deref().unwrap_or("—"),
            use_code: p.use_code.as_deref().unwrap_or(&default_use),
            area_m2: p.area_m2.unwrap_or_default(),
            verdict: &p.verdict,
            error: p.error.as_deref(),
            findings: p
                .findings
                .iter()
                .zip(&said)
                .map(|(f, (citation, regime_citation, approval))| TextFinding {
                    severity: severity(&f.severity),
                    rule: &f.rule,
                    feature: &f.feature,
                    feature_name: f.feature_name.as_deref(),
                    distance_m: f.distance_m,
                    limit_m: f.limit_m,
                    encumbered_m2: f.encumbered_m2,
                    encumbered_share: f.encumbered_share,
                    message: None,
                    rule_title: f.rule_title.as_deref(),
                    regime: &f.regime,
                    approval: approval.as_deref(),
                    citation: citation.as_deref(),
                    regime_citation: regime_citation.as_deref(),
                })
                .collect(),
            encumbered: p.encumbered_total,
            encumbered_by_severity: Vec::new(),
        };
        // one parcel's lines at a time: formatting cannot fail, writing can
        let mut buf = Vec::new();
        let _ = text.parcel(&parcel, &mut buf);
        out.write_all(&buf).map_err(|cause| aimaq_io::Error::Write {
            path: "standard output".into(),
            cause,
        })
    })?;
    if let Some(s) = meta.get("totals").and_then(|t| t.get("summary")) {
        let count = |k: &str| s[k].as_u64().unwrap_or_default() as usize;
        let verdicts: Vec<(&str, usize)> = aimaq_check::Verdict::ALL
            .iter()
            .filter_map(|v| {
                s["by_verdict"][v.as_str()]
                    .as_u64()
                    .map(|n| (v.as_str(), n as usize))
            })
            .collect();
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            text.summary(
                count("parcels_in"),
                count("parcels_checked"),
                &verdicts,
                count("parcels_errored")
            )
        )?;
    }
    Ok(())
}
