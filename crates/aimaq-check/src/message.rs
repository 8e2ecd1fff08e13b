//! A finding in words: the catalog's message fragments (`[messages]`) filled in the
//! engine's language. The templates are data; this module only fills placeholders and
//! joins the parts.

use crate::prepare::Prepared;
use crate::refine::{Hit, Reason};
use aimaq_rules::{
    fill_in, format_number, Catalog, LandUse, Lang, RegimeCell, Rule, Severity, WidthBasis, Zone,
    ON_FEATURE_M,
};

/// What a finding is about — the rule, the feature, the zone and the regime cell that
/// applied to the parcel's use — and the catalog and language to say it in.
#[derive(Clone, Copy)]
pub(crate) struct FindingContext<'a> {
    pub catalog: &'a Catalog,
    pub lang: Lang,
    pub rule: &'a Rule,
    pub feature: &'a Prepared,
    pub zone: &'a Zone,
    pub land_use: &'a LandUse,
    pub cell: &'a RegimeCell,
}

impl FindingContext<'_> {
    fn msg(&self, key: &str) -> &str {
        self.catalog.message(key, self.lang)
    }

    fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        fill_in(self.lang, self.msg(key), values)
    }

    /// A number as the engine's language writes it.
    fn number(&self, value: f64, decimals: Option<usize>) -> String {
        format_number(self.lang, value, decimals)
    }

    /// The feature's name in the engine's language: its `name_kk` or `name_ru` when it
    /// has one, else its `name`.
    pub(crate) fn feature_name(&self) -> Option<String> {
        let own = match self.lang {
            Lang::Kk => Some("name_kk"),
            Lang::Ru => Some("name_ru"),
            Lang::En => Some("name_en"),
        };
        own.and_then(|key| self.feature.attributes.get(key))
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(String::from)
            .or_else(|| self.feature.name.clone())
    }

    /// For a `review` regime: what the review must settle, in the engine's language; for
    /// a zone whose width is unknown, first what is missing (docs/regimes.md, "Unknown
    /// widths").
    pub(crate) fn reason(&self) -> Option<String> {
        let cell = self.cell.reason_in(self.lang).map(String::from);
        let WidthBasis::Unknown(unknown) = &self.zone.basis else {
            return cell;
        };
        let mut parts = vec![if unknown.found.is_empty() {
            self.msg("unknown.width_unknown").to_string()
        } else {
            self.fill("unknown.no_width", &[("found", &unknown.found.join(", "))])
        }];
        if !unknown.supply.is_empty() {
            let attributes: Vec<String> = unknown.supply.iter().map(|a| format!("`{a}`")).collect();
            parts.push(self.fill("unknown.supply", &[("attributes", &attributes.join(", "))]));
        }
        let reach = self.zone.limit.reach() - self.zone.offset_m;
        if unknown.outside_scheme {
            let act = self.catalog.text(&self.zone.citation.act, self.lang);
            parts.push(self.fill(
                "unknown.outside",
                &[("act", &act), ("m", &self.number(reach, None))],
            ));
        } else if reach > ON_FEATURE_M {
            parts.push(self.fill("unknown.widest", &[("m", &self.number(reach, None))]));
        } else {
            parts.push(self.msg("unknown.on_feature").to_string());
        }
        let mut text = parts.join("; ");
        if let Some(c) = cell {
            text.push_str("; ");
            text.push_str(&c);
        }
        Some(text)
    }

    /// A citation in the engine's language.
    pub(crate) fn cite(&self, citation: &aimaq_rules::Citation) -> String {
        self.catalog.cite(citation, self.lang)
    }

    /// What makes a conditional use possible, in the engine's language.
    pub(crate) fn approval(&self) -> Option<String> {
        self.cell
            .approval
            .as_deref()
            .and_then(|a| self.catalog.approval(a))
            .map(|a| a.labels.get(self.lang).to_string())
    }

    /// The finding's one line: severity, rule, where, why, how much, and the regime for
    /// the use with its approval.
    pub(crate) fn message(
        &self,
        hit: &Hit,
        encumbered_m2: f64,
        share: f64,
        approval: Option<&str>,
        reason: Option<&str>,
    ) -> String {
        let layer_title = self.catalog.layer_label(&self.feature.layer, self.lang);
        let what = match &self.feature_name() {
            Some(n) => format!("{layer_title} «{n}» ({})", self.feature.id),
            None => format!("{layer_title} {}", self.feature.id),
        };
        let severity_word = match hit.severity {
            Severity::Prohibited => self.msg("regime.prohibited"),
            Severity::Conditional => self.msg("regime.conditional"),
            Severity::Review => self.msg("severity.review"),
        };
        let place = if hit.distance_m == 0.0 {
            self.fill("place.touches", &[("what", &what)])
        } else {
            self.fill(
                "place.distance",
                &[
                    ("d", &self.number(hit.distance_m, Some(2))),
                    ("what", &what),
                ],
            )
        };
        let why = self.why(&hit.reason);
        let encumbered = self.fill(
            "encumbered",
            &[
                ("m2", &self.number(encumbered_m2, Some(1))),
                ("pct", &self.number(share * 100.0, Some(1))),
            ],
        );
        let offset = if self.zone.offset_m > 0.0 {
            self.fill("offset", &[("m", &self.number(self.zone.offset_m, None))])
        } else {
            String::new()
        };
        let regime_word = self.msg(&format!("regime.{}", self.cell.regime.as_str()));
        let mut use_part = self.fill(
            "use_regime",
            &[
                ("use", self.land_use.label(self.lang)),
                ("regime", regime_word),
            ],
        );
        if let Some(r) = reason {
            use_part.push_str(" — ");
            use_part.push_str(&self.fill("review_reason", &[("reason", r)]));
        }
        if let Some(a) = approval {
            use_part.push_str(" — ");
            use_part.push_str(&self.fill("approval", &[("approval", a)]));
        }
        format!(
            "{severity_word}: {} — {place}, {why}; {encumbered}{offset}. {use_part}",
            self.rule.title_in(self.lang),
        )
    }

    /// Why the parcel is inside the zone: which width it is closer than.
    fn why(&self, reason: &Reason) -> String {
        let m = |v: f64| self.number(v, None);
        match reason {
            Reason::InsideZone { m: w } => self.fill("reason.inside_zone", &[("m", &m(*w))]),
            Reason::InsideMinimum { min, max } => self.fill(
                "reason.inside_minimum",
                &[("min", &m(*min)), ("max", &m(*max))],
            ),
            Reason::BetweenRange { max, .. }
                if matches!(self.zone.basis, WidthBasis::Unknown(_)) =>
            {
                if *max <= ON_FEATURE_M + self.zone.offset_m {
                    self.msg("reason.on_feature").to_string()
                } else {
                    self.fill("reason.width_unknown", &[("m", &m(*max))])
                }
            }
            Reason::BetweenRange { min, max } => self.fill(
                "reason.between_range",
                &[("min", &m(*min)), ("max", &m(*max))],
            ),
            Reason::SettlementParts(parts) => parts
                .iter()
                .map(|&(inside, d, limit)| {
                    let place = if inside {
                        self.msg("reason.settlement_inside")
                    } else {
                        self.msg("reason.settlement_outside")
                    };
                    if limit <= 0.0 {
                        // a zone that applies only outside settlements (L284): say so, with
                        // the lines that make it stop there
                        let lines = self
                            .zone
                            .settlement_citations
                            .as_ref()
                            .map(|(in_c, out_c)| if inside { in_c } else { out_c })
                            .and_then(|c| c.scheme.as_deref())
                            .unwrap_or("");
                        return self.fill(
                            "reason.settlement_exempt",
                            &[
                                ("where", place),
                                ("d", &self.number(d, Some(2))),
                                ("lines", lines),
                            ],
                        );
                    }
                    let clear = if d < limit {
                        ""
                    } else {
                        self.msg("reason.clear")
                    };
                    self.fill(
                        "reason.settlement_part",
                        &[
                            ("where", place),
                            ("d", &self.number(d, Some(2))),
                            ("limit", &m(limit)),
                            ("clear", clear),
                        ],
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            Reason::Overlap => self.msg("reason.overlap").to_string(),
        }
    }
}
