//! `aimaq screen` end to end on the OGR fixtures (fixtures/ogr, built by make.sh from the
//! demo parcels): CRSs, encodings, formats, refusals, broken records.

use gdal::vector::LayerAccess;
use gdal::Dataset;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::{aimaq, text};

/// A repository path as an argument.
fn repo(path: &str) -> String {
    common::repo(path).to_string_lossy().into_owned()
}

fn screen(input: &str, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "screen",
        input,
        "--out",
        out.to_str().unwrap(),
        "--progress",
        "off",
    ];
    args.extend_from_slice(extra);
    aimaq(&args)
}

fn summary(report: &Path) -> serde_json::Value {
    let name = report.file_name().unwrap().to_string_lossy();
    let path = report.with_file_name(format!("{name}.summary.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Field values of a layer, as text, one map per feature.
fn rows(path: &Path, layer: &str) -> Vec<BTreeMap<String, String>> {
    let ds = Dataset::open(path).unwrap();
    let mut layer = ds.layer_by_name(layer).unwrap();
    let names: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    layer
        .features()
        .map(|f| {
            names
                .iter()
                .enumerate()
                .filter_map(|(i, n)| {
                    let v = f.field_as_string(i).ok().flatten()?;
                    Some((n.clone(), v))
                })
                .collect()
        })
        .collect()
}

fn ogrinfo_count(path: &Path, layer: &str) -> usize {
    let out = Command::new("ogrinfo")
        .args(["-so", path.to_str().unwrap(), layer])
        .output()
        .expect("ogrinfo (gdal-bin) is installed by .ci/setup");
    let s = String::from_utf8_lossy(&out.stdout);
    s.lines()
        .find_map(|l| l.strip_prefix("Feature Count: "))
        .unwrap_or_else(|| panic!("ogrinfo printed no count: {s}"))
        .trim()
        .parse()
        .unwrap()
}

/// A finding as (rule, feature, distance).
type Expected = (String, String, f64);

/// Verdict and findings (rule, feature, distance) per parcel from `aimaq check` on the
/// demo GeoJSON: what every other format of the same parcels must reproduce.
fn demo_answers() -> Vec<(String, Vec<Expected>)> {
    let out = aimaq(&[
        "check",
        "--format",
        "json",
        &repo("fixtures/parcels/demo.geojson"),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["parcels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let findings = p["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap().to_string(),
                        f["feature"].as_str().unwrap().to_string(),
                        f["distance_m"].as_f64().unwrap(),
                    )
                })
                .collect();
            (p["verdict"].as_str().unwrap().to_string(), findings)
        })
        .collect()
}

/// How many demo parcels there are.
fn demo_count() -> usize {
    demo_answers().len()
}

fn assert_same_answers(report: &Path) {
    let parcels = rows(report, "parcels");
    // the compact report's readable layer: findings joined to their parcel and texts
    let findings = rows(report, "findings_view");
    let expected = demo_answers();
    assert_eq!(parcels.len(), expected.len());
    let mut at = 0;
    for (p, (verdict, want)) in parcels.iter().zip(&expected) {
        assert_eq!(&p["verdict"], verdict, "parcel {}", p["parcel"]);
        assert_eq!(p["findings"].parse::<usize>().unwrap(), want.len());
        for (rule, feature, distance) in want {
            let f = &findings[at];
            at += 1;
            assert_eq!(f["parcel"], p["parcel"]);
            assert_eq!((&f["rule"], &f["feature"]), (rule, feature));
            // through Pulkovo 1942 and back: the same transformation both ways, so
            // distances agree to well under a centimetre
            let d: f64 = f["distance_m"].parse().unwrap();
            assert!(
                (d - distance).abs() < 0.005,
                "{rule} {feature}: {d} vs {distance}"
            );
        }
    }
    assert_eq!(at, findings.len());
}

#[test]
fn gauss_kruger_shapefile_with_kazakh_text_gives_the_demo_answers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.gpkg");
    let run = screen(
        &repo("fixtures/ogr/gk13/parcels.shp"),
        &out,
        &["--id-field", "kad_nomer"],
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    assert!(text(&run).contains("Pulkovo 1942 / Gauss-Kruger zone 13"));
    assert_eq!(ogrinfo_count(&out, "parcels"), demo_count());
    let s = summary(&out);
    assert_eq!(
        ogrinfo_count(&out, "findings") as u64,
        s["findings"].as_u64().unwrap()
    );
    assert_eq!(s["reprojected"], true);
    assert_same_answers(&out);
    // both layers carry an R-tree spatial index, as QGIS expects of a GeoPackage; a
    // finding covering its whole parcel stores no geometry (the view shows the parcel's)
    let ds = Dataset::open(&out).unwrap();
    let count = |sql: &str| -> usize {
        let mut rs = ds
            .execute_sql(sql, None, gdal::vector::sql::Dialect::DEFAULT)
            .unwrap()
            .unwrap();
        let n = rs.features().next().unwrap().field_as_integer(0).unwrap();
        n.unwrap() as usize
    };
    let drawn = count("SELECT count(*) FROM findings WHERE geom IS NOT NULL");
    assert!(
        drawn < ogrinfo_count(&out, "findings"),
        "whole-parcel findings share the parcel's geometry"
    );
    assert_eq!(
        ogrinfo_count(&out, "findings_view"),
        ogrinfo_count(&out, "findings")
    );
    for (layer, n) in [("parcels", demo_count()), ("findings", drawn)] {
        let sql = format!("SELECT count(*) AS n FROM rtree_{layer}_geom");
        let mut rs = ds
            .execute_sql(&sql, None, gdal::vector::sql::Dialect::DEFAULT)
            .unwrap()
            .unwrap();
        let indexed = rs.features().next().unwrap().field_as_integer(0).unwrap();
        assert_eq!(indexed, Some(n as i32), "{layer}");
    }
    // Kazakh and Russian text survive the .cpg-declared UTF-8 into the report
    let parcels = rows(&out, "parcels");
    assert_eq!(parcels[0]["parcel"], "ҚР-001");
    assert_eq!(
        parcels[0]["mekenzhai"],
        "Алматы облысы, Қарасай ауданы, P-001"
    );
    assert_eq!(parcels[4]["opisanie"], "Земельный участок P-005 (кадастр)");
    // the report is in the parcels' CRS unless told otherwise
    let srs = ds.layer_by_name("findings").unwrap().spatial_ref().unwrap();
    assert_eq!(srs.auth_code().unwrap(), 28413);
}

#[test]
fn windows_1251_shapefile_keeps_its_russian_text() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.gpkg");
    let run = screen(&repo("fixtures/ogr/gk13-cp1251/parcels.shp"), &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let parcels = rows(&out, "parcels");
    assert_eq!(parcels[0]["parcel"], "P-001");
    assert_eq!(parcels[0]["adres"], "Участок № 001, Алматинская область");
}

#[test]
fn geopackage_in_degrees_gives_the_demo_answers_in_every_report_format() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("report.gpkg");
    let run = screen(
        &repo("fixtures/ogr/demo.gpkg"),
        &gpkg,
        &["--t-srs", "EPSG:32643"],
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    assert_eq!(ogrinfo_count(&gpkg, "parcels"), demo_count());
    assert_same_answers(&gpkg);
    let findings = summary(&gpkg)["findings"].as_u64().unwrap() as usize;
    let with_findings = rows(&gpkg, "parcels")
        .iter()
        .filter(|p| p["findings"] != "0")
        .count();
    for ext in ["csv", "geojson", "fgb"] {
        let out = dir.path().join(format!("report.{ext}"));
        let run = screen(&repo("fixtures/ogr/demo.gpkg"), &out, &[]);
        assert_eq!(run.status.code(), Some(0), "{ext}: {}", text(&run));
        let ds = Dataset::open(&out).unwrap();
        let table = ds.layer(0).unwrap();
        // a row per finding plus one per parcel with none
        assert_eq!(
            table.feature_count() as usize,
            findings + demo_count() - with_findings,
            "{ext}"
        );
    }
}

#[test]
fn a_shapefile_without_prj_is_refused_unless_the_crs_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.gpkg");
    let input = repo("fixtures/ogr/no-prj/parcels.shp");
    let run = screen(&input, &out, &[]);
    assert_eq!(run.status.code(), Some(1));
    assert!(text(&run).contains("has no CRS"), "{}", text(&run));
    assert!(text(&run).contains("--s-srs"), "{}", text(&run));
    assert!(!out.exists(), "nothing is written for a refused input");
    let run = screen(
        &input,
        &out,
        &["--s-srs", "EPSG:28413", "--id-field", "kad_nomer"],
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    assert_same_answers(&out);
}

#[test]
fn degrees_labelled_as_utm_metres_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.gpkg");
    let run = screen(&repo("fixtures/ogr/degrees-as-utm.gpkg"), &out, &[]);
    assert_eq!(run.status.code(), Some(1));
    assert!(text(&run).contains("look like degrees"), "{}", text(&run));
}

