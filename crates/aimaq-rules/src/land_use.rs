//! The vocabulary of proposed land uses.

use crate::citation::Citation;
use crate::lang::Labels;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// One proposed use a parcel may state, with a stable code and kk/ru/en labels.
///
/// Tags group uses for the regime matrix (`#building`, `#industry`, `#agriculture`), so a
/// cell can say "industrial or agricultural production" once, as the scheme does.
///
/// ```
/// use aimaq_rules::{Catalog, Lang};
/// let catalog = Catalog::embedded();
/// let wash = catalog.land_use("vehicle_wash").unwrap();
/// assert!(wash.label(Lang::Kk).contains("жуу"));
/// assert!(wash.has_tag("building"));
/// assert_eq!(catalog.default_use().code, "construction");
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LandUse {
    /// Stable code, e.g. `vehicle_wash`.
    pub code: String,
    /// Labels in the three languages.
    pub labels: Labels,
    /// Groups the use belongs to, e.g. `building`, `agriculture`.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Where the scheme names this use, when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation: Option<Citation>,
}

impl LandUse {
    /// The label in `lang`.
    pub fn label(&self, lang: crate::Lang) -> &str {
        self.labels.get(lang)
    }
    /// Whether the use carries `tag`.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
}

/// A parcel states a use that is not in the catalog's vocabulary.
///
/// ```
/// let catalog = aimaq_rules::Catalog::embedded();
/// let err = catalog.resolve_use(Some(" Carwash ")).unwrap_err();
/// assert_eq!(err.code, "Carwash");
/// assert!(err.allowed.iter().any(|c| c == "vehicle_wash"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown use `{code}` (allowed: {})", .allowed.join(", "))]
pub struct UnknownUse {
    /// The code as stated, trimmed.
    pub code: String,
    /// The vocabulary's codes, in catalog order.
    pub allowed: Vec<String>,
}
