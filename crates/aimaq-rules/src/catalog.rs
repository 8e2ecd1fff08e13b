//! The regulation catalog: layers, rules, named objects, uses and texts, and the queries
//! over them. Loading and checking the TOML is `load.rs`'s.

use crate::approval::Approval;
use crate::attributes::Attributes;
use crate::citation::Citation;
use crate::error::CatalogError;
use crate::in_force::{Date, NotInForce};
use crate::info::CatalogInfo;
use crate::land_use::{LandUse, UnknownUse};
use crate::lang::{fill_in, Labels, Lang};
use crate::layer::LayerSpec;
use crate::load;
use crate::message::MESSAGE_KEYS;
use crate::named::{NamedObject, NamedObjects};
use crate::raw::RawCatalog;
use crate::resolution::{Resolution, ResolutionProblem};
use crate::rule::Rule;
use crate::texts::{user_supplied_attribute, Translations};
use crate::width_rule::WidthRule;
use crate::zone::{Limit, WidthBasis};
use crate::zoning::Zoning;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The catalog shipped with aimaq: the Almaty agglomeration scheme of 2020.
pub const EMBEDDED_CATALOG: &str = include_str!("../../../data/regulations/almaty-2020.toml");

/// A loaded, checked regulation catalog. It is only made by loading
/// ([`Catalog::from_toml_str`], [`Catalog::embedded`]) and narrowed by
/// [`Catalog::as_of`], so its parts always agree with each other.
///
/// ```
/// let catalog = aimaq_rules::Catalog::embedded();
/// let rail = catalog.rule("rail.control_zone").unwrap();
/// assert_eq!(rail.layer(), "railways");
/// assert_eq!(rail.citation().scheme.as_deref(), Some("L256-263"));
/// assert_eq!(catalog.info().id, "almaty-2020");
/// // every rule's layer is a layer of the contract: the catalog checked it on loading
/// assert!(catalog.rules().iter().all(|r| catalog.layer(r.layer()).is_some()));
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct Catalog {
    /// Header.
    info: CatalogInfo,
    /// Layers of the dataset contract.
    layers: Vec<LayerSpec>,
    /// Rules, in catalog order.
    rules: Vec<Rule>,
    /// Named objects, shared with the rules that check widths against them.
    named: Arc<NamedObjects>,
    /// The vocabulary of proposed uses.
    uses: Vec<LandUse>,
    /// Index in `uses` of `info.default_use`.
    default_use: usize,
    /// Approvals that conditional regimes refer to.
    approvals: Vec<Approval>,
    /// Message fragments in the three languages (see [`MESSAGE_KEYS`]).
    messages: BTreeMap<String, Labels>,
    /// The cited acts and notes in kk and ru.
    texts: Translations,
    /// Functional-zoning taxonomy and the planned land balance.
    zoning: Option<Zoning>,
    /// The date the catalog was taken as of ([`Catalog::as_of`]), if any.
    as_of: Option<Date>,
    /// Rules left out because they are not in force on `as_of`.
    not_in_force: Vec<NotInForce>,
}

impl Catalog {
    /// The catalog compiled into the crate (`data/regulations/almaty-2020.toml`).
    pub fn embedded() -> Catalog {
        Catalog::from_toml_str(EMBEDDED_CATALOG).expect("the embedded catalog is checked by tests")
    }

