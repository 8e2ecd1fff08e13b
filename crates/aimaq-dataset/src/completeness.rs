//! What a dataset lets each rule measure, and what it lacks.
//!
//! For every rule of the catalog: how many features of its layer the engine measures,
//! how many it measures with a caveat (from the stored axis instead of the law's line, a
//! national default, a width range), how many it does not check and why, and which
//! attributes are missing how often. Nothing here decides a width again: every feature's
//! rules are resolved by [`Catalog::resolve_feature`], the very call the engine's
//! preparation makes, and a feature counts as measured only when the [`Engine`] built on
//! the same features holds its zone ([`Engine::zones`]). A layer that is absent or empty
//! makes its rules "not checked", never "clear".
//!
//! ```
//! use aimaq_check::Engine;
//! use aimaq_dataset::completeness::{Completeness, RuleStatus};
//! use aimaq_io::dataset::{load, DatasetSource};
//! use aimaq_proj::MetricCrs;
//! use aimaq_rules::Catalog;
//!
//! let catalog = Catalog::embedded();
//! let utm = MetricCrs::new("EPSG:32643").unwrap();
//! let data = load(&catalog, &DatasetSource::Embedded, &utm).unwrap();
//! let engine = Engine::new(catalog, utm.label(), data.features.clone());
//! let c = Completeness::of(&data, &engine);
//! let power = c.rule("power.protection_zone").unwrap();
//! // measured from the axis: the embedded lines lack `outer_wire_offset_m` (a caveat)
//! assert_eq!(power.status, RuleStatus::Partial);
//! assert_eq!(power.measured, power.features);
//! // the embedded data has no radiation areas: that rule is not checked, never clear
//! assert_eq!(c.rule("radiation.contaminated_area").unwrap().status, RuleStatus::NotChecked);
//! ```

mod gpkg;
mod text;

pub use gpkg::{
    read_completeness_at, write_completeness, write_completeness_at, CompletenessError, TABLE,
};

use aimaq_check::Engine;
use aimaq_io::dataset::LoadedDataset;
use aimaq_rules::{
    AttributeProblem, Attributes, Catalog, Condition, DataIssue, IssueLevel, Limit, Resolution,
    ResolutionProblem, Rule, WidthBasis, WidthRule, Zone, ON_FEATURE_M,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Measures the completeness of the GeoPackage at `gpkg` (in the default CRS, EPSG:32643)
/// and stores it there as the table [`TABLE`], with `label` as the dataset's name: what
/// `aimaq dataset build` does before it moves the file into place.
pub fn store_in(
    gpkg: &std::path::Path,
    catalog: &Catalog,
    label: &str,
) -> Result<Completeness, String> {
    let source = aimaq_io::dataset::DatasetSource::Path(gpkg.to_path_buf());
    let mut c = Completeness::measure(catalog, &source, aimaq_io::DEFAULT_CRS)
        .map_err(|e| e.to_string())?;
    c.dataset = label.to_string();
    write_completeness_at(gpkg, &c).map_err(|e| e.to_string())?;
    Ok(c)
}

/// Feature ids kept per outcome, as examples.
pub const EXAMPLES: usize = 10;

/// The completeness of one dataset for one catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Completeness {
    /// The dataset's label (its path, or `embedded data/almaty`).
    pub dataset: String,
    /// The catalog's id.
    pub catalog: String,
    /// The CRS distances are measured in.
    pub crs: String,
    /// Every layer of the contract, in contract order.
    pub layers: Vec<LayerState>,
    /// Every rule in force, in catalog order.
    pub rules: Vec<RuleCompleteness>,
    /// Rules of the catalog not in force on the catalog's as-of date: not checked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_in_force: Vec<String>,
    /// Counts of rules by status.
    pub summary: Summary,
}

/// Counts of rules by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Rules in force.
    pub rules: usize,
    /// Rules that measure every feature they apply to, without caveat.
    pub complete: usize,
    /// Rules that measure some features, or measure with caveats.
    pub partial: usize,
    /// Rules that measure nothing: their layer is absent or empty, or no feature could be measured.
    pub not_checked: usize,
}

/// Whether a layer is in the dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// The dataset has no such layer.
    Absent,
    /// The layer is there with no feature.
    Empty,
    /// The layer has features.
    Present,
}

