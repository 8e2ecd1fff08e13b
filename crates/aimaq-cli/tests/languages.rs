//! Issue 19, items 8, 10 and 11: Kazakh and Russian wherever a person reads, and the law
//! quoted in every finding.
//!
//! The English scan takes its vocabulary from the words the renderer uses in English (the
//! catalog's English `[messages]` and the words the commands print themselves) and fails
//! on any of them in a Kazakh or Russian output. Codes (rule ids, use codes, attribute
//! names, text in backticks), the CRS's name and the dataset's own feature names are not
//! words of the renderer and are left out of the scan.

mod common;

use common::{aimaq, repo, text};
use std::collections::BTreeSet;

/// The English words the renderer has: the catalog's English message fragments, split
/// into words, without placeholders.
fn english_vocabulary() -> BTreeSet<String> {
    let catalog = aimaq_rules::Catalog::embedded();
    let mut words = BTreeSet::new();
    let mut add = |text: &str| {
        let mut t = text.to_string();
        // placeholders and codes are not words
        while let (Some(a), Some(b)) = (t.find('{'), t.find('}')) {
            if b < a {
                break;
            }
            t.replace_range(a..=b, " ");
        }
        for w in t.split(|c: char| !c.is_ascii_alphabetic()) {
            if w.len() >= 3 {
                words.insert(w.to_lowercase());
            }
        }
    };
    for key in aimaq_rules::MESSAGE_KEYS {
        add(catalog.message(key, aimaq_rules::Lang::En));
    }
    // words the commands printed themselves before issue 19
    for w in [
        "overlap", "parcels", "checked", "errored", "width", "source", "regime", "measured",
        "uses", "amended", "default", "force", "layer", "report", "catalog", "dataset",
        "features", "usable", "segments", "indexed", "errors", "warnings", "worst", "each",
    ] {
        words.insert(w.to_string());
    }
    // too short or shared with codes and acts that stay as they are
    for w in ["aimaq", "validate", "explain", "the"] {
        words.remove(w);
    }
    words
}

/// The names the embedded dataset's features carry (`name`), which are data, not words
/// of the renderer: they show as the data holds them until it gives `name_kk`/`name_ru`.
fn feature_names() -> Vec<String> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(repo("data/almaty")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("geojson") {
            continue;
        }
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for f in doc["features"].as_array().into_iter().flatten() {
            if let Some(n) = f["properties"]["name"].as_str() {
                names.push(n.to_string());
            }
        }
    }
    // longest first, so that a name inside another is not cut out of it first
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    names
}

/// The English words of `vocabulary` in `output`, with where they stand.
fn english_in(output: &str, vocabulary: &BTreeSet<String>) -> Vec<String> {
    let names = feature_names();
    // attribute names are codes, even where a text names one without backticks
    let catalog = aimaq_rules::Catalog::embedded();
    let attributes: BTreeSet<&str> = catalog
        .layers()
        .iter()
        .flat_map(|l| l.attributes.iter().map(|a| a.name.as_str()))
        .collect();
    let mut found = Vec::new();
    for line in output.lines() {
        let mut l = line.to_string();
        for n in &names {
            l = l.replace(n.as_str(), " ");
        }
        // code spans and the CRS's own name
        let mut scan = String::new();
        for (i, part) in l.split('`').enumerate() {
            if i % 2 == 0 {
                scan.push_str(part);
                scan.push(' ');
            }
        }
        let scan = scan.replace("WGS 84 / UTM zone 43N", " ");
        for token in scan.split(|c: char| c.is_whitespace() || ",;:()[]«»\"'—–=<>→".contains(c)) {
            // codes: ids, attribute names, rule ids, paths, acts' numbers
            if token.is_empty()
                || token.contains(['_', '.', '-', '§', '/'])
                || token.chars().any(|c| c.is_ascii_digit())
                || attributes.contains(token)
            {
                continue;
            }
            if !token.chars().all(|c| c.is_ascii_alphabetic()) {
                continue;
            }
            if vocabulary.contains(&token.to_lowercase()) {
                found.push(format!("`{token}` in: {line}"));
            }
        }
    }
    found
}

