//! Issue 9, D5: the cost of a parcel grows like n log n in its vertices, and past the
//! documented [`Limits`] a parcel is an error row with its reason, never a stall.
//!
//! These are correctness tests: none measures time (speed is the benchmarks' business,
//! `benches/benches/check.rs`), but the large ones took minutes to hours before D5 —
//! geo's validation compared every pair of a ring's segments, and refinement looped
//! over every parcel vertex for every feature vertex.
//!
//! Same synthetic frame as `boundaries.rs`: UTM-like magnitudes, a 500 kV line (30 m
//! protection zone) along `y = 0`.

use aimaq_check::{ConstraintFeature, Engine, Limits, Parcel, ParcelReport, Projected, Verdict};
use aimaq_rules::{Catalog, Severity};
use geo::{coord, Coord, Geometry, LineString, MultiPolygon, Polygon};
use serde_json::{json, Value};

const X0: f64 = 650_000.0;
const Y0: f64 = 4_790_000.0;

fn at(x: f64, y: f64) -> Coord<f64> {
    coord! { x: X0 + x, y: Y0 + y }
}

/// A closed ring through the frame points `corners`, each side cut into `per_side`
/// segments (positions on the straight side, so the shape is the corners' polygon).
fn ring(corners: &[(f64, f64)], per_side: usize) -> LineString<f64> {
    let mut coords = Vec::with_capacity(corners.len() * per_side + 1);
    for (k, a) in corners.iter().enumerate() {
        let b = corners[(k + 1) % corners.len()];
        for i in 0..per_side {
            let t = i as f64 / per_side as f64;
            coords.push(at(a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)));
        }
    }
    coords.push(coords[0]);
    LineString::new(coords)
}

fn rect(x: f64, y: f64, w: f64, h: f64, per_side: usize) -> Polygon<f64> {
    Polygon::new(
        ring(&[(x, y), (x + w, y), (x + w, y + h), (x, y + h)], per_side),
        vec![],
    )
}

fn feature(
    layer: &str,
    attributes: Value,
    geometry: impl Into<Geometry<f64>>,
) -> ConstraintFeature {
    ConstraintFeature {
        layer: layer.into(),
        attributes: attributes.as_object().unwrap().clone(),
        geometry: Ok(Projected::assume_metres(geometry.into())),
    }
}

/// The 500 kV line `y = 0`, x from −5 km to +5 km, as `vertices` positions in a row.
fn line_500kv(vertices: usize) -> ConstraintFeature {
    let line: LineString<f64> = (0..vertices)
        .map(|i| at(-5000.0 + 10_000.0 * i as f64 / (vertices - 1) as f64, 0.0))
        .collect();
    feature(
        "power_lines",
        json!({"id": "pl-500", "voltage_kv": 500, "outer_wire_offset_m": 0}),
        line,
    )
}

fn engine(features: Vec<ConstraintFeature>) -> Engine {
    let engine = Engine::new(Catalog::embedded(), "EPSG:32643", features);
    assert!(engine.issues().is_empty(), "{:?}", engine.issues());
    engine
}

fn parcel(id: &str, geometry: impl Into<MultiPolygon<f64>>) -> Parcel {
    Parcel {
        id: id.into(),
        proposed_use: None,
        geometry: Projected::assume_metres(geometry.into()),
    }
}

fn no_limits() -> Limits {
    Limits {
        max_vertices: usize::MAX,
        max_extent_m: f64::INFINITY,
    }
}

fn the_finding<'a>(r: &'a ParcelReport, rule: &str) -> &'a aimaq_check::Finding {
    assert!(r.error.is_none(), "{}: {:?}", r.id, r.error);
    let found: Vec<_> = r.findings.iter().filter(|f| f.rule == rule).collect();
    assert_eq!(found.len(), 1, "{}: {:#?}", r.id, r.findings);
    found[0]
}

fn assert_close(actual: f64, expected: f64, rel: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= rel * expected,
        "{what}: {actual}, expected {expected}"
    );
}

#[test]
fn d5_default_limits_are_documented_values() {
    assert_eq!(
        Limits::default(),
        Limits {
            max_vertices: 100_000,
            max_extent_m: 100_000.0
        }
    );
    assert_eq!(
        engine(vec![]).limits(),
        &Limits::default(),
        "an engine starts with the defaults"
    );
}