/// One contract layer in the dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerState {
    /// The layer.
    pub layer: String,
    /// Absent, empty or present.
    pub presence: Presence,
    /// Features read.
    pub features: usize,
    /// Features the engine left out entirely (no id, unmeasurable geometry): no rule sees them.
    pub left_out: usize,
}

/// How far a rule can be checked on the dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    /// Every feature the rule applies to is measured, without caveat.
    Complete,
    /// Some features are measured with a caveat, or not at all.
    Partial,
    /// Nothing is measured: parcels are not checked against this rule.
    NotChecked,
}

impl RuleStatus {
    /// `complete`, `partial` or `not checked`.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleStatus::Complete => "complete",
            RuleStatus::Partial => "partial",
            RuleStatus::NotChecked => "not checked",
        }
    }
}

/// What the check does with one feature under one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureStatus {
    /// Its zone is measured as the law states it.
    Measured,
    /// Its zone is measured, but with less than the law asks for (see the consequence).
    MeasuredWithCaveat,
    /// No zone: parcels are not checked against this feature under this rule.
    NotChecked,
    /// The rule does not apply to it (its `when` does not hold: another kind of hazard).
    NotApplicable,
}

/// Features of a rule's layer that share one outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// What the check does with them.
    pub status: FeatureStatus,
    /// In words: `measured`, `measured from the stored axis …`, `not checked: …`.
    pub consequence: String,
    /// How many features.
    pub count: usize,
    /// The attributes they lack (or carry unusable), which caused this outcome.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// Up to [`EXAMPLES`] of their ids (`#N` for a feature without one).
    pub examples: Vec<String>,
}

/// One rule's completeness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleCompleteness {
    /// The rule's id.
    pub rule: String,
    /// Its layer.
    pub layer: String,
    /// Complete, partial or not checked.
    pub status: RuleStatus,
    /// What the rule reads from the data to find its width: attributes, and `layer:NAME`
    /// for a layer its width depends on.
    pub needs: Vec<String>,
    /// Features of the layer read.
    pub features: usize,
    /// Features measured (with or without caveat).
    pub measured: usize,
    /// Of those, measured with a caveat.
    pub with_caveat: usize,
    /// Features the rule should apply to but that are not checked.
    pub not_checked: usize,
    /// Features the rule does not apply to.
    pub not_applicable: usize,
    /// Attribute → features lacking it (absent, mistyped or outside the contract's
    /// values) where this rule needed it.
    pub missing: BTreeMap<String, usize>,
    /// The outcomes, measured first, then by count.
    pub outcomes: Vec<Outcome>,
    /// Rule-wide consequences: an absent or empty layer, a layer its width depends on that
    /// is missing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Completeness {
    /// The completeness of `dataset` under `engine`, which must have been built from
    /// `dataset`'s features (a copy of them: the engine takes ownership).
    pub fn of(dataset: &LoadedDataset, engine: &Engine) -> Completeness {
        let catalog = engine.catalog();
        let mut measured: HashMap<(String, String, String), usize> = HashMap::new();
        for z in engine.zones() {
            *measured
                .entry((z.rule.id().into(), z.layer.into(), z.feature.into()))
                .or_default() += 1;
        }
        let layers: Vec<LayerState> = catalog
            .layers()
            .iter()
            .map(|spec| {
                let features = dataset
                    .features
                    .iter()
                    .filter(|f| f.layer == spec.name)
                    .count();
                let presence = if !dataset.layers.contains(&spec.name) {
                    Presence::Absent
                } else if features == 0 {
                    Presence::Empty
                } else {
                    Presence::Present
                };
                LayerState {
                    layer: spec.name.clone(),
                    presence,
                    features,
                    left_out: 0,
                }
            })
            .collect();
        let mut assessor = Assessor {
            catalog,
            issues: engine.issues(),
            measured,
            layers,
            rules: catalog
                .rules()
                .iter()
                .map(|r| Tally::new(r, catalog))
                .collect(),
        };
        let mut ordinals: HashMap<&str, usize> = HashMap::new();
        for f in &dataset.features {
            let ordinal = ordinals.entry(f.layer.as_str()).or_default();
            assessor.feature(&f.layer, &f.attributes, *ordinal);
            *ordinal += 1;
        }
        let Assessor { layers, rules, .. } = assessor;
        let rules: Vec<RuleCompleteness> = rules
            .into_iter()
            .zip(catalog.rules())
            .map(|(t, r)| t.finish(r, catalog, &layers))
            .collect();
        let mut summary = Summary {
            rules: rules.len(),
            ..Summary::default()
        };
        for r in &rules {
            match r.status {
                RuleStatus::Complete => summary.complete += 1,
                RuleStatus::Partial => summary.partial += 1,
                RuleStatus::NotChecked => summary.not_checked += 1,
            }
        }
        Completeness {
            dataset: dataset.label.clone(),
            catalog: catalog.info().id.clone(),
            crs: engine.crs().to_string(),
            layers,
            rules,
            not_in_force: catalog
                .not_in_force()
                .iter()
                .map(|n| n.rule.clone())
                .collect(),
            summary,
        }
    }

    /// Reads the dataset at `source` in `crs` under `catalog`, builds the engine on it and
    /// measures its completeness.
    pub fn measure(
        catalog: &Catalog,
        source: &aimaq_io::dataset::DatasetSource,
        crs: &str,
    ) -> Result<Completeness, aimaq_io::Error> {
        let metric = aimaq_proj::MetricCrs::new(crs)?;
        let data = aimaq_io::dataset::load(catalog, source, &metric)?;
        let mut engine = Engine::new(catalog.clone(), metric.label(), data.features.clone());
        engine.add_issues(data.issues.clone());
        Ok(Completeness::of(&data, &engine))
    }

    /// The rule `id`'s completeness.
    pub fn rule(&self, id: &str) -> Option<&RuleCompleteness> {
        self.rules.iter().find(|r| r.rule == id)
    }

    /// The layer `name`'s state.
    pub fn layer(&self, name: &str) -> Option<&LayerState> {
        self.layers.iter().find(|l| l.layer == name)
    }

    /// The report as text, one block a rule, in the command line's style.
    pub fn to_text(&self) -> String {
        text::render(self)
    }
}