fn assert_no_english(what: &str, output: &str) {
    let vocabulary = english_vocabulary();
    assert!(vocabulary.contains("inside") && vocabulary.contains("overlap"));
    let found = english_in(output, &vocabulary);
    assert!(
        found.is_empty(),
        "{what}: {} English words, first: {:#?}",
        found.len(),
        &found[..found.len().min(8)]
    );
}

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
    assert!(ru.contains("Межрегиональная схема территориального развития"), "{ru}");
    assert!(ru.contains("20 м в населенных пунктах, 50 м вне их"), "{ru}");
    assert!(ru.contains("действует с 2020-08-13"), "{ru}");
    let kk = text(&aimaq(&["rules", "--lang", "kk"]));
    // L3: the act's own title; the ablative ending on the date
    assert!(kk.starts_with("Алматы агломерациясын аумақтық дамытудың өңіраралық схемасы"), "{kk}");
    assert!(kk.contains("2020-08-13-тен бастап күшінде"), "{kk}");
}

#[test]
fn check_in_kazakh_writes_numbers_as_the_scheme_does() {
    let run = aimaq(&["check", repo("fixtures/parcels/demo.geojson").to_str().unwrap(), "--lang", "kk"]);
    let out = String::from_utf8(run.stdout).unwrap();
    // L3 title; decimal comma and a thin space between thousands, never a point
    assert!(out.starts_with("aimaq — Алматы агломерациясын аумақтық дамытудың өңіраралық схемасы"), "{out}");
    assert!(out.contains("1\u{202f}199,3 м²"), "{out}");
    let p025: String = out.lines().skip_while(|l| !l.starts_with("P-025")).take(3).collect::<Vec<_>>().join("\n");
    assert!(p025.contains("400,00 м < 550 м"), "{p025}");
    assert!(!p025.contains("400.00"), "{p025}");
    assert_no_english("aimaq check --lang kk", &out);
    let json = aimaq(&["check", repo("fixtures/parcels/demo.geojson").to_str().unwrap(), "--lang", "ru", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let messages: Vec<&str> = doc["parcels"].as_array().unwrap().iter()
        .flat_map(|p| p["findings"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap()))
        .collect();
    assert!(messages.iter().any(|m| m.contains("1\u{202f}199,3 м²")), "JSON messages use the same numbers");
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
        let run = aimaq(&["check", repo("fixtures/parcels/demo.geojson").to_str().unwrap(), "--format", "json", "--lang", lang]);
        let doc: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        let mut findings = 0;
        for p in doc["parcels"].as_array().unwrap() {
            for f in p["findings"].as_array().unwrap() {
                findings += 1;
                let law = f["law"].as_array().unwrap_or_else(|| panic!("{} {}: no law", p["id"], f["rule"]));
                assert!(!law.is_empty(), "{} {}: empty law", p["id"], f["rule"]);
                for q in law {
                    let lines = q["lines"].as_str().unwrap();
                    let quoted = q["text"].as_str().unwrap();
                    assert!(!quoted.trim().is_empty(), "{lines}: empty text");
                    assert!(!quoted.contains('\n') && !quoted.contains("  "), "{lines}: layout left in «{quoted}»");
                    let (a, b) = lines.trim_start_matches('L').split_once('-').unwrap_or((
                        lines.trim_start_matches('L'),
                        lines.trim_start_matches('L'),
                    ));
                    let (a, b): (usize, usize) = (a.parse().unwrap(), b.parse().unwrap());
                    let cited = no_space(&seed[a - 1..b].join("\n"));
                    // verbatim: the same characters in the same order (only the line
                    // breaks and indentation differ), and from the cited lines' start
                    assert!(cited.starts_with(&no_space(quoted)), "{lines}: «{quoted}» is not what the lines say");
                    // and both citations' ranges are quoted
                    let ranges = format!("{} {}", f["citation"], f["regime_citation"]);
                    assert!(ranges.contains(lines.split('-').next().unwrap()), "{lines} is cited by neither: {ranges}");
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
    assert!(out.contains("L256-263: «\"Темір жолдарға арналған жер кесіп берудің нормалары\""), "{out}");
    assert!(out.contains("текст схемы"), "{out}");
}
