//! Differential test of issue 23: aimaq's ground-true limits against geographiclib.
//!
//! `tests/ground_reference.py generate` (pyproj's `Geod`, i.e. geographiclib) places
//! features of every rule kind — fixed widths of lines, attribute widths of rivers, a
//! range, both widths of a settlement-dependent zone, a polygon's outward zone, an
//! overlap — over the agglomeration's whole extent (75.5–79.5°E, 42.8–44.2°N), and for
//! each a parcel whose nearest point is a known geodesic distance from it: most within
//! ±5 cm of a limit (never nearer than 2 mm), on both sides, some well inside. This test
//! measures them in UTM 43N with the engine as every surface opens it (the PROJ ground of
//! `aimaq_io::distortion::ground`) and asserts:
//!
//! * decisions exact: each parcel's findings are exactly the rules whose limit its ground
//!   distance is under, with their limits and severities;
//! * every `distance_m` within 1 mm of the ground distance;
//! * every `area_m2` within 0.01 % of the ellipsoidal area (`Geod.polygon_area_perimeter`);
//!
//! then `ground_reference.py verify` recomputes every `encumbered_m2` on the ground (GEOS
//! in a transverse Mercator centred on the parcel) within 0.01 % (0.01 % of the parcel for
//! the slivers of parcels at a limit). Needs a Python with pyproj and shapely: the test
//! venv (`AIMAQ_VENV`, default `~/.cache/aimaq/venv`, made by `.ci/setup-tests`), else
//! `python3`.

use aimaq_check::{ConstraintFeature, Engine, Parcel, Projected};
use aimaq_proj::{MetricCrs, Reprojector};
use aimaq_rules::{Catalog, IssueLevel, Limit, Severity};
use geo::orient::{Direction, Orient};
use geo::{Coord, Geometry, LineString, MultiPolygon, Polygon};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

fn python() -> String {
    let venv = std::env::var("AIMAQ_VENV").unwrap_or_else(|_| {
        format!(
            "{}/.cache/aimaq/venv",
            std::env::var("HOME").unwrap_or_default()
        )
    });
    let candidate = format!("{venv}/bin/python");
    for py in [candidate.as_str(), "python3"] {
        let ok = Command::new(py)
            .args(["-c", "import pyproj, shapely"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return py.to_string();
        }
    }
    panic!("the ground reference needs a Python with pyproj and shapely: run .ci/setup-tests (the test venv), or `pip install pyproj shapely`")
}

fn ring(v: &Value) -> LineString<f64> {
    LineString::new(
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| Coord {
                x: p[0].as_f64().unwrap(),
                y: p[1].as_f64().unwrap(),
            })
            .collect(),
    )
}

fn geometry(v: &Value) -> Geometry<f64> {
    match v["type"].as_str().unwrap() {
        "LineString" => ring(&v["coordinates"]).into(),
        "Polygon" => Polygon::new(ring(&v["coordinates"][0]), vec![]).into(),
        t => panic!("{t}"),
    }
}

fn severity_str(s: Severity) -> String {
    format!("{s:?}").to_lowercase()
}

