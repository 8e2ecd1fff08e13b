//! The completeness report stored in a GeoPackage dataset: the aspatial table
//! `aimaq_completeness`, one row a rule, registered in `gpkg_contents` as `attributes`
//! so that GDAL and QGIS list it beside the layers.

use super::{Completeness, RuleCompleteness};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

/// The table's name.
pub const TABLE: &str = "aimaq_completeness";

/// Why the report could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum CompletenessError {
    /// SQLite's error, with the file.
    #[error("{path}: table `{TABLE}`: {source}")]
    Sqlite {
        /// The GeoPackage.
        path: String,
        /// SQLite's words.
        source: rusqlite::Error,
    },
    /// The file is no GeoPackage (it has no `gpkg_contents`).
    #[error("{path} is not a GeoPackage (no `gpkg_contents` table): the completeness report is stored only in a GeoPackage dataset")]
    NotGeoPackage {
        /// The file.
        path: String,
    },
    /// A stored row cannot be read back.
    #[error("{path}: table `{TABLE}`, rule `{rule}`: column `detail` is not a completeness record: {reason}")]
    BadRow {
        /// The GeoPackage.
        path: String,
        /// The row's rule.
        rule: String,
        /// serde's words.
        reason: String,
    },
}

const CREATE: &str = "CREATE TABLE aimaq_completeness (
    fid            INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    rule           TEXT NOT NULL,
    layer          TEXT NOT NULL,
    status         TEXT NOT NULL,
    features       INTEGER NOT NULL,
    measured       INTEGER NOT NULL,
    with_caveat    INTEGER NOT NULL,
    not_checked    INTEGER NOT NULL,
    not_applicable INTEGER NOT NULL,
    missing        TEXT,
    consequences   TEXT,
    notes          TEXT,
    dataset        TEXT NOT NULL,
    catalog        TEXT NOT NULL,
    crs            TEXT NOT NULL,
    detail         TEXT NOT NULL
)";

/// Writes `completeness` into the GeoPackage open on `conn` as the table
/// [`TABLE`], replacing the one there (and only that table), in one transaction. The
/// dataset builder calls it on the GeoPackage it builds, before it moves it into place.
///
/// ```
/// use aimaq_check::Engine;
/// use aimaq_dataset::completeness::{write_completeness, Completeness};
/// use aimaq_io::dataset::{load, DatasetSource};
/// use aimaq_rules::Catalog;
///
/// let catalog = Catalog::embedded();
/// let utm = aimaq_proj::MetricCrs::new("EPSG:32643").unwrap();
/// let data = load(&catalog, &DatasetSource::Embedded, &utm).unwrap();
/// let c = Completeness::of(&data, &Engine::new(catalog, utm.label(), data.features.clone()));
/// let conn = rusqlite::Connection::open_in_memory().unwrap();
/// conn.execute_batch("CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT,
///     identifier TEXT, description TEXT, last_change TEXT)").unwrap();
/// write_completeness(&conn, &c).unwrap();
/// let rows: i64 = conn.query_row("SELECT count(*) FROM aimaq_completeness", [], |r| r.get(0)).unwrap();
/// assert_eq!(rows as usize, c.rules.len());
/// ```
pub fn write_completeness(conn: &Connection, c: &Completeness) -> Result<(), CompletenessError> {
    let path = conn.path().unwrap_or(":memory:").to_string();
    let err = |source| CompletenessError::Sqlite {
        path: path.clone(),
        source,
    };
    let is_gpkg: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'gpkg_contents'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(err)?;
    if is_gpkg.is_none() {
        return Err(CompletenessError::NotGeoPackage { path });
    }
    let ogr_contents: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'gpkg_ogr_contents'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(err)?;
    let s = &c.summary;
    let description = format!(
        "aimaq completeness of {} for catalog {}: {} rules, {} complete, {} partial, {} not checked",
        c.dataset, c.catalog, s.rules, s.complete, s.partial, s.not_checked
    );
    let write = || -> rusqlite::Result<()> {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch("DROP TABLE IF EXISTS aimaq_completeness")?;
        tx.execute(
            "DELETE FROM gpkg_contents WHERE table_name = ?1",
            params![TABLE],
        )?;
        tx.execute_batch(CREATE)?;
        tx.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change)
             VALUES (?1, 'attributes', ?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            params![TABLE, description],
        )?;
        if ogr_contents.is_some() {
            tx.execute(
                "DELETE FROM gpkg_ogr_contents WHERE table_name = ?1",
                params![TABLE],
            )?;
            tx.execute(
                "INSERT INTO gpkg_ogr_contents (table_name, feature_count) VALUES (?1, ?2)",
                params![TABLE, c.rules.len() as i64],
            )?;
        }
        {
            let mut insert = tx.prepare(
                "INSERT INTO aimaq_completeness (rule, layer, status, features, measured,
                    with_caveat, not_checked, not_applicable, missing, consequences, notes,
                    dataset, catalog, crs, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )?;
            for r in &c.rules {
                let missing: Vec<String> =
                    r.missing.iter().map(|(a, n)| format!("{a} {n}")).collect();
                let consequences: Vec<String> = r
                    .outcomes
                    .iter()
                    .map(|o| format!("{} × {}", o.count, o.consequence))
                    .collect();
                let detail = serde_json::to_string(r).expect("a completeness record serialises");
                insert.execute(params![
                    r.rule,
                    r.layer,
                    r.status.as_str(),
                    r.features as i64,
                    r.measured as i64,
                    r.with_caveat as i64,
                    r.not_checked as i64,
                    r.not_applicable as i64,
                    (!missing.is_empty()).then(|| missing.join("; ")),
                    (!consequences.is_empty()).then(|| consequences.join("\n")),
                    (!r.notes.is_empty()).then(|| r.notes.join("\n")),
                    c.dataset,
                    c.catalog,
                    c.crs,
                    detail,
                ])?;
            }
        }
        tx.commit()
    };
    write().map_err(err)
}

/// As [`write_completeness`], on the GeoPackage at `path` (which must exist).
pub fn write_completeness_at(path: &Path, c: &Completeness) -> Result<(), CompletenessError> {
    let err = |source| CompletenessError::Sqlite {
        path: path.display().to_string(),
        source,
    };
    if !path.is_file() {
        return Err(CompletenessError::NotGeoPackage {
            path: path.display().to_string(),
        });
    }
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(err)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(err)?;
    write_completeness(&conn, c)
}

/// The rules' records stored in the GeoPackage at `path`, in catalog order; `None` when
/// it holds no completeness table.
pub fn read_completeness_at(
    path: &Path,
) -> Result<Option<Vec<RuleCompleteness>>, CompletenessError> {
    let p = path.display().to_string();
    let err = |source| CompletenessError::Sqlite {
        path: p.clone(),
        source,
    };
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(err)?;
    let exists: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?1",
            params![TABLE],
            |r| r.get(0),
        )
        .optional()
        .map_err(err)?;
    if exists.is_none() {
        return Ok(None);
    }
    let mut stmt = conn
        .prepare("SELECT rule, detail FROM aimaq_completeness ORDER BY fid")
        .map_err(err)?;
    let rows: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect())
        .map_err(err)?;
    rows.into_iter()
        .map(|(rule, detail)| {
            serde_json::from_str(&detail).map_err(|e| CompletenessError::BadRow {
                path: p.clone(),
                rule,
                reason: e.to_string(),
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}
