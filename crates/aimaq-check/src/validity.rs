//! OGC validity of a polygonal geometry in O(n log n): the answer of geo's
//! [`Validation`](geo::Validation), without its pairwise loops.
//!
//! geo 0.33 tests every pair of segments of a ring for a self-intersection, and relates
//! every pair of holes and every pair of polygons: O(n²) in vertices, 62 s for a ring of
//! 100,000. Here one sweep line (Shamos–Hoey, with exact orientation predicates) passes
//! over all the segments of all the rings once:
//!
//! * at each vertex it gathers every segment through that point, and checks that each
//!   ring passes there once (else the ring touches or crosses itself), that no two rings
//!   share a direction from it (they would share a line) and that no ring crosses
//!   another there (their rays around the point do not interleave);
//! * between vertices, segments that become neighbours on the sweep line are tested for
//!   a proper crossing: the leftmost crossing, if any, is always found that way;
//! * the first time a ring is met, the segment just below it tells which ring directly
//!   encloses it.
//!
//! When rings only touch at points, their interiors are nested or apart, and the
//! enclosure of each ring decides the rest: a hole must lie directly in its own shell
//! (not outside it, not in another of its holes), a shell must lie outside every other
//! polygon or in one of its holes.
//!
//! The acceptance is geo's, tested against it on generated geometries (see the tests).
//! What geo does not check is not checked here either: that holes do not cut the
//! interior in two (OGC's "interior is connected"); nor is the orientation of rings,
//! which OGC leaves free.
//!
//! A ring whose positions all lie on one line is left to the caller
//! ([`Check::Undecided`]): geo's relate operation gives such zero-area rings an interior
//! and a side, and how it does is not worth re-implementing for a geometry whose area
//! check refuses it or its neighbours anyway.

use geo::algorithm::kernels::{Kernel, Orientation, RobustKernel};
use geo::algorithm::validation::{GeometryIndex, InvalidMultiPolygon, InvalidPolygon, RingRole};
use geo::{Coord, MultiPolygon};
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// What the sweep found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Check {
    /// geo's `is_valid()` would say true.
    Valid,
    /// A problem, in geo's terms (not necessarily the first of geo's list).
    Invalid(InvalidMultiPolygon),
    /// Not decided here, and why: a ring whose positions all lie on one line.
    Undecided(String),
}

/// Checks a multipolygon whose rings are closed, have at least 4 positions, and whose
/// coordinates are finite (the caller's checks come first).
pub(crate) fn check(mp: &MultiPolygon<f64>) -> Check {
    let mut rings = Vec::new();
    for (pi, p) in mp.0.iter().enumerate() {
        for (ri, ring) in std::iter::once(p.exterior())
            .chain(p.interiors())
            .enumerate()
        {
            let role = if ri == 0 {
                RingRole::Exterior
            } else {
                RingRole::Interior(ri - 1)
            };
            match orientation(&ring.0) {
                Some(ccw) => rings.push(Ring {
                    poly: pi,
                    role,
                    ccw,
                    coords: &ring.0,
                }),
                None => {
                    return Check::Undecided(format!(
                        "polygon at index {pi} is invalid: {role} has all its positions on one line"
                    ))
                }
            }
        }
    }
    match Sweep::new(&rings).run() {
        Ok(parents) => nesting(&rings, &parents),
        Err(Problem::Lost) => {
            debug_assert!(false, "the sweep lost a segment");
            Check::Undecided("the validity sweep lost track of a segment (a defect)".into())
        }
        Err(problem) => Check::Invalid(problem.describe(&rings)),
    }
}

struct Ring<'a> {
    poly: usize,
    role: RingRole,
    /// Counter-clockwise (interior on the left of the ring's direction).
    ccw: bool,
    coords: &'a [Coord<f64>],
}

fn orient(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>) -> Orientation {
    RobustKernel::orient2d(a, b, c)
}

/// Lexicographic order of points (x, then y): the sweep's order.
fn lex(a: Coord<f64>, b: Coord<f64>) -> Ordering {
    a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y))
}

