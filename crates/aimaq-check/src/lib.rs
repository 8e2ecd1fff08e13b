//! # aimaq-check
//!
//! The parallel checker. An [`Engine`] takes a regulation [`Catalog`](aimaq_rules::Catalog)
//! and a constraint dataset already in metres ([`Projected`]), resolves every rule for
//! every feature, and indexes the features' segments. [`Engine::check`] then takes a
//! parcel through:
//!
//! 1. **candidates** — index lookup by the parcel's bounding box;
//! 2. **refine** — exact minimum planar distance to the nearby segments (0 inside an
//!    area), compared with the limit: closer than the limit is a finding, exactly at the
//!    limit is clear;
//! 3. **finding** — one per (rule, feature) entered, with distance, limit, encumbered
//!    area and geometry, severity and citation;
//! 4. **verdict** — `prohibited` > `conditional` > `review` > `clear`.
//!
//! [`Engine::check_all`] runs parcels in parallel with rayon; [`Report`] is the JSON
//! contract and the text table. Reading files and reprojecting are the caller's.
#![warn(missing_docs)]

mod engine;
mod finding;
mod geometry;
mod projected;
mod refine;
mod report;
mod verdict;

pub use engine::{ConstraintFeature, DatasetStats, Engine, Parcel};
pub use finding::{Finding, ParcelReport};
pub use projected::Projected;
pub use report::{CatalogRef, DatasetSection, Report, Summary};
pub use verdict::Verdict;
