//! What changed between two datasets (two builds of the same sources, say): by layer,
//! the features added, removed, moved and with changed attributes.
//!
//! Features are matched by `id` within a layer. A feature has *moved* when the Hausdorff
//! distance between its old and new geometry, in metres of the measuring CRS, is above a
//! tolerance (0.5 m unless told otherwise): the farthest any point of one geometry lies
//! from the other (for areas, from the other's boundary). It is computed exactly to the
//! millimetre, not over vertices only: a vertex added on a straight line moves nothing.
//! The provenance attributes a build adds ([`aimaq_rules::PROVENANCE_ATTRIBUTES`]:
//! `source`, `source_ref`, `licence`) are not compared: a build from a renamed file would
//! change them all.
//!
//! ```
//! use aimaq_check::{ConstraintFeature, Projected};
//! use aimaq_dataset::diff::{diff, DiffOptions};
//! use aimaq_io::dataset::LoadedDataset;
//! use geo::{line_string, Geometry};
//!
//! let line = |id: &str, y: f64, kv: f64| ConstraintFeature {
//!     layer: "power_lines".into(),
//!     attributes: serde_json::json!({"id": id, "voltage_kv": kv}).as_object().unwrap().clone(),
//!     geometry: Ok(Projected::assume_metres(Geometry::from(
//!         line_string![(x: 0.0, y: y), (x: 1000.0, y: y)]))),
//! };
//! let set = |features| LoadedDataset {
//!     features, issues: vec![], label: "d".into(), layers: vec!["power_lines".into()],
//!     attribution: None,
//! };
//! let old = set(vec![line("a", 0.0, 220.0), line("b", 0.0, 220.0), line("c", 0.0, 220.0)]);
//! let new = set(vec![line("a", 3.0, 220.0), line("b", 0.2, 220.0), line("c", 0.0, 500.0)]);
//! let d = diff(&old, &new, "EPSG:32643", &DiffOptions::default());
//! let power = d.layer("power_lines").unwrap();
//! assert_eq!(power.moved.len(), 1); // b moved 0.2 m: within the tolerance
//! assert_eq!((power.moved[0].id.as_str(), power.moved[0].distance_m), ("a", Some(3.0)));
//! assert_eq!(power.changed[0].attributes[0].attribute, "voltage_kv");
//! ```

mod hausdorff;

pub use hausdorff::hausdorff_m;

use aimaq_check::ConstraintFeature;
use aimaq_io::dataset::LoadedDataset;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;

/// The default tolerance: geometries closer than this (Hausdorff, metres) have not moved.
pub const DEFAULT_TOLERANCE_M: f64 = 0.5;

/// How to compare.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiffOptions {
    /// A feature moved when its Hausdorff distance is above this, metres.
    pub tolerance_m: f64,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            tolerance_m: DEFAULT_TOLERANCE_M,
        }
    }
}

/// What changed between two datasets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetDiff {
    /// The old dataset's label.
    pub old: String,
    /// The new dataset's label.
    pub new: String,
    /// The CRS distances are measured in.
    pub crs: String,
    /// The tolerance used, metres.
    pub tolerance_m: f64,
    /// Layers with a change, in contract order.
    pub layers: Vec<LayerDiff>,
    /// Totals over the layers.
    pub summary: DiffSummary,
}

/// Totals over the layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DiffSummary {
    /// Features only in the new dataset.
    pub added: usize,
    /// Features only in the old one.
    pub removed: usize,
    /// Features whose geometry moved beyond the tolerance.
    pub moved: usize,
    /// Features with changed attributes.
    pub changed: usize,
    /// Features in both, neither moved nor changed.
    pub unchanged: usize,
}

/// A feature, by id and name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureRef {
    /// Its id.
    pub id: String,
    /// Its name, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A feature that moved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Moved {
    /// Its id.
    pub id: String,
    /// Its name (the new one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The Hausdorff distance, metres (millimetres kept); `None` when one of the two
    /// geometries could not be read (see `note`).
    pub distance_m: Option<f64>,
    /// Why no distance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One attribute's change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeChange {
    /// The attribute.
    pub attribute: String,
    /// Its old value (`null`: absent).
    pub old: Value,
    /// Its new value (`null`: absent).
    pub new: Value,
}

/// A feature whose attributes changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Changed {
    /// Its id.
    pub id: String,
    /// Its name (the new one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The attributes that changed, by name.
    pub attributes: Vec<AttributeChange>,
}

