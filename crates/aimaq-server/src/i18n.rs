//! The desk's own words in Kazakh, Russian and English: one file, `web/i18n.json`, read
//! by the page and by the decision record alike. Words of the regulation (verdicts,
//! regimes, layer and use names) come from the catalog, not from here.

use aimaq_rules::Lang;
use std::collections::HashMap;
use std::sync::OnceLock;

type Texts = HashMap<String, HashMap<String, String>>;

fn texts() -> &'static Texts {
    static TEXTS: OnceLock<Texts> = OnceLock::new();
    TEXTS.get_or_init(|| {
        serde_json::from_str(include_str!("../web/i18n.json")).expect("web/i18n.json is JSON")
    })
}

/// The text of `key` in `lang` (the key itself when missing, which a test forbids).
pub fn text(lang: Lang, key: &str) -> &'static str {
    let texts = texts();
    texts
        .get(lang.code())
        .and_then(|t| t.get(key))
        .map(String::as_str)
        .unwrap_or_else(|| {
            texts
                .get("en")
                .and_then(|t| t.get_key_value(key))
                .map_or("?", |(k, _)| k.as_str())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_key() {
        let t = texts();
        let en: Vec<&String> = t["en"].keys().collect();
        for lang in ["kk", "ru"] {
            for key in &en {
                let v = t[lang].get(*key);
                assert!(
                    v.is_some_and(|v| !v.trim().is_empty()),
                    "{lang} lacks `{key}`"
                );
            }
            for key in t[lang].keys() {
                assert!(t["en"].contains_key(key), "{lang} has extra `{key}`");
            }
        }
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn kazakh_is_kazakh() {
        assert!(text(Lang::Kk, "report.title").contains("шешім"));
        assert_eq!(text(Lang::Ru, "report.map"), "Карта");
    }
}