    /// Parses and checks a catalog, section by section in the order the rules rely on
    /// them: layers, named objects, uses, approvals, messages, zoning, then the rules.
    ///
    /// ```
    /// let err = aimaq_rules::Catalog::from_toml_str("[catalog]\nid = 1").unwrap_err();
    /// assert!(err.to_string().contains("does not parse"));
    /// ```
    pub fn from_toml_str(text: &str) -> Result<Catalog, CatalogError> {
        let raw: RawCatalog = toml::from_str(text)?;
        load::layers(&raw.layer)?;
        let named = Arc::new(load::named_objects(raw.named, &raw.layer)?);
        let vocabulary = load::uses(&raw.uses, &raw.catalog.default_use)?;
        load::approvals(&raw.approval)?;
        load::messages(&raw.messages)?;
        if let Some(zoning) = &raw.zoning {
            load::zoning(zoning, &raw.layer)?;
        }
        let known = load::Known {
            layers: &raw.layer,
            named: &named,
            vocabulary: &vocabulary,
            approvals: &raw.approval,
            in_force: &raw.catalog.in_force,
        };
        let rules = load::rules(raw.rule, &known)?;
        load::translations(
            &raw.texts,
            &load::Cited {
                info: &raw.catalog,
                rules: &rules,
                named: &named,
                uses: &raw.uses,
                zoning: raw.zoning.as_ref(),
            },
        )?;
        let default_use = vocabulary.default_use;
        Ok(Catalog {
            info: raw.catalog,
            layers: raw.layer,
            rules,
            named,
            uses: raw.uses,
            default_use,
            approvals: raw.approval,
            messages: raw.messages,
            texts: raw.texts,
            zoning: raw.zoning,
            as_of: None,
            not_in_force: Vec::new(),
        })
    }

    /// The header: id, title, acts, default use, in force.
    pub fn info(&self) -> &CatalogInfo {
        &self.info
    }

    /// Layers of the dataset contract, in catalog order.
    pub fn layers(&self) -> &[LayerSpec] {
        &self.layers
    }

    /// Rules, in catalog order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The vocabulary of proposed uses, in catalog order.
    pub fn uses(&self) -> &[LandUse] {
        &self.uses
    }

    /// Approvals that conditional regimes refer to.
    pub fn approvals(&self) -> &[Approval] {
        &self.approvals
    }

    /// Message fragments in the three languages, by key (see [`MESSAGE_KEYS`]).
    pub fn messages(&self) -> &BTreeMap<String, Labels> {
        &self.messages
    }

    /// Functional-zoning taxonomy and the planned land balance, if the catalog has them.
    pub fn zoning(&self) -> Option<&Zoning> {
        self.zoning.as_ref()
    }

    /// The date the catalog was taken as of ([`Catalog::as_of`]), if any.
    pub fn as_of_date(&self) -> Option<Date> {
        self.as_of
    }

    /// Rules left out because they are not in force on [`Catalog::as_of_date`].
    pub fn not_in_force(&self) -> &[NotInForce] {
        &self.not_in_force
    }

    /// The catalog as in force on `date`: rules whose wording is not in force that day
    /// are left out and listed in [`Catalog::not_in_force`].
    ///
    /// ```
    /// let catalog = aimaq_rules::Catalog::embedded();
    /// let before = catalog.as_of("2023-06-01".parse().unwrap()).unwrap();
    /// assert!(before.rule("zoning.south_direction").is_none());
    /// assert_eq!(before.not_in_force()[0].rule, "zoning.south_direction");
    /// let after = catalog.as_of("2025-06-01".parse().unwrap()).unwrap();
    /// assert!(after.rule("zoning.south_direction").is_some());
    /// // before the scheme itself, nothing of this catalog applies
    /// assert!(catalog.as_of("2019-01-01".parse().unwrap()).is_err());
    /// ```
    pub fn as_of(&self, date: Date) -> Result<Catalog, CatalogError> {
        let own = &self.info.in_force;
        if let (true, Some(act_date)) = (own.pending(date), own.act_date) {
            return Err(CatalogError::NotYetInForce {
                date,
                act_date,
                from: own.from,
                act: own.act.clone(),
            });
        }
        if date < self.info.in_force.from {
            return Err(CatalogError::BeforeInForce {
                date,
                from: self.info.in_force.from,
                act: self.info.in_force.act.clone(),
            });
        }
        let mut out = self.clone();
        out.as_of = Some(date);
        out.not_in_force.clear();
        let mut kept = Vec::new();
        for rule in out.rules.drain(..) {
            if rule.in_force.covers(date) {
                kept.push(rule);
            } else {
                out.not_in_force.push(NotInForce {
                    rule: rule.id.clone(),
                    in_force: rule.in_force.clone(),
                });
            }
        }
        out.rules = kept;
        Ok(out)
    }

