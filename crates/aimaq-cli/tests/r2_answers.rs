//! Issue 18, round 2, the answers aimaq gives: text output that cannot forge a line or
//! command a terminal, CSV cells that cannot run as formulas, no "clear" outside the
//! dataset, no measuring CRS that distorts, no parcel too small to measure.

use std::path::Path;

mod common;
use common::{aimaq, repo, text};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(out)))
}

fn parcel<'a>(doc: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    doc["parcels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("no parcel {id:?}"))
}

#[test]
fn r2_ids_cannot_forge_a_line_or_reach_the_terminal_in_check_text() {
    let run = aimaq(&["check", s(&repo("fixtures/bad/control-ids.geojson"))]);
    let out = String::from_utf8(run.stdout.clone()).unwrap();
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\0'));
    assert!(!out.lines().any(|l| l.starts_with("P-999")), "{out}");
    assert!(
        out.contains(r"P-1\nP-999 residential 1.0 m² CLEAR"),
        "{out}"
    );
    assert!(out.contains(r"P-2\e[2J\e]0;owned\u{7}"), "{out}");
    // a NUL does not cut the id short
    assert!(out.contains(r"P-3\0hidden"), "{out}");
    // the JSON contract keeps every id as it was
    let doc = json(&aimaq(&[
        "check",
        "--format",
        "json",
        s(&repo("fixtures/bad/control-ids.geojson")),
    ]));
    parcel(&doc, "P-1\nP-999 residential 1.0 m² CLEAR");
    parcel(&doc, "P-3\0hidden");
}

#[test]
fn r2_report_text_escapes_ids_and_csv_neutralises_formulas_keeping_the_original_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let input = repo("fixtures/bad/control-ids.geojson");
    let gpkg = dir.path().join("r.gpkg");
    let csv = dir.path().join("r.csv");
    let geojson = dir.path().join("r.geojson");
    for out in [&gpkg, &csv, &geojson] {
        let run = aimaq(&["screen", s(&input), "--out", s(out), "--progress", "off"]);
        assert!(matches!(run.status.code(), Some(0 | 2)), "{}", text(&run));
    }
    // report-text: escaped
    let run = aimaq(&["report-text", s(&gpkg)]);
    let out = String::from_utf8(run.stdout.clone()).unwrap();
    assert!(run.status.success(), "{}", text(&run));
    assert!(!out.contains('\u{1b}') && !out.contains('\0'), "{out}");
    assert!(!out.lines().any(|l| l.starts_with("P-999")), "{out}");
    assert!(out.contains(r"P-2\e[2J\e]0;owned\u{7}"), "{out}");
    // (GDAL's readers hold strings as C strings: `screen` sees `P-3\0hidden` as `P-3`;
    // `check` reads GeoJSON itself and keeps it, above)
    // CSV: formula cells get a quote in front, other cells are left alone
    let table = std::fs::read_to_string(&csv).unwrap();
    assert!(
        table.contains(r#""'=HYPERLINK(""http://evil.example"")""#),
        "{table}"
    );
    assert!(table.contains("'@SUM(1+1)"), "{table}");
    assert!(table.contains("'+cmd"), "{table}");
    assert!(
        !table.contains(",=HYPERLINK") && !table.contains(",@SUM"),
        "{table}"
    );
    // GeoJSON and the GeoPackage keep the originals, NUL included
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&geojson).unwrap()).unwrap();
    let ids: Vec<&str> = doc["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["properties"]["parcel"].as_str())
        .collect();
    assert!(
        ids.contains(&"=HYPERLINK(\"http://evil.example\")"),
        "{ids:?}"
    );
    assert!(
        ids.contains(&"P-1\nP-999 residential 1.0 m² CLEAR"),
        "{ids:?}"
    );
    let db = rusqlite::Connection::open(&gpkg).unwrap();
    let kept: i64 = db
        .query_row(
            "SELECT count(*) FROM parcels WHERE parcel IN (?1, ?2, ?3)",
            [
                "@SUM(1+1)",
                "=HYPERLINK(\"http://evil.example\")",
                "P-2\u{1b}[2J\u{1b}]0;owned\u{7}",
            ],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, 3);
}

