//! The built dataset as one GeoPackage (GDAL's GPKG driver): the contract's layers that
//! got features, in WGS84, with the contract's attribute names and types plus the
//! provenance attributes, and four attribute tables about the build:
//!
//! - `aimaq_dataset`: key/value — catalog id and digest, aimaq's version, built-at, the
//!   attribution, and each mapping (path, sha256, text);
//! - `aimaq_sources`: each source's path, digest, modification time, driver, licence,
//!   attribution, features read and used;
//! - `aimaq_duplicates`: the features dropped as another source's object;
//! - `aimaq_build_issues`: what the build reported.
//!
//! The loader (`aimaq_io::dataset::load`) skips the `aimaq_*` tables and reads the
//! attribution from `aimaq_dataset`.

use crate::mapping::Mapping;
use crate::summary::{BuildSummary, Candidate};
use aimaq_rules::{AttributeType, Catalog, LayerGeometry};
use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use gdal::vector::{
    Feature, FieldValue, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType, ToGdal,
};
use gdal::DriverManager;
use std::path::Path;

pub(crate) struct Metadata<'a> {
    pub catalog: &'a Catalog,
    pub catalog_digest: &'a str,
    pub mappings: &'a [&'a Mapping],
    pub summary: &'a BuildSummary,
}

fn e(context: &str) -> impl Fn(gdal::errors::GdalError) -> String + '_ {
    move |err| format!("{context}: {err}")
}

pub(crate) fn write(
    path: &Path,
    catalog: &Catalog,
    features: &[Candidate],
    meta: &Metadata,
) -> Result<(), String> {
    let driver = DriverManager::get_driver_by_name("GPKG").map_err(e("GDAL has no GPKG driver"))?;
    let mut ds = driver
        .create_vector_only(path)
        .map_err(e("cannot create the GeoPackage"))?;
    let mut srs = SpatialRef::from_epsg(4326).map_err(e("EPSG:4326"))?;
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    {
        let mut tx = ds
            .start_transaction()
            .map_err(e("cannot start a transaction"))?;
        for spec in catalog.layers() {
            let mine: Vec<&Candidate> = features.iter().filter(|c| c.layer == spec.name).collect();
            if mine.is_empty() {
                continue;
            }
            let ty = match spec.geometry {
                LayerGeometry::Line => OGRwkbGeometryType::wkbMultiLineString,
                LayerGeometry::Polygon => OGRwkbGeometryType::wkbMultiPolygon,
                LayerGeometry::LineOrPolygon => OGRwkbGeometryType::wkbUnknown,
            };
            let mut fields: Vec<(String, OGRFieldType::Type)> = spec
                .attributes
                .iter()
                .map(|a| {
                    let t = match a.kind {
                        AttributeType::String => OGRFieldType::OFTString,
                        AttributeType::Number => OGRFieldType::OFTReal,
                    };
                    (a.name.clone(), t)
                })
                .collect();
            for p in aimaq_rules::PROVENANCE_ATTRIBUTES {
                fields.push((p.to_string(), OGRFieldType::OFTString));
            }
            let layer = tx
                .create_layer(LayerOptions {
                    name: &spec.name,
                    srs: Some(&srs),
                    ty,
                    options: Some(&["FID=fid", "GEOMETRY_NAME=geom"]),
                })
                .map_err(e(&format!("cannot create layer `{}`", spec.name)))?;
            let defs: Vec<(&str, OGRFieldType::Type)> =
                fields.iter().map(|(n, t)| (n.as_str(), *t)).collect();
            layer.create_defn_fields(&defs).map_err(e("fields"))?;
            for c in mine {
                let mut f = Feature::new(layer.defn()).map_err(e("feature"))?;
                for (i, (name, t)) in fields.iter().enumerate() {
                    let Some(v) = c.attrs.get(name) else { continue };
                    match (t, v) {
                        (&OGRFieldType::OFTReal, serde_json::Value::Number(n)) => f
                            .set_field_double(i, n.as_f64().unwrap_or(f64::NAN))
                            .map_err(e(name))?,
                        (_, serde_json::Value::String(s)) => {
                            f.set_field_string(i, s).map_err(e(name))?
                        }
                        (_, serde_json::Value::Null) => {}
                        (_, other) => f.set_field_string(i, &other.to_string()).map_err(e(name))?,
                    }
                }
                f.set_geometry(c.geometry.to_gdal().map_err(e("geometry"))?)
                    .map_err(e("geometry"))?;
                f.create(&layer)
                    .map_err(e(&format!("cannot write a feature of `{}`", spec.name)))?;
            }
        }
        write_table(
            &mut tx,
            "aimaq_dataset",
            &["key", "value"],
            dataset_rows(meta),
        )?;
        let s = meta.summary;
        write_table(
            &mut tx,
            "aimaq_sources",
            &[
                "position",
                "path",
                "sha256",
                "modified",
                "driver",
                "mapping",
                "licence",
                "attribution",
                "features_read",
                "features_used",
            ],
            s.sources
                .iter()
                .enumerate()
                .map(|(i, src)| {
                    vec![
                        Some((i + 1).to_string()),
                        Some(src.path.clone()),
                        Some(src.sha256.clone()),
                        src.modified.clone(),
                        Some(src.driver.clone()),
                        Some(src.mapping.clone()),
                        src.licence.clone(),
                        src.attribution.clone(),
                        Some(src.read.to_string()),
                        Some(src.used.to_string()),
                    ]
                })
                .collect(),
        )?;
        write_table(
            &mut tx,
            "aimaq_duplicates",
            &["layer", "kept", "dropped", "distance_m", "name_similarity"],
            s.duplicates
                .iter()
                .map(|d| {
                    vec![
                        Some(d.layer.clone()),
                        Some(d.kept.clone()),
                        Some(d.dropped.clone()),
                        Some(d.distance_m.to_string()),
                        d.name_similarity.map(|x| x.to_string()),
                    ]
                })
                .collect(),
        )?;
        write_table(
            &mut tx,
            "aimaq_build_issues",
            &["source", "feature", "mapping_line", "field", "message"],
            s.issues
                .iter()
                .map(|i| {
                    vec![
                        Some(i.source.clone()),
                        i.feature.clone(),
                        i.mapping_line.map(|l| l.to_string()),
                        i.field.clone(),
                        Some(i.message.clone()),
                    ]
                })
                .collect(),
        )?;
        tx.commit().map_err(e("cannot commit"))?;
    }
    ds.close().map_err(e("cannot close the GeoPackage"))?;
    Ok(())
}

