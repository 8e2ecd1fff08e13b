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

    /// How many noun forms a count takes: Kazakh 1 (a noun after a numeral stays
    /// singular: 21 учаске), Russian 3 (участок, участка, участков), English 2.
    pub fn plural_forms(self) -> usize {
        match self {
            Lang::Kk => 1,
            Lang::Ru => 3,
            Lang::En => 2,
        }
    }

    /// Which of the [`plural_forms`](Self::plural_forms) the count `n` takes.
    ///
    /// ```
    /// use aimaq_rules::Lang;
    /// let ru = |n| ["участок", "участка", "участков"][Lang::Ru.plural_index(n)];
    /// assert_eq!([1, 21, 101].map(ru), ["участок"; 3]);
    /// assert_eq!([2, 4, 22, 24].map(ru), ["участка"; 4]);
    /// assert_eq!([0, 5, 11, 12, 14, 20, 111].map(ru), ["участков"; 7]);
    /// assert_eq!([1, 2].map(|n| Lang::En.plural_index(n)), [0, 1]);
    /// assert_eq!(Lang::Kk.plural_index(21), 0);
    /// ```
    pub fn plural_index(self, n: u64) -> usize {
        match self {
            Lang::Kk => 0,
            Lang::En => usize::from(n != 1),
            Lang::Ru => match (n % 10, n % 100) {
                (1, r) if r != 11 => 0,
                (2..=4, r) if !(12..=14).contains(&r) => 1,
                _ => 2,
            },
        }
    }
}

/// The space between groups of thousands in Kazakh and Russian numbers: the narrow
/// no-break space (U+202F), a thin space that never lets a number break across lines.
pub const THOUSANDS_SEPARATOR: char = '\u{202f}';

/// A number as `lang` writes it: the one formatting every surface (text, JSON messages,
/// the desk, the record) goes through. Kazakh and Russian write the decimal comma and a
/// thin space ([`THOUSANDS_SEPARATOR`]) between thousands, as the scheme does («482 986,3
/// га»); English the decimal point and no grouping. `decimals` fixes the digits after
/// the separator; `None` writes as few as the value needs (`50`, `226.5`).
///
/// ```
/// use aimaq_rules::{format_number, Lang};
/// assert_eq!(format_number(Lang::Ru, 1199.34, Some(1)), "1\u{202f}199,3");
/// assert_eq!(format_number(Lang::Kk, 482986.3, None), "482\u{202f}986,3");
/// assert_eq!(format_number(Lang::Kk, 400.0, Some(2)), "400,00");
/// assert_eq!(format_number(Lang::Ru, -1700.0, None), "-1\u{202f}700");
/// assert_eq!(format_number(Lang::En, 1199.34, Some(1)), "1199.3");
/// assert_eq!(format_number(Lang::En, 50.0, None), "50");
/// ```
pub fn format_number(lang: Lang, value: f64, decimals: Option<usize>) -> String {
    let plain = match decimals {
        Some(n) => format!("{value:.n$}"),
        None if value.fract() == 0.0 => format!("{value:.0}"),
        None => format!("{value}"),
    };
    if lang == Lang::En || !value.is_finite() {
        return plain;
    }
    let (sign, digits) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain.as_str()),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let mut out = String::with_capacity(plain.len() + 8);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(THOUSANDS_SEPARATOR);
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push(',');
        out.push_str(f);
    }
    out
}

/// A date as `lang` writes it before «бастап» (from) or «дейін» (until): in Kazakh the
/// ISO date takes the ending its last number's spoken word asks for (13 «он үш»:
/// «2020-08-13-тен бастап», 10 «он»: «-нан», 20 «жиырма»: «-дан»); Russian and English
/// put the word before the date and need no ending.
///
/// ```
/// use aimaq_rules::{date_ending, DateCase, Lang};
/// assert_eq!(date_ending(Lang::Kk, "2020-08-13", DateCase::From), "2020-08-13-тен");
/// assert_eq!(date_ending(Lang::Kk, "2024-04-26", DateCase::From), "2024-04-26-дан");
/// assert_eq!(date_ending(Lang::Kk, "2024-05-10", DateCase::Until), "2024-05-10-ға");
/// assert_eq!(date_ending(Lang::Kk, "2024-05-01", DateCase::Until), "2024-05-01-ге");
/// assert_eq!(date_ending(Lang::Ru, "2020-08-13", DateCase::From), "2020-08-13");
/// ```
pub fn date_ending(lang: Lang, date: &str, case: DateCase) -> String {
    if lang != Lang::Kk {
        return date.to_string();
    }
    let Some(n) = date
        .rsplit(['-', '.'])
        .next()
        .and_then(|d| d.trim().parse::<u64>().ok())
    else {
        return date.to_string();
    };
    // the spoken word the number ends in decides the ending: its vowel harmony (back or
    // front) and its last sound (vowel or voiced, voiceless, nasal)
    let (back, sound) = last_word_sound(n);
    let ending = match (case, sound, back) {
        (DateCase::From, Sound::Nasal, true) => "нан",
        (DateCase::From, Sound::Nasal, false) => "нен",
        (DateCase::From, Sound::Voiceless, true) => "тан",
        (DateCase::From, Sound::Voiceless, false) => "тен",
        (DateCase::From, Sound::Voiced, true) => "дан",
        (DateCase::From, Sound::Voiced, false) => "ден",
        (DateCase::Until, Sound::Voiceless, true) => "қа",
        (DateCase::Until, Sound::Voiceless, false) => "ке",
        (DateCase::Until, _, true) => "ға",
        (DateCase::Until, _, false) => "ге",
    };
    format!("{date}-{ending}")
}