/// One layer's changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerDiff {
    /// The layer.
    pub layer: String,
    /// Features in the old dataset (`None`: the layer is absent from it).
    pub old_features: Option<usize>,
    /// Features in the new dataset (`None`: the layer is absent from it).
    pub new_features: Option<usize>,
    /// Only in the new dataset.
    pub added: Vec<FeatureRef>,
    /// Only in the old dataset.
    pub removed: Vec<FeatureRef>,
    /// Geometry moved beyond the tolerance.
    pub moved: Vec<Moved>,
    /// Attributes changed.
    pub changed: Vec<Changed>,
    /// In both, neither moved nor changed.
    pub unchanged: usize,
    /// Features that cannot be matched (no id, or an id used twice in the layer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmatched: Vec<String>,
}

impl LayerDiff {
    fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.moved.is_empty()
            && self.changed.is_empty()
            && self.unmatched.is_empty()
            && self.old_features.is_some() == self.new_features.is_some()
    }
}

impl DatasetDiff {
    /// The changes of layer `name`, if it has any.
    pub fn layer(&self, name: &str) -> Option<&LayerDiff> {
        self.layers.iter().find(|l| l.layer == name)
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// The diff as text, in the command line's style.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let s = &self.summary;
        let _ = writeln!(
            out,
            "{} → {}: {} added, {} removed, {} moved, {} with changed attributes, {} unchanged",
            self.old, self.new, s.added, s.removed, s.moved, s.changed, s.unchanged
        );
        let _ = writeln!(
            out,
            "  moved = Hausdorff distance above {} m, measured in {}",
            aimaq_rules::format_metres(self.tolerance_m),
            self.crs
        );
        let name = |n: &Option<String>| n.as_ref().map(|n| format!(" «{n}»")).unwrap_or_default();
        for l in &self.layers {
            let count = |n: Option<usize>| n.map_or("absent".into(), |n| n.to_string());
            let _ = writeln!(
                out,
                "{}: {} → {} features",
                l.layer,
                count(l.old_features),
                count(l.new_features)
            );
            for f in &l.added {
                let _ = writeln!(out, "  + added    {}{}", f.id, name(&f.name));
            }
            for f in &l.removed {
                let _ = writeln!(out, "  - removed  {}{}", f.id, name(&f.name));
            }
            for m in &l.moved {
                let how = match (m.distance_m, &m.note) {
                    (Some(d), _) => format!("{d:.3} m"),
                    (None, Some(n)) => n.clone(),
                    (None, None) => "?".into(),
                };
                let _ = writeln!(out, "  ~ moved    {}{} by {how}", m.id, name(&m.name));
            }
            for c in &l.changed {
                let what: Vec<String> = c
                    .attributes
                    .iter()
                    .map(|a| format!("{} {} → {}", a.attribute, show(&a.old), show(&a.new)))
                    .collect();
                let _ = writeln!(
                    out,
                    "  * changed  {}{}: {}",
                    c.id,
                    name(&c.name),
                    what.join(", ")
                );
            }
            for u in &l.unmatched {
                let _ = writeln!(out, "  ? {u}");
            }
        }
        out
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

/// Compares `old` and `new`, both read in the same metric CRS (`crs` labels it).
pub fn diff(
    old: &LoadedDataset,
    new: &LoadedDataset,
    crs: &str,
    options: &DiffOptions,
) -> DatasetDiff {
    // contract order, as the loader gives it, then any other layer
    let mut order: Vec<&str> = Vec::new();
    for l in old.layers.iter().chain(&new.layers) {
        if !order.contains(&l.as_str()) {
            order.push(l);
        }
    }
    for f in old.features.iter().chain(&new.features) {
        if !order.contains(&f.layer.as_str()) {
            order.push(&f.layer);
        }
    }
    let mut summary = DiffSummary::default();
    let mut layers = Vec::new();
    for layer in order {
        let l = diff_layer(layer, old, new, options.tolerance_m);
        summary.added += l.added.len();
        summary.removed += l.removed.len();
        summary.moved += l.moved.len();
        summary.changed += l.changed.len();
        summary.unchanged += l.unchanged;
        if !l.is_empty() {
            layers.push(l);
        }
    }
    DatasetDiff {
        old: old.label.clone(),
        new: new.label.clone(),
        crs: crs.to_string(),
        tolerance_m: options.tolerance_m,
        layers,
        summary,
    }
}

/// A layer's features by id, in input order, and what cannot be matched.
struct Indexed<'a> {
    by_id: HashMap<&'a str, &'a ConstraintFeature>,
    order: Vec<&'a str>,
    unmatched: Vec<String>,
    count: usize,
}

fn index<'a>(layer: &str, data: &'a LoadedDataset, which: &str) -> Indexed<'a> {
    let mut by_id = HashMap::new();
    let mut order = Vec::new();
    let mut twice = BTreeSet::new();
    let mut unmatched = Vec::new();
    let mut count = 0;
    for (ordinal, f) in data
        .features
        .iter()
        .filter(|f| f.layer == layer)
        .enumerate()
    {
        count += 1;
        match f
            .attributes
            .get("id")
            .and_then(|v| v.as_str())
            .map(str::trim)
        {
            Some(id) if !id.is_empty() => {
                if by_id.insert(id, f).is_some() {
                    twice.insert(id);
                } else {
                    order.push(id);
                }
            }
            _ => unmatched.push(format!(
                "{which} feature #{ordinal} has no id: not compared"
            )),
        }
    }
    for id in &twice {
        by_id.remove(id);
        order.retain(|o| o != id);
        unmatched.push(format!(
            "id `{id}` is used more than once in the {which} layer: not compared"
        ));
    }
    Indexed {
        by_id,
        order,
        unmatched,
        count,
    }
}

