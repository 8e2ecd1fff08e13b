//! A parcel in its local frame, with the indexes refinement asks it: an R-tree of its
//! boundary segments, an interval tree for point containment and the convex hull of its
//! vertices, each built on first use. Refinement then asks "how far is this point",
//! "which segments lie near this line", "is this point inside" in O(log n), where a
//! loop over every vertex of the parcel made it O(n) per question, and O(n × m) per
//! feature of m vertices.
//!
//! Small parcels (most of a cadastre) are answered by plain loops over their few
//! segments, which is quicker than building anything.

use geo::algorithm::indexed::IntervalTreeMultiPolygon;
use geo::orient::{Direction, Orient};
use geo::{
    BooleanOps, BoundingRect, Contains, ConvexHull, Coord, Distance, Euclidean, Intersects, Line,
    MultiPolygon, Point, Rect,
};
use rstar::{RTree, RTreeNode, RTreeObject, AABB};
use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::BinaryHeap;
use std::ops::{ControlFlow, Deref};

/// Up to this many boundary segments, a parcel is answered by loops over them.
const SMALL: usize = 64;

/// A parcel (or a part of one) in the parcel's local frame.
pub(crate) struct LocalParcel {
    geometry: MultiPolygon<f64>,
    bbox: OnceCell<Option<Rect<f64>>>,
    /// Its boundary: every ring's segments, repeated positions left out.
    lines: OnceCell<Vec<Line<f64>>>,
    tree: OnceCell<RTree<Line<f64>>>,
    inside: OnceCell<IntervalTreeMultiPolygon<f64>>,
    hull: OnceCell<Hull>,
}

/// The convex hull of the exterior rings' vertices, and the vertices at the ends of the
/// bounding box (lowest and highest x, lowest and highest y): the farthest vertex from a
/// point, or one out of a convex zone, is one of the hull's, most often an end.
struct Hull {
    vertices: Vec<Coord<f64>>,
    ends: [Coord<f64>; 4],
}

impl Deref for LocalParcel {
    type Target = MultiPolygon<f64>;
    fn deref(&self) -> &MultiPolygon<f64> {
        &self.geometry
    }
}

impl LocalParcel {
    /// The parcel, nothing built yet: most parcels meet no feature and need nothing.
    pub(crate) fn new(geometry: MultiPolygon<f64>) -> Self {
        LocalParcel {
            bbox: OnceCell::new(),
            geometry,
            lines: OnceCell::new(),
            tree: OnceCell::new(),
            inside: OnceCell::new(),
            hull: OnceCell::new(),
        }
    }

    pub(crate) fn geometry(&self) -> &MultiPolygon<f64> {
        &self.geometry
    }

    pub(crate) fn bbox(&self) -> Option<Rect<f64>> {
        *self.bbox.get_or_init(|| self.geometry.bounding_rect())
    }

    /// The parcel's part inside `other` (a polygonal zone in the same frame).
    pub(crate) fn intersection(&self, other: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        self.geometry.intersection(self.near(other).as_ref())
    }

    /// The parcel's part outside `other`.
    pub(crate) fn difference(&self, other: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        self.geometry.difference(self.near(other).as_ref())
    }

