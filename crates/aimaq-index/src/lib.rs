//! # aimaq-index
//!
//! An R-tree ([`rstar`]) over the *segments* of constraint features, each segment's
//! envelope grown by its feature's reach (the widest zone it carries), plus the envelopes
//! of area features for containment. A query with a parcel's bounding box returns, per
//! feature, only the segments that can be within reach of the parcel, so refining a
//! parcel against a river of thousands of vertices costs what the nearby segments cost.
//!
//! The index knows envelopes and segments, not regulations: reach is a number the caller
//! gives. Exact distances and areas are the checker's job.
//!
//! ```
//! use aimaq_index::{IndexBuilder, FeatureId};
//! use geo::{line_string, Rect, coord};
//!
//! let river = line_string![(x: 0.0, y: 0.0), (x: 1000.0, y: 0.0), (x: 2000.0, y: 0.0)];
//! let mut builder = IndexBuilder::new();
//! builder.add_line_string(FeatureId(7), 0, &river, 500.0);
//! let index = builder.build();
//!
//! // a parcel 300 m north of the first half of the river
//! let parcel = Rect::new(coord! { x: 100.0, y: 300.0 }, coord! { x: 140.0, y: 340.0 });
//! let found = index.query(parcel);
//! assert_eq!(found.len(), 1);
//! assert_eq!(found[0].feature, FeatureId(7));
//! assert_eq!(found[0].segments.len(), 1); // only the segment within 500 m
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use geo::{BoundingRect, Coord, Line, LineString, Polygon, Rect};
use rstar::{RTree, RTreeObject, AABB};

/// Caller's id of a feature (an index into its own feature list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FeatureId(pub u32);

/// One segment of a feature: `part` numbers the feature's lines or rings, `seq` the
/// segment within its part, so that consecutive segments can be joined again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// Line or ring number within the feature.
    pub part: u32,
    /// Segment number within the part.
    pub seq: u32,
    /// The segment.
    pub line: Line<f64>,
}

#[derive(Debug, Clone)]
struct SegmentEntry {
    feature: FeatureId,
    segment: Segment,
    envelope: AABB<[f64; 2]>,
}

impl RTreeObject for SegmentEntry {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

#[derive(Debug, Clone)]
struct AreaEntry {
    feature: FeatureId,
    envelope: AABB<[f64; 2]>,
}

impl RTreeObject for AreaEntry {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// What a query found for one feature.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The feature.
    pub feature: FeatureId,
    /// Its segments within reach of the query box, ordered by `(part, seq)`.
    pub segments: Vec<Segment>,
    /// The query box meets the envelope of the feature's area (polygon features only):
    /// the parcel may lie inside it even with no boundary segment near.
    pub area_hit: bool,
}

impl Candidate {
    /// The segments joined back into runs of consecutive segments.
    ///
    /// ```
    /// use aimaq_index::{IndexBuilder, FeatureId};
    /// use geo::{line_string, Rect, coord};
    /// let l = line_string![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 20.0, y: 0.0), (x: 30.0, y: 0.0)];
    /// let mut b = IndexBuilder::new();
    /// b.add_line_string(FeatureId(0), 0, &l, 1.0);
    /// let found = b.build().query(Rect::new(coord! { x: 0.0, y: -1.0 }, coord! { x: 30.0, y: 1.0 }));
    /// let runs = found[0].runs();
    /// assert_eq!(runs.len(), 1);
    /// assert_eq!(runs[0].0.len(), 4);
    /// ```
    pub fn runs(&self) -> Vec<LineString<f64>> {
        let mut runs: Vec<LineString<f64>> = Vec::new();
        let mut last: Option<(u32, u32)> = None;
        for s in &self.segments {
            match (last, runs.last_mut()) {
                (Some((part, seq)), Some(run)) if part == s.part && seq + 1 == s.seq => {
                    run.0.push(s.line.end);
                }
                _ => runs.push(LineString::new(vec![s.line.start, s.line.end])),
            }
            last = Some((s.part, s.seq));
        }
        runs
    }
}

/// Collects features, then bulk-loads the trees.
#[derive(Debug, Default)]
pub struct IndexBuilder {
    segments: Vec<SegmentEntry>,
    areas: Vec<AreaEntry>,
}

fn aabb(rect: Rect<f64>, grow: f64) -> AABB<[f64; 2]> {
    AABB::from_corners(
        [rect.min().x - grow, rect.min().y - grow],
        [rect.max().x + grow, rect.max().y + grow],
    )
}

impl IndexBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the segments of one line (or ring) of a feature, reachable within `reach`.
    /// Zero-length segments are skipped: they add nothing a neighbour does not.
    pub fn add_line_string(
        &mut self,
        feature: FeatureId,
        part: u32,
        line: &LineString<f64>,
        reach: f64,
    ) {
        let reach = reach.max(0.0);
        for (seq, l) in line.lines().enumerate() {
            if l.start == l.end {
                continue;
            }
            self.segments.push(SegmentEntry {
                feature,
                segment: Segment {
                    part,
                    seq: seq as u32,
                    line: l,
                },
                envelope: aabb(l.bounding_rect(), reach),
            });
        }
    }