fn name_of(f: &ConstraintFeature) -> Option<String> {
    f.attributes
        .get("name")
        .and_then(|v| v.as_str())
        .map(String::from)
}

fn diff_layer(layer: &str, old: &LoadedDataset, new: &LoadedDataset, tolerance: f64) -> LayerDiff {
    let o = index(layer, old, "old");
    let n = index(layer, new, "new");
    let present = |d: &LoadedDataset, count: usize| {
        (d.layers.iter().any(|l| l == layer) || count > 0).then_some(count)
    };
    let mut out = LayerDiff {
        layer: layer.to_string(),
        old_features: present(old, o.count),
        new_features: present(new, n.count),
        added: Vec::new(),
        removed: Vec::new(),
        moved: Vec::new(),
        changed: Vec::new(),
        unchanged: 0,
        unmatched: o.unmatched.iter().chain(&n.unmatched).cloned().collect(),
    };
    for id in &o.order {
        if !n.by_id.contains_key(id) {
            out.removed.push(FeatureRef {
                id: id.to_string(),
                name: name_of(o.by_id[id]),
            });
        }
    }
    for id in &n.order {
        let after = n.by_id[id];
        let Some(before) = o.by_id.get(id) else {
            out.added.push(FeatureRef {
                id: id.to_string(),
                name: name_of(after),
            });
            continue;
        };
        let mut same = true;
        let moved = match (&before.geometry, &after.geometry) {
            (Ok(a), Ok(b)) => {
                let d = hausdorff_m(a.geometry(), b.geometry());
                (d > tolerance).then(|| Moved {
                    id: id.to_string(),
                    name: name_of(after),
                    distance_m: Some((d * 1000.0).round() / 1000.0),
                    note: None,
                })
            }
            (Err(_), Err(_)) => None,
            (Err(e), Ok(_)) => Some(Moved {
                id: id.to_string(),
                name: name_of(after),
                distance_m: None,
                note: Some(format!("the old geometry could not be read ({e})")),
            }),
            (Ok(_), Err(e)) => Some(Moved {
                id: id.to_string(),
                name: name_of(after),
                distance_m: None,
                note: Some(format!("the new geometry cannot be read ({e})")),
            }),
        };
        if let Some(m) = moved {
            out.moved.push(m);
            same = false;
        }
        let attributes = attribute_changes(&before.attributes, &after.attributes);
        if !attributes.is_empty() {
            out.changed.push(Changed {
                id: id.to_string(),
                name: name_of(after),
                attributes,
            });
            same = false;
        }
        if same {
            out.unchanged += 1;
        }
    }
    out
}

fn attribute_changes(
    old: &aimaq_rules::Attributes,
    new: &aimaq_rules::Attributes,
) -> Vec<AttributeChange> {
    let keys: BTreeMap<&String, ()> = old.keys().chain(new.keys()).map(|k| (k, ())).collect();
    let mut out = Vec::new();
    for key in keys.keys() {
        if aimaq_rules::PROVENANCE_ATTRIBUTES.contains(&key.as_str()) {
            continue;
        }
        let a = old.get(*key).unwrap_or(&Value::Null);
        let b = new.get(*key).unwrap_or(&Value::Null);
        let equal = match (a.as_f64(), b.as_f64()) {
            // 1 and 1.0 are one value, whichever format stored it
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        };
        if !equal {
            out.push(AttributeChange {
                attribute: key.to_string(),
                old: a.clone(),
                new: b.clone(),
            });
        }
    }
    out
}
