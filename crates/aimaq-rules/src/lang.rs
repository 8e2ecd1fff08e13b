//! Languages of messages and labels, and the catalog's translated texts.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// A language aimaq answers in: Kazakh (the scheme's language), Russian or English.
///
/// ```
/// use aimaq_rules::Lang;
/// let kk: Lang = "kk".parse().unwrap();
/// assert_eq!(kk, Lang::Kk);
/// assert!("de".parse::<Lang>().unwrap_err().to_string().contains("kk, ru, en"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Kazakh, with the scheme's own terms.
    Kk,
    /// Russian, with standard legal terms.
    Ru,
    /// English.
    #[default]
    En,
}

impl Lang {
    /// All languages, in the order the catalog lists them.
    pub const ALL: [Lang; 3] = [Lang::Kk, Lang::Ru, Lang::En];

    /// ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Kk => "kk",
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }
}

/// A language code aimaq does not answer in.
///
/// ```
/// let err = "DE".parse::<aimaq_rules::Lang>().unwrap_err();
/// assert_eq!(err.code, "de");
/// assert_eq!(err.to_string(), "unknown language `de` (known: kk, ru, en)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown language `{code}` (known: kk, ru, en)")]
pub struct UnknownLang {
    /// The code given, trimmed and in lower case.
    pub code: String,
}

impl FromStr for Lang {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<Lang, UnknownLang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "kk" => Ok(Lang::Kk),
            "ru" => Ok(Lang::Ru),
            "en" => Ok(Lang::En),
            other => Err(UnknownLang {
                code: other.to_string(),
            }),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One text in the three languages, as the catalog stores it.
///
/// ```
/// use aimaq_rules::{Labels, Lang};
/// let belt = Labels::new("су қорғау белдеуі", "водоохранная полоса", "water-protection belt");
/// assert_eq!(belt.get(Lang::Kk), "су қорғау белдеуі");
/// assert_eq!(belt.get(Lang::En), "water-protection belt");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    /// Kazakh.
    pub kk: String,
    /// Russian.
    pub ru: String,
    /// English.
    pub en: String,
}

impl Labels {
    /// The three texts.
    pub fn new(kk: impl Into<String>, ru: impl Into<String>, en: impl Into<String>) -> Labels {
        Labels {
            kk: kk.into(),
            ru: ru.into(),
            en: en.into(),
        }
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Kk => &self.kk,
            Lang::Ru => &self.ru,
            Lang::En => &self.en,
        }
    }

    /// The first language whose text is empty, for catalog checks.
    pub(crate) fn missing(&self) -> Option<Lang> {
        Lang::ALL
            .into_iter()
            .find(|&l| self.get(l).trim().is_empty())
    }
}

/// Fills `{name}` placeholders of a message template.
///
/// ```
/// assert_eq!(aimaq_rules::fill("{d} m from {what}", &[("d", "9.98"), ("what", "pl-003")]), "9.98 m from pl-003");
/// ```
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}
