//! How large a parcel the engine takes on: past these limits a parcel is an error row
//! with its reason, decided before any work that grows faster than its size.

use geo::{BoundingRect, Euclidean, Length, MultiPolygon};

/// Limits on one parcel. A parcel beyond them is not checked: its report is an error
/// naming the limit, the value found and how to raise it. Both are decided in one pass
/// over the positions, before validation and refinement.
///
/// The defaults pass every real cadastre with a wide margin:
///
/// * **`max_vertices` = 100,000** positions. Real parcels have tens of vertices, a long
///   rural or linear one a few thousand. Checking stays O(n log n) in vertices up to the
///   limit and beyond (a million-vertex parcel takes well under 2 s), so the limit is a
///   guard on memory and on batches, not on a quadratic cost.
/// * **`max_extent_m` = 100 km**, the diagonal of the parcel's bounding box. The largest
///   rural parcels (distant pastures) span tens of kilometres; a parcel lies in one
///   district, and the whole agglomeration scheme spans about 220 km. A parcel wider
///   than 100 km is almost always coordinates in the wrong CRS or units, and it would
///   meet every zone of the dataset.
///
/// Vertices are counted over every ring of every part, each ring's closing position
/// (the repeat of its first) left out: a square has 4.
///
/// ```
/// use aimaq_check::{Engine, Limits, Parcel, Projected, Verdict};
/// use aimaq_rules::Catalog;
/// use geo::polygon;
///
/// assert_eq!(Limits::default(), Limits { max_vertices: 100_000, max_extent_m: 100_000.0 });
///
/// // a 200 m lot passes the defaults, not a 150 m extent
/// let lot = Parcel {
///     id: "P-1".into(),
///     proposed_use: None,
///     geometry: Projected::assume_metres(
///         polygon![(x: 0.0, y: 0.0), (x: 120.0, y: 0.0), (x: 120.0, y: 160.0), (x: 0.0, y: 160.0)].into()),
/// };
/// let engine = Engine::new(Catalog::embedded(), "EPSG:32643", vec![]);
/// assert_eq!(engine.check(&lot).verdict, Verdict::Clear);
///
/// let strict = engine.with_limits(Limits { max_extent_m: 150.0, ..Limits::default() });
/// let report = strict.check(&lot);
/// assert_eq!(report.verdict, Verdict::Error);
/// assert_eq!(
///     report.error.as_deref(),
///     Some("parcel too large: its bounding box has a diagonal of 0.200 km, the limit is \
///           0.150 km (raise max_extent_m with Engine::with_limits, or --max-extent-km)")
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Most vertices a parcel may have (all rings, closing positions not counted).
    pub max_vertices: usize,
    /// Largest diagonal of a parcel's bounding box, m.
    pub max_extent_m: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_vertices: 100_000,
            max_extent_m: 100_000.0,
        }
    }
}

impl Limits {
    /// The vertices `max_vertices` counts: every ring's positions, its closing one left
    /// out. O(rings).
    ///
    /// ```
    /// use geo::{polygon, MultiPolygon};
    /// let square: MultiPolygon<f64> =
    ///     polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)].into();
    /// assert_eq!(square.0[0].exterior().0.len(), 5);
    /// assert_eq!(aimaq_check::Limits::vertices(&square), 4);
    /// ```
    pub fn vertices(geometry: &MultiPolygon<f64>) -> usize {
        geometry
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .map(|r| r.0.len() - usize::from(r.0.len() > 1 && r.is_closed()))
            .sum()
    }

    /// Why `geometry` (in metres) is beyond the limits, or `Ok`. O(n) in positions; a
    /// geometry with non-finite coordinates passes here and is refused by validation.
    ///
    /// ```
    /// use aimaq_check::Limits;
    /// use geo::{polygon, MultiPolygon};
    /// let square: MultiPolygon<f64> =
    ///     polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)].into();
    /// assert!(Limits { max_vertices: 4, ..Limits::default() }.check(&square).is_ok());
    /// let three = Limits { max_vertices: 3, ..Limits::default() };
    /// assert!(three.check(&square).unwrap_err().starts_with("parcel has too many vertices: 4,"));
    /// ```
    pub fn check(&self, geometry: &MultiPolygon<f64>) -> Result<(), String> {
        self.check_with(geometry, &LimitHints::default())
    }

