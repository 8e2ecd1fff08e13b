//! Differential test: aimaq's findings against an independent GEOS reference.
//!
//! Builds a deterministic synthetic constraint dataset at UTM 43N magnitudes (every
//! layer of the catalog, ranges, fixed widths, settlement-dependent widths, an overlap
//! rule), ~300 parcels placed around the features at distances spread over their limits,
//! checks them with the engine, writes features (with each rule's resolved limit),
//! parcels and findings to JSON, and has `tests/geos_reference.py` (shapely 2) recompute
//! every finding and compare. Needs `python3` with shapely 2 (`pip install shapely`).

use aimaq_check::{ConstraintFeature, Engine, Parcel, Projected, Verdict};
use aimaq_rules::{Catalog, IssueLevel, Limit, Severity};
use geo::{
    Contains, Coord, Distance, Euclidean, Geometry, LineString, MultiPolygon, Point, Polygon,
};
use serde_json::{json, Value};
use std::f64::consts::PI;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// Origin of the synthetic area: UTM 43N magnitudes, near Almaty.
const X0: f64 = 650_000.0;
const Y0: f64 = 4_790_000.0;

/// SplitMix64: a tiny deterministic generator, enough for placing test geometry.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.unit()
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    fn sign(&mut self) -> f64 {
        if self.next_u64() & 1 == 1 {
            1.0
        } else {
            -1.0
        }
    }
}

/// A coordinate given relative to the origin.
fn at(x: f64, y: f64) -> Coord<f64> {
    Coord {
        x: X0 + x,
        y: Y0 + y,
    }
}

/// A polyline through `controls` (relative metres), densified to about `step` metres,
/// inner vertices jittered by up to `jitter` metres.
fn polyline(rng: &mut Rng, controls: &[(f64, f64)], step: f64, jitter: f64) -> LineString<f64> {
    let mut pts = vec![at(controls[0].0, controls[0].1)];
    for w in controls.windows(2) {
        let ((ax, ay), (bx, by)) = (w[0], w[1]);
        let n = (((bx - ax).hypot(by - ay)) / step).ceil().max(1.0) as usize;
        for i in 1..=n {
            let t = i as f64 / n as f64;
            let (mut x, mut y) = (ax + (bx - ax) * t, ay + (by - ay) * t);
            if i < n {
                x += rng.range(-jitter, jitter);
                y += rng.range(-jitter, jitter);
            }
            pts.push(at(x, y));
        }
    }
    LineString::new(pts)
}

/// A closed star-shaped ring around (cx, cy): radius `r` modulated by `waves`
/// (amplitude as a fraction of `r`, frequency, phase) and a little noise. Simple as long
/// as the modulation stays well below 1. Counter-clockwise unless `clockwise`.
fn radial_ring(
    rng: &mut Rng,
    (cx, cy): (f64, f64),
    r: f64,
    n: usize,
    waves: &[(f64, f64, f64)],
    clockwise: bool,
) -> LineString<f64> {
    let mut pts: Vec<Coord<f64>> = (0..n)
        .map(|i| {
            let th = 2.0 * PI * i as f64 / n as f64;
            let k = 1.0
                + waves
                    .iter()
                    .map(|(a, f, p)| a * (f * th + p).sin())
                    .sum::<f64>()
                + rng.range(-0.02, 0.02);
            at(cx + r * k * th.cos(), cy + r * k * th.sin())
        })
        .collect();
    if clockwise {
        pts.reverse();
    }
    pts.push(pts[0]);
    LineString::new(pts)
}

/// A closed rectangle ring, `w` × `h`, centred at `c`, turned by `angle`.
fn rect_ring(c: Coord<f64>, w: f64, h: f64, angle: f64, clockwise: bool) -> LineString<f64> {
    let (s, co) = angle.sin_cos();
    let mut corners: Vec<(f64, f64)> = vec![(-w, -h), (w, -h), (w, h), (-w, h)];
    if clockwise {
        corners.reverse();
    }
    let mut pts: Vec<Coord<f64>> = corners
        .into_iter()
        .map(|(x, y)| {
            let (x, y) = (x / 2.0, y / 2.0);
            Coord {
                x: c.x + x * co - y * s,
                y: c.y + x * s + y * co,
            }
        })
        .collect();
    pts.push(pts[0]);
    LineString::new(pts)
}

