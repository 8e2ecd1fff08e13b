//! `aimaq dataset build`, then `aimaq check --data` the built GeoPackage (issue 17's
//! acceptance): the same findings as the hand-written dataset, the OSM way named, the
//! ODbL attribution carried.

mod common;
use common::{aimaq, repo, text};

fn findings(json: &serde_json::Value) -> Vec<(String, String, String, String, f64, f64)> {
    let mut out = Vec::new();
    for p in json["parcels"].as_array().unwrap() {
        for f in p["findings"].as_array().unwrap() {
            out.push((
                p["id"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                f["feature"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["distance_m"].as_f64().unwrap(),
                f["encumbered_m2"].as_f64().unwrap(),
            ));
        }
    }
    out.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
    out
}

#[test]
fn a_built_osm_dataset_checks_like_the_hand_written_one_and_credits_osm() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d.gpkg");
    let pbf = repo("fixtures/osm/extract.osm.pbf");
    let o = aimaq(&[
        "dataset",
        "build",
        pbf.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("power_lines") && t.contains("relation/5004"),
        "{t}"
    );
    assert!(t.contains("© OpenStreetMap contributors, ODbL 1.0"), "{t}");

    let parcels = repo("fixtures/osm/parcels.geojson");
    let check = |data: &str| {
        let o = aimaq(&[
            "check",
            "--data",
            data,
            "--format",
            "json",
            parcels.to_str().unwrap(),
        ]);
        assert!(o.status.code().is_some_and(|c| c <= 2), "{}", text(&o));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let built = check(out.to_str().unwrap());
    let expected = check(repo("fixtures/osm/expected").to_str().unwrap());
    let (a, b) = (findings(&built), findings(&expected));
    assert_eq!(a.len(), b.len(), "{a:#?}\n{b:#?}");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!((&x.0, &x.1, &x.2, &x.3), (&y.0, &y.1, &y.2, &y.3));
        assert!((x.4 - y.4).abs() <= 0.001, "{x:?} {y:?}");
        assert!((x.5 - y.5).abs() <= 0.01 * y.5.max(1.0), "{x:?} {y:?}");
    }
    // the parcel 10 m from the 220 kV line: its finding names the OSM way
    assert!(
        a.iter()
            .any(|f| f.0 == "OSM-01" && f.1 == "power.protection_zone" && f.2.starts_with("way/")),
        "{a:#?}"
    );
    assert_eq!(
        built["dataset"]["attribution"],
        "© OpenStreetMap contributors, ODbL 1.0, https://www.openstreetmap.org/copyright"
    );
    assert!(expected["dataset"].get("attribution").is_none());
    // the text report's footer too
    let o = aimaq(&[
        "check",
        "--data",
        out.to_str().unwrap(),
        parcels.to_str().unwrap(),
    ]);
    assert!(
        text(&o).contains("© OpenStreetMap contributors, ODbL 1.0"),
        "{}",
        text(&o)
    );
    // and validate names no metadata table as an unknown layer
    let o = aimaq(&["validate", "--data", out.to_str().unwrap()]);
    assert!(!text(&o).contains("aimaq_"), "{}", text(&o));
}

#[test]
fn a_build_summary_as_json_and_errors_without_a_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("office.gpkg");
    let office = |f: &str| repo(&format!("fixtures/office/{f}"));
    let o = aimaq(&[
        "dataset",
        "build",
        office("lep.shp").to_str().unwrap(),
        "--map",
        office("mapping.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["layers"]["power_lines"], 4);
    assert_eq!(s["sources"][0]["skipped"]["not selected by the mapping"], 2);
    let o = aimaq(&[
        "dataset",
        "build",
        office("lep.shp").to_str().unwrap(),
        "--out",
        dir.path().join("x.gpkg").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("no mapping for this source"),
        "{}",
        text(&o)
    );
}
