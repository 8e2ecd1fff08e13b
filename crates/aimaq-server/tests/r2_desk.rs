//! Reliability round 2 (issue 18), the permit desk: the store refuses what is not its
//! own and a second writer, tampering is caught, cross-site writes and foreign hosts are
//! refused, uploads are bounded before they are read, the job limit holds under a race,
//! and hyper's own refusals speak JSON. Every loop here is bounded; traffic goes to
//! 127.0.0.1 only.

use aimaq_server::api::{self, State};
use aimaq_server::jobs::Jobs;
use aimaq_server::store::{chain_link, Durability, NewDecision, Store, StoreError};
use aimaq_server::verify::{self, Against};
use aimaq_server::{Config, Limits};
use axum::body::{Body, Bytes};
use axum::http::{header, Request, StatusCode};
use rusqlite::Connection;
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;
use common::*;

fn p025() -> String {
    let text = include_str!("../../../fixtures/parcels/demo.geojson");
    let all: Value = serde_json::from_str(text).unwrap();
    all["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["id"] == "P-025")
        .unwrap()
        .to_string()
}

const WKT: &str = "POLYGON((691503.6 4793482.9, 691533.7 4793482.9, 691533.7 4793522.9, 691503.6 4793522.9, 691503.6 4793482.9))";

fn post(uri: &str, content_type: &str, body: impl Into<Body>) -> axum::http::request::Builder {
    let _ = body;
    Request::post(uri).header(header::CONTENT_TYPE, content_type)
}

// ---- item 5: a file that is not an aimaq store is left untouched -------------------------

#[test]
fn r2_a_foreign_sqlite_file_or_geopackage_is_refused_before_any_write() {
    let dir = tempfile::tempdir().unwrap();
    let app_db = dir.path().join("app.db");
    {
        let c = Connection::open(&app_db).unwrap();
        c.execute_batch("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('Aigerim');")
            .unwrap();
    }
    let gpkg = dir.path().join("parcels.gpkg");
    {
        let c = Connection::open(&gpkg).unwrap();
        c.execute_batch(
            "PRAGMA application_id = 1196444487; PRAGMA user_version = 10300;
             CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT);",
        )
        .unwrap();
    }
    for (path, what) in [
        (&app_db, "another application: tables `customers`"),
        (&gpkg, "a GeoPackage"),
    ] {
        let before = std::fs::read(path).unwrap();
        let e = Store::open(path, Durability::Full).unwrap_err();
        assert!(matches!(e, StoreError::NotAStore { .. }), "{e}");
        let text = e.to_string();
        assert!(
            text.contains(what) && text.contains("left untouched"),
            "{text}"
        );
        assert_eq!(
            std::fs::read(path).unwrap(),
            before,
            "{} was changed",
            path.display()
        );
        // not switched to WAL (bytes 18 and 19 of the header are 2 in WAL mode)
        assert_eq!((before[18], before[19]), (1, 1));
        let wal = format!("{}-wal", path.display());
        assert!(!Path::new(&wal).exists(), "{wal} was made");
        assert!(!dir
            .path()
            .join(format!(
                "{}.lock",
                path.file_name().unwrap().to_string_lossy()
            ))
            .exists());
    }
    // a file that is not SQLite at all, and a device
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "the decisions of 2026\n".repeat(100)).unwrap();
    let e = Store::open(&text, Durability::Full)
        .unwrap_err()
        .to_string();
    assert!(e.contains("not an aimaq decision store"), "{e}");
    assert_eq!(
        std::fs::read_to_string(&text).unwrap(),
        "the decisions of 2026\n".repeat(100)
    );
    let e = Store::open(Path::new("/dev/null"), Durability::Full)
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a regular file"), "{e}");
    // an empty file and a new name are fine
    let empty = dir.path().join("empty.sqlite");
    std::fs::write(&empty, b"").unwrap();
    Store::open(&empty, Durability::Full).unwrap().close();
    Store::open(&dir.path().join("new.sqlite"), Durability::Full)
        .unwrap()
        .close();
}

// ---- item 7: one writer ---------------------------------------------------------------------

#[test]
fn r2_a_second_desk_on_one_store_is_refused_naming_the_store_and_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("decisions.sqlite");
    let first = Store::open(&path, Durability::Full).unwrap();
    let e = Store::open(&path, Durability::Full).unwrap_err();
    assert!(matches!(e, StoreError::Locked { .. }), "{e}");
    let text = e.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(
        text.contains(&format!("process {}", std::process::id())),
        "{text}"
    );
    // reading is not writing: verify and list still open it
    Store::open_read_only(&path).unwrap();
    first.close();
    Store::open(&path, Durability::Full).unwrap();
}

