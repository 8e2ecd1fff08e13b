//! Every message key of the embedded catalog rendered in kk, ru and en for the counts 1, 2,
//! 5, 11, 21 and 22 (issue 13, item 8): nothing left unfilled, a counted noun in the form
//! its language gives that count (Russian: 1 and 21 участок, 2–4 and 22–24 участка, 5–20 and
//! 11–14 участков; Kazakh keeps the noun singular after a numeral), and no English word in a
//! Kazakh or Russian text except codes.

use aimaq_rules::{fill_in, Catalog, Lang, MESSAGE_KEYS};

const COUNTS: [u64; 6] = [1, 2, 5, 11, 21, 22];

/// The placeholder names of a template: `{name}` and `{name:forms}`.
fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}').expect("a closed placeholder");
        let inner = &after[..close];
        out.push(inner.split_once(':').map_or(inner, |(name, _)| name));
        rest = &after[close + 1..];
    }
    out
}

/// Words of Latin letters, after codes in backticks are taken out.
fn latin_words(text: &str) -> Vec<String> {
    let mut plain = String::new();
    let mut in_code = false;
    for ch in text.chars() {
        if ch == '`' {
            in_code = !in_code;
        } else if !in_code {
            plain.push(ch);
        }
    }
    plain
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 2)
        .map(String::from)
        .collect()
}

#[test]
fn every_message_in_every_language_for_every_count() {
    let catalog = Catalog::embedded();
    let mut rendered = 0;
    for key in MESSAGE_KEYS {
        for lang in Lang::ALL {
            let template = catalog.message(key, lang);
            assert!(!template.trim().is_empty(), "{key} {lang}");
            let names = placeholders(template);
            for n in COUNTS {
                let count = n.to_string();
                let values: Vec<(&str, &str)> =
                    names.iter().map(|name| (*name, count.as_str())).collect();
                let text = fill_in(lang, template, &values);
                assert!(
                    !text.contains('{') && !text.contains('}'),
                    "{key} {lang} {n}: unfilled «{text}»"
                );
                if lang != Lang::En {
                    let english = latin_words(&text);
                    assert!(
                        english.is_empty(),
                        "{key} {lang}: English {english:?} in «{text}»"
                    );
                }
                rendered += 1;
            }
        }
    }
    assert_eq!(rendered, MESSAGE_KEYS.len() * 3 * COUNTS.len());
}

#[test]
fn counted_nouns_take_their_languages_forms() {
    let catalog = Catalog::embedded();
    let summary = |lang: Lang, n: u64| {
        let n = n.to_string();
        fill_in(
            lang,
            catalog.message("label.summary", lang),
            &[
                ("n", &n),
                ("checked", &n),
                ("verdicts", ""),
                ("errored", "0"),
            ],
        )
    };
    for (n, ru, en) in [
        (1, "1 участок:", "1 parcel in:"),
        (2, "2 участка:", "2 parcels in:"),
        (5, "5 участков:", "5 parcels in:"),
        (11, "11 участков:", "11 parcels in:"),
        (21, "21 участок:", "21 parcels in:"),
        (22, "22 участка:", "22 parcels in:"),
    ] {
        assert!(
            summary(Lang::Ru, n).starts_with(ru),
            "{}",
            summary(Lang::Ru, n)
        );
        assert!(
            summary(Lang::En, n).starts_with(en),
            "{}",
            summary(Lang::En, n)
        );
        assert!(
            summary(Lang::Kk, n).starts_with(&format!("{n} учаске:")),
            "{}",
            summary(Lang::Kk, n)
        );
    }
    let dataset = |lang: Lang, errors: u64, warnings: u64| {
        fill_in(
            lang,
            catalog.message("label.dataset", lang),
            &[
                ("errors", &errors.to_string()),
                ("warnings", &warnings.to_string()),
            ],
        )
    };
    assert_eq!(
        dataset(Lang::Ru, 1, 21),
        "данные: 1 ошибка, 21 предупреждение"
    );
    assert_eq!(
        dataset(Lang::Ru, 2, 22),
        "данные: 2 ошибки, 22 предупреждения"
    );
    assert_eq!(
        dataset(Lang::Ru, 11, 5),
        "данные: 11 ошибок, 5 предупреждений"
    );
    assert_eq!(dataset(Lang::En, 1, 2), "dataset: 1 error, 2 warnings");
    assert_eq!(dataset(Lang::Kk, 21, 5), "деректер: 21 қате, 5 ескерту");
}

/// Everything `aimaq explain` and the reports say of a rule exists in kk and ru, and says
/// nothing in English but codes, ids, line numbers and the names of acts' own codes.
#[test]
fn rule_texts_are_kazakh_and_russian_too() {
    let catalog = Catalog::embedded();
    // codes that stay as they are: digest ids, norms' designations, units of codes
    let allowed = ["DIGEST", "DN", "SP", "RK", "kV", "UNESCO", "II", "III"];
    let english = |text: &str| -> Vec<String> {
        latin_words(text)
            .into_iter()
            .filter(|w| !allowed.contains(&w.as_str()))
            .collect()
    };
    for rule in catalog.rules() {
        for lang in [Lang::Kk, Lang::Ru] {
            let mut texts = vec![
                rule.title_in(lang).to_string(),
                rule.measured_from_in(lang).to_string(),
                catalog.describe_width(rule, lang),
                catalog.cite(rule.citation(), lang),
            ];
            for cell in rule.regime().cells.iter().chain([&rule.regime().default]) {
                texts.push(cell.basis_in(lang).to_string());
                texts.extend(cell.reason_in(lang).map(String::from));
                texts.push(catalog.cite(&cell.citation, lang));
            }
            for text in texts {
                // attribute names and values stand as codes in width descriptions
                let text = text
                    .split(&['=', '→', ';', ','][..])
                    .filter(|part| !part.contains(&['=', '_'][..]))
                    .collect::<Vec<_>>()
                    .join(" ");
                let words = english(&text);
                let words: Vec<&String> = words.iter().filter(|w| !is_code(w)).collect();
                assert!(
                    words.is_empty(),
                    "{} {lang}: English {words:?} in «{text}»",
                    rule.id()
                );
            }
        }
    }
}

/// Words that are codes of the data or the catalog, not English prose: attribute values
/// and names a GIS officer types (`undeveloped`, `settlements`, `right_of_way_m`, …).
fn is_code(word: &str) -> bool {
    const CODES: &[&str] = &[
        "dry",
        "wet",
        "soil",
        "diameter",
        "mm",
        "undeveloped",
        "developed",
        "land",
        "settlements",
        "right",
        "of",
        "way",
        "outer",
        "wire",
        "offset",
        "length",
        "km",
        "catchment",
        "zone",
        "belt",
        "corridor",
        "spz",
        "gap",
        "class",
        "kind",
        "river",
        "category",
        "subzone",
        "south",
        "direction",
        "voltage",
        "protection",
        "in",
        "pond",
        "lake",
        "reservoir",
        "district",
        "Talgar",
        "simple",
        "complex",
        "seismic",
        "mudflow",
        "avalanche",
        "flood",
        "landslide",
        "subsidence",
        "disturbed",
        "geology",
        "intense",
        "impact",
        "site",
        "talgar",
        "settlement",
        "group",
        "present",
        "absent",
        "given",
        "or",
        "oil",
        "pipeline",
        "product",
        "I",
    ];
    CODES.contains(&word)
}
