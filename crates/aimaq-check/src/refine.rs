//! The exact test: distance from a parcel to a feature, and the part of the parcel
//! inside the feature's zone. Everything here is in the parcel's local frame, in which
//! lengths and areas are the ground's (`ground`): widths are compared as they are.

use crate::encumbrance::union_all;
use crate::ground::Frame;
use crate::local::{indexed_area, LocalParcel};
use aimaq_index::Candidate;
use aimaq_rules::{Limit, Severity, Zone};
use geo::algorithm::buffer::{BufferStyle, LineCap, LineJoin};
use geo::algorithm::indexed::IntervalTreeMultiPolygon;
use geo::{
    unary_union, Area, BooleanOps, Buffer, Contains, Coord, Distance, Euclidean, Intersects,
    LineString, MultiLineString, MultiPolygon, Rect,
};
use std::cell::OnceCell;

/// Arc step of buffers, as segment length over radius: the finest geo/i_overlay allow
/// (0.01π, about 200 segments per circle). The chord sag is 0.012 % of the radius, so
/// zone areas stay well inside the 0.5 % bound even at the 1,700 m water zones.
const ARC_STEP: f64 = 0.01 * std::f64::consts::PI;

/// Relative chord sag of `ARC_STEP` arcs: 1 − cos(step / 2).
const COARSE_SAG: f64 = 1.3e-4;

/// Chord sag of the disks that complete the buffer near vertices (m).
const FINE_SAG_M: f64 = 0.002;

/// Whether the circle of radius `m` around `v` crosses the parcel where the buffer's
/// coarse arcs would cut it short: it comes nearer than `m` to the boundary, and the
/// parcel reaches beyond the arcs' chords. A circle wholly inside the parcel is left to
/// the buffer: its chords lose at most 0.016 % of the disk, all of it encumbered.
fn circle_crosses(v: Coord<f64>, m: f64, parcel: &LocalParcel) -> bool {
    parcel.boundary_distance(v) < m && parcel.reaches_beyond(v, m * (1.0 - COARSE_SAG))
}

/// The part of the disk of radius `r` around `c` that can meet a parcel whose bounding
/// box is `bbox`, with chords that sag at most `FINE_SAG_M`, inscribed like the buffer's
/// own arcs. Seen from outside the parcel's bounding box, the parcel spans less than a
/// half-turn, and only that sector is built: a 30 m lot 500 m away needs a dozen arc
/// points, not a thousand.
fn disk(c: Coord<f64>, r: f64, bbox: Option<Rect<f64>>) -> geo::Polygon<f64> {
    use std::f64::consts::PI;
    let step = 2.0 * (1.0 - (FINE_SAG_M / r).min(1.0)).acos();
    let (mut from, mut to) = (0.0, 2.0 * PI);
    if let Some(b) = bbox {
        let outside = c.x < b.min().x || c.x > b.max().x || c.y < b.min().y || c.y > b.max().y;
        if outside {
            let centre = b.center();
            let towards = (centre.y - c.y).atan2(centre.x - c.x);
            let (mut lo, mut hi) = (0.0f64, 0.0f64);
            for k in b.to_polygon().exterior().0.iter() {
                let mut a = (k.y - c.y).atan2(k.x - c.x) - towards;
                // relative to the centre's direction, inside (-π, π]
                while a <= -PI {
                    a += 2.0 * PI;
                }
                while a > PI {
                    a -= 2.0 * PI;
                }
                lo = lo.min(a);
                hi = hi.max(a);
            }
            // one step of margin each side, so the chords stay outside the parcel's span
            from = towards + lo - step;
            to = towards + hi + step;
        }
    }
    let n = (((to - from) / step).ceil() as usize).clamp(8, 8192);
    let full = to - from >= 2.0 * PI - 1e-12;
    let mut ring: Vec<Coord<f64>> = Vec::with_capacity(n + 3);
    if !full {
        ring.push(c);
    }
    for k in 0..=n {
        if full && k == n {
            break;
        }
        let a = from + (to - from) * k as f64 / n as f64;
        ring.push(geo::coord! { x: c.x + r * a.cos(), y: c.y + r * a.sin() });
    }
    ring.push(ring[0]);
    geo::Polygon::new(ring.into(), Vec::new())
}

/// Below this a sliver left by boolean operations is not an area (m²).
const SLIVER_M2: f64 = 1e-6;

