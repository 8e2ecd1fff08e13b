//! The metric CRS the engine measures in.

use crate::CrsError;
use proj_sys::*;
use std::ffi::{CStr, CString};
use std::os::raw::c_char;

/// A CRS PROJ knows, checked to be projected with metre axes: the only kind of CRS
/// distances can be measured in.
///
/// ```
/// use aimaq_proj::{CrsError, MetricCrs};
///
/// // Pulkovo 1942 / Gauss-Krüger zone 13, used in Kazakh cadastres
/// let gk = MetricCrs::new("EPSG:28413").unwrap();
/// assert_eq!(gk.definition(), "EPSG:28413");
/// assert!(gk.area_of_use().is_some());
///
/// // feet are refused as firmly as degrees
/// let e = MetricCrs::new("EPSG:2230").unwrap_err();
/// assert!(matches!(e, CrsError::NotMetres { .. }), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MetricCrs {
    definition: String,
    name: String,
    area_of_use: Option<AreaOfUse>,
}

/// Where a CRS is meant to be used, in WGS84 degrees, as its registry says (EPSG's
/// "area of use"): outside it, a projection's scale error grows without warning.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaOfUse {
    /// Western bound, degrees of longitude (may exceed `east` across the antimeridian).
    pub west: f64,
    /// Southern bound, degrees of latitude.
    pub south: f64,
    /// Eastern bound, degrees of longitude.
    pub east: f64,
    /// Northern bound, degrees of latitude.
    pub north: f64,
    /// The registry's name for the area, e.g. `Between 72°E and 78°E, northern hemisphere …`.
    pub name: String,
}

impl AreaOfUse {
    /// Whether a longitude/latitude box lies wholly inside the area, with `margin_deg`
    /// of tolerance on every side.
    pub fn contains(&self, (w, s, e, n): (f64, f64, f64, f64), margin_deg: f64) -> bool {
        let lon_ok = if self.west <= self.east {
            w >= self.west - margin_deg && e <= self.east + margin_deg
        } else {
            // crosses the antimeridian: everything but the gap between east and west
            let in_gap = |lon: f64| lon > self.east + margin_deg && lon < self.west - margin_deg;
            !in_gap(w) && !in_gap(e)
        };
        lon_ok && s >= self.south - margin_deg && n <= self.north + margin_deg
    }
}

/// A PROJ context and the objects made in it, destroyed together.
struct Scope {
    ctx: *mut PJ_CONTEXT,
    objects: Vec<*mut PJ>,
}

impl Scope {
    fn new() -> Scope {
        // SAFETY: creating a context has no precondition; it is destroyed in Drop.
        let ctx = unsafe { proj_context_create() };
        Scope {
            ctx,
            objects: Vec::new(),
        }
    }

    /// A new object from a definition, or `None` when PROJ refuses it.
    fn create(&mut self, definition: &CString) -> Option<*mut PJ> {
        // SAFETY: `ctx` is live and `definition` is a NUL-terminated string that
        // outlives the call; the object is owned by this scope and destroyed in Drop.
        let pj = unsafe { proj_create(self.ctx, definition.as_ptr()) };
        self.keep(pj)
    }

    fn keep(&mut self, pj: *mut PJ) -> Option<*mut PJ> {
        (!pj.is_null()).then(|| {
            self.objects.push(pj);
            pj
        })
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        // SAFETY: every object was created in `ctx` and is destroyed exactly once,
        // before its context.
        unsafe {
            for pj in self.objects.drain(..) {
                proj_destroy(pj);
            }
            proj_context_destroy(self.ctx);
        }
    }
}

