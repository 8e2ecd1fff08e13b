//! # aimaq-check
//!
//! The parallel checker. An [`Engine`] takes a regulation [`Catalog`](aimaq_rules::Catalog)
//! and a constraint dataset already in metres ([`Projected`]), resolves every rule for
//! every feature, and indexes the features' segments. [`Engine::check`] then takes a
//! parcel through (after its [`Limits`] — vertices, extent — and its validity, both in
//! O(n log n); past them the parcel is an error with its reason):
//!
//! 1. **candidates** — index lookup by the parcel's bounding box;
//! 2. **refine** — exact minimum planar distance to the nearby segments (0 inside an
//!    area), compared with the limit: closer than the limit is a finding, exactly at the
//!    limit is clear;
//! 3. **finding** — one per (rule, feature) entered whose regime for the parcel's use
//!    is not `allowed`, with distance, limit, encumbered area and geometry, severity, the
//!    regime cell and both citations (width and regime), in the engine's language;
//! 4. **verdict** — `prohibited` > `conditional` > `review` > `clear`; the
//!    [`Encumbrance`] is the union of the findings' zones, never their sum.
//!
//! [`LandBalance`] measures the functional zones by group and sub-zone on their union,
//! beside the scheme's Appendix 1.
//!
//! [`Engine::check_all`] runs parcels in parallel with rayon; [`Report`] is the JSON
//! contract and the text table. [`Engine::zones`] and [`Engine::settlements`] give exactly
//! the zones and settlement polygons the engine checks against, for exports that must not
//! decide anything again. Reading files and reprojecting are the caller's.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod balance;
mod encumbrance;
mod engine;
mod finding;
mod geometry;
mod ground;
mod limits;
mod local;
mod message;
mod prepare;
mod projected;
mod refine;
mod report;
mod text;
mod validity;
mod verdict;

pub use balance::{BalanceRow, CategoryRow, LandBalance};
pub use encumbrance::{AreaShare, Encumbrance};
pub use engine::{dataset_extent, Engine, Parcel};
pub use finding::{Finding, ParcelReport};
pub use geometry::is_valid;
pub use ground::{Ground, MAX_SCALE_ERROR};
pub use limits::{LimitHints, Limits, MIN_AREA_M2, MIN_RING_LENGTH_M};
pub use prepare::{ConstraintFeature, DatasetStats, FeatureGeometry, ResolvedZone, Settlement};
pub use projected::Projected;
pub use report::{CatalogRef, DatasetSection, Report, Summary};
pub use text::{TextFinding, TextParcel, TextRenderer};
pub use verdict::Verdict;
