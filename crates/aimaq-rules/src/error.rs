//! Why a catalog cannot be used.

use thiserror::Error;

/// A catalog that cannot be used.
#[derive(Debug, Error)]
pub enum CatalogError {
    /// The TOML does not parse into the catalog's shape.
    #[error("catalog does not parse: {0}")]
    Parse(#[from] toml::de::Error),
    /// The TOML parses but contradicts itself.
    #[error("catalog is inconsistent: {0}")]
    Invalid(String),
}
