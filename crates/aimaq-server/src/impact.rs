//! Which stored decisions a change of dataset affects (`aimaq dataset diff --decisions`):
//! every decision's request is run again on a desk over the old dataset and on one over
//! the new, as `aimaq decisions verify --current` runs it, and the decisions whose
//! outcome differs are listed with how — verdict old → new, findings added, removed or
//! changed (rule, feature, distance, area). The store is opened read-only.

use crate::decide;
use crate::request::CheckRequest;
use crate::store::Store;
use crate::{Desk, Error};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// A finding as the contract states it, in short.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingRef {
    /// The rule.
    pub rule: String,
    /// The feature's layer.
    pub layer: String,
    /// The feature's id.
    pub feature: String,
    /// `prohibited`, `conditional` or `review`.
    pub severity: Value,
    /// Distance from the parcel to the feature, m.
    pub distance_m: Value,
    /// The limit that applied, m.
    pub limit_m: Value,
    /// Encumbered area, m².
    pub encumbered_m2: Value,
}

/// A finding present on both sides with other values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingChange {
    /// With the old dataset.
    pub old: FindingRef,
    /// With the new dataset.
    pub new: FindingRef,
}

/// One parcel whose outcome differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParcelImpact {
    /// The parcel's id.
    pub parcel: String,
    /// Its verdict with the old dataset.
    pub verdict_old: Value,
    /// Its verdict with the new dataset.
    pub verdict_new: Value,
    /// Findings only with the new dataset.
    pub added: Vec<FindingRef>,
    /// Findings only with the old dataset.
    pub removed: Vec<FindingRef>,
    /// Findings with both, with other values.
    pub changed: Vec<FindingChange>,
}

/// A decision whose outcome the change of dataset alters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AffectedDecision {
    /// The decision's id.
    pub id: String,
    /// When it was made.
    pub created_at: String,
    /// The application: its parcels' ids.
    pub application: Vec<String>,
    /// The verdict as decided and stored.
    pub verdict_stored: String,
    /// The worst verdict with the old dataset.
    pub verdict_old: String,
    /// The worst verdict with the new dataset.
    pub verdict_new: String,
    /// The parcels whose outcome differs.
    pub parcels: Vec<ParcelImpact>,
}

/// A decision that could not be run again.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unrunnable {
    /// The decision's id.
    pub id: String,
    /// Why.
    pub reason: String,
}

/// The decisions a change of dataset affects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Impact {
    /// The store.
    pub store: String,
    /// Decisions read.
    pub decisions: usize,
    /// Decisions whose outcome is the same on both datasets.
    pub unaffected: usize,
    /// Decisions whose outcome differs.
    pub affected: Vec<AffectedDecision>,
    /// Decisions that could not be run again.
    pub failed: Vec<Unrunnable>,
}

impl Impact {
    /// The affected decision `id`, if it is one.
    pub fn decision(&self, id: &str) -> Option<&AffectedDecision> {
        self.affected.iter().find(|d| d.id == id)
    }
}

/// Runs every decision of the store at `path` (opened read-only) on `old` and on `new`
/// and lists those whose outcome differs. `progress` is told how many are done.
pub fn affected(
    path: &Path,
    old: &Desk,
    new: &Desk,
    progress: &mut dyn FnMut(usize),
) -> Result<Impact, Error> {
    let store = Store::open_read_only(path).map_err(|e| Error::Store(e.to_string()))?;
    let mut out = Impact {
        store: path.display().to_string(),
        decisions: 0,
        unaffected: 0,
        affected: Vec::new(),
        failed: Vec::new(),
    };
    store
        .for_each(|r| {
            out.decisions += 1;
            let outcome = serde_json::from_str::<CheckRequest>(&r.request_text)
                .map_err(|e| format!("the stored request cannot be read: {e}"))
                .and_then(|request| {
                    let run = |desk: &Desk| {
                        decide::run(desk, &request)
                            .map(|d| (d.verdict.as_str().to_string(), d.result))
                            .map_err(|e| e.to_string())
                    };
                    Ok((
                        request.parcels.iter().map(|p| p.id.clone()).collect(),
                        run(old)?,
                        run(new)?,
                    ))
                });
            match outcome {
                Err(reason) => out.failed.push(Unrunnable { id: r.id, reason }),
                Ok((application, (verdict_old, before), (verdict_new, after))) => {
                    let parcels = compare(&before, &after);
                    if parcels.is_empty() && verdict_old == verdict_new {
                        out.unaffected += 1;
                    } else {
                        out.affected.push(AffectedDecision {
                            id: r.id,
                            created_at: r.created_at,
                            application,
                            verdict_stored: r.verdict,
                            verdict_old,
                            verdict_new,
                            parcels,
                        });
                    }
                }
            }
            progress(out.decisions);
            true
        })
        .map_err(|e| Error::Store(e.to_string()))?;
    Ok(out)
}

