//! What a build reports, and the features it carries on their way to the dataset: the
//! words the builder, the merge and the writer share.

use aimaq_rules::Attributes;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Something the build reports without stopping: a value left out, a multi-valued
/// voltage, a relation with missing members, a feature skipped and why.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BuildIssue {
    /// The source file's name.
    pub source: String,
    /// The feature (`way/123`, `lines:7`), when it is about one.
    pub feature: Option<String>,
    /// The mapping's line, when it is about one entry or attribute.
    pub mapping_line: Option<usize>,
    /// The attribute concerned.
    pub field: Option<String>,
    /// What happened.
    pub message: String,
}

/// Two features that look like one object, from two sources: the first source's is kept.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Duplicate {
    /// The contract layer.
    pub layer: String,
    /// The feature kept (`source: ref`).
    pub kept: String,
    /// The feature dropped.
    pub dropped: String,
    /// Largest distance, m, from the vertices of the one to the other.
    pub distance_m: f64,
    /// Name similarity (Jaro-Winkler, 0–1), when both are named.
    pub name_similarity: Option<f64>,
}

/// One source's part in the build.
#[derive(Debug, Clone, Serialize)]
pub struct SourceSummary {
    /// The path as given.
    pub path: String,
    /// SHA-256 of the file, `sha256:…`.
    pub sha256: String,
    /// Modification time, RFC 3339 UTC.
    pub modified: Option<String>,
    /// GDAL's driver.
    pub driver: String,
    /// The mapping it was read with.
    pub mapping: String,
    /// Licence of its features.
    pub licence: Option<String>,
    /// The attribution its licence requires.
    pub attribution: Option<String>,
    /// Features read from it.
    pub read: usize,
    /// Features written to the dataset.
    pub used: usize,
    /// Features not written, by reason.
    pub skipped: BTreeMap<String, usize>,
}

/// What a build did.
#[derive(Debug, Clone, Serialize)]
pub struct BuildSummary {
    /// The GeoPackage written.
    pub out: String,
    /// Features written per contract layer.
    pub layers: BTreeMap<String, usize>,
    /// Per source, in merge order.
    pub sources: Vec<SourceSummary>,
    /// Features dropped as the same object as an earlier source's.
    pub duplicates: Vec<Duplicate>,
    /// What was reported.
    pub issues: Vec<BuildIssue>,
    /// The attribution the dataset carries (OSM's when any OSM feature is in it).
    pub attribution: Option<String>,
}

/// A feature on its way to the dataset, in WGS84.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub layer: String,
    pub attrs: Attributes,
    pub geometry: geo::Geometry<f64>,
    pub source: usize,
    pub entry_line: usize,
    pub assemble: bool,
    pub reference: String,
    /// Every name the source gives it (OSM's name:kk, name:ru, name:en too), to tell
    /// the same object from two sources.
    pub alt_names: Vec<String>,
}

impl Candidate {
    pub fn name(&self) -> Option<&str> {
        self.attrs
            .get("name")
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
    }
}

/// `2026-12-07T22:45:00Z`.
pub(crate) fn rfc3339(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil from days (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
