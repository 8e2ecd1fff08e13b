//! Approvals that make a `conditional` use possible.

use crate::lang::Labels;
use serde::{Deserialize, Serialize};

/// An approval or agreed project that makes a `conditional` use possible, in words.
///
/// ```
/// use aimaq_rules::{Catalog, Lang};
/// let catalog = Catalog::embedded();
/// let seismic = catalog.approval("seismic_design").unwrap();
/// assert!(seismic.labels.get(Lang::Ru).contains("СП РК 2.03-30-2017"));
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// Stable id, e.g. `agreed_project`.
    pub id: String,
    /// What is needed, in the three languages.
    pub labels: Labels,
}
