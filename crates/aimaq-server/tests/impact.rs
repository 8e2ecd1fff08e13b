//! `aimaq dataset diff --decisions`: decisions made through the desk's own API on an old
//! dataset, then run on the old and a new one; exactly those whose outcome changes are
//! named: a parcel by the moved line and one by the line whose voltage rose, not the one
//! far away.

use aimaq_io::dataset::DatasetSource;
use aimaq_server::api::{self, State};
use aimaq_server::impact;
use aimaq_server::store::{Durability, Store};
use aimaq_server::{Config, Desk, DeskOptions};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::path::Path;
use tower::ServiceExt;

/// Metres north, in degrees of latitude near 43.3° N.
fn north(m: f64) -> f64 {
    m / 111_035.0
}

fn line(id: &str, kv: f64, lat: f64) -> Value {
    // the outer wire on the stored axis: the zones are the scheme's widths, no offset band
    json!({"type": "Feature", "properties": {"id": id, "voltage_kv": kv, "outer_wire_offset_m": 0},
        "geometry": {"type": "LineString", "coordinates": [[76.90, lat], [76.95, lat]]}})
}

fn write(dir: &Path, lines: Vec<Value>) {
    std::fs::create_dir_all(dir).unwrap();
    let fc = json!({"type": "FeatureCollection", "features": lines});
    std::fs::write(dir.join("power_lines.geojson"), fc.to_string()).unwrap();
}

/// A 100 × 50 m parcel whose southern edge is at `lat`.
fn parcel(id: &str, lat: f64) -> Value {
    let top = lat + north(50.0);
    json!({"type": "Feature", "properties": {"id": id, "use": "commercial"},
        "geometry": {"type": "Polygon", "coordinates": [[[76.92, lat], [76.921, lat], [76.921, top], [76.92, top], [76.92, lat]]]}})
}

fn desk(dir: &Path) -> Desk {
    Desk::open(&DeskOptions {
        data: DatasetSource::Path(dir.to_path_buf()),
        ..DeskOptions::default()
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_decisions_a_moved_line_and_a_new_voltage_change_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (old_dir, new_dir) = (dir.path().join("old"), dir.path().join("new"));
    // pl-1 moves 11 m north; pl-3 goes from 220 kV (20 m) to 500 kV (30 m)
    write(
        &old_dir,
        vec![line("pl-1", 220.0, 43.30), line("pl-3", 220.0, 43.32)],
    );
    write(
        &new_dir,
        vec![
            line("pl-1", 220.0, 43.30 + north(11.0)),
            line("pl-3", 500.0, 43.32),
        ],
    );
    let store_path = dir.path().join("decisions.sqlite");
    let store = Store::open(&store_path, Durability::Normal).unwrap();
    let state = State::with_store(
        std::sync::Arc::new(desk(&old_dir)),
        store,
        &Config::default(),
    )
    .unwrap();
    let app = api::router(state.clone());
    let mut ids = Vec::new();
    // 15 m south of pl-1 (inside its 20 m zone, outside once it moves), 1 km away from
    // everything, and 25 m north of pl-3 (outside 20 m, inside 30 m)
    for (id, south_edge_lat) in [
        ("A-near", 43.30 - north(15.0) - north(50.0)),
        ("B-far", 43.31),
        ("C-voltage", 43.32 + north(25.0)),
    ] {
        let body = parcel(id, south_edge_lat).to_string();
        let response = app
            .clone()
            .oneshot(
                Request::post("/api/v1/check")
                    .header(header::CONTENT_TYPE, "application/geo+json")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let v: Value =
            serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes())
                .unwrap();
        ids.push((
            id,
            v["decision"]["id"].as_str().unwrap().to_string(),
            v["parcels"][0]["verdict"].clone(),
        ));
    }
    assert_eq!(ids[0].2, "conditional");
    assert_eq!(ids[1].2, "clear");
    assert_eq!(ids[2].2, "clear");
    state.store().close();
    drop(app);
    drop(state);

    let (old, new) = (desk(&old_dir), desk(&new_dir));
    let path = store_path.clone();
    let i = tokio::task::spawn_blocking(move || impact::affected(&path, &old, &new, &mut |_| {}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(i.decisions, 3);
    assert_eq!(i.unaffected, 1);
    assert!(i.failed.is_empty(), "{:?}", i.failed);
    let named: Vec<&str> = i.affected.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(named, [ids[0].1.as_str(), ids[2].1.as_str()]);

    let near = i.decision(&ids[0].1).unwrap();
    assert_eq!(near.application, ["A-near"]);
    assert_eq!(
        (near.verdict_old.as_str(), near.verdict_new.as_str()),
        ("conditional", "clear")
    );
    let p = &near.parcels[0];
    assert_eq!(p.removed.len(), 1);
    assert_eq!(
        (p.removed[0].rule.as_str(), p.removed[0].feature.as_str()),
        ("power.protection_zone", "pl-1")
    );
    // about 15 m: the stored line is straight in UTM, the parallel it joins is not
    assert!((p.removed[0].distance_m.as_f64().unwrap() - 15.0).abs() < 0.5);
    assert!(p.added.is_empty() && p.changed.is_empty());

    let volt = i.decision(&ids[2].1).unwrap();
    assert_eq!(
        (volt.verdict_old.as_str(), volt.verdict_new.as_str()),
        ("clear", "conditional")
    );
    let f = &volt.parcels[0].added[0];
    assert_eq!(
        (f.feature.as_str(), f.limit_m.as_f64()),
        ("pl-3", Some(30.0))
    );
    assert!(f.encumbered_m2.as_f64().unwrap() > 0.0);

    // the store was only read: it still holds the three decisions, unchanged
    let again = Store::open_read_only(&store_path).unwrap();
    assert_eq!(again.count().unwrap(), 3);
}
