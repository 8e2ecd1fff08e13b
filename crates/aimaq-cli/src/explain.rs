//! `aimaq explain RULE`: a rule's full text — widths, conditions, regime by use, citations
//! — in the language asked for. Every word comes from the catalog (`[messages]`, labels,
//! bases, reasons, `[texts]`); only codes, ids and numbers stay as they are.

use crate::truncate;
use aimaq_rules::{fill_in, Catalog, Lang, RegimeCell, Rule, WidthRule};
use anyhow::{bail, Result};
use std::io::Write;

/// Prints the rule `id` of `catalog` in `lang`.
pub fn print(catalog: &Catalog, id: &str, lang: Lang, out: &mut impl Write) -> Result<()> {
    let Some(rule) = catalog.rule(id) else {
        let ids: Vec<&str> = catalog.rules().iter().map(|r| r.id()).collect();
        bail!("no rule `{id}` in the catalog (rules: {})", ids.join(", "));
    };
    let msg = |key: &str| catalog.message(key, lang);
    let fill = |key: &str, values: &[(&str, &str)]| fill_in(lang, msg(key), values);
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
        "{}: {} ({})",
        msg("explain.layer"),
        rule.layer(),
        catalog.layer_label(rule.layer(), lang)
    )?;
    if !rule.applies_when().is_empty() {
        let when: Vec<String> = rule
            .applies_when()
            .iter()
            .map(|(a, c)| format!("{a} {c}"))
            .collect();
        writeln!(out, "{}: {}", msg("explain.applies_when"), when.join(", "))?;
    }
    let f = rule.in_force();
    write!(
        out,
        "{}",
        fill("explain.in_force", &[("from", &f.from.to_string())])
    )?;
    if let Some(u) = f.until {
        write!(
            out,
            " {}",
            fill("explain.until", &[("until", &u.to_string())])
        )?;
    }
    writeln!(out, " ({})", catalog.text(&f.act, lang))?;
    if let Some(note) = &f.note {
        writeln!(
            out,
            "  {}: {}",
            msg("explain.note"),
            catalog.text(note, lang)
        )?;
    }
    writeln!(
        out,
        "{}: {}",
        msg("explain.width"),
        catalog.describe_width(rule, lang)
    )?;
    write_named_widths(catalog, rule, lang, out)?;
    writeln!(
        out,
        "{}: {}",
        msg("explain.measured_from"),
        rule.measured_from_in(lang)
    )?;
    writeln!(
        out,
        "{}: {}",
        msg("label.source"),
        catalog.cite(rule.citation(), lang)
    )?;
    writeln!(out)?;
    writeln!(out, "{}", msg("explain.cells"))?;
    let cells: Vec<&RegimeCell> = rule
        .regime()
        .cells
        .iter()
        .chain([&rule.regime().default])
        .collect();
    let number = |cell: &RegimeCell| -> String {
        match cells.iter().position(|c| std::ptr::eq(*c, cell)) {
            Some(i) if i + 1 < cells.len() => format!("[{}]", i + 1),
            _ => format!("[{}]", msg("explain.default")),
        }
    };
    for cell in &cells {
        write_cell(catalog, cell, &number(cell), lang, out)?;
    }
    writeln!(out)?;
    writeln!(out, "{}", msg("explain.by_use"))?;
    let regime_word = |cell: &RegimeCell| msg(&format!("regime.{}", cell.regime)).to_lowercase();
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
                    format!("{}: ", fill("explain.if", &[("when", &when)]))
                };
                format!("{head}{} {}", regime_word(cell), number(cell))
            })
            .collect();
        writeln!(
            out,
            "  {:<27} {:<45} {}",
            land_use.code,
            truncate(land_use.label(lang), 45),
            steps.join(&format!("; {} ", msg("explain.otherwise")))
        )?;
    }
    let mut approvals: Vec<&str> = cells.iter().filter_map(|c| c.approval.as_deref()).collect();
    approvals.sort_unstable();
    approvals.dedup();
    if !approvals.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", msg("explain.approvals"))?;
        for id in approvals {
            if let Some(a) = catalog.approval(id) {
                writeln!(out, "  {id}: {}", a.labels.get(lang))?;
            }
        }
    }
    Ok(())
}

/// One cell: which uses, when, the regime word, its approval or reason, then its basis
/// and citation.
fn write_cell(
    catalog: &Catalog,
    cell: &RegimeCell,
    number: &str,
    lang: Lang,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let msg = |key: &str| catalog.message(key, lang);
    let fill = |key: &str, values: &[(&str, &str)]| fill_in(lang, msg(key), values);
    let when = cell.describe_when();
    let uses = if cell.uses == ["*"] {
        msg("explain.every_use").to_string()
    } else {
        cell.uses.join(", ")
    };
    let condition = if when.is_empty() {
        format!("{uses}: ")
    } else {
        format!("{uses}, {}: ", fill("explain.if", &[("when", &when)]))
    };
    let mut tail = String::new();
    if let Some(reason) = cell.reason_in(lang) {
        tail.push_str(" — ");
        tail.push_str(&fill("review_reason", &[("reason", reason)]));
    }
    if let Some(a) = cell.approval.as_deref().and_then(|a| catalog.approval(a)) {
        tail.push_str(" — ");
        tail.push_str(&fill("approval", &[("approval", a.labels.get(lang))]));
    }
    let regime = msg(&format!("regime.{}", cell.regime)).to_lowercase();
    writeln!(out, "  {number} {condition}{regime}{tail}")?;
    writeln!(
        out,
        "      {} [{}]",
        cell.basis_in(lang),
        catalog.cite(&cell.citation, lang)
    )
}

/// Widths the acts fix for named objects, one per line with its act and lines (and what
/// else a feature of that name must be to take them).
fn write_named_widths(
    catalog: &Catalog,
    rule: &Rule,
    lang: Lang,
    out: &mut impl Write,
) -> std::io::Result<()> {
    if let WidthRule::Attribute {
        named: Some(named), ..
    } = rule.width()
    {
        for (n, w) in named.iter() {
            let when = n.describe_when();
            let when = if when.is_empty() {
                String::new()
            } else {
                format!(
                    " {}",
                    fill_in(
                        lang,
                        catalog.message("explain.if", lang),
                        &[("when", &when)]
                    )
                )
            };
            writeln!(
                out,
                "  {}{when}: {} ({}, {})",
                n.name_in(lang),
                catalog.metres_in(w.value, lang),
                catalog.text(&n.act, lang),
                w.citation.scheme.as_deref().unwrap_or("-")
            )?;
        }
    }
    Ok(())
}
