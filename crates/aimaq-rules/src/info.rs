//! The catalog's header: which scheme, which act, from when.

use crate::in_force::InForce;
use crate::lang::{Labels, Lang};
use serde::{Deserialize, Serialize};

/// Catalog header.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogInfo {
    /// Stable id, e.g. `almaty-2020`.
    pub id: String,
    /// Title of the scheme (English).
    pub title: String,
    /// Title of the scheme in the three languages, when the catalog gives them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_labels: Option<Labels>,
    /// The approving act.
    pub act: String,
    /// Amending acts.
    #[serde(default)]
    pub amendments: Vec<String>,
    /// The text the line numbers refer to.
    pub source: String,
    /// The use assumed for a parcel that states none.
    pub default_use: String,
    /// When the catalog's rules are in force unless a rule says otherwise.
    pub in_force: InForce,
}

impl CatalogInfo {
    /// The scheme's title in `lang` (the English title when the catalog gives no other).
    pub fn title_in(&self, lang: Lang) -> &str {
        self.title_labels
            .as_ref()
            .map(|l| l.get(lang))
            .filter(|t| !t.trim().is_empty())
            .unwrap_or(&self.title)
    }
}
