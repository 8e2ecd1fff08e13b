//! `aimaq balance`: land balance of the functional zones beside the scheme's Appendix 1.

use crate::truncate;
use aimaq_check::LandBalance;
use aimaq_io::EngineOptions;
use aimaq_rules::{fill, Catalog};
use anyhow::{bail, Result};
use std::io::Write;
use std::process::ExitCode;

/// Loads the dataset, measures its functional zones and prints the balance.
pub fn run(options: &EngineOptions, json: bool) -> Result<ExitCode> {
    let (catalog, crs, loaded) = aimaq_io::load(options)?;
    let Some(zoning) = catalog.zoning().cloned() else {
        bail!("the catalog has no [zoning] taxonomy: nothing to balance");
    };
    let zones = loaded
        .features
        .iter()
        .filter(|f| f.layer == zoning.layer)
        .count();
    if zones == 0 {
        bail!(
            "dataset {} has no `{}` features: nothing to balance",
            loaded.label,
            zoning.layer
        );
    }
    let balance = LandBalance::compute(&catalog, &loaded.features, options.lang);
    let mut out = std::io::stdout().lock();
    if json {
        let doc =
            serde_json::json!({"dataset": loaded.label, "crs": crs.label(), "balance": balance});
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    } else {
        write_text(&catalog, &balance, &loaded.label, &crs.label(), &mut out)?;
    }
    Ok(if balance.skipped.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn write_text(
    catalog: &Catalog,
    b: &LandBalance,
    source: &str,
    crs: &str,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let msg = |key: &str| catalog.message(key, b.lang);
    writeln!(
        out,
        "{}",
        fill(msg("balance.title"), &[("source", source), ("crs", crs)])
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<72} {:>12} {:>7}",
        msg("balance.zone"),
        msg("balance.thousand_ha"),
        "%"
    )?;
    for r in &b.rows {
        let name = match r.level {
            "total" => msg("balance.total").to_string(),
            "group" => format!("{} {}", r.code, r.label),
            _ => format!("   {} {}", r.code, r.label),
        };
        writeln!(
            out,
            "{:<72} {:>12.2} {:>7.1}",
            truncate(&name, 72),
            r.thousand_ha,
            r.share * 100.0
        )?;
    }
    // below the table's precision it is the rounding of shared edges, not an overlap
    if b.sum_of_groups_thousand_ha - b.total_thousand_ha >= 0.005 {
        let line = fill(
            msg("balance.overlap"),
            &[
                ("sum", &format!("{:.2}", b.sum_of_groups_thousand_ha)),
                ("union", &format!("{:.2}", b.total_thousand_ha)),
            ],
        );
        writeln!(out, "{line}")?;
    }
    writeln!(out)?;
    writeln!(out, "{}", msg("balance.appendix"))?;
    writeln!(
        out,
        "{:<62} {:>9} {:>8} {:>8} {:>8} {:>8}  {}",
        msg("balance.category"),
        msg("balance.measured"),
        "2018",
        "2025",
        "2035",
        "2050",
        catalog.message("label.source", b.lang)
    )?;
    let year = |t: &std::collections::BTreeMap<String, f64>, y: &str| {
        t.get(y)
            .map(|v| format!("{v:.2}"))
            .unwrap_or_else(|| "-".into())
    };
    for c in &b.categories {
        writeln!(
            out,
            "{:<62} {:>9.2} {:>8} {:>8} {:>8} {:>8}  {}",
            truncate(&c.label, 62),
            c.measured_thousand_ha,
            year(&c.targets, "2018"),
            year(&c.targets, "2025"),
            year(&c.targets, "2035"),
            year(&c.targets, "2050"),
            c.citation
        )?;
    }
    writeln!(
        out,
        "{:<62} {:>9.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2}  Appendix 1, scheme L3793",
        msg("balance.total"),
        b.total_thousand_ha,
        b.planned_total_thousand_ha,
        b.planned_total_thousand_ha,
        b.planned_total_thousand_ha,
        b.planned_total_thousand_ha
    )?;
    for s in &b.skipped {
        writeln!(out, "skipped: {s}")?;
    }
    Ok(())
}
