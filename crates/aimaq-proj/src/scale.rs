//! The point scale of a metric CRS: how much longer a short length reads in it than on
//! the WGS84 ellipsoid, at a position.

use crate::{CrsError, MetricCrs, Transformer};
use geo::{Coord, Destination, Geodesic, MultiPoint, Point};

/// Half the step measured around a position, m: short enough that the scale does not
/// change along it (1e-11 of the scale of a transverse Mercator), long enough for double
/// precision at projected coordinates in the millions (1e-10).
const HALF_STEP_M: f64 = 5.0;

/// The point scale `k` of a metric CRS at any position in it, from any thread: the
/// position is taken back to longitude/latitude, steps of 10 m on the ellipsoid (Karney's
/// geodesic) east–west and north–south across it are projected, and `k` is their
/// projected length over 10 m, averaged over the two directions (equal in a conformal
/// CRS). The same number as PROJ's `proj_factors` (`meridional_scale`), to 1e-10,
/// without building a transformation per call.
///
/// ```
/// use aimaq_proj::{MetricCrs, PointScale};
/// let utm = PointScale::new(&MetricCrs::new("EPSG:32643").unwrap()).unwrap();
/// // 0.9996 on the central meridian (75°E); at 78.3°E, 43.5°N lengths read 0.048 % long
/// let on_meridian = utm.at_lon_lat(75.0, 43.5).unwrap();
/// assert!((on_meridian - 0.9996).abs() < 1e-9, "{on_meridian}");
/// let east = utm.at_lon_lat(78.3, 43.5).unwrap();
/// assert!((east - 1.000478).abs() < 1e-5, "{east}");
/// ```
#[derive(Debug, Clone)]
pub struct PointScale {
    to_crs: Transformer,
    to_wgs84: Transformer,
}

impl PointScale {
    /// For `crs`; fails when PROJ has no transformation from WGS84 to it.
    pub fn new(crs: &MetricCrs) -> Result<PointScale, CrsError> {
        let to_crs = Transformer::new("EPSG:4326", crs.definition())?;
        let to_wgs84 = to_crs.inverse();
        Ok(PointScale { to_crs, to_wgs84 })
    }

    /// The scale at a position of the CRS (metres); `None` where PROJ gives none.
    pub fn at(&self, position: Coord<f64>) -> Option<f64> {
        let lon_lat = self.to_wgs84.apply(&Point(position)).ok()?;
        self.at_lon_lat(lon_lat.x(), lon_lat.y())
    }

    /// The scale at a longitude/latitude (degrees, WGS84).
    pub fn at_lon_lat(&self, lon: f64, lat: f64) -> Option<f64> {
        let here = Point::new(lon, lat);
        let steps: Vec<Point<f64>> = [90.0, 270.0, 0.0, 180.0]
            .iter()
            .map(|bearing| Geodesic.destination(here, *bearing, HALF_STEP_M))
            .collect();
        let p = self.to_crs.apply(&MultiPoint(steps)).ok()?;
        let length = |a: Point<f64>, b: Point<f64>| (a.x() - b.x()).hypot(a.y() - b.y());
        let k = (length(p.0[0], p.0[1]) + length(p.0[2], p.0[3])) / (4.0 * HALF_STEP_M);
        (k.is_finite() && k > 0.0).then_some(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_s_table_is_reproduced() {
        // issue 23: 550 m on the ground reads, in UTM 43N, 549.942 m at Almaty, 549.825 m
        // at 76°E 43°N, 550.263 m at 78.3°E 43.5°N, 550.486 m at 79°E 43.6°N
        let utm = PointScale::new(&MetricCrs::new("EPSG:32643").unwrap()).unwrap();
        for (lon, lat, read) in [
            (76.9, 43.25, 549.942),
            (76.0, 43.0, 549.825),
            (78.3, 43.5, 550.263),
            (79.0, 43.6, 550.486),
        ] {
            let k = utm.at_lon_lat(lon, lat).unwrap();
            assert!(
                (550.0 * k - read).abs() < 0.002,
                "{lon} {lat}: {}",
                550.0 * k
            );
        }
    }

    #[test]
    fn projected_positions_and_degrees_agree() {
        let utm = MetricCrs::new("EPSG:32643").unwrap();
        let scale = PointScale::new(&utm).unwrap();
        let p = crate::Reprojector::new(&utm)
            .unwrap()
            .to_metric(&Point::new(78.3, 43.5))
            .unwrap();
        let (a, b) = (
            scale.at(p.0).unwrap(),
            scale.at_lon_lat(78.3, 43.5).unwrap(),
        );
        assert!((a - b).abs() < 1e-12, "{a} {b}");
    }
}
