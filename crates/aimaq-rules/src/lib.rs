//! # aimaq-rules
//!
//! The regulation model of aimaq: which zones the Almaty agglomeration scheme
//! (Government of RK Decree No. 514 of 13.08.2020) puts around which objects, how wide
//! they are for a given feature, and which act and which lines of the scheme say so.
//!
//! The catalog is data (`data/regulations/almaty-2020.toml`), compiled in as
//! [`Catalog::embedded`]. This crate knows nothing spatial: it turns a feature's
//! attributes into a [`Zone`] (a distance [`Limit`] with its [`Citation`]), and a proposed
//! [`LandUse`] into a [`Regime`] through each rule's [`RegimeMatrix`]; measuring distances
//! is `aimaq-check`'s job. Titles, labels and message fragments come in Kazakh, Russian
//! and English ([`Lang`]); rules carry the dates they are in force ([`Catalog::as_of`]).
//!
//! ```
//! use aimaq_rules::{Catalog, Limit};
//!
//! let catalog = Catalog::embedded();
//! let belt = catalog.rule("water_conduit.sanitary_belt").unwrap();
//! let conduit = serde_json::json!({"id": "c1", "soil": "dry", "diameter_mm": 1200});
//! let zone = belt.resolve(conduit.as_object().unwrap()).zone.unwrap();
//! // 20 m outside settlements; none inside, where the land is developed (L284)
//! assert_eq!(zone.limit, Limit::BySettlement { inside: 0.0, outside: 20.0 });
//! assert_eq!(zone.citation.digest.as_deref(), Some("R08"));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod approval;
mod attributes;
mod catalog;
mod citation;
mod condition;
mod describe;
mod error;
mod explain;
mod in_force;
mod info;
mod issue;
mod land_use;
mod lang;
mod law;
mod layer;
mod load;
mod message;
mod metres;
mod named;
mod printable;
mod raw;
mod regime;
mod resolution;
mod rule;
mod severity;
mod texts;
mod width;
mod width_rule;
mod zone;
mod zoning;

pub use approval::Approval;
pub use attributes::{AttributeSpec, AttributeType, Attributes};
pub use catalog::{Catalog, EMBEDDED_CATALOG};
pub use citation::Citation;
pub use condition::Condition;
pub use error::{CatalogError, CellProblem, CellRef, Inconsistency, RuleProblem, WidthEntry};
pub use explain::{explain, UnknownRule};
pub use in_force::{Date, InForce, InvalidDate, NotInForce};
pub use info::CatalogInfo;
pub use issue::{DataIssue, IssueLevel};
pub use land_use::{LandUse, UnknownUse};
pub use lang::{
    date_ending, fill, fill_in, format_number, DateCase, Labels, Lang, UnknownLang,
    THOUSANDS_SEPARATOR,
};
pub use law::{
    line_ranges, BadLines, LawExcerpt, SchemeText, EMBEDDED_SCHEME, EMBEDDED_SCHEME_FILE,
};
pub use layer::{AttributeProblem, LayerGeometry, LayerSpec, PROVENANCE_ATTRIBUTES};
pub use message::MESSAGE_KEYS;
pub use metres::format_metres;
pub use named::{NamedMatch, NamedObject, NamedWidths};
pub use printable::printable;
pub use regime::{Regime, RegimeCell, RegimeMatrix};
pub use resolution::{Resolution, ResolutionProblem};
pub use rule::Rule;
pub use severity::Severity;
pub use texts::{Translation, Translations};
pub use width::{ExactWidth, SourcedWidth, WidthValue};
pub use width_rule::{MissingWidth, Offset, OutsideOnly, UnknownWidthRule, WidthRule};
pub use zone::{Limit, UnknownWidth, WidthBasis, Zone, ON_FEATURE_M};
pub use zoning::{LandCategory, Subzone, ZoneGroup, Zoning};
