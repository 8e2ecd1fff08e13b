//! Why a catalog cannot be used: one variant per check, each naming what it is about.

use crate::in_force::Date;
use crate::lang::Lang;
use std::fmt;
use thiserror::Error;

/// A catalog that cannot be used.
///
/// ```
/// use aimaq_rules::{Catalog, CatalogError, Inconsistency, RuleProblem};
/// let text = aimaq_rules::EMBEDDED_CATALOG.replace(
///     "layer = \"gas_pipelines\"\nlabels", "layer = \"gas\"\nlabels");
/// let err = Catalog::from_toml_str(&text).unwrap_err();
/// let CatalogError::Invalid(Inconsistency::Rule { rule, problem: RuleProblem::UnknownLayer { layer } }) = &err
/// else { panic!("{err}") };
/// assert_eq!((rule.as_str(), layer.as_str()), ("gas.protection_zone", "gas"));
/// assert_eq!(err.to_string(),
///     "catalog is inconsistent: rule `gas.protection_zone` refers to unknown layer `gas`");
/// ```
#[derive(Debug, Error)]
pub enum CatalogError {
    /// The TOML does not parse into the catalog's shape.
    #[error("catalog does not parse: {0}")]
    Parse(#[from] toml::de::Error),
    /// The TOML parses but contradicts itself.
    #[error("catalog is inconsistent: {0}")]
    Invalid(#[from] Inconsistency),
    /// [`Catalog::as_of`](crate::Catalog::as_of) a date before the catalog's own act.
    #[error("catalog is inconsistent: {date} is before {from} ({act}): the catalog holds no wording in force then")]
    BeforeInForce {
        /// The date asked for.
        date: Date,
        /// The first day the catalog's wording is in force.
        from: Date,
        /// The act that put it in force.
        act: String,
    },
    /// [`Catalog::as_of`](crate::Catalog::as_of) a date after the catalog's act was
    /// signed but before it took effect, ten calendar days after its first official
    /// publication (L5-7).
    #[error("on {date} {act} of {act_date} is not yet in force: it takes effect ten calendar days after its first official publication (scheme L5-7), on {from} at the earliest")]
    NotYetInForce {
        /// The date asked for.
        date: Date,
        /// The date the act bears.
        act_date: Date,
        /// The first day the catalog's wording is in force.
        from: Date,
        /// The act.
        act: String,
    },
}

/// How a catalog contradicts itself, by section.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Inconsistency {
    /// Two `[[layer]]` tables have one name.
    #[error("layer `{layer}` is declared twice")]
    DuplicateLayer {
        /// The layer.
        layer: String,
    },
    /// A layer does not require the `id` attribute findings need.
    #[error("layer `{layer}` must require `id`")]
    LayerWithoutId {
        /// The layer.
        layer: String,
    },
    /// A layer's label is empty in a language.
    #[error("layer `{layer}` has no {lang} label")]
    LayerLabelMissing {
        /// The layer.
        layer: String,
        /// The language.
        lang: Lang,
    },
    /// A named object belongs to a layer the catalog does not declare.
    #[error("named object `{key}` refers to unknown layer `{layer}`")]
    NamedObjectLayer {
        /// The object's key.
        key: String,
        /// Its `table`.
        layer: String,
    },
    /// A named object's width is neither one positive value nor a positive range.
    #[error("named object `{key}` width `{attribute}`: {}", BAD_WIDTH)]
    NamedObjectWidth {
        /// The object's key.
        key: String,
        /// The width's attribute, e.g. `belt_m`.
        attribute: String,
    },
    /// A named object's condition tests an attribute its layer does not declare.
    #[error("named object `{key}` tests unknown attribute `{attribute}`")]
    NamedObjectCondition {
        /// The object's key.
        key: String,
        /// The attribute.
        attribute: String,
    },
    /// Two named objects of a layer (or one twice) carry names that match alike.
    #[error("name `{name}` is used by two named objects")]
    DuplicateName {
        /// The name, as written the second time.
        name: String,
    },
    /// Two `[[use]]` tables have one code.
    #[error("use `{code}` is declared twice")]
    DuplicateUse {
        /// The code.
        code: String,
    },
    /// A use's label is empty in a language.
    #[error("use `{code}` has no {lang} label")]
    UseLabelMissing {
        /// The code.
        code: String,
        /// The language.
        lang: Lang,
    },
    /// `[catalog] default_use` is not a code of the vocabulary.
    #[error("default use `{code}` is not in the vocabulary")]
    UnknownDefaultUse {
        /// The code.
        code: String,
    },
    /// An approval's text is empty in a language.
    #[error("approval `{approval}` has no {lang} text")]
    ApprovalTextMissing {
        /// The approval's id.
        approval: String,
        /// The language.
        lang: Lang,
    },
    /// A key of [`MESSAGE_KEYS`](crate::MESSAGE_KEYS) is not in `[messages]`.
    #[error("message `{key}` is missing")]
    MessageMissing {
        /// The key.
        key: String,
    },
    /// A message's text is empty in a language.
    #[error("message `{key}` has no {lang} text")]
    MessageTextMissing {
        /// The key.
        key: String,
        /// The language.
        lang: Lang,
    },
    /// A count's noun forms (`{n:form|form}`) are not as many as the language has.
    #[error("message `{key}` gives {found} noun forms for `{{{placeholder}:…}}` in {lang}, which has {expected}")]
    PluralForms {
        /// The key.
        key: String,
        /// The language.
        lang: Lang,
        /// The count's placeholder.
        placeholder: String,
        /// How many forms the language has (kk 1, ru 3, en 2).
        expected: usize,
        /// How many the template gives.
        found: usize,
    },
    /// An act or note the catalog cites has no text in a language in `[texts]`.
    #[error("the cited text `{text}` has no {lang} translation in [texts]")]
    Untranslated {
        /// The English text.
        text: String,
        /// The language.
        lang: Lang,
    },
    /// A zone group's label is empty in a language.
    #[error("zone group {group} has no {lang} label")]
    ZoneGroupLabelMissing {
        /// The group's number.
        group: u8,
        /// The language.
        lang: Lang,
    },
    /// A sub-zone names a group the zoning does not have.
    #[error("sub-zone `{subzone}` names unknown group {group}")]
    SubzoneUnknownGroup {
        /// The sub-zone's code.
        subzone: String,
        /// The group it names.
        group: u8,
    },
    /// A sub-zone's code does not start with `<group>.`.
    #[error("sub-zone `{subzone}` must start with its group number")]
    SubzoneCodeOutsideGroup {
        /// The sub-zone's code.
        subzone: String,
        /// The group it names.
        group: u8,
    },
    /// A sub-zone names a land category the zoning does not have.
    #[error("sub-zone `{subzone}` names unknown land category `{category}`")]
    SubzoneUnknownCategory {
        /// The sub-zone's code.
        subzone: String,
        /// The category it names.
        category: String,
    },
    /// A sub-zone's label is empty in a language.
    #[error("sub-zone `{subzone}` has no {lang} label")]
    SubzoneLabelMissing {
        /// The sub-zone's code.
        subzone: String,
        /// The language.
        lang: Lang,
    },
    /// `[zoning] layer` is not a declared layer.
    #[error("zoning layer `{layer}` is not a layer")]
    ZoningLayer {
        /// The layer named.
        layer: String,
    },
    /// A rule is inconsistent.
    #[error("rule `{rule}` {problem}")]
    Rule {
        /// The rule's id.
        rule: String,
        /// What is wrong with it.
        problem: RuleProblem,
    },
}

/// What can be wrong with one `[[rule]]`.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RuleProblem {
    /// Another rule has the same id.
    #[error("is declared twice")]
    DeclaredTwice,
    /// `in_force.until` is not after `in_force.from`: the rule would never apply.
    #[error("is in force until {until}, which is not after it comes into force ({from}): it would never apply; fix `until` or `from`")]
    InForceEndsBeforeItStarts {
        /// `in_force.from`.
        from: Date,
        /// `in_force.until`.
        until: Date,
    },
    /// The rule's layer is not declared.
    #[error("refers to unknown layer `{layer}`")]
    UnknownLayer {
        /// The layer named.
        layer: String,
    },
    /// A case or default tests an attribute its layer does not declare.
    #[error("{entry} tests unknown attribute `{attribute}`")]
    EntryTestsUnknownAttribute {
        /// The width entry.
        entry: WidthEntry,
        /// The attribute.
        attribute: String,
    },
    /// A width entry is neither one positive value nor a positive range.
    #[error("{entry}: {}", BAD_WIDTH)]
    BadWidth {
        /// The width entry.
        entry: WidthEntry,
    },
    /// A case gives a range: cases must give one width.
    #[error("case {case} must be a single width")]
    CaseIsRange {
        /// 0-based position among the cases.
        case: usize,
    },
    /// A `cases` width without cases.
    #[error("has no cases")]
    NoCases,
    /// The override attribute is not declared by the layer.
    #[error("overrides with unknown attribute `{attribute}`")]
    UnknownOverrideAttribute {
        /// The attribute.
        attribute: String,
    },
    /// A settlement-dependent width names a layer that is not a polygon layer.
    #[error("needs polygon layer `{layer}`")]
    SettlementLayerNotPolygons {
        /// The layer named.
        layer: String,
    },
    /// A settlement-dependent width gives a range.
    #[error("inside/outside must be single widths")]
    SettlementWidthIsRange,
    /// An attribute width reads an attribute the layer does not declare.
    #[error("reads unknown attribute `{attribute}`")]
    UnknownWidthAttribute {
        /// The attribute.
        attribute: String,
    },
    /// An attribute width's scale is zero, negative or not finite.
    #[error("scale must be positive")]
    ScaleNotPositive {
        /// The scale given.
        scale: f64,
    },
    /// Only one of `named` and `named_width` is given.
    #[error("needs both `named` and `named_width`, or neither")]
    NamedHalfGiven,
    /// No named object of the table has the width attribute.
    #[error("no named object of `{table}` has `{width}`")]
    NoNamedWidth {
        /// The named objects' layer.
        table: String,
        /// The width attribute.
        width: String,
    },
    /// An overlap rule on a layer that is not a polygon layer.
    #[error("overlap needs a polygon layer")]
    OverlapNeedsPolygons,
    /// The offset's attribute is not declared, or its factor is not positive.
    #[error("offset needs a known attribute and a positive factor")]
    BadOffset {
        /// The offset's attribute.
        attribute: String,
        /// Its factor.
        factor: f64,
    },
    /// The rule's title is empty in a language.
    #[error("has no {lang} title")]
    TitleMissing {
        /// The language.
        lang: Lang,
    },
    /// The rule's `measured_from` is empty in a language.
    #[error("says in no {lang} what it is measured from")]
    MeasuredFromMissing {
        /// The language.
        lang: Lang,
    },
    /// `outside_only` names a layer that is not a polygon layer.
    #[error("`outside_only` needs polygon layer `{layer}`")]
    OutsideOnlyLayer {
        /// The layer named.
        layer: String,
    },
    /// `outside_only` names an attribute the rule's layer does not declare.
    #[error("`outside_only` reads unknown attribute `{attribute}`")]
    OutsideOnlyAttribute {
        /// The attribute.
        attribute: String,
    },
    /// `outside_only` on a width that is not a single width by cases.
    #[error("`outside_only` needs a width of kind `cases`")]
    OutsideOnlyNeedsCases,
    /// `within` does not name another rule of the same layer.
    #[error("lies `within` `{rule}`, which is not another rule of its layer")]
    UnknownWithin {
        /// The rule named.
        rule: String,
    },
    /// `when` tests an attribute the layer does not declare.
    #[error("applies when unknown attribute `{attribute}`")]
    UnknownConditionAttribute {
        /// The attribute.
        attribute: String,
    },
    /// A regime cell is inconsistent.
    #[error("{cell}: {problem}")]
    Cell {
        /// Which cell.
        cell: CellRef,
        /// What is wrong with it.
        problem: CellProblem,
    },
    /// The regime default lists uses or conditions.
    #[error("the regime default applies to every use, unconditionally")]
    DefaultNotUniversal,
    /// Every cell allows: the rule restricts nothing.
    #[error("allows every use: a rule must restrict something")]
    AllowsEverything,
}

