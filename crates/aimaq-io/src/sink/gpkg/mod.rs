//! The compact, self-describing GeoPackage report, written straight through SQLite.
//!
//! - `parcels`: one row per input record (id, use, verdict, counts by severity, the union
//!   encumbrance, error, repair, the input's own fields), with its R-tree;
//! - `findings`: one row per finding (rule, feature, distance, limit, encumbered m² and
//!   share, severity and regime, and the ids of its citation, regime citation, approval
//!   and feature name in `texts`), its geometry only where the zone does not cover the
//!   whole parcel, with its R-tree;
//! - `findings_view`: the findings joined to their parcel, texts and rule, the parcel's
//!   geometry standing in for whole-parcel findings: what a GIS user opens;
//! - `rules` and `texts`: attribute tables; `layer_styles`: QGIS's default styles;
//!   `gpkg_metadata`: catalog, digest, dataset, use, as-of, version, command line and the
//!   summary, as JSON and as GDAL metadata items each layer shows.
//!
//! Messages are not stored per row: they repeat for hundreds of thousands of rows and are
//! rendered from the fields on demand (`aimaq report-text`). GDAL 3.6 writes a GeoPackage
//! row in about 7 µs with its R-tree; here rows are bound to prepared statements, blobs
//! are encoded on the checking threads, and the file is a partial one until renamed, so
//! SQLite needs no journal.

mod blob;
mod rtree;
mod schema;
mod sql;
mod writer;

pub use blob::{gpkg_blob, GpkgBlob};
pub(crate) use writer::GeoPackage;

use super::{Encoding, Outcome, ReportSink};
use crate::source::SourceField;
use crate::{Error, Result};
use aimaq_check::Verdict;
use aimaq_rules::{Catalog, Lang, Severity};
use gdal::vector::{FieldValue, OGRFieldType};
use serde::Serialize;
use sql::{sql_err, Envelope};
use std::collections::HashMap;
use std::path::Path;

/// The ids of the texts stored so far. Four lookups a finding, among a few hundred
/// distinct texts: hashed by their length and a few words of each (SipHash over every byte
/// was 2 % of a million-parcel run); equal hashes are told apart by comparing.
type Texts = HashMap<String, i64, std::hash::BuildHasherDefault<TextHasher>>;

/// See [`Texts`].
#[derive(Default)]
struct TextHasher(u64);

impl std::hash::Hasher for TextHasher {
    fn write(&mut self, bytes: &[u8]) {
        let n = bytes.len();
        let mut h = self.0 ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut mix = |chunk: &[u8]| {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            h = (h ^ u64::from_le_bytes(w))
                .wrapping_mul(0x0100_0000_01B3)
                .rotate_left(29);
        };
        if n <= 48 {
            bytes.chunks(8).for_each(&mut mix);
        } else {
            for part in [&bytes[..16], &bytes[n / 2 - 8..n / 2 + 8], &bytes[n - 16..]] {
                part.chunks(8).for_each(&mut mix);
            }
        }
        self.0 = h;
    }