#[test]
fn broken_records_each_get_a_row_and_the_repairable_ones_are_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.gpkg");
    let run = screen(&repo("fixtures/ogr/broken.gpkg"), &out, &[]);
    assert_eq!(run.status.code(), Some(2), "records errored: exit 2");
    let s = summary(&out);
    assert_eq!(s["parcels_in"], 12);
    assert_eq!(s["parcels_checked"], 5);
    assert_eq!(s["parcels_errored"], 7);
    assert_eq!(s["parcels_repaired"], 2);
    let parcels = rows(&out, "parcels");
    assert_eq!(parcels.len(), 12, "records in = records out");
    let by_note = |note: &str| {
        parcels
            .iter()
            .find(|p| p["note"].starts_with(note))
            .unwrap_or_else(|| panic!("{note}"))
            .clone()
    };
    // checked (whatever the zones there say), not errored
    let checked =
        |p: &BTreeMap<String, String>| p["verdict"] != "error" && !p.contains_key("error");
    assert!(checked(&by_note("valid 30")));
    let bow = by_note("bow-tie");
    assert!(checked(&bow), "{bow:?}");
    assert!(bow["repair"].contains("self-intersection"), "{bow:?}");
    assert!(bow["repair"].contains("MakeValid"), "{bow:?}");
    assert!(by_note("hole outside")["repair"].contains("not contained"));
    assert_eq!(by_note("no geometry")["error"], "no geometry");
    assert!(by_note("a point,")["error"].contains("not a point"));
    assert!(by_note("a line")["error"].contains("not a line"));
    assert!(by_note("no id")["error"].contains("no id"));
    assert!(by_note("collapsed")["error"].contains("no area"));
    assert!(by_note("a point and")["error"].contains("holds a point"));
    // GeoPackage keeps an empty polygon as such or as NULL, depending on the writer
    let empty = &by_note("empty polygon")["error"];
    assert!(
        empty == "empty geometry" || empty == "no geometry",
        "{empty}"
    );
    assert!(checked(&by_note("two valid parts")));
    assert!(checked(&by_note("valid, 3D")));
}

