//! Checks the catalog's TOML section by section and turns it into the catalog's model.
//! A catalog either loads whole and consistent or not at all, so the rest of the crate
//! can rely on what is checked here (every rule's layer exists, every width is positive,
//! every text is given in kk, ru and en, …).

use crate::approval::Approval;
use crate::condition::Condition;
use crate::error::CatalogError;
use crate::in_force::InForce;
use crate::land_use::LandUse;
use crate::lang::Labels;
use crate::layer::{LayerGeometry, LayerSpec};
use crate::message::MESSAGE_KEYS;
use crate::named::{NamedObject, NamedObjects, NamedWidths};
use crate::raw::{RawCell, RawNamed, RawRegime, RawRule, RawWidth, RawWidthRule};
use crate::regime::{Regime, RegimeCell, RegimeMatrix};
use crate::rule::Rule;
use crate::width::{MissingWidth, SourcedWidth, WidthRule};
use crate::zoning::Zoning;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

fn invalid(message: String) -> CatalogError {
    CatalogError::Invalid(message)
}

/// The use codes and tags regime cells may name.
pub(crate) struct Vocabulary<'a> {
    codes: HashSet<&'a str>,
    tags: HashSet<&'a str>,
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
pub(crate) fn layers(layers: &[LayerSpec]) -> Result<(), CatalogError> {
    let mut names = HashSet::new();
    for layer in layers {
        if !names.insert(layer.name.as_str()) {
            return Err(invalid(format!("layer `{}` is declared twice", layer.name)));
        }
        if !layer
            .attributes
            .iter()
            .any(|a| a.name == "id" && a.required)
        {
            return Err(invalid(format!("layer `{}` must require `id`", layer.name)));
        }
        if let Some(l) = layer.labels.missing() {
            return Err(invalid(format!("layer `{}` has no {l} label", layer.name)));
        }
    }
    Ok(())
}

/// `[[named]]`: each object on a known layer, its widths valid, no name used twice.
pub(crate) fn named_objects(
    raw: Vec<RawNamed>,
    layers: &[LayerSpec],
) -> Result<NamedObjects, CatalogError> {
    let mut named = NamedObjects::default();
    for raw_named in raw {
        if layer(layers, &raw_named.table).is_none() {
            return Err(invalid(format!(
                "named object `{}` refers to unknown layer `{}`",
                raw_named.key, raw_named.table
            )));
        }
        let mut widths = BTreeMap::new();
        for (attr, w) in raw_named.widths {
            let ctx = format!("named object `{}` width `{attr}`", raw_named.key);
            let w = w
                .into_sourced(Some(&raw_named.act), &ctx)
                .map_err(invalid)?;
            widths.insert(attr, w);
        }
        named
            .push(NamedObject {
                table: raw_named.table,
                key: raw_named.key,
                names: raw_named.names,
                act: raw_named.act,
                reference: raw_named.reference,
                widths,
            })
            .map_err(|name| invalid(format!("name `{name}` is used by two named objects")))?;
    }
    Ok(named)
}

/// `[[use]]`: codes unique and labelled, the default use among them.
pub(crate) fn uses<'a>(
    uses: &'a [LandUse],
    default_use: &str,
) -> Result<Vocabulary<'a>, CatalogError> {
    let mut vocabulary = Vocabulary {
        codes: HashSet::new(),
        tags: HashSet::new(),
    };
    for u in uses {
        if !vocabulary.codes.insert(u.code.as_str()) {
            return Err(invalid(format!("use `{}` is declared twice", u.code)));
        }
        if let Some(l) = u.labels.missing() {
            return Err(invalid(format!("use `{}` has no {l} label", u.code)));
        }
        vocabulary.tags.extend(u.tags.iter().map(String::as_str));
    }
    if !vocabulary.codes.contains(default_use) {
        return Err(invalid(format!(
            "default use `{default_use}` is not in the vocabulary"
        )));
    }
    Ok(vocabulary)
}

/// `[[approval]]`: texts in every language.
pub(crate) fn approvals(approvals: &[Approval]) -> Result<(), CatalogError> {
    for a in approvals {
        if let Some(l) = a.labels.missing() {
            return Err(invalid(format!("approval `{}` has no {l} text", a.id)));
        }
    }
    Ok(())
}

/// `[messages]`: every key of [`MESSAGE_KEYS`] in every language.
pub(crate) fn messages(messages: &BTreeMap<String, Labels>) -> Result<(), CatalogError> {
    for key in MESSAGE_KEYS {
        match messages.get(*key) {
            None => return Err(invalid(format!("message `{key}` is missing"))),
            Some(m) => {
                if let Some(l) = m.missing() {
                    return Err(invalid(format!("message `{key}` has no {l} text")));
                }
            }
        }
    }
    Ok(())
}

