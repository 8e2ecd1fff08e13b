//! Reading a compact GeoPackage report back (`aimaq report-text`, tools that embed
//! aimaq): parcels in input order, each with its findings and their texts, and the
//! report's own metadata. Messages are not stored; readers render them from these fields.

use crate::{Error, Result};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// A finding as the report stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingRow {
    /// Rule id.
    pub rule: String,
    /// The rule's title in the language asked for.
    pub rule_title: Option<String>,
    /// Layer of the feature.
    pub layer: Option<String>,
    /// The feature's id and name.
    pub feature: String,
    /// The feature's name.
    pub feature_name: Option<String>,
    /// `prohibited`, `conditional` or `review`.
    pub severity: String,
    /// The regime for the use.
    pub regime: String,
    /// Minimum distance, m.
    pub distance_m: f64,
    /// The limit that applied, m (0: the area itself).
    pub limit_m: f64,
    /// Encumbered area, m², and share of the parcel.
    pub encumbered_m2: f64,
    /// Share of the parcel.
    pub encumbered_share: f64,
    /// The act and lines behind the width.
    pub citation: Option<String>,
    /// The act and lines behind the regime.
    pub regime_citation: Option<String>,
    /// What makes a conditional use possible.
    pub approval: Option<String>,
}

/// A parcel as the report stores it, with its findings.
#[derive(Debug, Clone, PartialEq)]
pub struct ParcelRow {
    /// The id.
    pub parcel: Option<String>,
    /// The stated use.
    pub use_code: Option<String>,
    /// The verdict.
    pub verdict: String,
    /// Area, m² (none for an error).
    pub area_m2: Option<f64>,
    /// The union of the findings' zones, m², and its share.
    pub encumbered_total: Option<(f64, f64)>,
    /// Why it could not be checked.
    pub error: Option<String>,
    /// What was repaired.
    pub repair: Option<String>,
    /// Its findings, in order.
    pub findings: Vec<FindingRow>,
}

/// A compact report opened for reading.
pub struct CompactReport {
    conn: Connection,
}

impl CompactReport {
    /// Opens `path` read-only; refuses a file that is not an aimaq compact report.
    pub fn open(path: &Path) -> Result<CompactReport> {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| Error::Other(format!("cannot open {}: {e}", path.display())))?;
        let is_report: bool = conn
            .query_row(
                "SELECT count(*) = 3 FROM gpkg_contents WHERE table_name IN ('parcels', 'findings', 'texts')",
                [],
                |r| r.get(0),
            )
            .unwrap_or(false);
        if !is_report {
            return Err(Error::Other(format!(
                "{} is not a compact aimaq report (a GeoPackage written by `aimaq screen` without --verbose-rows)",
                path.display()
            )));
        }
        Ok(CompactReport { conn })
    }

    /// The report's metadata (catalog, digest, dataset, layers, use, as-of, version,
    /// command line, totals), as written.
    pub fn metadata(&self) -> Result<serde_json::Value> {
        let text: String = self
            .conn
            .query_row(
                "SELECT metadata FROM gpkg_metadata WHERE mime_type = 'application/json' ORDER BY id LIMIT 1",
                [],
                |r| r.get(0),
            )
            .map_err(|e| Error::Other(format!("the report has no metadata: {e}")))?;
        serde_json::from_str(&text).map_err(|e| Error::Other(format!("unreadable metadata: {e}")))
    }

    /// Every parcel in input order with its findings, handed to `each` one at a time (a
    /// million-parcel report is never held in memory).
    pub fn for_each_parcel(
        &self,
        lang: aimaq_rules::Lang,
        mut each: impl FnMut(ParcelRow) -> Result<()>,
    ) -> Result<()> {
        let err = |e: rusqlite::Error| Error::Other(format!("cannot read the report: {e}"));
        let mut parcels = self
            .conn
            .prepare(
                "SELECT fid, parcel, use, verdict, area_m2, encumbered_total_m2,
                   encumbered_total_share, error, repair FROM parcels ORDER BY fid",
            )
            .map_err(err)?;
        let mut findings = self
            .conn
            .prepare(&format!(
                "SELECT f.rule, r.title_{lang}, r.layer, f.feature, n.text, f.severity, f.regime,
                   f.distance_m, f.limit_m, f.encumbered_m2, f.encumbered_share, c.text,
                   rc.text, a.text
                 FROM findings f LEFT JOIN rules r ON r.rule = f.rule
                   LEFT JOIN texts n ON n.id = f.feature_name_id
                   LEFT JOIN texts c ON c.id = f.citation_id
                   LEFT JOIN texts rc ON rc.id = f.regime_citation_id
                   LEFT JOIN texts a ON a.id = f.approval_id
                 WHERE f.parcel_fid = ?1 ORDER BY f.fid",
                lang = lang.code()
            ))
            .map_err(err)?;
        let mut rows = parcels.query([]).map_err(err)?;
        while let Some(row) = rows.next().map_err(err)? {
            let fid: i64 = row.get(0).map_err(err)?;
            let total: (Option<f64>, Option<f64>) =
                (row.get(5).map_err(err)?, row.get(6).map_err(err)?);
            let found = findings
                .query_map([fid], |f| {
                    Ok(FindingRow {
                        rule: f.get(0)?,
                        rule_title: f.get(1)?,
                        layer: f.get(2)?,
                        feature: f.get(3)?,
                        feature_name: f.get(4)?,
                        severity: f.get(5)?,
                        regime: f.get(6)?,
                        distance_m: f.get(7)?,
                        limit_m: f.get(8)?,
                        encumbered_m2: f.get(9)?,
                        encumbered_share: f.get(10)?,
                        citation: f.get(11)?,
                        regime_citation: f.get(12)?,
                        approval: f.get(13)?,
                    })
                })
                .map_err(err)?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(err)?;
            each(ParcelRow {
                parcel: row.get(1).map_err(err)?,
                use_code: row.get(2).map_err(err)?,
                verdict: row.get(3).map_err(err)?,
                area_m2: row.get(4).map_err(err)?,
                encumbered_total: match total {
                    (Some(m2), Some(share)) => Some((m2, share)),
                    _ => None,
                },
                error: row.get(7).map_err(err)?,
                repair: row.get(8).map_err(err)?,
                findings: found,
            })?;
        }
        Ok(())
    }
}
