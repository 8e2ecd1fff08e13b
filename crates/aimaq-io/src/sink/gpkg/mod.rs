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
mod schema;

pub use blob::{gpkg_blob, GpkgBlob};

use super::{Encoding, Outcome, ReportSink};
use crate::source::SourceField;
use crate::{Error, Result};
use aimaq_check::Verdict;
use aimaq_rules::{Catalog, Lang, Severity};
use gdal::vector::{FieldValue, OGRFieldType};
use rusqlite::{Connection, ToSql};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

/// Rows per transaction: SQLite commits are the cost, and the file has no journal.
const ROWS_PER_TRANSACTION: usize = 250_000;

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
}

/// The report's styles: QGIS style files kept as data (data/styles), loaded by QGIS as
/// each layer's default.
const STYLES: &[(&str, &str, &str)] = &[
    (
        "parcels",
        "verdict",
        include_str!("../../../../../data/styles/parcels.qml"),
    ),
    (
        "findings_view",
        "severity",
        include_str!("../../../../../data/styles/findings.qml"),
    ),
    (
        "findings",
        "severity",
        include_str!("../../../../../data/styles/findings.qml"),
    ),
];

/// A compact GeoPackage report being written.
pub struct GpkgReport {
    conn: Option<Connection>,
    srs_id: i32,
    spatial_index: bool,
    /// Source fields carried on parcel rows: (attribute index, column name, affinity).
    carried: Vec<(usize, String)>,
    texts: HashMap<String, i64>,
    rows_in_transaction: usize,
    next_parcel: i64,
    next_finding: i64,
    extents: [Option<(f64, f64, f64, f64)>; 2],
    info: ReportInfo,
    summary_json: Option<String>,
}

fn sql_err(context: &str) -> impl FnOnce(rusqlite::Error) -> Error + '_ {
    move |e| Error::Other(format!("{context}: SQLite: {e}"))
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
        let conn = Connection::open(path).map_err(sql_err("cannot create the report"))?;
        // a partial file, renamed only when complete: a crash loses nothing a journal
        // would save, and the journal would double every write
        conn.execute_batch(
            "PRAGMA application_id = 1196444487; PRAGMA user_version = 10300;
             PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;
             PRAGMA cache_size = -65536;",
        )
        .map_err(sql_err("cannot set up the report"))?;
        conn.execute_batch(schema::CORE)
            .map_err(sql_err("cannot create the GeoPackage tables"))?;
        let srs_id = register_srs(&conn, srs_definition)?;

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
        let default_use = catalog.default_use().code.clone();
        conn.execute_batch(&format!(
            "CREATE TABLE parcels (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom MULTIPOLYGON,
               parcel TEXT, use TEXT, verdict TEXT NOT NULL, findings INTEGER NOT NULL,
               prohibited INTEGER NOT NULL, conditional INTEGER NOT NULL, review INTEGER NOT NULL,
               area_m2 REAL, encumbered_total_m2 REAL, encumbered_total_share REAL,
               error TEXT, repair TEXT, source_fid INTEGER{source_defs});
             CREATE TABLE findings (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom MULTIPOLYGON,
               parcel_fid INTEGER NOT NULL REFERENCES parcels(fid), rule TEXT NOT NULL,
               feature TEXT NOT NULL, severity TEXT NOT NULL, regime TEXT NOT NULL,
               distance_m REAL NOT NULL, limit_m REAL NOT NULL, encumbered_m2 REAL NOT NULL,
               encumbered_share REAL NOT NULL, feature_name_id INTEGER REFERENCES texts(id),
               citation_id INTEGER REFERENCES texts(id), regime_citation_id INTEGER REFERENCES texts(id),
               approval_id INTEGER REFERENCES texts(id));
             CREATE INDEX findings_parcel ON findings(parcel_fid);
             INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES
               ('parcels', 'features', 'parcels', 'every input record with its verdict', {srs_id}),
               ('findings', 'features', 'findings', 'one row per finding; geometry only where the zone does not cover the whole parcel', {srs_id}),
               ('findings_view', 'features', 'findings_view', 'findings with their parcel, texts and rule: the readable layer', {srs_id});
             INSERT INTO gpkg_geometry_columns VALUES
               ('parcels', 'geom', 'MULTIPOLYGON', {srs_id}, 0, 0),
               ('findings', 'geom', 'MULTIPOLYGON', {srs_id}, 0, 0),
               ('findings_view', 'geom', 'MULTIPOLYGON', {srs_id}, 0, 0);
             CREATE VIEW findings_view AS SELECT f.fid AS fid, COALESCE(f.geom, p.geom) AS geom,
               p.parcel AS parcel, COALESCE(p.use, '{default_use}') AS use, p.verdict AS verdict,
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
               LEFT JOIN texts a ON a.id = f.approval_id;",
            lang = info.lang,
        ))
        .map_err(sql_err("cannot create the report's layers"))?;
        conn.execute_batch(schema::TEXTS)
            .and_then(|()| conn.execute_batch(schema::RULES))
            .and_then(|()| conn.execute_batch(schema::LAYER_STYLES))
            .map_err(sql_err("cannot create the report's tables"))?;
        if spatial_index {
            conn.execute_batch(&(schema::rtree("parcels") + &schema::rtree("findings")))
                .map_err(sql_err("cannot create the report's spatial indexes"))?;
        }
        write_rules(&conn, catalog)?;
        conn.execute_batch("BEGIN")
            .map_err(sql_err("cannot start writing"))?;
        Ok(GpkgReport {
            conn: Some(conn),
            srs_id,
            spatial_index,
            carried,
            texts: HashMap::new(),
            rows_in_transaction: 0,
            next_parcel: 1,
            next_finding: 1,
            extents: [None, None],
            info,
            summary_json: None,
        })
    }

    /// The id of `text` in `texts`, stored on first sight.
    fn text_id(
        conn: &Connection,
        texts: &mut HashMap<String, i64>,
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
}

