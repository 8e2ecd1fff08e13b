//! The metric CRS the engine measures in, and reprojection into and out of it.

use aimaq_check::Projected;
use anyhow::{bail, Context, Result};
use geo::{Geometry, MapCoords, MultiPolygon};
use proj::Proj;
use std::ffi::{CStr, CString};

/// A CRS PROJ knows, checked to be projected with metre axes: the only kind of CRS
/// distances can be measured in.
#[derive(Debug, Clone)]
pub struct MetricCrs {
    /// As the user wrote it, e.g. `EPSG:32643`.
    pub definition: String,
    /// PROJ's name for it, e.g. `WGS 84 / UTM zone 43N`.
    pub name: String,
}

impl MetricCrs {
    pub fn new(definition: &str) -> Result<MetricCrs> {
        let c_def = CString::new(definition).context("CRS definition contains a NUL byte")?;
        // SAFETY: every PJ object and the context are created and destroyed here; the
        // strings PROJ returns live as long as their objects, and are copied before.
        unsafe {
            use proj_sys::*;
            let ctx = proj_context_create();
            let crs = proj_create(ctx, c_def.as_ptr());
            if crs.is_null() {
                proj_context_destroy(ctx);
                bail!("PROJ does not know the CRS `{definition}`");
            }
            let name = cstr(proj_get_name(crs));
            let kind = proj_get_type(crs);
            let result = if kind != PJ_TYPE_PJ_TYPE_PROJECTED_CRS {
                Err(format!(
                    "`{definition}` ({name}) is not a projected CRS: distances in metres need one (e.g. EPSG:32643, UTM zone 43N)"
                ))
            } else {
                let cs = proj_crs_get_coordinate_system(ctx, crs);
                let mut bad = None;
                for i in 0..proj_cs_get_axis_count(ctx, cs) {
                    let mut factor = 0.0;
                    let mut unit: *const std::os::raw::c_char = std::ptr::null();
                    let null = std::ptr::null_mut();
                    proj_cs_get_axis_info(
                        ctx,
                        cs,
                        i,
                        null,
                        null,
                        null,
                        &mut factor,
                        &mut unit,
                        null,
                        null,
                    );
                    if (factor - 1.0).abs() > 1e-12 {
                        bad = Some(cstr(unit));
                    }
                }
                proj_destroy(cs);
                match bad {
                    Some(unit) => Err(format!(
                        "`{definition}` ({name}) has axes in {unit}, not metres"
                    )),
                    None => Ok(()),
                }
            };
            proj_destroy(crs);
            proj_context_destroy(ctx);
            result.map_err(anyhow::Error::msg)?;
            Ok(MetricCrs {
                definition: definition.to_string(),
                name,
            })
        }
    }

    /// `EPSG:32643 (WGS 84 / UTM zone 43N)`.
    pub fn label(&self) -> String {
        format!("{} ({})", self.definition, self.name)
    }
}

unsafe fn cstr(p: *const std::os::raw::c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

/// WGS84 longitude/latitude ⇄ the metric CRS.
pub struct Reprojector {
    forward: Proj,
    inverse: Proj,
}

impl Reprojector {
    pub fn new(crs: &MetricCrs) -> Result<Reprojector> {
        // `new_known_crs` normalises axis order to lon/lat, as RFC 7946 has it.
        let forward = Proj::new_known_crs("EPSG:4326", &crs.definition, None)
            .with_context(|| format!("no transformation WGS84 → {}", crs.definition))?;
        let inverse = Proj::new_known_crs(&crs.definition, "EPSG:4326", None)
            .with_context(|| format!("no transformation {} → WGS84", crs.definition))?;
        Ok(Reprojector { forward, inverse })
    }

    /// Lon/lat degrees to metres. Coordinates must already be checked to be in range.
    pub fn to_metric(&self, g: &Geometry<f64>) -> Result<Projected<Geometry<f64>>, String> {
        let projected = g.try_map_coords(|c| {
            let (x, y) = self
                .forward
                .convert((c.x, c.y))
                .map_err(|e| format!("cannot reproject ({}, {}): {e}", c.x, c.y))?;
            if x.is_finite() && y.is_finite() {
                Ok(geo::coord! { x: x, y: y })
            } else {
                Err(format!(
                    "({}, {}) has no finite position in the target CRS",
                    c.x, c.y
                ))
            }
        })?;
        Ok(Projected::assume_metres(projected))
    }

    /// Metres back to lon/lat, for GeoJSON output.
    pub fn to_wgs84(&self, g: &MultiPolygon<f64>) -> Result<MultiPolygon<f64>> {
        g.try_map_coords(|c| {
            let (x, y) = self.inverse.convert((c.x, c.y))?;
            Ok(geo::coord! { x: x, y: y })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utm_43n_is_metric_and_matches_the_reference_point() {
        let crs = MetricCrs::new("EPSG:32643").unwrap();
        assert!(crs.name.contains("UTM zone 43N"), "{}", crs.name);
        let r = Reprojector::new(&crs).unwrap();
        let p = r
            .to_metric(&Geometry::Point(geo::point!(x: 76.9286, y: 43.2567)))
            .unwrap();
        let Geometry::Point(p) = p.into_inner() else {
            unreachable!()
        };
        // shared/notes/dependencies.md: same value from proj, GDAL, pyproj, PostGIS, DuckDB
        assert!((p.x() - 656542.8747802111).abs() < 1e-6, "{}", p.x());
        assert!((p.y() - 4791127.331297013).abs() < 1e-6, "{}", p.y());
    }

    #[test]
    fn degrees_and_feet_are_refused() {
        let e = MetricCrs::new("EPSG:4326").unwrap_err().to_string();
        assert!(e.contains("not a projected CRS"), "{e}");
        let e = MetricCrs::new("EPSG:2230").unwrap_err().to_string(); // NAD83 / California zone 6 (ftUS)
        assert!(e.contains("not metres"), "{e}");
        assert!(MetricCrs::new("EPSG:999999").is_err());
        // Pulkovo 1942 / Gauss-Krüger zone 13, used in Kazakh cadastre
        assert!(MetricCrs::new("EPSG:28413").is_ok());
    }
}