/// What can be wrong with one regime cell.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CellProblem {
    /// `uses` names a code or `#tag` the vocabulary does not have.
    #[error("unknown use or tag `{entry}`")]
    UnknownUse {
        /// The entry.
        entry: String,
    },
    /// `when` tests an attribute the layer does not declare.
    #[error("tests unknown attribute `{attribute}`")]
    UnknownAttribute {
        /// The attribute.
        attribute: String,
    },
    /// A conditional cell without its approval.
    #[error("a conditional cell must name its approval")]
    ConditionalWithoutApproval,
    /// The approval is not in `[[approval]]`.
    #[error("unknown approval `{approval}`")]
    UnknownApproval {
        /// The approval's id.
        approval: String,
    },
    /// An allowed or prohibited cell names an approval.
    #[error("only conditional and review cells take an approval")]
    ApprovalWithoutCondition,
    /// A review cell does not say what the review must settle.
    #[error("a review cell must give its reason")]
    ReviewWithoutReason,
    /// A cell other than a review cell gives a reason.
    #[error("only review cells take a reason")]
    ReasonWithoutReview,
    /// The reason is empty in a language.
    #[error("the reason has no {lang} text")]
    ReasonTextMissing {
        /// The language.
        lang: Lang,
    },
    /// The basis is empty in a language.
    #[error("the basis has no {lang} text")]
    BasisTextMissing {
        /// The language.
        lang: Lang,
    },
    /// The cell's citation names no act.
    #[error("the citation names no act")]
    NoAct,
}

