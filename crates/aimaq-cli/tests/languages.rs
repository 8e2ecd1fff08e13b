//! Issue 19, items 8, 10 and 11: Kazakh and Russian wherever a person reads, and the law
//! quoted in every finding.
//!
//! The English scan takes its vocabulary from the words the renderer uses in English (the
//! catalog's English `[messages]` and the words the commands print themselves) and fails
//! on any of them in a Kazakh or Russian output. Codes (rule ids, use codes, attribute
//! names, text in backticks), the CRS's name and the dataset's own feature names are not
//! words of the renderer and are left out of the scan.

mod common;

use common::english::{assert_no_english, english_in, english_vocabulary};
use common::{aimaq, repo, text};

#[test]
fn the_scan_finds_english_where_there_is_some() {
    let v = english_vocabulary();
    assert!(!english_in("20 m inside settlements, 50 m outside", &v).is_empty());
    assert!(english_in("20 м в населенных пунктах, 50 м вне их", &v).is_empty());
    // codes are not words
    assert!(english_in("`inside` rail.control_zone right_of_way_m", &v).is_empty());
}

#[test]
fn aimaq_rules_speaks_kazakh_and_russian() {
    for lang in ["kk", "ru"] {
        let run = aimaq(&["rules", "--lang", lang]);
        assert!(run.status.success(), "{}", text(&run));
        let out = String::from_utf8(run.stdout).unwrap();
        assert_no_english(&format!("aimaq rules --lang {lang}"), &out);
    }
    let ru = text(&aimaq(&["rules", "--lang", "ru"]));
    assert!(
        ru.contains("Межрегиональная схема территориального развития"),
        "{ru}"
    );
    assert!(
        ru.contains("20 м в населенных пунктах, 50 м вне их"),
        "{ru}"
    );
    // in force ten days after its date (L5-7): 2020-08-23
    assert!(ru.contains("действует с 2020-08-23"), "{ru}");
    let kk = text(&aimaq(&["rules", "--lang", "kk"]));
    // L3: the act's own title; the ablative ending on the date
    assert!(
        kk.starts_with("Алматы агломерациясын аумақтық дамытудың өңіраралық схемасы"),
        "{kk}"
    );
    assert!(kk.contains("2020-08-23-тен бастап күшінде"), "{kk}");
}

#[test]
fn check_in_kazakh_writes_numbers_as_the_scheme_does() {
    let run = aimaq(&[
        "check",
        repo("fixtures/parcels/demo.geojson").to_str().unwrap(),
        "--lang",
        "kk",
    ]);
    let out = String::from_utf8(run.stdout).unwrap();
    // L3 title; decimal comma and a thin space between thousands, never a point
    assert!(
        out.starts_with("aimaq — Алматы агломерациясын аумақтық дамытудың өңіраралық схемасы"),
        "{out}"
    );
    assert!(out.contains("1\u{202f}199,3 м²"), "{out}");
    let p025: String = out
        .lines()
        .skip_while(|l| !l.starts_with("P-025"))
        .take(3)
        .collect::<Vec<_>>()
        .join("\n");
    // 400 m in UTM 43N is 399.91 m on the ground (issue 23)
    assert!(p025.contains("399,91 м < 550 м"), "{p025}");
    assert!(!p025.contains("399.91"), "{p025}");
    assert_no_english("aimaq check --lang kk", &out);
    let json = aimaq(&[
        "check",
        repo("fixtures/parcels/demo.geojson").to_str().unwrap(),
        "--lang",
        "ru",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let messages: Vec<&str> = doc["parcels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| {
            p["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["message"].as_str().unwrap())
        })
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("1\u{202f}199,3 м²")),
        "JSON messages use the same numbers"
    );
    assert!(messages.iter().all(|m| !m.contains(" m²")));
}

#[test]
fn report_text_in_kazakh_is_kazakh() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo.gpkg");
    let run = aimaq(&[
        "screen",
        repo("fixtures/parcels/demo.geojson").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", text(&run));
    let run = aimaq(&["report-text", out.to_str().unwrap(), "--lang", "kk"]);
    assert!(run.status.success(), "{}", text(&run));
    let kk = String::from_utf8(run.stdout).unwrap();
    assert!(kk.contains("қабаттасу"), "{kk}");
    assert!(kk.contains("39 учаске: 39 тексерілді"), "{kk}");
    assert_no_english("aimaq report-text --lang kk", &kk);
}

/// Lines of the scheme's Kazakh text, read from the file (not through the library).
fn seed_lines() -> Vec<String> {
    std::fs::read_to_string(repo("data/seed/almaty-agglomeration-scheme-2020.kk.txt"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn no_space(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn every_finding_of_the_demo_quotes_the_law_verbatim_from_its_cited_lines() {
    let seed = seed_lines();
    for lang in ["en", "kk"] {
        let run = aimaq(&[
            "check",
            repo("fixtures/parcels/demo.geojson").to_str().unwrap(),
            "--format",
            "json",
            "--lang",
            lang,
        ]);
        let doc: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        let mut findings = 0;
        for p in doc["parcels"].as_array().unwrap() {
            for f in p["findings"].as_array().unwrap() {
                findings += 1;
                let law = f["law"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{} {}: no law", p["id"], f["rule"]));
                assert!(!law.is_empty(), "{} {}: empty law", p["id"], f["rule"]);
                for q in law {
                    let lines = q["lines"].as_str().unwrap();
                    let quoted = q["text"].as_str().unwrap();
                    assert!(!quoted.trim().is_empty(), "{lines}: empty text");
                    assert!(
                        !quoted.contains('\n') && !quoted.contains("  "),
                        "{lines}: layout left in «{quoted}»"
                    );
                    let (a, b) = lines
                        .trim_start_matches('L')
                        .split_once('-')
                        .unwrap_or((lines.trim_start_matches('L'), lines.trim_start_matches('L')));
                    let (a, b): (usize, usize) = (a.parse().unwrap(), b.parse().unwrap());
                    let cited = no_space(&seed[a - 1..b].join("\n"));
                    // verbatim: the same characters in the same order (only the line
                    // breaks and indentation differ), and from the cited lines' start
                    assert!(
                        cited.starts_with(&no_space(quoted)),
                        "{lines}: «{quoted}» is not what the lines say"
                    );
                    // and both citations' ranges are quoted
                    let ranges = format!("{} {}", f["citation"], f["regime_citation"]);
                    assert!(
                        ranges.contains(lines.split('-').next().unwrap()),
                        "{lines} is cited by neither: {ranges}"
                    );
                }
            }
        }
        assert!(findings > 80, "{findings}");
    }
}

#[test]
fn explain_quotes_the_law_under_the_source() {
    let run = aimaq(&["explain", "rail.control_zone", "--lang", "ru"]);
    let out = String::from_utf8(run.stdout).unwrap();
    assert!(
        out.contains("L256-263: «\"Темір жолдарға арналған жер кесіп берудің нормалары\""),
        "{out}"
    );
    assert!(out.contains("текст схемы"), "{out}");
}
