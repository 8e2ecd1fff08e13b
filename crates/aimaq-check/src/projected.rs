//! Geometries whose coordinates are metres.

/// A geometry in a projected CRS whose unit is the metre.
///
/// The engine accepts nothing else, so a dataset in degrees cannot be measured as if it
/// were in metres: readers produce geographic coordinates, and only a reprojection (the
/// CLI uses PROJ into a CRS it has checked is projected and metric) or an explicit
/// [`Projected::assume_metres`] by a caller who already holds metric data makes one.
///
/// ```
/// use aimaq_check::Projected;
/// use geo::line_string;
/// let axis = Projected::assume_metres(line_string![(x: 656_000.0, y: 4_791_000.0), (x: 657_000.0, y: 4_791_000.0)]);
/// assert_eq!(axis.geometry().0.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Projected<G>(G);

impl<G> Projected<G> {
    /// Wraps a geometry the caller asserts is in metres of a projected CRS.
    pub fn assume_metres(geometry: G) -> Self {
        Projected(geometry)
    }
    /// The geometry.
    pub fn geometry(&self) -> &G {
        &self.0
    }
    /// The geometry, unwrapped.
    pub fn into_inner(self) -> G {
        self.0
    }
    /// Applies a change that keeps the unit (e.g. a geometry type conversion).
    pub fn map<H>(self, f: impl FnOnce(G) -> H) -> Projected<H> {
        Projected(f(self.0))
    }
}