/// A candidate feature moved into the parcel's frame: the nearby parts of its lines (or
/// polygon boundary), and its polygon when it has one.
pub(crate) struct LocalFeature<'a> {
    runs: MultiLineString<f64>,
    /// The polygon in world coordinates: moved into the parcel's frame only when a
    /// boolean operation needs it. Most parcels lie wholly inside or outside a polygon,
    /// and a tiling of functional zones is thousands of vertices to copy per parcel.
    world_area: Option<&'a MultiPolygon<f64>>,
    local_area: OnceCell<Option<MultiPolygon<f64>>>,
    /// The polygon indexed for containment, when many points are asked.
    area_index: OnceCell<Option<IntervalTreeMultiPolygon<f64>>>,
    frame: Frame,
}

/// Within this of a polygon's boundary (m), containment is decided in the ground frame:
/// edges up to 30 km long part from their projected chords by less.
const NEAR_BOUNDARY_M: f64 = 1.0;

/// Up to this many points, containment in a feature's polygon is tested point by point;
/// above, the polygon is indexed first.
const FEW_POINTS: usize = 8;

impl<'a> LocalFeature<'a> {
    pub(crate) fn new(cand: &Candidate, area: Option<&'a MultiPolygon<f64>>, frame: Frame) -> Self {
        let runs = frame.local(&MultiLineString(cand.runs()));
        // The polygon is needed only when the parcel may touch or lie inside it.
        let world_area = area.filter(|_| cand.area_hit || !cand.segments.is_empty());
        LocalFeature {
            runs,
            world_area,
            local_area: OnceCell::new(),
            area_index: OnceCell::new(),
            frame,
        }
    }

    /// Whether the feature has a polygon near the parcel.
    pub(crate) fn has_area(&self) -> bool {
        self.world_area.is_some()
    }

    /// The polygon in the parcel's frame, built on first use.
    fn area(&self) -> Option<&MultiPolygon<f64>> {
        self.local_area
            .get_or_init(|| self.world_area.map(|a| self.frame.local(a)))
            .as_ref()
    }

    /// Whether a local position lies in the polygon: tested in world coordinates, so the
    /// polygon need not be moved, unless the position is within `NEAR_BOUNDARY_M` of its
    /// boundary in a ground frame. There the world's edges (straight in the projection)
    /// and the frame's (the geodesics) part by up to `L²·|∇ln k|/8` — 9 mm on a 3 km
    /// edge at 78°E — and only the frame's answer agrees with the distances.
    fn area_holds(&self, v: &Coord<f64>) -> bool {
        if self.near_boundary(v) {
            return self.area().is_some_and(|a| a.intersects(v));
        }
        self.world_area
            .is_some_and(|a| a.intersects(&self.frame.to_world(*v)))
    }

    /// Whether a local position is so near the polygon's boundary (in a ground frame)
    /// that world and frame may disagree on its side.
    fn near_boundary(&self, v: &Coord<f64>) -> bool {
        !self.frame.is_planar()
            && self
                .runs
                .0
                .iter()
                .flat_map(|r| r.lines())
                .any(|seg| Euclidean.distance(&seg, &geo::Point(*v)) < NEAR_BOUNDARY_M)
    }

