//! `aimaq dataset completeness`, `aimaq validate`'s completeness and `aimaq dataset diff`
//! on the GIS office fixture's two years (fixtures/office/expected → expected_v2: line 103
//! moved 30 m east, line 104 raised from 220 to 500 kV), with decisions for its five
//! parcels recorded through the desk's library API: exactly OF-01 and OF-02 change.

mod common;
use common::{aimaq, repo, text};

use aimaq_io::dataset::DatasetSource;
use aimaq_server::request::{parse, CheckParams};
use aimaq_server::store::{Durability, NewDecision, Store};
use aimaq_server::{decide, Desk, DeskOptions, Limits};
use serde_json::Value;
use std::path::Path;

fn json_of(o: &std::process::Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

/// Records one decision a parcel of fixtures/office/parcels.geojson on `data`, as the
/// desk's `POST /check` does; returns parcel id → decision id.
fn record_decisions(data: &Path, store_path: &Path) -> Vec<(String, String)> {
    let desk = Desk::open(&DeskOptions {
        data: DatasetSource::Path(data.to_path_buf()),
        ..DeskOptions::default()
    })
    .unwrap();
    let store = Store::open(store_path, Durability::Normal).unwrap();
    store
        .register_catalog(
            desk.catalog_digest(),
            &desk.catalog().info().id,
            desk.catalog_text(),
        )
        .unwrap();
    store
        .register_dataset(
            desk.dataset_digest(),
            desk.dataset_label(),
            desk.metric().definition(),
            desk.features().len(),
            desk.snapshot(),
        )
        .unwrap();
    let parcels: Value = serde_json::from_str(
        &std::fs::read_to_string(repo("fixtures/office/parcels.geojson")).unwrap(),
    )
    .unwrap();
    let mut out = Vec::new();
    for f in parcels["features"].as_array().unwrap() {
        let body = f.to_string();
        let request = parse(
            &desk,
            body.as_bytes(),
            "application/geo+json",
            &CheckParams::default(),
            &Limits::default(),
        )
        .unwrap();
        let decided = decide::run(&desk, &request).unwrap();
        let assigned = store
            .append_blocking(NewDecision {
                aimaq_version: "test".into(),
                catalog_digest: desk.catalog_digest().into(),
                dataset_digest: desk.dataset_digest().into(),
                crs: desk.metric().definition().into(),
                lang: request.lang.code().into(),
                as_of: None,
                verdict: decided.verdict.as_str().into(),
                parcels: request.parcels.len(),
                request: serde_json::to_string(&request).unwrap(),
                result: decided.result.to_string(),
            })
            .unwrap();
        out.push((
            f["properties"]["id"].as_str().unwrap().to_string(),
            assigned.id,
        ));
    }
    store.close();
    out
}

#[test]
fn the_office_layers_diff_names_the_moved_line_the_new_voltage_and_two_decisions() {
    let old = repo("fixtures/office/expected");
    let new = repo("fixtures/office/expected_v2");
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("decisions.sqlite");
    let decisions = record_decisions(&old, &store);
    assert_eq!(decisions.len(), 5);
    let before = std::fs::read(&store).unwrap();

    let o = aimaq(&[
        "dataset",
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--decisions",
        store.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v = json_of(&o);
    assert_eq!(v["tolerance_m"], 0.5);
    let layers = v["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "{v:#}");
    let p = &layers[0];
    assert_eq!(p["layer"], "power_lines");
    assert_eq!(p["moved"].as_array().unwrap().len(), 1);
    assert_eq!(p["moved"][0]["id"], "103");
    let m = p["moved"][0]["distance_m"].as_f64().unwrap();
    assert!((m - 30.0).abs() < 0.1, "{m}");
    assert_eq!(p["changed"].as_array().unwrap().len(), 1);
    assert_eq!(p["changed"][0]["id"], "104");
    assert_eq!(p["changed"][0]["attributes"][0]["attribute"], "voltage_kv");
    assert_eq!(
        p["changed"][0]["attributes"][0]["old"].as_f64(),
        Some(220.0)
    );
    assert_eq!(
        p["changed"][0]["attributes"][0]["new"].as_f64(),
        Some(500.0)
    );
    assert!(
        p["added"].as_array().unwrap().is_empty() && p["removed"].as_array().unwrap().is_empty()
    );

    let d = &v["decisions"];
    assert_eq!(
        (d["decisions"].as_u64(), d["unaffected"].as_u64()),
        (Some(5), Some(3))
    );
    let affected: Vec<(&str, &str, &str)> = d["affected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["application"][0].as_str().unwrap(),
                a["verdict_old"].as_str().unwrap(),
                a["verdict_new"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        affected,
        // OF-02 was already review in the old data: the 110 kV line there is a review
        // band since issue 19 (L272-275 give no width for it), no longer skipped
        [("OF-01", "clear", "review"), ("OF-02", "review", "review")]
    );
    let id_of = |p: &str| decisions.iter().find(|(q, _)| q == p).unwrap().1.clone();
    assert_eq!(d["affected"][0]["id"], id_of("OF-01").as_str());
    let added = &d["affected"][0]["parcels"][0]["added"][0];
    assert_eq!(
        (added["rule"].as_str(), added["feature"].as_str()),
        (Some("power.protection_zone"), Some("103"))
    );
    assert!(
        (added["distance_m"].as_f64().unwrap() - 15.07).abs() < 0.05,
        "{added}"
    );
    // read only: the store is byte for byte what it was
    assert_eq!(std::fs::read(&store).unwrap(), before);

    // as text
    let o = aimaq(&[
        "dataset",
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--decisions",
        store.to_str().unwrap(),
    ]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("moved = Hausdorff distance above 0.5 m"), "{t}");
    assert!(t.contains("~ moved    103"), "{t}");
    assert!(t.contains("* changed  104"), "{t}");
    assert!(t.contains("voltage_kv 220 → 500"), "{t}");
    assert!(
        t.contains("5 run on both datasets, 2 affected, 3 not affected"),
        "{t}"
    );
    // OF-02 was review before already: its 110 kV line is a review band (issue 19)
    assert!(t.contains("application OF-02: review → review"), "{t}");
    // a larger tolerance does not see the 30 m move
    let o = aimaq(&[
        "dataset",
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--tolerance-m",
        "31",
        "--json",
    ]);
    assert!(json_of(&o)["layers"][0]["moved"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn completeness_and_validate_say_what_the_office_data_lacks() {
    let data = repo("fixtures/office/expected");
    let o = aimaq(&["dataset", "completeness", data.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let v = json_of(&o);
    let rule = |id: &str| {
        v["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == id)
            .unwrap()
            .clone()
    };
    let power = rule("power.protection_zone");
    assert_eq!(power["status"], "partial");
    assert_eq!(
        (power["features"].as_u64(), power["not_checked"].as_u64()),
        (Some(4), Some(0))
    );
    // issue 19 item 3: the 110 kV line is measured as a review band, not skipped
    assert!(
        power["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["consequence"]
                .as_str()
                .unwrap()
                .contains("no width for voltage_kv = 110: a review band, to 20 m")),
        "{power:#}"
    );
    // no railways: not checked, never clear
    assert_eq!(rule("rail.control_zone")["status"], "not_checked");
    assert_eq!(rule("water.belt")["missing"]["belt_m"], 5);

    // validate: the problems, then the same completeness; exit 2 for the 110 kV error
    let o = aimaq(&["validate", "--data", data.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    let problems = t.find("dataset: 1 error, ").expect("the problems' count");
    let completeness = t.find("completeness of ").expect("the completeness");
    assert!(problems < completeness, "{t}");
    assert!(
        t.contains("no width for voltage_kv = 110: a review band, to 20 m (e.g. 102)"),
        "{t}"
    );
    assert!(t.contains("layers absent: settlements, railways"), "{t}");
    let o = aimaq(&["validate", "--data", data.to_str().unwrap(), "--json"]);
    let j = json_of(&o);
    assert_eq!(
        j["completeness"]["rules"].as_array().unwrap().len(),
        v["rules"].as_array().unwrap().len()
    );
    assert!(j["issues"].as_array().unwrap().len() >= 6);
}

#[test]
fn two_builds_of_the_office_shapefiles_diff_with_the_decisions_they_change() {
    let dir = tempfile::tempdir().unwrap();
    let office = |f: &str| repo(&format!("fixtures/office/{f}"));
    let build = |shp: &str, map: &str, out: &Path| {
        let o = aimaq(&[
            "dataset",
            "build",
            office(shp).to_str().unwrap(),
            office("vodn.shp").to_str().unwrap(),
            office("vodn_pol.shp").to_str().unwrap(),
            "--map",
            office(map).to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o));
    };
    let (old, new) = (dir.path().join("2025.gpkg"), dir.path().join("2026.gpkg"));
    build("lep.shp", "mapping.toml", &old);
    build("lep_v2.shp", "mapping_v2.toml", &new);

    // the build stored its completeness: the 110 kV line is measured as a review band
    let stored = aimaq_dataset::completeness::read_completeness_at(&old)
        .unwrap()
        .unwrap();
    let power = stored
        .iter()
        .find(|r| r.rule == "power.protection_zone")
        .unwrap();
    assert_eq!(
        (power.features, power.measured, power.not_checked),
        (4, 4, 0)
    );
    // and the stored table is no layer: the dataset loads without a word about it
    let o = aimaq(&["validate", "--data", old.to_str().unwrap()]);
    assert!(!text(&o).contains("aimaq_completeness"), "{}", text(&o));

    let store = dir.path().join("decisions.sqlite");
    let decisions = record_decisions(&old, &store);
    let o = aimaq(&[
        "dataset",
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--decisions",
        store.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v = json_of(&o);
    // only power_lines changed, though every feature's provenance names another file
    let layers = v["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "{v:#}");
    let moved: Vec<&str> = layers[0]["moved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(moved, ["103"]);
    let changed = &layers[0]["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0]["id"], "104");
    assert_eq!(changed[0]["attributes"].as_array().unwrap().len(), 1);
    let affected: Vec<&str> = v["decisions"]["affected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["application"][0].as_str().unwrap())
        .collect();
    assert_eq!(affected, ["OF-01", "OF-02"]);
    assert_eq!(v["decisions"]["unaffected"], 3);
    assert_eq!(decisions.len(), 5);
}