/// The ring's orientation, from the turn at its lexicographically smallest vertex; `None`
/// when every position lies on one line (also when there are fewer than 3 distinct ones).
/// At the smallest vertex both neighbours lie on one side, so the turn is the ring's
/// orientation unless the ring doubles back there (then it is invalid, and the sweep says
/// so at that vertex before the orientation is used).
fn orientation(coords: &[Coord<f64>]) -> Option<bool> {
    // positions without the closing one
    let open = &coords[..coords.len() - 1];
    let first = open[0];
    let other = open.iter().find(|c| **c != first)?;
    if open
        .iter()
        .all(|c| orient(first, *other, *c) == Orientation::Collinear)
    {
        return None;
    }
    let n = open.len();
    let (m, _) = open
        .iter()
        .enumerate()
        .min_by(|a, b| lex(*a.1, *b.1))
        .expect("non-empty ring");
    let v = open[m];
    let prev = (1..n).map(|k| open[(m + n - k) % n]).find(|c| *c != v)?;
    let next = (1..n).map(|k| open[(m + k) % n]).find(|c| *c != v)?;
    Some(orient(prev, v, next) == Orientation::CounterClockwise)
}

/// A segment of a ring, its ends in the ring's direction (`a` to `b`) and in the sweep's
/// (`l` before `r`).
#[derive(Clone, Copy)]
struct Seg {
    a: Coord<f64>,
    b: Coord<f64>,
    l: Coord<f64>,
    r: Coord<f64>,
    ring: u32,
}

impl Seg {
    fn new(a: Coord<f64>, b: Coord<f64>, ring: u32) -> Seg {
        let (l, r) = if lex(a, b) == Ordering::Less {
            (a, b)
        } else {
            (b, a)
        };
        Seg { a, b, l, r, ring }
    }
    /// Whether the ring runs from left to right along it.
    fn forward(&self) -> bool {
        self.a == self.l
    }
}

/// A key of the sweep-line status: a segment, or a probe just below a point. Segments are
/// ordered bottom to top where the sweep line crosses them; the order is static (it needs
/// no sweep position) because segments in the status at the same time do not cross — the
/// sweep stops at the first crossing.
#[derive(Clone, Copy)]
struct Key {
    l: Coord<f64>,
    r: Coord<f64>,
    id: u32,
}

const PROBE: u32 = u32::MAX;

impl Key {
    /// Just below `p`: above every segment below `p`, below every segment through it.
    fn probe(p: Coord<f64>) -> Key {
        Key {
            l: p,
            r: p,
            id: PROBE,
        }
    }
}

/// Whether `p` lies above (`Greater`), on (`Equal`) or below (`Less`) the line through the
/// segment `l`–`r`, directed left to right.
fn side(l: Coord<f64>, r: Coord<f64>, p: Coord<f64>) -> Ordering {
    match orient(l, r, p) {
        Orientation::CounterClockwise => Ordering::Greater,
        Orientation::Clockwise => Ordering::Less,
        Orientation::Collinear => Ordering::Equal,
    }
}

/// `s` against `t`, both segments, compared where the later of the two starts.
fn cmp_segments(s: &Key, t: &Key) -> Ordering {
    if s.id == t.id {
        return Ordering::Equal;
    }
    if lex(s.l, t.l) == Ordering::Less {
        return cmp_segments(t, s).reverse();
    }
    // s starts within t's span: above or below t there, else by where s goes
    side(t.l, t.r, s.l)
        .then_with(|| side(t.l, t.r, s.r))
        // collinear overlap: an invalid geometry, the sweep is about to stop
        .then(s.id.cmp(&t.id))
}

impl Ord for Key {
    fn cmp(&self, other: &Key) -> Ordering {
        match (self.id == PROBE, other.id == PROBE) {
            (false, false) => cmp_segments(self, other),
            // on the segment: the probe is below it
            (true, false) => side(other.l, other.r, self.l).then(Ordering::Less),
            (false, true) => other.cmp(self).reverse(),
            (true, true) => lex(self.l, other.l),
        }
    }
}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Key) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Key {}

/// A problem found by the sweep, by ring numbers.
#[derive(Debug)]
enum Problem {
    /// The ring touches or crosses itself.
    SelfIntersection(u32),
    /// Two rings share a line.
    SharedLine(u32, u32),
    /// Two rings cross.
    Cross(u32, u32),
    /// The sweep lost track of a segment: cannot happen with exact predicates; kept so
    /// that a defect refuses the geometry instead of accepting it.
    Lost,
}

impl Problem {
    fn describe(&self, rings: &[Ring]) -> InvalidMultiPolygon {
        match *self {
            Problem::SelfIntersection(r) => {
                let ring = &rings[r as usize];
                InvalidMultiPolygon::InvalidPolygon(
                    GeometryIndex(ring.poly),
                    InvalidPolygon::SelfIntersection(ring.role),
                )
            }
            Problem::SharedLine(a, b) => pair(rings, a, b, true),
            Problem::Cross(a, b) => pair(rings, a, b, false),
            Problem::Lost => unreachable!("handled by the caller"),
        }
    }
}

