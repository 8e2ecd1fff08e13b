//! `GET /rules` and `GET /rules/{id}`: the catalog and one rule explained, as JSON with
//! the texts in the asked language (and all three where the catalog keeps all three).

use crate::{Desk, Error};
use aimaq_rules::{Catalog, Lang, Rule};
use serde_json::{json, Value};

fn summary(catalog: &Catalog, rule: &Rule, lang: Lang) -> Value {
    json!({
        "id": rule.id(),
        "layer": rule.layer(),
        "layer_label": catalog.layer_label(rule.layer(), lang),
        "title": rule.title_in(lang),
        "labels": rule.labels(),
        "severity": rule.severity(),
        "width": catalog.describe_width(rule, lang),
        "measured_from": rule.measured_from_in(lang),
        "citation": catalog.cite(rule.citation(), lang),
        "law": catalog.law([rule.citation()]),
        "regime_default": rule.regime().default.basis_in(lang),
        "in_force": rule.in_force(),
    })
}

/// The catalog: its act and amendments, the use codes, and every rule in short.
pub fn rules_json(desk: &Desk, lang: Lang) -> Value {
    let catalog = desk.catalog();
    let info = catalog.info();
    json!({
        "catalog": {
            "id": info.id,
            "title": info.title_in(lang),
            "act": catalog.text(&info.act, lang),
            "amendments": info.amendments,
            "in_force": info.in_force,
            "digest": desk.catalog_digest(),
        },
        "lang": lang,
        // the catalog's own words for verdicts and regimes, so the page says them as the
        // reports do
        "words": aimaq_rules::MESSAGE_KEYS
            .iter()
            .filter(|k| k.starts_with("verdict.") || k.starts_with("regime.") || k.starts_with("severity."))
            .map(|k| (k.to_string(), json!(catalog.message(k, lang))))
            .collect::<serde_json::Map<String, Value>>(),
        "uses": catalog.uses().iter().map(|u| u.code.as_str()).collect::<Vec<_>>(),
        "rules": catalog.rules().iter().map(|r| summary(catalog, r, lang)).collect::<Vec<_>>(),
    })
}

/// One rule in full: widths and the objects the act names, the regime cells in order,
/// the regime for every use, and the approvals, as `aimaq explain` prints them.
pub fn rule_json(desk: &Desk, id: &str, lang: Lang) -> Result<Value, Error> {
    let catalog = desk.catalog();
    let Some(rule) = catalog.rule(id) else {
        let ids: Vec<&str> = catalog.rules().iter().map(|r| r.id()).collect();
        return Err(Error::NotFound(format!(
            "no rule `{}` in the catalog (rules: {})",
            id.escape_default(),
            ids.join(", ")
        )));
    };
    let cells: Vec<&aimaq_rules::RegimeCell> = rule
        .regime()
        .cells
        .iter()
        .chain([&rule.regime().default])
        .collect();
    let cell_json = |i: usize, c: &aimaq_rules::RegimeCell| {
        json!({
            "n": if i + 1 < cells.len() { json!(i + 1) } else { json!("default") },
            "uses": c.uses,
            "when": c.describe_when(),
            "regime": c.regime,
            "approval": c.approval.as_deref().and_then(|a| catalog.approval(a)).map(|a| a.labels.get(lang)),
            "basis": c.basis_in(lang),
            "reason": c.reason_in(lang),
            "citation": catalog.cite(&c.citation, lang),
            "law": catalog.law([&c.citation]),
        })
    };
    let by_use: Vec<Value> = catalog
        .uses()
        .iter()
        .map(|u| {
            let steps: Vec<Value> = rule
                .regime()
                .cells_for(u)
                .into_iter()
                .map(|c| {
                    let n = cells.iter().position(|x| std::ptr::eq(*x, c)).map(|i| {
                        if i + 1 < cells.len() {
                            json!(i + 1)
                        } else {
                            json!("default")
                        }
                    });
                    json!({"when": c.describe_when(), "regime": c.regime, "cell": n})
                })
                .collect();
            json!({"use": u.code, "label": u.label(lang), "regime": steps})
        })
        .collect();
    let mut out = summary(catalog, rule, lang);
    out["applies_when"] = json!(rule
        .applies_when()
        .iter()
        .map(|(a, c)| format!("{a} {c}"))
        .collect::<Vec<_>>());
    out["cells"] = json!(cells
        .iter()
        .enumerate()
        .map(|(i, c)| cell_json(i, c))
        .collect::<Vec<_>>());
    out["by_use"] = json!(by_use);
    // the same words as `aimaq explain`
    out["text"] =
        json!(aimaq_rules::explain(catalog, id, lang).map_err(|e| Error::NotFound(e.to_string()))?);
    Ok(out)
}
