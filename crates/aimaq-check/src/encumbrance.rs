//! How much of a parcel is under constraints: the union of its findings' zones.

use aimaq_rules::Severity;
use geo::{Area, BooleanOps, MultiPolygon};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

fn round3<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((v * 1000.0).round() / 1000.0)
}
fn round6<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((v * 1e6).round() / 1e6)
}

/// An area of a parcel and its share of the parcel.
///
/// ```
/// let half = aimaq_check::AreaShare { m2: 600.0, share: 0.5 };
/// assert_eq!(half.m2 / half.share, 1200.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct AreaShare {
    /// Square metres.
    #[serde(serialize_with = "round3")]
    pub m2: f64,
    /// Over the parcel's area, 0 to 1.
    #[serde(serialize_with = "round6")]
    pub share: f64,
}

/// The parcel's encumbrance: the union of the zones of its findings, in total and per
/// severity. A square metre under two zones counts once, so the total never exceeds the
/// parcel.
///
/// ```
/// use aimaq_check::Encumbrance;
/// use aimaq_rules::Severity;
/// use geo::{polygon, MultiPolygon};
///
/// // a 10 × 10 m parcel under two zones, 6 m wide each from either side: 4 m overlap
/// let left: MultiPolygon<f64> = polygon![(x: 0., y: 0.), (x: 6., y: 0.), (x: 6., y: 10.), (x: 0., y: 10.)].into();
/// let right: MultiPolygon<f64> = polygon![(x: 4., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 4., y: 10.)].into();
/// let e = Encumbrance::of(&[(Severity::Prohibited, &left), (Severity::Conditional, &right)], 100.0);
/// assert!((e.total.m2 - 100.0).abs() < 1e-9); // 60 + 60 m² of zones, 100 m² of land
/// assert!((e.total.share - 1.0).abs() < 1e-9);
/// assert!((e.by_severity[&Severity::Prohibited].m2 - 60.0).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Encumbrance {
    /// Under any zone.
    pub total: AreaShare,
    /// Under zones of each severity (a square metre under a prohibited and a conditional
    /// zone counts in both).
    pub by_severity: BTreeMap<Severity, AreaShare>,
}

/// The union of `parts`, two by two: a union as big as its inputs costs each level of
/// the tree once, O(n log k) for k parts of n vertices in all, where adding them one at
/// a time to a growing union costs O(n k).
pub(crate) fn union_all<'a>(
    parts: impl Iterator<Item = &'a MultiPolygon<f64>>,
) -> MultiPolygon<f64> {
    let mut level: Vec<MultiPolygon<f64>> = parts.cloned().collect();
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        let mut pairs = level.into_iter();
        while let Some(a) = pairs.next() {
            next.push(match pairs.next() {
                Some(b) if a.0.is_empty() => b,
                Some(b) if b.0.is_empty() => a,
                Some(b) => a.union(&b),
                None => a,
            });
        }
        level = next;
    }
    level.pop().unwrap_or_else(|| MultiPolygon::new(Vec::new()))
}

impl Encumbrance {
    /// Unions the zones (geometries in one frame, the parcel's local one for exactness)
    /// of a parcel of `parcel_area_m2`.
    pub fn of(zones: &[(Severity, &MultiPolygon<f64>)], parcel_area_m2: f64) -> Encumbrance {
        // A union of parts of the parcel exceeds it only by the boolean operations'
        // rounding (a few mm² on a hectare): capped, so the total is never above 100 %.
        let share = |m2: f64| {
            let m2 = m2.min(parcel_area_m2);
            AreaShare {
                m2,
                share: if parcel_area_m2 > 0.0 {
                    m2 / parcel_area_m2
                } else {
                    0.0
                },
            }
        };
        let total = union_all(zones.iter().map(|(_, g)| *g)).unsigned_area();
        let mut by_severity = BTreeMap::new();
        for severity in [
            Severity::Prohibited,
            Severity::Conditional,
            Severity::Review,
        ] {
            let mut of_severity = zones
                .iter()
                .filter(|(s, _)| *s == severity)
                .map(|(_, g)| *g)
                .peekable();
            if of_severity.peek().is_some() {
                by_severity.insert(severity, share(union_all(of_severity).unsigned_area()));
            }
        }
        Encumbrance {
            total: share(total),
            by_severity,
        }
    }
}
