//! When a rule is in force: the catalog's versions by effective date.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// A calendar date (`YYYY-MM-DD`), enough to order acts by their dates.
///
/// ```
/// use aimaq_rules::Date;
/// let a: Date = "2020-08-13".parse().unwrap();
/// let b: Date = "2024-04-26".parse().unwrap();
/// assert!(a < b);
/// assert_eq!(a.to_string(), "2020-08-13");
/// assert!("2024-02-30".parse::<Date>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// Text that is not a `YYYY-MM-DD` calendar date.
///
/// ```
/// let err = "2024-02-30".parse::<aimaq_rules::Date>().unwrap_err();
/// assert_eq!(err.to_string(), "`2024-02-30` is not a date: write YYYY-MM-DD");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("`{text}` is not a date: write YYYY-MM-DD")]
pub struct InvalidDate {
    /// The text given.
    pub text: String,
}

impl FromStr for Date {
    type Err = InvalidDate;
    fn from_str(s: &str) -> Result<Date, InvalidDate> {
        let bad = || InvalidDate {
            text: s.to_string(),
        };
        let parts: Vec<&str> = s.trim().split('-').collect();
        let [y, m, d] = parts.as_slice() else {
            return Err(bad());
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let year: u16 = y.parse().map_err(|_| bad())?;
        let month: u8 = m.parse().map_err(|_| bad())?;
        let day: u8 = d.parse().map_err(|_| bad())?;
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(bad()),
        };
        if day == 0 || day > days {
            return Err(bad());
        }
        Ok(Date { year, month, day })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The period a rule's wording is in force, and the act that set it.
///
/// ```
/// use aimaq_rules::{Date, InForce};
/// let chapter2 = InForce { from: "2024-05-06".parse().unwrap(), until: None,
///     act: "Decree No. 336 of 26.04.2024".into(), note: None,
///     act_date: Some("2024-04-26".parse().unwrap()), published: None };
/// assert!(chapter2.covers("2025-01-01".parse().unwrap()));
/// assert!(!chapter2.covers("2023-12-31".parse().unwrap()));
/// // signed, but not yet in force: ten calendar days after publication (L680-682)
/// assert!(chapter2.pending("2024-04-30".parse().unwrap()));
/// assert!(!chapter2.pending("2024-05-06".parse().unwrap()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InForce {
    /// First day in force: ten calendar days after the first official publication
    /// (L5-7, L680-682); where the publication date is not known, ten days after the
    /// act's own date, the earliest it can be.
    pub from: Date,
    /// The date the act bears (signed), if different from `from`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act_date: Option<Date>,
    /// The date of its first official publication, where known (outside the scheme: the
    /// text does not give it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<Date>,
    /// First day no longer in force, if repealed or replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Date>,
    /// The act whose wording this is.
    pub act: String,
    /// Why these dates, where the source is not exact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl InForce {
    /// Whether the wording is in force on `date`.
    pub fn covers(&self, date: Date) -> bool {
        self.from <= date && self.until.is_none_or(|u| date < u)
    }

    /// Whether `date` falls between the act's own date and its entry into force: the act
    /// exists, but is not yet in force (ten calendar days after its first official
    /// publication, L5-7, L680-682).
    pub fn pending(&self, date: Date) -> bool {
        self.act_date.is_some_and(|a| a <= date) && date < self.from
    }
}

/// A rule left out of a catalog taken as of a date, and why.
///
/// ```
/// let catalog = aimaq_rules::Catalog::embedded().as_of("2022-01-01".parse().unwrap()).unwrap();
/// let left_out = &catalog.not_in_force()[0];
/// assert_eq!(left_out.rule, "zoning.south_direction");
/// assert!(left_out.in_force.act.contains("No. 336"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotInForce {
    /// Rule id.
    pub rule: String,
    /// Its period.
    pub in_force: InForce,
}
