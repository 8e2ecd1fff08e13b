//! Issue 20, the permit desk round 2: one decision in any language, the cadastre
//! searched by number, pasted parcels placed before the check (swapped axes in any CRS),
//! the map's shading by severity, the record an officer files.

mod common;
use aimaq_server::parcels::ParcelIndex;
use aimaq_server::Config;
use axum::http::StatusCode;
use common::{app, app_with, demo, get, post};
use serde_json::{json, Value};
use std::sync::Arc;

async fn decisions(app: &axum::Router) -> usize {
    get(app, "/api/v1/decisions?limit=500").await.json()["decisions"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn one_decision_is_rendered_in_any_language_and_stored_once() {
    let d = app();
    let mut p025 = demo("P-025");
    p025["properties"]["id"] = json!("APP-20");
    let body = json!({"geojson": p025, "lang": "en", "application": {"applicant": "ТОО «Тұрген»", "officer": "А. Сейітов", "position": "бас маман"}});
    let made = post(
        &d.app,
        "/api/v1/check",
        "application/json",
        body.to_string(),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
    let made = made.json();
    let id = made["decision"]["id"].as_str().unwrap().to_string();
    assert_eq!(decisions(&d.app).await, 1);
    let chain_before = get(&d.app, "/api/v1/decisions").await.json()["head"].clone();

    for (lang, verdict) in [
        ("kk", "ТЫЙЫМ САЛЫНҒАН"),
        ("ru", "ЗАПРЕЩЕНО"),
        ("en", "PROHIBITED"),
    ] {
        let v = get(&d.app, &format!("/api/v1/decisions/{id}?lang={lang}")).await;
        assert_eq!(v.status, StatusCode::OK, "{}", v.text());
        let v = v.json();
        assert_eq!(v["decision"]["id"], id.as_str(), "the same decision");
        assert_eq!(v["lang"], "en", "decided in English");
        assert_eq!(v["rendered_lang"], lang);
        assert_eq!(v["result"]["lang"], lang);
        // the facts are the recorded ones, the words the language's
        let f = &v["result"]["parcels"][0]["findings"][0];
        let f0 = &made["parcels"][0]["findings"][0];
        for k in [
            "rule",
            "feature",
            "severity",
            "distance_m",
            "limit_m",
            "encumbered_m2",
        ] {
            assert_eq!(f[k], f0[k], "{lang}: {k}");
        }
        if lang != "en" {
            assert_ne!(
                f["message"], f0["message"],
                "{lang}: the message is in {lang}"
            );
        }
        let report = get(
            &d.app,
            &format!("/api/v1/decisions/{id}/report?lang={lang}"),
        )
        .await;
        assert_eq!(report.status, StatusCode::OK);
        let html = report.text();
        assert!(html.contains(&format!("<html lang=\"{lang}\"")), "{lang}");
        assert!(html.contains(&id));
        assert!(html.contains(verdict), "{lang}: {verdict}");
        // the application's form, and the page's running header with the id
        assert!(html.contains("ТОО «Тұрген»") && html.contains("А. Сейітов"));
        assert!(html.contains("@top-left") && html.contains("counter(pages)"));
    }
    // nothing new: no decision, the same head of the chain
    assert_eq!(decisions(&d.app).await, 1, "re-rendering records nothing");
    assert_eq!(
        get(&d.app, "/api/v1/decisions").await.json()["head"],
        chain_before
    );
    // the stored answer is untouched: the default is the decided language
    let stored = get(&d.app, &format!("/api/v1/decisions/{id}")).await.json();
    assert_eq!(stored["result"]["lang"], "en");
    assert_eq!(stored["rendered_lang"], "en");
    assert_eq!(stored["request"]["application"]["officer"], "А. Сейітов");
    // and it verifies as decided
    let v = aimaq_server::verify::verify(
        d.state.store(),
        &aimaq_server::verify::Against::Recorded,
        None,
        &mut |_| {},
    )
    .unwrap();
    assert!(v.clean(), "{v:?}");

    for bad in ["", "de"] {
        get(&d.app, &format!("/api/v1/decisions/{id}?lang={bad}"))
            .await
            .assert_refused(StatusCode::BAD_REQUEST, "bad_parameter");
        get(&d.app, &format!("/api/v1/decisions/{id}/report?lang={bad}"))
            .await
            .assert_refused(StatusCode::BAD_REQUEST, "bad_parameter");
    }
    assert_eq!(decisions(&d.app).await, 1);
}

#[tokio::test]
async fn an_application_field_too_long_is_refused_and_empty_ones_dropped() {
    let d = app();
    let long = "x".repeat(301);
    let body = json!({"geojson": demo("P-001"), "application": {"applicant": long}});
    post(
        &d.app,
        "/api/v1/check",
        "application/json",
        body.to_string(),
    )
    .await
    .assert_refused(StatusCode::BAD_REQUEST, "bad_request");
    let body = json!({"geojson": demo("P-001"), "application": {"applicant": "  ", "officer": ""}});
    let v = post(
        &d.app,
        "/api/v1/check",
        "application/json",
        body.to_string(),
    )
    .await;
    assert_eq!(v.status, StatusCode::CREATED, "{}", v.text());
    let id = v.json()["decision"]["id"].as_str().unwrap().to_string();
    let stored = get(&d.app, &format!("/api/v1/decisions/{id}")).await.json();
    assert!(
        stored["request"].get("application").is_none(),
        "{}",
        stored["request"]
    );
    // the record's form then has blank lines to write on
    let html = get(&d.app, &format!("/api/v1/decisions/{id}/report"))
        .await
        .text();
    assert!(
        html.matches("class=\"blank\"").count() >= 5,
        "blank lines for the officer"
    );
}

fn cadastre() -> Arc<ParcelIndex> {
    Arc::new(
        ParcelIndex::open(
            std::path::Path::new(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../fixtures/cadastre/cadastre.gpkg"
            )),
            None,
        )
        .unwrap(),
    )
}

#[tokio::test]
async fn the_cadastre_is_searched_by_number_in_every_form() {
    let d = app_with(Config {
        parcels: Some(cadastre()),
        ..Config::default()
    });
    for q in [
        "05-254-001-123",
        "05%3A254%3A001%3A123",
        "05254001123",
        "05-254-001-12",
    ] {
        let v = get(&d.app, &format!("/api/v1/parcels?q={q}")).await;
        assert_eq!(v.status, StatusCode::OK, "{}", v.text());
        let v = v.json();
        let first = &v["parcels"][0];
        assert_eq!(first["properties"]["id"], "05-254-001-123", "{q}");
        assert_eq!(first["properties"]["use"], "vehicle_wash");
        assert_eq!(first["geometry"]["type"], "MultiPolygon");
    }
    // checked as the page sends it: a car wash by the Turgen, prohibited
    let v = get(&d.app, "/api/v1/parcels?q=05-254-001-123").await.json();
    let f = v["parcels"][0].clone();
    let made = post(
        &d.app,
        "/api/v1/check?lang=kk",
        "application/geo+json",
        f.to_string(),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
    let made = made.json();
    assert_eq!(made["parcels"][0]["verdict"], "prohibited");
    assert_eq!(made["parcels"][0]["id"], "05-254-001-123");
    get(&d.app, "/api/v1/parcels?limit=0&q=05")
        .await
        .assert_refused(StatusCode::BAD_REQUEST, "bad_parameter");
    // a desk without a cadastre finds none, and says so
    let plain = app();
    let v = get(&plain.app, "/api/v1/parcels?q=05-254").await.json();
    assert_eq!(v["parcels"], json!([]));
    assert_eq!(v["cadastre"], Value::Null);
}

#[tokio::test]
async fn pasted_coordinates_are_placed_before_the_check_and_swapped_axes_named_in_any_crs() {
    let d = app();
    // the docs' Gauss–Krüger parcel (EPSG:28413), as given and northing first
    let gk =
        "13691627.6 4795454.0\n13691657.7 4795453.9\n13691657.7 4795494.0\n13691627.6 4795494.0";
    let v = post(
        &d.app,
        "/api/v1/preview",
        "application/json",
        json!({"coordinates": gk, "crs": "EPSG:28413"}).to_string(),
    )
    .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text());
    let v = v.json();
    let x = v["features"][0]["geometry"]["coordinates"][0][0][0][0]
        .as_f64()
        .unwrap();
    assert!((76.0..79.0).contains(&x), "WGS84 for the map: {x}");
    let swapped: String = gk
        .lines()
        .map(|l| {
            let (a, b) = l.split_once(' ').unwrap();
            format!("{b} {a}\n")
        })
        .collect();
    for path in ["/api/v1/preview", "/api/v1/check"] {
        let v = post(
            &d.app,
            path,
            "application/json",
            json!({"coordinates": swapped, "crs": "EPSG:28413"}).to_string(),
        )
        .await;
        v.assert_refused(StatusCode::UNPROCESSABLE_ENTITY, "outside_dataset");
        assert_eq!(v.json()["error"]["swap_xy"], true, "{path}: {}", v.text());
        assert!(v.message().contains("swapped"), "{}", v.message());
    }
    // UTM and WGS84 alike
    let utm = "4791127 656542\n4791127 656582\n4791157 656582\n4791157 656542";
    let v = post(
        &d.app,
        "/api/v1/preview",
        "application/json",
        json!({"coordinates": utm, "crs": "EPSG:32643"}).to_string(),
    )
    .await;
    assert_eq!(v.json()["error"]["swap_xy"], true, "{}", v.text());
    assert_eq!(decisions(&d.app).await, 0, "a preview records nothing");
}

#[tokio::test]
async fn the_map_paints_each_severity_once_prohibited_on_top() {
    let d = app();
    let v = post(
        &d.app,
        "/api/v1/check",
        "application/geo+json",
        demo("P-025").to_string(),
    )
    .await
    .json();
    let shades: Vec<&Value> = v["geometry"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["kind"] == "shade")
        .collect();
    let severities: Vec<&str> = shades
        .iter()
        .map(|f| f["properties"]["severity"].as_str().unwrap())
        .collect();
    assert_eq!(severities[0], "prohibited", "{severities:?}");
    let mut sorted = severities.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), severities.len(), "each severity once");
    // the record's map: the parcel drawn in its verdict's colour
    let id = v["decision"]["id"].as_str().unwrap();
    let html = get(&d.app, &format!("/api/v1/decisions/{id}/report"))
        .await
        .text();
    assert!(html.contains("fill=\"#c62828\" fill-opacity=\"0.12\" stroke=\"#c62828\""));
}

