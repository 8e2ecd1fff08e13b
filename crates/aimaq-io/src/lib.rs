//! # aimaq-io
//!
//! Everything between aimaq's engine and files: the part a municipal tool embeds to read
//! parcels and constraint data as they come, and to write reports a GIS opens.
//!
//! - **Sources** ([`source`]): any OGR-readable parcel file ([`OgrSource`]: Shapefile
//!   with its `.prj` and `.cpg`, GeoPackage, GeoJSON, FlatGeobuf, … in its own CRS) or
//!   strict RFC 7946 GeoJSON ([`GeoJsonSource`]), behind one [`ParcelSource`] iterator;
//!   every record comes out, with its error if it has one.
//! - **Datasets** ([`dataset`]): the constraint layers from a directory or a GeoPackage,
//!   or the embedded Almaty data (feature `embedded`, on by default).
//! - **Engines** ([`open_engine`]): catalog, as-of date, metric CRS and dataset in one
//!   call — the same for the CLI, the benches and every binding.
//! - **The pipeline** ([`pipeline`], [`screen`]): records streamed through the engine
//!   into a [`ReportSink`](sink::ReportSink) in input order, with flat memory, progress
//!   as a callback, and cancellation.
//! - **WKB batches** ([`wkb_source`]): parcels held in memory as WKB with ids and uses (Python,
//!   Arrow, Spark), parsed in parallel, their extent held against their CRS.
//! - **Sinks** ([`sink`]): GDAL reports (GeoPackage, CSV, GeoJSON, FlatGeobuf), the JSON
//!   contract, GeoJSON findings, or the outcomes kept in memory — one column schema.
//! - **Outputs** ([`output`]): written in a private directory beside the target, synced
//!   and renamed into place when complete; an input, a device or a FIFO is never an output.
//!
//! PROJ lives in [`aimaq_proj`]; GDAL only here. Every `unsafe` block of this crate is a
//! GDAL call with its SAFETY note.
//!
//! ```
//! use aimaq_io::{open_engine, EngineOptions};
//! use aimaq_check::{Parcel, Projected, Verdict};
//!
//! // the embedded Almaty data, measured in UTM 43N
//! let opened = open_engine(&EngineOptions::default()).unwrap();
//! let lot = geo::Polygon::new(vec![(76.5, 43.5), (76.5005, 43.5), (76.5005, 43.5003), (76.5, 43.5003)].into(), vec![]);
//! let metres = opened.reprojector.to_metric(&geo::MultiPolygon(vec![lot])).unwrap();
//! let report = opened.engine.check(&Parcel {
//!     id: "lot-1".into(),
//!     proposed_use: Some("residential".into()),
//!     geometry: Projected::assume_metres(metres),
//! });
//! assert_ne!(report.verdict, Verdict::Error);
//! ```
#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod cadastre;
pub mod coverage;
pub mod dataset;
pub mod distortion;
pub mod encoding;
mod error;
mod explain;
mod gdal_write;
pub mod geojson;
pub mod ogr;
mod open;
pub mod output;
pub mod pipeline;
mod record;
pub mod report;
pub mod screen;
pub mod sink;
pub mod source;
pub mod wkb_source;
mod wkt;
pub mod zones;

pub use error::{Error, Result};
pub use open::{
    catalog_digest, load, load_catalog, open_engine, sha256, EngineOptions, OpenedEngine,
    DEFAULT_CRS,
};
pub use record::{polygonal, repair, RecordChecker, AREA_OF_USE_MARGIN_DEG};
pub use source::{GeoJsonSource, OgrOptions, OgrSource, ParcelRecord, ParcelSource, SourceInfo};
pub use wkt::parse_wkt_parcel;