type Key = (String, String, String);

fn finding_ref(f: &Value) -> (Key, FindingRef) {
    let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
    let r = FindingRef {
        rule: s("rule"),
        layer: s("layer"),
        feature: s("feature"),
        severity: f["severity"].clone(),
        distance_m: f["distance_m"].clone(),
        limit_m: f["limit_m"].clone(),
        encumbered_m2: f["encumbered_m2"].clone(),
    };
    ((r.rule.clone(), r.layer.clone(), r.feature.clone()), r)
}

/// The parcels whose verdict or findings differ between two answers (the contract's
/// `parcels`, matched by id; the contract's rounding — millimetres, square millimetres —
/// decides what "differ" means).
fn compare(before: &Value, after: &Value) -> Vec<ParcelImpact> {
    let parcels = |v: &Value| -> BTreeMap<String, Value> {
        v["parcels"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|p| (p["id"].as_str().unwrap_or_default().to_string(), p.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (b, a) = (parcels(before), parcels(after));
    let mut out = Vec::new();
    let ids: Vec<&String> = {
        let mut ids: Vec<&String> = b.keys().chain(a.keys()).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    for id in ids {
        let (pb, pa) = (
            b.get(id).cloned().unwrap_or(Value::Null),
            a.get(id).cloned().unwrap_or(Value::Null),
        );
        let findings = |p: &Value| -> BTreeMap<Key, FindingRef> {
            p["findings"]
                .as_array()
                .map(|a| a.iter().map(finding_ref).collect())
                .unwrap_or_default()
        };
        let (fb, fa) = (findings(&pb), findings(&pa));
        let mut impact = ParcelImpact {
            parcel: id.clone(),
            verdict_old: pb["verdict"].clone(),
            verdict_new: pa["verdict"].clone(),
            added: Vec::new(),
            removed: Vec::new(),
            changed: Vec::new(),
        };
        for (k, f) in &fb {
            match fa.get(k) {
                None => impact.removed.push(f.clone()),
                Some(g) if g != f => impact.changed.push(FindingChange {
                    old: f.clone(),
                    new: g.clone(),
                }),
                Some(_) => {}
            }
        }
        for (k, f) in &fa {
            if !fb.contains_key(k) {
                impact.added.push(f.clone());
            }
        }
        let same = impact.added.is_empty()
            && impact.removed.is_empty()
            && impact.changed.is_empty()
            && impact.verdict_old == impact.verdict_new
            && pb["error"] == pa["error"];
        if !same {
            out.push(impact);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_parcels_that_differ_are_listed() {
        let f = |feature: &str, d: f64| {
            json!({"rule": "power.protection_zone", "layer": "power_lines", "feature": feature,
                   "severity": "conditional", "distance_m": d, "limit_m": 20.0, "encumbered_m2": 10.0})
        };
        let before = json!({"parcels": [
            {"id": "A", "verdict": "conditional", "findings": [f("pl-1", 5.0)]},
            {"id": "B", "verdict": "clear", "findings": []},
        ]});
        let after = json!({"parcels": [
            {"id": "A", "verdict": "conditional", "findings": [f("pl-1", 7.5)]},
            {"id": "B", "verdict": "clear", "findings": []},
        ]});
        let out = compare(&before, &after);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].parcel, "A");
        assert_eq!(out[0].changed[0].old.distance_m, json!(5.0));
        assert_eq!(out[0].changed[0].new.distance_m, json!(7.5));
        assert!(compare(&before, &before).is_empty());
    }
}
