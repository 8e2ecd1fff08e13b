//! `aimaq decisions verify`: the appeal question. Every stored decision is run again
//! against the catalog and the dataset it recorded (rebuilt from the store, bit for
//! bit), and any answer that would now differ is reported field by field. The store's
//! own integrity (SQLite's check, each decision's digests, the hash chain) is checked on
//! the way.

use crate::decide;
use crate::request::CheckRequest;
use crate::store::{chain_link, DecisionRecord, Store};
use crate::{sha256, Desk, Error};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// What to run the decisions against.
pub enum Against {
    /// The catalog and the data each decision recorded (the default).
    Recorded,
    /// Today's catalog and data: what would the answer be now?
    Current(Arc<Desk>),
}

/// One field that differs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Change {
    /// Where, e.g. `parcels[0].findings[1].distance_m`.
    pub path: String,
    /// As decided.
    pub before: Value,
    /// As run now.
    pub after: Value,
}

/// A decision whose answer would now differ, or that cannot be run again.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The decision.
    pub id: String,
    /// When it was made.
    pub created_at: String,
    /// The verdict as decided.
    pub verdict: String,
    /// What differs (empty when `problem` says why it could not be compared).
    pub changes: Vec<Change>,
    /// Why it could not be run again, or what is wrong with the record itself.
    pub problem: Option<String>,
}

/// The outcome of a verification.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// The store.
    pub store: String,
    /// Against what: `recorded` or `current`.
    pub against: String,
    /// SQLite's `PRAGMA integrity_check` (`["ok"]` when sound).
    pub integrity: Vec<String>,
    /// Decisions read.
    pub decisions: usize,
    /// Decisions whose answer is the same.
    pub same: usize,
    /// Whether every chain link and digest matches.
    pub chain_intact: bool,
    /// Decisions that differ or have problems.
    pub findings: Vec<Finding>,
    /// The newest decision's seq and chain link: the head of the chain as found.
    pub head: Option<Head>,
    /// The head the caller expected (`--head`), and what became of it.
    pub expected_head: Option<ExpectedHead>,
    /// Decisions whose link is of version 1 (made before schema 2): their links do not
    /// cover seq, the parcel count, the catalog's id or the dataset's label.
    pub version_1_links: usize,
}

/// The head of the chain.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Head {
    /// The newest decision's seq.
    pub seq: i64,
    /// Its id.
    pub id: String,
    /// Its chain link.
    pub chain: String,
}

/// A chain link given from outside the store (printed on a record, noted in a register).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExpectedHead {
    /// The link given.
    pub chain: String,
    /// The decision whose link it is, when the store holds it.
    pub found: Option<Head>,
    /// Decisions after it.
    pub after: usize,
}

impl Verification {
    /// Everything the same and the store sound, and the expected head (if any) found.
    pub fn clean(&self) -> bool {
        self.findings.is_empty()
            && self.chain_intact
            && self.integrity == ["ok"]
            && self
                .expected_head
                .as_ref()
                .is_none_or(|h| h.found.is_some())
    }
}

