//! Checks the catalog's TOML section by section and turns it into the catalog's model.
//! A catalog either loads whole and consistent or not at all, so the rest of the crate
//! can rely on what is checked here (every rule's layer exists, every width is positive,
//! every text is given in kk, ru and en, …).

use crate::approval::Approval;
use crate::citation::Citation;
use crate::condition::Condition;
use crate::error::{CellProblem, CellRef, Inconsistency, RuleProblem, WidthEntry};
use crate::in_force::InForce;
use crate::info::CatalogInfo;
use crate::land_use::LandUse;
use crate::lang::{count_placeholders, Labels, Lang};
use crate::layer::{LayerGeometry, LayerSpec};
use crate::message::MESSAGE_KEYS;
use crate::named::{NamedObject, NamedObjects, NamedWidths};
use crate::raw::{
    RawAttributeWidth, RawCell, RawNamed, RawRegime, RawRule, RawUnknown, RawWidth, RawWidthRule,
};
use crate::regime::{Regime, RegimeCell, RegimeMatrix};
use crate::rule::Rule;
use crate::texts::Translations;
use crate::width::SourcedWidth;
use crate::width_rule::{OutsideOnly, UnknownWidthRule, WidthRule};
use crate::zoning::Zoning;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// The use codes and tags regime cells may name, and where the default use is.
pub(crate) struct Vocabulary<'a> {
    codes: HashSet<&'a str>,
    tags: HashSet<&'a str>,
    /// Index of the default use among the uses.
    pub(crate) default_use: usize,
}

impl Vocabulary<'_> {
    /// Whether a cell's `uses` entry names a use: `*`, a code, or `#tag`.
    fn knows(&self, entry: &str) -> bool {
        entry == "*"
            || self.codes.contains(entry)
            || entry
                .strip_prefix('#')
                .is_some_and(|t| self.tags.contains(t))
    }
}

/// What a rule may refer to: the sections checked before the rules.
pub(crate) struct Known<'a> {
    pub(crate) layers: &'a [LayerSpec],
    pub(crate) named: &'a Arc<NamedObjects>,
    pub(crate) vocabulary: &'a Vocabulary<'a>,
    pub(crate) approvals: &'a [Approval],
    /// When a rule is in force if it does not say.
    pub(crate) in_force: &'a InForce,
}

fn layer<'a>(layers: &'a [LayerSpec], name: &str) -> Option<&'a LayerSpec> {
    layers.iter().find(|l| l.name == name)
}

/// `[[layer]]`: names unique, `id` required, labels in every language.
pub(crate) fn layers(layers: &[LayerSpec]) -> Result<(), Inconsistency> {
    let mut names = HashSet::new();
    for layer in layers {
        if !names.insert(layer.name.as_str()) {
            return Err(Inconsistency::DuplicateLayer {
                layer: layer.name.clone(),
            });
        }
        if !layer
            .attributes
            .iter()
            .any(|a| a.name == "id" && a.required)
        {
            return Err(Inconsistency::LayerWithoutId {
                layer: layer.name.clone(),
            });
        }
        if let Some(l) = layer.labels.missing() {
            return Err(Inconsistency::LayerLabelMissing {
                layer: layer.name.clone(),
                lang: l,
            });
        }
    }
    Ok(())
}

/// `[[named]]`: each object on a known layer, its widths valid, no name used twice.
pub(crate) fn named_objects(
    raw: Vec<RawNamed>,
    layers: &[LayerSpec],
) -> Result<NamedObjects, Inconsistency> {
    let mut named = NamedObjects::default();
    for raw_named in raw {
        let Some(spec) = layer(layers, &raw_named.table) else {
            return Err(Inconsistency::NamedObjectLayer {
                key: raw_named.key,
                layer: raw_named.table,
            });
        };
        if let Some(attr) = raw_named.when.keys().find(|a| !has_attribute(spec, a)) {
            return Err(Inconsistency::NamedObjectCondition {
                key: raw_named.key.clone(),
                attribute: attr.clone(),
            });
        }
        let mut widths = BTreeMap::new();
        for (attr, w) in raw_named.widths {
            let Some(w) = w.into_sourced(Some(&raw_named.act)) else {
                return Err(Inconsistency::NamedObjectWidth {
                    key: raw_named.key,
                    attribute: attr,
                });
            };
            widths.insert(attr, w);
        }
        named.push(NamedObject {
            table: raw_named.table,
            key: raw_named.key,
            names: raw_named.names,
            act: raw_named.act,
            reference: raw_named.reference,
            when: raw_named.when.into_iter().collect(),
            widths,
        })?;
    }
    Ok(named)
}