    /// `other` cut down to the parcel's neighbourhood, for a parcel of many segments.
    /// The boolean operations (i_overlay) spread the segments over a grid of their
    /// joint extent: a zone kilometres wide against a parcel of centimetre-long segments
    /// puts the whole parcel in a cell, where splitting is quadratic (1.9 s for a parcel
    /// of 100,000 vertices by a river, 0.16 s once the zone is cut to its bounding box).
    fn near<'a>(&self, other: &'a MultiPolygon<f64>) -> Cow<'a, MultiPolygon<f64>> {
        match self.bbox() {
            Some(b) if !self.small() => {
                // a margin, so that no edge of the window runs along the parcel's
                let window = grow(b, 1.0 + 1e-3 * b.width().max(b.height()));
                Cow::Owned(other.intersection(&window.to_polygon()))
            }
            _ => Cow::Borrowed(other),
        }
    }

    fn lines(&self) -> &[Line<f64>] {
        self.lines.get_or_init(|| {
            self.geometry
                .0
                .iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .flat_map(|r| r.lines())
                .filter(|l| l.start != l.end)
                .collect()
        })
    }

    fn small(&self) -> bool {
        self.lines().len() <= SMALL
    }

    fn tree(&self) -> &RTree<Line<f64>> {
        self.tree
            .get_or_init(|| RTree::bulk_load(self.lines().to_vec()))
    }

    /// Calls `f` on the boundary segments whose envelope meets `rect` (and maybe a few
    /// others), until it breaks. Returns whether it broke.
    fn lines_near(
        &self,
        rect: Rect<f64>,
        mut f: impl FnMut(&Line<f64>) -> ControlFlow<()>,
    ) -> bool {
        if self.small() {
            return self.lines().iter().any(|l| f(l).is_break());
        }
        let envelope = AABB::from_corners(Point(rect.min()), Point(rect.max()));
        self.tree()
            .locate_in_envelope_intersecting(&envelope)
            .any(|l| f(l).is_break())
    }

    /// Whether `c` lies inside the parcel (its boundary excluded).
    pub(crate) fn contains(&self, c: Coord<f64>) -> bool {
        if !self.bbox().is_some_and(|b| b.intersects(&c)) {
            return false;
        }
        if self.small() {
            return self.geometry.contains(&c);
        }
        self.inside
            .get_or_init(|| indexed_area(&self.geometry))
            .contains(&c)
    }

    /// Distance from `c` to the parcel's boundary (0 on it).
    pub(crate) fn boundary_distance(&self, c: Coord<f64>) -> f64 {
        let p = Point(c);
        if self.small() {
            return self
                .lines()
                .iter()
                .map(|l| Euclidean.distance(&p, l))
                .fold(f64::INFINITY, f64::min);
        }
        nearest_distance(self.tree(), c)
    }

    /// Whether `line` meets the parcel's boundary.
    pub(crate) fn boundary_meets(&self, line: &Line<f64>) -> bool {
        self.lines_near(line.bounding_rect(), |l| {
            if l.intersects(line) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
    }

    /// Whether a connected line (`lines`, starting at `start`) meets the parcel: crosses
    /// or touches its boundary, or lies inside.
    pub(crate) fn meets_path(
        &self,
        start: Coord<f64>,
        mut lines: impl Iterator<Item = Line<f64>>,
    ) -> bool {
        lines.any(|l| self.boundary_meets(&l)) || self.contains(start)
    }

    /// Whether `line` comes closer than `m` (> 0) to the parcel: geo's
    /// `Euclidean.distance(line, polygon) < m`, part by part.
    pub(crate) fn line_within(&self, line: &Line<f64>, m: f64) -> bool {
        self.line_distance(line, m) < m || self.contains(line.start)
    }

    /// Distance from `line` to the parcel's boundary (geo's line-to-line distance to the
    /// nearest segment, 0 where they meet) when it is below `bound`; otherwise some value
    /// not below `bound`. A best-first descent of the segment index, pruned by the
    /// distance from `line` to each node's box.
    pub(crate) fn line_distance(&self, line: &Line<f64>, bound: f64) -> f64 {
        if self.small() {
            return self
                .lines()
                .iter()
                .map(|l| Euclidean.distance(line, l))
                .fold(f64::INFINITY, f64::min);
        }
        let mut best = f64::INFINITY;
        let mut heap = BinaryHeap::new();
        for child in self.tree().root().children() {
            heap.push(Nearest(box_distance(line, &child.envelope()), child));
        }
        while let Some(Nearest(lower, node)) = heap.pop() {
            // boxes' distances are rounded: prune only past a hair more than the best
            let cut = best.min(bound);
            if lower > cut + 1e-9 * (1.0 + cut) {
                break;
            }
            match node {
                RTreeNode::Leaf(l) => {
                    best = best.min(Euclidean.distance(line, l));
                    if best == 0.0 {
                        break;
                    }
                }
                RTreeNode::Parent(p) => {
                    for child in p.children() {
                        heap.push(Nearest(box_distance(line, &child.envelope()), child));
                    }
                }
            }
        }
        best
    }

    fn hull(&self) -> &Hull {
        self.hull.get_or_init(|| {
            let exteriors = || self.geometry.0.iter().flat_map(|p| p.exterior().0.iter());
            let first = *exteriors().next().expect("a parcel has positions");
            let mut ends = [first; 4];
            for c in exteriors() {
                if c.x < ends[0].x {
                    ends[0] = *c;
                }
                if c.x > ends[1].x {
                    ends[1] = *c;
                }
                if c.y < ends[2].y {
                    ends[2] = *c;
                }
                if c.y > ends[3].y {
                    ends[3] = *c;
                }
            }
            let exterior_points =
                geo::MultiPoint(exteriors().map(|c| Point(*c)).collect::<Vec<_>>());
            Hull {
                vertices: exterior_points.convex_hull().exterior().0.clone(),
                ends,
            }
        })
    }

    /// Whether a vertex of the exterior rings lies farther than `r` from `c`.
    pub(crate) fn reaches_beyond(&self, c: Coord<f64>, r: f64) -> bool {
        let beyond = |v: &Coord<f64>| (v.x - c.x).hypot(v.y - c.y) > r;
        if self.small() {
            return self
                .geometry
                .0
                .iter()
                .flat_map(|p| p.exterior().0.iter())
                .any(beyond);
        }
        let Some(b) = self.bbox() else {
            return false;
        };
        // no corner of the bounding box beyond r: no vertex either
        let corners = [
            b.min(),
            b.max(),
            Coord {
                x: b.min().x,
                y: b.max().y,
            },
            Coord {
                x: b.max().x,
                y: b.min().y,
            },
        ];
        if !corners.iter().any(beyond) {
            return false;
        }
        let hull = self.hull();
        hull.ends.iter().any(beyond) || hull.vertices.iter().any(beyond)
    }

    /// Whether every vertex of the exterior rings lies closer than `m` to `line`: the
    /// zone around a segment is convex, so the hull's vertices decide.
    pub(crate) fn all_within(&self, line: &Line<f64>, m: f64) -> bool {
        let within = |v: &Coord<f64>| Euclidean.distance(&Point(*v), line) < m;
        if self.small() {
            return self
                .geometry
                .0
                .iter()
                .flat_map(|p| p.exterior().0.iter())
                .all(within);
        }
        let hull = self.hull();
        hull.ends.iter().all(within) && hull.vertices.iter().all(within)
    }
}

/// A node of the segment index and the distance from the query to its box, nearest
/// first in a `BinaryHeap`.
struct Nearest<'a>(f64, &'a RTreeNode<Line<f64>>);