/// Runs every decision of `store` again; `progress` is told how many are done.
///
/// `expected_head` is a chain link known from outside the store (the `chain` printed on a
/// decision record): the verification fails unless a decision of the store has exactly
/// that link, which is how a removal of the newest decisions, or a chain recomputed
/// after an edit, is caught. Without it, a store whose newest decisions were deleted
/// verifies as intact.
pub fn verify(
    store: &Store,
    against: &Against,
    expected_head: Option<&str>,
    progress: &mut dyn FnMut(usize),
) -> Result<Verification, Error> {
    let integrity = store
        .integrity_check()
        .map_err(|e| Error::Store(e.to_string()))?;
    let mut desks: HashMap<(String, String, String), Result<Arc<Desk>, String>> = HashMap::new();
    let mut out = Verification {
        store: store.path().display().to_string(),
        against: match against {
            Against::Recorded => "recorded".into(),
            Against::Current(_) => "current".into(),
        },
        integrity,
        decisions: 0,
        same: 0,
        chain_intact: true,
        findings: Vec::new(),
        head: None,
        expected_head: expected_head.map(|h| ExpectedHead {
            chain: h.trim().to_string(),
            found: None,
            after: 0,
        }),
        version_1_links: 0,
    };
    let mut prev_chain = String::new();
    let mut prev_version = 1i64;
    let mut expected_seen = false;
    let mut failure: Option<Error> = None;
    store
        .for_each(|r| {
            out.decisions += 1;
            let mut problems = Vec::new();
            if sha256(r.request_text.as_bytes()) != r.request_digest {
                problems.push("the stored request does not match its digest".to_string());
            }
            if sha256(r.result_text.as_bytes()) != r.result_digest {
                problems.push("the stored result does not match its digest".to_string());
            }
            if chain_link(&prev_chain, &r.chain_fields()) != r.chain {
                problems.push(
                    "the hash chain breaks here: this decision or one before it was altered outside aimaq"
                        .to_string(),
                );
            }
            if r.link_version < prev_version || !(1..=crate::store::LINK_VERSION).contains(&r.link_version) {
                problems.push(format!(
                    "its link version {} follows version {prev_version}: links only ever move to a newer version",
                    r.link_version
                ));
            }
            if r.catalog_id.is_empty() {
                problems.push(format!("the store lacks catalog {}", r.catalog_digest));
            }
            if r.dataset_label.is_empty() {
                problems.push(format!("the store lacks dataset {}", r.dataset_digest));
            }
            if r.link_version < 2 {
                out.version_1_links += 1;
            }
            prev_version = prev_version.max(r.link_version);
            prev_chain = r.chain.clone();
            let head = Head {
                seq: r.seq,
                id: r.id.clone(),
                chain: r.chain.clone(),
            };
            if let Some(e) = out.expected_head.as_mut() {
                if expected_seen {
                    e.after += 1;
                } else if e.chain.eq_ignore_ascii_case(&r.chain) {
                    e.found = Some(head.clone());
                    expected_seen = true;
                }
            }
            out.head = Some(head);
            if !problems.is_empty() {
                out.chain_intact = false;
            }
            let desk = match against {
                Against::Current(d) => Ok(Arc::clone(d)),
                Against::Recorded => desks
                    .entry((r.catalog_digest.clone(), r.dataset_digest.clone(), r.crs.clone()))
                    .or_insert_with(|| recorded_desk(store, &r).map(Arc::new))
                    .clone(),
            };
            let outcome = desk.and_then(|desk| rerun(&desk, &r));
            match outcome {
                Ok(changes) if changes.is_empty() && problems.is_empty() => out.same += 1,
                Ok(changes) => out.findings.push(Finding {
                    id: r.id.clone(),
                    created_at: r.created_at.clone(),
                    verdict: r.verdict.clone(),
                    changes,
                    problem: (!problems.is_empty()).then(|| problems.join("; ")),
                }),
                Err(reason) => {
                    problems.push(reason);
                    out.findings.push(Finding {
                        id: r.id.clone(),
                        created_at: r.created_at.clone(),
                        verdict: r.verdict.clone(),
                        changes: Vec::new(),
                        problem: Some(problems.join("; ")),
                    })
                }
            }
            progress(out.decisions);
            true
        })
        .map_err(|e| Error::Store(e.to_string()))?;
    if let Some(e) = failure.take() {
        return Err(e);
    }
    Ok(out)
}

/// The desk a decision was made with, from the store's copies of its catalog and data.
pub(crate) fn recorded_desk(store: &Store, r: &DecisionRecord) -> Result<Desk, String> {
    let catalog = store
        .catalog_text(&r.catalog_digest)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the store lacks catalog {}", r.catalog_digest))?;
    if sha256(catalog.as_bytes()) != r.catalog_digest {
        return Err(format!(
            "the stored catalog does not match its digest {}",
            r.catalog_digest
        ));
    }
    let (label, _crs, snapshot) = store
        .dataset(&r.dataset_digest)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the store lacks dataset {}", r.dataset_digest))?;
    if sha256(&snapshot) != r.dataset_digest {
        return Err(format!(
            "the stored dataset does not match its digest {}",
            r.dataset_digest
        ));
    }
    Desk::from_record(&catalog, snapshot, &r.crs, &label).map_err(|e| e.to_string())
}

