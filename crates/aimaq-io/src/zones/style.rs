//! The zones map's default styles, in the export's language.
//!
//! Each layer of `aimaq zones` gets a QGIS style (data/styles/zones_*.qml, written with
//! PyQGIS by data/styles/make_styles.py) whose legend words are placeholders, `{{key}}`,
//! filled here: `regime.*` from the catalog's messages, `layer.*` from its layer labels,
//! the rest (`legend.*`, and the layers' titles) from [`WORDS`]. The map reads in one
//! language: kk, ru or en, as `--lang` says.

use aimaq_rules::{Catalog, Lang};

/// A layer's style: its QML template and the style's name.
pub(crate) struct LayerStyle {
    /// The table it styles.
    pub table: &'static str,
    /// Its QML, legend words as `{{key}}`.
    template: &'static str,
}

macro_rules! style {
    ($table:literal, $file:literal) => {
        LayerStyle {
            table: $table,
            template: include_str!(concat!("../../../../data/styles/", $file)),
        }
    };
}

/// Every layer's style, in the order the map is drawn from the bottom up: zone areas,
/// zone strips, source areas, settlements, source lines (the strips under the lines
/// they are measured from), then the benchmark tables when they are written.
pub(crate) const STYLES: &[LayerStyle] = &[
    style!("zone_areas", "zones_areas.qml"),
    style!("zone_strips", "zones_strips.qml"),
    style!("source_areas", "zones_source_areas.qml"),
    style!("settlements", "zones_settlements.qml"),
    style!("source_lines", "zones_source_lines.qml"),
    style!("join_lines", "zones_join_lines.qml"),
    style!("join_areas", "zones_join_areas.qml"),
];

/// The words the catalog does not have: kk, ru, en.
const WORDS: &[(&str, [&str; 3])] = &[
    ("legend.other", ["Басқалары", "Прочие", "Other"]),
    (
        "title.zone_strips",
        [
            "Аймақ жолақтары (режим бойынша)",
            "Полосы зон (по режиму)",
            "Zone strips (by regime)",
        ],
    ),
    (
        "title.zone_areas",
        [
            "Аймақ аумақтары (режим бойынша)",
            "Территории зон (по режиму)",
            "Zone areas (by regime)",
        ],
    ),
    (
        "title.source_lines",
        [
            "Аймақтар өлшенетін сызықтар",
            "Линии, от которых отсчитываются зоны",
            "Lines the zones are measured from",
        ],
    ),
    (
        "title.source_areas",
        [
            "Аймақтар өлшенетін аумақтар",
            "Площади, от которых отсчитываются зоны",
            "Areas the zones are measured from",
        ],
    ),
    (
        "title.settlements",
        ["Елді мекендер", "Населённые пункты", "Settlements"],
    ),
    (
        "title.join_lines",
        [
            "Бенчмарк: аймақтардың сызықтары мен шектері",
            "Бенчмарк: линии зон и их пределы",
            "Benchmark: zone lines and limits",
        ],
    ),
    (
        "title.join_areas",
        [
            "Бенчмарк: аймақтардың аумақтары мен шектері",
            "Бенчмарк: площади зон и их пределы",
            "Benchmark: zone areas and limits",
        ],
    ),
];

fn own_word(key: &str, lang: Lang) -> Option<&'static str> {
    let i = match lang {
        Lang::Kk => 0,
        Lang::Ru => 1,
        Lang::En => 2,
    };
    WORDS.iter().find(|(k, _)| *k == key).map(|(_, w)| w[i])
}

/// `ТЫЙЫМ САЛЫНҒАН` → `Тыйым салынған`, `power line` → `Power line`: a legend entry.
fn sentence(text: &str) -> String {
    let lower = if text.chars().any(char::is_lowercase) {
        text.to_string()
    } else {
        text.to_lowercase()
    };
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The legend word for `key` in `lang`, `None` for a key nobody knows.
fn word(catalog: &Catalog, key: &str, lang: Lang) -> Option<String> {
    if let Some(regime) = key.strip_prefix("regime.") {
        let key = format!("regime.{regime}");
        return catalog
            .messages()
            .contains_key(&key)
            .then(|| sentence(catalog.message(&key, lang)));
    }
    if let Some(layer) = key.strip_prefix("layer.") {
        return catalog
            .layer(layer)
            .map(|spec| sentence(spec.labels.get(lang)));
    }
    own_word(key, lang).map(str::to_string)
}

/// A table's title in `lang`: what the map's legend calls the layer.
pub(crate) fn title(table: &str, lang: Lang) -> &'static str {
    own_word(&format!("title.{table}"), lang).unwrap_or("aimaq")
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

impl LayerStyle {
    /// The style's QML with every `{{key}}` filled in `lang`. A key nobody knows stays
    /// as its key (a test keeps that from happening).
    pub(crate) fn qml(&self, catalog: &Catalog, lang: Lang) -> String {
        let mut out = String::with_capacity(self.template.len());
        let mut rest = self.template;
        while let Some(start) = rest.find("{{") {
            let Some(len) = rest[start + 2..].find("}}") else {
                break;
            };
            let key = &rest[start + 2..start + 2 + len];
            out.push_str(&rest[..start]);
            match word(catalog, key, lang) {
                Some(w) => out.push_str(&xml_escape(&w)),
                None => out.push_str(key),
            }
            rest = &rest[start + 2 + len + 2..];
        }
        out.push_str(rest);
        out
    }

    /// The style's name in the GeoPackage's `layer_styles`.
    pub(crate) fn name(&self, lang: Lang) -> String {
        format!("aimaq: {}", title(self.table, lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_filled_in_every_language() {
        let catalog = Catalog::embedded();
        for style in STYLES {
            for lang in Lang::ALL {
                let qml = style.qml(&catalog, lang);
                assert!(!qml.contains("{{"), "{} {lang:?}", style.table);
                for key in ["regime.", "layer.", "legend."] {
                    assert!(
                        !qml.contains(&format!("label=\"{key}")),
                        "{} {lang:?}: an unknown key",
                        style.table
                    );
                }
            }
            assert_ne!(title(style.table, Lang::Kk), "aimaq", "{}", style.table);
        }
    }

    #[test]
    fn legend_words_are_in_the_export_language() {
        let catalog = Catalog::embedded();
        let strips = STYLES.iter().find(|s| s.table == "zone_strips").unwrap();
        let kk = strips.qml(&catalog, Lang::Kk);
        assert!(kk.contains("label=\"Тыйым салынған\""), "kk regime words");
        assert!(!kk.contains("Prohibited"));
        let ru = strips.qml(&catalog, Lang::Ru);
        assert!(ru.contains("label=\"Запрещено\""));
        let lines = STYLES.iter().find(|s| s.table == "source_lines").unwrap();
        let en = lines.qml(&catalog, Lang::En);
        assert!(
            en.contains("label=\"Railway\""),
            "layer labels, capitalised"
        );
        assert_eq!(sentence("ТЕКСЕРУ ҚАЖЕТ"), "Тексеру қажет");
        assert_eq!(sentence("power line"), "Power line");
    }
}
