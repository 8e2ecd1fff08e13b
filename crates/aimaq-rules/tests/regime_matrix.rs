//! The regime matrix against the scheme's own text (issue 13): every cell of every rule is
//! walked, and a `prohibited` cell must cite a line that prohibits. The lines are read at
//! test time from the Kazakh text kept in the repository (`data/seed/`, a copy of
//! `shared/seed/`), so a citation that drifts off its prohibition fails here.
//!
//! The scheme's words for a ban (docs/regimes.md, "The four words"): «тыйым салынады»
//! (L617), «жол берілмейді» / «жол бермейді» / «жол бермейтін» (L374, L384, L408),
//! «болмайды» (L469), «құрылыс жүргізбеу» (L642), «рұқсат етілмейді».

use aimaq_rules::{Catalog, Citation, Regime, RegimeCell, Rule, WidthRule};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Stems of the scheme's prohibiting words.
const PROHIBITION: &[&str] = &[
    "тыйым",
    "жол берілмей",
    "жол берілме",
    "жол берме",
    "болмайды",
    "рұқсат етілмей",
    "жүргізбеу",
];

/// The scheme's Kazakh text, one entry per line (index 0 is L1).
fn seed() -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/seed/almaty-agglomeration-scheme-2020.kk.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the scheme's text {}: {e}", path.display()));
    text.lines().map(String::from).collect()
}

/// The 1-based lines a `scheme` citation names: `L593-600, L617` → 593..=600 and 617.
fn lines(scheme: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for part in scheme.split(',') {
        let part = part.trim();
        let range = part
            .strip_prefix('L')
            .unwrap_or_else(|| panic!("`{part}` of `{scheme}` is not a line range"));
        let (a, b) = range.split_once('-').unwrap_or((range, range));
        let (a, b): (usize, usize) = (
            a.parse()
                .unwrap_or_else(|_| panic!("bad line in `{scheme}`")),
            b.parse()
                .unwrap_or_else(|_| panic!("bad line in `{scheme}`")),
        );
        assert!(a >= 1 && a <= b, "`{part}` of `{scheme}` is not a range");
        out.extend(a..=b);
    }
    out
}

/// The text of the lines a citation names, joined (a sentence runs over lines).
fn cited_text(seed: &[String], citation: &Citation) -> String {
    let scheme = citation.scheme.as_deref().unwrap_or("");
    lines(scheme)
        .into_iter()
        .map(|n| seed[n - 1].trim())
        .collect::<Vec<_>>()
        .join(" ")
}

fn cells(rule: &Rule) -> impl Iterator<Item = (String, &RegimeCell)> {
    rule.regime()
        .cells
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("cell {i}"), c))
        .chain([("default".to_string(), &rule.regime().default)])
}

/// Prohibitions that are another act's, where the scheme names the zone type and the ban
/// is that zone type's defining content (docs/regimes.md, "Another act's ban"): the rule,
/// the cell's uses, what the cell's act must name, and what the cited lines must name.
const ANOTHER_ACTS_BAN: &[(&str, &str, &str, &str)] = &[
    // belts are set "by the acts in force" (L527-530); the Water Code's belt ban
    ("water.belt", "*", "Water Code", "белдеулер"),
    // reserves, zakazniks and natural monuments (L401-402) under arts. 41-42 of the SPNA
    // Law, which L427-428 name
    ("spna.territory", "*", "arts. 41-42", "42-баптарына"),
    ("zoning.group3", "*", "arts. 41-42", "42-баптарына"),
    // a sanitary-protection zone (L505-506) keeps housing out: the sanitary rules on SPZ
    (
        "sanitary.protection_zone",
        "residential",
        "Sanitary rules",
        "санитариялық-қорғау аймақтары",
    ),
];

#[test]
fn every_prohibited_cell_cites_a_line_that_prohibits() {
    let seed = seed();
    let catalog = Catalog::embedded();
    let mut walked = 0;
    let mut prohibited = 0;
    let mut by_another_act = BTreeSet::new();
    for rule in catalog.rules() {
        for (which, cell) in cells(rule) {
            walked += 1;
            if cell.regime != Regime::Prohibited {
                continue;
            }
            prohibited += 1;
            let text = cited_text(&seed, &cell.citation);
            if PROHIBITION.iter().any(|w| text.contains(w)) {
                continue;
            }
            let exception = ANOTHER_ACTS_BAN
                .iter()
                .find(|(id, uses, _, _)| *id == rule.id() && (cell.uses.iter().any(|u| u == uses)));
            let Some((_, _, act, names)) = exception else {
                panic!(
                    "{} {which} ({:?}) is prohibited, but its lines {} say no ban: «{text}»",
                    rule.id(),
                    cell.uses,
                    cell.citation.scheme.as_deref().unwrap_or("(none)")
                );
            };
            assert!(
                cell.citation.act.contains(act),
                "{} {which}: another act's ban must cite that act ({act}): {}",
                rule.id(),
                cell.citation.act
            );
            assert!(
                text.contains(names),
                "{} {which}: the cited lines must name the zone type («{names}»): «{text}»",
                rule.id()
            );
            by_another_act.insert(rule.id().to_string());
        }
    }
    assert!(
        walked > 60 && prohibited >= 10,
        "{walked} cells, {prohibited} prohibited"
    );
    // the exceptions are few and each is still needed
    assert_eq!(
        by_another_act.len(),
        ANOTHER_ACTS_BAN.len(),
        "{by_another_act:?}"
    );
}

