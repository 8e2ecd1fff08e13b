//! Issue 23: limits decided on the ground, through the command line. The fixture
//! (`fixtures/ground`, written by its `make.py` with pyproj's geographiclib) has two rivers
//! drawn as meridians with `zone_m` = 500 and parcels at known distances from them on the
//! WGS84 ellipsoid.

use std::path::Path;

mod common;
use common::{aimaq, repo, text};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn check(extra: &[&str]) -> serde_json::Value {
    let data = repo("fixtures/ground/data");
    let parcels = repo("fixtures/ground/parcels.geojson");
    let mut args = vec!["check", "--data", s(&data), "--format", "json"];
    args.extend_from_slice(extra);
    args.push(s(&parcels));
    let run = aimaq(&args);
    assert!(matches!(run.status.code(), Some(0 | 2)), "{}", text(&run));
    serde_json::from_slice(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&run)))
}

/// The `water.zone` findings of parcel `id`: (feature, distance_m).
fn zone_findings(doc: &serde_json::Value, id: &str) -> Vec<(String, f64)> {
    let p = doc["parcels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("no parcel {id}"));
    assert!(p["error"].is_null(), "{p}");
    p["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "water.zone")
        .map(|f| {
            (
                f["feature"].as_str().unwrap().to_string(),
                f["distance_m"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_parcel_499_85_m_from_a_river_at_78_3_e_is_in_its_500_m_zone() {
    let doc = check(&[]);
    // UTM 43N reads the 499.85 m as 500.09 m there: without the ground it was clear
    let found = zone_findings(&doc, "G-1");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "r-783");
    assert!((found[0].1 - 499.850).abs() <= 0.001, "{}", found[0].1);
}

#[test]
fn a_parcel_500_04_m_from_a_river_at_76_9_e_is_outside_its_zone() {
    let doc = check(&[]);
    // UTM 43N reads it as 499.985 m: a finding it was outside of, before
    assert_eq!(zone_findings(&doc, "G-2"), vec![]);
    // both sides of both rivers
    assert_eq!(zone_findings(&doc, "G-3"), vec![]);
    let g4 = zone_findings(&doc, "G-4");
    assert_eq!(g4.len(), 1, "{g4:?}");
    assert!((g4[0].1 - 499.950).abs() <= 0.001, "{}", g4[0].1);
}

#[test]
fn another_conformal_crs_gives_the_same_ground_answers() {
    // a transverse Mercator on 72°E reads lengths 0.2–0.5 % long here; measured on the
    // ground, the answers are UTM 43N's to the millimetre
    let tm72 = "+proj=tmerc +lon_0=72 +k=1 +x_0=500000 +datum=WGS84 +units=m +no_defs +type=crs";
    let utm = check(&[]);
    let other = check(&["--crs", tm72]);
    for id in ["G-1", "G-2", "G-3", "G-4"] {
        let (a, b) = (zone_findings(&utm, id), zone_findings(&other, id));
        assert_eq!(a.len(), b.len(), "{id}: {a:?} {b:?}");
        for (x, y) in a.iter().zip(&b) {
            assert!((x.1 - y.1).abs() <= 0.001, "{id}: {x:?} {y:?}");
        }
    }
    let area = |doc: &serde_json::Value| doc["parcels"][0]["area_m2"].as_f64().unwrap();
    assert!((area(&utm) / area(&other) - 1.0).abs() < 1e-6);
}
