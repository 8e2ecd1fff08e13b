//! `zones`: the constraint dataset with every rule resolved and drawn as the areas the
//! engine checks against, as a GeoPackage a GIS opens styled. The zones are the engine's
//! own ([`Engine::zones`]): exactly what findings come from, decided once.
//!
//! Layers, each of one geometry type, listed bottom up as a map draws them:
//! - `zone_areas` (MultiPolygon): zones that are an area itself (functional zones,
//!   hazards, protected areas, heritage and sanitary sites);
//! - `zone_strips` (MultiPolygon): zones measured by distance, buffered — a strip
//!   around a line, a ring around an area; a railway zone split at settlement edges
//!   (`part` `inside_settlements` / `outside_settlements`), a range width as the band
//!   within its minimum (`part` `minimum`, the regime applies) and the band out to its
//!   maximum (`part` `up_to_maximum`, severity `review`);
//! - `source_areas` (MultiPolygon) and `source_lines` (MultiLineString): the features
//!   strips are measured from;
//! - `settlements` (MultiPolygon): what decides settlement-dependent widths, named;
//! - only with [`Options::join_tables`] (`aimaq zones --join-tables`, for the peer
//!   benchmark): `join_lines` (MultiLineString) and `join_areas` (MultiPolygon), the same
//!   zones as rows of source geometry and limits (`limit_m`, `min_limit_m`,
//!   `inside_limit_m`), for engines that measure distances themselves (`ST_DWithin` in
//!   PostGIS, GeoPandas' `sjoin`).
//!
//! Zone rows carry the use they were filtered for (`use`), the regime and approval for it,
//! and both citations; the use, catalog and dataset are in the file's metadata too. Every
//! layer has a default QGIS style (`layer_styles`) and a title (`gpkg_contents.identifier`)
//! in the export's language: strips filled translucent by regime, areas hatched, water
//! blue and labelled, settlements outlined and labelled ([`style`]).

mod style;

use crate::output::PendingFile;
use crate::sink::gpkg::GeoPackage;
use crate::sink::gpkg_blob;
use crate::{Error, OpenedEngine, Result};
use aimaq_check::{FeatureGeometry, ResolvedZone};
use aimaq_rules::{Attributes, Lang, Limit};
use geo::algorithm::buffer::{BufferStyle, LineCap, LineJoin};
use geo::{BooleanOps, Buffer, MultiPolygon};
use std::path::Path;

/// Arc step of exported buffers (segment length over radius): about 63 segments a circle,
/// a chord sag under 0.13 % of the width — a drawing, not a measurement.
const ARC_STEP: f64 = 0.1;

/// What [`write_with`] writes beyond the map.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Also write `join_lines` and `join_areas`, the zones as source geometry and limits
    /// for engines that measure distances themselves (the peer benchmark). Not a map
    /// layer: off by default.
    pub join_tables: bool,
}

/// A feature's name in `lang`: its `name_kk` / `name_ru` attribute, else its name.
fn local_name<'a>(
    name: Option<&'a str>,
    attributes: &'a Attributes,
    lang: Lang,
) -> Option<&'a str> {
    let key = format!("name_{}", lang.code());
    attributes
        .get(&key)
        .and_then(|v| v.as_str())
        .filter(|s| !s.trim().is_empty())
        .or(name)
}

/// Counts of what [`write`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ZonesWritten {
    /// Rows of `zone_strips`.
    pub strips: usize,
    /// Rows of `zone_areas`.
    pub areas: usize,
}

/// A strip of `m` metres on the ground around `g`, drawn in the engine's CRS
/// ([`Engine::draw_on_ground`](aimaq_check::Engine::draw_on_ground): the width the engine
/// measures, not the projection's metre, and computed near the origin).
fn strip(engine: &aimaq_check::Engine, g: &FeatureGeometry, m: f64) -> MultiPolygon<f64> {
    let style = || {
        BufferStyle::new(m)
            .line_join(LineJoin::Round(ARC_STEP))
            .line_cap(LineCap::Round(ARC_STEP))
    };
    engine.draw_on_ground(&geo::Geometry::from(g), |local| match local {
        geo::Geometry::MultiLineString(l) => l.buffer_with_style(style()),
        geo::Geometry::MultiPolygon(a) => a.union(&a.buffer_with_style(style())),
        other => other.buffer_with_style(style()),
    })
}