/// `[[use]]`: codes unique and labelled, the default use among them.
pub(crate) fn uses<'a>(
    uses: &'a [LandUse],
    default_use: &str,
) -> Result<Vocabulary<'a>, Inconsistency> {
    let mut codes = HashSet::new();
    let mut tags = HashSet::new();
    for u in uses {
        if !codes.insert(u.code.as_str()) {
            return Err(Inconsistency::DuplicateUse {
                code: u.code.clone(),
            });
        }
        if let Some(l) = u.labels.missing() {
            return Err(Inconsistency::UseLabelMissing {
                code: u.code.clone(),
                lang: l,
            });
        }
        tags.extend(u.tags.iter().map(String::as_str));
    }
    let Some(default_use) = uses.iter().position(|u| u.code == default_use) else {
        return Err(Inconsistency::UnknownDefaultUse {
            code: default_use.to_string(),
        });
    };
    Ok(Vocabulary {
        codes,
        tags,
        default_use,
    })
}

/// `[[approval]]`: texts in every language.
pub(crate) fn approvals(approvals: &[Approval]) -> Result<(), Inconsistency> {
    for a in approvals {
        if let Some(l) = a.labels.missing() {
            return Err(Inconsistency::ApprovalTextMissing {
                approval: a.id.clone(),
                lang: l,
            });
        }
    }
    Ok(())
}

