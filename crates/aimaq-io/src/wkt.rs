//! Parcels given as well-known text (WKT), as a permit application or a database hands
//! them over.

use crate::record::polygonal;
use crate::{Error, Result};
use geo::{CoordsIter, MultiPolygon};
use std::str::FromStr;

/// Parses a `POLYGON`, `MULTIPOLYGON` or polygon-only `GEOMETRYCOLLECTION` into a parcel
/// geometry, refusing non-finite coordinates. The CRS is the caller's to know.
///
/// ```
/// let p = aimaq_io::parse_wkt_parcel("POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))").unwrap();
/// assert_eq!(p.0.len(), 1);
/// assert!(aimaq_io::parse_wkt_parcel("POINT(1 2)").is_err());
/// assert!(aimaq_io::parse_wkt_parcel("POLYGON((0 0, 1 0").is_err());
/// ```
pub fn parse_wkt_parcel(text: &str) -> Result<MultiPolygon<f64>> {
    let wkt = wkt::Wkt::<f64>::from_str(text.trim()).map_err(|e| Error::Wkt(e.to_string()))?;
    let geometry: geo::Geometry<f64> = wkt
        .try_into()
        .map_err(|e: wkt::conversion::Error| Error::Wkt(e.to_string()))?;
    let parcel = polygonal(geometry).map_err(Error::Wkt)?;
    if let Some(c) = parcel
        .coords_iter()
        .find(|c| !(c.x.is_finite() && c.y.is_finite()))
    {
        return Err(Error::Wkt(format!(
            "coordinate ({}, {}) is not a finite number",
            c.x, c.y
        )));
    }
    Ok(parcel)
}