impl PartialEq for Nearest<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.total_cmp(&other.0).is_eq()
    }
}
impl Eq for Nearest<'_> {}
impl PartialOrd for Nearest<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Nearest<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.0.total_cmp(&self.0)
    }
}

/// Distance from `line` to the box `b` (0 where they meet).
fn box_distance(line: &Line<f64>, b: &AABB<Point<f64>>) -> f64 {
    let rect = Rect::new(b.lower().0, b.upper().0);
    if rect.intersects(line) {
        return 0.0;
    }
    let to_box = |p: Coord<f64>| {
        let dx = (rect.min().x - p.x).max(p.x - rect.max().x).max(0.0);
        let dy = (rect.min().y - p.y).max(p.y - rect.max().y).max(0.0);
        dx.hypot(dy)
    };
    let corners = [
        rect.min(),
        rect.max(),
        Coord {
            x: rect.min().x,
            y: rect.max().y,
        },
        Coord {
            x: rect.max().x,
            y: rect.min().y,
        },
    ];
    corners
        .iter()
        .map(|c| Euclidean.distance(&Point(*c), line))
        .fold(to_box(line.start).min(to_box(line.end)), f64::min)
}

/// Distance from `c` to the nearest segment of `tree`, as geo's `Euclidean` measures it:
/// the tree orders by its square, and among equal squares geo's own value decides.
fn nearest_distance(tree: &RTree<Line<f64>>, c: Coord<f64>) -> f64 {
    let p = Point(c);
    let mut nearest = tree.nearest_neighbor_iter_with_distance_2(&p);
    let Some((first, d2)) = nearest.next() else {
        return f64::INFINITY;
    };
    let mut d = Euclidean.distance(&p, first);
    for (l, d2_next) in nearest {
        if d2_next > d2 {
            break;
        }
        d = d.min(Euclidean.distance(&p, l));
    }
    d
}

/// A valid polygonal geometry indexed for point containment. The index counts winding
/// numbers, so holes must turn the other way from their shells: OGC does not require it
/// of the input, so the rings are oriented first.
pub(crate) fn indexed_area(mp: &MultiPolygon<f64>) -> IntervalTreeMultiPolygon<f64> {
    IntervalTreeMultiPolygon::new(&mp.orient(Direction::Default))
}

