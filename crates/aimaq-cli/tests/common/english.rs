//! The English scan of issue 19: the words aimaq's renderer has in English, and where
//! they stand in an output that should have none. Shared by the command line's and the
//! desk's language tests (`#[path]`-included by the desk's).
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::PathBuf;

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// The English words the renderer has: the catalog's English message fragments, split
/// into words, without placeholders.
pub fn english_vocabulary() -> BTreeSet<String> {
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
        "uses", "amended", "default", "force", "layer", "report", "catalog", "dataset", "features",
        "usable", "segments", "indexed", "errors", "warnings", "worst", "each",
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
pub fn english_in(output: &str, vocabulary: &BTreeSet<String>) -> Vec<String> {
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
        for token in scan.split(|c: char| c.is_whitespace() || ",;:()[]«»\"'—–=<>→".contains(c))
        {
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

pub fn assert_no_english(what: &str, output: &str) {
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
