//! The metric CRS the engine measures in, and reprojection into and out of it.

use aimaq_check::Projected;
use anyhow::{bail, Context, Result};
use geo::{Geometry, MapCoords, MultiPolygon};
use proj::Proj;
use std::cell::RefCell;
use std::collections::HashMap;
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

/// Whether PROJ takes two CRS definitions (`EPSG:32643`, WKT, …) for the same CRS.
pub fn equivalent(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (Ok(ca), Ok(cb)) = (CString::new(a), CString::new(b)) else {
        return false;
    };
    // SAFETY: objects and context are created and destroyed here.
    unsafe {
        use proj_sys::*;
        let ctx = proj_context_create();
        let pa = proj_create(ctx, ca.as_ptr());
        let pb = proj_create(ctx, cb.as_ptr());
        let same = !pa.is_null()
            && !pb.is_null()
            && proj_is_equivalent_to_with_ctx(
                ctx,
                pa,
                pb,
                PJ_COMPARISON_CRITERION_PJ_COMP_EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS,
            ) != 0;
        for p in [pa, pb] {
            if !p.is_null() {
                proj_destroy(p);
            }
        }
        proj_context_destroy(ctx);
        same
    }
}

thread_local! {
    // PROJ objects must not be shared between threads; each thread builds its own once.
    static PROJ_CACHE: RefCell<HashMap<(String, String), Proj>> = RefCell::new(HashMap::new());
}

/// Reprojection from one CRS to another, usable from any thread. Coordinates are in
/// GIS order (easting/longitude first) on both sides, as OGR and GeoJSON store them.
#[derive(Debug, Clone)]
pub struct Transformer {
    from: String,
    to: String,
    identity: bool,
}

impl Transformer {
    /// Fails when PROJ knows no transformation between the two.
    pub fn new(from: &str, to: &str) -> Result<Transformer> {
        let identity = equivalent(from, to);
        if !identity {
            // build one now so that an impossible pair fails here, not per record
            Proj::new_known_crs(from, to, None)
                .with_context(|| format!("no transformation {} → {}", short(from), short(to)))?;
        }
        Ok(Transformer {
            from: from.to_string(),
            to: to.to_string(),
            identity,
        })
    }

    /// True when both sides are the same CRS: coordinates pass unchanged.
    pub fn is_identity(&self) -> bool {
        self.identity
    }

    /// The reverse direction.
    pub fn inverse(&self) -> Transformer {
        Transformer {
            from: self.to.clone(),
            to: self.from.clone(),
            identity: self.identity,
        }
    }

    /// Reprojects every coordinate; a position with no finite image is an error naming it.
    pub fn apply<G>(&self, g: &G) -> Result<G, String>
    where
        G: MapCoords<f64, f64, Output = G> + Clone,
    {
        if self.identity {
            return Ok(g.clone());
        }
        PROJ_CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            let key = (self.from.clone(), self.to.clone());
            if !cache.contains_key(&key) {
                let p = Proj::new_known_crs(&self.from, &self.to, None)
                    .map_err(|e| format!("no transformation: {e}"))?;
                cache.insert(key.clone(), p);
            }
            let proj = &cache[&key];
            g.try_map_coords(|c| {
                let (x, y) = proj
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
            })
        })
    }
}

/// A CRS definition short enough for a message: `EPSG:28413` as it is, WKT cut to its
/// name, anything else to 40 characters.
pub fn short(def: &str) -> String {
    if def.chars().count() <= 40 {
        return def.to_string();
    }
    match def.find('"') {
        Some(i) => def[i + 1..].split('"').next().unwrap_or(def).to_string(),
        None => format!("{}…", def.chars().take(40).collect::<String>()),
    }
}

/// WGS84 longitude/latitude ⇄ the metric CRS.
pub struct Reprojector {
    forward: Transformer,
    inverse: Transformer,
}

impl Reprojector {
    pub fn new(crs: &MetricCrs) -> Result<Reprojector> {
        let forward = Transformer::new("EPSG:4326", &crs.definition)?;
        let inverse = forward.inverse();
        Ok(Reprojector { forward, inverse })
    }

    /// Lon/lat degrees to metres. Coordinates must already be checked to be in range.
    pub fn to_metric(&self, g: &Geometry<f64>) -> Result<Projected<Geometry<f64>>, String> {
        self.forward.apply(g).map(Projected::assume_metres)
    }

    /// Metres back to lon/lat, for GeoJSON output.
    pub fn to_wgs84(&self, g: &MultiPolygon<f64>) -> Result<MultiPolygon<f64>> {
        self.inverse.apply(g).map_err(anyhow::Error::msg)
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

    #[test]
    fn equivalence_sees_through_spelling_and_transformers_cross_threads() {
        let wkt = gdal::spatial_ref::SpatialRef::from_epsg(32643)
            .unwrap()
            .to_wkt()
            .unwrap();
        assert!(equivalent("EPSG:32643", &wkt));
        assert!(!equivalent("EPSG:32643", "EPSG:32644"));
        let t = Transformer::new("EPSG:4326", &wkt).unwrap();
        assert!(!t.is_identity());
        assert!(Transformer::new(&wkt, "EPSG:32643").unwrap().is_identity());
        assert_eq!(short(&wkt), "WGS 84 / UTM zone 43N");
        assert_eq!(short(&"ж".repeat(50)).chars().count(), 41);
        let p = geo::point!(x: 76.9286, y: 43.2567);
        let here = t.apply(&p).unwrap();
        let there = std::thread::spawn(move || t.apply(&p).unwrap())
            .join()
            .unwrap();
        assert_eq!(here, there);
        assert!((here.x() - 656542.8747802111).abs() < 1e-6);
    }
}