/// Writes the zones that restrict `use_code` (a vocabulary code) to `path` (`.gpkg`): the
/// map, without the benchmark tables.
pub fn write(
    opened: &OpenedEngine,
    use_code: &str,
    path: &Path,
    overwrite: bool,
) -> Result<ZonesWritten> {
    write_with(opened, use_code, path, overwrite, &Options::default())
}

/// As [`write`], with the benchmark tables when `options` asks for them.
pub fn write_with(
    opened: &OpenedEngine,
    use_code: &str,
    path: &Path,
    overwrite: bool,
    options: &Options,
) -> Result<ZonesWritten> {
    let engine = &opened.engine;
    let catalog = engine.catalog();
    let land_use = catalog
        .resolve_use(Some(use_code))
        .map_err(|e| Error::Other(e.to_string()))?;
    if path.extension().and_then(|e| e.to_str()) != Some("gpkg") {
        return Err(Error::Format {
            path: path.to_path_buf(),
            expected: ".gpkg",
        });
    }
    let lang = engine.lang();
    let pending = PendingFile::new(path, overwrite, &[])?;
    let mut gpkg = GeoPackage::create(pending.path(), opened.metric.definition())?;
    const ZONE_COLUMNS: &str = ", rule TEXT NOT NULL, rule_title TEXT, layer TEXT NOT NULL,
        feature TEXT NOT NULL, feature_name TEXT, part TEXT NOT NULL, limit_m REAL NOT NULL,
        use TEXT NOT NULL, severity TEXT NOT NULL, regime TEXT NOT NULL, approval TEXT,
        citation TEXT NOT NULL, regime_citation TEXT NOT NULL";
    let source_columns = ", layer TEXT NOT NULL, feature TEXT NOT NULL, feature_name TEXT";
    const JOIN_COLUMNS: &str = ", rule TEXT NOT NULL, layer TEXT NOT NULL, feature TEXT NOT NULL,
        limit_m REAL NOT NULL, min_limit_m REAL, inside_limit_m REAL, use TEXT NOT NULL,
        regime TEXT NOT NULL, citation TEXT NOT NULL";
    // bottom up, as a map draws them: GIS list a GeoPackage's layers in this order
    let mut tables: Vec<(&str, &str, &str, &str)> = vec![
        (
            "zone_areas",
            "MULTIPOLYGON",
            ZONE_COLUMNS,
            "zones that are an area themselves",
        ),
        (
            "zone_strips",
            "MULTIPOLYGON",
            ZONE_COLUMNS,
            "zones measured by distance, buffered from their features",
        ),
        (
            "source_areas",
            "MULTIPOLYGON",
            source_columns,
            "the area features strips are measured from",
        ),
        (
            "settlements",
            "MULTIPOLYGON",
            ", feature TEXT NOT NULL, feature_name TEXT",
            "settlements: where settlement-dependent widths change",
        ),
        (
            "source_lines",
            "MULTILINESTRING",
            source_columns,
            "the line features strips are measured from",
        ),
    ];
    if options.join_tables {
        tables.push((
            "join_lines",
            "MULTILINESTRING",
            JOIN_COLUMNS,
            "zones of line features as source geometry and limits, for engines that measure",
        ));
        tables.push((
            "join_areas",
            "MULTIPOLYGON",
            JOIN_COLUMNS,
            "zones of area features as source geometry and limits, for engines that measure",
        ));
    }
    for (name, geometry, columns, description) in &tables {
        gpkg.feature_table(name, geometry, columns, description, true)?;
        // the layer's title in the export's language (GeoPackage's human-readable name)
        gpkg.conn()
            .execute(
                "UPDATE gpkg_contents SET identifier = ?1 WHERE table_name = ?2",
                rusqlite::params![style::title(name, lang), name],
            )
            .map_err(|e| Error::Other(format!("cannot name layer `{name}`: {e}")))?;
    }
    gpkg.begin()?;
    let srs = gpkg.srs_id;

    let settlements: Vec<MultiPolygon<f64>> =
        engine.settlements().map(|s| s.area.clone()).collect();
    let mut next = [1i64; 7];
    for s in engine.settlements() {
        let blob = gpkg_blob(s.area, srs).map_err(Error::Other)?;
        let name = local_name(s.name, s.attributes, lang);
        gpkg.conn()
            .prepare_cached(
                "INSERT INTO settlements (fid, geom, feature, feature_name) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut st| st.execute(rusqlite::params![next[4], blob.bytes, s.id, name]))
            .map_err(|e| Error::Other(format!("cannot write a settlement: {e}")))?;
        gpkg.index("settlements", next[4], blob.envelope)?;
        next[4] += 1;
    }

    let mut written = ZonesWritten::default();
    let mut sources_done = std::collections::HashSet::new();
    for z in engine.zones() {
        let cell = z.cell_for(land_use);
        let Some(severity) = cell.regime.severity() else {
            continue; // allowed for this use: no finding
        };
        let approval = cell
            .approval
            .as_deref()
            .and_then(|a| catalog.approval(a))
            .map(|a| a.labels.get(lang).to_string());
        let rows = zone_rows(engine, &z, &settlements, severity.as_str());
        let feature_name = local_name(z.name, z.attributes, lang);
        let table = if matches!(z.zone.limit, Limit::Overlap) {
            (1usize, "zone_areas")
        } else {
            (0usize, "zone_strips")
        };
        for (part, limit_m, severity, area) in rows {
            // a part with no area (a conduit belt inside a settlement, L284) draws nothing
            if area.0.is_empty() {
                continue;
            }
            match table.0 {
                0 => written.strips += 1,
                _ => written.areas += 1,
            }
            let blob = gpkg_blob(&area, srs).map_err(Error::Other)?;
            let fid = next[table.0];
            next[table.0] += 1;
            gpkg.conn()
                .prepare_cached(&format!(
                    "INSERT INTO {} (fid, geom, rule, rule_title, layer, feature, feature_name, part,
                       limit_m, use, severity, regime, approval, citation, regime_citation)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                    table.1
                ))
                .and_then(|mut st| {
                    st.execute(rusqlite::params![
                        fid,
                        blob.bytes,
                        z.rule.id(),
                        z.rule.title_in(lang),
                        z.layer,
                        z.feature,
                        feature_name,
                        part,
                        limit_m,
                        land_use.code,
                        severity,
                        cell.regime.as_str(),
                        approval,
                        z.zone.citation.to_string(),
                        cell.citation.to_string(),
                    ])
                })
                .map_err(|e| Error::Other(format!("cannot write a zone: {e}")))?;
            gpkg.index(table.1, fid, blob.envelope)?;
        }
        // the zone as source geometry and limits: `limit_m` is what a parcel must stay
        // beyond (a range's maximum, a railway's outside width; 0 for areas)
        let (limit_m, min_limit_m, inside_limit_m) = match z.zone.limit {
            Limit::Fixed { m } => (m, None, None),
            Limit::Range { min, max } => (max, Some(min), None),
            Limit::BySettlement { inside, outside } => (outside, None, Some(inside)),
            Limit::Overlap => (0.0, None, None),
        };
        if options.join_tables {
            let (join_table, slot, source) = match z.geometry {
                FeatureGeometry::Lines(l) => ("join_lines", 5, gpkg_blob(l, srs)),
                FeatureGeometry::Area(a) => ("join_areas", 6, gpkg_blob(a, srs)),
            };
            let source = source.map_err(Error::Other)?;
            let fid = next[slot];
            next[slot] += 1;
            gpkg.conn()
                .prepare_cached(&format!(
                    "INSERT INTO {join_table} (fid, geom, rule, layer, feature, limit_m, min_limit_m,
                       inside_limit_m, use, regime, citation)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                ))
                .and_then(|mut st| {
                    st.execute(rusqlite::params![
                        fid,
                        source.bytes,
                        z.rule.id(),
                        z.layer,
                        z.feature,
                        limit_m,
                        min_limit_m,
                        inside_limit_m,
                        land_use.code,
                        cell.regime.as_str(),
                        z.zone.citation.to_string(),
                    ])
                })
                .map_err(|e| Error::Other(format!("cannot write a zone row: {e}")))?;
            gpkg.index(join_table, fid, source.envelope)?;
        }
        // the feature strips are measured from, once
        if !matches!(z.zone.limit, Limit::Overlap) && sources_done.insert((z.layer, z.feature)) {
            let (t, slot, bytes, envelope) = match z.geometry {
                FeatureGeometry::Lines(l) => {
                    let b = gpkg_blob(l, srs).map_err(Error::Other)?;
                    ("source_lines", 2, b.bytes, b.envelope)
                }
                FeatureGeometry::Area(a) => {
                    let b = gpkg_blob(a, srs).map_err(Error::Other)?;
                    ("source_areas", 3, b.bytes, b.envelope)
                }
            };
            let fid = next[slot];
            next[slot] += 1;
            gpkg.conn()
                .prepare_cached(&format!(
                    "INSERT INTO {t} (fid, geom, layer, feature, feature_name) VALUES (?1, ?2, ?3, ?4, ?5)"
                ))
                .and_then(|mut st| st.execute(rusqlite::params![fid, bytes, z.layer, z.feature, feature_name]))
                .map_err(|e| Error::Other(format!("cannot write a source feature: {e}")))?;
            gpkg.index(t, fid, envelope)?;
        }
    }
    for (table, ..) in &tables {
        let style = style::STYLES
            .iter()
            .find(|s| s.table == *table)
            .expect("every zones table has a style");
        gpkg.style(table, &style.name(lang), &style.qml(catalog, lang))?;
    }
    let doc = serde_json::json!({
        "aimaq_version": env!("CARGO_PKG_VERSION"),
        "use": land_use.code,
        "catalog": catalog.info().id,
        "catalog_digest": opened.catalog_digest,
        "dataset": opened.dataset,
        "layers": opened.layers,
        "measured_in": opened.metric.label(),
        "as_of": opened.as_of.map(|d| d.to_string()),
        "lang": lang.code(),
    });
    gpkg.metadata(
        "https://example.invalid/aimaq/zones",
        &doc,
        &[
            ("AIMAQ_USE", land_use.code.clone()),
            ("AIMAQ_CATALOG", catalog.info().id.clone()),
            ("AIMAQ_CATALOG_DIGEST", opened.catalog_digest.clone()),
            ("AIMAQ_DATASET", opened.dataset.clone()),
            (
                "AIMAQ_AS_OF",
                opened
                    .as_of
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "all rules".into()),
            ),
        ],
        &tables.iter().map(|t| t.0).collect::<Vec<_>>(),
    )?;
    gpkg.finish()?;
    pending.commit()?;
    Ok(written)
}