/// geo's words for two rings that share a line (`on_line`) or cross.
fn pair(rings: &[Ring], a: u32, b: u32, on_line: bool) -> InvalidMultiPolygon {
    let (mut x, mut y) = (&rings[a as usize], &rings[b as usize]);
    if (x.poly, role_rank(x.role)) > (y.poly, role_rank(y.role)) {
        std::mem::swap(&mut x, &mut y);
    }
    if x.poly != y.poly {
        let (i, j) = (GeometryIndex(x.poly), GeometryIndex(y.poly));
        return if on_line {
            InvalidMultiPolygon::ElementsTouchOnALine(i, j)
        } else {
            InvalidMultiPolygon::ElementsOverlaps(i, j)
        };
    }
    let problem = match (on_line, x.role) {
        (true, _) => InvalidPolygon::IntersectingRingsOnALine(x.role, y.role),
        (false, RingRole::Exterior) => {
            InvalidPolygon::InteriorRingNotContainedInExteriorRing(y.role)
        }
        (false, _) => InvalidPolygon::IntersectingRingsOnAnArea(x.role, y.role),
    };
    InvalidMultiPolygon::InvalidPolygon(GeometryIndex(x.poly), problem)
}

fn role_rank(role: RingRole) -> usize {
    match role {
        RingRole::Exterior => 0,
        RingRole::Interior(k) => k + 1,
    }
}

struct Sweep<'a, 'r> {
    rings: &'a [Ring<'r>],
    segs: Vec<Seg>,
    status: BTreeSet<Key>,
    parents: Vec<Option<u32>>,
    seen: Vec<bool>,
    /// Buffers kept from one event to the next.
    through: Vec<u32>,
    block: Vec<u32>,
    at: Vec<(u32, u32)>,
}