#[test]
fn the_prohibition_words_are_the_schemes() {
    // each stem is found where docs/regimes.md says the scheme uses it
    let seed = seed();
    for (line, word) in [
        (617, "тыйым"),
        (374, "жол берілме"),
        (384, "жол берме"),
        (408, "жол берме"),
        (469, "болмайды"),
        (642, "жүргізбеу"),
    ] {
        assert!(seed[line - 1].contains(word), "L{line}: {}", seed[line - 1]);
    }
}

/// Every line range the catalog cites lies within the scheme's text.
#[test]
fn every_cited_line_exists() {
    let seed = seed();
    // 6,017 newlines; the last line holds a single space
    assert_eq!(seed.len(), 6018);
    let catalog = Catalog::embedded();
    let mut citations: Vec<(String, &Citation)> = Vec::new();
    for rule in catalog.rules() {
        citations.push((rule.id().into(), rule.citation()));
        for (which, cell) in cells(rule) {
            citations.push((format!("{} {which}", rule.id()), &cell.citation));
        }
        match rule.width() {
            WidthRule::Cases { cases, .. } => {
                for (_, w) in cases {
                    citations.push((format!("{} case", rule.id()), &w.citation));
                }
            }
            WidthRule::BySettlement {
                inside, outside, ..
            } => {
                citations.push((format!("{} inside", rule.id()), &inside.citation));
                citations.push((format!("{} outside", rule.id()), &outside.citation));
            }
            WidthRule::Attribute {
                defaults, fallback, ..
            } => {
                for (_, w) in defaults {
                    citations.push((format!("{} default", rule.id()), &w.citation));
                }
                if let Some(w) = fallback {
                    citations.push((format!("{} fallback", rule.id()), &w.citation));
                }
            }
            WidthRule::Overlap => {}
        }
        if let Some(only) = rule.outside_only() {
            citations.push((format!("{} outside_only", rule.id()), &only.citation));
        }
    }
    for object in catalog.named_objects() {
        for w in object.widths.values() {
            citations.push((object.key.clone(), &w.citation));
        }
    }
    let mut n = 0;
    for (what, c) in citations {
        let Some(scheme) = &c.scheme else { continue };
        for line in lines(scheme) {
            assert!(line <= seed.len(), "{what}: L{line} is past the text");
            n += 1;
        }
    }
    assert!(n > 1000, "{n} cited lines");
}

/// A `review` cell is never stricter than a ban and always says what is open, in the
/// three languages; the cells docs/regimes.md lists as open questions are `review`.
#[test]
fn review_cells_say_what_is_open() {
    let catalog = Catalog::embedded();
    for rule in catalog.rules() {
        for (which, cell) in cells(rule) {
            if cell.regime == Regime::Review {
                let reason = cell.reason.as_ref().expect("checked on loading");
                for lang in aimaq_rules::Lang::ALL {
                    assert!(
                        !reason.get(lang).trim().is_empty(),
                        "{} {which}: no {lang} reason",
                        rule.id()
                    );
                }
            }
        }
    }
    let use_ = |code: &str| catalog.land_use(code).unwrap();
    let none = serde_json::Map::new();
    let attrs = |v: serde_json::Value| v.as_object().unwrap().clone();
    for (rule, code, feature) in [
        ("power.protection_zone", "residential", none.clone()),
        ("power.protection_zone", "pasture", none.clone()),
        ("water.belt", "transport", none.clone()),
        ("water.zone", "industrial", none.clone()),
        ("road.reserved_corridor", "residential", none.clone()),
        ("rail.control_zone", "arable_farming", none.clone()),
        (
            "spna.territory",
            "recreation",
            attrs(serde_json::json!({"category": "state regional natural park"})),
        ),
        (
            "zoning.group3",
            "recreation",
            attrs(serde_json::json!({"subzone": "3.park"})),
        ),
        ("zoning.group2", "waste_disposal", none.clone()),
        ("zoning.south_direction", "residential", none.clone()),
        ("heritage.protection_zone", "mining", none.clone()),
        (
            "heritage.protection_zone",
            "transport",
            attrs(serde_json::json!({"site": "talgar_settlement"})),
        ),
    ] {
        let cell = catalog
            .rule(rule)
            .unwrap()
            .regime()
            .cell_for(use_(code), &feature);
        assert_eq!(cell.regime, Regime::Review, "{rule} {code}");
    }
}