/// Registers the report's CRS in `gpkg_spatial_ref_sys`: its EPSG code as srs_id when it
/// has one, WKT 1 as the definition (GeoPackage 1.3 asks for it).
fn register_srs(conn: &Connection, definition: &str) -> Result<i32> {
    let srs = crate::gdal_write::layer_srs(definition)?;
    let wkt = srs
        .to_wkt()
        .map_err(Error::gdal("cannot write the report's CRS as WKT"))?;
    let name = srs.name().unwrap_or_else(|| aimaq_proj::short(definition));
    let (org, code) = match (srs.auth_name(), srs.auth_code()) {
        (Some(a), Ok(c)) => (a, c),
        _ => ("NONE".to_string(), 100_000),
    };
    let srs_id = if org == "EPSG" { code } else { 100_000 };
    let mut rows = vec![(srs_id, name, org, code, wkt)];
    if srs_id != 4326 {
        let wgs = crate::gdal_write::layer_srs("EPSG:4326")?;
        rows.push((
            4326,
            "WGS 84 geodetic".into(),
            "EPSG".into(),
            4326,
            wgs.to_wkt()
                .map_err(Error::gdal("cannot write WGS 84 as WKT"))?,
        ));
    }
    for (id, name, org, code, wkt) in rows {
        conn.execute(
            "INSERT INTO gpkg_spatial_ref_sys VALUES (?1, ?2, ?3, ?4, ?5, NULL)",
            rusqlite::params![name, id, org, code, wkt],
        )
        .map_err(sql_err("cannot register the report's CRS"))?;
    }
    Ok(srs_id)
}

