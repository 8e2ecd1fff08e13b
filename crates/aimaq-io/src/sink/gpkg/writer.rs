//! A GeoPackage written straight through SQLite: the core tables, feature and attribute
//! tables, R-trees, QGIS default styles and metadata. The report and the zones export
//! are both made with it.

use super::sql::{sql_err, Envelope};
use super::{rtree, schema};
use crate::{Error, Result};
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::path::Path;

/// A GeoPackage being written.
pub(crate) struct GeoPackage {
    conn: Connection,
    pub(crate) srs_id: i32,
    extents: BTreeMap<String, Envelope>,
    /// Each R-tree's rows, kept until [`GeoPackage::finish`] packs them.
    rtrees: Vec<(String, Vec<rtree::Entry>)>,
    rows_in_transaction: usize,
}

/// Rows per transaction: SQLite commits are the cost, and the file has no journal.
const ROWS_PER_TRANSACTION: usize = 250_000;

impl GeoPackage {
    /// A new GeoPackage at `path` (a partial file that must not exist) whose geometries
    /// are in the CRS `srs_definition`.
    pub(crate) fn create(path: &Path, srs_definition: &str) -> Result<GeoPackage> {
        let conn = Connection::open(path).map_err(sql_err("cannot create the GeoPackage"))?;
        // a partial file, renamed only when complete: a crash loses nothing a journal
        // would save, and the journal would double every write
        conn.execute_batch(
            "PRAGMA application_id = 1196444487; PRAGMA user_version = 10300;
             PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;
             PRAGMA cache_size = -65536;",
        )
        .map_err(sql_err("cannot set up the GeoPackage"))?;
        conn.execute_batch(schema::CORE)
            .and_then(|()| conn.execute_batch(schema::LAYER_STYLES))
            .map_err(sql_err("cannot create the GeoPackage tables"))?;
        let srs_id = register_srs(&conn, srs_definition)?;
        Ok(GeoPackage {
            conn,
            srs_id,
            extents: BTreeMap::new(),
            rtrees: Vec::new(),
            rows_in_transaction: 0,
        })
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// A feature table `name` with geometry column `geom` of one type
    /// (`MULTIPOLYGON`, `MULTILINESTRING`, …) and the given columns (SQL after the
    /// geometry), registered, with an R-tree if asked.
    pub(crate) fn feature_table(
        &mut self,
        name: &str,
        geometry_type: &str,
        columns: &str,
        description: &str,
        rtree: bool,
    ) -> Result<()> {
        let srs = self.srs_id;
        self.conn
            .execute_batch(&format!(
                "CREATE TABLE {name} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom {geometry_type}{columns});
                 INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
                   VALUES ('{name}', 'features', '{name}', '{}', {srs});
                 INSERT INTO gpkg_geometry_columns VALUES ('{name}', 'geom', '{geometry_type}', {srs}, 0, 0);",
                description.replace('\'', "''")
            ))
            .map_err(sql_err("cannot create a layer"))?;
        if rtree {
            self.conn
                .execute_batch(&schema::rtree(name))
                .map_err(sql_err("cannot create a spatial index"))?;
            self.rtrees.push((name.to_string(), Vec::new()));
        }
        Ok(())
    }

    /// A view registered as a feature layer: QGIS and GDAL open it like a table.
    pub(crate) fn feature_view(
        &self,
        name: &str,
        geometry_type: &str,
        select: &str,
        description: &str,
    ) -> Result<()> {
        let srs = self.srs_id;
        self.conn
            .execute_batch(&format!(
                "CREATE VIEW {name} AS {select};
                 INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
                   VALUES ('{name}', 'features', '{name}', '{}', {srs});
                 INSERT INTO gpkg_geometry_columns VALUES ('{name}', 'geom', '{geometry_type}', {srs}, 0, 0);",
                description.replace('\'', "''")
            ))
            .map_err(sql_err("cannot create a view"))
    }

    /// An attribute table (no geometry), registered.
    pub(crate) fn attribute_table(
        &self,
        name: &str,
        columns: &str,
        description: &str,
    ) -> Result<()> {
        self.conn
            .execute_batch(&format!(
                "CREATE TABLE {name} ({columns});
                 INSERT INTO gpkg_contents (table_name, data_type, identifier, description)
                   VALUES ('{name}', 'attributes', '{name}', '{}');",
                description.replace('\'', "''")
            ))
            .map_err(sql_err("cannot create a table"))
    }

    /// Starts the bulk of the writing.
    pub(crate) fn begin(&self) -> Result<()> {
        self.conn
            .execute_batch("BEGIN")
            .map_err(sql_err("cannot start writing"))
    }

    /// Records a row's envelope (`None`: an empty geometry, which has none): for the
    /// table's R-tree, when it has one, and its extent. The R-tree is written at
    /// [`GeoPackage::finish`], packed, in one go.
    pub(crate) fn index(
        &mut self,
        table: &str,
        fid: i64,
        envelope: Option<Envelope>,
    ) -> Result<()> {
        let Some(envelope) = envelope else {
            return Ok(());
        };
        if let Some((_, rows)) = self.rtrees.iter_mut().find(|(t, _)| t == table) {
            rows.push(rtree::Entry::new(fid, envelope));
        }
        self.grow(table, envelope);
        Ok(())
    }

    /// A layer's extent so far.
    pub(crate) fn extent(&self, table: &str) -> Option<Envelope> {
        self.extents.get(table).copied()
    }

    /// Widens a layer's extent (for views, whose rows have no R-tree of their own).
    pub(crate) fn grow(&mut self, table: &str, e: Envelope) {
        // called for every row: the table's name is copied only the first time
        match self.extents.get_mut(table) {
            Some(x) => *x = (x.0.min(e.0), x.1.max(e.1), x.2.min(e.2), x.3.max(e.3)),
            None => {
                self.extents.insert(table.to_string(), e);
            }
        }
    }

    /// Counts rows written; commits every so many.
    pub(crate) fn rows(&mut self, n: usize) -> Result<()> {
        self.rows_in_transaction += n;
        if self.rows_in_transaction >= ROWS_PER_TRANSACTION {
            self.conn
                .execute_batch("COMMIT; BEGIN")
                .map_err(sql_err("cannot commit rows"))?;
            self.rows_in_transaction = 0;
        }
        Ok(())
    }

    /// `qml` as the default style QGIS loads for `table`.
    pub(crate) fn style(&self, table: &str, name: &str, qml: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name,
                   f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, ui)
                 VALUES ('', '', ?1, 'geom', ?2, ?3, '', 1, ?2, 'aimaq', NULL)",
                rusqlite::params![table, name, qml],
            )
            .map(|_| ())
            .map_err(sql_err("cannot write a style"))
    }

    /// The GeoPackage's own metadata, as JSON (`gpkg_metadata`, scope geopackage), and the
    /// same facts as GDAL metadata items on each of `tables`: what `ogrinfo` and QGIS's
    /// layer properties show.
    pub(crate) fn metadata(
        &self,
        uri: &str,
        json: &serde_json::Value,
        items: &[(&str, String)],
        tables: &[&str],
    ) -> Result<()> {
        let err = sql_err("cannot write the metadata");
        self.conn
            .execute(
                "INSERT INTO gpkg_metadata (id, md_scope, md_standard_uri, mime_type, metadata)
                 VALUES (1, 'dataset', ?1, 'application/json', ?2)",
                rusqlite::params![uri, json.to_string()],
            )
            .and_then(|_| {
                self.conn.execute(
                    "INSERT INTO gpkg_metadata_reference (reference_scope, md_file_id) VALUES ('geopackage', 1)",
                    [],
                )
            })
            .map_err(err)?;
        let mdi: String = items
            .iter()
            .map(|(k, v)| format!("<MDI key=\"{k}\">{}</MDI>", xml_escape(v)))
            .collect();
        let xml = format!(
            "<GDALMultiDomainMetadata><Metadata>{mdi}</Metadata></GDALMultiDomainMetadata>"
        );
        for (i, table) in tables.iter().enumerate() {
            let id = i as i64 + 2;
            self.conn
                .execute(
                    "INSERT INTO gpkg_metadata (id, md_scope, md_standard_uri, mime_type, metadata)
                     VALUES (?1, 'dataset', 'http://gdal.org', 'text/xml', ?2)",
                    rusqlite::params![id, xml],
                )
                .and_then(|_| {
                    self.conn.execute(
                        "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, md_file_id) VALUES ('table', ?1, ?2)",
                        rusqlite::params![table, id],
                    )
                })
                .map_err(sql_err("cannot write a layer's metadata"))?;
        }
        Ok(())
    }

    /// Extents, R-tree triggers, commit, and a normal journal mode for whoever opens it.
    pub(crate) fn finish(self) -> Result<()> {
        for (table, (x0, x1, y0, y1)) in &self.extents {
            self.conn
                .execute(
                    "UPDATE gpkg_contents SET min_x = ?1, max_x = ?2, min_y = ?3, max_y = ?4 WHERE table_name = ?5",
                    rusqlite::params![x0, x1, y0, y1, table],
                )
                .map_err(sql_err("cannot record extents"))?;
        }
        for (table, rows) in &self.rtrees {
            rtree::write(&self.conn, &format!("rtree_{table}_geom"), rows)?;
        }
        let triggers: String = self
            .rtrees
            .iter()
            .map(|(t, _)| schema::rtree_triggers(t))
            .collect();
        self.conn
            .execute_batch(&triggers)
            .map_err(sql_err("cannot create the spatial index triggers"))?;
        self.conn
            .execute_batch("COMMIT; PRAGMA journal_mode = DELETE;")
            .map_err(sql_err("cannot complete the GeoPackage"))?;
        self.conn
            .close()
            .map_err(|(_, e)| Error::Other(format!("cannot close the GeoPackage: SQLite: {e}")))
    }
}

/// Registers the CRS in `gpkg_spatial_ref_sys`: its EPSG code as srs_id when it has one,
/// WKT 1 as the definition (GeoPackage 1.3 asks for it), and WGS 84 beside it.
fn register_srs(conn: &Connection, definition: &str) -> Result<i32> {
    let srs = crate::gdal_write::layer_srs(definition)?;
    let wkt = srs
        .to_wkt()
        .map_err(Error::gdal("cannot write the CRS as WKT"))?;
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
        .map_err(sql_err("cannot register the CRS"))?;
    }
    Ok(srs_id)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
