//! The Hausdorff distance between two geometries, over their lines (an area by its
//! boundary), exact to a millimetre: every segment of one is searched for its point
//! farthest from the other by branch and bound, since the distance to a geometry is
//! 1-Lipschitz along a segment (at most `(d(p) + d(q) + |pq|) / 2` between `p` and `q`),
//! and convex towards any one segment of the other (at most the larger of the two ends'
//! distances to the segment nearest either end): a line shifted sideways is settled at
//! once, without dividing it.

use geo::{Coord, CoordsIter, Geometry, LineString};
use rstar::{PointDistance, RTree, RTreeObject, AABB};

/// Precision of the search, metres.
const EPSILON_M: f64 = 0.001;

/// The Hausdorff distance between `a` and `b` in their (metric) units: the farthest any
/// point of one lies from the other. Areas are taken by their rings, points as points.
/// Equal geometries give 0 without a search; an empty one gives infinity against a
/// non-empty one.
///
/// ```
/// use aimaq_dataset::diff::hausdorff_m;
/// use geo::{line_string, Geometry};
/// let a = Geometry::from(line_string![(x: 0.0, y: 0.0), (x: 100.0, y: 0.0)]);
/// // the same line with a vertex added half-way: nothing moved
/// let b = Geometry::from(line_string![(x: 0.0, y: 0.0), (x: 50.0, y: 0.0), (x: 100.0, y: 0.0)]);
/// assert_eq!(hausdorff_m(&a, &b), 0.0);
/// // its middle pulled 2 m aside
/// let c = Geometry::from(line_string![(x: 0.0, y: 0.0), (x: 50.0, y: 2.0), (x: 100.0, y: 0.0)]);
/// assert!((hausdorff_m(&a, &c) - 2.0).abs() < 1e-3);
/// ```
pub fn hausdorff_m(a: &Geometry<f64>, b: &Geometry<f64>) -> f64 {
    if a == b {
        return 0.0;
    }
    let (sa, sb) = (segments(a), segments(b));
    match (sa.is_empty(), sb.is_empty()) {
        (true, true) => return 0.0,
        (true, false) | (false, true) => return f64::INFINITY,
        _ => {}
    }
    let (ta, tb) = (RTree::bulk_load(sa.clone()), RTree::bulk_load(sb.clone()));
    directed(&sa, &tb).max(directed(&sb, &ta))
}

/// A segment of a geometry's lines (a point is a segment of length 0).
#[derive(Debug, Clone, Copy)]
struct Segment {
    a: [f64; 2],
    b: [f64; 2],
}

impl RTreeObject for Segment {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(self.a, self.b)
    }
}

impl PointDistance for Segment {
    fn distance_2(&self, p: &[f64; 2]) -> f64 {
        let (dx, dy) = (self.b[0] - self.a[0], self.b[1] - self.a[1]);
        let len2 = dx * dx + dy * dy;
        let t = if len2 == 0.0 {
            0.0
        } else {
            (((p[0] - self.a[0]) * dx + (p[1] - self.a[1]) * dy) / len2).clamp(0.0, 1.0)
        };
        let (x, y) = (self.a[0] + t * dx - p[0], self.a[1] + t * dy - p[1]);
        x * x + y * y
    }
}

fn segments(g: &Geometry<f64>) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut line = |l: &LineString<f64>| {
        if l.0.len() == 1 {
            out.push(seg(l.0[0], l.0[0]));
        }
        for w in l.0.windows(2) {
            out.push(seg(w[0], w[1]));
        }
    };
    match g {
        Geometry::LineString(l) => line(l),
        Geometry::MultiLineString(m) => m.0.iter().for_each(&mut line),
        Geometry::Polygon(p) => {
            line(p.exterior());
            p.interiors().iter().for_each(&mut line);
        }
        Geometry::MultiPolygon(m) => {
            for p in &m.0 {
                line(p.exterior());
                p.interiors().iter().for_each(&mut line);
            }
        }
        Geometry::GeometryCollection(c) => {
            for g in &c.0 {
                out.extend(segments(g));
            }
        }
        other => {
            for c in other.coords_iter() {
                out.push(seg(c, c));
            }
        }
    }
    out
}

fn seg(a: Coord<f64>, b: Coord<f64>) -> Segment {
    Segment {
        a: [a.x, a.y],
        b: [b.x, b.y],
    }
}

/// The distance from `p` to the nearest segment of `tree`, and that segment.
fn nearest(tree: &RTree<Segment>, p: [f64; 2]) -> (f64, Option<Segment>) {
    match tree.nearest_neighbor(&p) {
        Some(s) => (s.distance_2(&p).sqrt(), Some(*s)),
        None => (f64::INFINITY, None),
    }
}

/// A bound on the distance from any point of `[p, q]` to `to`.
fn bound(
    p: [f64; 2],
    dp: f64,
    sp: Option<Segment>,
    q: [f64; 2],
    dq: f64,
    sq: Option<Segment>,
) -> f64 {
    let len = ((q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2)).sqrt();
    let mut b = (dp + dq + len) / 2.0;
    if let Some(s) = sp {
        b = b.min(dp.max(s.distance_2(&q).sqrt()));
    }
    if let Some(s) = sq {
        b = b.min(dq.max(s.distance_2(&p).sqrt()));
    }
    b
}

/// The farthest any point of `from` lies from `to`.
fn directed(from: &[Segment], to: &RTree<Segment>) -> f64 {
    type End = ([f64; 2], f64, Option<Segment>);
    let mut best = 0.0f64;
    let mut stack: Vec<(End, End)> = Vec::new();
    for s in from {
        let ((da, sa), (db, sb)) = (nearest(to, s.a), nearest(to, s.b));
        best = best.max(da).max(db);
        stack.push(((s.a, da, sa), (s.b, db, sb)));
    }
    while let Some(((p, dp, sp), (q, dq, sq))) = stack.pop() {
        if bound(p, dp, sp, q, dq, sq) <= best + EPSILON_M {
            continue;
        }
        let m = [(p[0] + q[0]) / 2.0, (p[1] + q[1]) / 2.0];
        let (dm, sm) = nearest(to, m);
        best = best.max(dm);
        stack.push(((p, dp, sp), (m, dm, sm)));
        stack.push(((m, dm, sm), (q, dq, sq)));
    }
    best
}