impl RuleCompleteness {
    /// The outcome with this consequence, if any feature has it.
    pub fn outcome(&self, consequence: &str) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.consequence == consequence)
    }

    /// The outcomes of this status.
    pub fn outcomes_of(&self, status: FeatureStatus) -> impl Iterator<Item = &Outcome> {
        self.outcomes.iter().filter(move |o| o.status == status)
    }
}

/// What is being counted, rule by rule.
struct Assessor<'a> {
    catalog: &'a Catalog,
    issues: &'a [DataIssue],
    /// `(rule, layer, feature id)` → zones the engine holds.
    measured: HashMap<(String, String, String), usize>,
    layers: Vec<LayerState>,
    rules: Vec<Tally>,
}

/// One rule's counts while features are read.
struct Tally {
    needs: Vec<String>,
    features: usize,
    missing: BTreeMap<String, usize>,
    /// `(status, consequence)` → (count, missing attributes, examples).
    outcomes: BTreeMap<(FeatureStatus, String), Group>,
}

/// Count, missing attributes and example ids of the features of one outcome.
type Group = (usize, Vec<String>, Vec<String>);

/// One feature's outcome under one rule.
struct Verdict {
    status: FeatureStatus,
    consequence: String,
    missing: Vec<String>,
}

impl Verdict {
    fn new(status: FeatureStatus, consequence: impl Into<String>, missing: Vec<String>) -> Self {
        Verdict {
            status,
            consequence: consequence.into(),
            missing,
        }
    }
}