impl<'a, 'r> Sweep<'a, 'r> {
    fn new(rings: &'a [Ring<'r>]) -> Self {
        let mut segs = Vec::new();
        for (ri, ring) in rings.iter().enumerate() {
            for w in ring.coords.windows(2) {
                // repeated positions add nothing to geo's verdict but a ring that touches
                // itself, which the passes at that point show anyway
                if w[0] != w[1] {
                    segs.push(Seg::new(w[0], w[1], ri as u32));
                }
            }
        }
        Sweep {
            rings,
            segs,
            status: BTreeSet::new(),
            parents: vec![None; rings.len()],
            seen: vec![false; rings.len()],
            through: Vec::new(),
            block: Vec::new(),
            at: Vec::new(),
        }
    }

    fn key(&self, id: u32) -> Key {
        let s = &self.segs[id as usize];
        Key { l: s.l, r: s.r, id }
    }

    /// The enclosing ring of every ring, or the first problem met.
    fn run(mut self) -> Result<Vec<Option<u32>>, Problem> {
        // every segment end, in sweep order: (point, segment, starts here)
        let mut ends: Vec<(Coord<f64>, u32, bool)> = Vec::with_capacity(2 * self.segs.len());
        for (id, s) in self.segs.iter().enumerate() {
            ends.push((s.l, id as u32, true));
            ends.push((s.r, id as u32, false));
        }
        ends.sort_unstable_by(|a, b| lex(a.0, b.0));
        let mut starts = Vec::new();
        let mut i = 0;
        while i < ends.len() {
            let p = ends[i].0;
            starts.clear();
            let mut ending = 0;
            while i < ends.len() && ends[i].0 == p {
                if ends[i].2 {
                    starts.push(ends[i].1);
                } else {
                    ending += 1;
                }
                i += 1;
            }
            self.event(p, &starts, ending)?;
        }
        Ok(self.parents)
    }

    /// Everything that happens at the point `p`: segments `starts` begin there, `ending`
    /// segments end there.
    fn event(&mut self, p: Coord<f64>, starts: &[u32], ending: usize) -> Result<(), Problem> {
        let low = Key::probe(p);
        // the segments in the status through p: ending there or passing
        let mut through = std::mem::take(&mut self.through);
        through.clear();
        through.extend(
            self.status
                .range(low..)
                .take_while(|k| side(k.l, k.r, p) == Ordering::Equal)
                .map(|k| k.id),
        );
        let ended = through
            .iter()
            .filter(|id| self.segs[**id as usize].r == p)
            .count();
        if ended != ending {
            return Err(Problem::Lost);
        }
        self.passes(p, through.iter().chain(starts))?;

        for id in &through {
            if self.segs[*id as usize].r == p {
                let key = self.key(*id);
                self.status.remove(&key);
            }
        }
        self.through = through;
        for id in starts {
            let key = self.key(*id);
            self.status.insert(key);
        }
        // the segments through p now, bottom to top, and their neighbours
        let mut block = std::mem::take(&mut self.block);
        block.clear();
        let mut above = None;
        for k in self.status.range(low..) {
            if side(k.l, k.r, p) == Ordering::Equal {
                block.push(k.id);
            } else {
                above = Some(k.id);
                break;
            }
        }
        let below = self.status.range(..low).next_back().map(|k| k.id);

        // rings met for the first time, bottom to top: what encloses them
        for (pos, id) in block.iter().enumerate() {
            let ring = self.segs[*id as usize].ring as usize;
            if self.seen[ring] {
                continue;
            }
            self.seen[ring] = true;
            let under = if pos == 0 {
                below
            } else {
                Some(block[pos - 1])
            };
            self.parents[ring] = under.and_then(|u| {
                let s = &self.segs[u as usize];
                let q = s.ring as usize;
                // the ring's interior lies above the segment when it runs left to right
                // on a counter-clockwise ring, or right to left on a clockwise one
                if s.forward() == self.rings[q].ccw {
                    Some(q as u32)
                } else {
                    self.parents[q]
                }
            });
        }

        // new neighbours on the sweep line: a proper crossing between them?
        let (first, last) = (block.first().copied(), block.last().copied());
        self.block = block;
        match (first, last) {
            (Some(first), Some(last)) => {
                self.crossing(below, Some(first))?;
                self.crossing(Some(last), above)
            }
            _ => self.crossing(below, above),
        }
    }

    /// Whether two neighbours cross at a point inside both. Touches at a vertex are the
    /// business of that vertex's event.
    fn crossing(&self, s: Option<u32>, t: Option<u32>) -> Result<(), Problem> {
        let (Some(s), Some(t)) = (s, t) else {
            return Ok(());
        };
        let (x, y) = (&self.segs[s as usize], &self.segs[t as usize]);
        let opposite = |a, b| {
            matches!(
                (a, b),
                (Orientation::Clockwise, Orientation::CounterClockwise)
                    | (Orientation::CounterClockwise, Orientation::Clockwise)
            )
        };
        if opposite(orient(x.a, x.b, y.a), orient(x.a, x.b, y.b))
            && opposite(orient(y.a, y.b, x.a), orient(y.a, y.b, x.b))
        {
            return Err(if x.ring == y.ring {
                Problem::SelfIntersection(x.ring)
            } else {
                Problem::Cross(x.ring, y.ring)
            });
        }
        Ok(())
    }

    /// The rings' passes through `p`, given every segment containing it.
    fn passes<'i>(
        &mut self,
        p: Coord<f64>,
        ids: impl Iterator<Item = &'i u32>,
    ) -> Result<(), Problem> {
        // (ring, segment) of every segment containing p
        let mut at = std::mem::take(&mut self.at);
        at.clear();
        at.extend(ids.map(|id| (self.segs[*id as usize].ring, *id)));
        let result = self.passes_of(p, &mut at);
        self.at = at;
        result
    }

    fn passes_of(&self, p: Coord<f64>, at: &mut [(u32, u32)]) -> Result<(), Problem> {
        if let [(r0, s0), (r1, s1)] = at[..] {
            // the common case: one ring through one of its vertices
            let (s0, s1) = (&self.segs[s0 as usize], &self.segs[s1 as usize]);
            let (from, to) = match (s0.b == p, s1.b == p) {
                (true, false) if s1.a == p => (s0.a, s1.b),
                (false, true) if s0.a == p => (s1.a, s0.b),
                _ => (p, p),
            };
            if r0 == r1 && from != p {
                let along = orient(p, from, to) == Orientation::Collinear
                    && (from.x - p.x).signum() == (to.x - p.x).signum()
                    && (from.y - p.y).signum() == (to.y - p.y).signum();
                return if along {
                    Err(Problem::SelfIntersection(r0))
                } else {
                    Ok(())
                };
            }
        }
        at.sort_unstable();
        // rays from p: (far point, ring)
        let mut rays: Vec<(Coord<f64>, u32)> = Vec::with_capacity(at.len());
        let mut k = 0;
        let mut local = 0; // rings numbered from 0 at this point
        while k < at.len() {
            let ring = at[k].0;
            let (mut arrive, mut leave, mut pass) = (None, None, None);
            let mut count = 0;
            while k < at.len() && at[k].0 == ring {
                let s = &self.segs[at[k].1 as usize];
                if s.b == p {
                    count += usize::from(arrive.replace(s.a).is_some());
                } else if s.a == p {
                    count += usize::from(leave.replace(s.b).is_some());
                } else {
                    count += usize::from(pass.replace((s.a, s.b)).is_some());
                }
                k += 1;
            }
            // one pass: either through a vertex (in once, out once) or along one segment
            match (arrive, leave, pass, count) {
                (Some(from), Some(to), None, 0) | (None, None, Some((from, to)), 0) => {
                    rays.push((from, local));
                    rays.push((to, local));
                    local += 1;
                }
                _ => return Err(Problem::SelfIntersection(ring)),
            }
        }
        // ring numbers back from the local ones: `at` is sorted by ring
        let mut globals: Vec<u32> = at.iter().map(|(r, _)| *r).collect();
        globals.dedup();
        let global = |l: u32| globals[l as usize];
        let half = |q: Coord<f64>| !(q.y > p.y || (q.y == p.y && q.x > p.x));
        rays.sort_unstable_by(|(a, _), (b, _)| {
            half(*a)
                .cmp(&half(*b))
                .then_with(|| match orient(p, *a, *b) {
                    Orientation::CounterClockwise => Ordering::Less,
                    Orientation::Clockwise => Ordering::Greater,
                    Orientation::Collinear => Ordering::Equal,
                })
        });
        // two rays in one direction: a spike of one ring, or two rings along one line
        for w in rays.windows(2) {
            let ((a, ra), (b, rb)) = (w[0], w[1]);
            if half(a) == half(b) && orient(p, a, b) == Orientation::Collinear {
                return Err(if ra == rb {
                    Problem::SelfIntersection(global(ra))
                } else {
                    Problem::SharedLine(global(ra), global(rb))
                });
            }
        }
        if local == 1 {
            return Ok(());
        }
        // around p, the two rays of each ring must not interleave with another's
        let mut open: Vec<u32> = Vec::new();
        let mut opened = vec![false; local as usize];
        for (_, ring) in &rays {
            if open.last() == Some(ring) {
                open.pop();
            } else if !std::mem::replace(&mut opened[*ring as usize], true) {
                open.push(*ring);
            } else {
                let other = *open.last().expect("an unclosed ring lies between");
                return Err(Problem::Cross(global(*ring), global(other)));
            }
        }
        Ok(())
    }
}

