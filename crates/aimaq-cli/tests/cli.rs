//! The `aimaq` binary end to end, on the repository's fixtures.

use std::path::PathBuf;
use std::process::Output;

mod common;
use common::{aimaq, repo};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)))
}

fn record_count(path: &str) -> usize {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo(path)).unwrap()).unwrap();
    v["features"].as_array().unwrap().len()
}

#[test]
fn demo_json_accounts_for_every_parcel_and_cites_every_finding() {
    let demo = repo("fixtures/parcels/demo.geojson");
    let out = aimaq(&["check", "--format", "json", demo.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&out);
    let s = &doc["summary"];
    let n = record_count("fixtures/parcels/demo.geojson");
    assert_eq!(s["parcels_in"], n);
    assert_eq!(
        s["parcels_checked"].as_u64().unwrap() + s["parcels_errored"].as_u64().unwrap(),
        n as u64
    );
    assert_eq!(doc["parcels"].as_array().unwrap().len(), n);
    assert_eq!(s["dataset_errors"], 0);
    for v in ["prohibited", "conditional", "review", "clear"] {
        assert!(
            s["by_verdict"][v].as_u64().unwrap_or(0) > 0,
            "no {v} parcel in the demo"
        );
    }
    // every rule of the catalog fires somewhere in the demo, except the group-4 overlays
    // whose layers the embedded data does not hold (L503-510, L3328-3329; tests/fidelity.rs
    // in aimaq-check takes them to their edges)
    for rule in aimaq_rules::Catalog::embedded().rules() {
        let id = rule.id();
        if !repo(&format!("data/almaty/{}.geojson", rule.layer())).exists() {
            continue;
        }
        assert!(
            s["findings_by_rule"][id].as_u64().unwrap_or(0) > 0,
            "{id} never fires"
        );
    }
    for p in doc["parcels"].as_array().unwrap() {
        for f in p["findings"].as_array().unwrap() {
            let c = f["citation"].as_str().unwrap();
            assert!(c.contains("scheme L"), "{c}");
            let rc = f["regime_citation"].as_str().unwrap();
            assert!(rc.contains("scheme L"), "{rc}");
            let regime = f["regime"].as_str().unwrap();
            assert!(["prohibited", "conditional", "review"].contains(&regime));
            // a review regime says what must be settled; so does a review finding whose
            // width is unknown (issue 19: the reason says what is missing)
            if regime == "review" {
                assert!(f["reason"].is_string(), "{f}");
            } else if f["reason"].is_string() {
                assert_eq!(f["severity"], "review", "{f}");
            }
            let d = f["distance_m"].as_f64().unwrap();
            let l = f["limit_m"].as_f64().unwrap();
            assert!(d < l || (l == 0.0 && d == 0.0), "{f}");
            let share = f["encumbered_share"].as_f64().unwrap();
            assert!(share > 0.0 && share <= 1.0, "{f}");
        }
    }
    // the parcel straddling the Otegen Batyr edge is judged on its outside part
    let p007 = doc["parcels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "P-007")
        .unwrap();
    assert_eq!(p007["findings"][0]["limit_m"], 50.0);
    assert!(p007["findings"][0]["citation"]
        .as_str()
        .unwrap()
        .contains("R01"));
    // the lot 29.96 m from the railway inside Almaty is clear of it (20 m rule); only the
    // seismic design condition applies to the house
    let parcel = |id: &str| {
        doc["parcels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .unwrap()
            .clone()
    };
    let rules_of = |id: &str| -> Vec<String> {
        parcel(id)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    // (20 m rule); the railway's right-of-way is not in the data, so it lies within the
    // 32 m review band (L259-261)
    assert_eq!(
        rules_of("P-005"),
        ["rail.right_of_way_unknown", "hazard.seismic"]
    );
    // the issue's acceptance cases, on the embedded data
    assert_eq!(
        parcel("P-025")["verdict"],
        "prohibited",
        "car wash in the Turgen's zone"
    );
    assert_eq!(
        parcel("P-011")["verdict"],
        "conditional",
        "house in the zone, outside the belt"
    );
    assert_eq!(
        parcel("P-010")["verdict"],
        "prohibited",
        "house in the belt"
    );
    assert_eq!(
        parcel("P-026")["verdict"],
        "review",
        "aerial spraying at 1,900 m: beyond the river's zone, which L582 makes the list's scope"
    );
    assert_eq!(
        parcel("P-027")["verdict"],
        "clear",
        "aerial spraying at 2,100 m"
    );
    assert_eq!(
        parcel("P-028")["verdict"],
        "prohibited",
        "industry in group 3"
    );
    // issue 13's acceptance: pasture under a power line is not prohibited (L270-275)
    let p036 = parcel("P-036");
    assert_eq!(p036["verdict"], "review", "pasture under a power line");
    // (and the band of the outer wire's offset, which the data does not give, issue 19)
    assert_eq!(
        rules_of("P-036"),
        ["power.protection_zone", "power.wire_offset_unknown"]
    );
    // a house next to a conduit inside a settlement carries no conduit belt (L284)
    assert!(
        !rules_of("P-037").contains(&"water_conduit.sanitary_belt".to_string()),
        "{:?}",
        rules_of("P-037")
    );
    // …and a lot straddling the settlement's edge is split, the message says so
    let p038 = parcel("P-038");
    let belt = p038["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "water_conduit.sanitary_belt")
        .unwrap();
    assert!(
        belt["message"]
            .as_str()
            .unwrap()
            .contains("part inside settlements at"),
        "{belt}"
    );
    // a lake named like a decree river gets no decree-246 widths (L418)
    for f in parcel("P-039")["findings"].as_array().unwrap() {
        assert!(!f["citation"].as_str().unwrap().contains("No. 246"), "{f}");
    }
    assert!(rules_of("P-039").contains(&"water.zone".to_string()));
    // every parcel's encumbrance is a union: at most the parcel
    for p in doc["parcels"].as_array().unwrap() {
        let total = p["encumbrance"]["total"]["share"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&total), "{}", p["id"]);
    }
}

#[test]
fn demo_text_is_readable() {
    let demo = repo("fixtures/parcels/demo.geojson");
    let out = aimaq(&["check", demo.to_str().unwrap()]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("PROHIBITED") && text.contains("CLEAR"));
    assert!(
        text.contains("source: Decree No. 514 of 13.08.2020, scheme L272 [R03]"),
        "{text}"
    );
    let n = record_count("fixtures/parcels/demo.geojson");
    assert!(
        text.contains(&format!("{n} parcels in: {n} checked")),
        "{text}"
    );
    assert!(
        text.contains("encumbered in total (union of zones)"),
        "{text}"
    );
}

#[test]
fn geojson_output_is_wgs84_findings_and_every_parcel_with_its_verdict() {
    let demo = repo("fixtures/parcels/demo.geojson");
    // a fresh directory: `check -o` refuses to replace a file without --overwrite
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo-findings.geojson");
    let out = aimaq(&[
        "check",
        "--format",
        "geojson",
        "-o",
        file.to_str().unwrap(),
        demo.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let fc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let feats = fc["features"].as_array().unwrap();
    let json_out = json(&aimaq(&[
        "check",
        "--format",
        "json",
        demo.to_str().unwrap(),
    ]));
    let parcels = json_out["parcels"].as_array().unwrap();
    let findings: usize = parcels
        .iter()
        .map(|p| p["findings"].as_array().unwrap().len())
        .sum();
    let without = parcels
        .iter()
        .filter(|p| p["findings"].as_array().unwrap().is_empty())
        .count();
    // a feature per finding, and one per parcel with none, so every parcel is on the map
    assert_eq!(feats.len(), findings + without);
    let rows = |kind: &str| {
        feats
            .iter()
            .filter(|f| f["properties"]["row"] == kind)
            .count()
    };
    assert_eq!(rows("finding"), findings);
    assert_eq!(rows("clear") + rows("error"), without);
    for f in feats {
        assert_eq!(f["geometry"]["type"], "MultiPolygon");
        for poly in f["geometry"]["coordinates"].as_array().unwrap() {
            for ring in poly.as_array().unwrap() {
                for p in ring.as_array().unwrap() {
                    let (lon, lat) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
                    assert!(
                        (76.0..79.0).contains(&lon) && (42.5..44.5).contains(&lat),
                        "{lon} {lat}"
                    );
                }
            }
        }
        let props = f["properties"].as_object().unwrap();
        assert!(props["parcel"].is_string() && props["verdict"].is_string());
        if f["properties"]["row"] == "finding" {
            assert!(props["citation"].is_string() && props["rule"].is_string());
        }
    }
    // properties in the contract's order (row, parcel, use, verdict, …), not a map's
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        text.matches(r#""properties":{"row":""#).count(),
        feats.len(),
        "every feature starts with row"
    );
    let first = text.find(r#""properties":{"row":""#).unwrap();
    let head = &text[first..first + 200];
    let at = |k: &str| head.find(&format!("\"{k}\":")).unwrap_or(usize::MAX);
    assert!(
        at("row") < at("parcel") && at("parcel") < at("use") && at("use") < at("verdict"),
        "{head}"
    );
}

#[test]
fn broken_parcels_are_reported_one_by_one_and_none_is_lost() {
    let bad = repo("fixtures/parcels/bad.geojson");
    let out = aimaq(&["check", "--format", "json", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "some records errored");
    let doc = json(&out);
    let n = record_count("fixtures/parcels/bad.geojson");
    let s = &doc["summary"];
    assert_eq!(s["parcels_in"], n);
    assert_eq!(s["parcels_checked"], 2);
    assert_eq!(s["parcels_errored"], n as u64 - 2);
    let error_of = |id: &str| -> String {
        let p = doc["parcels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing"));
        p["error"].as_str().unwrap_or_default().to_string()
    };
    assert!(error_of("bad-point").contains("Polygon or MultiPolygon"));
    assert!(error_of("bad-unclosed").contains("not closed"));
    assert!(error_of("bad-bowtie").contains("self-intersection"));
    assert!(error_of("bad-range").contains("outside longitude/latitude range"));
    assert!(error_of("bad-metres").contains("not projected metres"));
    assert!(error_of("bad-nogeom").contains("no geometry"));
    assert!(error_of("bad-type").contains("Polygonal"));
    assert!(error_of("bad-short").contains("at least 4"));
    assert!(error_of("#6").contains("no `id`"));
    assert!(error_of("#10").contains("no `id`"));
    assert!(error_of("4521").is_empty(), "a numeric id is an id");
    let use_error = error_of("bad-use");
    assert!(
        use_error.contains("unknown use `carwash`") && use_error.contains("vehicle_wash"),
        "{use_error}"
    );
}

#[test]
fn validate_lists_every_planted_problem_of_the_broken_dataset() {
    let dir = repo("fixtures/broken-dataset");
    let out = aimaq(&["validate", "--data", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let text = stdout(&out);
    for expected in [
        "settlements/#1: missing required attribute `id`",
        "settlements/set-003: ring 0 is not closed",
        "railways/rail-002: position (200, ",
        "railways/rail-003: geometry is a Point",
        "power_lines/pl-002 [power.protection_zone]: no width in the catalog for voltage_kv = 110",
        "power_lines/pl-003: attribute `voltage_kv` must be a number, found \"high\"",
        "power_lines/pl-004: missing required attribute `voltage_kv`",
        "power_lines/pl-005: unknown attribute `voltage`",
        "water_bodies/wb-002 [water.belt]: `belt_m` = 20 m is outside the 55–110 m",
        "water_bodies/wb-003 [water.zone]: `zone_m` = 2000 m is outside the 500–1000 m",
        "water_conduits/wc-002 [water_conduit.sanitary_belt]: no width in the catalog for diameter_mm = 1400, soil = \"swampy\"",
        "water_conduits/wc-003 [water_conduit.sanitary_belt]: missing `diameter_mm`",
        "gas_pipelines/gas-001: duplicate id",
        "road_corridors/rc-002 [road.reserved_corridor]: `corridor_m` = 200 m is outside the 130 m",
        "road_corridors/rc-003 [road.reserved_corridor]: no `corridor_m`",
        "protected_areas/pa-002: invalid polygon",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in:\n{text}");
    }
    // the embedded dataset is clean
    let out = aimaq(&["validate"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("0 errors"));
}

#[test]
fn unusable_inputs_fail_with_a_reason() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\"type\": \"FeatureCollection\", \"features\": [").unwrap();
    let out = aimaq(&["check", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.json") && err.contains("invalid JSON"),
        "{err}"
    );

    let demo = repo("fixtures/parcels/demo.geojson");
    let out = aimaq(&["check", "--crs", "EPSG:4326", demo.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a projected CRS"));
}

#[test]
fn rules_lists_the_catalog_with_sources() {
    let out = aimaq(&["rules"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.contains("rail.control_zone")
            && text.contains("20 m inside settlements, 50 m outside")
    );
    assert!(text.contains("voltage_kv = 500 → 30 m"), "{text}");
    assert!(text.contains("No. 20-V"));
    // the one width description: a named object with the condition the act names
    assert!(
        text.contains("Turgen (kind = \"river\") 550–1700 m"),
        "{text}"
    );
    // and in Russian (issue 19)
    let ru = stdout(&aimaq(&["rules", "--lang", "ru"]));
    assert!(
        ru.contains("20 м в населенных пунктах, 50 м вне их"),
        "{ru}"
    );
}

#[test]
fn json_in_kazakh_carries_kazakh_messages() {
    let demo = repo("fixtures/parcels/demo.geojson");
    let out = aimaq(&[
        "check",
        "--lang",
        "kk",
        "--format",
        "json",
        demo.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&out);
    assert_eq!(doc["lang"], "kk");
    let belt = doc["parcels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["findings"].as_array().unwrap())
        .find(|f| f["rule"] == "water.belt")
        .unwrap();
    let m = belt["message"].as_str().unwrap();
    assert!(m.starts_with("ТЫЙЫМ САЛЫНҒАН: Су қорғау белдеуі"), "{m}");
    // the text table too, in Russian
    let out = aimaq(&["check", "--lang", "ru", demo.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(
        text.contains("ЗАПРЕЩЕНО: Водоохранная полоса") && text.contains("источник:"),
        "{text}"
    );
    let out = aimaq(&["check", "--lang", "de", demo.to_str().unwrap()]);
    // a usage error has its own status (64, EX_USAGE): 2 means "some records errored"
    assert_eq!(out.status.code(), Some(64), "clap refuses the value");
    assert!(String::from_utf8_lossy(&out.stderr).contains("kk, ru, en"));
}

#[test]
fn as_of_checks_against_the_rules_in_force_then() {
    let demo = repo("fixtures/parcels/demo.geojson");
    let doc = json(&aimaq(&[
        "check",
        "--as-of",
        "2023-06-01",
        "--format",
        "json",
        demo.to_str().unwrap(),
    ]));
    assert_eq!(doc["catalog"]["as_of"], "2023-06-01");
    assert_eq!(
        doc["catalog"]["not_in_force"][0]["rule"],
        "zoning.south_direction"
    );
    assert!(doc["summary"]["findings_by_rule"]["zoning.south_direction"].is_null());
    let doc = json(&aimaq(&[
        "check",
        "--as-of",
        "2025-01-01",
        "--format",
        "json",
        demo.to_str().unwrap(),
    ]));
    assert!(
        doc["summary"]["findings_by_rule"]["zoning.south_direction"]
            .as_u64()
            .unwrap()
            > 0
    );
    let out = aimaq(&["check", "--as-of", "2019-12-31", demo.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("before 2020-08-23"));
    // signed, not yet in force: ten days after publication (L5-7, issue 19 item 9)
    let out = aimaq(&["check", "--as-of", "2020-08-15", demo.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not yet in force"));
    let out = aimaq(&["check", "--as-of", "2024-02-30", demo.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a date"));
}

#[test]
fn explain_prints_the_rule_with_its_regime_by_use() {
    let out = aimaq(&["explain", "water.zone"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for expected in [
        "water.zone — Water-protection zone",
        "kk: Су қорғау аймағы",
        "ru: Водоохранная зона",
        "Turgen if kind = \"river\": 550–1700 m (Almaty oblast akimat decree No. 246 of 21.11.2011, L541-542)",
        "vehicle_wash",
        "scheme L593-600",
        "scheme L614-617",
        "approvals:",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in:\n{text}");
    }
    let out = aimaq(&["explain", "zoning.group3"]);
    let text = stdout(&out);
    assert!(
        text.contains("if subzone = \"3.spna\": prohibited"),
        "{text}"
    );
    let out = aimaq(&["explain", "water.nothing"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("water.aerial_spraying"));
}

/// Latin words of `text` that are neither codes nor ids: what an English word left in a
/// Kazakh or Russian text looks like. Codes are in backticks, snake_case, dotted, quoted
/// values, or the designations of acts and digest rules (L273, R04, EPSG, SP RK).
fn english_words(text: &str) -> Vec<String> {
    const IDS: &[&str] = &[
        "aimaq", "DIGEST", "DN", "SP", "RK", "II", "III", "kV", "UNESCO", "SNiP", "kk", "ru",
    ];
    // the catalog's codes: uses, layers and their attributes
    let catalog = aimaq_rules::Catalog::embedded();
    let mut codes: Vec<String> = catalog.uses().iter().map(|u| u.code.clone()).collect();
    for u in catalog.uses() {
        codes.extend(u.tags.iter().cloned());
    }
    for layer in catalog.layers() {
        codes.push(layer.name.clone());
        codes.extend(layer.attributes.iter().map(|a| a.name.clone()));
    }
    let mut plain = String::new();
    let (mut code, mut quote, mut name) = (false, false, false);
    for ch in text.chars() {
        match ch {
            '`' => code = !code,
            '"' => quote = !quote,
            '«' => name = true,
            '»' => name = false,
            _ if !code && !quote && !name => plain.push(ch),
            _ => {}
        }
    }
    plain
        .split_whitespace()
        .filter(|w| !w.contains(&['_', '.', '=', '-', '/', '[', ']'][..]))
        .flat_map(|w| w.split(|c: char| !c.is_ascii_alphabetic()))
        .filter(|w| w.len() >= 2 && !IDS.contains(w) && !codes.iter().any(|c| c == w))
        .map(String::from)
        .collect()
}

#[test]
fn explain_in_kazakh_and_russian_leaves_no_english() {
    for rule in aimaq_rules::Catalog::embedded().rules() {
        for lang in ["kk", "ru"] {
            let out = aimaq(&["explain", "--lang", lang, rule.id()]);
            assert!(out.status.success());
            let text = stdout(&out);
            // the `en:` line is the title's English on purpose
            let text: String = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("en: "))
                .collect::<Vec<_>>()
                .join("\n");
            let words = english_words(&text);
            assert!(
                words.is_empty(),
                "{} {lang}: {words:?} in\n{text}",
                rule.id()
            );
        }
    }
}

/// Issue 13's acceptance: `aimaq check --lang ru` on 21 parcels prints «21 участок», and the
/// text report says nothing in English but codes and ids.
#[test]
fn check_in_russian_counts_21_parcels_as_21_uchastok() {
    let demo: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo("fixtures/parcels/demo.geojson")).unwrap(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (n, noun_ru, noun_en) in [
        (21, "21 участок:", "21 parcels in"),
        (22, "22 участка:", "22 parcels in"),
        (25, "25 участков:", "25 parcels in"),
    ] {
        let mut some = demo.clone();
        some["features"] =
            serde_json::Value::Array(demo["features"].as_array().unwrap()[..n].to_vec());
        let file = dir.path().join(format!("demo-{n}.geojson"));
        std::fs::write(&file, serde_json::to_string(&some).unwrap()).unwrap();
        let out = aimaq(&["check", "--lang", "ru", file.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = stdout(&out);
        assert!(text.contains(&format!("{noun_ru} проверено {n}")), "{text}");
        let en = stdout(&aimaq(&["check", file.to_str().unwrap()]));
        assert!(en.contains(noun_en), "{en}");
    }
    let demo = repo("fixtures/parcels/demo.geojson");
    for lang in ["ru", "kk"] {
        let text = stdout(&aimaq(&["check", "--lang", lang, demo.to_str().unwrap()]));
        // the CRS's own name (`WGS 84 / UTM zone 43N`) is an id
        let text: String = text
            .lines()
            .filter(|l| !l.contains("EPSG:"))
            .collect::<Vec<_>>()
            .join("\n");
        let words = english_words(&text);
        assert!(words.is_empty(), "{lang}: {words:?}");
    }
}

#[test]
fn balance_of_the_embedded_zones_beside_appendix_1() {
    let out = aimaq(&["balance"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    for expected in [
        "Appendix 1",
        "475.88",
        "484.00",
        "939.49",
        "3 Zones of restricted",
        "2.pasture",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in:\n{text}");
    }
    let doc = json(&aimaq(&["balance", "--json"]));
    let b = &doc["balance"];
    let total = b["total_thousand_ha"].as_f64().unwrap();
    // groups and sub-zones add up to the union (the embedded zones tile the area)
    let groups: f64 = b["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["level"] == "group")
        .map(|r| r["thousand_ha"].as_f64().unwrap())
        .sum();
    assert!((groups - total).abs() < 0.01, "{groups} vs {total}");
    let categories: f64 = b["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["measured_thousand_ha"].as_f64().unwrap())
        .sum();
    assert!((categories - total).abs() < 0.01, "{categories} vs {total}");
    assert!(total > 900.0 && total < 1300.0, "{total}");
    // Kazakh labels
    let out = aimaq(&["balance", "--lang", "kk"]);
    assert!(stdout(&out).contains("Мал шаруашылығы (жайылымдар)"));
}