impl<'a> Assessor<'a> {
    fn feature(&mut self, layer: &str, attrs: &Attributes, ordinal: usize) {
        let catalog = self.catalog;
        let Some(spec) = catalog.layer(layer) else {
            return;
        };
        let id = match attrs.get("id") {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s.as_str()),
            _ => None,
        };
        let label = id.map_or_else(|| format!("#{ordinal}"), String::from);
        // the catalog's own call, as the engine's preparation makes it
        let resolved: Vec<(usize, Resolution)> = catalog.resolve_feature(layer, attrs);
        let problems = spec.attribute_problems(attrs);
        let left_out = self.left_out_reason(layer, &label, id);
        if left_out.is_some() {
            if let Some(l) = self.layers.iter_mut().find(|l| l.layer == layer) {
                l.left_out += 1;
            }
        }
        let rules = catalog.rules();
        for (idx, rule) in rules.iter().enumerate() {
            if rule.layer() != layer {
                continue;
            }
            let verdict = match applicability(rule, attrs, &problems) {
                Applicability::No => Verdict::new(
                    FeatureStatus::NotApplicable,
                    format!(
                        "not applicable: the rule applies where {}",
                        describe_when(rule.applies_when())
                    ),
                    Vec::new(),
                ),
                Applicability::Unknown { attribute, problem } => Verdict::new(
                    FeatureStatus::NotChecked,
                    format!("not checked: {problem}, so the rule cannot tell whether it applies"),
                    vec![attribute],
                ),
                Applicability::Yes => {
                    let res = resolved.iter().find(|(i, _)| *i == idx).map(|(_, r)| r);
                    let held = id.and_then(|id| {
                        let n = self.measured.get_mut(&(
                            rule.id().to_string(),
                            layer.to_string(),
                            id.to_string(),
                        ))?;
                        (*n > 0).then(|| *n -= 1)
                    });
                    match (&left_out, held, res) {
                        (Some(reason), None, _) => Verdict::new(
                            FeatureStatus::NotChecked,
                            format!("not checked: the feature is left out ({reason})"),
                            Vec::new(),
                        ),
                        (_, Some(()), Some(res)) => match &res.zone {
                            Some(zone) => measured(rule, zone, res, attrs, &resolved, rules),
                            None => Verdict::new(FeatureStatus::Measured, "measured", Vec::new()),
                        },
                        (_, Some(()), None) => {
                            Verdict::new(FeatureStatus::Measured, "measured", Vec::new())
                        }
                        (_, None, Some(res)) => unmeasured(rule, res, attrs),
                        (_, None, None) => Verdict::new(
                            FeatureStatus::NotChecked,
                            "not checked: the engine holds no zone for it",
                            Vec::new(),
                        ),
                    }
                }
            };
            self.rules[idx].add(verdict, &label);
        }
    }

    /// Why the engine left the feature out altogether, if it did: its error issues that
    /// are about no rule.
    fn left_out_reason(&self, layer: &str, label: &str, id: Option<&str>) -> Option<String> {
        let about = |i: &&DataIssue| {
            i.layer == layer
                && i.feature == label
                && i.rule.is_none()
                && i.level == IssueLevel::Error
        };
        let Some(_id) = id else {
            // findings need an id: the engine leaves such a feature out
            return Some(
                self.issues
                    .iter()
                    .find(about)
                    .map_or("no `id`".into(), |i| i.message.clone()),
            );
        };
        self.issues
            .iter()
            .filter(about)
            .find(|i| i.message.ends_with("feature left out"))
            .map(|i| i.message.trim_end_matches(": feature left out").to_string())
    }
}

enum Applicability {
    Yes,
    No,
    /// An attribute the rule's `when` tests is required and absent, mistyped or outside
    /// the contract's values.
    Unknown {
        attribute: String,
        problem: String,
    },
}

fn applicability(rule: &Rule, attrs: &Attributes, problems: &[AttributeProblem]) -> Applicability {
    if rule.applies_to(attrs) {
        return Applicability::Yes;
    }
    for (attribute, _) in rule.applies_when() {
        let problem = problems.iter().find(|p| match p {
            AttributeProblem::Missing { attribute: a }
            | AttributeProblem::WrongType { attribute: a, .. }
            | AttributeProblem::NotAllowed { attribute: a, .. } => a == attribute,
            AttributeProblem::Unknown { .. } => false,
        });
        if let Some(p) = problem {
            let problem = match p {
                AttributeProblem::Missing { .. } => format!("no `{attribute}`"),
                other => other.to_string(),
            };
            return Applicability::Unknown {
                attribute: attribute.clone(),
                problem,
            };
        }
    }
    Applicability::No
}