/// With rings apart or touching at points, each ring's enclosing ring decides the rest.
fn nesting(rings: &[Ring], parents: &[Option<u32>]) -> Check {
    // the exterior ring of each polygon
    let shells: Vec<u32> = (0..rings.len() as u32)
        .filter(|i| rings[*i as usize].role == RingRole::Exterior)
        .collect();
    let mut problems = Vec::new();
    for (i, ring) in rings.iter().enumerate() {
        let parent = parents[i].map(|p| &rings[p as usize]);
        match ring.role {
            RingRole::Exterior => {
                // a shell inside another polygon's shell (not in a hole of it) overlaps it
                if let Some(p) = parent.filter(|p| p.role == RingRole::Exterior) {
                    let (a, b) = (p.poly.min(ring.poly), p.poly.max(ring.poly));
                    problems.push(InvalidMultiPolygon::ElementsOverlaps(
                        GeometryIndex(a),
                        GeometryIndex(b),
                    ));
                }
            }
            RingRole::Interior(k) => {
                let own = shells[ring.poly];
                if parents[i] == Some(own) {
                    continue;
                }
                // walk out: a hole of the same polygon on the way, another polygon, or
                // never the shell
                let mut up = parents[i];
                let mut problem = InvalidPolygon::InteriorRingNotContainedInExteriorRing(ring.role);
                while let Some(u) = up {
                    if u == own {
                        break;
                    }
                    let outer = &rings[u as usize];
                    if outer.poly == ring.poly {
                        if let RingRole::Interior(o) = outer.role {
                            problem = InvalidPolygon::IntersectingRingsOnAnArea(
                                RingRole::Interior(o.min(k)),
                                RingRole::Interior(o.max(k)),
                            );
                            break;
                        }
                    }
                    up = parents[u as usize];
                }
                problems.push(InvalidMultiPolygon::InvalidPolygon(
                    GeometryIndex(ring.poly),
                    problem,
                ));
            }
        }
    }
    match problems.into_iter().next() {
        Some(p) => Check::Invalid(p),
        None => Check::Valid,
    }
}

#[cfg(test)]
#[path = "validity_tests.rs"]
mod tests;