struct SynthFeature {
    layer: &'static str,
    attrs: Value,
    geometry: Geometry<f64>,
}

fn feature(layer: &'static str, attrs: Value, geometry: impl Into<Geometry<f64>>) -> SynthFeature {
    SynthFeature {
        layer,
        attrs,
        geometry: geometry.into(),
    }
}

/// The constraint dataset: every layer of the catalog.
fn dataset(rng: &mut Rng) -> Vec<SynthFeature> {
    let mut out = Vec::new();

    // Turgen: a meandering river of 2,001 vertices, 8 m apart, named → decree ranges.
    let turgen: Vec<Coord<f64>> = (0..=2000)
        .map(|i| {
            let x = -8000.0 + 8.0 * i as f64;
            let y = 6000.0
                + 350.0 * (x / 700.0).sin()
                + 120.0 * (x / 230.0 + 1.3).sin()
                + 25.0 * (x / 61.0 + 0.4).sin()
                + rng.range(-1.5, 1.5);
            at(x, y)
        })
        .collect();
    out.push(feature(
        "water_bodies",
        json!({"id": "wb-turgen", "name": "Turgen", "kind": "river"}),
        LineString::new(turgen),
    ));
    // Kaskelen: a river with its own project widths.
    let kaskelen = polyline(
        rng,
        &[
            (-9000.0, -8500.0),
            (-8200.0, -3000.0),
            (-9300.0, 2000.0),
            (-8000.0, 9000.0),
        ],
        40.0,
        6.0,
    );
    out.push(feature(
        "water_bodies",
        json!({"id": "wb-kaskelen", "name": "Kaskelen", "kind": "river", "belt_m": 40, "zone_m": 500}),
        kaskelen,
    ));
    // Kapshagay reservoir: a 150-vertex polygon, zones measured outward from it.
    let reservoir = radial_ring(
        rng,
        (5200.0, -5600.0),
        1600.0,
        150,
        &[(0.18, 3.0, 0.3), (0.06, 7.0, 1.1)],
        false,
    );
    out.push(feature(
        "water_bodies",
        json!({"id": "wb-kapshagay", "name": "Kapshagay reservoir", "kind": "reservoir"}),
        Polygon::new(reservoir, vec![]),
    ));

    // Two settlements; the railway crosses the first.
    let settlement_a = radial_ring(
        rng,
        (-2000.0, -1000.0),
        1300.0,
        48,
        &[(0.12, 4.0, 0.7)],
        false,
    );
    let settlement_b = radial_ring(rng, (3000.0, 2600.0), 800.0, 36, &[(0.1, 3.0, 2.0)], false);
    out.push(feature(
        "settlements",
        json!({"id": "st-a", "name": "Settlement A"}),
        Polygon::new(settlement_a, vec![]),
    ));
    out.push(feature(
        "settlements",
        json!({"id": "st-b", "name": "Settlement B"}),
        Polygon::new(settlement_b, vec![]),
    ));
    let railway = polyline(
        rng,
        &[(-8500.0, -3500.0), (-2000.0, -1700.0), (8500.0, 1000.0)],
        300.0,
        20.0,
    );
    out.push(feature(
        "railways",
        json!({"id": "rw-1", "name": "Almaty – Kapshagay"}),
        railway,
    ));

    // Power lines.
    out.push(feature(
        "power_lines",
        json!({"id": "pl-220", "name": "220 kV line", "voltage_kv": 220}),
        polyline(
            rng,
            &[(-6000.0, 8000.0), (0.0, 3000.0), (7000.0, -2000.0)],
            900.0,
            40.0,
        ),
    ));
    out.push(feature(
        "power_lines",
        json!({"id": "pl-500", "name": "500 kV line", "voltage_kv": 500}),
        polyline(
            rng,
            &[(-7000.0, -7000.0), (-3000.0, 1000.0), (2000.0, 9000.0)],
            1000.0,
            40.0,
        ),
    ));

    // Water conduits: dry 800 mm (10 m), dry 1200 mm (20 m), wet soil (50 m).
    out.push(feature(
        "water_conduits",
        json!({"id": "wc-dry-800", "name": "Conduit 1", "soil": "dry", "diameter_mm": 800}),
        polyline(
            rng,
            &[(-4000.0, 3000.0), (1000.0, 3600.0), (6000.0, 4200.0)],
            700.0,
            25.0,
        ),
    ));
    out.push(feature(
        "water_conduits",
        json!({"id": "wc-dry-1200", "name": "Conduit 2", "soil": "dry", "diameter_mm": 1200}),
        polyline(
            rng,
            &[(-6000.0, -6000.0), (-2000.0, -7200.0), (1000.0, -8000.0)],
            600.0,
            25.0,
        ),
    ));
    out.push(feature(
        "water_conduits",
        json!({"id": "wc-wet", "name": "Conduit 3", "soil": "wet"}),
        polyline(
            rng,
            &[(0.0, -9000.0), (600.0, 0.0), (1000.0, 9000.0)],
            800.0,
            30.0,
        ),
    ));

    // Trunk gas pipeline: the law's 50 m.
    out.push(feature(
        "gas_pipelines",
        json!({"id": "gp-1", "name": "Gas trunk", "diameter_mm": 1020}),
        polyline(
            rng,
            &[(-9000.0, 2000.0), (0.0, 700.0), (9000.0, -1000.0)],
            800.0,
            30.0,
        ),
    ));

    // Road corridors: one with its decree width (130 m → 65 each side), one range.
    out.push(feature(
        "road_corridors",
        json!({"id": "rc-wewc", "name": "Western Europe – Western China", "corridor_m": 130}),
        polyline(
            rng,
            &[(-9000.0, -8500.0), (0.0, 0.0), (9000.0, 8500.0)],
            900.0,
            30.0,
        ),
    ));
    let ring: Vec<(f64, f64)> = (0..=40)
        .map(|i| {
            let th = (200.0 + 140.0 * i as f64 / 40.0).to_radians();
            (7000.0 * th.cos(), 7000.0 * th.sin())
        })
        .collect();
    out.push(feature(
        "road_corridors",
        json!({"id": "rc-semiring", "name": "Middle semi-ring (Pervomai and Kapshagay bypass)"}),
        polyline(rng, &ring, 400.0, 10.0),
    ));

    // A protected area with a hole (overlap rule).
    let spna_outer = radial_ring(
        rng,
        (-5000.0, 4000.0),
        1000.0,
        60,
        &[(0.15, 5.0, 0.2)],
        false,
    );
    let spna_hole = radial_ring(rng, (-5000.0, 4000.0), 250.0, 24, &[(0.1, 3.0, 0.0)], true);
    out.push(feature(
        "protected_areas",
        json!({"id": "pa-1", "name": "Reserve", "category": "zakaznik"}),
        Polygon::new(spna_outer, vec![spna_hole]),
    ));
    out
}

