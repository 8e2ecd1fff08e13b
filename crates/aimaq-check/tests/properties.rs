//! Property tests of the engine on generated scenes (issue 9): whatever the geometry,
//! the answers keep the promises that make them trustworthy.
//!
//! - every parcel in is a report out, in order;
//! - the encumbered area never exceeds the parcel, and never shrinks as a width grows;
//! - moving the whole scene by a kilometre changes no finding;
//! - one thread and several give the same reports.
//!
//! CI runs the default number of cases; `PROPTEST_CASES=100000 cargo test --release -p
//! aimaq-check --test properties` runs a longer slice (docs/reliability.md keeps the
//! count).

use aimaq_check::{ConstraintFeature, Engine, Parcel, ParcelReport, Projected};
use aimaq_rules::Catalog;
use geo::{Coord, Geometry, LineString, MultiPolygon, Polygon, Rotate, Translate};
use proptest::prelude::*;

/// A sanitary-protection zone around a site: its width is the `spz_m` attribute, so one
/// scene can be measured at several widths.
fn site(id: &str, ring: &[(f64, f64)], spz_m: f64) -> ConstraintFeature {
    ConstraintFeature {
        layer: "sanitary_zones".into(),
        attributes: serde_json::json!({"id": id, "spz_m": spz_m})
            .as_object()
            .unwrap()
            .clone(),
        geometry: Ok(Projected::assume_metres(Geometry::Polygon(Polygon::new(
            LineString::from(ring.to_vec()),
            vec![],
        )))),
    }
}

/// A 500 kV line (30 m zone) along `points`.
fn line(id: &str, points: &[(f64, f64)]) -> ConstraintFeature {
    ConstraintFeature {
        layer: "power_lines".into(),
        attributes: serde_json::json!({"id": id, "voltage_kv": 500})
            .as_object()
            .unwrap()
            .clone(),
        geometry: Ok(Projected::assume_metres(Geometry::LineString(
            LineString::from(points.to_vec()),
        ))),
    }
}

/// A rectangular lot `w` × `h` m centred on (`x`, `y`), turned by `angle` degrees.
fn lot(id: usize, x: f64, y: f64, w: f64, h: f64, angle: f64) -> Parcel {
    let rect = geo::Rect::new(
        Coord {
            x: x - w / 2.0,
            y: y - h / 2.0,
        },
        Coord {
            x: x + w / 2.0,
            y: y + h / 2.0,
        },
    )
    .to_polygon()
    .rotate_around_centroid(angle);
    Parcel {
        id: format!("lot-{id}"),
        proposed_use: Some("residential".into()),
        geometry: Projected::assume_metres(MultiPolygon(vec![rect])),
    }
}

/// A site as a convex-ish ring of `n` points around (`x`, `y`) with radii `r`.
fn ring(x: f64, y: f64, radii: &[f64]) -> Vec<(f64, f64)> {
    let n = radii.len();
    let mut ring: Vec<(f64, f64)> = radii
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            (x + r * a.cos(), y + r * a.sin())
        })
        .collect();
    ring.push(ring[0]);
    ring
}

prop_compose! {
    fn parcels()(specs in prop::collection::vec(
        (-600.0..600.0f64, -600.0..600.0f64, 5.0..300.0f64, 5.0..300.0f64, 0.0..180.0f64), 1..12)
    ) -> Vec<Parcel> {
        specs.into_iter().enumerate().map(|(i, (x, y, w, h, a))| lot(i, x, y, w, h, a)).collect()
    }
}

prop_compose! {
    fn scene()(radii in prop::collection::vec(50.0..200.0f64, 5..9),
               path in prop::collection::vec((-800.0..800.0f64, -800.0..800.0f64), 2..6),
               spz in 1.0..400.0f64) -> (Vec<(f64, f64)>, Vec<(f64, f64)>, f64) {
        (ring(0.0, 0.0, &radii), path, spz)
    }
}

fn engine(site_ring: &[(f64, f64)], path: &[(f64, f64)], spz: f64) -> Engine {
    Engine::new(
        Catalog::embedded(),
        "EPSG:32643",
        vec![site("sz-1", site_ring, spz), line("pl-1", path)],
    )
}

/// A finding as (rule, feature, distance, encumbered m²).
type Answer = (String, String, f64, f64);