#[test]
fn limits_distances_and_areas_agree_with_geographiclib_on_the_ground() {
    let py = python();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ground_reference");
    std::fs::create_dir_all(&dir).unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/ground_reference.py");
    let case_path = dir.join("case.json");
    let out = Command::new(&py)
        .arg(&script)
        .arg("generate")
        .arg(&case_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let case: Value = serde_json::from_slice(&std::fs::read(&case_path).unwrap()).unwrap();

    let utm = MetricCrs::new("EPSG:32643").unwrap();
    let to_utm = Reprojector::new(&utm).unwrap();
    let catalog = Catalog::embedded();
    let features: Vec<ConstraintFeature> = case["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| ConstraintFeature {
            layer: f["layer"].as_str().unwrap().to_string(),
            attributes: f["attributes"].as_object().unwrap().clone(),
            geometry: Ok(Projected::assume_metres(
                to_utm.to_metric(&geometry(&f["geometry"])).unwrap(),
            )),
        })
        .collect();
    let by_id: std::collections::HashMap<&str, &Value> = case["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap(), f))
        .collect();
    let engine = Engine::new(catalog.clone(), utm.label(), features)
        .with_ground(aimaq_io::distortion::ground(&utm).unwrap());
    let errors: Vec<_> = engine
        .issues()
        .iter()
        .filter(|i| i.level == IssueLevel::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let cases = case["parcels"].as_array().unwrap();
    let parcels: Vec<Parcel> = cases
        .iter()
        .map(|p| {
            let lot = Polygon::new(ring(&p["ring"]), vec![]);
            let lot = to_utm.to_metric(&lot).unwrap().orient(Direction::Default);
            Parcel {
                id: p["id"].as_str().unwrap().to_string(),
                proposed_use: None,
                geometry: Projected::assume_metres(MultiPolygon(vec![lot])),
            }
        })
        .collect();
    let reports = engine.check_all(&parcels);

    let mut failures = Vec::new();
    let (mut worst_d, mut worst_area, mut findings, mut near) = (0.0f64, 0.0f64, Vec::new(), 0);
    let mut kinds = BTreeSet::new();
    for (c, r) in cases.iter().zip(&reports) {
        let id = r.id.as_str();
        if let Some(e) = &r.error {
            failures.push(format!("{id}: error {e}"));
            continue;
        }
        let feature = by_id[c["feature"].as_str().unwrap()];
        let attrs = feature["attributes"].as_object().unwrap();
        let signed = c["distance_m"].as_f64().unwrap();
        let d = signed.max(0.0);
        let target = c["target_limit_m"].as_f64().unwrap();
        if (d - target).abs() <= 0.05 {
            near += 1;
        }
        // what the ground distance decides, rule by rule
        let mut expected = BTreeSet::new();
        let mut limits = Vec::new();
        for rule in catalog.rules_for_layer(c["layer"].as_str().unwrap()) {
            if !rule.applies_to(attrs) {
                continue;
            }
            let Some(zone) = rule.resolve(attrs).zone else {
                continue;
            };
            let Some(severity) = rule
                .regime()
                .cell_for(catalog.default_use(), attrs)
                .regime
                .severity()
            else {
                continue;
            };
            kinds.insert(format!("{:?}", std::mem::discriminant(&zone.limit)));
            let hit = match zone.limit {
                Limit::Fixed { m } => {
                    limits.push(m);
                    (d < m).then_some((m, severity))
                }
                Limit::Range { min, max } => {
                    limits.extend([min, max]);
                    if d < min {
                        Some((min, severity))
                    } else {
                        (d < max).then_some((max, Severity::Review))
                    }
                }
                Limit::BySettlement { inside, outside } => {
                    let w = if c["inside_settlement"] == true {
                        inside
                    } else {
                        outside
                    };
                    limits.push(w);
                    (d < w).then_some((w, severity))
                }
                Limit::Overlap => {
                    limits.push(0.0);
                    (signed < 0.0).then_some((0.0, severity))
                }
            };
            if let Some((m, s)) = hit {
                expected.insert((rule.id().to_string(), format!("{m:.3}"), severity_str(s)));
            }
        }
        assert!(
            limits.iter().any(|m| (m - target).abs() < 1e-9),
            "{id}: the case's limit {target} is none of the catalog's {limits:?}"
        );
        let got: BTreeSet<_> = r
            .findings
            .iter()
            .map(|f| {
                (
                    f.rule.clone(),
                    format!("{:.3}", f.limit_m),
                    severity_str(f.severity),
                )
            })
            .collect();
        if got != expected {
            failures.push(format!(
                "{id}: ground distance {signed:.4} m; expected {expected:?}, aimaq {got:?}"
            ));
        }
        for f in &r.findings {
            if f.feature != c["feature"].as_str().unwrap() {
                failures.push(format!("{id}: a finding of another feature {}", f.feature));
            }
            let e = (f.distance_m - d).abs();
            worst_d = worst_d.max(e);
            if e > 0.001 {
                failures.push(format!(
                    "{id} {}: distance {:.4} m, on the ground {d:.4} m",
                    f.rule, f.distance_m
                ));
            }
            findings.push(json!({
                "parcel": id, "feature": f.feature, "rule": f.rule,
                "limit_m": f.limit_m, "encumbered_m2": f.encumbered_m2,
            }));
        }
        let ground_area = c["area_m2"].as_f64().unwrap();
        let rel = (r.area_m2 - ground_area).abs() / ground_area;
        worst_area = worst_area.max(rel);
        if rel > 1e-4 {
            failures.push(format!(
                "{id}: area {} m², on the ellipsoid {ground_area} m²",
                r.area_m2
            ));
        }
    }
    println!(
        "{} parcels ({near} within 5 cm of a limit), {} findings, {} limit kinds; worst distance \
         error {:.2e} m, worst area error {:.2e}",
        cases.len(),
        findings.len(),
        kinds.len(),
        worst_d,
        worst_area
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(kinds.len(), 4, "every kind of limit: {kinds:?}");
    assert!(near > cases.len() / 2);

    let results = dir.join("results.json");
    std::fs::write(
        &results,
        serde_json::to_string(&json!({ "findings": findings })).unwrap(),
    )
    .unwrap();
    let out = Command::new(&py)
        .arg(&script)
        .arg("verify")
        .arg(&case_path)
        .arg(&results)
        .output()
        .unwrap();
    println!("{}", String::from_utf8_lossy(&out.stdout));
    assert!(
        out.status.success(),
        "encumbered areas disagree with the ground:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