/// Copies a string PROJ owns; empty for NULL.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that lives for this call.
unsafe fn copied(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

impl MetricCrs {
    /// Checks `definition` (`EPSG:32643`, WKT, PROJ JSON, …) and keeps it.
    pub fn new(definition: &str) -> Result<MetricCrs, CrsError> {
        let c_def = CString::new(definition).map_err(|_| CrsError::NulByte)?;
        let mut scope = Scope::new();
        let crs = scope.create(&c_def).ok_or_else(|| CrsError::Unknown {
            definition: definition.to_string(),
        })?;
        // SAFETY: `crs` is a live object of `scope`; the name is copied before the
        // object is destroyed.
        let name = unsafe { copied(proj_get_name(crs)) };
        // SAFETY: as above.
        let kind = unsafe { proj_get_type(crs) };
        if kind != PJ_TYPE_PJ_TYPE_PROJECTED_CRS {
            return Err(CrsError::NotProjected {
                definition: definition.to_string(),
                name,
            });
        }
        // SAFETY: `crs` is a projected CRS, which has a coordinate system; the
        // returned object joins the scope.
        let cs = scope.keep(unsafe { proj_crs_get_coordinate_system(scope.ctx, crs) });
        if let Some(cs) = cs {
            // SAFETY: `cs` is live; axis indices are below the count PROJ gives.
            let axes = unsafe { proj_cs_get_axis_count(scope.ctx, cs) };
            for i in 0..axes {
                let mut factor = 0.0;
                let mut unit: *const c_char = std::ptr::null();
                let null = std::ptr::null_mut();
                // SAFETY: out-pointers are either NULL (not wanted) or point to locals;
                // `unit` is owned by `cs` and copied before the scope ends.
                let unit = unsafe {
                    proj_cs_get_axis_info(
                        scope.ctx,
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
                    copied(unit)
                };
                if (factor - 1.0).abs() > 1e-12 {
                    return Err(CrsError::NotMetres {
                        definition: definition.to_string(),
                        name,
                        unit,
                    });
                }
            }
        }
        let (mut west, mut south, mut east, mut north) = (0.0, 0.0, 0.0, 0.0);
        let mut area_name: *const c_char = std::ptr::null();
        // SAFETY: out-pointers point to locals; the name is owned by `crs` and copied
        // while it lives.
        let area_of_use = unsafe {
            let known = proj_get_area_of_use(
                scope.ctx,
                crs,
                &mut west,
                &mut south,
                &mut east,
                &mut north,
                &mut area_name,
            ) != 0;
            // PROJ reports -1000 for bounds it does not know
            (known && west > -1000.0).then(|| AreaOfUse {
                west,
                south,
                east,
                north,
                name: copied(area_name),
            })
        };
        Ok(MetricCrs {
            definition: definition.to_string(),
            name,
            area_of_use,
        })
    }

    /// As the user wrote it, e.g. `EPSG:32643`.
    pub fn definition(&self) -> &str {
        &self.definition
    }

    /// PROJ's name for it, e.g. `WGS 84 / UTM zone 43N`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `EPSG:32643 (WGS 84 / UTM zone 43N)`.
    pub fn label(&self) -> String {
        format!("{} ({})", self.definition, self.name)
    }

    /// Where the CRS is meant to be used, when its definition says.
    pub fn area_of_use(&self) -> Option<&AreaOfUse> {
        self.area_of_use.as_ref()
    }

    /// How much the CRS distorts lengths over a WGS84 box (`west`, `south`, `east`,
    /// `north`, degrees), measured: at a grid of [`DISTORTION_GRID`]² points spanning
    /// the box, edges and corners included, short steps (about 10 m) in eight directions
    /// are projected and their length compared with the geodesic on the WGS84 ellipsoid
    /// (Karney's algorithm). `[min_scale, max_scale]` bounds the ratio of a short distance
    /// measured in the CRS to the same distance on the ground; the angular distortion is
    /// Tissot's `2·asin((a − b)/(a + b))` from the largest and smallest scale at a point.
    /// (PROJ's `proj_factors` gives the same numbers but builds a transformation at each
    /// call: a second for the grid.)
    ///
    /// ```
    /// use aimaq_proj::MetricCrs;
    /// let almaty = (76.0, 43.0, 78.5, 44.2);
    /// // UTM 43N: conformal, 0.9996 on its central meridian (75°E), more to the east
    /// let utm = MetricCrs::new("EPSG:32643").unwrap().distortion(almaty).unwrap();
    /// assert!(utm.min_scale > 0.9995 && utm.max_scale < 1.001, "{utm:?}");
    /// assert!(utm.max_angular_deg < 1e-3, "{utm:?}");
    /// // Web Mercator: lengths 1.37–1.39 times too long, and not conformal on the ellipsoid
    /// let web = MetricCrs::new("EPSG:3857").unwrap().distortion(almaty).unwrap();
    /// assert!(web.min_scale > 1.36 && web.max_scale < 1.40, "{web:?}");
    /// assert!(web.max_angular_deg > 0.1, "{web:?}");
    /// ```
    pub fn distortion(
        &self,
        (west, south, east, north): (f64, f64, f64, f64),
    ) -> Result<Distortion, CrsError> {
        use geo::{Distance, Geodesic, Point};
        let to_crs = crate::Transformer::new("EPSG:4326", &self.definition)?;
        let mut d = Distortion {
            min_scale: f64::INFINITY,
            max_scale: f64::NEG_INFINITY,
            max_angular_deg: 0.0,
            worst_at: (west, south),
        };
        let mut worst = -1.0;
        let n = DISTORTION_GRID;
        // a step of about 10 m: long enough for double precision, short enough that
        // the scale does not change along it
        let step = 1e-4;
        for i in 0..n {
            for j in 0..n {
                let lon = west + (east - west) * i as f64 / (n - 1) as f64;
                let lat = south + (north - south) * j as f64 / (n - 1) as f64;
                let no_scale = || CrsError::NoFactors {
                    definition: self.definition.clone(),
                    lon,
                    lat,
                };
                let mut points = vec![Point::new(lon, lat)];
                for k in 0..8 {
                    let a = k as f64 * std::f64::consts::FRAC_PI_4;
                    let coslat = lat.to_radians().cos().max(1e-6);
                    points.push(Point::new(
                        lon + step * a.sin() / coslat,
                        lat + step * a.cos(),
                    ));
                }
                let projected = to_crs
                    .apply(&geo::MultiPoint(points.clone()))
                    .map_err(|_| no_scale())?;
                let (mut a, mut b) = (f64::NEG_INFINITY, f64::INFINITY);
                for k in 1..points.len() {
                    let ground = Geodesic.distance(points[0], points[k]);
                    let p = projected.0[k] - projected.0[0];
                    let scale = (p.x().hypot(p.y())) / ground;
                    if !scale.is_finite() || scale <= 0.0 {
                        return Err(no_scale());
                    }
                    a = a.max(scale);
                    b = b.min(scale);
                }
                d.min_scale = d.min_scale.min(b);
                d.max_scale = d.max_scale.max(a);
                let angular = 2.0 * ((a - b) / (a + b)).asin();
                d.max_angular_deg = d.max_angular_deg.max(angular.to_degrees());
                let error = (a - 1.0).abs().max((1.0 - b).abs());
                if error > worst {
                    worst = error;
                    d.worst_at = (lon, lat);
                }
            }
        }
        Ok(d)
    }
}

/// Points a side of the grid [`MetricCrs::distortion`] samples.
pub const DISTORTION_GRID: usize = 9;

/// How a CRS distorts lengths over an area: see [`MetricCrs::distortion`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Distortion {
    /// The smallest scale in any direction (1: true length).
    pub min_scale: f64,
    /// The largest scale in any direction.
    pub max_scale: f64,
    /// The largest angular distortion, degrees (0 for a conformal projection).
    pub max_angular_deg: f64,
    /// Longitude and latitude where the scale error is largest.
    pub worst_at: (f64, f64),
}

impl Distortion {
    /// The largest relative error of a length in any direction: `max(max_scale − 1,
    /// 1 − min_scale)`.
    pub fn scale_error(&self) -> f64 {
        (self.max_scale - 1.0).max(1.0 - self.min_scale)
    }
}

/// Whether PROJ takes two CRS definitions (`EPSG:32643`, WKT, …) for the same CRS,
/// axis order of geographic CRSs aside (aimaq keeps longitude first everywhere).
///
/// ```
/// assert!(aimaq_proj::equivalent("EPSG:4326", "OGC:CRS84"));
/// assert!(!aimaq_proj::equivalent("EPSG:32643", "EPSG:32644"));
/// ```
pub fn equivalent(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (Ok(ca), Ok(cb)) = (CString::new(a), CString::new(b)) else {
        return false;
    };
    let mut scope = Scope::new();
    let (Some(pa), Some(pb)) = (scope.create(&ca), scope.create(&cb)) else {
        return false;
    };
    // SAFETY: both objects are live in `scope`.
    unsafe {
        proj_is_equivalent_to_with_ctx(
            scope.ctx,
            pa,
            pb,
            PJ_COMPARISON_CRITERION_PJ_COMP_EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS,
        ) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utm_43n_is_metric_with_its_area_of_use() {
        let crs = MetricCrs::new("EPSG:32643").unwrap();
        assert!(crs.name().contains("UTM zone 43N"), "{}", crs.name());
        let area = crs.area_of_use().unwrap();
        assert_eq!((area.west, area.east), (72.0, 78.0));
        assert!(area.contains((76.0, 43.0, 77.5, 44.0), 0.0));
        assert!(!area.contains((0.0, 0.0, 0.01, 0.01), 1.0));
    }

    #[test]
    fn degrees_and_feet_are_refused() {
        let e = MetricCrs::new("EPSG:4326").unwrap_err().to_string();
        assert!(e.contains("not a projected CRS"), "{e}");
        let e = MetricCrs::new("EPSG:2230").unwrap_err().to_string(); // NAD83 / California zone 6 (ftUS)
        assert!(e.contains("not metres"), "{e}");
        assert!(MetricCrs::new("EPSG:999999").is_err());
        assert_eq!(MetricCrs::new("EPSG:\0").unwrap_err(), CrsError::NulByte);
        // Pulkovo 1942 / Gauss-Krüger zone 13, used in Kazakh cadastre
        assert!(MetricCrs::new("EPSG:28413").is_ok());
    }
}