/// A regular polygon of `n` vertices, radius 200 m, 300 m above the line.
fn circle(n: usize) -> Polygon<f64> {
    let ring: LineString<f64> = (0..n)
        .map(|k| {
            let a = 2.0 * std::f64::consts::PI * k as f64 / n as f64;
            at(200.0 * a.cos(), 500.0 + 200.0 * a.sin())
        })
        .collect();
    Polygon::new(ring, vec![])
}

#[test]
fn d5_vertex_limit_boundary() {
    let e = engine(vec![line_500kv(2)]);
    for (n, refused) in [(99_999, false), (100_000, false), (100_001, true)] {
        let r = e.check(&parcel(&format!("v{n}"), circle(n)));
        if refused {
            assert_eq!(r.verdict, Verdict::Error);
            assert_eq!(
                r.error.as_deref(),
                Some("parcel has too many vertices: 100001, the limit is 100000 (raise max_vertices with Engine::with_limits, or --max-vertices)")
            );
        } else {
            assert_eq!(r.verdict, Verdict::Clear, "{n}: {:?}", r.error);
        }
    }
    // a limit of the caller's: limit − 1 and the limit pass, limit + 1 does not
    let e = e.with_limits(Limits {
        max_vertices: 12,
        ..Limits::default()
    });
    for (n, refused) in [(11, false), (12, false), (13, true)] {
        let r = e.check(&parcel("small", circle(n)));
        assert_eq!(r.verdict == Verdict::Error, refused, "{n}: {:?}", r.error);
        if refused {
            assert!(r
                .error
                .unwrap()
                .starts_with("parcel has too many vertices: 13, the limit is 12"));
        }
    }
}

#[test]
fn d5_extent_limit_boundary() {
    // a 10 m wide strip whose bounding box has the given diagonal
    let strip = |diagonal: f64| {
        let length = (diagonal * diagonal - 100.0).sqrt();
        rect(0.0, 100.0, length, 10.0, 1)
    };
    let e = engine(vec![]);
    for (diagonal, refused) in [
        (99_999.0, false),
        (100_000.0 - 1e-3, false),
        (100_001.0, true),
    ] {
        let r = e.check(&parcel("strip", strip(diagonal)));
        assert_eq!(
            r.verdict == Verdict::Error,
            refused,
            "{diagonal}: {:?}",
            r.error
        );
        if refused {
            assert_eq!(
                r.error.as_deref(),
                Some("parcel too large: its bounding box has a diagonal of 100.001 km, the limit is 100.000 km (raise max_extent_m with Engine::with_limits, or --max-extent-km)")
            );
        }
    }
    let e = engine(vec![]).with_limits(Limits {
        max_extent_m: 500.0,
        ..Limits::default()
    });
    for (diagonal, refused) in [(499.0, false), (500.0, false), (501.0, true)] {
        let r = e.check(&parcel("strip", strip(diagonal)));
        assert_eq!(
            r.verdict == Verdict::Error,
            refused,
            "{diagonal}: {:?}",
            r.error
        );
    }
}

/// The reported case: a million vertices. Refused at once by default; past the limit,
/// answered exactly, next to a line of 20,000 vertices (the part of it near the parcel
/// is a few hundred segments, each of which old refinement measured against every
/// parcel vertex, then cut a disk out of the whole parcel for).
#[test]
fn d5_a_million_vertex_parcel_is_refused_by_default_and_answered_past_the_limit() {
    // the standard 40 × 30 m lot, 10 m from the line, its sides cut into 250,000
    // segments each: 1,000,000 vertices
    let lot = parcel("million", rect(100.0, 10.0, 40.0, 30.0, 250_000));
    assert_eq!(lot.geometry.geometry().0[0].exterior().0.len(), 1_000_001);

    let e = engine(vec![line_500kv(20_001)]);
    let r = e.check(&lot);
    assert_eq!(r.verdict, Verdict::Error);
    assert_eq!(
        r.error.as_deref(),
        Some("parcel has too many vertices: 1000000, the limit is 100000 (raise max_vertices with Engine::with_limits, or --max-vertices)")
    );

    let r = e.with_limits(no_limits()).check(&lot);
    // a power line's zone is a width, not a ban (L270-275): the operator's consent decides
    assert_eq!(r.verdict, Verdict::Conditional, "{:?}", r.error);
    assert_close(r.area_m2, 1200.0, 1e-9, "area");
    let f = the_finding(&r, "power.protection_zone");
    assert_eq!((f.severity, f.limit_m), (Severity::Conditional, 30.0));
    assert!((f.distance_m - 10.0).abs() < 1e-6, "{}", f.distance_m);
    // the strip 10 m to 30 m from the line: 40 × 20 m
    assert_close(f.encumbered_m2, 800.0, 1e-6, "encumbered");
}

