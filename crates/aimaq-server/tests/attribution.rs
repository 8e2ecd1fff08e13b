//! A desk on a dataset holding OpenStreetMap features carries the attribution the ODbL
//! requires on its answer and on the printed record; a parcel by a feature at the edge
//! of the dataset is checked, not refused as lying outside it (issue 17, issue 18: 13).

use aimaq_io::dataset::{DatasetSource, OSM_ATTRIBUTION};
use aimaq_server::api::{self, State};
use aimaq_server::desk::DeskOptions;
use aimaq_server::store::{Durability, Store};
use aimaq_server::{Config, Desk};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

mod common;
use common::call;
use serde_json::{json, Value};
use std::sync::Arc;

/// One 220 kV line along 43.32°N from 77.40° to 77.50°E, taken from OSM (`way/1021`):
/// the whole dataset, so its box is the line's.
fn osm_dataset(dir: &std::path::Path) {
    let line = json!({
        "type": "FeatureCollection",
        "features": [{
            "type": "Feature",
            "properties": {
                "id": "way/1021", "name": "ВЛ 220 кВ", "voltage_kv": 220,
                "source": "extract.osm.pbf", "source_ref": "way/1021", "licence": "ODbL-1.0"
            },
            "geometry": {"type": "LineString", "coordinates": [[77.40, 43.32], [77.50, 43.32]]}
        }]
    });
    std::fs::write(dir.join("power_lines.geojson"), line.to_string()).unwrap();
}

/// A 6 m square centred on 43.32°N whose west edge lies `east_m` metres east of the
/// line's eastern end: beyond the line's box, within its zone's round cap when near.
fn parcel(east_m: f64) -> Value {
    let (dx, dy) = (1.0 / 81_000.0, 1.0 / 111_100.0);
    let (x0, x1) = (77.50 + east_m * dx, 77.50 + (east_m + 6.0) * dx);
    let (y0, y1) = (43.32 - 3.0 * dy, 43.32 + 3.0 * dy);
    json!({
        "type": "Feature",
        "properties": {"id": "lot-1", "use": "warehouse"},
        "geometry": {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}
    })
}

#[tokio::test]
async fn an_osm_dataset_is_credited_on_the_answer_and_the_record_and_its_edge_is_checked() {
    let data = tempfile::tempdir().unwrap();
    osm_dataset(data.path());
    let desk = Desk::open(&DeskOptions {
        data: DatasetSource::Path(data.path().to_path_buf()),
        ..DeskOptions::default()
    })
    .unwrap();
    assert_eq!(desk.attribution(), Some(OSM_ATTRIBUTION));
    let store_dir = tempfile::tempdir().unwrap();
    let store = Store::open(&store_dir.path().join("d.sqlite"), Durability::Normal).unwrap();
    let state = State::with_store(Arc::new(desk), store, &Config::default()).unwrap();
    let app = api::router(state);

    // 8 m east of the line's end: beyond the line's own box, inside its 20 m protection
    // zone.
    let r = call(
        &app,
        Request::post("/api/v1/check?lang=en")
            .header(header::CONTENT_TYPE, "application/geo+json")
            .body(Body::from(parcel(8.0).to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let (v, body) = (r.json(), r.text());
    assert_eq!(v["dataset"]["attribution"], OSM_ATTRIBUTION, "{body}");
    let finding = &v["parcels"][0]["findings"][0];
    assert_eq!(finding["rule"], "power.protection_zone", "{body}");
    assert_eq!(finding["feature"], "way/1021", "{body}");

    let id = v["decision"]["id"].as_str().unwrap();
    let r = call(
        &app,
        Request::get(format!("/api/v1/decisions/{id}/report"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains("OpenStreetMap contributors, ODbL"), "{html}");
    assert!(html.contains("way/1021"));

    // The map credits the data it draws: the dataset and OSM's licence.
    let credit = common::get(&app, "/api/v1/layers").await.json()["credit"].clone();
    let credit = credit.as_str().unwrap();
    assert!(credit.contains(OSM_ATTRIBUTION), "{credit}");
    assert!(!credit.contains("data/almaty"), "{credit}");

    // 5 km east: outside the dataset and every zone, refused, never clear.
    call(
        &app,
        Request::post("/api/v1/check?lang=en")
            .header(header::CONTENT_TYPE, "application/geo+json")
            .body(Body::from(parcel(5_000.0).to_string()))
            .unwrap(),
    )
    .await
    .assert_refused(StatusCode::UNPROCESSABLE_ENTITY, "outside_dataset");
}
