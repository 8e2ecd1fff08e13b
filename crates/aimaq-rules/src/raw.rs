//! The catalog's TOML as written, before it is checked.

use crate::approval::Approval;
use crate::citation::Citation;
use crate::condition::Condition;
use crate::in_force::InForce;
use crate::info::CatalogInfo;
use crate::land_use::LandUse;
use crate::lang::Labels;
use crate::layer::LayerSpec;
use crate::regime::Regime;
use crate::texts::Translations;
use crate::width::{SourcedWidth, WidthValue};
use crate::width_rule::{MissingWidth, Offset, OutsideOnly};
use crate::zoning::Zoning;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The whole catalog file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCatalog {
    pub(crate) catalog: CatalogInfo,
    #[serde(default)]
    pub(crate) layer: Vec<LayerSpec>,
    #[serde(default)]
    pub(crate) rule: Vec<RawRule>,
    #[serde(default)]
    pub(crate) named: Vec<RawNamed>,
    #[serde(default, rename = "use")]
    pub(crate) uses: Vec<LandUse>,
    #[serde(default)]
    pub(crate) approval: Vec<Approval>,
    #[serde(default)]
    pub(crate) messages: BTreeMap<String, Labels>,
    #[serde(default)]
    pub(crate) texts: Translations,
    pub(crate) zoning: Option<Zoning>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRegime {
    pub(crate) default: RawCell,
    #[serde(default)]
    pub(crate) cell: Vec<RawCell>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCell {
    #[serde(default = "all_uses")]
    pub(crate) uses: Vec<String>,
    #[serde(default)]
    pub(crate) when: BTreeMap<String, Condition>,
    pub(crate) regime: Regime,
    pub(crate) approval: Option<String>,
    pub(crate) reason: Option<Labels>,
    pub(crate) basis: Labels,
    pub(crate) citation: Citation,
}

fn all_uses() -> Vec<String> {
    vec!["*".into()]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    pub(crate) id: String,
    pub(crate) layer: String,
    pub(crate) labels: Labels,
    pub(crate) measured_from: Labels,
    pub(crate) citation: Citation,
    pub(crate) width: RawWidthRule,
    pub(crate) offset: Option<Offset>,
    pub(crate) outside_only: Option<OutsideOnly>,
    pub(crate) within: Option<String>,
    #[serde(default)]
    pub(crate) when: BTreeMap<String, Condition>,
    pub(crate) in_force: Option<InForce>,
    pub(crate) regime: RawRegime,
    pub(crate) unknown: Option<RawUnknown>,
}

/// `[rule.unknown]`: the review band of a feature whose width the rule cannot determine.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawUnknown {
    #[serde(default)]
    pub(crate) cases: Vec<RawWidth>,
    pub(crate) reach: Option<RawWidth>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNamed {
    pub(crate) table: String,
    pub(crate) key: String,
    pub(crate) names: Vec<String>,
    pub(crate) act: String,
    pub(crate) reference: Option<String>,
    #[serde(default)]
    pub(crate) when: BTreeMap<String, Condition>,
    pub(crate) widths: BTreeMap<String, RawWidth>,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum RawWidthRule {
    Cases {
        cases: Vec<RawWidth>,
        override_attribute: Option<String>,
    },
    BySettlement {
        settlement_layer: String,
        inside: RawWidth,
        outside: RawWidth,
    },
    Attribute(RawAttributeWidth),
    Overlap,
}

/// `kind = "attribute"`: a table of its own, as it has the most fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAttributeWidth {
    pub(crate) attribute: String,
    #[serde(default = "one")]
    pub(crate) scale: f64,
    pub(crate) named: Option<String>,
    pub(crate) named_width: Option<String>,
    #[serde(default)]
    pub(crate) defaults: Vec<RawWidth>,
    pub(crate) fallback: Option<RawWidth>,
    pub(crate) missing: MissingWidth,
    pub(crate) missing_note: Option<String>,
}

fn one() -> f64 {
    1.0
}

/// A width entry as written in the catalog TOML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWidth {
    m: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
    act: Option<String>,
    scheme: Option<String>,
    digest: Option<String>,
    note: Option<String>,
    #[serde(default)]
    pub(crate) when: BTreeMap<String, Condition>,
}

impl RawWidth {
    /// The width with its citation, which cites `default_act` when the entry names no act
    /// of its own; `None` unless it is one positive value or a positive range.
    pub(crate) fn into_sourced(self, default_act: Option<&str>) -> Option<SourcedWidth> {
        let ok = |v: f64| v.is_finite() && v > 0.0;
        let value = match (self.m, self.min, self.max) {
            (Some(m), None, None) if ok(m) => WidthValue::Exact(m),
            (None, Some(min), Some(max)) if ok(min) && ok(max) && min < max => {
                WidthValue::Range { min, max }
            }
            _ => return None,
        };
        let act = match (self.act, default_act) {
            (Some(a), _) => a,
            (None, Some(a)) => a.to_string(),
            (None, None) => String::new(),
        };
        Some(SourcedWidth {
            value,
            citation: Citation {
                act,
                scheme: self.scheme,
                digest: self.digest,
                note: self.note,
            },
        })
    }
}