#[tokio::test]
async fn a_screening_job_lists_its_verdicts_parcel_by_parcel() {
    let d = app();
    let gpkg = include_bytes!("../../../fixtures/cadastre/batch-3.gpkg").to_vec();
    let job = post(&d.app, "/api/v1/screen", "application/octet-stream", gpkg).await;
    assert_eq!(job.status, StatusCode::ACCEPTED, "{}", job.text());
    let id = job.json()["id"].as_str().unwrap().to_string();
    let mut state = String::new();
    for _ in 0..300 {
        state = get(&d.app, &format!("/api/v1/jobs/{id}")).await.json()["state"]
            .as_str()
            .unwrap()
            .to_string();
        if state != "queued" && state != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(state, "done");
    let v = get(&d.app, &format!("/api/v1/jobs/{id}/parcels?lang=kk")).await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text());
    let v = v.json();
    assert_eq!(v["total"], 3);
    let verdicts: std::collections::BTreeMap<String, String> = v["parcels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["parcel"].as_str().unwrap().to_string(),
                p["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(verdicts["05-254-001-123"], "prohibited");
    assert_eq!(verdicts["05-254-001-124"], "conditional");
    assert_eq!(verdicts["05-250-031-002"], "review");
    get(&d.app, "/api/v1/jobs/nope/parcels")
        .await
        .assert_refused(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn the_server_keeps_to_what_its_openapi_document_says() {
    let d = app();
    // an empty lang is no language, wherever it is taken
    for uri in [
        "/api/v1/rules?lang=",
        "/api/v1/places?q=a&lang=",
        "/api/v1/layers/water_bodies?lang=",
    ] {
        get(&d.app, uri)
            .await
            .assert_refused(StatusCode::BAD_REQUEST, "bad_parameter");
    }
    post(
        &d.app,
        "/api/v1/check?lang=",
        "application/geo+json",
        demo("P-001").to_string(),
    )
    .await
    .assert_refused(StatusCode::BAD_REQUEST, "bad_parameter");
    assert_eq!(decisions(&d.app).await, 0, "and nothing is recorded");
    // before: a seq, 1 and up; out of range in the desk's words
    for bad in ["0", "-1", "9223372036854775808", "x"] {
        let r = get(&d.app, &format!("/api/v1/decisions?before={bad}")).await;
        r.assert_refused(StatusCode::BAD_REQUEST, "bad_parameter");
        assert!(r.message().contains("1…"), "{}", r.message());
    }
    assert_eq!(
        get(&d.app, "/api/v1/decisions?before=9223372036854775807")
            .await
            .status,
        StatusCode::OK
    );
    // the document's own text/plain example for /check is a parcel the desk checks
    let spec: Value = serde_json::from_str(include_str!("../src/openapi.json")).unwrap();
    let example = spec["paths"]["/check"]["post"]["requestBody"]["content"]["text/plain"]["schema"]
        ["examples"][0]
        .as_str()
        .unwrap();
    let r = post(&d.app, "/api/v1/check", "text/plain", example.to_string()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}
