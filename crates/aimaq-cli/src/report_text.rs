//! `aimaq report-text`: a compact GeoPackage report as the text `aimaq check` prints,
//! rendered from its fields (the report stores no messages).

use aimaq_io::report::{CompactReport, ParcelRow};
use aimaq_rules::{fill, format_metres, printable, Catalog, Lang};
use anyhow::Result;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

/// Prints the report at `path` in `lang`.
pub fn print(path: &Path, lang: Lang, out: &mut impl Write) -> Result<()> {
    let report = CompactReport::open(path)?;
    let meta = report.metadata()?;
    let catalog = Catalog::embedded();
    let msg = |key: &str| catalog.message(key, lang).to_string();
    let text = |k: &str| printable(meta[k].as_str().unwrap_or("—")).into_owned();
    writeln!(
        out,
        "aimaq report {}",
        printable(&path.display().to_string())
    )?;
    writeln!(
        out,
        "  {} · catalog {} ({}) · dataset {} · {}",
        text("parcels"),
        text("catalog"),
        text("catalog_digest"),
        text("dataset"),
        fill(&msg("label.measured_in"), &[("crs", &text("measured_in"))])
    )?;
    if let Some(date) = meta["as_of"].as_str() {
        writeln!(out, "  {}", fill(&msg("label.as_of"), &[("date", date)]))?;
    }
    writeln!(out)?;
    let verdict_word = |v: &str| catalog.message(&format!("verdict.{v}"), lang).to_string();
    let render = |out: &mut String, p: &ParcelRow| -> std::fmt::Result {
        // ids, uses and names come from other people's files: escaped, so that they
        // can neither forge a line nor command the terminal
        let id = printable(p.parcel.as_deref().unwrap_or("—"));
        match (&p.error, p.area_m2) {
            (Some(e), _) => writeln!(out, "{id:<14} {}  {}", verdict_word("error"), printable(e))?,
            (None, area) => writeln!(
                out,
                "{id:<14} {:<12} {:>12} m²  {}",
                printable(p.use_code.as_deref().unwrap_or(&catalog.default_use().code)),
                format!("{:.1}", area.unwrap_or_default()),
                verdict_word(&p.verdict)
            )?,
        }
        for f in &p.findings {
            let mark = match f.severity.as_str() {
                "prohibited" => "✗",
                "conditional" => "!",
                _ => "?",
            };
            let name = f
                .feature_name
                .as_deref()
                .map(|n| format!(" «{}»", printable(n)))
                .unwrap_or_default();
            let distance = if f.limit_m == 0.0 {
                "overlap".to_string()
            } else {
                format!("{:.2} m < {} m", f.distance_m, format_metres(f.limit_m))
            };
            writeln!(
                out,
                "  {mark} {:<11} {:<28} {}{} — {distance}, {:.1} m² ({:.1} %)",
                f.severity,
                f.rule,
                printable(&f.feature),
                name,
                f.encumbered_m2,
                f.encumbered_share * 100.0
            )?;
            let regime = catalog
                .message(&format!("regime.{}", f.regime), lang)
                .to_string();
            let mut line = format!("{}: {}", regime, f.rule_title.as_deref().unwrap_or(&f.rule));
            if let Some(a) = &f.approval {
                line.push_str(" — ");
                line.push_str(&fill(&msg("approval"), &[("approval", a)]));
            }
            writeln!(out, "      {line}")?;
            if let Some(c) = &f.citation {
                writeln!(out, "      {}: {c}", msg("label.source"))?;
            }
            if let Some(c) = &f.regime_citation {
                writeln!(out, "      {}: {c}", msg("label.regime_source"))?;
            }
        }
        if let Some((m2, share)) = p.encumbered_total.filter(|_| !p.findings.is_empty()) {
            writeln!(out, "  = {m2:.1} m² ({:.1} %)", share * 100.0)?;
        }
        Ok(())
    };
    report.for_each_parcel(lang, |p: ParcelRow| {
        // one parcel's lines at a time: formatting cannot fail, writing can
        let mut buf = String::new();
        let _ = render(&mut buf, &p);
        out.write_all(buf.as_bytes())
            .map_err(|cause| aimaq_io::Error::Write {
                path: "standard output".into(),
                cause,
            })
    })?;
    if let Some(t) = meta.get("totals").and_then(|t| t.get("summary")) {
        writeln!(
            out,
            "\n{} parcels in: {} checked, {} errored",
            t["parcels_in"], t["parcels_checked"], t["parcels_errored"]
        )?;
    }
    Ok(())
}