/// The recorded decision `r` with its words in `lang`: its request run again in `lang` on
/// `desk` (the one it was made with). The facts (verdicts, rules, objects, severities,
/// distances, areas, ids) must be those recorded, only the words may differ; otherwise
/// it is refused, for a record is never shown saying other than what was decided.
pub(crate) fn render_in(
    desk: &Desk,
    r: &DecisionRecord,
    lang: aimaq_rules::Lang,
) -> Result<Value, Error> {
    let mut request: CheckRequest = serde_json::from_str(&r.request_text)
        .map_err(|e| Error::Internal(format!("the stored request cannot be read: {e}")))?;
    request.lang = lang;
    let decided = decide::run(desk, &request)?;
    if let Some((id, reason)) = decided.errors.first() {
        return Err(Error::Internal(format!(
            "decision {}: parcel `{id}` cannot be run again: {reason}",
            r.id
        )));
    }
    let facts = |v: &Value| -> Value {
        let parcels = v["parcels"].as_array().cloned().unwrap_or_default();
        Value::Array(
            parcels
                .iter()
                .map(|p| {
                    let findings: Vec<Value> = p["findings"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .iter()
                        .map(|f| {
                            serde_json::json!([
                                f["rule"],
                                f["feature"],
                                f["severity"],
                                f["distance_m"],
                                f["limit_m"],
                                f["encumbered_m2"],
                                f["encumbered_share"]
                            ])
                        })
                        .collect();
                    serde_json::json!([p["id"], p["verdict"], p["use"], p["area_m2"], findings])
                })
                .collect(),
        )
    };
    if facts(&r.result) != facts(&decided.result) {
        return Err(Error::Internal(format!(
            "decision {} cannot be rendered in {}: run again, it states other facts than recorded (run `aimaq decisions verify`)",
            r.id,
            lang.code()
        )));
    }
    Ok(decided.result)
}

/// The fields that differ between the recorded answer and the answer now.
fn rerun(desk: &Desk, r: &DecisionRecord) -> Result<Vec<Change>, String> {
    let request: CheckRequest = serde_json::from_str(&r.request_text)
        .map_err(|e| format!("the stored request cannot be read: {e}"))?;
    let decided = decide::run(desk, &request).map_err(|e| e.to_string())?;
    let mut changes = Vec::new();
    let mut before = r.result.clone();
    let mut after = decided.result;
    // the map's geometries are the findings' areas drawn: the areas are compared in the
    // findings, to the millimetre and square millimetre the contract states
    for v in [&mut before, &mut after] {
        if let Some(o) = v.as_object_mut() {
            o.remove("geometry");
        }
    }
    diff("", &before, &after, &mut changes);
    Ok(changes)
}

fn diff(path: &str, a: &Value, b: &Value, out: &mut Vec<Change>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                diff(
                    &p,
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                diff(&format!("{path}[{i}]"), u, v, out);
            }
        }
        _ if a == b => {}
        _ => out.push(Change {
            path: path.to_string(),
            before: a.clone(),
            after: b.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn differences_are_named_by_path() {
        let mut out = Vec::new();
        diff(
            "",
            &json!({"parcels": [{"verdict": "clear", "findings": []}], "lang": "en"}),
            &json!({"parcels": [{"verdict": "prohibited", "findings": [{"rule": "water.zone"}]}], "lang": "en"}),
            &mut out,
        );
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].path, "parcels[0].findings");
        assert_eq!(out[1].path, "parcels[0].verdict");
        assert_eq!(out[1].after, json!("prohibited"));
    }
}
