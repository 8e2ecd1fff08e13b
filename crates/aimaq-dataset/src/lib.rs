//! # aimaq-dataset
//!
//! Constraint datasets from real data, beside [`aimaq_io`] (which loads a dataset that
//! already follows the layer contract of `docs/dataset.md`):
//!
//! - **Building**: OpenStreetMap extracts (`.osm.pbf`, `.osm`, read through GDAL's OSM
//!   driver with the project's own osmconf) and any OGR source described by a mapping
//!   TOML, merged into one GeoPackage that `--data` takes everywhere.
//! - **Completeness**: for each rule, what the dataset lets it measure and what it lacks.
//! - **Diff**: what changed between two builds, and which stored decisions it affects.
#![warn(missing_docs)]

pub mod build;
pub mod completeness;
pub mod diff;
pub mod mapping;
mod merge;
pub mod osm;
mod summary;
mod write;
