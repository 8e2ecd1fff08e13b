//! # aimaq-proj
//!
//! aimaq's wrapper around PROJ: every `unsafe` call into PROJ's C API lives here, each
//! with its SAFETY note, and nothing above this crate touches PROJ directly.
//!
//! - [`MetricCrs`]: a CRS checked to be projected with metre axes — the only kind
//!   distances can be measured in — with the area it is valid for.
//! - [`Transformer`]: reprojection of any `geo` geometry between two CRSs, usable from
//!   any thread (PROJ objects are not thread-safe; each thread builds its own once).
//! - [`PointScale`]: how much longer a short length reads in a metric CRS than on the
//!   WGS84 ellipsoid, at any position: what the engine corrects to measure on the ground.
//! - [`Reprojector`]: WGS84 longitude/latitude ⇄ a metric CRS, the pair every GeoJSON
//!   input and output needs.
//!
//! ```
//! use aimaq_proj::{MetricCrs, Reprojector};
//!
//! let utm = MetricCrs::new("EPSG:32643").unwrap();
//! assert!(utm.name().contains("UTM zone 43N"));
//! let there = Reprojector::new(&utm).unwrap();
//! let p = there.to_metric(&geo::point!(x: 76.9286, y: 43.2567)).unwrap();
//! assert!((p.x() - 656_542.874_780).abs() < 1e-3);
//!
//! // degrees are not metres
//! assert!(MetricCrs::new("EPSG:4326").is_err());
//! ```
#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

mod error;
mod metric;
mod scale;
mod transform;

pub use error::{CrsError, ReprojectError};
pub use metric::{equivalent, AreaOfUse, Distortion, MetricCrs, DISTORTION_GRID};
pub use scale::PointScale;
pub use transform::{short, Reprojector, Transformer};