// ---- item 8: tampering --------------------------------------------------------------------

fn decision(i: usize) -> NewDecision {
    NewDecision {
        aimaq_version: "0.1.0".into(),
        catalog_digest: "sha256:c".into(),
        dataset_digest: "sha256:d".into(),
        crs: "EPSG:32643".into(),
        lang: "en".into(),
        as_of: None,
        verdict: if i.is_multiple_of(2) {
            "clear"
        } else {
            "prohibited"
        }
        .into(),
        parcels: 1,
        request: format!(r#"{{"parcels":[{{"id":"A-{i}"}}]}}"#),
        result: format!(r#"{{"n":{i}}}"#),
    }
}

/// A store of six decisions; its head.
fn six(path: &Path) -> String {
    let s = Store::open(path, Durability::Normal).unwrap();
    s.register_catalog("sha256:c", "almaty-2020", "toml")
        .unwrap();
    s.register_dataset("sha256:d", "embedded data/almaty", "EPSG:32643", 0, b"x")
        .unwrap();
    let mut head = String::new();
    for i in 0..6 {
        head = s.append_blocking(decision(i)).unwrap().chain;
    }
    s.close();
    head
}

fn chain_check(path: &Path, head: Option<&str>) -> verify::Verification {
    let store = Store::open_read_only(path).unwrap();
    // the fake catalog cannot be run again: what matters here is the chain
    verify::verify(&store, &Against::Recorded, head, &mut |_| {}).unwrap()
}

fn tamper(path: &Path, sql: &str) {
    let c = Connection::open(path).unwrap();
    c.execute_batch(
        "DROP TRIGGER decisions_no_update; DROP TRIGGER decisions_no_delete;
         DROP TRIGGER catalogs_no_update; DROP TRIGGER datasets_no_update;",
    )
    .unwrap();
    c.execute_batch(sql).unwrap();
}

#[test]
fn r2_every_field_the_record_shows_is_inside_the_chain_and_a_cut_tail_shows_with_head() {
    let dir = tempfile::tempdir().unwrap();
    let pristine = dir.path().join("pristine.sqlite");
    let head = six(&pristine);
    let v = chain_check(&pristine, Some(&head));
    assert!(v.chain_intact);
    assert_eq!(v.head.as_ref().unwrap().chain, head);
    assert_eq!(
        v.expected_head
            .as_ref()
            .unwrap()
            .found
            .as_ref()
            .unwrap()
            .seq,
        6
    );
    assert_eq!(v.version_1_links, 0);

    let edits = [
        ("parcels", "UPDATE decisions SET parcels = 7 WHERE seq = 3"),
        (
            "catalog id",
            "UPDATE catalogs SET catalog_id = 'almaty-2030'",
        ),
        (
            "dataset label",
            "UPDATE datasets SET label = 'somewhere else'",
        ),
        ("seq renumbered", "UPDATE decisions SET seq = seq + 100"),
        (
            "one seq moved",
            "UPDATE decisions SET seq = 60 WHERE seq = 6",
        ),
        (
            "verdict",
            "UPDATE decisions SET verdict = 'clear' WHERE seq = 2",
        ),
        ("middle removed", "DELETE FROM decisions WHERE seq = 3"),
        (
            "link version lowered",
            "UPDATE decisions SET link_version = 1 WHERE seq = 4",
        ),
    ];
    for (i, (what, sql)) in edits.iter().enumerate() {
        let copy = dir.path().join(format!("edit-{i}.sqlite"));
        std::fs::copy(&pristine, &copy).unwrap();
        tamper(&copy, sql);
        let v = chain_check(&copy, None);
        assert!(!v.chain_intact, "{what}: not caught");
        assert!(!v.clean(), "{what}");
    }

    // the newest removed, five of them, all of them: the chain alone cannot tell, the
    // head noted from a record can
    for (what, sql) in [
        ("the newest", "DELETE FROM decisions WHERE seq = 6"),
        ("the newest five", "DELETE FROM decisions WHERE seq >= 2"),
        ("all", "DELETE FROM decisions"),
    ] {
        let copy = dir.path().join("cut.sqlite");
        let _ = std::fs::remove_file(&copy);
        std::fs::copy(&pristine, &copy).unwrap();
        tamper(&copy, sql);
        let without = chain_check(&copy, None);
        assert!(
            without.chain_intact,
            "{what}: what is left is a sound chain"
        );
        let with = chain_check(&copy, Some(&head));
        assert!(
            with.expected_head.as_ref().unwrap().found.is_none(),
            "{what}"
        );
        assert!(!with.clean(), "{what}: a cut tail verified with --head");
    }
    // an older head is found, with the decisions after it counted
    let store = Store::open_read_only(&pristine).unwrap();
    let third = store
        .list(10, None)
        .unwrap()
        .into_iter()
        .find(|d| d.seq == 3)
        .unwrap();
    let third = store.get(&third.id).unwrap().unwrap().chain;
    drop(store);
    let v = chain_check(&pristine, Some(&third));
    assert_eq!(v.expected_head.unwrap().after, 3);
}

/// Schema 1 exactly as it shipped: no application id, no link_version.
const SCHEMA_1: &str = r#"
    CREATE TABLE catalogs (digest TEXT PRIMARY KEY, catalog_id TEXT NOT NULL, toml TEXT NOT NULL, first_seen TEXT NOT NULL) STRICT;
    CREATE TABLE datasets (digest TEXT PRIMARY KEY, label TEXT NOT NULL, crs TEXT NOT NULL, features INTEGER NOT NULL, snapshot BLOB NOT NULL, first_seen TEXT NOT NULL) STRICT;
    CREATE TABLE decisions (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, aimaq_version TEXT NOT NULL,
        catalog_digest TEXT NOT NULL REFERENCES catalogs(digest), dataset_digest TEXT NOT NULL REFERENCES datasets(digest),
        crs TEXT NOT NULL, lang TEXT NOT NULL, as_of TEXT, verdict TEXT NOT NULL, parcels INTEGER NOT NULL, request TEXT NOT NULL,
        result TEXT NOT NULL, request_digest TEXT NOT NULL, result_digest TEXT NOT NULL, chain TEXT NOT NULL) STRICT;
    CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions BEGIN SELECT RAISE(ABORT, 'decisions are immutable'); END;
    CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions BEGIN SELECT RAISE(ABORT, 'decisions are immutable'); END;
    PRAGMA user_version = 1;
"#;

#[test]
fn r2_a_schema_1_store_stays_readable_and_is_migrated_keeping_its_links() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    {
        let c = Connection::open(&path).unwrap();
        c.execute_batch(SCHEMA_1).unwrap();
        c.execute_batch(
            "INSERT INTO catalogs VALUES ('sha256:c', 'almaty-2020', 'toml', '2026-11-26T00:00:00Z');
             INSERT INTO datasets VALUES ('sha256:d', 'test', 'EPSG:32643', 0, x'78', '2026-11-26T00:00:00Z');",
        )
        .unwrap();
        let request = r#"{"parcels":[{"id":"OLD-1"}]}"#;
        let result = r#"{"n":1}"#;
        let (rd, sd) = (
            aimaq_server::sha256(request.as_bytes()),
            aimaq_server::sha256(result.as_bytes()),
        );
        let link = chain_link(
            "",
            &aimaq_server::store::ChainFields {
                version: 1,
                seq: 1,
                id: "20261126-AAAAAAAA",
                created_at: "2026-11-26T10:00:00.000Z",
                aimaq_version: "0.1.0",
                catalog_digest: "sha256:c",
                catalog_id: "almaty-2020",
                dataset_digest: "sha256:d",
                dataset_label: "test",
                crs: "EPSG:32643",
                lang: "en",
                as_of: None,
                verdict: "clear",
                parcels: 1,
                request_digest: &rd,
                result_digest: &sd,
            },
        );
        c.execute(
            "INSERT INTO decisions VALUES (1, '20261126-AAAAAAAA', '2026-11-26T10:00:00.000Z', '0.1.0', 'sha256:c', 'sha256:d',
             'EPSG:32643', 'en', NULL, 'clear', 1, ?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![request, result, rd, sd, link],
        )
        .unwrap();
    }
    // read as it is, without a write
    let before = std::fs::read(&path).unwrap();
    let v = chain_check(&path, None);
    assert!(v.chain_intact);
    assert_eq!(v.version_1_links, 1);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "verify wrote to an old store"
    );
    // migrated by a desk: the old link stays valid, new decisions get version 2
    let s = Store::open(&path, Durability::Normal).unwrap();
    let new = s.append_blocking(decision(1)).unwrap();
    assert_eq!(new.seq, 2);
    s.close();
    let v = chain_check(&path, Some(&new.chain));
    assert!(v.chain_intact, "{:?}", v.findings);
    assert_eq!(v.version_1_links, 1);
    assert!(v.expected_head.unwrap().found.is_some());
    let c = Connection::open(&path).unwrap();
    let id: i64 = c
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(id, aimaq_server::store::APPLICATION_ID);
}