    /// Adds a polygon feature: its rings as parts numbered from `first_part`, and its
    /// area's envelope. Returns the next free part number.
    pub fn add_polygon(
        &mut self,
        feature: FeatureId,
        first_part: u32,
        polygon: &Polygon<f64>,
        reach: f64,
    ) -> u32 {
        let mut part = first_part;
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            self.add_line_string(feature, part, ring, reach);
            part += 1;
        }
        if let Some(rect) = polygon.bounding_rect() {
            self.areas.push(AreaEntry {
                feature,
                envelope: aabb(rect, 0.0),
            });
        }
        part
    }

    /// Bulk-loads the trees (sort-tile-recursive packing).
    pub fn build(self) -> ConstraintIndex {
        ConstraintIndex {
            segments: RTree::bulk_load(self.segments),
            areas: RTree::bulk_load(self.areas),
        }
    }
}

/// The built index. Immutable and `Sync`: share it between threads.
#[derive(Debug)]
pub struct ConstraintIndex {
    segments: RTree<SegmentEntry>,
    areas: RTree<AreaEntry>,
}

impl ConstraintIndex {
    /// Number of indexed segments.
    pub fn segment_count(&self) -> usize {
        self.segments.size()
    }

    /// Features that may affect a parcel with this bounding box, ordered by feature id.
    pub fn query(&self, bbox: Rect<f64>) -> Vec<Candidate> {
        let env = aabb(bbox, 0.0);
        let mut hits: Vec<(FeatureId, Segment)> = self
            .segments
            .locate_in_envelope_intersecting(&env)
            .map(|e| (e.feature, e.segment))
            .collect();
        hits.sort_unstable_by_key(|(f, s)| (*f, s.part, s.seq));
        let mut areas: Vec<FeatureId> = self
            .areas
            .locate_in_envelope_intersecting(&env)
            .map(|a| a.feature)
            .collect();
        areas.sort_unstable();
        areas.dedup();

        let mut out: Vec<Candidate> = Vec::new();
        for (feature, segment) in hits {
            match out.last_mut() {
                Some(c) if c.feature == feature => c.segments.push(segment),
                _ => out.push(Candidate {
                    feature,
                    segments: vec![segment],
                    area_hit: false,
                }),
            }
        }
        for f in areas {
            match out.binary_search_by_key(&f, |c| c.feature) {
                Ok(i) => out[i].area_hit = true,
                Err(i) => out.insert(
                    i,
                    Candidate {
                        feature: f,
                        segments: Vec::new(),
                        area_hit: true,
                    },
                ),
            }
        }
        out
    }
}