    fn finish(&self) -> u64 {
        (self.0 ^ (self.0 >> 31)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}

/// What the report says about itself, in `gpkg_metadata` and on each layer.
#[derive(Debug, Clone, Serialize)]
pub struct ReportInfo {
    /// aimaq's version.
    pub aimaq_version: String,
    /// The catalog's id.
    pub catalog: String,
    /// SHA-256 of the catalog's TOML, `sha256:…`.
    pub catalog_digest: String,
    /// The constraint dataset.
    pub dataset: String,
    /// Its contract layers: what a `clear` verdict was checked against.
    pub layers: Vec<String>,
    /// The CRS distances were measured in.
    pub measured_in: String,
    /// Rules in force on this date only, when given.
    pub as_of: Option<String>,
    /// The language of the rendered texts.
    pub lang: String,
    /// How the report was asked for.
    pub command_line: String,
    /// The parcels file and layer.
    pub parcels: String,
    /// The field ids came from, or how ids were made.
    pub id_source: String,
    /// The credit the dataset's licence requires (OpenStreetMap: ODbL 1.0), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
}

impl ReportInfo {
    /// The facts as GDAL metadata items.
    fn items(&self) -> Vec<(&'static str, String)> {
        let mut items = vec![
            ("AIMAQ_CATALOG", self.catalog.clone()),
            ("AIMAQ_CATALOG_DIGEST", self.catalog_digest.clone()),
            ("AIMAQ_DATASET", self.dataset.clone()),
            ("AIMAQ_LAYERS_CHECKED", self.layers.join(", ")),
            ("AIMAQ_MEASURED_IN", self.measured_in.clone()),
            (
                "AIMAQ_AS_OF",
                self.as_of.clone().unwrap_or_else(|| "all rules".into()),
            ),
            ("AIMAQ_VERSION", self.aimaq_version.clone()),
            ("AIMAQ_COMMAND", self.command_line.clone()),
            ("AIMAQ_PARCELS", self.parcels.clone()),
            ("AIMAQ_IDS", self.id_source.clone()),
        ];
        if let Some(credit) = &self.attribution {
            items.push(("AIMAQ_DATA_ATTRIBUTION", credit.clone()));
        }
        items
    }
}

/// QGIS styles kept as data (data/styles, made with PyQGIS by make_styles.py).
pub(crate) const PARCELS_QML: &str = include_str!("../../../../../data/styles/parcels.qml");
pub(crate) const FINDINGS_QML: &str = include_str!("../../../../../data/styles/findings.qml");
/// The `findings` table's: it stores what `findings_view` draws, so it draws nothing and
/// has no legend (a report opened whole shows its findings once).
pub(crate) const FINDINGS_TABLE_QML: &str =
    include_str!("../../../../../data/styles/findings_table.qml");

/// A compact GeoPackage report being written.
pub struct GpkgReport {
    gpkg: Option<GeoPackage>,
    /// Source fields carried on parcel rows: (attribute index, column name).
    carried: Vec<(usize, String)>,
    texts: Texts,
    next_parcel: i64,
    next_finding: i64,
    info: ReportInfo,
    totals: Option<serde_json::Value>,
}

/// The SQL type of a carried source field, as GDAL declares it in a GeoPackage.
fn sql_type(kind: OGRFieldType::Type) -> &'static str {
    match kind {
        OGRFieldType::OFTInteger | OGRFieldType::OFTInteger64 => "INTEGER",
        OGRFieldType::OFTReal => "REAL",
        OGRFieldType::OFTDate => "DATE",
        OGRFieldType::OFTDateTime => "DATETIME",
        _ => "TEXT",
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl GpkgReport {
    /// Creates the report at `path` (which must not exist: a partial file), in the CRS
    /// `srs_definition`, carrying `source_fields` on parcel rows except those in `skip`
    /// (the id and use fields, already the `parcel` and `use` columns).
    pub fn create(
        path: &Path,
        srs_definition: &str,
        source_fields: &[SourceField],
        skip: &[&str],
        catalog: &Catalog,
        info: ReportInfo,
        spatial_index: bool,
    ) -> Result<GpkgReport> {
        let mut gpkg = GeoPackage::create(path, srs_definition)?;
        let ours = [
            "fid",
            "geom",
            "parcel",
            "use",
            "verdict",
            "findings",
            "prohibited",
            "conditional",
            "review",
            "area_m2",
            "encumbered_total_m2",
            "encumbered_total_share",
            "error",
            "repair",
            "source_fid",
        ];
        let mut carried = Vec::new();
        let mut source_defs = String::new();
        for (i, f) in source_fields.iter().enumerate() {
            if skip.iter().any(|s| s.eq_ignore_ascii_case(&f.name)) {
                continue;
            }
            let name = if ours.iter().any(|o| o.eq_ignore_ascii_case(&f.name)) {
                format!("src_{}", f.name)
            } else {
                f.name.clone()
            };
            source_defs.push_str(&format!(", {} {}", quote(&name), sql_type(f.kind)));
            carried.push((i, name));
        }
        gpkg.attribute_table(
            "texts",
            "id INTEGER PRIMARY KEY, text TEXT NOT NULL",
            "citations, approvals and names, each stored once; findings refer to them by id",
        )?;
        gpkg.attribute_table(
            "rules",
            "fid INTEGER PRIMARY KEY AUTOINCREMENT, rule TEXT NOT NULL UNIQUE, layer TEXT NOT NULL,
             title_en TEXT, title_kk TEXT, title_ru TEXT, width TEXT, measured_from TEXT,
             citation TEXT, regime_at_worst TEXT, regime_basis TEXT, in_force_from TEXT, explain TEXT",
            "the regulation catalog's rules: titles in kk/ru/en, widths, citations",
        )?;
        gpkg.feature_table(
            "parcels",
            "MULTIPOLYGON",
            &format!(
                ", parcel TEXT, use TEXT, verdict TEXT NOT NULL, findings INTEGER NOT NULL,
                 prohibited INTEGER NOT NULL, conditional INTEGER NOT NULL, review INTEGER NOT NULL,
                 area_m2 REAL, encumbered_total_m2 REAL, encumbered_total_share REAL,
                 error TEXT, repair TEXT, source_fid INTEGER{source_defs}"
            ),
            "every input record with its verdict",
            spatial_index,
        )?;
        gpkg.feature_table(
            "findings",
            "MULTIPOLYGON",
            ", parcel_fid INTEGER NOT NULL REFERENCES parcels(fid), rule TEXT NOT NULL,
               feature TEXT NOT NULL, severity TEXT NOT NULL, regime TEXT NOT NULL,
               distance_m REAL NOT NULL, limit_m REAL NOT NULL, encumbered_m2 REAL NOT NULL,
               encumbered_share REAL NOT NULL, feature_name_id INTEGER REFERENCES texts(id),
               citation_id INTEGER REFERENCES texts(id), regime_citation_id INTEGER REFERENCES texts(id),
               approval_id INTEGER REFERENCES texts(id)",
            "one row per finding; geometry only where the zone does not cover the whole parcel",
            spatial_index,
        )?;
        gpkg.conn()
            .execute_batch("CREATE INDEX findings_parcel ON findings(parcel_fid);")
            .map_err(sql_err("cannot index findings by parcel"))?;
        let default_use = catalog.default_use().code.clone();
        let whole_use = format!("COALESCE(p.use, '{default_use}')");
        // Two halves in fid order, merged without a sort: the findings with their own
        // geometry, and those standing for the whole parcel with the parcel's. A view's
        // column takes its declared type from the first SELECT, and only from a plain
        // column (`COALESCE(f.geom, p.geom)` has none), while GeoPackage readers want every
        // column typed: so a first SELECT of plain columns that yields no row leads.
        let half = |geom: &str, use_: &str, which: &str| {
            format!(
                "SELECT f.fid AS fid, {geom} AS geom,
                   p.parcel AS parcel, {use_} AS use, p.verdict AS verdict,
                   f.rule AS rule, r.layer AS layer, f.feature AS feature, n.text AS feature_name,
                   f.severity AS severity, f.distance_m AS distance_m, f.limit_m AS limit_m,
                   f.encumbered_m2 AS encumbered_m2, f.encumbered_share AS encumbered_share,
                   c.text AS citation, f.regime AS regime, a.text AS approval,
                   rc.text AS regime_citation, r.title_{lang} AS rule_title, p.repair AS repair
                 FROM findings f JOIN parcels p ON p.fid = f.parcel_fid
                   LEFT JOIN rules r ON r.rule = f.rule
                   LEFT JOIN texts n ON n.id = f.feature_name_id
                   LEFT JOIN texts c ON c.id = f.citation_id
                   LEFT JOIN texts rc ON rc.id = f.regime_citation_id
                   LEFT JOIN texts a ON a.id = f.approval_id
                 WHERE {which}",
                lang = info.lang,
            )
        };
        gpkg.feature_view(
            "findings_view",
            "MULTIPOLYGON",
            &format!(
                "{} UNION ALL {} UNION ALL {} ORDER BY fid",
                half("f.geom", "p.use", "0"),
                half("f.geom", &whole_use, "f.geom IS NOT NULL"),
                half("p.geom", &whole_use, "f.geom IS NULL")
            ),
            "findings with their parcel, texts and rule: the readable layer",
        )?;
        let lang: Lang = info
            .lang
            .parse()
            .map_err(|_| Error::Other(format!("unknown report language `{}`", info.lang)))?;
        write_rules(&gpkg, catalog, lang)?;
        gpkg.begin()?;
        Ok(GpkgReport {
            gpkg: Some(gpkg),
            carried,
            texts: Texts::default(),
            next_parcel: 1,
            next_finding: 1,
            info,
            totals: None,
        })
    }
}

/// The id of `text` in `texts`, stored on first sight.
fn text_id(
    conn: &rusqlite::Connection,
    texts: &mut Texts,
    text: Option<&str>,
) -> Result<Option<i64>> {
    let Some(text) = text else { return Ok(None) };
    if let Some(id) = texts.get(text) {
        return Ok(Some(*id));
    }
    let id = texts.len() as i64 + 1;
    conn.prepare_cached("INSERT INTO texts (id, text) VALUES (?1, ?2)")
        .and_then(|mut s| s.execute(rusqlite::params![id, text]))
        .map_err(sql_err("cannot write a text"))?;
    texts.insert(text.to_string(), id);
    Ok(Some(id))
}

/// The catalog's rules, each with its `aimaq explain` text in the report's language.
fn write_rules(gpkg: &GeoPackage, catalog: &Catalog, lang: Lang) -> Result<()> {
    let mut insert = gpkg
        .conn()
        .prepare(
            "INSERT INTO rules (rule, layer, title_en, title_kk, title_ru, width, measured_from,
               citation, regime_at_worst, regime_basis, in_force_from, explain)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )
        .map_err(sql_err("cannot write the rules"))?;
    for rule in catalog.rules() {
        let explain = aimaq_rules::explain(catalog, rule.id(), lang).ok();
        insert
            .execute(rusqlite::params![
                rule.id(),
                rule.layer(),
                rule.title_in(Lang::En),
                rule.title_in(Lang::Kk),
                rule.title_in(Lang::Ru),
                rule.width().describe(),
                rule.measured_from(),
                rule.citation().to_string(),
                rule.severity().as_str(),
                rule.severity_basis(),
                rule.in_force().from.to_string(),
                explain,
            ])
            .map_err(sql_err("cannot write the rules"))?;
    }
    Ok(())
}

/// A source field's value as SQLite holds it.
fn source_value(v: &FieldValue) -> rusqlite::types::Value {
    use rusqlite::types::Value;
    match v {
        FieldValue::IntegerValue(i) => Value::Integer(i64::from(*i)),
        FieldValue::Integer64Value(i) => Value::Integer(*i),
        FieldValue::RealValue(r) => Value::Real(*r),
        FieldValue::StringValue(s) => Value::Text(s.clone()),
        other => Value::Text(crate::ogr::field_text(Some(other.clone())).unwrap_or_default()),
    }
}

fn round(v: f64, scale: f64) -> f64 {
    (v * scale).round() / scale
}

impl ReportSink for GpkgReport {
    fn encoding(&self) -> Encoding {
        Encoding::Gpkg {
            srs_id: self.gpkg.as_ref().map_or(0, |g| g.srs_id),
            omit_whole_parcel: true,
        }
    }

    fn write(&mut self, outcomes: &[Outcome]) -> Result<()> {
        let gpkg = self.gpkg.as_mut().expect("open until finish");
        let carried_sql: String = self
            .carried
            .iter()
            .map(|(_, n)| format!(", {}", quote(n)))
            .collect();
        let placeholders: String = (0..self.carried.len())
            .map(|i| format!(", ?{}", 16 + i))
            .collect();
        let parcel_sql = format!(
            "INSERT INTO parcels (fid, geom, parcel, use, verdict, findings, prohibited, conditional,
               review, area_m2, encumbered_total_m2, encumbered_total_share, error, repair,
               source_fid{carried_sql})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15{placeholders})"
        );
        const FINDING_SQL: &str = "INSERT INTO findings (fid, geom, parcel_fid, rule, feature,
               severity, regime, distance_m, limit_m, encumbered_m2, encumbered_share,
               feature_name_id, citation_id, regime_citation_id, approval_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
        // rows' envelopes, recorded once the statements (which borrow the connection) are
        // done with: (index it, table, fid, envelope)
        let mut envelopes: Vec<(bool, &str, i64, Envelope)> =
            Vec::with_capacity(outcomes.len() * 3);
        let mut rows = 0;
        {
            let conn = gpkg.conn();
            // prepared once a chunk: a cached statement is looked up by its SQL's hash
            let mut parcel = conn
                .prepare_cached(&parcel_sql)
                .map_err(sql_err("cannot write parcels"))?;
            let mut finding = conn
                .prepare_cached(FINDING_SQL)
                .map_err(sql_err("cannot write findings"))?;
            for o in outcomes {
                let r = &o.report;
                let blobs = o.gpkg.as_ref();
                let fid = self.next_parcel;
                self.next_parcel += 1;
                let count =
                    |s: Severity| r.findings.iter().filter(|f| f.severity == s).count() as i64;
                let (total_m2, total_share) = match &r.encumbrance {
                    Some(e) => (
                        Some(round(e.total.m2, 1e3)),
                        Some(round(e.total.share, 1e6)),
                    ),
                    None => (None, None),
                };
                let parcel_blob = blobs.and_then(|b| b.parcel.as_ref());
                {
                    let mut bind = |i: usize, v: &dyn rusqlite::ToSql| {
                        parcel
                            .raw_bind_parameter(i, v)
                            .map_err(sql_err("cannot write a parcel"))
                    };
                    bind(1, &fid)?;
                    bind(2, &parcel_blob.map(|b| b.bytes.as_slice()))?;
                    bind(3, &r.id)?;
                    bind(4, &r.proposed_use)?;
                    bind(5, &r.verdict.as_str())?;
                    bind(6, &(r.findings.len() as i64))?;
                    bind(7, &count(Severity::Prohibited))?;
                    bind(8, &count(Severity::Conditional))?;
                    bind(9, &count(Severity::Review))?;
                    bind(
                        10,
                        &(r.verdict != Verdict::Error).then(|| round(r.area_m2, 1e3)),
                    )?;
                    bind(11, &total_m2)?;
                    bind(12, &total_share)?;
                    bind(13, &r.error)?;
                    bind(14, &o.repair)?;
                    bind(15, &o.fid.map(|f| f as i64))?;
                    for (k, (i, _)) in self.carried.iter().enumerate() {
                        let v = o
                            .attributes
                            .get(*i)
                            .and_then(|v| v.as_ref())
                            .map(source_value);
                        bind(16 + k, &v)?;
                    }
                }
                parcel
                    .raw_execute()
                    .map_err(sql_err("cannot write a parcel"))?;
                let parcel_envelope = parcel_blob.and_then(|b| b.envelope);
                if let Some(e) = parcel_envelope {
                    envelopes.push((true, "parcels", fid, e));
                }
                rows += 1;
                for (k, f) in r.findings.iter().enumerate() {
                    let ffid = self.next_finding;
                    self.next_finding += 1;
                    let blob = blobs
                        .and_then(|b| b.findings.get(k))
                        .and_then(|b| b.as_ref());
                    let texts = &mut self.texts;
                    let name = text_id(conn, texts, f.feature_name.as_deref())?;
                    let citation = text_id(conn, texts, Some(&f.citation))?;
                    let regime_citation = text_id(conn, texts, Some(&f.regime_citation))?;
                    let approval = text_id(conn, texts, f.approval.as_deref())?;
                    let values: [&dyn rusqlite::ToSql; 15] = [
                        &ffid,
                        &blob.map(|b| b.bytes.as_slice()),
                        &fid,
                        &f.rule,
                        &f.feature,
                        &f.severity.as_str(),
                        &f.regime.as_str(),
                        &round(f.distance_m, 1e3),
                        &round(f.limit_m, 1e3),
                        &round(f.encumbered_m2, 1e3),
                        &round(f.encumbered_share, 1e6),
                        &name,
                        &citation,
                        &regime_citation,
                        &approval,
                    ];
                    for (i, v) in values.into_iter().enumerate() {
                        finding
                            .raw_bind_parameter(i + 1, v)
                            .map_err(sql_err("cannot write a finding"))?;
                    }
                    finding
                        .raw_execute()
                        .map_err(sql_err("cannot write a finding"))?;
                    match (blob, parcel_envelope) {
                        (Some(b), _) => {
                            if let Some(e) = b.envelope {
                                envelopes.push((true, "findings", ffid, e));
                            }
                        }
                        // a whole-parcel finding is drawn by the view with its parcel's geometry
                        (None, Some(p)) => envelopes.push((false, "findings", ffid, p)),
                        (None, None) => {}
                    }
                    rows += 1;
                }
            }
        }
        for (indexed, table, fid, e) in envelopes {
            if indexed {
                gpkg.index(table, fid, Some(e))?;
            } else {
                gpkg.grow(table, e);
            }
        }
        gpkg.rows(rows)
    }

    fn totals(&mut self, totals: &crate::sink::Totals) {
        self.totals = serde_json::to_value(totals).ok();
    }

    fn finish(&mut self) -> Result<()> {
        let Some(mut gpkg) = self.gpkg.take() else {
            return Ok(());
        };
        if let Some(e) = gpkg.extent("findings") {
            gpkg.grow("findings_view", e);
        }
        for (table, qml, name) in [
            ("parcels", PARCELS_QML, "aimaq: parcels by verdict"),
            ("findings_view", FINDINGS_QML, "aimaq: findings by severity"),
            (
                "findings",
                FINDINGS_TABLE_QML,
                "aimaq: findings, stored (drawn by findings_view)",
            ),
        ] {
            gpkg.style(table, name, qml)?;
        }
        let mut doc = serde_json::to_value(&self.info).expect("report info serialises");
        if let Some(totals) = &self.totals {
            doc["totals"] = totals.clone();
        }
        gpkg.metadata(
            "https://example.invalid/aimaq/report",
            &doc,
            &self.info.items(),
            &["parcels", "findings", "findings_view"],
        )?;
        gpkg.finish()
    }
}