#[test]
fn r2_a_parcel_outside_the_dataset_is_an_error_row_in_check_and_screen() {
    let input = repo("fixtures/bad/outside-dataset.geojson");
    let run = aimaq(&["check", "--format", "json", s(&input)]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    let doc = json(&run);
    assert_eq!(parcel(&doc, "talgar")["verdict"], "conditional");
    for place in ["bishkek", "karakol", "balkhash"] {
        let p = parcel(&doc, place);
        assert_eq!(p["verdict"], "error", "{p}");
        let e = p["error"].as_str().unwrap();
        assert!(e.contains("outside the dataset's extent ("), "{e}");
        assert!(e.contains("°E") && e.contains("°N"), "{e}");
    }
    let e = parcel(&doc, "talgar-swapped")["error"].as_str().unwrap();
    assert!(
        e.contains("with x and y swapped it would lie inside"),
        "{e}"
    );
    // screen: the same rule, the same reasons
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.geojson");
    let run = aimaq(&["screen", s(&input), "--out", s(&out), "--progress", "off"]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    let rows: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    for place in ["bishkek", "karakol", "balkhash", "talgar-swapped"] {
        let row = rows["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["parcel"] == place)
            .unwrap();
        assert_eq!(row["properties"]["verdict"], "error", "{row}");
        assert_eq!(
            row["properties"]["error"],
            parcel(&doc, place)["error"],
            "check and screen give one reason"
        );
    }
}

#[test]
fn r2_a_measuring_crs_that_distorts_is_refused_and_utm_43n_is_not() {
    let demo = repo("fixtures/parcels/demo.geojson");
    let run = aimaq(&["check", "--crs", "EPSG:3857", "--format", "json", s(&demo)]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    let t = text(&run);
    assert!(run.stdout.is_empty(), "nothing answered: {t}");
    assert!(
        t.contains("EPSG:3857") && t.contains("beyond aimaq's tolerance of 1 %"),
        "{t}"
    );
    assert!(t.contains("it is not conformal"), "{t}");
    assert!(t.contains("measure in EPSG:32643"), "{t}");
    // screen refuses it too, before writing anything
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.gpkg");
    let run = aimaq(&[
        "screen",
        s(&demo),
        "--out",
        s(&out),
        "--crs",
        "EPSG:3857",
        "--progress",
        "off",
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(!out.exists());
    // the default, UTM 43N, measures P-026 as the ground does: inside the 2,000 m of
    // L611-613, beyond the river's zone, so review (issue 19 item 6, L582)
    let doc = json(&aimaq(&["check", "--format", "json", s(&demo)]));
    assert_eq!(parcel(&doc, "P-026")["verdict"], "review");
    assert_eq!(parcel(&doc, "P-026")["findings"][0]["limit_m"], 2000.0);
}

#[test]
fn r2_a_parcel_too_small_to_measure_is_an_error_row() {
    let run = aimaq(&[
        "check",
        "--format",
        "json",
        s(&repo("fixtures/bad/too-small.geojson")),
    ]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    let doc = json(&run);
    let p = parcel(&doc, "speck");
    assert_eq!(p["verdict"], "error");
    assert!(p["findings"].as_array().unwrap().is_empty());
    let e = p["error"].as_str().unwrap();
    assert!(
        e.starts_with("parcel too small to measure: its area is ")
            && e.contains("below the minimum of 0.01 m²"),
        "{e}"
    );
}

/// The `parcel` column of every row of a report GDAL reads (all its layers).
fn parcel_ids(path: &Path) -> Vec<String> {
    use gdal::vector::LayerAccess;
    let ds = gdal::Dataset::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut ids = Vec::new();
    for mut layer in ds.layers() {
        if layer.name() == "findings" {
            continue;
        }
        for f in layer.features() {
            if let Ok(i) = f.field_index("parcel") {
                ids.extend(f.field_as_string(i).ok().flatten());
            }
        }
    }
    ids
}

#[test]
fn r2_a_nul_byte_never_cuts_an_id_in_screen_in_any_sink() {
    // GDAL hands text over as C strings: `P-1\0a` and `P-1\0b` both read `P-1`, two
    // parcels under one id. The ids are restored from the file; the compact GeoPackage
    // keeps the NUL, the formats GDAL writes get `\0` and a warning
    let bad = repo("fixtures/bad/nul-ids.geojson");
    let dir = tempfile::tempdir().unwrap();
    for (ext, wide) in [
        ("gpkg", false),
        ("gpkg", true),
        ("csv", false),
        ("geojson", false),
        ("fgb", false),
    ] {
        let out = dir
            .path()
            .join(format!("r{}.{ext}", if wide { "-wide" } else { "" }));
        let mut args = vec!["screen", s(&bad), "--out", s(&out), "--progress", "off"];
        if wide {
            args.push("--verbose-rows");
        }
        let run = aimaq(&args);
        // the record without a geometry is an error row
        assert_eq!(run.status.code(), Some(2), "{ext}: {}", text(&run));
        let said = text(&run);
        let summary: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{}.summary.json", out.display())).unwrap(),
        )
        .unwrap();
        assert_eq!(summary["parcels_in"], 3, "{ext}");
        if ext == "gpkg" && !wide {
            // SQLite stores the text whole: the NUL is kept, as in JSON
            let conn = rusqlite::Connection::open(&out).unwrap();
            let mut ids: Vec<String> = conn
                .prepare("SELECT parcel FROM parcels ORDER BY parcel")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            ids.sort();
            assert_eq!(ids, ["P-1\0a", "P-1\0b", "P-1\0c"], "{ext}");
            assert!(summary.get("warnings").is_none(), "{summary}");
            continue;
        }
        let mut ids = parcel_ids(&out);
        if ext == "fgb" {
            // FlatGeobuf cannot hold the row without a geometry: it is in the CSV beside
            let side = dir.path().join("r.fgb.errors.csv");
            assert_eq!(summary["error_rows_file"], s(&side), "{summary}");
            ids.extend(parcel_ids(&side));
        }
        ids.sort();
        ids.dedup();
        assert_eq!(ids, [r"P-1\0a", r"P-1\0b", r"P-1\0c"], "{ext}: {ids:?}");
        let warning = summary["warnings"][0].as_str().unwrap_or_default();
        assert!(
            warning.contains("NUL") && warning.contains(r"P-1\0"),
            "{ext}: {summary}"
        );
        assert!(
            said.contains("WARNING") && said.contains("NUL"),
            "{ext}: {said}"
        );
    }
}