#[test]
fn a_constraint_geopackage_gives_the_same_answers_as_the_embedded_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("almaty.gpkg");
    for entry in std::fs::read_dir(repo("data/almaty")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "geojson") {
            let layer = path.file_stem().unwrap().to_str().unwrap().to_string();
            let mut args = vec!["-f", "GPKG"];
            if data.exists() {
                args.push("-update");
            }
            // stored in UTM 44N to prove each layer is reprojected from its own CRS, and
            // with Z coordinates, which are dropped as for parcels
            let ok = Command::new("ogr2ogr")
                .args(args)
                .args([data.to_str().unwrap(), path.to_str().unwrap()])
                .args(["-nln", &layer, "-t_srs", "EPSG:32644", "-dim", "XYZ"])
                .status()
                .unwrap();
            assert!(ok.success());
        }
    }
    let out = dir.path().join("report.gpkg");
    let run = screen(
        &repo("fixtures/ogr/demo.gpkg"),
        &out,
        &["--data", data.to_str().unwrap()],
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    assert_same_answers(&out);
}

#[test]
fn a_synthetic_cadastre_streams_through_in_input_order() {
    let dir = tempfile::tempdir().unwrap();
    let cadastre = dir.path().join("cadastre.fgb");
    let run = aimaq(&[
        "cadastre",
        "--count",
        "12000",
        "--out",
        cadastre.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", text(&run));
    let out = dir.path().join("report.gpkg");
    let run = screen(cadastre.to_str().unwrap(), &out, &["--jobs", "2"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let parcels = rows(&out, "parcels");
    let input = rows(&cadastre, "parcels");
    assert_eq!(parcels.len(), 12000);
    for (i, (p, q)) in parcels.iter().zip(&input).enumerate() {
        assert_eq!(p["parcel"], q["id"], "input order");
        // the generator keeps its ids in order, FlatGeobuf included
        assert_eq!(p["parcel"], format!("P{:07}", i + 1));
    }
    let s = summary(&out);
    let by_verdict: u64 = s["by_verdict"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(by_verdict, 12000);
    assert!(s["findings"].as_u64().unwrap() > 0);
    // a report is never replaced silently
    let again = screen(cadastre.to_str().unwrap(), &out, &[]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again).contains("--overwrite"));
}

#[test]
fn zones_export_keeps_only_zones_that_restrict_the_use() {
    let dir = tempfile::tempdir().unwrap();
    let count = |use_code: &str| -> BTreeMap<String, usize> {
        let out = dir.path().join(format!("zones-{use_code}.gpkg"));
        let run = aimaq(&["zones", "--out", out.to_str().unwrap(), "--use", use_code]);
        assert!(run.status.success(), "{}", text(&run));
        let mut by_rule = BTreeMap::new();
        // zones are areas now: strips buffered from their features, and areas themselves
        for row in rows(&out, "zone_strips")
            .into_iter()
            .chain(rows(&out, "zone_areas"))
        {
            assert_ne!(row["regime"], "allowed");
            assert_eq!(row["use"], use_code, "the use filtered for is on every row");
            assert!(row["limit_m"].parse::<f64>().unwrap() >= 0.0);
            *by_rule.entry(row["rule"].clone()).or_default() += 1;
        }
        assert!(!rows(&out, "settlements").is_empty());
        by_rule
    };
    let construction = count("construction");
    let farming = count("arable_farming");
    // farming is allowed in the agricultural zones of group 2, construction is not
    assert!(construction["zoning.group2"] > farming.get("zoning.group2").copied().unwrap_or(0));
    let run = aimaq(&[
        "zones",
        "--out",
        dir.path().join("x.gpkg").to_str().unwrap(),
        "--use",
        "casino",
    ]);
    assert_eq!(run.status.code(), Some(1));
}

#[test]
fn report_text_renders_a_compact_report_from_its_fields() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.gpkg");
    let run = screen(&repo("fixtures/ogr/gk13/parcels.shp"), &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let printed = aimaq(&["report-text", out.to_str().unwrap(), "--lang", "ru"]);
    assert!(printed.status.success(), "{}", text(&printed));
    let printed = String::from_utf8_lossy(&printed.stdout).into_owned();
    // every parcel, every finding with both citations, the totals, in Russian
    let expected = demo_answers();
    for (verdict, findings) in &expected {
        let _ = verdict;
        for (rule, feature, _) in findings {
            assert!(
                printed.contains(rule) && printed.contains(feature),
                "{rule} {feature}"
            );
        }
    }
    let findings: usize = expected.iter().map(|(_, f)| f.len()).sum();
    assert_eq!(
        printed.matches("      источник:").count(),
        findings,
        "{printed}"
    );
    // the closing count in Russian too (one renderer with `check`, issue 19)
    assert!(
        printed.contains(&format!("{} участков: проверено", expected.len())),
        "{printed}"
    );
    assert!(printed.contains("sha256:"), "the catalog digest is shown");
}

/// Issue 9, D5: a parcel past the vertex limit is an error row naming the limit, at
/// once (no O(n²) validity test, no repair attempt, which would not lift it); the flag
/// raises the limit.
#[test]
fn d5_a_parcel_past_the_vertex_limit_is_an_error_row_and_the_flag_raises_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.geojson");
    // a 100 m circle of 120,000 vertices by the demo lot P-001, the same circle with two
    // vertices swapped (it crosses itself), and a plain lot
    let n = 120_000;
    let circle: Vec<[f64; 2]> = (0..=n)
        .map(|k| {
            let a = 2.0 * std::f64::consts::PI * (k % n) as f64 / n as f64;
            [77.36 + 0.0012 * a.cos(), 43.2698 + 0.0009 * a.sin()]
        })
        .collect();
    let mut crossed = circle.clone();
    crossed.swap(10, n / 2);
    let lot = vec![
        [77.3598, 43.2698],
        [77.3602, 43.2698],
        [77.3602, 43.2702],
        [77.3598, 43.2702],
        [77.3598, 43.2698],
    ];
    let feature = |id: &str, ring: &Vec<[f64; 2]>| {
        serde_json::json!({"type": "Feature", "properties": {"id": id},
            "geometry": {"type": "Polygon", "coordinates": [ring]}})
    };
    let fc = serde_json::json!({"type": "FeatureCollection", "features": [
        feature("big", &circle), feature("big-crossed", &crossed), feature("lot", &lot)]});
    std::fs::write(&input, fc.to_string()).unwrap();

    let out = dir.path().join("report.gpkg");
    let run = screen(input.to_str().unwrap(), &out, &[]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    let parcels = rows(&out, "parcels");
    assert_eq!(parcels.len(), 3);
    let reason = "parcel has too many vertices: 120000, the limit is 100000 (raise max_vertices with Engine::with_limits, or --max-vertices)";
    for p in &parcels[..2] {
        assert_eq!(p["verdict"], "error", "{p:?}");
        assert_eq!(p["error"], reason, "{p:?}");
        assert!(!p.contains_key("repair"), "{p:?}");
    }
    assert_ne!(parcels[2]["verdict"], "error", "{:?}", parcels[2]);

    let out = dir.path().join("raised.gpkg");
    let run = screen(input.to_str().unwrap(), &out, &["--max-vertices", "200000"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let parcels = rows(&out, "parcels");
    assert_ne!(parcels[0]["verdict"], "error", "{:?}", parcels[0]);
    // the crossed one is refused as invalid, and repaired
    assert!(
        parcels[1]["repair"].contains("self-intersection"),
        "{:?}",
        parcels[1]
    );
    assert_ne!(parcels[1]["verdict"], "error", "{:?}", parcels[1]);
}

/// GDAL's GeoPackage validator (`validate_gpkg.py` of GDAL's samples, in Debian's
/// python3-gdal, which .ci/setup-tests' QGIS brings; skipped with a note where it is missing)
/// accepts the compact report; GDAL reads every layer back with the counts aimaq reported;
/// a spatial filter, which GDAL answers from the packed R-trees, finds what a scan finds;
/// and SQLite's `rtreecheck()` accepts both trees. 3,000 generated parcels: trees of
/// three levels.
#[test]
fn gdal_validates_the_compact_report() {
    let dir = tempfile::tempdir().unwrap();
    let cadastre = dir.path().join("cadastre.gpkg");
    let run = aimaq(&[
        "cadastre",
        "--count",
        "3000",
        "--out",
        cadastre.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", text(&run));
    let out = dir.path().join("report.gpkg");
    let run = screen(cadastre.to_str().unwrap(), &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));

    let validator = [
        "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py",
        "/usr/share/doc/python3-gdal/examples/validate_gpkg.py",
    ]
    .into_iter()
    .find(|p| Path::new(p).exists());
    match validator {
        Some(script) => {
            let check = Command::new("/usr/bin/python3")
                .args([script, out.to_str().unwrap()])
                .output()
                .expect("python3 runs");
            assert!(check.status.success(), "validate_gpkg.py: {}", text(&check));
        }
        None => eprintln!("validate_gpkg.py not found (Debian's python3-gdal): not run"),
    }

    let s = summary(&out);
    let findings = s["findings"].as_u64().unwrap() as usize;
    let ds = Dataset::open(&out).unwrap();
    let mut seen = BTreeMap::new();
    for mut layer in ds.layers() {
        let name = layer.name();
        let declared = layer.feature_count() as usize;
        let read = layer.features().count();
        assert_eq!(read, declared, "{name}");
        seen.insert(name, read);
    }
    assert_eq!(seen["parcels"], 3000);
    assert_eq!(seen["findings"], findings);
    assert_eq!(seen["findings_view"], findings);
    assert!(seen["rules"] > 0 && seen["texts"] > 0);

    let sql = rusqlite::Connection::open(&out).unwrap();
    // every rule carries its `aimaq explain` text, in the report's language
    let (rules, explained): (i64, i64) = sql
        .query_row(
            "SELECT count(*), count(*) FILTER (WHERE explain LIKE rule || ' — %') FROM rules",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (explained, rules),
        (seen["rules"] as i64, seen["rules"] as i64)
    );
    for table in ["parcels", "findings"] {
        let check: String = sql
            .query_row(
                &format!("SELECT rtreecheck('rtree_{table}_geom')"),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(check, "ok", "{table}");
        let (indexed, drawn): (i64, i64) = sql
            .query_row(
                &format!("SELECT (SELECT count(*) FROM rtree_{table}_geom), (SELECT count(*) FROM {table} WHERE geom IS NOT NULL)"),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(indexed, drawn, "{table}: one R-tree entry a drawn row");
        // a window of 6 km around a drawn row: GDAL's answer through the R-tree, and a scan
        let mut layer = ds.layer_by_name(table).unwrap();
        let (x, y): (f64, f64) = sql
            .query_row(
                &format!(
                    "SELECT minx, miny FROM rtree_{table}_geom LIMIT 1 OFFSET {}",
                    drawn / 2
                ),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let (x0, x1, y0, y1) = (x - 3000.0, x + 3000.0, y - 3000.0, y + 3000.0);
        layer.set_spatial_filter_rect(x0, y0, x1, y1);
        layer.reset_feature_reading();
        let by_gdal = layer.features().count();
        layer.clear_spatial_filter();
        layer.reset_feature_reading();
        // GDAL keeps what meets the window itself, not only its envelope
        let window = gdal::vector::Geometry::from_wkt(&format!(
            "POLYGON (({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0}))"
        ))
        .unwrap();
        let by_scan = layer
            .features()
            // the gdal crate hands out a geometry without a handle for a NULL geometry
            // (whole-parcel findings): only a real handle is asked, or GDAL logs an error
            // SAFETY: compares the handle with NULL; nothing is dereferenced.
            .filter(|f| {
                f.geometry()
                    .is_some_and(|g| !unsafe { g.c_geometry() }.is_null() && g.intersects(&window))
            })
            .count();
        assert!(by_scan > 1, "{table}: the window holds features");
        assert_eq!(by_gdal, by_scan, "{table}");
    }
}
