//! A rule's width in words, in any of the catalog's languages: the one description
//! `aimaq rules`, `aimaq explain`, the desk's `GET /rules` and the screening reports
//! print. The words are the catalog's `[messages]`; only codes, ids and numbers stay as
//! they are, numbers written as the language writes them ([`format_number`]).

use crate::catalog::Catalog;
use crate::condition::describe_when;
use crate::lang::format_number;
use crate::lang::{fill_in, Lang};
use crate::rule::Rule;
use crate::width::WidthValue;
use crate::width_rule::{cases_in, WidthRule};

impl Catalog {
    /// Metres in `lang`: `20 м`, `550–1700 м`.
    pub fn metres_in(&self, value: WidthValue, lang: Lang) -> String {
        let unit = self.message("unit.m", lang);
        match value {
            WidthValue::Exact(m) => format!("{} {unit}", format_number(lang, m, None)),
            WidthValue::Range { min, max } => format!(
                "{}–{} {unit}",
                format_number(lang, min, None),
                format_number(lang, max, None)
            ),
        }
    }

    /// How `rule` finds its width, in one line in `lang`.
    ///
    /// ```
    /// use aimaq_rules::{Catalog, Lang};
    /// let catalog = Catalog::embedded();
    /// let rail = catalog.rule("rail.control_zone").unwrap();
    /// assert_eq!(catalog.describe_width(rail, Lang::Ru), "20 м в населенных пунктах, 50 м вне их");
    /// let belt = catalog.rule("water_conduit.sanitary_belt").unwrap();
    /// assert!(catalog.describe_width(belt, Lang::En).contains("only outside the polygons of `settlements` (L284)"));
    /// ```
    pub fn describe_width(&self, rule: &Rule, lang: Lang) -> String {
        let msg =
            |key: &str, values: &[(&str, &str)]| fill_in(lang, self.message(key, lang), values);
        let m = |value: WidthValue| self.metres_in(value, lang);
        let mut text = match rule.width() {
            WidthRule::Overlap => msg("width.overlap", &[]),
            WidthRule::BySettlement {
                inside, outside, ..
            } => msg(
                "width.by_settlement",
                &[
                    ("inside", &m(WidthValue::Exact(inside.m))),
                    ("outside", &m(WidthValue::Exact(outside.m))),
                ],
            ),
            WidthRule::Cases {
                cases,
                override_attribute,
            } => {
                let mut parts = cases_in(cases, &|w| m(WidthValue::Exact(w)));
                if let Some(a) = override_attribute {
                    parts.push(msg("width.override", &[("attribute", a)]));
                }
                parts.join("; ")
            }
            WidthRule::Attribute {
                attribute,
                scale,
                named,
                defaults,
                fallback,
                ..
            } => {
                let mut parts = vec![if *scale == 1.0 {
                    msg("width.attribute", &[("attribute", attribute)])
                } else {
                    msg(
                        "width.scaled",
                        &[
                            ("attribute", attribute),
                            ("scale", &format_number(lang, *scale, None)),
                        ],
                    )
                }];
                if let Some(named) = named {
                    let widths: Vec<String> = named
                        .iter()
                        .map(|(object, w)| match object.describe_when() {
                            when if when.is_empty() => {
                                format!("{} {}", object.name_in(lang), m(w.value))
                            }
                            when => format!("{} ({when}) {}", object.name_in(lang), m(w.value)),
                        })
                        .collect();
                    parts.push(msg("width.named", &[("list", &widths.join(", "))]));
                }
                for (when, w) in defaults {
                    parts.push(msg(
                        "width.default",
                        &[("when", &describe_when(when)), ("width", &m(w.value))],
                    ));
                }
                if let Some(f) = fallback {
                    parts.push(msg("width.otherwise", &[("width", &m(f.value))]));
                }
                parts.join("; ")
            }
        };
        if let Some(only) = rule.outside_only() {
            text = msg(
                "width.outside_only",
                &[
                    ("layer", &only.layer),
                    ("lines", only.citation.scheme.as_deref().unwrap_or("")),
                    ("width", &text),
                    ("attribute", only.attribute.as_deref().unwrap_or("-")),
                    ("everywhere", &only.everywhere),
                    ("nowhere", &only.nowhere),
                ],
            );
        }
        if let Some(within) = rule.within() {
            text.push_str("; ");
            text.push_str(&msg("width.within", &[("rule", within)]));
        }
        text
    }
}
