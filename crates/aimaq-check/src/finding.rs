//! Findings and per-parcel reports.

use crate::encumbrance::Encumbrance;
use crate::message::FindingContext;
use crate::refine::Hit;
use crate::verdict::Verdict;
use aimaq_rules::{LawExcerpt, Regime, Severity};
use geo::{Area, MultiPolygon};
use serde::{Serialize, Serializer};

fn round3<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((v * 1000.0).round() / 1000.0)
}
fn round6<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((v * 1e6).round() / 1e6)
}

/// One zone of one feature that a parcel enters.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Rule id, e.g. `rail.control_zone`.
    pub rule: String,
    /// Layer of the feature.
    pub layer: String,
    /// The feature's id.
    pub feature: String,
    /// The feature's name, if it has one: in the report's language when the feature
    /// gives it (`name_kk`, `name_ru`), else its `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature_name: Option<String>,
    /// What entering this zone means for the parcel's use: the regime, or `review` when
    /// the parcel lies between a range width's ends.
    pub severity: Severity,
    /// Minimum distance from the parcel to the feature as stored (0 when they meet), m.
    #[serde(serialize_with = "round3")]
    pub distance_m: f64,
    /// The distance limit that applied, from the stored geometry, m (0 for overlap rules).
    #[serde(serialize_with = "round3")]
    pub limit_m: f64,
    /// Area of the parcel inside the zone, m².
    #[serde(serialize_with = "round3")]
    pub encumbered_m2: f64,
    /// `encumbered_m2` over the parcel's area.
    #[serde(serialize_with = "round6")]
    pub encumbered_share: f64,
    /// The act and the scheme's lines behind the width, in the report's language.
    pub citation: String,
    /// The use the regime was looked up for (the parcel's, or the default `construction`).
    #[serde(rename = "use")]
    pub use_code: String,
    /// The regime matrix's answer for that use: `prohibited`, `conditional` or `review`.
    pub regime: Regime,
    /// For a conditional regime: what makes the use possible, in the report's language
    /// (for a review regime, the approval that comes closest, if the cell names one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<String>,
    /// For a review regime: what the review must settle, in the report's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The act and the scheme's lines behind the regime, in the report's language.
    pub regime_citation: String,
    /// The scheme's sentences the width and the regime cell rest on, verbatim in Kazakh
    /// from the cited lines (width first, each line range once); empty from
    /// [`Engine::check_without_messages`](crate::Engine::check_without_messages).
    pub law: Vec<LawExcerpt>,
    /// One line for a person, in the report's language; empty from
    /// [`Engine::check_without_messages`](crate::Engine::check_without_messages).
    pub message: String,
    /// The encumbered part of the parcel, in the engine's metric CRS.
    #[serde(skip)]
    pub geometry: MultiPolygon<f64>,
}

impl Finding {
    /// The finding `hit` makes in `context`'s zone, for a parcel of `parcel_area_m2`;
    /// `geometry` is the encumbered part in the engine's CRS. Without `message`, the
    /// message is left empty.
    pub(crate) fn new(
        context: &FindingContext<'_>,
        parcel_area_m2: f64,
        hit: Hit,
        geometry: MultiPolygon<f64>,
        message: bool,
    ) -> Finding {
        let FindingContext {
            rule,
            feature,
            zone,
            land_use,
            cell,
            ..
        } = *context;
        // boolean operations round: a parcel wholly inside a zone can come back a few
        // square millimetres larger than itself, which a report must not claim
        let encumbered_m2 = hit.encumbered.unsigned_area().min(parcel_area_m2);
        let share = if parcel_area_m2 > 0.0 {
            (encumbered_m2 / parcel_area_m2).min(1.0)
        } else {
            0.0
        };
        let width_citation = match (&zone.settlement_citations, hit.inside_settlement) {
            (Some((inside, _)), Some(true)) => inside,
            (Some((_, outside)), Some(false)) => outside,
            _ => &zone.citation,
        };
        let citation = context.cite(width_citation);
        let law = if message {
            // a width read from the feature cites no lines: the rule's own lines then
            let width = if width_citation.scheme.is_some() {
                width_citation
            } else {
                rule.citation()
            };
            context.catalog.law([width, &cell.citation])
        } else {
            Vec::new()
        };
        let approval = context.approval();
        let reason = context.reason();
        let message = if message {
            context.message(
                &hit,
                encumbered_m2,
                share,
                approval.as_deref(),
                reason.as_deref(),
            )
        } else {
            String::new()
        };
        Finding {
            rule: rule.id().to_string(),
            layer: feature.layer.clone(),
            feature: feature.id.clone(),
            feature_name: context.feature_name(),
            severity: hit.severity,
            distance_m: hit.distance_m,
            limit_m: hit.limit_m,
            encumbered_m2,
            encumbered_share: share,
            citation,
            use_code: land_use.code.clone(),
            regime: cell.regime,
            approval,
            reason,
            regime_citation: context.cite(&cell.citation),
            law,
            message,
            geometry,
        }
    }
}

/// The outcome for one parcel.
#[derive(Debug, Clone, Serialize)]
pub struct ParcelReport {
    /// The parcel's id.
    pub id: String,
    /// Proposed use, as given.
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub proposed_use: Option<String>,
    /// Worst severity among the findings, `clear`, or `error`.
    pub verdict: Verdict,
    /// The parcel's area, m² (0 for an error).
    #[serde(serialize_with = "round3")]
    pub area_m2: f64,
    /// Zones entered, in feature order.
    pub findings: Vec<Finding>,
    /// The part of the parcel under any finding's zone: the union of the zones, never
    /// their sum (absent for an error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encumbrance: Option<Encumbrance>,
    /// Why the parcel could not be checked.
    pub error: Option<String>,
}

impl ParcelReport {
    /// A parcel that could not be checked.
    pub fn error(
        id: &str,
        proposed_use: Option<String>,
        reason: impl Into<String>,
    ) -> ParcelReport {
        ParcelReport {
            id: id.to_string(),
            proposed_use,
            verdict: Verdict::Error,
            area_m2: 0.0,
            findings: Vec::new(),
            encumbrance: None,
            error: Some(reason.into()),
        }
    }
}
