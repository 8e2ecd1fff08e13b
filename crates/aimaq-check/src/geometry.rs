//! Checks that a geometry can be measured, and the local frame refinement works in.

use crate::validity::{self, Check};
use geo::{Area, Coord, CoordsIter, LineString, MultiLineString, MultiPolygon, Validation};

/// A geometry of one ring of at most this many positions is left to geo's pairwise check
/// alone: below that it is quicker than the sweep (0.1 µs against 0.9 µs for a lot of 4
/// corners), and geo is the reference.
const GEO_ONLY_POSITIONS: usize = 32;
/// Up to this many positions (and [`GEO_LIST_RINGS`] rings), a refused geometry's message
/// is geo's own list of problems, word for word as before the sweep: drawing it up costs
/// geo O(n²), a few milliseconds here. Above, the message names the problem the sweep
/// found.
const GEO_LIST_POSITIONS: usize = 2_000;
/// See [`GEO_LIST_POSITIONS`].
const GEO_LIST_RINGS: usize = 32;

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
    if let Some(problem) = validity_problem(mp) {
        return Err(format!("invalid polygon: {problem}"));
    }
    // geo's validation passes a ring folded onto a line. Reprojected, such a ring keeps
    // a trace of area from the curvature of the map (mm²), so compare with its perimeter:
    // a 1 cm × 100 m strip scores 2.5e-5, a folded ring 1e-7 or less.
    let perimeter: f64 =
        mp.0.iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .map(|r| r.lines().map(|l| l.dx().hypot(l.dy())).sum::<f64>())
            .sum();
    // The perimeter alone misjudges a valid shape with a long boundary: a star of 20,000
    // spikes has a perimeter of 9,600 km² per km² of area, and was refused as "no area".
    // A folded ring is also flat against its own extent (its area is a sliver of its
    // bounding box's diagonal squared; the star's is a fifth of it), so both must say so.
    let diagonal =
        geo::BoundingRect::bounding_rect(mp).map_or(0.0, |r| r.width().hypot(r.height()));
    // (after validation: a bow-tie's two halves cancel out in the signed area)
    let area = mp.unsigned_area();
    if area <= 1e-6 * perimeter * perimeter && area <= 4e-6 * diagonal * diagonal {
        return Err("polygon has no area (its rings collapse onto a line or a point)".into());
    }
    Ok(())
}

/// What makes `mp` invalid in geo's reading of OGC, or `None`: the verdict of geo's
/// [`Validation`], in O(n log n) (see `validity`). `mp`'s rings have at least 4
/// positions, all finite.
fn validity_problem(mp: &MultiPolygon<f64>) -> Option<String> {
    let sweep = || match validity::check(mp) {
        Check::Valid => None,
        Check::Invalid(problem) => Some(problem.to_string()),
        Check::Undecided(why) => Some(why),
    };
    let one_small_ring = matches!(&mp.0[..], [p] if p.interiors().is_empty()
        && p.exterior().0.len() <= GEO_ONLY_POSITIONS);
    let found = if one_small_ring { None } else { Some(sweep()?) };
    let rings: usize = mp.0.iter().map(|p| 1 + p.interiors().len()).sum();
    if one_small_ring || (mp.coords_count() <= GEO_LIST_POSITIONS && rings <= GEO_LIST_RINGS) {
        // geo is the reference: its list, or its acceptance. Its relate operation panics
        // on some invalid geometries ("topology position conflict"): then the sweep's words.
        if let Ok(errors) = std::panic::catch_unwind(|| mp.validation_errors()) {
            let first = errors.first()?;
            let more = if errors.len() > 1 {
                format!(" (and {} more problems)", errors.len() - 1)
            } else {
                String::new()
            };
            return Some(format!("{first}{more}"));
        }
    }
    found.or_else(sweep)
}

/// Whether `mp` is a valid polygonal geometry in geo's reading of OGC (the answer of
/// `geo::Validation::is_valid`), decided in O(n log n) where geo takes O(n²): rings
/// closed, of at least 4 positions, finite, each simple, holes inside their shell and
/// apart from each other, polygons apart, boundaries meeting only at points.
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// let square: MultiPolygon<f64> =
///     polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)].into();
/// let bow_tie: MultiPolygon<f64> =
///     polygon![(x: 0., y: 0.), (x: 10., y: 10.), (x: 10., y: 0.), (x: 0., y: 10.)].into();
/// assert!(aimaq_check::is_valid(&square));
/// assert!(!aimaq_check::is_valid(&bow_tie));
/// ```
pub fn is_valid(mp: &MultiPolygon<f64>) -> bool {
    non_finite(mp.coords_iter()).is_ok()
        && mp.0.iter().all(|p| {
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .all(|r| r.0.len() >= 4 && r.is_closed())
        })
        && validity_problem(mp).is_none()
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

    /// A star of `n` spikes: radii alternating `outer` and `inner`, centred at (x, y).
    fn star(n: usize, outer: f64, inner: f64, x: f64, y: f64) -> MultiPolygon<f64> {
        let mut ring: Vec<Coord<f64>> = (0..2 * n)
            .map(|i| {
                let a = std::f64::consts::PI * i as f64 / n as f64;
                let r = if i % 2 == 0 { outer } else { inner };
                Coord {
                    x: x + r * a.cos(),
                    y: y + r * a.sin(),
                }
            })
            .collect();
        ring.push(ring[0]);
        geo::Polygon::new(LineString(ring), vec![]).into()
    }

    #[test]
    fn r2_a_valid_star_of_20k_vertices_is_measured_not_refused_as_no_area() {
        // UTM-sized coordinates, 800 m and 320 m radii: each spike is a sliver, the
        // perimeter 9,600 km for half a square kilometre
        let (n, outer, inner) = (10_000, 800.0, 320.0);
        let s = star(n, outer, inner, 656_542.0, 4_791_127.0);
        assert_eq!(polygon_problem(&s), Ok(()));
        // its area is n·R·r·sin(π/n), exactly (2n triangles from the centre)
        let exact = n as f64 * outer * inner * (std::f64::consts::PI / n as f64).sin();
        let area = s.unsigned_area();
        assert!((area - exact).abs() / exact < 1e-9, "{area} vs {exact}");
        // a folded ring of as many vertices is still refused
        let mut line: Vec<Coord<f64>> = (0..=n)
            .map(|i| Coord {
                x: 656_542.0 + i as f64,
                y: 4_791_127.0 + 1e-9 * (i % 2) as f64,
            })
            .collect();
        line.push(line[0]);
        let folded: MultiPolygon<f64> = geo::Polygon::new(LineString(line), vec![]).into();
        assert!(polygon_problem(&folded).is_err());
    }

    #[test]
    fn nan_is_refused_before_any_predicate() {
        let p: MultiPolygon<f64> =
            polygon![(x: 0., y: 0.), (x: f64::NAN, y: 10.), (x: 10., y: 0.)].into();
        assert!(polygon_problem(&p).unwrap_err().contains("finite"));
    }
}
