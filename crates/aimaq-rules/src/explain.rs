//! A rule's full text — widths, conditions, regime by use, citations — in the language
//! asked for, as `aimaq explain` prints it and the permit desk's `GET /rules/{id}` returns
//! it. Every word comes from the catalog (`[messages]`, labels, bases, reasons, `[texts]`);
//! only codes, ids and numbers stay as they are.

use crate::{date_ending, fill_in, Catalog, DateCase, Lang, RegimeCell, Rule, WidthRule};
use std::fmt::Write;

/// A rule id the catalog does not hold.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("no rule `{id}` in the catalog (rules: {})", known.join(", "))]
pub struct UnknownRule {
    /// The id asked for.
    pub id: String,
    /// The catalog's rule ids.
    pub known: Vec<String>,
}

/// At most `n` characters, with an ellipsis when cut (labels are long in kk and ru).
fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// The rule `id` of `catalog` in full, in `lang`.
///
/// ```
/// use aimaq_rules::{explain, Catalog, Lang};
/// let text = explain(&Catalog::embedded(), "water.zone", Lang::En).unwrap();
/// assert!(text.starts_with("water.zone — "));
/// assert!(text.contains("vehicle_wash"));
/// assert!(explain(&Catalog::embedded(), "no.such", Lang::En).is_err());
/// ```
pub fn explain(catalog: &Catalog, id: &str, lang: Lang) -> Result<String, UnknownRule> {
    let Some(rule) = catalog.rule(id) else {
        return Err(UnknownRule {
            id: id.to_string(),
            known: catalog.rules().iter().map(|r| r.id().to_string()).collect(),
        });
    };
    let mut out = String::new();
    write_rule(catalog, rule, lang, &mut out).expect("writing to a String never fails");
    Ok(out)
}

fn write_rule(catalog: &Catalog, rule: &Rule, lang: Lang, out: &mut String) -> std::fmt::Result {
    let msg = |key: &str| catalog.message(key, lang);
    let fill = |key: &str, values: &[(&str, &str)]| fill_in(lang, msg(key), values);
    writeln!(out, "{} — {}", rule.id(), rule.title_in(lang))?;
    // the title in the scheme's two languages; the English one only in an English text
    writeln!(
        out,
        "  kk: {}\n  ru: {}",
        rule.labels().kk,
        rule.labels().ru
    )?;
    if lang == Lang::En {
        writeln!(out, "  en: {}", rule.labels().en)?;
    }
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
        fill(
            "explain.in_force",
            &[(
                "from",
                &date_ending(lang, &f.from.to_string(), DateCase::From)
            )],
        )
    )?;
    if let Some(u) = f.until {
        write!(
            out,
            " {}",
            fill(
                "explain.until",
                &[("until", &date_ending(lang, &u.to_string(), DateCase::Until))],
            )
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
    write_law(catalog, rule.citation(), lang, "  ", out)?;
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
) -> std::fmt::Result {
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
    )?;
    write_law(catalog, &cell.citation, lang, "      ", out)
}

/// The scheme's own words at a citation's lines, verbatim in Kazakh (the official text;
/// no translation is offered for them).
fn write_law(
    catalog: &Catalog,
    citation: &crate::Citation,
    lang: Lang,
    indent: &str,
    out: &mut impl Write,
) -> std::fmt::Result {
    let law = catalog.law([citation]);
    if law.is_empty() {
        return Ok(());
    }
    writeln!(out, "{indent}{}:", catalog.message("explain.law", lang))?;
    for q in law {
        writeln!(out, "{indent}  {}: «{}»", q.lines, q.text)?;
    }
    Ok(())
}

/// Widths the acts fix for named objects, one per line with its act and lines (and what
/// else a feature of that name must be to take them).
fn write_named_widths(
    catalog: &Catalog,
    rule: &Rule,
    lang: Lang,
    out: &mut impl Write,
) -> std::fmt::Result {
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