/// `rect` grown by `m` on every side (and by a hair more, against rounding).
fn grow(rect: Rect<f64>, m: f64) -> Rect<f64> {
    let m = m + 1e-9 * (1.0 + m + rect.max().x.abs().max(rect.max().y.abs()));
    Rect::new(
        Coord {
            x: rect.min().x - m,
            y: rect.min().y - m,
        },
        Coord {
            x: rect.max().x + m,
            y: rect.max().y + m,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{coord, LineString, Polygon};

    /// A wavy ring of `n` vertices around `(cx, cy)`.
    fn wavy(n: usize, cx: f64, cy: f64, r: f64, phase: f64) -> LineString<f64> {
        (0..n)
            .map(|k| {
                let a = 2.0 * std::f64::consts::PI * k as f64 / n as f64;
                let rr = r * (1.0 + 0.2 * (9.0 * a + phase).sin());
                coord! { x: cx + rr * a.cos(), y: cy + rr * a.sin() }
            })
            .collect()
    }

    /// The indexed answers are geo's own, to the bit, on small and large parcels with
    /// holes and several parts.
    #[test]
    fn indexed_answers_are_geos() {
        for n in [12, 500] {
            let mp = MultiPolygon(vec![
                Polygon::new(
                    wavy(n, 0.0, 0.0, 100.0, 0.0),
                    vec![wavy(n / 2, 10.0, 5.0, 30.0, 1.0)],
                ),
                Polygon::new(wavy(n, 300.0, 0.0, 50.0, 2.0), vec![]),
            ]);
            let parcel = LocalParcel::new(mp.clone());
            assert_eq!(parcel.small(), n == 12);
            let mut seed = 7u64;
            let mut next = || {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (seed >> 11) as f64 / (1u64 << 53) as f64
            };
            for _ in 0..2000 {
                let c = coord! { x: -200.0 + 600.0 * next(), y: -200.0 + 400.0 * next() };
                let d = coord! { x: c.x + 80.0 * (next() - 0.5), y: c.y + 80.0 * (next() - 0.5) };
                let (p, line) = (Point(c), Line::new(c, d));
                let geo_distance = Euclidean.distance(&p, &mp);
                let boundary =
                    mp.0.iter()
                        .flat_map(|q| std::iter::once(q.exterior()).chain(q.interiors()))
                        .map(|r| Euclidean.distance(&p, r))
                        .fold(f64::INFINITY, f64::min);
                assert_eq!(parcel.boundary_distance(c), boundary);
                assert_eq!(parcel.contains(c), mp.contains(&c));
                assert_eq!(parcel.contains(c) || boundary == 0.0, geo_distance == 0.0);
                let nearest =
                    mp.0.iter()
                        .flat_map(|q| std::iter::once(q.exterior()).chain(q.interiors()))
                        .flat_map(|r| r.lines())
                        .map(|l| Euclidean.distance(&line, &l))
                        .fold(f64::INFINITY, f64::min);
                assert_eq!(parcel.line_distance(&line, f64::INFINITY), nearest);
                for bound in [1.0, 10.0] {
                    let d = parcel.line_distance(&line, bound);
                    assert!(if nearest < bound {
                        d == nearest
                    } else {
                        d >= bound
                    });
                }
                for m in [0.5, 5.0, 40.0] {
                    let geo_within = mp.0.iter().any(|q| Euclidean.distance(&line, q) < m);
                    assert_eq!(parcel.line_within(&line, m), geo_within, "{line:?} {m}");
                    let all =
                        mp.0.iter()
                            .flat_map(|q| q.exterior().0.iter())
                            .all(|v| Euclidean.distance(&Point(*v), &line) < m);
                    assert_eq!(parcel.all_within(&line, m), all);
                }
                let path = LineString::new(vec![c, d, coord! { x: d.x + 5.0, y: c.y }]);
                assert_eq!(parcel.meets_path(c, path.lines()), path.intersects(&mp));
                for r in [10.0, 150.0, 400.0] {
                    let far =
                        mp.0.iter()
                            .flat_map(|q| q.exterior().0.iter())
                            .map(|v| (v.x - c.x).hypot(v.y - c.y))
                            .fold(0.0, f64::max);
                    assert_eq!(parcel.reaches_beyond(c, r), far > r);
                }
            }
        }
    }
}