/// A line (or ring) parcels are placed around, either side.
struct Target {
    line: LineString<f64>,
    /// Segment indices to place at (all when empty).
    segments: Vec<usize>,
    /// The feature's limits (m): a parcel goes up to 1.2× one of them away, so that
    /// every limit, not only the widest, is straddled.
    spreads: Vec<f64>,
}

impl Target {
    /// A random point on the target and the unit normal there.
    fn point(&self, rng: &mut Rng) -> (Coord<f64>, Coord<f64>) {
        let seg = if self.segments.is_empty() {
            rng.below(self.line.0.len() - 1)
        } else {
            self.segments[rng.below(self.segments.len())]
        };
        let (a, b) = (self.line.0[seg], self.line.0[seg + 1]);
        let t = rng.unit();
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len = dx.hypot(dy);
        (
            Coord {
                x: a.x + dx * t,
                y: a.y + dy * t,
            },
            Coord {
                x: -dy / len,
                y: dx / len,
            },
        )
    }
}

fn parcels(rng: &mut Rng, features: &[SynthFeature], catalog: &Catalog) -> Vec<Parcel> {
    let limits = |f: &SynthFeature| -> Vec<f64> {
        let mut out = Vec::new();
        for r in catalog.rules_for_layer(f.layer) {
            match r
                .resolve(f.attrs.as_object().unwrap())
                .zone
                .map(|z| z.limit)
            {
                Some(Limit::Fixed { m }) => out.push(m),
                Some(Limit::Range { min, max }) => out.extend([min, max]),
                Some(Limit::BySettlement { inside, outside }) => out.extend([inside, outside]),
                Some(Limit::Overlap) | None => {}
            }
        }
        out
    };
    let by_id = |id: &str| features.iter().find(|f| f.attrs["id"] == id).unwrap();
    let exterior = |f: &SynthFeature| match &f.geometry {
        Geometry::Polygon(p) => p.exterior().clone(),
        _ => unreachable!(),
    };

    let mut targets = Vec::new();
    for f in features {
        let spreads = match limits(f) {
            l if !l.is_empty() => l,
            _ if f.layer == "settlements" => vec![50.0],
            _ => vec![125.0], // the overlap rule: either side of the edge
        };
        match &f.geometry {
            Geometry::LineString(l) => targets.push(Target {
                line: l.clone(),
                segments: vec![],
                spreads,
            }),
            Geometry::Polygon(p) => {
                for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                    targets.push(Target {
                        line: ring.clone(),
                        segments: vec![],
                        spreads: spreads.clone(),
                    });
                }
            }
            _ => unreachable!(),
        }
    }
    // Where the railway enters and leaves settlement A: its width changes there.
    let rail = match &by_id("rw-1").geometry {
        Geometry::LineString(l) => l.clone(),
        _ => unreachable!(),
    };
    let settlement_a = Polygon::new(exterior(by_id("st-a")), vec![]);
    let inside: Vec<bool> = rail
        .0
        .iter()
        .map(|c| settlement_a.contains(&Point::from(*c)))
        .collect();
    let crossings: Vec<usize> = (0..rail.0.len() - 1)
        .filter(|&i| inside[i] != inside[i + 1])
        .collect();
    assert_eq!(
        crossings.len(),
        2,
        "the railway should cross settlement A twice"
    );
    let rail_near_edges = Target {
        line: rail.clone(),
        segments: crossings,
        spreads: vec![20.0, 50.0],
    };
    // Settlement A's edge near the railway.
    let edge_a = exterior(by_id("st-a"));
    let edge_near_rail: Vec<usize> = (0..edge_a.0.len() - 1)
        .filter(|&i| {
            let mid = Point::new(
                (edge_a.0[i].x + edge_a.0[i + 1].x) / 2.0,
                (edge_a.0[i].y + edge_a.0[i + 1].y) / 2.0,
            );
            Euclidean.distance(&mid, &rail) < 200.0
        })
        .collect();
    assert!(!edge_near_rail.is_empty());
    let settlement_edge = Target {
        line: edge_a,
        segments: edge_near_rail,
        spreads: vec![],
    };
    // Polygon edges to straddle with two-part parcels, one part each side.
    let straddle = [
        Target {
            line: exterior(by_id("wb-kapshagay")),
            segments: vec![],
            spreads: vec![],
        },
        Target {
            line: exterior(by_id("pa-1")),
            segments: vec![],
            spreads: vec![],
        },
        settlement_edge,
    ];

    let mut out = Vec::new();
    let push = |out: &mut Vec<Parcel>, kind: &str, mp: MultiPolygon<f64>| {
        let id = format!("p{:03}-{kind}", out.len());
        out.push(Parcel {
            id,
            proposed_use: None,
            geometry: Projected::assume_metres(mp),
        });
    };
    let place = |rng: &mut Rng, t: &Target| -> Coord<f64> {
        let (p, n) = t.point(rng);
        let spread = 1.2 * t.spreads[rng.below(t.spreads.len())];
        let d = rng.sign() * rng.range(0.0, spread);
        Coord {
            x: p.x + n.x * d,
            y: p.y + n.y * d,
        }
    };
    // 260 plain rectangles, 40 of them where the railway meets settlement A.
    for i in 0..260 {
        let t = if i % 6 == 5 {
            &rail_near_edges
        } else {
            &targets[rng.below(targets.len())]
        };
        let c = place(rng, t);
        let (w, h, a) = (
            rng.range(20.0, 80.0),
            rng.range(20.0, 80.0),
            rng.range(0.0, PI),
        );
        push(
            &mut out,
            "rect",
            Polygon::new(rect_ring(c, w, h, a, false), vec![]).into(),
        );
    }
    // 20 with a hole; a third centred on the feature itself.
    for i in 0..20 {
        let t = &targets[rng.below(targets.len())];
        let c = if i % 3 == 0 {
            t.point(rng).0
        } else {
            place(rng, t)
        };
        let (w, h, a) = (
            rng.range(40.0, 80.0),
            rng.range(40.0, 80.0),
            rng.range(0.0, PI),
        );
        let hole = rect_ring(c, 0.5 * w, 0.5 * h, a, true);
        push(
            &mut out,
            "holed",
            Polygon::new(rect_ring(c, w, h, a, false), vec![hole]).into(),
        );
    }
    // 20 two-part parcels: half astride a polygon edge (the gap on the edge), half anywhere.
    for i in 0..20 {
        let (c, a, gap) = if i % 2 == 0 {
            let t = &straddle[(i / 2) % straddle.len()];
            let (p, n) = t.point(rng);
            let gap = rng.range(8.0, 30.0);
            let s = rng.range(-0.3, 0.3) * gap;
            (
                Coord {
                    x: p.x + n.x * s,
                    y: p.y + n.y * s,
                },
                n.y.atan2(n.x),
                gap,
            )
        } else {
            let t = &targets[rng.below(targets.len())];
            (place(rng, t), rng.range(0.0, PI), rng.range(3.0, 40.0))
        };
        let (w, h) = (rng.range(20.0, 60.0), rng.range(20.0, 60.0));
        let off = (w + gap) / 2.0;
        let (s, co) = a.sin_cos();
        let part = |k: f64| {
            let cc = Coord {
                x: c.x + k * off * co,
                y: c.y + k * off * s,
            };
            Polygon::new(rect_ring(cc, w, h, a, false), vec![])
        };
        // which side comes first alternates: the first vertex must not decide anything
        let parts = if i % 4 < 2 {
            vec![part(-1.0), part(1.0)]
        } else {
            vec![part(1.0), part(-1.0)]
        };
        push(&mut out, "multi", MultiPolygon(parts));
    }
    out
}