/// The reported case: 5 vertices spanning 5° (about 550 km here). Refused by default;
/// past the limit, answered: every zone of the dataset lies inside it. Before D5 every
/// vertex of the line (10,001 of them) inside the parcel cost two boolean operations on
/// a growing zone.
#[test]
fn d5_a_five_vertex_parcel_spanning_five_degrees_is_refused_by_default_and_answered_past_the_limit()
{
    let half = 275_000.0;
    let huge = Polygon::new(
        ring(
            &[
                (-half, -half),
                (half, -half),
                (half, half),
                (0.0, half * 1.1),
                (-half, half),
            ],
            1,
        ),
        vec![],
    );
    let protected = feature(
        "protected_areas",
        json!({"id": "pa-1", "name": "Ile-Alatau", "category": "national park"}),
        rect(-5000.0, -6000.0, 10_000.0, 5000.0, 1),
    );
    let e = engine(vec![line_500kv(10_001), protected]);
    let lot = parcel("five-degrees", huge);
    let r = e.check(&lot);
    assert_eq!(r.verdict, Verdict::Error);
    let reason = r.error.unwrap();
    assert!(
        reason.starts_with("parcel too large: its bounding box has a diagonal of 7"),
        "{reason}"
    );

    let r = e.with_limits(no_limits()).check(&lot);
    assert_eq!(r.verdict, Verdict::Prohibited, "{:?}", r.error);
    // the whole zone of the line: a 10 km × 60 m band and its two round ends
    let band = 10_000.0 * 60.0 + std::f64::consts::PI * 30.0 * 30.0;
    let line = the_finding(&r, "power.protection_zone");
    assert_eq!(line.distance_m, 0.0);
    assert_close(line.encumbered_m2, band, 2e-4, "line zone");
    // the whole protected area
    let spna = the_finding(&r, "spna.territory");
    assert_close(spna.encumbered_m2, 5.0e7, 1e-9, "protected area");
    // the zones do not meet: the union is their sum
    let encumbrance = r.encumbrance.as_ref().unwrap();
    assert_close(encumbrance.total.m2, band + 5.0e7, 1e-4, "total");
}

/// A parcel of 400 parts deep inside a protected area: each part's containment is one
/// lookup in the area, not a pass over it.
#[test]
fn d5_a_parcel_of_many_parts_inside_an_area() {
    let protected = feature(
        "protected_areas",
        json!({"id": "pa-1", "name": "Ile-Alatau", "category": "national park"}),
        // turning clockwise, with 400 vertices: orientation must not matter
        Polygon::new(
            {
                let mut r = ring(
                    &[
                        (-5000.0, -5000.0),
                        (5000.0, -5000.0),
                        (5000.0, 5000.0),
                        (-5000.0, 5000.0),
                    ],
                    100,
                );
                r.0.reverse();
                r
            },
            vec![],
        ),
    );
    let e = engine(vec![protected]);
    let parts: Vec<Polygon<f64>> = (0..20)
        .flat_map(|i| (0..20).map(move |j| rect(15.0 * i as f64, 15.0 * j as f64, 10.0, 10.0, 1)))
        .collect();
    let r = e.check(&parcel("parts", MultiPolygon(parts)));
    let f = the_finding(&r, "spna.territory");
    assert_close(f.encumbered_m2, 400.0 * 100.0, 1e-9, "all parts");
    assert_close(f.encumbered_share, 1.0, 1e-12, "share");
}