/// The text every malformed width gets.
const BAD_WIDTH: &str = "give `m`, or `min` < `max`, all positive metres";

/// A width entry of a rule's `[rule.width]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WidthEntry {
    /// `cases[i]`.
    Case(usize),
    /// `inside`, for settlement-dependent widths.
    Inside,
    /// `outside`, for settlement-dependent widths.
    Outside,
    /// `defaults[i]`.
    Default(usize),
    /// `fallback`.
    Fallback,
    /// `[rule.unknown]`'s `cases[i]`.
    UnknownCase(usize),
    /// `[rule.unknown]`'s `reach`.
    UnknownReach,
}

impl fmt::Display for WidthEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WidthEntry::Case(i) => write!(f, "case {i}"),
            WidthEntry::Inside => f.write_str("inside"),
            WidthEntry::Outside => f.write_str("outside"),
            WidthEntry::Default(i) => write!(f, "default {i}"),
            WidthEntry::Fallback => f.write_str("fallback"),
            WidthEntry::UnknownCase(i) => write!(f, "unknown-width case {i}"),
            WidthEntry::UnknownReach => f.write_str("unknown-width reach"),
        }
    }
}

/// A cell of a rule's regime matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellRef {
    /// `cell[i]`, 0-based.
    Cell(usize),
    /// The default.
    Default,
}

impl fmt::Display for CellRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CellRef::Cell(i) => write!(f, "regime cell {i}"),
            CellRef::Default => f.write_str("regime default"),
        }
    }
}