/// A zone the engine measures: plain, or with the caveats its resolution carries.
fn measured(
    rule: &Rule,
    zone: &Zone,
    res: &Resolution,
    attrs: &Attributes,
    resolved: &[(usize, Resolution)],
    rules: &[Rule],
) -> Verdict {
    let mut caveats: Vec<String> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    for p in &res.problems {
        match p {
            ResolutionProblem::MissingOffset { attribute, .. } => {
                missing.push(attribute.clone());
                let mut text = format!(
                    "no `{attribute}`: measured from the stored geometry, short of the law's reference line"
                );
                // a rule of the same layer that applies exactly when the attribute is
                // missing (`rail.right_of_way_unknown`) draws a band beyond
                for (i, r) in resolved {
                    let other = &rules[*i];
                    let on_absence = other.applies_when().iter().any(|(a, c)| {
                        a == attribute && *c == Condition::Present { present: false }
                    });
                    if let (true, Some(z)) = (on_absence, &r.zone) {
                        text.push_str(&format!(
                            ", plus `{}`'s {} band to {}",
                            other.id(),
                            other.severity(),
                            describe_limit(&z.limit)
                        ));
                    }
                }
                caveats.push(text);
            }
            ResolutionProblem::BadOffset { attribute, .. } => {
                missing.push(attribute.clone());
                caveats.push(format!(
                    "`{attribute}` unusable: measured from the stored geometry"
                ));
            }
            ResolutionProblem::BadOverride { attribute, .. } => {
                missing.push(attribute.clone());
                caveats.push(format!(
                    "`{attribute}` unusable: the catalog's width is used"
                ));
            }
            ResolutionProblem::NotPositive { attribute, .. } => {
                missing.push(attribute.clone());
                caveats.push(format!("`{attribute}` unusable"));
            }
            ResolutionProblem::OutsideActWidth {
                attribute, object, ..
            } => caveats.push(format!(
                "`{attribute}` outside the act's width for {object}: the act's width is used"
            )),
            ResolutionProblem::NotThisObject { object, found, .. } => {
                missing.extend(
                    found
                        .iter()
                        .filter(|(_, v)| v.is_none())
                        .map(|(a, _)| a.clone()),
                );
                caveats.push(format!(
                    "named like {object} without its conditions: the act's widths are not applied"
                ));
            }
            ResolutionProblem::DefaultWrongType { attribute, .. } => {
                missing.push(attribute.clone());
                caveats.push(format!("`{attribute}` mistyped: a default is not applied"));
            }
            // the others leave no zone
            _ => {}
        }
    }
    // a width nothing determines is measured as a review band as far as the zone could
    // reach (docs/regimes.md, "Unknown widths"): checked, but only for review
    if let (WidthBasis::Unknown(unknown), Limit::Range { max, .. }) = (&zone.basis, zone.limit) {
        missing.extend(unknown.supply.iter().cloned());
        let what = if unknown.found.is_empty() {
            "width unknown".to_string()
        } else {
            format!("no width for {}", unknown.found.join(", "))
        };
        let band = if max - zone.offset_m <= ON_FEATURE_M {
            "only a parcel on the feature".to_string()
        } else {
            format!("to {}", describe_limit(&Limit::Fixed { m: max }))
        };
        caveats.push(format!("{what}: a review band, {band}"));
    }
    // a default that is a range leaves the width open between its ends: the feature
    // lacks what would settle it (its own width, or what picks a sharper default); a
    // default that is one width is the act's answer for such a feature
    let mut default_note = None;
    if zone.basis == WidthBasis::Default {
        if let (
            WidthRule::Attribute {
                attribute,
                defaults,
                ..
            },
            Limit::Range { min, max },
        ) = (rule.width(), zone.limit)
        {
            missing.push(attribute.clone());
            for (when, _) in defaults {
                let fails = when
                    .iter()
                    .any(|(a, c)| present(attrs, a) && !c.holds(attrs.get(a)));
                if fails {
                    continue;
                }
                for (a, c) in when {
                    if !present(attrs, a) && !c.holds(None) && !missing.contains(a) {
                        missing.push(a.clone());
                    }
                }
            }
            caveats.push(format!(
                "no `{attribute}`: the act's range — a finding within {}, review to {}",
                metres(min),
                metres(max)
            ));
        } else {
            default_note = Some(format!(
                "measured with the default width, {}",
                describe_limit(&zone.limit)
            ));
        }
    }
    missing.sort();
    missing.dedup();
    if caveats.is_empty() {
        let text = default_note.unwrap_or_else(|| "measured".into());
        Verdict::new(FeatureStatus::Measured, text, missing)
    } else {
        Verdict::new(
            FeatureStatus::MeasuredWithCaveat,
            format!("measured; {}", caveats.join("; ")),
            missing,
        )
    }
}