fn dataset_rows(meta: &Metadata) -> Vec<Vec<Option<String>>> {
    let info = meta.catalog.info();
    let mut rows: Vec<(String, String)> = vec![
        ("catalog".into(), info.id.clone()),
        ("catalog_digest".into(), meta.catalog_digest.to_string()),
        (
            "aimaq_version".into(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        (
            "built_at".into(),
            crate::summary::rfc3339(std::time::SystemTime::now()),
        ),
    ];
    if let Some(a) = &meta.summary.attribution {
        rows.push(("attribution".into(), a.clone()));
    }
    for (i, m) in meta.mappings.iter().enumerate() {
        let suffix = if i == 0 {
            String::new()
        } else {
            format!("_{}", i + 1)
        };
        rows.push((format!("mapping{suffix}"), m.path.display().to_string()));
        rows.push((
            format!("mapping{suffix}_sha256"),
            aimaq_io::sha256(m.text.as_bytes()),
        ));
        rows.push((format!("mapping{suffix}_text"), m.text.clone()));
    }
    rows.into_iter()
        .map(|(k, v)| vec![Some(k), Some(v)])
        .collect()
}

fn write_table(
    ds: &mut gdal::Dataset,
    name: &str,
    columns: &[&str],
    rows: Vec<Vec<Option<String>>>,
) -> Result<(), String> {
    let layer = ds
        .create_layer(LayerOptions {
            name,
            srs: None,
            ty: OGRwkbGeometryType::wkbNone,
            options: None,
        })
        .map_err(e(&format!("cannot create table `{name}`")))?;
    let defs: Vec<(&str, OGRFieldType::Type)> = columns
        .iter()
        .map(|c| (*c, OGRFieldType::OFTString))
        .collect();
    layer.create_defn_fields(&defs).map_err(e(name))?;
    for row in rows {
        let mut f = Feature::new(layer.defn()).map_err(e(name))?;
        for (i, v) in row.into_iter().enumerate() {
            if let Some(v) = v {
                f.set_field(i, &FieldValue::StringValue(v))
                    .map_err(e(name))?;
            }
        }
        f.create(&layer).map_err(e(name))?;
    }
    Ok(())
}