/// `[messages]`: every key of [`MESSAGE_KEYS`] in every language.
pub(crate) fn messages(messages: &BTreeMap<String, Labels>) -> Result<(), Inconsistency> {
    for key in MESSAGE_KEYS {
        match messages.get(*key) {
            None => {
                return Err(Inconsistency::MessageMissing {
                    key: key.to_string(),
                })
            }
            Some(m) => {
                if let Some(l) = m.missing() {
                    return Err(Inconsistency::MessageTextMissing {
                        key: key.to_string(),
                        lang: l,
                    });
                }
                for lang in Lang::ALL {
                    for (placeholder, found) in count_placeholders(m.get(lang)) {
                        if found != lang.plural_forms() {
                            return Err(Inconsistency::PluralForms {
                                key: key.to_string(),
                                lang,
                                placeholder: placeholder.to_string(),
                                expected: lang.plural_forms(),
                                found,
                            });
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// `[zoning]`: groups and sub-zones consistent, on a declared layer.
pub(crate) fn zoning(zoning: &Zoning, layers: &[LayerSpec]) -> Result<(), Inconsistency> {
    for g in &zoning.groups {
        if let Some(l) = g.labels.missing() {
            return Err(Inconsistency::ZoneGroupLabelMissing {
                group: g.number,
                lang: l,
            });
        }
    }
    for s in &zoning.subzones {
        if zoning.group(s.group).is_none() {
            return Err(Inconsistency::SubzoneUnknownGroup {
                subzone: s.code.clone(),
                group: s.group,
            });
        }
        if !s.code.starts_with(&format!("{}.", s.group)) {
            return Err(Inconsistency::SubzoneCodeOutsideGroup {
                subzone: s.code.clone(),
                group: s.group,
            });
        }
        if zoning.category(&s.category).is_none() {
            return Err(Inconsistency::SubzoneUnknownCategory {
                subzone: s.code.clone(),
                category: s.category.clone(),
            });
        }
        if let Some(l) = s.labels.missing() {
            return Err(Inconsistency::SubzoneLabelMissing {
                subzone: s.code.clone(),
                lang: l,
            });
        }
    }
    if layer(layers, &zoning.layer).is_none() {
        return Err(Inconsistency::ZoningLayer {
            layer: zoning.layer.clone(),
        });
    }
    Ok(())
}

/// `[[rule]]`: ids unique, each rule consistent with the sections before it.
pub(crate) fn rules(raw: Vec<RawRule>, known: &Known<'_>) -> Result<Vec<Rule>, Inconsistency> {
    let mut rules: Vec<Rule> = Vec::with_capacity(raw.len());
    for r in raw {
        let id = r.id.clone();
        let rule = if rules.iter().any(|x| x.id == r.id) {
            Err(RuleProblem::DeclaredTwice)
        } else {
            rule(r, known)
        };
        rules.push(rule.map_err(|problem| Inconsistency::Rule { rule: id, problem })?);
    }
    for r in &rules {
        if let Some(within) = &r.within {
            if within == &r.id || !rules.iter().any(|o| &o.id == within && o.layer == r.layer) {
                return Err(Inconsistency::Rule {
                    rule: r.id.clone(),
                    problem: RuleProblem::UnknownWithin {
                        rule: within.clone(),
                    },
                });
            }
        }
    }
    Ok(rules)
}

/// One rule: its layer, width, offset, titles, conditions and regime.
fn rule(r: RawRule, known: &Known<'_>) -> Result<Rule, RuleProblem> {
    let Some(layer) = layer(known.layers, &r.layer) else {
        return Err(RuleProblem::UnknownLayer { layer: r.layer });
    };
    let width = match r.width {
        RawWidthRule::Cases {
            cases,
            override_attribute,
        } => cases_width(cases, override_attribute, layer),
        RawWidthRule::BySettlement {
            settlement_layer,
            inside,
            outside,
        } => settlement_width(settlement_layer, inside, outside, known),
        RawWidthRule::Attribute(raw) => attribute_width(raw, layer, known),
        RawWidthRule::Overlap => overlap_width(layer),
    }?;
    if let Some(off) = &r.offset {
        if !(has_attribute(layer, &off.attribute) && off.factor.is_finite() && off.factor > 0.0) {
            return Err(RuleProblem::BadOffset {
                attribute: off.attribute.clone(),
                factor: off.factor,
            });
        }
    }
    if let Some(l) = r.labels.missing() {
        return Err(RuleProblem::TitleMissing { lang: l });
    }
    if let Some(l) = r.measured_from.missing() {
        return Err(RuleProblem::MeasuredFromMissing { lang: l });
    }
    if let Some(only) = &r.outside_only {
        outside_only(only, &width, layer, known)?;
    }
    if let Some(attr) = r.when.keys().find(|a| !has_attribute(layer, a)) {
        return Err(RuleProblem::UnknownConditionAttribute {
            attribute: attr.clone(),
        });
    }
    if let Some(f) = &r.in_force {
        if let Some(until) = f.until {
            // a rule whose end comes before (or on) its start would never apply: a typo
            // that must not silently drop a rule from every check
            if until <= f.from {
                return Err(RuleProblem::InForceEndsBeforeItStarts {
                    from: f.from,
                    until,
                });
            }
        }
    }
    let unknown = match r.unknown {
        None => UnknownWidthRule::default(),
        Some(raw) => unknown_width(raw, layer)?,
    };
    let regime = regime(r.regime, layer, known)?;
    let severity = regime
        .worst()
        .severity()
        .ok_or(RuleProblem::AllowsEverything)?;
    Ok(Rule {
        id: r.id,
        layer: r.layer,
        title: r.labels.en.clone(),
        labels: r.labels,
        severity,
        severity_basis: regime.default.basis.clone(),
        measured_from: r.measured_from,
        citation: r.citation,
        width,
        offset: r.offset,
        outside_only: r.outside_only,
        within: r.within,
        unknown,
        applies_when: r.when.into_iter().collect(),
        in_force: r.in_force.unwrap_or_else(|| known.in_force.clone()),
        regime,
    })
}

/// `outside_only`: polygons to stop at, an attribute of the rule's layer, single widths.
fn outside_only(
    only: &OutsideOnly,
    width: &WidthRule,
    layer: &LayerSpec,
    known: &Known<'_>,
) -> Result<(), RuleProblem> {
    match self::layer(known.layers, &only.layer) {
        Some(l) if l.geometry == LayerGeometry::Polygon => {}
        _ => {
            return Err(RuleProblem::OutsideOnlyLayer {
                layer: only.layer.clone(),
            })
        }
    }
    if let Some(a) = only.attribute.as_ref().filter(|a| !has_attribute(layer, a)) {
        return Err(RuleProblem::OutsideOnlyAttribute {
            attribute: a.clone(),
        });
    }
    if !matches!(width, WidthRule::Cases { .. }) {
        return Err(RuleProblem::OutsideOnlyNeedsCases);
    }
    Ok(())
}

fn has_attribute(layer: &LayerSpec, name: &str) -> bool {
    layer.attributes.iter().any(|a| a.name == name)
}

/// A width entry with the rule's act.
fn width(raw: RawWidth, entry: WidthEntry) -> Result<SourcedWidth, RuleProblem> {
    raw.into_sourced(None)
        .ok_or(RuleProblem::BadWidth { entry })
}

/// Conditions and width of a case or default entry.
fn conditional_width(
    mut raw: RawWidth,
    entry: WidthEntry,
    layer: &LayerSpec,
) -> Result<(Vec<(String, Condition)>, SourcedWidth), RuleProblem> {
    if let Some(attr) = raw.when.keys().find(|a| !has_attribute(layer, a)) {
        return Err(RuleProblem::EntryTestsUnknownAttribute {
            entry,
            attribute: attr.clone(),
        });
    }
    let when: Vec<(String, Condition)> = std::mem::take(&mut raw.when).into_iter().collect();
    Ok((when, width(raw, entry)?))
}

/// `kind = "cases"`: single widths by attribute values, optionally overridden.
fn cases_width(
    cases: Vec<RawWidth>,
    override_attribute: Option<String>,
    layer: &LayerSpec,
) -> Result<WidthRule, RuleProblem> {
    let mut typed = Vec::with_capacity(cases.len());
    for (i, c) in cases.into_iter().enumerate() {
        let (when, w) = conditional_width(c, WidthEntry::Case(i), layer)?;
        let w = w.exact().ok_or(RuleProblem::CaseIsRange { case: i })?;
        typed.push((when, w));
    }
    if typed.is_empty() {
        return Err(RuleProblem::NoCases);
    }
    if let Some(a) = &override_attribute {
        if !has_attribute(layer, a) {
            return Err(RuleProblem::UnknownOverrideAttribute {
                attribute: a.clone(),
            });
        }
    }
    Ok(WidthRule::Cases {
        cases: typed,
        override_attribute,
    })
}

/// `kind = "by_settlement"`: one single width inside a polygon layer, one outside.
fn settlement_width(
    settlement_layer: String,
    inside: RawWidth,
    outside: RawWidth,
    known: &Known<'_>,
) -> Result<WidthRule, RuleProblem> {
    match layer(known.layers, &settlement_layer) {
        Some(l) if l.geometry == LayerGeometry::Polygon => {}
        _ => {
            return Err(RuleProblem::SettlementLayerNotPolygons {
                layer: settlement_layer,
            })
        }
    }
    let inside = width(inside, WidthEntry::Inside)?;
    let outside = width(outside, WidthEntry::Outside)?;
    let (Some(inside), Some(outside)) = (inside.exact(), outside.exact()) else {
        return Err(RuleProblem::SettlementWidthIsRange);
    };
    Ok(WidthRule::BySettlement {
        settlement_layer,
        inside,
        outside,
    })
}

/// `kind = "attribute"`: the feature's own width, checked against named objects' acts,
/// with defaults.
fn attribute_width(
    raw: RawAttributeWidth,
    layer: &LayerSpec,
    known: &Known<'_>,
) -> Result<WidthRule, RuleProblem> {
    let RawAttributeWidth {
        attribute,
        scale,
        named: named_table,
        named_width,
        defaults,
        fallback,
        missing,
        missing_note,
    } = raw;
    if !has_attribute(layer, &attribute) {
        return Err(RuleProblem::UnknownWidthAttribute { attribute });
    }
    if !(scale.is_finite() && scale > 0.0) {
        return Err(RuleProblem::ScaleNotPositive { scale });
    }
    let named = match (named_table, named_width) {
        (None, None) => None,
        (Some(table), Some(width)) => {
            let named = NamedWidths::new(table, width, Arc::clone(known.named));
            if named.iter().next().is_none() {
                return Err(RuleProblem::NoNamedWidth {
                    table: named.table().to_string(),
                    width: named.attribute().to_string(),
                });
            }
            Some(named)
        }
        _ => return Err(RuleProblem::NamedHalfGiven),
    };
    let mut typed_defaults = Vec::with_capacity(defaults.len());
    for (i, d) in defaults.into_iter().enumerate() {
        typed_defaults.push(conditional_width(d, WidthEntry::Default(i), layer)?);
    }
    let fallback = fallback
        .map(|f| width(f, WidthEntry::Fallback))
        .transpose()?;
    Ok(WidthRule::Attribute {
        attribute,
        scale,
        named,
        defaults: typed_defaults,
        fallback,
        missing,
        missing_note,
    })
}

/// `[rule.unknown]`: single widths, cases testing the layer's attributes.
fn unknown_width(raw: RawUnknown, layer: &LayerSpec) -> Result<UnknownWidthRule, RuleProblem> {
    let mut cases = Vec::with_capacity(raw.cases.len());
    for (i, c) in raw.cases.into_iter().enumerate() {
        let (when, w) = conditional_width(c, WidthEntry::UnknownCase(i), layer)?;
        let w = w.exact().ok_or(RuleProblem::CaseIsRange { case: i })?;
        cases.push((when, w));
    }
    let reach = match raw.reach {
        None => None,
        Some(r) => Some(width(r, WidthEntry::UnknownReach)?.exact().ok_or(
            RuleProblem::BadWidth {
                entry: WidthEntry::UnknownReach,
            },
        )?),
    };
    Ok(UnknownWidthRule { cases, reach })
}

/// `kind = "overlap"`: only polygons can be overlapped.
fn overlap_width(layer: &LayerSpec) -> Result<WidthRule, RuleProblem> {
    if layer.geometry != LayerGeometry::Polygon {
        return Err(RuleProblem::OverlapNeedsPolygons);
    }
    Ok(WidthRule::Overlap)
}

/// `[rule.regime]`: the cells, then a default that takes every use unconditionally.
fn regime(
    raw: RawRegime,
    layer: &LayerSpec,
    known: &Known<'_>,
) -> Result<RegimeMatrix, RuleProblem> {
    let in_cell = |cell: CellRef| move |problem| RuleProblem::Cell { cell, problem };
    let mut cells = Vec::with_capacity(raw.cell.len());
    for (i, c) in raw.cell.into_iter().enumerate() {
        cells.push(cell(c, layer, known).map_err(in_cell(CellRef::Cell(i)))?);
    }
    let default = cell(raw.default, layer, known).map_err(in_cell(CellRef::Default))?;
    if default.uses != ["*"] || !default.when.is_empty() {
        return Err(RuleProblem::DefaultNotUniversal);
    }
    Ok(RegimeMatrix { cells, default })
}

/// One regime cell: known uses and attributes, an approval exactly when conditional, an act.
fn cell(c: RawCell, layer: &LayerSpec, known: &Known<'_>) -> Result<RegimeCell, CellProblem> {
    if let Some(u) = c.uses.iter().find(|u| !known.vocabulary.knows(u)) {
        return Err(CellProblem::UnknownUse { entry: u.clone() });
    }
    if let Some(attr) = c.when.keys().find(|a| !has_attribute(layer, a)) {
        return Err(CellProblem::UnknownAttribute {
            attribute: attr.clone(),
        });
    }
    match (&c.regime, &c.approval) {
        (Regime::Conditional, None) => return Err(CellProblem::ConditionalWithoutApproval),
        (Regime::Conditional | Regime::Review, Some(a))
            if !known.approvals.iter().any(|x| &x.id == a) =>
        {
            return Err(CellProblem::UnknownApproval {
                approval: a.clone(),
            })
        }
        (Regime::Allowed | Regime::Prohibited, Some(_)) => {
            return Err(CellProblem::ApprovalWithoutCondition)
        }
        _ => {}
    }
    match (&c.regime, &c.reason) {
        (Regime::Review, None) => return Err(CellProblem::ReviewWithoutReason),
        (Regime::Review, Some(r)) => {
            if let Some(lang) = r.missing() {
                return Err(CellProblem::ReasonTextMissing { lang });
            }
        }
        (_, Some(_)) => return Err(CellProblem::ReasonWithoutReview),
        (_, None) => {}
    }
    if let Some(lang) = c.basis.missing() {
        return Err(CellProblem::BasisTextMissing { lang });
    }
    if c.citation.act.trim().is_empty() {
        return Err(CellProblem::NoAct);
    }
    Ok(RegimeCell {
        uses: c.uses,
        when: c.when.into_iter().collect(),
        regime: c.regime,
        approval: c.approval,
        reason: c.reason,
        basis: c.basis.en.clone(),
        basis_labels: c.basis,
        citation: c.citation,
    })
}

/// The parts of a loaded catalog whose citations `[texts]` must translate.
pub(crate) struct Cited<'a> {
    pub(crate) info: &'a CatalogInfo,
    pub(crate) rules: &'a [Rule],
    pub(crate) named: &'a NamedObjects,
    pub(crate) uses: &'a [LandUse],
    pub(crate) zoning: Option<&'a Zoning>,
}

/// `[texts]`: every act, amendment and note the catalog cites, in kk and ru, so that no
/// report in those languages cites in English.
pub(crate) fn translations(texts: &Translations, cited: &Cited<'_>) -> Result<(), Inconsistency> {
    let mut all: Vec<String> = Vec::new();
    let mut add = |c: &Citation| {
        all.push(c.act.clone());
        all.extend(c.note.clone());
    };
    let info = cited.info;
    add(&Citation::new(info.act.clone()));
    for rule in cited.rules {
        add(&rule.citation);
        for cell in rule.regime.cells.iter().chain([&rule.regime.default]) {
            add(&cell.citation);
        }
        match &rule.width {
            WidthRule::Cases { cases, .. } => cases.iter().for_each(|(_, w)| add(&w.citation)),
            WidthRule::BySettlement {
                inside, outside, ..
            } => {
                add(&inside.citation);
                add(&outside.citation);
            }
            WidthRule::Attribute {
                defaults, fallback, ..
            } => {
                defaults.iter().for_each(|(_, w)| add(&w.citation));
                fallback.iter().for_each(|w| add(&w.citation));
            }
            WidthRule::Overlap => {}
        }
        if let Some(only) = &rule.outside_only {
            add(&only.citation);
        }
        rule.unknown
            .cases
            .iter()
            .for_each(|(_, w)| add(&w.citation));
        rule.unknown.reach.iter().for_each(|w| add(&w.citation));
    }
    for object in cited.named.all() {
        object.widths.values().for_each(|w| add(&w.citation));
    }
    for u in cited.uses {
        u.citation.iter().for_each(&mut add);
    }
    if let Some(z) = cited.zoning {
        add(&z.total_citation);
        z.groups.iter().for_each(|g| add(&g.citation));
        z.subzones.iter().for_each(|s| add(&s.citation));
        z.categories.iter().for_each(|c| add(&c.citation));
    }
    all.push(info.in_force.act.clone());
    all.extend(info.in_force.note.clone());
    all.extend(info.amendments.iter().cloned());
    for rule in cited.rules {
        all.push(rule.in_force.act.clone());
        all.extend(rule.in_force.note.clone());
    }
    for text in &all {
        if text.trim().is_empty() {
            continue;
        }
        if let Some(lang) = texts.missing(text) {
            return Err(Inconsistency::Untranslated {
                text: text.clone(),
                lang,
            });
        }
    }
    Ok(())
}
