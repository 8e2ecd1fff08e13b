//! Reprojection of `geo` geometries, from any thread.

use crate::{equivalent, CrsError, MetricCrs, ReprojectError};
use geo::MapCoords;
use proj::Proj;
use std::cell::RefCell;
use std::collections::HashMap;

thread_local! {
    // PROJ objects must not be shared between threads; each thread builds its own once.
    static PROJ_CACHE: RefCell<HashMap<(String, String), Proj>> = RefCell::new(HashMap::new());
}

fn build(from: &str, to: &str) -> Result<Proj, CrsError> {
    Proj::new_known_crs(from, to, None).map_err(|e| CrsError::NoTransformation {
        from: short(from),
        to: short(to),
        reason: e.to_string(),
    })
}

/// Reprojection from one CRS to another, usable from any thread. Coordinates are in
/// GIS order (easting/longitude first) on both sides, as OGR and GeoJSON store them.
///
/// ```
/// use aimaq_proj::Transformer;
///
/// let t = Transformer::new("EPSG:4326", "EPSG:32643").unwrap();
/// let p = geo::point!(x: 76.9286, y: 43.2567);
/// let here = t.apply(&p).unwrap();
/// let there = std::thread::spawn(move || t.apply(&p).unwrap()).join().unwrap();
/// assert_eq!(here, there);
/// assert!(Transformer::new("EPSG:32643", "EPSG:32643").unwrap().is_identity());
/// ```
#[derive(Debug, Clone)]
pub struct Transformer {
    from: String,
    to: String,
    identity: bool,
}

impl Transformer {
    /// Fails when PROJ knows no transformation between the two.
    pub fn new(from: &str, to: &str) -> Result<Transformer, CrsError> {
        let identity = equivalent(from, to);
        if !identity {
            // build one now so that an impossible pair fails here, not per record
            build(from, to)?;
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

    /// The source CRS, as given.
    pub fn from(&self) -> &str {
        &self.from
    }

    /// The target CRS, as given.
    pub fn to(&self) -> &str {
        &self.to
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
    pub fn apply<G>(&self, g: &G) -> Result<G, ReprojectError>
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
                let p = build(&self.from, &self.to)?;
                cache.insert(key.clone(), p);
            }
            let proj = &cache[&key];
            g.try_map_coords(|c| {
                let (x, y) = proj
                    .convert((c.x, c.y))
                    .map_err(|e| ReprojectError::Position {
                        x: c.x,
                        y: c.y,
                        reason: e.to_string(),
                    })?;
                if x.is_finite() && y.is_finite() {
                    Ok(geo::coord! { x: x, y: y })
                } else {
                    Err(ReprojectError::NotFinite { x: c.x, y: c.y })
                }
            })
        })
    }
}

/// A CRS definition short enough for a message: `EPSG:28413` as it is, WKT cut to its
/// name, anything else to 40 characters.
///
/// ```
/// let wkt = r#"PROJCRS["WGS 84 / UTM zone 43N",BASEGEOGCRS["WGS 84",DATUM["World Geodetic System 1984"]]]"#;
/// assert_eq!(aimaq_proj::short(wkt), "WGS 84 / UTM zone 43N");
/// assert_eq!(aimaq_proj::short("EPSG:28413"), "EPSG:28413");
/// ```
pub fn short(def: &str) -> String {
    if def.chars().count() <= 40 {
        return def.to_string();
    }
    match def.find('"') {
        Some(i) => def[i + 1..].split('"').next().unwrap_or(def).to_string(),
        None => format!("{}…", def.chars().take(40).collect::<String>()),
    }
}

/// WGS84 longitude/latitude ⇄ a metric CRS: GeoJSON in, metres for the engine, and
/// back for GeoJSON out.
#[derive(Debug, Clone)]
pub struct Reprojector {
    forward: Transformer,
    inverse: Transformer,
}

impl Reprojector {
    /// The pair for `crs`.
    pub fn new(crs: &MetricCrs) -> Result<Reprojector, CrsError> {
        let forward = Transformer::new("EPSG:4326", crs.definition())?;
        let inverse = forward.inverse();
        Ok(Reprojector { forward, inverse })
    }

    /// Longitude/latitude degrees to metres. Coordinates must already be checked to be
    /// in range.
    pub fn to_metric<G>(&self, g: &G) -> Result<G, ReprojectError>
    where
        G: MapCoords<f64, f64, Output = G> + Clone,
    {
        self.forward.apply(g)
    }

    /// Metres back to longitude/latitude.
    pub fn to_wgs84<G>(&self, g: &G) -> Result<G, ReprojectError>
    where
        G: MapCoords<f64, f64, Output = G> + Clone,
    {
        self.inverse.apply(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utm_43n_matches_the_reference_point() {
        let r = Reprojector::new(&MetricCrs::new("EPSG:32643").unwrap()).unwrap();
        let p = r.to_metric(&geo::point!(x: 76.9286, y: 43.2567)).unwrap();
        // shared/notes/dependencies.md: same value from proj, GDAL, pyproj, PostGIS, DuckDB
        assert!((p.x() - 656542.8747802111).abs() < 1e-6, "{}", p.x());
        assert!((p.y() - 4791127.331297013).abs() < 1e-6, "{}", p.y());
        let back = r.to_wgs84(&p).unwrap();
        assert!((back.x() - 76.9286).abs() < 1e-9 && (back.y() - 43.2567).abs() < 1e-9);
    }

    #[test]
    fn short_cuts_long_text_on_a_char_boundary() {
        assert_eq!(short(&"ж".repeat(50)).chars().count(), 41);
    }

    #[test]
    fn impossible_pairs_fail_at_construction() {
        let e = Transformer::new("EPSG:4326", "EPSG:999999").unwrap_err();
        assert!(matches!(e, CrsError::NoTransformation { .. }), "{e}");
    }
}