/// The bounding box of a set of coordinates, `None` when empty.
pub fn bbox_of(coords: impl IntoIterator<Item = Coord<f64>>) -> Option<Rect<f64>> {
    let mut it = coords.into_iter();
    let first = it.next()?;
    let (mut min, mut max) = (first, first);
    for c in it {
        min.x = min.x.min(c.x);
        min.y = min.y.min(c.y);
        max.x = max.x.max(c.x);
        max.y = max.y.max(c.y);
    }
    Some(Rect::new(min, max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{coord, polygon};

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Rect<f64> {
        Rect::new(coord! { x: x0, y: y0 }, coord! { x: x1, y: y1 })
    }

    #[test]
    fn long_line_returns_only_nearby_segments() {
        // a 10 km "river" of 1,000 segments
        let river: LineString<f64> = (0..=1000)
            .map(|i| coord! { x: i as f64 * 10.0, y: 0.0 })
            .collect();
        let mut b = IndexBuilder::new();
        b.add_line_string(FeatureId(1), 0, &river, 100.0);
        let idx = b.build();
        assert_eq!(idx.segment_count(), 1000);
        let found = idx.query(rect(5000.0, 50.0, 5020.0, 70.0));
        assert_eq!(found.len(), 1);
        // segments whose envelope grown by 100 m meets x ∈ [5000, 5020] (borders included):
        // those starting at 4890 up to the one starting at 5120, 24 of 1,000
        assert_eq!(found[0].segments.len(), 24);
        assert_eq!(found[0].runs().len(), 1);
        // beyond reach: nothing
        assert!(idx.query(rect(5000.0, 100.5, 5020.0, 120.0)).is_empty());
    }

    #[test]
    fn parcel_deep_inside_a_polygon_is_an_area_hit() {
        let park = polygon![(x: 0.0, y: 0.0), (x: 10_000.0, y: 0.0), (x: 10_000.0, y: 10_000.0), (x: 0.0, y: 10_000.0)];
        let mut b = IndexBuilder::new();
        b.add_polygon(FeatureId(3), 0, &park, 0.0);
        let idx = b.build();
        let found = idx.query(rect(5000.0, 5000.0, 5010.0, 5010.0));
        assert_eq!(found.len(), 1);
        assert!(found[0].area_hit);
        assert!(found[0].segments.is_empty());
    }

    #[test]
    fn results_are_grouped_and_ordered_by_feature() {
        let mut b = IndexBuilder::new();
        for f in [5u32, 2, 9] {
            let l: LineString<f64> = vec![
                coord! { x: 0.0, y: f as f64 },
                coord! { x: 100.0, y: f as f64 },
            ]
            .into();
            b.add_line_string(FeatureId(f), 0, &l, 20.0);
        }
        let ids: Vec<u32> = b
            .build()
            .query(rect(40.0, 0.0, 60.0, 1.0))
            .iter()
            .map(|c| c.feature.0)
            .collect();
        assert_eq!(ids, vec![2, 5, 9]);
    }

    #[test]
    fn runs_split_at_gaps_and_parts() {
        let c = Candidate {
            feature: FeatureId(0),
            segments: vec![
                Segment {
                    part: 0,
                    seq: 0,
                    line: Line::new(coord! {x: 0., y: 0.}, coord! {x: 1., y: 0.}),
                },
                Segment {
                    part: 0,
                    seq: 1,
                    line: Line::new(coord! {x: 1., y: 0.}, coord! {x: 2., y: 0.}),
                },
                Segment {
                    part: 0,
                    seq: 3,
                    line: Line::new(coord! {x: 3., y: 0.}, coord! {x: 4., y: 0.}),
                },
                Segment {
                    part: 1,
                    seq: 4,
                    line: Line::new(coord! {x: 4., y: 0.}, coord! {x: 5., y: 0.}),
                },
            ],
            area_hit: false,
        };
        let runs = c.runs();
        assert_eq!(
            runs.iter().map(|r| r.0.len()).collect::<Vec<_>>(),
            vec![3, 2, 2]
        );
    }
}