    /// Whether the first position of every part (`all`) or of some part (`!all`) of the
    /// parcel lies in the polygon, for a parcel that no run meets (so no position lies on
    /// the polygon's boundary: every boundary segment near the parcel is in the runs).
    /// With many parts the polygon is indexed first, so that a parcel of thousands of
    /// parts costs thousands of lookups, not thousands of passes over the polygon.
    fn area_holds_parts(&self, parcel: &MultiPolygon<f64>, all: bool) -> bool {
        let mut firsts = parcel.0.iter().map(|p| p.exterior().0.first().copied());
        let test: Box<dyn Fn(Option<Coord<f64>>) -> bool + '_> = if parcel.0.len() <= FEW_POINTS {
            Box::new(|v: Option<Coord<f64>>| v.is_some_and(|v| self.area_holds(&v)))
        } else {
            let Some(index) = self
                .area_index
                .get_or_init(|| self.world_area.map(indexed_area))
            else {
                return false;
            };
            let frame = self.frame;
            Box::new(move |v: Option<Coord<f64>>| {
                v.is_some_and(|v| {
                    if self.near_boundary(&v) {
                        self.area().is_some_and(|a| a.intersects(&v))
                    } else {
                        index.contains(&frame.to_world(v))
                    }
                })
            })
        };
        if all {
            firsts.all(test)
        } else {
            firsts.any(test)
        }
    }

    /// Whether a run meets the parcel: crosses or touches its boundary, or lies inside.
    fn meets(&self, parcel: &LocalParcel) -> bool {
        self.runs.0.iter().any(|r| {
            r.0.first()
                .is_some_and(|s| parcel.meets_path(*s, r.lines()))
        })
    }

    /// Minimum distance from `parcel` to the feature; 0 when they meet or the parcel is
    /// inside the feature's polygon. `None` when nothing of the feature is within reach.
    /// Each run segment finds its nearest parcel segment in the parcel's index.
    pub(crate) fn distance_to(&self, parcel: &LocalParcel) -> Option<f64> {
        if parcel.0.is_empty() {
            return None;
        }
        if self.meets(parcel) {
            return Some(0.0);
        }
        let mut d = f64::INFINITY;
        for seg in self.runs.0.iter().flat_map(|r| r.lines()) {
            d = d.min(parcel.line_distance(&seg, d));
        }
        if self.has_area() {
            // no boundary crosses any part of the parcel, so one vertex of each part tells
            // whether that part is inside or outside
            if self.area_holds_parts(parcel, false) {
                return Some(0.0);
            }
        }
        d.is_finite().then_some(d)
    }

    /// Whether the parcel lies wholly in the zone `m` metres around the feature: inside
    /// its polygon without meeting the boundary, or with every vertex within `m` of one
    /// segment (a segment's zone is convex, so its vertices decide). The common case of
    /// a lot deep inside a wide zone then costs no boolean operation, and its answer —
    /// the whole parcel — is exact.
    fn covers(&self, parcel: &LocalParcel, m: f64) -> bool {
        if self.has_area() && !self.meets(parcel) && self.area_holds_parts(parcel, true) {
            return true;
        }
        if m <= 0.0 {
            return false;
        }
        self.runs
            .0
            .iter()
            .flat_map(|r| r.lines())
            .any(|seg| parcel.all_within(&seg, m))
    }

    /// The runs cut down to the segments nearer than `m` to the parcel: the others'
    /// zones cannot reach it, and every segment dropped is a buffer not built.
    fn runs_within(&self, parcel: &LocalParcel, m: f64) -> MultiLineString<f64> {
        let mut kept = Vec::new();
        for run in &self.runs.0 {
            let mut chain: Vec<Coord<f64>> = Vec::new();
            for seg in run.lines() {
                if parcel.line_within(&seg, m) {
                    if chain.last() != Some(&seg.start) {
                        if chain.len() > 1 {
                            kept.push(LineString::new(std::mem::take(&mut chain)));
                        }
                        chain.clear();
                        chain.push(seg.start);
                    }
                    chain.push(seg.end);
                }
            }
            if chain.len() > 1 {
                kept.push(LineString::new(chain));
            }
        }
        MultiLineString(kept)
    }

    /// The parcel's part inside the zone `m` metres around the feature (its polygon
    /// included).
    ///
    /// geo's buffer is exact along segments but approximates the round joins and caps
    /// at vertices with chords whose sag grows with the width (21 cm at 1,700 m), which
    /// is several per cent of a thin overlap. So the zone is completed with finer disks
    /// (sag ≤ `FINE_SAG_M`) around the vertices whose circle crosses the parcel.
    fn encumbered(&self, parcel: &LocalParcel, m: f64) -> MultiPolygon<f64> {
        if self.covers(parcel, m) {
            return parcel.geometry().clone();
        }
        let runs = if m > 0.0 {
            self.runs_within(parcel, m)
        } else {
            MultiLineString(Vec::new())
        };
        let buffered = if runs.0.is_empty() {
            MultiPolygon::new(Vec::new())
        } else {
            let style = BufferStyle::new(m)
                .line_join(LineJoin::Round(ARC_STEP))
                .line_cap(LineCap::Round(ARC_STEP));
            runs.buffer_with_style(style)
        };
        let zone = match self.area() {
            Some(a) if buffered.0.is_empty() => a.clone(),
            Some(a) => a.union(&buffered),
            None => buffered,
        };
        let inside = parcel.intersection(&zone);
        if m <= 0.0 {
            return inside;
        }
        let disks: Vec<geo::Polygon<f64>> = runs
            .0
            .iter()
            .flat_map(|run| run.0.iter())
            .filter(|v| circle_crosses(**v, m, parcel))
            .map(|v| disk(*v, m, parcel.bbox()))
            .collect();
        // one union of the disks (all counter-clockwise) and one cut, rather than two
        // boolean operations on the whole parcel per vertex
        let disks = match disks.len() {
            0 => return inside,
            1 => MultiPolygon(disks),
            _ => unary_union(&disks),
        };
        inside.union(&parcel.intersection(&disks))
    }
}

/// The parcel cut along settlement boundaries, for rules whose width depends on it.
pub(crate) struct SettlementSplit {
    inside: LocalParcel,
    outside: LocalParcel,
}

