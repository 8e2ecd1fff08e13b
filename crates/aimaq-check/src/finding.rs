//! Findings and per-parcel reports.

use crate::engine::Prepared;
use crate::refine::{fmt_dist, Hit};
use crate::Verdict;
use aimaq_rules::{format_metres, Rule, Severity, Zone};
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
    /// The feature's name, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature_name: Option<String>,
    /// What entering this zone means.
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
    /// The act and the scheme's lines behind the width.
    pub citation: String,
    /// One line for a person.
    pub message: String,
    /// The encumbered part of the parcel, in the engine's metric CRS.
    #[serde(skip)]
    pub geometry: MultiPolygon<f64>,
}

impl Finding {
    pub(crate) fn new(
        rule: &Rule,
        feature: &Prepared,
        zone: &Zone,
        hit: Hit,
        parcel_area_m2: f64,
        geometry: MultiPolygon<f64>,
    ) -> Finding {
        let encumbered_m2 = hit.encumbered.unsigned_area();
        let share = if parcel_area_m2 > 0.0 {
            (encumbered_m2 / parcel_area_m2).min(1.0)
        } else {
            0.0
        };
        let citation = match (&zone.settlement_citations, hit.inside_settlement) {
            (Some((inside, _)), Some(true)) => inside.to_string(),
            (Some((_, outside)), Some(false)) => outside.to_string(),
            _ => zone.citation.to_string(),
        };
        let what = match &feature.name {
            Some(n) => format!("{} «{n}» ({})", feature.layer_title, feature.id),
            None => format!("{} {}", feature.layer_title, feature.id),
        };
        let severity_word = match hit.severity {
            Severity::Prohibited => "PROHIBITED",
            Severity::Conditional => "CONDITIONAL",
            Severity::Review => "REVIEW",
        };
        let place = if hit.distance_m == 0.0 {
            format!("touches or lies in {what}")
        } else {
            format!("{} m from {what}", fmt_dist(hit.distance_m))
        };
        let message = format!(
            "{severity_word}: {} — {place}, {}; {encumbered_m2:.1} m² ({:.1} %) of the parcel encumbered{}",
            rule.title,
            hit.reason,
            share * 100.0,
            if zone.offset_m > 0.0 {
                format!("; limit includes a {} m offset to the reference line", format_metres(zone.offset_m))
            } else {
                String::new()
            }
        );
        Finding {
            rule: rule.id.clone(),
            layer: feature.layer.clone(),
            feature: feature.id.clone(),
            feature_name: feature.name.clone(),
            severity: hit.severity,
            distance_m: hit.distance_m,
            limit_m: hit.limit_m,
            encumbered_m2,
            encumbered_share: share,
            citation,
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
            error: Some(reason.into()),
        }
    }
}