fn coords(l: &LineString<f64>) -> Value {
    Value::Array(l.0.iter().map(|c| json!([c.x, c.y])).collect())
}

fn polygon_coords(p: &Polygon<f64>) -> Value {
    let mut rings = vec![coords(p.exterior())];
    rings.extend(p.interiors().iter().map(coords));
    Value::Array(rings)
}

fn geometry_json(g: &Geometry<f64>) -> Value {
    match g {
        Geometry::LineString(l) => json!({"type": "LineString", "coordinates": coords(l)}),
        Geometry::Polygon(p) => json!({"type": "Polygon", "coordinates": polygon_coords(p)}),
        _ => unreachable!("the synthetic dataset has lines and polygons only"),
    }
}

fn limit_json(limit: Limit) -> Value {
    match limit {
        Limit::Fixed { m } => json!({"kind": "fixed", "m": m}),
        Limit::Range { min, max } => json!({"kind": "range", "min": min, "max": max}),
        Limit::BySettlement { inside, outside } => {
            json!({"kind": "by_settlement", "inside": inside, "outside": outside})
        }
        Limit::Overlap => json!({"kind": "overlap"}),
    }
}

fn severity_str(s: Severity) -> &'static str {
    s.as_str()
}

#[test]
fn findings_agree_with_geos() {
    let started = Instant::now();
    let mut rng = Rng(0x00A1_3A9A_2020_0514);
    let catalog = Catalog::embedded();
    let synth = dataset(&mut rng);
    let lots = parcels(&mut rng, &synth, &catalog);
    assert!(synth
        .iter()
        .any(|f| matches!(&f.geometry, Geometry::LineString(l) if l.0.len() > 2000)));

    let features: Vec<ConstraintFeature> = synth
        .iter()
        .map(|f| ConstraintFeature {
            layer: f.layer.to_string(),
            attributes: f.attrs.as_object().unwrap().clone(),
            geometry: Ok(Projected::assume_metres(f.geometry.clone())),
        })
        .collect();
    let engine = Engine::new(Catalog::embedded(), "EPSG:32643", features);
    let problems: Vec<_> = engine
        .issues()
        .iter()
        .filter(|i| i.level == IssueLevel::Error)
        .collect();
    assert!(problems.is_empty(), "dataset errors: {problems:#?}");
    let built = started.elapsed();
    let reports = engine.check_all(&lots);
    let checked = started.elapsed();

    let mut findings = Vec::new();
    for r in &reports {
        assert!(
            r.error.is_none() && r.verdict != Verdict::Error,
            "{}: {:?}",
            r.id,
            r.error
        );
        for f in &r.findings {
            findings.push(json!({
                "parcel": r.id, "rule": f.rule, "layer": f.layer, "feature": f.feature,
                "severity": severity_str(f.severity), "distance_m": f.distance_m,
                "limit_m": f.limit_m, "encumbered_m2": f.encumbered_m2,
            }));
        }
    }

    let feature_json: Vec<Value> = synth
        .iter()
        .map(|f| {
            let attrs = f.attrs.as_object().unwrap();
            // the parcels state no use: each zone means what its regime says for construction
            let rules: Vec<Value> = catalog
                .rules_for_layer(f.layer)
                .filter(|rule| rule.applies_to(attrs))
                .filter_map(|rule| {
                    let severity = rule.regime().cell_for(catalog.default_use(), attrs).regime.severity()?;
                    let res = rule.resolve(attrs);
                    let zone = res.zone.unwrap_or_else(|| panic!("{} has no zone for {}: {:?}", attrs["id"], rule.id(), res.problems));
                    Some(json!({"rule": rule.id(), "severity": severity_str(severity), "limit": limit_json(zone.limit)}))
                })
                .collect();
            json!({"layer": f.layer, "id": f.attrs["id"], "geometry": geometry_json(&f.geometry), "rules": rules})
        })
        .collect();
    let parcel_json: Vec<Value> = lots
        .iter()
        .map(|p| {
            let polys: Vec<Value> = p.geometry.geometry().0.iter().map(polygon_coords).collect();
            json!({"id": p.id, "geometry": {"type": "MultiPolygon", "coordinates": polys}})
        })
        .collect();
    let settlement_layers = catalog.condition_layers();
    assert_eq!(settlement_layers.len(), 1);
    let case = json!({
        "crs": engine.crs(),
        "settlement_layer": settlement_layers[0],
        "features": feature_json,
        "parcels": parcel_json,
        "findings": findings,
    });

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("differential");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("case.json");
    std::fs::write(&path, serde_json::to_string(&case).unwrap()).unwrap();
    println!(
        "{} features, {} parcels, {} findings from aimaq; case written to {}",
        synth.len(),
        lots.len(),
        findings.len(),
        path.display()
    );

    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/geos_reference.py");
    let probe = Command::new("python3")
        .args(["-c", "import shapely, sys; sys.exit(0 if int(shapely.__version__.split('.')[0]) >= 2 else 1)"])
        .output();
    match probe {
        Err(e) => panic!("python3 is needed for the GEOS reference ({e}): install Python 3, then `pip install shapely`"),
        Ok(o) if !o.status.success() => panic!(
            "the GEOS reference needs shapely 2 (`pip install shapely`): {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Ok(_) => {}
    }
    let out = Command::new("python3")
        .arg(&script)
        .arg(&path)
        .output()
        .expect("python3 runs");
    let done = started.elapsed();
    println!("{}", String::from_utf8_lossy(&out.stdout));
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    println!(
        "timings: dataset+index {:.2?}, check_all {:.2?}, GEOS reference {:.2?}",
        built,
        checked - built,
        done - checked
    );
    assert!(
        out.status.success(),
        "aimaq and GEOS disagree (exit {:?}):\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