/// No zone: what the resolution says, in short.
fn unmeasured(rule: &Rule, res: &Resolution, attrs: &Attributes) -> Verdict {
    let not_checked = |text: String, missing: Vec<String>| {
        Verdict::new(
            FeatureStatus::NotChecked,
            format!("not checked: {text}"),
            missing,
        )
    };
    for p in &res.problems {
        match p {
            ResolutionProblem::MissingAttributes { attributes, .. } => {
                return not_checked(
                    format!("no {}, so no width", quoted(attributes)),
                    attributes.clone(),
                )
            }
            ResolutionProblem::NoCase { values, .. } => {
                let shown: Vec<String> = values
                    .iter()
                    .filter_map(|(a, v)| v.as_ref().map(|v| format!("{a} = {v}")))
                    .collect();
                return not_checked(
                    format!("the catalog has no width for {}", shown.join(", ")),
                    Vec::new(),
                );
            }
            ResolutionProblem::CaseWrongType {
                attribute,
                expected,
                ..
            } => {
                return not_checked(
                    format!("`{attribute}` is not a {expected}, so no width"),
                    vec![attribute.clone()],
                )
            }
            ResolutionProblem::NoWidth { attribute, .. } => {
                return not_checked(
                    format!("no `{attribute}`, and no act or default gives a width"),
                    vec![attribute.clone()],
                )
            }
            ResolutionProblem::WiderThanZone { within, .. } => {
                return not_checked(
                    format!("wider than the zone of `{within}` it must lie inside"),
                    Vec::new(),
                )
            }
            _ => {}
        }
    }
    if let Some(only) = rule.outside_only() {
        if let Some(a) = &only.attribute {
            let says_nowhere = attrs
                .get(a)
                .and_then(|v| v.as_str())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case(&only.nowhere));
            if says_nowhere {
                return Verdict::new(
                    FeatureStatus::NotApplicable,
                    format!(
                        "no zone: the feature's `{a}` = \"{}\" puts it nowhere",
                        only.nowhere
                    ),
                    Vec::new(),
                );
            }
        }
    }
    not_checked("no zone resolved".into(), Vec::new())
}

impl Tally {
    fn new(rule: &Rule, catalog: &Catalog) -> Tally {
        Tally {
            needs: needs(rule, catalog),
            features: 0,
            missing: BTreeMap::new(),
            outcomes: BTreeMap::new(),
        }
    }

    fn add(&mut self, v: Verdict, label: &str) {
        self.features += 1;
        for a in &v.missing {
            *self.missing.entry(a.clone()).or_default() += 1;
        }
        let e = self
            .outcomes
            .entry((v.status, v.consequence))
            .or_insert_with(|| (0, v.missing.clone(), Vec::new()));
        e.0 += 1;
        for a in v.missing {
            if !e.1.contains(&a) {
                e.1.push(a);
            }
        }
        if e.2.len() < EXAMPLES {
            e.2.push(label.to_string());
        }
    }

