//! `aimaq zones` as a map: every layer styled and titled in the export's language, the
//! benchmark tables only on request; `aimaq screen --progress json` as the QGIS provider
//! reads it.

use rusqlite::Connection;
use std::collections::BTreeMap;
use std::path::Path;

mod common;
use common::{aimaq, repo, text};

fn zones(out: &Path, extra: &[&str]) {
    let mut args = vec![
        "zones",
        "--out",
        out.to_str().unwrap(),
        "--use",
        "residential",
    ];
    args.extend_from_slice(extra);
    let run = aimaq(&args);
    assert!(run.status.success(), "{}", text(&run));
}

/// Feature tables in listing order, with their titles.
fn tables(db: &Connection) -> Vec<(String, String)> {
    let mut st = db
        .prepare("SELECT table_name, identifier FROM gpkg_contents WHERE data_type = 'features' ORDER BY rowid")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn styles(db: &Connection) -> BTreeMap<String, String> {
    let mut st = db
        .prepare("SELECT f_table_name, styleQML FROM layer_styles WHERE useAsDefault = 1")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn every_zones_layer_is_styled_and_titled_in_the_export_language() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("zones-kk.gpkg");
    zones(&out, &["--lang", "kk"]);
    let db = Connection::open(&out).unwrap();
    let tables = tables(&db);
    let names: Vec<&str> = tables.iter().map(|(t, _)| t.as_str()).collect();
    // bottom up as the map draws them; no benchmark table in a user's map
    assert_eq!(
        names,
        [
            "zone_areas",
            "zone_strips",
            "source_areas",
            "settlements",
            "source_lines"
        ]
    );
    let styles = styles(&db);
    for (table, title) in &tables {
        let qml = styles
            .get(table)
            .unwrap_or_else(|| panic!("{table} has no default style"));
        assert!(!qml.contains("{{"), "{table}: a legend word left unfilled");
        assert!(
            title
                .chars()
                .any(|c| ('\u{0400}'..='\u{04FF}').contains(&c)),
            "{table}: {title}"
        );
    }
    // regime words and layer names in Kazakh, water blue and labelled, towns labelled
    assert!(styles["zone_strips"].contains("label=\"Тыйым салынған\""));
    assert!(!styles["zone_strips"].contains("Prohibited"));
    assert!(styles["source_lines"].contains("label=\"Теміржол\""));
    assert!(styles["source_areas"].contains("value=\"water_bodies\""));
    for table in ["source_lines", "source_areas", "settlements"] {
        assert!(
            styles[table].contains("labelsEnabled=\"1\""),
            "{table} labelled"
        );
    }
    let name: String = db
        .query_row(
            "SELECT feature_name FROM settlements WHERE feature = 'set-003'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(name, "Талғар", "settlements named in the export's language");
}

#[test]
fn the_benchmark_tables_come_only_with_join_tables() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("zones.gpkg");
    zones(&out, &["--join-tables"]);
    let db = Connection::open(&out).unwrap();
    let names: Vec<String> = tables(&db).into_iter().map(|(t, _)| t).collect();
    assert_eq!(&names[5..], ["join_lines", "join_areas"]);
    let rows: i64 = db
        .query_row(
            "SELECT (SELECT count(*) FROM join_lines) + (SELECT count(*) FROM join_areas)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(rows > 0);
    assert!(styles(&db).contains_key("join_areas"));
}

#[test]
fn screen_reports_progress_as_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.gpkg");
    let input = repo("fixtures/ogr/gk13/parcels.shp");
    let run = aimaq(&[
        "screen",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--progress",
        "json",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&run.stderr)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let counts: Vec<(u64, Option<u64>)> = lines
        .iter()
        .filter_map(|l| {
            let p = l["progress"].as_object()?;
            Some((p["done"].as_u64()?, p["total"].as_u64()))
        })
        .collect();
    assert!(counts.len() >= 2, "{lines:?}");
    assert_eq!(counts[0].0, 0);
    let (done, total) = *counts.last().unwrap();
    assert_eq!(
        Some(done),
        total,
        "the last line says every parcel is done: {lines:?}"
    );
    assert!(lines.iter().any(|l| l["progress"] == "finishing"));
    // the report's `findings` table draws nothing: findings_view is the one layer shown
    let db = Connection::open(&out).unwrap();
    let qml: String = db
        .query_row(
            "SELECT styleQML FROM layer_styles WHERE f_table_name = 'findings'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(qml.contains("type=\"nullSymbol\""), "findings table style");
}
