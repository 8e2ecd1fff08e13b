//! Checks that a geometry can be measured, and the local frame refinement works in.

use geo::{Area, Coord, CoordsIter, LineString, MultiLineString, MultiPolygon, Validation};

/// Why a polygonal geometry cannot be measured, or `Ok`.
pub(crate) fn polygon_problem(mp: &MultiPolygon<f64>) -> Result<(), String> {
    if mp.0.is_empty() {
        return Err("empty geometry".into());
    }
    non_finite(mp.coords_iter())?;
    for (i, p) in mp.0.iter().enumerate() {
        for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
            if ring.0.len() < 4 {
                return Err(format!(
                    "polygon {i} has a ring with fewer than 4 positions"
                ));
            }
        }
    }
    let errors = mp.validation_errors();
    if let Some(first) = errors.first() {
        let more = if errors.len() > 1 {
            format!(" (and {} more problems)", errors.len() - 1)
        } else {
            String::new()
        };
        return Err(format!("invalid polygon: {first}{more}"));
    }
    // geo's validation passes a ring folded onto a line. Reprojected, such a ring keeps
    // a trace of area from the curvature of the map (mm²), so compare with its perimeter:
    // a 1 cm × 100 m strip scores 2.5e-5, a folded ring 1e-7 or less.
    let perimeter: f64 =
        mp.0.iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .map(|r| r.lines().map(|l| l.dx().hypot(l.dy())).sum::<f64>())
            .sum();
    // (after validation: a bow-tie's two halves cancel out in the signed area)
    if mp.unsigned_area() <= 1e-6 * perimeter * perimeter {
        return Err("polygon has no area (its rings collapse onto a line or a point)".into());
    }
    Ok(())
}

/// Why a linear geometry cannot be measured, or `Ok`.
pub(crate) fn line_problem(ml: &MultiLineString<f64>) -> Result<(), String> {
    if ml.0.is_empty() {
        return Err("empty geometry".into());
    }
    non_finite(ml.coords_iter())?;
    for (i, l) in ml.0.iter().enumerate() {
        if !has_two_distinct(l) {
            return Err(format!("line {i} has fewer than 2 distinct positions"));
        }
    }
    Ok(())
}

fn has_two_distinct(l: &LineString<f64>) -> bool {
    l.0.first().is_some_and(|a| l.0.iter().any(|b| b != a))
}

fn non_finite(mut coords: impl Iterator<Item = Coord<f64>>) -> Result<(), String> {
    match coords.find(|c| !(c.x.is_finite() && c.y.is_finite())) {
        Some(c) => Err(format!(
            "coordinate ({}, {}) is not a finite number",
            c.x, c.y
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, MultiPolygon};

    #[test]
    fn bow_tie_is_refused_with_a_reason() {
        let bow: MultiPolygon<f64> =
            polygon![(x: 0., y: 0.), (x: 10., y: 10.), (x: 10., y: 0.), (x: 0., y: 10.)].into();
        let err = polygon_problem(&bow).unwrap_err();
        assert!(err.contains("invalid polygon"), "{err}");
    }

    #[test]
    fn a_ring_folded_onto_a_line_has_no_area_and_is_refused() {
        let flat: MultiPolygon<f64> =
            polygon![(x: 0., y: 0.), (x: 5., y: 0.), (x: 10., y: 0.), (x: 0., y: 0.)].into();
        assert!(polygon_problem(&flat).unwrap_err().contains("no area"));
    }

    #[test]
    fn nan_is_refused_before_any_predicate() {
        let p: MultiPolygon<f64> =
            polygon![(x: 0., y: 0.), (x: f64::NAN, y: 10.), (x: 10., y: 0.)].into();
        assert!(polygon_problem(&p).unwrap_err().contains("finite"));
    }
}