impl SettlementSplit {
    pub(crate) fn new(
        parcel: &LocalParcel,
        candidates: &[Candidate],
        settlements: &[MultiPolygon<f64>],
        frame: Frame,
    ) -> Self {
        let local: Vec<MultiPolygon<f64>> = candidates
            .iter()
            .map(|c| frame.local(&settlements[c.feature.0 as usize]))
            .collect();
        let union = union_all(local.iter());
        if union.0.is_empty() {
            return SettlementSplit {
                inside: LocalParcel::new(MultiPolygon::new(Vec::new())),
                outside: LocalParcel::new(parcel.geometry().clone()),
            };
        }
        SettlementSplit {
            inside: LocalParcel::new(drop_slivers(parcel.intersection(&union))),
            outside: LocalParcel::new(drop_slivers(parcel.difference(&union))),
        }
    }
}

fn drop_slivers(mp: MultiPolygon<f64>) -> MultiPolygon<f64> {
    MultiPolygon(
        mp.0.into_iter()
            .filter(|p| p.unsigned_area() > SLIVER_M2)
            .collect(),
    )
}

/// What decided a hit: which limit, which part. Turned into words in the report's language
/// by `Finding::new`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reason {
    /// Closer than a fixed width.
    InsideZone { m: f64 },
    /// Closer than a range's minimum.
    InsideMinimum { min: f64, max: f64 },
    /// Between a range's ends: the act's project decides.
    BetweenRange { min: f64, max: f64 },
    /// Settlement-dependent width: `(inside settlements, distance, limit)` per part.
    SettlementParts(Vec<(bool, f64, f64)>),
    /// Overlaps an area.
    Overlap,
}

/// A zone the parcel enters.
pub(crate) struct Hit {
    pub severity: Severity,
    pub distance_m: f64,
    pub limit_m: f64,
    pub encumbered: MultiPolygon<f64>,
    /// What decided it (which limit, which part).
    pub reason: Reason,
    /// For settlement-dependent zones: whether the governing part is inside settlements.
    pub inside_settlement: Option<bool>,
}

/// Tests one zone of one feature against the parcel; `severity` is what entering it means
/// for the parcel's use (a range's middle band is `Review` whatever it is).
pub(crate) fn evaluate(
    severity: Severity,
    zone: &Zone,
    feature: &LocalFeature,
    parcel: &LocalParcel,
    distance: f64,
    split: Option<&SettlementSplit>,
) -> Option<Hit> {
    let hit = |severity, limit_m: f64, encumbered: MultiPolygon<f64>, reason: Reason| Hit {
        severity,
        distance_m: distance,
        limit_m,
        encumbered,
        reason,
        inside_settlement: None,
    };
    match zone.limit {
        Limit::Fixed { m } => (distance < m).then(|| {
            hit(
                severity,
                m,
                feature.encumbered(parcel, m),
                Reason::InsideZone { m },
            )
        }),
        Limit::Range { min, max } => {
            if distance < min {
                Some(hit(
                    severity,
                    min,
                    feature.encumbered(parcel, min),
                    Reason::InsideMinimum { min, max },
                ))
            } else if distance < max {
                Some(hit(
                    Severity::Review,
                    max,
                    feature.encumbered(parcel, max),
                    Reason::BetweenRange { min, max },
                ))
            } else {
                None
            }
        }
        Limit::BySettlement { inside, outside } => {
            let split = split.expect("split computed for settlement-dependent zones");
            let d_in = feature.distance_to(&split.inside).unwrap_or(f64::INFINITY);
            let d_out = feature.distance_to(&split.outside).unwrap_or(f64::INFINITY);
            let in_hit = d_in < inside;
            let out_hit = d_out < outside;
            if !in_hit && !out_hit {
                return None;
            }
            let mut encumbered = MultiPolygon::new(Vec::new());
            if in_hit {
                encumbered
                    .0
                    .extend(feature.encumbered(&split.inside, inside).0);
            }
            if out_hit {
                encumbered
                    .0
                    .extend(feature.encumbered(&split.outside, outside).0);
            }
            let reason = Reason::SettlementParts(
                [(true, d_in, inside), (false, d_out, outside)]
                    .into_iter()
                    .filter(|(_, d, _)| d.is_finite())
                    .collect(),
            );
            // the limit reported is the one of the violating part nearest the feature
            let governed_by_outside = out_hit && (!in_hit || d_out < d_in);
            let limit_m = if governed_by_outside { outside } else { inside };
            Some(Hit {
                inside_settlement: Some(!governed_by_outside),
                ..hit(severity, limit_m, encumbered, reason)
            })
        }
        Limit::Overlap => {
            if distance > 0.0 {
                return None;
            }
            let overlap = if feature.covers(parcel, 0.0) {
                parcel.geometry().clone() // wholly inside: exact, and no boolean operation
            } else {
                drop_slivers(parcel.intersection(feature.area()?))
            };
            (overlap.unsigned_area() > SLIVER_M2)
                .then(|| hit(severity, 0.0, overlap, Reason::Overlap))
        }
    }
}