/// `[zoning]`: groups and sub-zones consistent, on a declared layer.
pub(crate) fn zoning(zoning: &Zoning, layers: &[LayerSpec]) -> Result<(), CatalogError> {
    for g in &zoning.groups {
        if let Some(l) = g.labels.missing() {
            return Err(invalid(format!("zone group {} has no {l} label", g.number)));
        }
    }
    for s in &zoning.subzones {
        if zoning.group(s.group).is_none() {
            return Err(invalid(format!(
                "sub-zone `{}` names unknown group {}",
                s.code, s.group
            )));
        }
        if !s.code.starts_with(&format!("{}.", s.group)) {
            return Err(invalid(format!(
                "sub-zone `{}` must start with its group number",
                s.code
            )));
        }
        if zoning.category(&s.category).is_none() {
            return Err(invalid(format!(
                "sub-zone `{}` names unknown land category `{}`",
                s.code, s.category
            )));
        }
        if let Some(l) = s.labels.missing() {
            return Err(invalid(format!("sub-zone `{}` has no {l} label", s.code)));
        }
    }
    if layer(layers, &zoning.layer).is_none() {
        return Err(invalid(format!(
            "zoning layer `{}` is not a layer",
            zoning.layer
        )));
    }
    Ok(())
}

/// `[[rule]]`: ids unique, each rule consistent with the sections before it.
pub(crate) fn rules(raw: Vec<RawRule>, known: &Known<'_>) -> Result<Vec<Rule>, CatalogError> {
    let mut rules: Vec<Rule> = Vec::with_capacity(raw.len());
    for r in raw {
        if rules.iter().any(|x| x.id == r.id) {
            return Err(invalid(format!("rule `{}` is declared twice", r.id)));
        }
        rules.push(rule(r, known)?);
    }
    Ok(rules)
}

/// One rule: its layer, width, offset, titles, conditions and regime.
fn rule(r: RawRule, known: &Known<'_>) -> Result<Rule, CatalogError> {
    let Some(layer) = layer(known.layers, &r.layer) else {
        return Err(invalid(format!(
            "rule `{}` refers to unknown layer `{}`",
            r.id, r.layer
        )));
    };
    let on_rule = |what: String| invalid(format!("rule `{}` {what}", r.id));
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
        RawWidthRule::Attribute {
            attribute,
            scale,
            named,
            named_width,
            defaults,
            fallback,
            missing,
            missing_note,
        } => attribute_width(
            AttributeWidth {
                attribute,
                scale,
                named_table: named,
                named_width,
                defaults,
                fallback,
                missing,
                missing_note,
            },
            layer,
            known,
        ),
        RawWidthRule::Overlap => overlap_width(layer),
    }
    .map_err(on_rule)?;
    if let Some(off) = &r.offset {
        if !(has_attribute(layer, &off.attribute) && off.factor.is_finite() && off.factor > 0.0) {
            return Err(on_rule(
                "offset needs a known attribute and a positive factor".into(),
            ));
        }
    }
    if let Some(l) = r.labels.missing() {
        return Err(on_rule(format!("has no {l} title")));
    }
    for attr in r.when.keys() {
        if !has_attribute(layer, attr) {
            return Err(on_rule(format!("applies when unknown attribute `{attr}`")));
        }
    }
    let regime = regime(r.regime, layer, known).map_err(on_rule)?;
    let severity = regime
        .worst()
        .severity()
        .ok_or_else(|| on_rule("allows every use: a rule must restrict something".into()))?;
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
        applies_when: r.when.into_iter().collect(),
        in_force: r.in_force.unwrap_or_else(|| known.in_force.clone()),
        regime,
    })
}

fn has_attribute(layer: &LayerSpec, name: &str) -> bool {
    layer.attributes.iter().any(|a| a.name == name)
}

/// Conditions and width of a case or default entry; `what` names it in messages.
fn conditional_width(
    mut entry: RawWidth,
    what: &str,
    layer: &LayerSpec,
) -> Result<(Vec<(String, Condition)>, SourcedWidth), String> {
    if let Some(attr) = entry.when.keys().find(|a| !has_attribute(layer, a)) {
        return Err(format!("{what} tests unknown attribute `{attr}`"));
    }
    let when: Vec<(String, Condition)> = std::mem::take(&mut entry.when).into_iter().collect();
    Ok((when, entry.into_sourced(None, what)?))
}