/// Every parcel's findings, for comparing answers.
fn answers(reports: &[ParcelReport]) -> Vec<(String, Vec<Answer>)> {
    reports
        .iter()
        .map(|r| {
            let findings = r
                .findings
                .iter()
                .map(|f| {
                    (
                        f.rule.clone(),
                        f.feature.clone(),
                        f.distance_m,
                        f.encumbered_m2,
                    )
                })
                .collect();
            (r.id.clone(), findings)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_parcel_in_is_a_report_out_and_areas_stay_inside_the_parcel(
        (site_ring, path, spz) in scene(), parcels in parcels()
    ) {
        let engine = engine(&site_ring, &path, spz);
        let reports = engine.check_all(&parcels);
        prop_assert_eq!(reports.len(), parcels.len());
        for (p, r) in parcels.iter().zip(&reports) {
            prop_assert_eq!(&p.id, &r.id);
            prop_assert!(r.error.is_none(), "{:?}", r.error);
            for f in &r.findings {
                prop_assert!(f.encumbered_m2 <= r.area_m2 * (1.0 + 1e-9) + 1e-6,
                    "{} {}: {} m² of a {} m² parcel", r.id, f.rule, f.encumbered_m2, r.area_m2);
                prop_assert!(f.encumbered_share <= 1.0);
            }
            if let Some(e) = &r.encumbrance {
                prop_assert!(e.total.m2 <= r.area_m2 * (1.0 + 1e-9) + 1e-6);
            }
        }
    }

    #[test]
    fn a_wider_zone_never_encumbers_less(
        (site_ring, path, spz) in scene(), extra in 0.1..300.0f64, parcels in parcels()
    ) {
        let narrow = engine(&site_ring, &path, spz).check_all(&parcels);
        let wide = engine(&site_ring, &path, spz + extra).check_all(&parcels);
        for (n, w) in narrow.iter().zip(&wide) {
            let area = |r: &ParcelReport| r.findings.iter()
                .filter(|f| f.rule == "sanitary.protection_zone")
                .map(|f| f.encumbered_m2).sum::<f64>();
            // 2 mm arcs near vertices and polygonal circles: a hair of tolerance
            prop_assert!(area(w) >= area(n) - 1e-3 * (1.0 + area(n)),
                "{}: {} m² at {} m, {} m² at {} m", n.id, area(n), spz, area(w), spz + extra);
        }
    }

    #[test]
    fn moving_the_whole_scene_by_a_kilometre_changes_no_finding(
        (site_ring, path, spz) in scene(), parcels in parcels(), dx in -1000.0..1000.0f64
    ) {
        let here = engine(&site_ring, &path, spz).check_all(&parcels);
        let shift = |pts: &[(f64, f64)]| pts.iter().map(|(x, y)| (x + dx, y + 1000.0)).collect::<Vec<_>>();
        let moved: Vec<Parcel> = parcels.iter().map(|p| Parcel {
            geometry: Projected::assume_metres(p.geometry.geometry().translate(dx, 1000.0)),
            ..p.clone()
        }).collect();
        let there = engine(&shift(&site_ring), &shift(&path), spz).check_all(&moved);
        let (a, b) = (answers(&here), answers(&there));
        prop_assert_eq!(a.len(), b.len());
        for ((id, fa), (_, fb)) in a.iter().zip(&b) {
            let keys = |f: &Vec<Answer>| f.iter().map(|x| (x.0.clone(), x.1.clone())).collect::<Vec<_>>();
            prop_assert_eq!(keys(fa), keys(fb), "{}", id);
            for (x, y) in fa.iter().zip(fb) {
                prop_assert!((x.2 - y.2).abs() < 1e-6, "{} {}: distance {} vs {}", id, x.0, x.2, y.2);
                prop_assert!((x.3 - y.3).abs() <= 1e-6 * (1.0 + x.3), "{} {}: area {} vs {}", id, x.0, x.3, y.3);
            }
        }
    }

    #[test]
    fn one_thread_and_two_give_identical_reports(
        (site_ring, path, spz) in scene(), parcels in parcels()
    ) {
        let engine = engine(&site_ring, &path, spz);
        let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
        let one = pool(1).install(|| engine.check_all(&parcels));
        let two = pool(2).install(|| engine.check_all(&parcels));
        prop_assert_eq!(
            serde_json::to_string(&one).unwrap(),
            serde_json::to_string(&two).unwrap()
        );
        // the compact report's check: the same reports, only the messages and the quoted
        // law left out
        let mut quiet: Vec<_> = parcels.iter().map(|p| engine.check_without_messages(p)).collect();
        let mut said = one;
        for r in quiet.iter_mut().chain(said.iter_mut()) {
            for f in &mut r.findings {
                f.message.clear();
                f.law.clear();
            }
        }
        prop_assert_eq!(serde_json::to_string(&quiet).unwrap(), serde_json::to_string(&said).unwrap());
    }
}
