//! The catalog's English citation texts (acts, reading notes) in Kazakh and Russian, so
//! that a Kazakh or Russian report cites its acts in its own language.

use crate::lang::Lang;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One English text in Kazakh and Russian.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Translation {
    /// Kazakh.
    pub kk: String,
    /// Russian.
    pub ru: String,
}

/// The catalog's `[texts]`: every act and note its citations give, by its English text.
/// The catalog refuses to load while one of them is missing (see
/// [`Catalog::text`](crate::Catalog::text)).
///
/// ```
/// use aimaq_rules::{Catalog, Lang};
/// let catalog = Catalog::embedded();
/// let act = "Decree No. 514 of 13.08.2020";
/// assert!(catalog.text(act, Lang::Ru).contains("№ 514"));
/// assert_eq!(catalog.text(act, Lang::En), act);
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Translations(BTreeMap<String, Translation>);

impl Translations {
    /// `en` in `lang`: itself in English, `None` when the catalog does not translate it.
    pub fn get<'a>(&'a self, en: &'a str, lang: Lang) -> Option<&'a str> {
        match lang {
            Lang::En => Some(en),
            Lang::Kk => self.0.get(en).map(|t| t.kk.as_str()),
            Lang::Ru => self.0.get(en).map(|t| t.ru.as_str()),
        }
    }

    /// The first language `en` has no (or an empty) text in.
    pub(crate) fn missing(&self, en: &str) -> Option<Lang> {
        [Lang::Kk, Lang::Ru]
            .into_iter()
            .find(|&l| self.get(en, l).is_none_or(|t| t.trim().is_empty()))
    }
}

/// The note a width read from the feature's `attribute` carries. Its words are made here
/// and read back by [`user_supplied_attribute`], so that reports can say it in any
/// language.
pub(crate) fn user_supplied_note(attribute: &str) -> String {
    format!("width from the feature's `{attribute}`, user-supplied")
}

/// The attribute of a [`user_supplied_note`], `None` for any other note.
pub(crate) fn user_supplied_attribute(note: &str) -> Option<&str> {
    note.strip_prefix("width from the feature's `")?
        .strip_suffix("`, user-supplied")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_supplied_note_reads_back() {
        let note = user_supplied_note("belt_m");
        assert_eq!(user_supplied_attribute(&note), Some("belt_m"));
        assert_eq!(user_supplied_attribute("read as ≤ 1,000 mm"), None);
    }
}