    fn finish(self, rule: &Rule, catalog: &Catalog, layers: &[LayerState]) -> RuleCompleteness {
        let count = |s: FeatureStatus| -> usize {
            self.outcomes
                .iter()
                .filter(|((st, _), _)| *st == s)
                .map(|(_, (n, _, _))| n)
                .sum()
        };
        let plain = count(FeatureStatus::Measured);
        let with_caveat = count(FeatureStatus::MeasuredWithCaveat);
        let not_checked = count(FeatureStatus::NotChecked);
        let not_applicable = count(FeatureStatus::NotApplicable);
        let mut outcomes: Vec<Outcome> = self
            .outcomes
            .into_iter()
            .map(|((status, consequence), (count, mut missing, examples))| {
                missing.sort();
                Outcome {
                    status,
                    consequence,
                    count,
                    missing,
                    examples,
                }
            })
            .collect();
        outcomes.sort_by(|a, b| a.status.cmp(&b.status).then(b.count.cmp(&a.count)));
        let mut notes = Vec::new();
        let state = |name: &str| layers.iter().find(|l| l.layer == name);
        match state(rule.layer()).map(|l| l.presence) {
            Some(Presence::Absent) | None => notes.push(format!(
                "layer `{}` is absent from the dataset: parcels are not checked against this rule",
                rule.layer()
            )),
            Some(Presence::Empty) => notes.push(format!(
                "layer `{}` is empty: parcels are not checked against this rule",
                rule.layer()
            )),
            Some(Presence::Present) => {
                if plain + with_caveat == 0 {
                    notes.push(if not_applicable > 0 && not_checked == 0 {
                        format!(
                            "no feature of `{}` is one the rule applies to ({}): parcels are not checked against this rule",
                            rule.layer(),
                            describe_when(rule.applies_when())
                        )
                    } else {
                        "no feature could be measured: parcels are not checked against this rule"
                            .to_string()
                    });
                }
            }
        }
        // a width that depends on another layer's polygons
        let condition_layer = match rule.width() {
            WidthRule::BySettlement {
                settlement_layer,
                outside,
                ..
            } => Some((settlement_layer.as_str(), format!("{} everywhere", outside))),
            _ => rule.outside_only().map(|o| {
                (
                    o.layer.as_str(),
                    "the zone all along every feature".to_string(),
                )
            }),
        };
        if let Some((layer, consequence)) = condition_layer {
            let presence = state(layer).map_or(Presence::Absent, |l| l.presence);
            if presence != Presence::Present && plain + with_caveat > 0 {
                let what = if presence == Presence::Empty {
                    "empty"
                } else {
                    "absent"
                };
                notes.push(format!(
                    "layer `{layer}` is {what}: every parcel is taken as outside `{layer}`, {consequence}"
                ));
            }
        }
        let status = if plain + with_caveat == 0 {
            RuleStatus::NotChecked
        } else if with_caveat == 0 && not_checked == 0 && notes.is_empty() {
            RuleStatus::Complete
        } else {
            RuleStatus::Partial
        };
        let _ = catalog;
        RuleCompleteness {
            rule: rule.id().to_string(),
            layer: rule.layer().to_string(),
            status,
            needs: self.needs,
            features: self.features,
            measured: plain + with_caveat,
            with_caveat,
            not_checked,
            not_applicable,
            missing: self.missing,
            outcomes,
            notes,
        }
    }
}

/// What the rule reads from the data, from its catalog entry.
fn needs(rule: &Rule, catalog: &Catalog) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |a: &str| {
        if !out.iter().any(|x| x == a) {
            out.push(a.to_string());
        }
    };
    for (a, _) in rule.applies_when() {
        add(a);
    }
    match rule.width() {
        WidthRule::Cases {
            cases,
            override_attribute,
        } => {
            for (when, _) in cases {
                for (a, _) in when {
                    add(a);
                }
            }
            if let Some(a) = override_attribute {
                add(a);
            }
        }
        WidthRule::BySettlement {
            settlement_layer, ..
        } => add(&format!("layer:{settlement_layer}")),
        WidthRule::Attribute {
            attribute,
            named,
            defaults,
            ..
        } => {
            add(attribute);
            if named.is_some() {
                add("name");
            }
            for (when, _) in defaults {
                for (a, _) in when {
                    add(a);
                }
            }
        }
        WidthRule::Overlap => {}
    }
    if let Some(o) = rule.offset() {
        add(&o.attribute);
    }
    if let Some(o) = rule.outside_only() {
        add(&format!("layer:{}", o.layer));
        if let Some(a) = &o.attribute {
            add(a);
        }
    }
    let _ = catalog;
    out
}

fn present(attrs: &Attributes, a: &str) -> bool {
    attrs.get(a).is_some_and(|v| !v.is_null())
}

fn quoted(attributes: &[String]) -> String {
    attributes
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_when(when: &[(String, Condition)]) -> String {
    when.iter()
        .map(|(a, c)| format!("{a} {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn metres(m: f64) -> String {
    format!("{} m", aimaq_rules::format_metres(m))
}

fn describe_limit(limit: &Limit) -> String {
    match *limit {
        Limit::Fixed { m } => metres(m),
        Limit::Range { min, max } => format!("{}–{}", metres(min), metres(max)),
        Limit::BySettlement { inside, outside } => {
            format!(
                "{} inside settlements, {} outside",
                metres(inside),
                metres(outside)
            )
        }
        Limit::Overlap => "the area itself".into(),
    }
}
