//! `aimaq explain RULE`: a rule's full text — widths, conditions, regime by use, citations.

use crate::truncate;
use aimaq_rules::{Catalog, Lang, RegimeCell, Rule, WidthRule};
use anyhow::{bail, Result};
use std::io::Write;

/// Prints the rule `id` of `catalog`, titles and labels in `lang`.
pub fn print(catalog: &Catalog, id: &str, lang: Lang, out: &mut impl Write) -> Result<()> {
    let Some(rule) = catalog.rule(id) else {
        let ids: Vec<&str> = catalog.rules().iter().map(|r| r.id()).collect();
        bail!("no rule `{id}` in the catalog (rules: {})", ids.join(", "));
    };
    writeln!(out, "{} — {}", rule.id(), rule.title_in(lang))?;
    writeln!(
        out,
        "  kk: {}\n  ru: {}\n  en: {}",
        rule.labels().kk,
        rule.labels().ru,
        rule.labels().en
    )?;
    writeln!(
        out,
        "layer: {} ({})",
        rule.layer(),
        catalog.layer_label(rule.layer(), lang)
    )?;
    if !rule.applies_when().is_empty() {
        let when: Vec<String> = rule
            .applies_when()
            .iter()
            .map(|(a, c)| format!("{a} {c}"))
            .collect();
        writeln!(out, "applies to features where: {}", when.join(", "))?;
    }
    let f = rule.in_force();
    write!(out, "in force: from {}", f.from)?;
    if let Some(u) = f.until {
        write!(out, " until {u}")?;
    }
    writeln!(out, " ({})", f.act)?;
    if let Some(note) = &f.note {
        writeln!(out, "  note: {note}")?;
    }
    writeln!(out, "width: {}", rule.width().describe())?;
    write_named_widths(catalog, rule, out)?;
    writeln!(out, "measured from: {}", rule.measured_from())?;
    writeln!(out, "source: {}", rule.citation())?;
    writeln!(out)?;
    writeln!(
        out,
        "regime cells (tried in order, first match decides; the default takes every other use):"
    )?;
    let cells: Vec<&RegimeCell> = rule
        .regime()
        .cells
        .iter()
        .chain([&rule.regime().default])
        .collect();
    let number = |cell: &RegimeCell| -> String {
        match cells.iter().position(|c| std::ptr::eq(*c, cell)) {
            Some(i) if i + 1 < cells.len() => format!("[{}]", i + 1),
            _ => "[default]".to_string(),
        }
    };
    for cell in &cells {
        write_cell(catalog, cell, &number(cell), lang, out)?;
    }
    writeln!(out)?;
    writeln!(out, "regime by use:")?;
    for land_use in catalog.uses() {
        let steps: Vec<String> = rule
            .regime()
            .cells_for(land_use)
            .into_iter()
            .map(|cell| {
                let when = cell.describe_when();
                let head = if when.is_empty() {
                    String::new()
                } else {
                    format!("if {when}: ")
                };
                format!("{head}{} {}", cell.regime, number(cell))
            })
            .collect();
        writeln!(
            out,
            "  {:<27} {:<45} {}",
            land_use.code,
            truncate(land_use.label(lang), 45),
            steps.join("; otherwise ")
        )?;
    }
    let mut approvals: Vec<&str> = rule
        .regime()
        .cells
        .iter()
        .chain([&rule.regime().default])
        .filter_map(|c| c.approval.as_deref())
        .collect();
    approvals.sort_unstable();
    approvals.dedup();
    if !approvals.is_empty() {
        writeln!(out)?;
        writeln!(out, "approvals:")?;
        for id in approvals {
            if let Some(a) = catalog.approval(id) {
                writeln!(out, "  {id}: {}", a.labels.get(lang))?;
            }
        }
    }
    Ok(())
}

fn write_cell(
    catalog: &Catalog,
    cell: &RegimeCell,
    number: &str,
    lang: Lang,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let when = cell.describe_when();
    let uses = if cell.uses == ["*"] {
        "every use".to_string()
    } else {
        cell.uses.join(", ")
    };
    let condition = if when.is_empty() {
        format!("{uses}: ")
    } else {
        format!("{uses}, if {when}: ")
    };
    let approval = cell
        .approval
        .as_deref()
        .and_then(|a| catalog.approval(a))
        .map(|a| format!(" — needs: {}", a.labels.get(lang)))
        .unwrap_or_default();
    writeln!(out, "  {number} {condition}{}{approval}", cell.regime)?;
    writeln!(out, "      {} [{}]", cell.basis, cell.citation)
}

/// Widths the act fixes for named objects, one per line with its citation.
fn write_named_widths(catalog: &Catalog, rule: &Rule, out: &mut impl Write) -> std::io::Result<()> {
    if let WidthRule::Attribute {
        named: Some(named), ..
    } = rule.width()
    {
        for n in catalog
            .named_objects()
            .iter()
            .filter(|n| n.table == named.table())
        {
            if let Some(w) = n.widths.get(named.attribute()) {
                writeln!(
                    out,
                    "  {}: {} ({}, {})",
                    n.names[0],
                    w.value,
                    n.act,
                    w.citation.scheme.as_deref().unwrap_or("-")
                )?;
            }
        }
    }
    Ok(())
}