// ---- item 21: read-only --------------------------------------------------------------------

#[test]
fn r2_reading_a_store_changes_nothing_and_works_on_a_read_only_mount() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.sqlite");
    six(&path);
    let bytes = std::fs::read(&path).unwrap();
    let v = chain_check(&path, None);
    assert_eq!(v.decisions, 6);
    assert_eq!(std::fs::read(&path).unwrap(), bytes);

    // a read-only mount: a tmpfs remounted read-only (needs root; skipped otherwise)
    let mnt = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new("mount")
            .args(args)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    let m = mnt.path().to_str().unwrap();
    if !run(&["-t", "tmpfs", "-o", "size=16m", "none", m]) {
        eprintln!("r2 read-only mount: skipped (mount needs root here)");
        return;
    }
    let inner = mnt.path().join("d.sqlite");
    std::fs::copy(&path, &inner).unwrap();
    let remounted = run(&["-o", "remount,ro", m]);
    let outcome = std::panic::catch_unwind(|| {
        assert!(remounted, "remount read-only failed");
        assert!(
            std::fs::write(mnt.path().join("x"), b"x").is_err(),
            "the mount is writable"
        );
        let store = Store::open_read_only(&inner).unwrap();
        assert_eq!(store.list(10, None).unwrap().len(), 6);
        let v = verify::verify(&store, &Against::Recorded, None, &mut |_| {}).unwrap();
        assert!(v.chain_intact);
        assert_eq!(v.decisions, 6);
        store.is_immutable()
    });
    let _ = run(&["-o", "remount,rw", m]);
    let _ = std::process::Command::new("umount").arg(m).status();
    let immutable = outcome.unwrap();
    eprintln!(
        "r2 read-only mount: read {}",
        if immutable { "immutable" } else { "read-only" }
    );
}

