//! The catalog's header: which scheme, which act, from when.

use crate::in_force::InForce;
use serde::{Deserialize, Serialize};

/// Catalog header.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogInfo {
    /// Stable id, e.g. `almaty-2020`.
    pub id: String,
    /// Title of the scheme.
    pub title: String,
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