    /// The use with this code.
    pub fn land_use(&self, code: &str) -> Option<&LandUse> {
        self.uses.iter().find(|u| u.code == code)
    }

    /// The use assumed when a parcel states none (`construction`).
    pub fn default_use(&self) -> &LandUse {
        &self.uses[self.default_use]
    }

    /// Resolves a parcel's stated use: `None` or blank is the default use; an unknown code
    /// is an error naming the allowed ones.
    ///
    /// ```
    /// let catalog = aimaq_rules::Catalog::embedded();
    /// assert_eq!(catalog.resolve_use(Some(" Residential ")).unwrap().code, "residential");
    /// assert_eq!(catalog.resolve_use(None).unwrap().code, "construction");
    /// let err = catalog.resolve_use(Some("carwash")).unwrap_err();
    /// assert_eq!(err.code, "carwash");
    /// let err = err.to_string();
    /// assert!(err.contains("unknown use `carwash`") && err.contains("vehicle_wash"));
    /// ```
    pub fn resolve_use(&self, stated: Option<&str>) -> Result<&LandUse, UnknownUse> {
        match stated.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(self.default_use()),
            Some(code) => self
                .land_use(&code.to_lowercase())
                .ok_or_else(|| UnknownUse {
                    code: code.to_string(),
                    allowed: self.uses.iter().map(|u| u.code.clone()).collect(),
                }),
        }
    }

    /// The approval with this id.
    pub fn approval(&self, id: &str) -> Option<&Approval> {
        self.approvals.iter().find(|a| a.id == id)
    }

    /// A message fragment in `lang` (see [`MESSAGE_KEYS`], which every catalog must hold;
    /// any other key gives an empty text).
    ///
    /// ```
    /// let catalog = aimaq_rules::Catalog::embedded();
    /// assert_eq!(catalog.message("regime.prohibited", aimaq_rules::Lang::Kk), "ТЫЙЫМ САЛЫНҒАН");
    /// ```
    pub fn message(&self, key: &str, lang: Lang) -> &str {
        debug_assert!(
            MESSAGE_KEYS.contains(&key),
            "message key `{key}` is not in MESSAGE_KEYS"
        );
        self.messages.get(key).map(|m| m.get(lang)).unwrap_or("")
    }

    /// The cited acts and notes in kk and ru (`[texts]`).
    pub fn texts(&self) -> &Translations {
        &self.texts
    }

    /// A cited English text (an act, a reading note) in `lang`. Every act and note of the
    /// catalog is translated (the catalog checks it on loading); the note of a width the
    /// feature supplies is said from `[messages]`; any other text stays as given.
    pub fn text(&self, en: &str, lang: Lang) -> String {
        if let Some(t) = self.texts.get(en, lang) {
            return t.to_string();
        }
        match user_supplied_attribute(en) {
            Some(attribute) => fill_in(
                lang,
                self.message("note.user_supplied", lang),
                &[("attribute", attribute)],
            ),
            None => en.to_string(),
        }
    }

    /// A citation in `lang`: its act and note translated, "scheme" in `lang`'s word.
    ///
    /// ```
    /// use aimaq_rules::{Catalog, Citation, Lang};
    /// let catalog = Catalog::embedded();
    /// let c = Citation::new("Decree No. 514 of 13.08.2020").scheme("L273").digest("R04");
    /// assert_eq!(catalog.cite(&c, Lang::En), c.to_string());
    /// assert_eq!(catalog.cite(&c, Lang::Ru),
    ///     "постановление Правительства РК от 13.08.2020 № 514, схема L273 [R04]");
    /// ```
    pub fn cite(&self, citation: &Citation, lang: Lang) -> String {
        let mut out = self.text(&citation.act, lang);
        if let Some(lines) = &citation.scheme {
            out.push_str(&format!(", {} {lines}", self.message("label.scheme", lang)));
        }
        if let Some(digest) = &citation.digest {
            out.push_str(&format!(" [{digest}]"));
        }
        if let Some(note) = &citation.note {
            out.push_str(&format!(" ({})", self.text(note, lang)));
        }
        out
    }

    /// Every rule of `layer` that applies to a feature with `attrs`, resolved, in catalog
    /// order: `(rule index, resolution)`. Besides each rule's own problems, a zone wider
    /// than the zone it must lie inside ([`Rule::within`]) is refused with an error naming
    /// both widths, and a name that matches a named object the feature is not is said
    /// once, not once per rule.
    ///
    /// ```
    /// use aimaq_rules::{Catalog, ResolutionProblem};
    /// let catalog = Catalog::embedded();
    /// let pond = serde_json::json!({"id": "wb-x", "kind": "river", "belt_m": 800, "zone_m": 500});
    /// let resolved = catalog.resolve_feature("water_bodies", pond.as_object().unwrap());
    /// let belt = resolved.iter().find(|(i, _)| catalog.rules()[*i].id() == "water.belt").unwrap();
    /// assert!(belt.1.zone.is_none(), "an 800 m belt does not fit a 500 m zone");
    /// assert!(matches!(belt.1.problems[0], ResolutionProblem::WiderThanZone { .. }));
    /// ```
    pub fn resolve_feature(&self, layer: &str, attrs: &Attributes) -> Vec<(usize, Resolution)> {
        let mut out: Vec<(usize, Resolution)> = self
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.layer == layer && r.applies_to(attrs))
            .map(|(i, r)| (i, r.resolve(attrs)))
            .collect();
        // a zone inside another: compare once both are resolved
        for k in 0..out.len() {
            let rule = &self.rules[out[k].0];
            let Some(within) = rule.within() else {
                continue;
            };
            let outer = out
                .iter()
                .find(|(i, _)| self.rules[*i].id == within)
                .and_then(|(i, res)| Some((*i, res.zone.clone()?)));
            let (Some((outer_idx, outer)), Some(inner)) = (outer, out[k].1.zone.as_ref()) else {
                continue;
            };
            if let (WidthBasis::Unknown(_), Limit::Range { min, max }) = (&inner.basis, inner.limit)
            {
                // an unknown width is no contradiction: its band stops where the zone
                // it lies inside stops
                let max = max.min(outer.limit.reach());
                if let Some(z) = out[k].1.zone.as_mut() {
                    z.limit = Limit::Range { min, max };
                }
                continue;
            }
            if inner.limit.reach() > outer.limit.reach() + 1e-9 {
                let from = |basis: &WidthBasis| match basis {
                    WidthBasis::Attribute(a) => Some(a.clone()),
                    _ => None,
                };
                let problem = ResolutionProblem::WiderThanZone {
                    width: inner.limit.reach(),
                    from: from(&inner.basis),
                    within: within.to_string(),
                    within_title: self.rules[outer_idx].title.clone(),
                    within_width: outer.limit.reach(),
                    within_from: from(&outer.basis),
                    lines: rule.citation.scheme.clone().unwrap_or_default(),
                };
                out[k].1.zone = None;
                out[k].1.problems.push(problem);
            }
        }
        // one word per feature on a name it shares with another object
        let mut said: Vec<String> = Vec::new();
        for (_, res) in &mut out {
            res.problems.retain(|p| match p {
                ResolutionProblem::NotThisObject { key, .. } => {
                    let first = !said.contains(key);
                    said.push(key.clone());
                    first
                }
                _ => true,
            });
        }
        out
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The layer spec with this name.
    pub fn layer(&self, name: &str) -> Option<&LayerSpec> {
        self.layers.iter().find(|l| l.name == name)
    }

    /// The layer's name for one feature in `lang`.
    pub fn layer_label(&self, layer: &str, lang: Lang) -> String {
        self.layer(layer)
            .map(|l| l.labels.get(lang).to_string())
            .unwrap_or_else(|| layer.to_string())
    }

    /// Rules that apply to features of `layer`, in catalog order.
    pub fn rules_for_layer<'a>(&'a self, layer: &'a str) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules.iter().filter(move |r| r.layer == layer)
    }

    /// Layers whose polygons decide which width applies (settlements for the railway
    /// rule, and for the conduit belts that stop at them).
    pub fn condition_layers(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .rules
            .iter()
            .flat_map(|r| {
                let by_settlement = match &r.width {
                    WidthRule::BySettlement {
                        settlement_layer, ..
                    } => Some(settlement_layer.as_str()),
                    _ => None,
                };
                by_settlement
                    .into_iter()
                    .chain(r.outside_only.as_ref().map(|o| o.layer.as_str()))
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every named object, in catalog order.
    pub fn named_objects(&self) -> &[NamedObject] {
        self.named.all()
    }

    /// The named object of `table` called `name` (case, spacing and dashes ignored).
    ///
    /// ```
    /// let catalog = aimaq_rules::Catalog::embedded();
    /// let turgen = catalog.named("water_bodies", "TURGEN  river").unwrap();
    /// assert_eq!(turgen.key, "turgen");
    /// ```
    pub fn named(&self, table: &str, name: &str) -> Option<&NamedObject> {
        self.named.get(table, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_loads_with_every_hard_constraint() {
        let c = Catalog::embedded();
        for id in [
            "rail.control_zone",
            "power.protection_zone",
            "water.belt",
            "water.zone",
            "water_conduit.sanitary_belt",
            "gas.protection_zone",
            "road.reserved_corridor",
            "spna.territory",
        ] {
            let rule = c.rule(id).unwrap_or_else(|| panic!("{id} missing"));
            assert!(!rule.citation.act.is_empty(), "{id} has no act");
            assert!(rule.citation.scheme.is_some(), "{id} has no scheme lines");
        }
        assert_eq!(
            c.named_objects()
                .iter()
                .filter(|n| n.table == "road_corridors")
                .count(),
            12
        );
        assert_eq!(c.condition_layers(), vec!["settlements"]);
    }

    #[test]
    fn every_named_width_cites_scheme_lines() {
        let c = Catalog::embedded();
        for n in c.named_objects() {
            for (attr, w) in &n.widths {
                assert!(
                    w.citation.scheme.is_some(),
                    "{}.{attr} has no scheme lines",
                    n.key
                );
                assert_eq!(w.citation.act, n.act);
            }
        }
    }

    #[test]
    fn names_match_ignoring_case_space_and_dash_style() {
        let c = Catalog::embedded();
        let a = c
            .named("road_corridors", "western europe - western china")
            .unwrap();
        assert_eq!(a.key, "western_europe_western_china");
        assert!(c.named("water_bodies", "Үлкен Алматы өзені").is_some());
        assert!(c.named("water_bodies", "Kaskelen").is_none());
    }

    #[test]
    fn inconsistent_catalogs_are_refused() {
        let base = EMBEDDED_CATALOG;
        let rule = |id: &str, regime: &str| {
            format!("\n[[rule]]\nid = \"{id}\"\nlayer = \"protected_areas\"\nlabels = {{ kk = \"x\", ru = \"x\", en = \"x\" }}\nmeasured_from = {{ kk = \"x\", ru = \"x\", en = \"x\" }}\ncitation = {{ act = \"Decree No. 514 of 13.08.2020\" }}\nwidth = {{ kind = \"overlap\" }}\nregime = {{ default = {regime} }}\n")
        };
        // rules go before the named objects' and zoning tables
        let with_rule =
            |extra: String| base.replacen("\n[[named]]", &format!("{extra}\n[[named]]"), 1);
        let dup = with_rule(rule(
            "spna.territory",
            "{ regime = \"prohibited\", basis = { kk = \"x\", ru = \"x\", en = \"x\" }, citation = { act = \"Decree No. 514 of 13.08.2020\" } }",
        ));
        let err = Catalog::from_toml_str(&dup).unwrap_err().to_string();
        assert!(err.contains("declared twice"), "{err}");

        let bad_layer = base.replace(
            "layer = \"gas_pipelines\"\nlabels",
            "layer = \"gas\"\nlabels",
        );
        let err = Catalog::from_toml_str(&bad_layer).unwrap_err().to_string();
        assert!(err.contains("unknown layer `gas`"), "{err}");

        let negative = base.replace("m = 50, act = \"Law", "m = -50, act = \"Law");
        let err = Catalog::from_toml_str(&negative).unwrap_err().to_string();
        assert!(err.contains("positive"), "{err}");

        // a conditional regime must say what makes the use possible
        let no_approval = with_rule(rule(
            "x.a",
            "{ regime = \"conditional\", basis = { kk = \"x\", ru = \"x\", en = \"x\" }, citation = { act = \"Decree No. 514 of 13.08.2020\" } }",
        ));
        let err = Catalog::from_toml_str(&no_approval)
            .unwrap_err()
            .to_string();
        assert!(err.contains("must name its approval"), "{err}");
        // a rule that allows everything restricts nothing
        let all_allowed = with_rule(rule(
            "x.b",
            "{ regime = \"allowed\", basis = { kk = \"x\", ru = \"x\", en = \"x\" }, citation = { act = \"Decree No. 514 of 13.08.2020\" } }",
        ));
        let err = Catalog::from_toml_str(&all_allowed)
            .unwrap_err()
            .to_string();
        assert!(err.contains("allows every use"), "{err}");
        // a cell naming a use outside the vocabulary
        let bad_use = base.replace("uses = [\"transport\"]", "uses = [\"roads\"]");
        let err = Catalog::from_toml_str(&bad_use).unwrap_err().to_string();
        assert!(err.contains("unknown use or tag `roads`"), "{err}");
        // every message in every language
        let no_kk = base.replace(
            "\"verdict.error\" = { kk = \"ҚАТЕ\", ",
            "\"verdict.error\" = { kk = \"\", ",
        );
        let err = Catalog::from_toml_str(&no_kk).unwrap_err().to_string();
        assert!(
            err.contains("message `verdict.error` has no kk text"),
            "{err}"
        );
        // a review cell says what must be settled, in every language
        let no_reason = with_rule(rule(
            "x.c",
            "{ regime = \"review\", basis = { kk = \"x\", ru = \"x\", en = \"x\" }, citation = { act = \"Decree No. 514 of 13.08.2020\" } }",
        ));
        let err = Catalog::from_toml_str(&no_reason).unwrap_err().to_string();
        assert!(err.contains("a review cell must give its reason"), "{err}");
        let half_reason = with_rule(rule(
            "x.d",
            "{ regime = \"review\", reason = { kk = \"x\", ru = \"\", en = \"x\" }, basis = { kk = \"x\", ru = \"x\", en = \"x\" }, citation = { act = \"Decree No. 514 of 13.08.2020\" } }",
        ));
        let err = Catalog::from_toml_str(&half_reason)
            .unwrap_err()
            .to_string();
        assert!(err.contains("the reason has no ru text"), "{err}");
        let reason_elsewhere = with_rule(rule(
            "x.e",
            "{ regime = \"prohibited\", reason = { kk = \"x\", ru = \"x\", en = \"x\" }, basis = { kk = \"x\", ru = \"x\", en = \"x\" }, citation = { act = \"Decree No. 514 of 13.08.2020\" } }",
        ));
        let err = Catalog::from_toml_str(&reason_elsewhere)
            .unwrap_err()
            .to_string();
        assert!(err.contains("only review cells take a reason"), "{err}");
        // a cited act Kazakh and Russian reports could not cite in their language
        let untranslated = with_rule(rule(
            "x.f",
            "{ regime = \"prohibited\", basis = { kk = \"x\", ru = \"x\", en = \"x\" }, citation = { act = \"Some other act\" } }",
        ));
        let err = Catalog::from_toml_str(&untranslated)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("the cited text `Some other act` has no kk translation"),
            "{err}"
        );
        // a count's noun needs the language's forms: Russian has three
        let two_forms = base.replace("{n:участок|участка|участков}", "{n:участок|участков}");
        let err = Catalog::from_toml_str(&two_forms).unwrap_err().to_string();
        assert!(
            err.contains("gives 2 noun forms for `{n:…}` in ru, which has 3"),
            "{err}"
        );
        // a zone inside another rule's zone names a rule of its layer
        let bad_within = base.replace("within = \"water.zone\"", "within = \"rail.control_zone\"");
        let err = Catalog::from_toml_str(&bad_within).unwrap_err().to_string();
        assert!(
            err.contains(
                "lies `within` `rail.control_zone`, which is not another rule of its layer"
            ),
            "{err}"
        );
        // a named object's condition reads an attribute of its layer
        let bad_when = base.replacen(
            "when = { kind = \"river\" }\nwidths",
            "when = { sort = \"river\" }\nwidths",
            1,
        );
        assert_ne!(bad_when, base);
        let err = Catalog::from_toml_str(&bad_when).unwrap_err().to_string();
        assert!(err.contains("tests unknown attribute `sort`"), "{err}");
    }

    #[test]
    fn width_tables_refuse_unknown_fields() {
        let typo = EMBEDDED_CATALOG.replacen(
            "kind = \"attribute\"\nattribute = \"belt_m\"",
            "kind = \"attribute\"\nattribute = \"belt_m\"\nscael = 2",
            1,
        );
        assert_ne!(typo, EMBEDDED_CATALOG);
        let err = Catalog::from_toml_str(&typo).unwrap_err().to_string();
        assert!(
            err.contains("does not parse") && err.contains("scael"),
            "{err}"
        );
    }

    #[test]
    fn every_rule_and_cell_cites_an_act_and_scheme_lines() {
        let c = Catalog::embedded();
        for rule in &c.rules {
            for cell in rule.regime.cells.iter().chain([&rule.regime.default]) {
                assert!(
                    !cell.citation.act.is_empty(),
                    "{} cell without act",
                    rule.id
                );
                assert!(
                    cell.citation
                        .scheme
                        .as_deref()
                        .is_some_and(|s| s.starts_with('L')),
                    "{} cell {:?} without scheme lines",
                    rule.id,
                    cell.uses
                );
            }
            for lang in Lang::ALL {
                assert!(!rule.title_in(lang).is_empty());
            }
        }
    }

    #[test]
    fn vocabulary_covers_the_scheme_lists() {
        let c = Catalog::embedded();
        for code in [
            "residential",
            "public",
            "commercial",
            "industrial",
            "warehouse",
            "agrochemical_storage",
            "fuel_station",
            "vehicle_service",
            "vehicle_wash",
            "mechanical_workshop",
            "waste_disposal",
            "pesticide_filling_site",
            "aviation_chemical_airstrip",
            "aerial_spraying",
            "livestock_farm",
            "wastewater_storage",
            "wastewater_irrigation",
            "cemetery",
            "animal_burial_ground",
            "arable_farming",
            "pasture",
            "horticulture",
            "dacha",
            "recreation",
            "tourism",
            "sport",
            "transport",
            "utility_line",
            "water_management",
            "mining",
            "construction",
        ] {
            let u = c.land_use(code).unwrap_or_else(|| panic!("{code} missing"));
            assert!(u.labels.missing().is_none(), "{code}");
        }
        // the scheme's own Kazakh terms
        assert_eq!(
            c.rule("water.belt").unwrap().title_in(Lang::Kk),
            "Су қорғау белдеуі"
        );
        assert_eq!(
            c.rule("water.zone").unwrap().title_in(Lang::Ru),
            "Водоохранная зона"
        );
        assert_eq!(
            c.land_use("animal_burial_ground").unwrap().label(Lang::Kk),
            "мал қорымы"
        );
    }
}