/// The rows a zone draws: (part, limit, severity, area).
fn zone_rows(
    engine: &aimaq_check::Engine,
    z: &ResolvedZone,
    settlements: &[MultiPolygon<f64>],
    severity: &'static str,
) -> Vec<(&'static str, f64, &'static str, MultiPolygon<f64>)> {
    match z.zone.limit {
        Limit::Fixed { m } => vec![("whole", m, severity, strip(engine, z.geometry, m))],
        Limit::Overlap => match z.geometry.area() {
            Some(a) => vec![("area", 0.0, severity, a.clone())],
            None => Vec::new(),
        },
        Limit::Range { min, max } => {
            let inner = strip(engine, z.geometry, min);
            let outer = strip(engine, z.geometry, max).difference(&inner);
            vec![
                ("minimum", min, severity, inner),
                // between the act's ends the decree's project decides: review
                ("up_to_maximum", max, "review", outer),
            ]
        }
        Limit::BySettlement { inside, outside } => {
            let within: MultiPolygon<f64> = settlements
                .iter()
                .fold(MultiPolygon::new(Vec::new()), |acc, s| acc.union(s));
            vec![
                (
                    "inside_settlements",
                    inside,
                    severity,
                    strip(engine, z.geometry, inside).intersection(&within),
                ),
                (
                    "outside_settlements",
                    outside,
                    severity,
                    strip(engine, z.geometry, outside).difference(&within),
                ),
            ]
        }
    }
}