/// Which ending a date takes in Kazakh ([`date_ending`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateCase {
    /// Ablative, before «бастап» (from).
    From,
    /// Dative, before «дейін» (until).
    Until,
}

#[derive(Clone, Copy)]
enum Sound {
    Voiced,
    Voiceless,
    Nasal,
}

/// The harmony (back vowel: true) and last sound of the Kazakh word `n` ends in.
fn last_word_sound(n: u64) -> (bool, Sound) {
    use Sound::*;
    let units = [
        (false, Voiced),    // 0 нөл
        (false, Voiced),    // 1 бір
        (false, Voiced),    // 2 екі
        (false, Voiceless), // 3 үш
        (false, Voiceless), // 4 төрт
        (false, Voiceless), // 5 бес
        (true, Voiced),     // 6 алты
        (false, Voiced),    // 7 жеті
        (false, Voiced),    // 8 сегіз
        (true, Voiced),     // 9 тоғыз
    ];
    let tens = [
        (true, Nasal),      // 10 он
        (true, Voiced),     // 20 жиырма
        (true, Voiced),     // 30 отыз
        (true, Voiceless),  // 40 қырық
        (false, Voiced),    // 50 елу
        (true, Voiceless),  // 60 алпыс
        (false, Voiceless), // 70 жетпіс
        (false, Nasal),     // 80 сексен
        (true, Nasal),      // 90 тоқсан
    ];
    if n == 0 {
        return units[0];
    }
    if !n.is_multiple_of(10) {
        return units[(n % 10) as usize];
    }
    if !n.is_multiple_of(100) {
        return tens[((n % 100) / 10 - 1) as usize];
    }
    if !n.is_multiple_of(1000) {
        return (false, Voiced); // жүз
    }
    (true, Nasal) // мың
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

/// Fills `{name}` placeholders of a message template, counts by English rules (use
/// [`fill_in`] for another language's).
///
/// ```
/// assert_eq!(aimaq_rules::fill("{d} m from {what}", &[("d", "9.98"), ("what", "pl-003")]), "9.98 m from pl-003");
/// ```
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    fill_in(Lang::En, template, values)
}

/// Fills `{name}` placeholders of a message template in `lang`. `{name:form|form|…}` is
/// the noun form the count in `name` takes in `lang` ([`Lang::plural_index`]); a
/// placeholder without a value is left as written.
///
/// ```
/// use aimaq_rules::{fill_in, Lang};
/// let ru = "{n} {n:участок|участка|участков}";
/// assert_eq!(fill_in(Lang::Ru, ru, &[("n", "21")]), "21 участок");
/// assert_eq!(fill_in(Lang::Ru, ru, &[("n", "3")]), "3 участка");
/// assert_eq!(fill_in(Lang::Ru, ru, &[("n", "11")]), "11 участков");
/// assert_eq!(fill_in(Lang::En, "{n} {n:parcel|parcels}", &[("n", "1")]), "1 parcel");
/// ```
pub fn fill_in(lang: Lang, template: &str, values: &[(&str, &str)]) -> String {
    let value = |name: &str| values.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner = &after[..close];
        let filled = match inner.split_once(':') {
            Some((name, forms)) => value(name).map(|v| {
                let forms: Vec<&str> = forms.split('|').collect();
                // counts may come grouped (1 000): the separators are not digits
                let digits: String = v.chars().filter(|c| !c.is_whitespace()).collect();
                let i = digits
                    .parse::<u64>()
                    .map_or(forms.len() - 1, |n| lang.plural_index(n));
                forms[i.min(forms.len() - 1)].to_string()
            }),
            None => value(inner).map(String::from),
        };
        match filled {
            Some(text) => out.push_str(&text),
            None => out.push_str(&rest[open..open + close + 2]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Every `{name:forms}` of a template: the placeholder and how many forms it gives.
pub(crate) fn count_placeholders(template: &str) -> Vec<(&str, usize)> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        if let Some((name, forms)) = after[..close].split_once(':') {
            out.push((name, forms.split('|').count()));
        }
        rest = &after[close + 1..];
    }
    out
}