    /// As [`Limits::check`], the reason telling how to raise the limit in `hints`'
    /// words (those of the surface the engine serves: Python's keywords, a flag).
    pub fn check_with(
        &self,
        geometry: &MultiPolygon<f64>,
        hints: &LimitHints,
    ) -> Result<(), String> {
        let vertices = Limits::vertices(geometry);
        if vertices > self.max_vertices {
            return Err(format!(
                "parcel has too many vertices: {vertices}, the limit is {} ({})",
                self.max_vertices, hints.vertices
            ));
        }
        if let Some(bbox) = geometry.bounding_rect() {
            let diagonal = (bbox.width().powi(2) + bbox.height().powi(2)).sqrt();
            if diagonal > self.max_extent_m {
                return Err(format!(
                    "parcel too large: its bounding box has a diagonal of {:.3} km, the limit \
                     is {:.3} km ({})",
                    diagonal / 1000.0,
                    self.max_extent_m / 1000.0,
                    hints.extent
                ));
            }
        }
        Ok(())
    }
}

/// How a parcel's error past a [`Limits`] limit says to raise it, in the words of the
/// surface that made the engine: the Rust API and the command line by default, the
/// keyword arguments in Python ([`Engine::set_limit_hints`](crate::Engine::set_limit_hints)).
///
/// ```
/// use aimaq_check::{LimitHints, Limits};
/// use geo::{polygon, MultiPolygon};
/// let square: MultiPolygon<f64> =
///     polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)].into();
/// let python = LimitHints {
///     vertices: "raise it with aimaq.Engine(max_vertices=...)".into(),
///     extent: "raise it with aimaq.Engine(max_extent_km=...)".into(),
/// };
/// let e = Limits { max_vertices: 3, ..Limits::default() }.check_with(&square, &python).unwrap_err();
/// assert_eq!(e, "parcel has too many vertices: 4, the limit is 3 (raise it with aimaq.Engine(max_vertices=...))");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LimitHints {
    /// How to raise `max_vertices`.
    pub vertices: String,
    /// How to raise `max_extent_m`.
    pub extent: String,
}

impl Default for LimitHints {
    fn default() -> Self {
        LimitHints {
            vertices: "raise max_vertices with Engine::with_limits, or --max-vertices".into(),
            extent: "raise max_extent_m with Engine::with_limits, or --max-extent-km".into(),
        }
    }
}

/// The smallest parcel aimaq measures, m²: 0.01 m² is a 10 cm square, below any survey's
/// precision. A smaller "parcel" is a sliver, a digitising slip or coordinates in the
/// wrong units (degrees read as metres), and its zones' shares would be noise: it is an
/// error row, never a clear parcel of 0.0 m².
///
/// ```
/// use aimaq_check::{Engine, Parcel, Projected, Verdict, MIN_AREA_M2};
/// use geo::polygon;
///
/// assert_eq!(MIN_AREA_M2, 0.01);
/// let engine = Engine::new(aimaq_rules::Catalog::embedded(), "EPSG:32643", vec![]);
/// // about 1 mm square: too small, whatever zones it lies in
/// let speck = Parcel {
///     id: "speck".into(),
///     proposed_use: None,
///     geometry: Projected::assume_metres(
///         polygon![(x: 0.0, y: 0.0), (x: 0.001, y: 0.0), (x: 0.001, y: 0.001), (x: 0.0, y: 0.001)].into()),
/// };
/// let report = engine.check(&speck);
/// assert_eq!(report.verdict, Verdict::Error);
/// assert!(report.error.unwrap().starts_with("parcel too small to measure: its area is 1.00e-6 m²"));
/// ```
pub const MIN_AREA_M2: f64 = 0.01;

/// The shortest ring (outer or hole, of any part) aimaq measures, m: 5 cm all round. A
/// ring that short is a slip, not a boundary, even when the rest of the parcel is large.
pub const MIN_RING_LENGTH_M: f64 = 0.05;

/// Why a parcel of `area_m2` (computed in its local frame) is too small to measure, or
/// `Ok`: below [`MIN_AREA_M2`], or with a ring shorter than [`MIN_RING_LENGTH_M`].
pub(crate) fn measurable(geometry: &MultiPolygon<f64>, area_m2: f64) -> Result<(), String> {
    if area_m2 < MIN_AREA_M2 {
        return Err(format!(
            "parcel too small to measure: its area is {area_m2:.2e} m², below the minimum of \
             {MIN_AREA_M2} m² (a sliver, or coordinates in the wrong units?)"
        ));
    }
    for (p, polygon) in geometry.0.iter().enumerate() {
        let rings = std::iter::once(polygon.exterior()).chain(polygon.interiors());
        for (r, ring) in rings.enumerate() {
            let length = Euclidean.length(ring);
            if length < MIN_RING_LENGTH_M {
                let which = if r == 0 {
                    "outer ring".to_string()
                } else {
                    format!("hole {r}")
                };
                return Err(format!(
                    "parcel too small to measure: the {which} of part {} is {length:.2e} m \
                     long, below the minimum of {MIN_RING_LENGTH_M} m",
                    p + 1
                ));
            }
        }
    }
    Ok(())
}