fn write_rules(conn: &Connection, catalog: &Catalog) -> Result<()> {
    let mut insert = conn
        .prepare(
            "INSERT INTO rules (rule, layer, title_en, title_kk, title_ru, width, measured_from,
               citation, regime_at_worst, regime_basis, in_force_from, explain)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )
        .map_err(sql_err("cannot write the rules"))?;
    for rule in catalog.rules() {
        let explain: Option<String> = None;
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

fn grow(extent: &mut Option<(f64, f64, f64, f64)>, e: (f64, f64, f64, f64)) {
    *extent = Some(match *extent {
        None => e,
        Some(x) => (x.0.min(e.0), x.1.max(e.1), x.2.min(e.2), x.3.max(e.3)),
    });
}

impl ReportSink for GpkgReport {
    fn encoding(&self) -> Encoding {
        Encoding::Gpkg {
            srs_id: self.srs_id,
            omit_whole_parcel: true,
        }
    }

    fn write(&mut self, outcomes: &[Outcome]) -> Result<()> {
        let conn = self.conn.as_ref().expect("open until finish");
        let carried_sql: String = self
            .carried
            .iter()
            .map(|(_, n)| format!(", {}", quote(n)))
            .collect();
        let placeholders: String = (0..self.carried.len())
            .map(|i| format!(", ?{}", 16 + i))
            .collect();
        let mut parcel = conn
            .prepare_cached(&format!(
                "INSERT INTO parcels (fid, geom, parcel, use, verdict, findings, prohibited, conditional,
                   review, area_m2, encumbered_total_m2, encumbered_total_share, error, repair,
                   source_fid{carried_sql})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15{placeholders})"
            ))
            .map_err(sql_err("cannot write parcels"))?;
        let mut finding = conn
            .prepare_cached(
                "INSERT INTO findings (fid, geom, parcel_fid, rule, feature, severity, regime,
                   distance_m, limit_m, encumbered_m2, encumbered_share, feature_name_id,
                   citation_id, regime_citation_id, approval_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )
            .map_err(sql_err("cannot write findings"))?;
        let mut rtree = if self.spatial_index {
            Some([
                conn.prepare_cached("INSERT INTO rtree_parcels_geom VALUES (?1, ?2, ?3, ?4, ?5)")
                    .map_err(sql_err("cannot index parcels"))?,
                conn.prepare_cached("INSERT INTO rtree_findings_geom VALUES (?1, ?2, ?3, ?4, ?5)")
                    .map_err(sql_err("cannot index findings"))?,
            ])
        } else {
            None
        };
        let round = |v: f64, scale: f64| (v * scale).round() / scale;
        let mut rows = 0;
        for o in outcomes {
            let r = &o.report;
            let blobs = o.gpkg.as_ref();
            let fid = self.next_parcel;
            self.next_parcel += 1;
            let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count() as i64;
            let (total_m2, total_share) = match &r.encumbrance {
                Some(e) => (
                    Some(round(e.total.m2, 1e3)),
                    Some(round(e.total.share, 1e6)),
                ),
                None => (None, None),
            };
            let parcel_blob = blobs.and_then(|b| b.parcel.as_ref());
            let mut params: Vec<Box<dyn ToSql>> = vec![
                Box::new(fid),
                Box::new(parcel_blob.map(|b| b.bytes.as_slice())),
                Box::new(r.id.as_str()),
                Box::new(r.proposed_use.as_deref()),
                Box::new(r.verdict.as_str()),
                Box::new(r.findings.len() as i64),
                Box::new(count(Severity::Prohibited)),
                Box::new(count(Severity::Conditional)),
                Box::new(count(Severity::Review)),
                Box::new((r.verdict != Verdict::Error).then(|| round(r.area_m2, 1e3))),
                Box::new(total_m2),
                Box::new(total_share),
                Box::new(r.error.as_deref()),
                Box::new(o.repair.as_deref()),
                Box::new(o.fid.map(|f| f as i64)),
            ];
            for (i, _) in &self.carried {
                params.push(Box::new(
                    o.attributes
                        .get(*i)
                        .and_then(|v| v.as_ref())
                        .map(source_value),
                ));
            }
            parcel
                .execute(rusqlite::params_from_iter(params.iter()))
                .map_err(sql_err("cannot write a parcel"))?;
            if let (Some(b), Some(rt)) = (parcel_blob, rtree.as_mut()) {
                let (x0, x1, y0, y1) = b.envelope;
                rt[0]
                    .execute(rusqlite::params![fid, x0, x1, y0, y1])
                    .map_err(sql_err("cannot index a parcel"))?;
            }
            if let Some(b) = parcel_blob {
                grow(&mut self.extents[0], b.envelope);
            }
            rows += 1;
            for (k, f) in r.findings.iter().enumerate() {
                let ffid = self.next_finding;
                self.next_finding += 1;
                let blob = blobs
                    .and_then(|b| b.findings.get(k))
                    .and_then(|b| b.as_ref());
                let name = Self::text_id(conn, &mut self.texts, f.feature_name.as_deref())?;
                let citation = Self::text_id(conn, &mut self.texts, Some(&f.citation))?;
                let regime_citation =
                    Self::text_id(conn, &mut self.texts, Some(&f.regime_citation))?;
                let approval = Self::text_id(conn, &mut self.texts, f.approval.as_deref())?;
                finding
                    .execute(rusqlite::params![
                        ffid,
                        blob.map(|b| b.bytes.as_slice()),
                        fid,
                        f.rule,
                        f.feature,
                        f.severity.as_str(),
                        f.regime.as_str(),
                        round(f.distance_m, 1e3),
                        round(f.limit_m, 1e3),
                        round(f.encumbered_m2, 1e3),
                        round(f.encumbered_share, 1e6),
                        name,
                        citation,
                        regime_citation,
                        approval,
                    ])
                    .map_err(sql_err("cannot write a finding"))?;
                // a whole-parcel finding is drawn by the view with its parcel's geometry
                let envelope = blob.map(|b| b.envelope).or(parcel_blob.map(|b| b.envelope));
                if let (Some(b), Some(rt)) = (blob, rtree.as_mut()) {
                    let (x0, x1, y0, y1) = b.envelope;
                    rt[1]
                        .execute(rusqlite::params![ffid, x0, x1, y0, y1])
                        .map_err(sql_err("cannot index a finding"))?;
                }
                if let Some(e) = envelope {
                    grow(&mut self.extents[1], e);
                }
                rows += 1;
            }
        }
        self.rows_in_transaction += rows;
        if self.rows_in_transaction >= ROWS_PER_TRANSACTION {
            conn.execute_batch("COMMIT; BEGIN")
                .map_err(sql_err("cannot commit rows"))?;
            self.rows_in_transaction = 0;
        }
        Ok(())
    }

    fn totals(&mut self, totals: &crate::pipeline::Totals) {
        self.summary_json = serde_json::to_string(totals).ok();
    }

    fn finish(&mut self) -> Result<()> {
        let Some(conn) = self.conn.take() else {
            return Ok(());
        };
        for (table, extent) in [
            ("parcels", self.extents[0]),
            ("findings", self.extents[1]),
            ("findings_view", self.extents[1]),
        ] {
            if let Some((x0, x1, y0, y1)) = extent {
                conn.execute(
                    "UPDATE gpkg_contents SET min_x = ?1, max_x = ?2, min_y = ?3, max_y = ?4 WHERE table_name = ?5",
                    rusqlite::params![x0, x1, y0, y1, table],
                )
                .map_err(sql_err("cannot record extents"))?;
            }
        }
        let mut styles = conn
            .prepare(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name,
                   f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, ui)
                 VALUES ('', '', ?1, 'geom', ?2, ?3, '', 1, ?4, 'aimaq', NULL)",
            )
            .map_err(sql_err("cannot write the styles"))?;
        for (table, by, qml) in STYLES {
            styles
                .execute(rusqlite::params![
                    table,
                    format!("aimaq by {by}"),
                    qml,
                    format!("aimaq: {table} by {by}")
                ])
                .map_err(sql_err("cannot write the styles"))?;
        }
        drop(styles);
        let mut doc = serde_json::to_value(&self.info).expect("report info serialises");
        if let Some(summary) = &self.summary_json {
            doc["summary"] = serde_json::from_str(summary).unwrap_or_default();
        }
        conn.execute(
            "INSERT INTO gpkg_metadata (id, md_scope, md_standard_uri, mime_type, metadata)
             VALUES (1, 'dataset', 'https://example.invalid/aimaq/report', 'application/json', ?1)",
            [doc.to_string()],
        )
        .and_then(|_| {
            conn.execute(
                "INSERT INTO gpkg_metadata_reference (reference_scope, md_file_id) VALUES ('geopackage', 1)",
                [],
            )
        })
        .map_err(sql_err("cannot write the metadata"))?;
        // GDAL's own metadata record per layer: what `ogrinfo` and QGIS's layer
        // properties show, without opening the JSON
        let items: String = [
            ("AIMAQ_CATALOG", self.info.catalog.clone()),
            ("AIMAQ_CATALOG_DIGEST", self.info.catalog_digest.clone()),
            ("AIMAQ_DATASET", self.info.dataset.clone()),
            ("AIMAQ_LAYERS_CHECKED", self.info.layers.join(", ")),
            ("AIMAQ_MEASURED_IN", self.info.measured_in.clone()),
            (
                "AIMAQ_AS_OF",
                self.info
                    .as_of
                    .clone()
                    .unwrap_or_else(|| "all rules".into()),
            ),
            ("AIMAQ_VERSION", self.info.aimaq_version.clone()),
            ("AIMAQ_COMMAND", self.info.command_line.clone()),
            ("AIMAQ_PARCELS", self.info.parcels.clone()),
            ("AIMAQ_IDS", self.info.id_source.clone()),
        ]
        .iter()
        .map(|(k, v)| format!("<MDI key=\"{k}\">{}</MDI>", xml_escape(v)))
        .collect();
        let gdal_md = format!(
            "<GDALMultiDomainMetadata><Metadata>{items}</Metadata></GDALMultiDomainMetadata>"
        );
        for (id, table) in [(2, "parcels"), (3, "findings"), (4, "findings_view")] {
            conn.execute(
                "INSERT INTO gpkg_metadata (id, md_scope, md_standard_uri, mime_type, metadata)
                 VALUES (?1, 'dataset', 'http://gdal.org', 'text/xml', ?2)",
                rusqlite::params![id, gdal_md],
            )
            .and_then(|_| {
                conn.execute(
                    "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, md_file_id) VALUES ('table', ?1, ?2)",
                    rusqlite::params![table, id],
                )
            })
            .map_err(sql_err("cannot write the layer metadata"))?;
        }
        if self.spatial_index {
            conn.execute_batch(
                &(schema::rtree_triggers("parcels") + &schema::rtree_triggers("findings")),
            )
            .map_err(sql_err("cannot create the spatial index triggers"))?;
        }
        conn.execute_batch("COMMIT; PRAGMA journal_mode = DELETE;")
            .map_err(sql_err("cannot complete the report"))?;
        conn.close()
            .map_err(|(_, e)| Error::Other(format!("cannot close the report: SQLite: {e}")))?;
        Ok(())
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