/// `kind = "cases"`: single widths by attribute values, optionally overridden.
fn cases_width(
    cases: Vec<RawWidth>,
    override_attribute: Option<String>,
    layer: &LayerSpec,
) -> Result<WidthRule, String> {
    let mut typed = Vec::with_capacity(cases.len());
    for (i, c) in cases.into_iter().enumerate() {
        let (when, w) = conditional_width(c, &format!("case {i}"), layer)?;
        if w.value.is_range() {
            return Err(format!("case {i} must be a single width"));
        }
        typed.push((when, w));
    }
    if typed.is_empty() {
        return Err("has no cases".into());
    }
    if let Some(a) = &override_attribute {
        if !has_attribute(layer, a) {
            return Err(format!("overrides with unknown attribute `{a}`"));
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
) -> Result<WidthRule, String> {
    match layer(known.layers, &settlement_layer) {
        Some(l) if l.geometry == LayerGeometry::Polygon => {}
        _ => return Err(format!("needs polygon layer `{settlement_layer}`")),
    }
    let inside = inside.into_sourced(None, "inside")?;
    let outside = outside.into_sourced(None, "outside")?;
    if inside.value.is_range() || outside.value.is_range() {
        return Err("inside/outside must be single widths".into());
    }
    Ok(WidthRule::BySettlement {
        settlement_layer,
        inside,
        outside,
    })
}

/// The fields of a `kind = "attribute"` width table.
struct AttributeWidth {
    attribute: String,
    scale: f64,
    named_table: Option<String>,
    named_width: Option<String>,
    defaults: Vec<RawWidth>,
    fallback: Option<RawWidth>,
    missing: MissingWidth,
    missing_note: Option<String>,
}

/// `kind = "attribute"`: the feature's own width, checked against named objects' acts,
/// with defaults.
fn attribute_width(
    raw: AttributeWidth,
    layer: &LayerSpec,
    known: &Known<'_>,
) -> Result<WidthRule, String> {
    let AttributeWidth {
        attribute,
        scale,
        named_table,
        named_width,
        defaults,
        fallback,
        missing,
        missing_note,
    } = raw;
    if !has_attribute(layer, &attribute) {
        return Err(format!("reads unknown attribute `{attribute}`"));
    }
    if !(scale.is_finite() && scale > 0.0) {
        return Err("scale must be positive".into());
    }
    let named = match (named_table, named_width) {
        (None, None) => None,
        (Some(table), Some(width)) => {
            let named = NamedWidths::new(table, width, Arc::clone(known.named));
            if named.iter().next().is_none() {
                return Err(format!(
                    "no named object of `{}` has `{}`",
                    named.table(),
                    named.attribute()
                ));
            }
            Some(named)
        }
        _ => return Err("needs both `named` and `named_width`, or neither".into()),
    };
    let mut typed_defaults = Vec::with_capacity(defaults.len());
    for (i, d) in defaults.into_iter().enumerate() {
        typed_defaults.push(conditional_width(d, &format!("default {i}"), layer)?);
    }
    let fallback = fallback
        .map(|f| f.into_sourced(None, "fallback"))
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

/// `kind = "overlap"`: only polygons can be overlapped.
fn overlap_width(layer: &LayerSpec) -> Result<WidthRule, String> {
    if layer.geometry != LayerGeometry::Polygon {
        return Err("overlap needs a polygon layer".into());
    }
    Ok(WidthRule::Overlap)
}

/// `[rule.regime]`: the cells, then a default that takes every use unconditionally.
fn regime(raw: RawRegime, layer: &LayerSpec, known: &Known<'_>) -> Result<RegimeMatrix, String> {
    let mut cells = Vec::with_capacity(raw.cell.len());
    for (i, c) in raw.cell.into_iter().enumerate() {
        cells.push(cell(c, layer, known).map_err(|e| format!("regime cell {i}: {e}"))?);
    }
    let default = cell(raw.default, layer, known).map_err(|e| format!("regime default: {e}"))?;
    if default.uses != ["*"] || !default.when.is_empty() {
        return Err("the regime default applies to every use, unconditionally".into());
    }
    Ok(RegimeMatrix { cells, default })
}

/// One regime cell: known uses and attributes, an approval exactly when conditional, an act.
fn cell(c: RawCell, layer: &LayerSpec, known: &Known<'_>) -> Result<RegimeCell, String> {
    if let Some(u) = c.uses.iter().find(|u| !known.vocabulary.knows(u)) {
        return Err(format!("unknown use or tag `{u}`"));
    }
    if let Some(attr) = c.when.keys().find(|a| !has_attribute(layer, a)) {
        return Err(format!("tests unknown attribute `{attr}`"));
    }
    match (&c.regime, &c.approval) {
        (Regime::Conditional, None) => {
            return Err("a conditional cell must name its approval".into())
        }
        (Regime::Conditional, Some(a)) if !known.approvals.iter().any(|x| &x.id == a) => {
            return Err(format!("unknown approval `{a}`"))
        }
        (Regime::Allowed | Regime::Prohibited, Some(_)) => {
            return Err("only conditional cells take an approval".into())
        }
        _ => {}
    }
    if c.citation.act.trim().is_empty() {
        return Err("the citation names no act".into());
    }
    Ok(RegimeCell {
        uses: c.uses,
        when: c.when.into_iter().collect(),
        regime: c.regime,
        approval: c.approval,
        basis: c.basis,
        citation: c.citation,
    })
}