// ---- item 6: cross-site writes, DNS rebinding, content types -------------------------------

#[tokio::test]
async fn r2_cross_site_writes_and_foreign_hosts_are_refused() {
    let d = app_with(Config::default());
    let check =
        |origin: Option<&str>, site: Option<&str>, host: Option<&str>, ct: &str, body: String| {
            let mut r = post("/api/v1/check?crs=EPSG:32643&use=residential&id=X", ct, ())
                .uri("/api/v1/check?crs=EPSG:32643&use=residential&id=X");
            if let Some(o) = origin {
                r = r.header(header::ORIGIN, o);
            }
            if let Some(s) = site {
                r = r.header("sec-fetch-site", s);
            }
            if let Some(h) = host {
                r = r.header(header::HOST, h);
            }
            r.body(Body::from(body)).unwrap()
        };
    // the attack of the issue: text/plain WKT from another page
    let r = call(
        &d.app,
        check(
            Some("http://evil.example"),
            None,
            Some("127.0.0.1:8080"),
            "text/plain",
            WKT.into(),
        ),
    )
    .await;
    r.assert_refused(StatusCode::FORBIDDEN, "cross_origin");
    assert!(r.message().contains("evil.example"), "{}", r.message());
    let r = call(
        &d.app,
        check(
            None,
            Some("cross-site"),
            Some("127.0.0.1:8080"),
            "text/plain",
            WKT.into(),
        ),
    )
    .await;
    r.assert_refused(StatusCode::FORBIDDEN, "cross_origin");
    let r = call(
        &d.app,
        check(Some("null"), None, None, "application/json", p025()),
    )
    .await;
    r.assert_refused(StatusCode::FORBIDDEN, "cross_origin");
    // the desk's own page, and clients that are not browsers
    let r = call(
        &d.app,
        check(
            Some("http://127.0.0.1:8080"),
            Some("same-origin"),
            Some("127.0.0.1:8080"),
            "text/plain",
            WKT.into(),
        ),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let r = call(
        &d.app,
        Request::post("/api/v1/check")
            .header(header::HOST, "localhost:8080")
            .header(header::CONTENT_TYPE, "application/geo+json")
            .body(Body::from(p025()))
            .unwrap(),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    // screening and cancelling are state-changing too
    let zip = include_bytes!("../../../fixtures/ogr/gk13.zip").to_vec();
    let r = call(
        &d.app,
        Request::post("/api/v1/screen")
            .header(header::ORIGIN, "https://evil.example")
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(zip))
            .unwrap(),
    )
    .await;
    r.assert_refused(StatusCode::FORBIDDEN, "cross_origin");
    let r = call(
        &d.app,
        Request::delete("/api/v1/jobs/job-000000000000")
            .header("sec-fetch-site", "same-site")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    r.assert_refused(StatusCode::FORBIDDEN, "cross_origin");

    // JSON endpoints take only the media types the OpenAPI document names
    for ct in [
        "",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let mut b = Request::post("/api/v1/check");
        if !ct.is_empty() {
            b = b.header(header::CONTENT_TYPE, ct);
        }
        let r = call(&d.app, b.body(Body::from(p025())).unwrap()).await;
        r.assert_refused(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    }
    let spec: Value = serde_json::from_str(api::OPENAPI).unwrap();
    let mut documented: Vec<&str> = spec["paths"]["/check"]["post"]["requestBody"]["content"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    documented.sort();
    assert_eq!(
        documented,
        ["application/geo+json", "application/json", "text/plain"]
    );

    // DNS rebinding: a name the desk was not given, on every route, GETs included
    for uri in ["/api/v1/decisions", "/healthz", "/", "/api/v1/openapi.json"] {
        let r = call(
            &d.app,
            Request::get(uri)
                .header(header::HOST, "evil.example:8080")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        r.assert_refused(StatusCode::FORBIDDEN, "host_not_allowed");
        assert!(
            r.message().contains("--allowed-host evil.example"),
            "{}",
            r.message()
        );
    }
    for host in [
        "127.0.0.1:8080",
        "localhost:8080",
        "[::1]:8080",
        "LOCALHOST",
    ] {
        let r = call(
            &d.app,
            Request::get("/api/v1/decisions")
                .header(header::HOST, host)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{host}");
    }
    let named = app_with(Config {
        allowed_hosts: vec!["desk.akimat.kz".into()],
        ..Config::default()
    });
    let r = call(
        &named.app,
        Request::get("/api/v1/decisions")
            .header(header::HOST, "Desk.Akimat.kz:443")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert!(v.get("head").is_some(), "the list carries the chain head");
}

#[tokio::test]
async fn r2_the_bearer_scheme_is_case_insensitive() {
    let d = app_with(Config {
        token: Some("s3cret".into()),
        ..Config::default()
    });
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let r = call(
            &d.app,
            Request::get("/api/v1/uses")
                .header(header::AUTHORIZATION, format!("{scheme} s3cret"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{scheme}");
    }
    for wrong in ["Basic s3cret", "Bearer s3cre", "bearers3cret", "s3cret"] {
        let r = call(
            &d.app,
            Request::get("/api/v1/uses")
                .header(header::AUTHORIZATION, wrong)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        r.assert_refused(StatusCode::UNAUTHORIZED, "unauthorized");
    }
}

// ---- item 10: uploads ----------------------------------------------------------------------

/// A zip (deflated, written by hand) of one GeoJSON polygon of `points` points, built
/// streaming: the uncompressed text never exists in memory.
fn zip_bomb(points: usize) -> Vec<u8> {
    use flate2::write::DeflateEncoder;
    let head = br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"BOMB"},"geometry":{"type":"Polygon","coordinates":[["#;
    let point = b"[76.9,43.2],";
    let tail = br#"[76.9,43.2]]]}}]}"#;
    let mut crc = flate2::Crc::new();
    let mut enc = DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    let chunk: Vec<u8> = point.repeat(100_000);
    enc.write_all(head).unwrap();
    crc.update(head);
    let mut left = points;
    while left > 0 {
        let n = left.min(100_000);
        let part = &chunk[..n * point.len()];
        enc.write_all(part).unwrap();
        crc.update(part);
        left -= n;
    }
    enc.write_all(tail).unwrap();
    crc.update(tail);
    let data = enc.finish().unwrap();
    let size = crc.amount();
    let name = b"bomb.geojson";
    let mut z = Vec::new();
    let local = |z: &mut Vec<u8>| {
        z.extend_from_slice(&[0x50, 0x4b, 3, 4, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0]);
        z.extend_from_slice(&crc.sum().to_le_bytes());
        z.extend_from_slice(&(data.len() as u32).to_le_bytes());
        z.extend_from_slice(&size.to_le_bytes());
        z.extend_from_slice(&(name.len() as u16).to_le_bytes());
        z.extend_from_slice(&0u16.to_le_bytes());
        z.extend_from_slice(name);
    };
    local(&mut z);
    z.extend_from_slice(&data);
    let cd = z.len();
    z.extend_from_slice(&[0x50, 0x4b, 1, 2, 20, 0, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0]);
    z.extend_from_slice(&crc.sum().to_le_bytes());
    z.extend_from_slice(&(data.len() as u32).to_le_bytes());
    z.extend_from_slice(&size.to_le_bytes());
    z.extend_from_slice(&(name.len() as u16).to_le_bytes());
    z.extend_from_slice(&[0; 12]);
    z.extend_from_slice(&0u32.to_le_bytes());
    z.extend_from_slice(name);
    let cd_len = z.len() - cd;
    z.extend_from_slice(&[0x50, 0x4b, 5, 6, 0, 0, 0, 0, 1, 0, 1, 0]);
    z.extend_from_slice(&(cd_len as u32).to_le_bytes());
    z.extend_from_slice(&(cd as u32).to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z
}

#[tokio::test]
async fn r2_a_zip_bomb_is_refused_from_its_directory_before_anything_is_unpacked() {
    let bomb = zip_bomb(20_000_000);
    assert!(bomb.len() < 2 << 20, "the bomb is {} bytes", bomb.len());
    let d = app_with(Config::default());
    let started = Instant::now();
    let r = call(
        &d.app,
        Request::post("/api/v1/import")
            .body(Body::from(bomb.clone()))
            .unwrap(),
    )
    .await;
    r.assert_refused(StatusCode::PAYLOAD_TOO_LARGE, "unpacked_too_large");
    assert!(r.message().contains("240000"), "{}", r.message());
    // screening takes a Shapefile or GeoPackage: a zip of GeoJSON is not read at all
    let r = call(
        &d.app,
        Request::post("/api/v1/screen")
            .body(Body::from(bomb))
            .unwrap(),
    )
    .await;
    r.assert_refused(StatusCode::BAD_REQUEST, "bad_request");
    assert!(r.message().contains("bomb.geojson"), "{}", r.message());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // the same file, small enough, is read
    let small = zip_bomb(100);
    let r = call(
        &d.app,
        Request::post("/api/v1/import")
            .body(Body::from(small))
            .unwrap(),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.json()["features"][0]["properties"]["id"], "BOMB");
}

/// A GeoPackage whose only layer is a view over a recursive CTE that never ends.
fn view_geopackage(path: &Path) {
    let c = Connection::open(path).unwrap();
    c.execute_batch(
        "PRAGMA application_id = 1196444487; PRAGMA user_version = 10300;
         CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
             organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
         INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84', 4326, 'EPSG', 4326, 'GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563]],PRIMEM[\"Greenwich\",0],UNIT[\"degree\",0.0174532925199433]]', NULL);
         CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
             description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
             min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
         CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
             srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, PRIMARY KEY (table_name, column_name));
         CREATE VIEW parcels AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)
             SELECT n AS fid, CAST(NULL AS BLOB) AS geom, 'P-' || n AS id FROM r;
         INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('parcels', 'features', 'parcels', 4326);
         INSERT INTO gpkg_geometry_columns VALUES ('parcels', 'geom', 'POLYGON', 4326, 0, 0);",
    )
    .unwrap();
}

#[tokio::test]
async fn r2_a_geopackage_layer_that_is_a_view_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("view.gpkg");
    view_geopackage(&path);
    let bytes = std::fs::read(&path).unwrap();
    let d = app_with(Config::default());
    let started = Instant::now();
    for endpoint in ["/api/v1/import", "/api/v1/screen"] {
        let r = call(
            &d.app,
            Request::post(endpoint)
                .body(Body::from(bytes.clone()))
                .unwrap(),
        )
        .await;
        r.assert_refused(StatusCode::BAD_REQUEST, "bad_request");
        assert!(
            r.message().contains("an SQL view (`parcels`)"),
            "{}",
            r.message()
        );
    }
    // GDAL reads the GeoPackage's own tables as it opens it: one of them made a view
    // over an endless query is refused the same way, before GDAL sees the file
    let meta = dir.path().join("metadata-view.gpkg");
    view_geopackage(&meta);
    Connection::open(&meta)
        .unwrap()
        .execute_batch(
            "DROP VIEW parcels; CREATE TABLE parcels (fid INTEGER PRIMARY KEY, geom BLOB, id TEXT);
             ALTER TABLE gpkg_spatial_ref_sys RENAME TO srs_table;
             CREATE VIEW gpkg_spatial_ref_sys AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)
                 SELECT s.* FROM srs_table s, r;",
        )
        .unwrap();
    let r = call(
        &d.app,
        Request::post("/api/v1/import")
            .body(Body::from(std::fs::read(&meta).unwrap()))
            .unwrap(),
    )
    .await;
    r.assert_refused(StatusCode::BAD_REQUEST, "bad_request");
    assert!(
        r.message()
            .contains("`gpkg_spatial_ref_sys`, where the GeoPackage's own metadata table"),
        "{}",
        r.message()
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn r2_unclear_upload_errors_now_say_what_is_wrong() {
    let d = app_with(Config::default());
    let import = |bytes: &'static [u8]| {
        Request::post("/api/v1/import")
            .body(Body::from(bytes))
            .unwrap()
    };
    // a zipped folder is read from inside the folder
    let r = call(
        &d.app,
        import(include_bytes!(
            "../../../fixtures/bad/desk/zipped-folder.zip"
        )),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert!(!r.json()["features"].as_array().unwrap().is_empty());
    // a folder without a Shapefile says so, and what it found
    let r = call(
        &d.app,
        import(include_bytes!(
            "../../../fixtures/bad/desk/zipped-folder-no-shp.zip"
        )),
    )
    .await;
    r.assert_refused(StatusCode::BAD_REQUEST, "bad_request");
    let m = r.message();
    assert!(
        m.contains("a folder `export/`") && m.contains("`export/readme.txt`"),
        "{m}"
    );
    // a zip without its .shp names it
    let r = call(
        &d.app,
        import(include_bytes!(
            "../../../fixtures/bad/desk/zip-without-shp.zip"
        )),
    )
    .await;
    r.assert_refused(StatusCode::BAD_REQUEST, "bad_request");
    assert!(
        r.message().contains("the zip has no `parcels.shp`"),
        "{}",
        r.message()
    );
    // 600 parcels: the real count and the limit
    let r = call(
        &d.app,
        import(include_bytes!(
            "../../../fixtures/bad/desk/many-parcels.geojson"
        )),
    )
    .await;
    r.assert_refused(StatusCode::UNPROCESSABLE_ENTITY, "too_many_parcels");
    assert!(
        r.message().starts_with("600 parcels") && r.message().contains("limit of 500"),
        "{}",
        r.message()
    );
}

#[tokio::test]
async fn r2_imports_are_bounded_in_number() {
    let d = app_with(Config {
        limits: Limits {
            max_imports: 1,
            request_timeout: Duration::from_secs(3),
            ..Limits::default()
        },
        ..Config::default()
    });
    // one import whose body stalls holds the only slot …
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    tx.send(Ok(Bytes::from_static(b"{\"type\":")))
        .await
        .unwrap();
    let stalled = Body::from_stream(Receiver(rx));
    let app = d.app.clone();
    let first = tokio::spawn(async move {
        call(&app, Request::post("/api/v1/import").body(stalled).unwrap()).await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // … so the next is told to come back
    let r = call(
        &d.app,
        Request::post("/api/v1/import")
            .body(Body::from(zip_bomb(10)))
            .unwrap(),
    )
    .await;
    r.assert_refused(StatusCode::TOO_MANY_REQUESTS, "too_many_imports");
    // the stalled one ends at the time limit and gives the slot back
    let r = first.await.unwrap();
    r.assert_refused(StatusCode::REQUEST_TIMEOUT, "timeout");
    drop(tx);
    let r = call(
        &d.app,
        Request::post("/api/v1/import")
            .body(Body::from(zip_bomb(10)))
            .unwrap(),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
}

struct Receiver(tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>);

impl futures_core::Stream for Receiver {
    type Item = Result<Bytes, std::io::Error>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

// ---- item 11: the job limit -----------------------------------------------------------------

#[test]
fn r2_twelve_simultaneous_reservations_against_four_get_exactly_four() {
    let jobs = Jobs::new(
        desk(),
        Limits {
            max_jobs: 4,
            ..Limits::default()
        },
    );
    let barrier = Arc::new(std::sync::Barrier::new(12));
    let handles: Vec<_> = (0..12)
        .map(|_| {
            let (jobs, barrier) = (jobs.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                let slot = jobs.reserve();
                let ok = slot.is_ok();
                // hold it while the others try
                std::thread::sleep(Duration::from_millis(200));
                drop(slot);
                ok
            })
        })
        .collect();
    let accepted = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|ok| *ok)
        .count();
    assert_eq!(accepted, 4);
    // every place came back
    let again: Vec<_> = (0..4).map(|_| jobs.reserve()).collect();
    assert!(again.iter().all(Result::is_ok));
    assert!(jobs.reserve().is_err());
}

#[tokio::test]
async fn r2_simultaneous_screens_never_exceed_the_job_limit() {
    let d = app_with(Config {
        limits: Limits {
            max_jobs: 4,
            ..Limits::default()
        },
        ..Config::default()
    });
    let zip = include_bytes!("../../../fixtures/ogr/gk13.zip").to_vec();
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let (app, zip) = (d.app.clone(), zip.clone());
            tokio::spawn(async move {
                call(
                    &app,
                    Request::post("/api/v1/screen?id_field=kad_nomer")
                        .body(Body::from(zip))
                        .unwrap(),
                )
                .await
                .status
            })
        })
        .collect();
    let mut accepted = 0;
    for t in tasks {
        let s = t.await.unwrap();
        assert!(
            s == StatusCode::ACCEPTED || s == StatusCode::TOO_MANY_REQUESTS,
            "{s}"
        );
        accepted += usize::from(s == StatusCode::ACCEPTED);
    }
    // jobs that finished during the burst give their place back: never more than 4 at
    // once, which the reservation test above pins exactly
    assert!((1..=12).contains(&accepted));
}

// ---- hyper's own refusals, in JSON; idle connections closed ---------------------------------

fn real_server(
    limits: Limits,
) -> (
    u16,
    tokio::sync::oneshot::Sender<()>,
    std::thread::JoinHandle<()>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.sqlite");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    let server = std::thread::spawn(move || {
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            port_tx.send(addr.port()).unwrap();
            let store = Store::open(&path, Durability::Normal).unwrap();
            let config = Config {
                bind: addr,
                limits,
                ..Config::default()
            };
            let state = State::with_store(desk(), store, &config).unwrap();
            api::serve(listener, state, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        })
    });
    let port = port_rx.recv().unwrap();
    (port, stop, server, dir)
}

fn raw(port: u16, request: &[u8]) -> String {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.write_all(request);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn r2_hypers_own_400_and_431_are_json_and_idle_connections_are_closed() {
    let (port, stop, server, _dir) = real_server(Limits {
        idle_timeout: Duration::from_secs(1),
        ..Limits::default()
    });
    let answer = raw(port, b"G\x01T /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "bad_request");
    assert_eq!(body["error"]["status"], 400);
    let big = format!(
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {}\r\n\r\n",
        "a".repeat(100_000)
    );
    let answer = raw(port, big.as_bytes());
    assert!(
        answer.starts_with("HTTP/1.1 431 "),
        "{}",
        &answer[..answer.len().min(300)]
    );
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "headers_too_large");
    // a good request still works, and a foreign Host is refused on a real socket too
    let answer = raw(
        port,
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    let answer = raw(
        port,
        b"GET /healthz HTTP/1.1\r\nHost: rebind.evil.example\r\nConnection: close\r\n\r\n",
    );
    assert!(
        answer.starts_with("HTTP/1.1 403 ") && answer.contains("host_not_allowed"),
        "{answer}"
    );
    // a connection that sends nothing, and one that stops half-way through its head, are
    // closed after the idle timeout
    let started = Instant::now();
    let silent = raw(port, b"");
    let half = raw(port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert!(!silent.contains("200"), "{silent}");
    assert!(!half.contains("200 OK"), "{half}");
    stop.send(()).unwrap();
    server.join().unwrap();
}

#[tokio::test]
async fn r2_an_import_past_the_vertex_limit_is_refused_before_any_geometry_is_built() {
    // one polygon of 2.5 million points: 30 MB of GeoJSON, under the 32 MiB an import
    // takes, which GDAL's GeoJSON driver would parse whole and build before aimaq saw a
    // vertex. Counted first, it is refused at the 200,001st.
    let points = 2_500_000;
    let mut plain = br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"BIG"},"geometry":{"type":"Polygon","coordinates":[["#.to_vec();
    plain.extend(b"[76.9,43.2],".repeat(points));
    plain.extend(br#"[76.9,43.2]]]}}]}"#);
    assert!(plain.len() < 32 << 20, "{} bytes", plain.len());
    let mut kml = br#"<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>BIG</name><Polygon><outerBoundaryIs><LinearRing><coordinates>"#.to_vec();
    kml.extend(b"76.9,43.2,0 ".repeat(300_000));
    kml.extend(
        b"</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>",
    );
    let d = app_with(Config {
        limits: Limits {
            request_timeout: Duration::from_secs(60),
            ..Limits::default()
        },
        ..Config::default()
    });
    for (what, bytes) in [
        ("plain GeoJSON", plain),
        ("zipped GeoJSON", zip_bomb(points)),
        ("KML", kml),
    ] {
        let started = Instant::now();
        let r = call(
            &d.app,
            Request::post("/api/v1/import")
                .body(Body::from(bytes))
                .unwrap(),
        )
        .await;
        let took = started.elapsed();
        r.assert_refused(StatusCode::PAYLOAD_TOO_LARGE, "too_many_vertices");
        let m = r.message();
        assert!(
            m.contains("at least 200001 vertices") && m.contains("limit of 200000"),
            "{what}: {m}"
        );
        eprintln!("{what}: refused in {took:?}");
        assert!(took < Duration::from_secs(3), "{what}: {took:?}");
    }
    // below the limit the same shapes are read
    let r = call(
        &d.app,
        Request::post("/api/v1/import")
            .body(Body::from(zip_bomb(1_000)))
            .unwrap(),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
}
