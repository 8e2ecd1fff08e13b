//! Constraint datasets: the embedded one, a directory with one file per layer, or a
//! GeoPackage (any file GDAL opens) holding the layers by name.

use crate::crs::{MetricCrs, Reprojector, Transformer};
use crate::input::{parse_collection, read_file, Record};
use crate::ogr;
use aimaq_check::{ConstraintFeature, Projected};
use aimaq_rules::{Attributes, Catalog, DataIssue, IssueLevel};
use anyhow::{Context, Result};
use gdal::vector::LayerAccess;
use std::path::Path;

/// The embedded default: `data/almaty/`, compiled in so the binary runs anywhere.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "settlements",
        include_str!("../../../data/almaty/settlements.geojson"),
    ),
    (
        "railways",
        include_str!("../../../data/almaty/railways.geojson"),
    ),
    (
        "power_lines",
        include_str!("../../../data/almaty/power_lines.geojson"),
    ),
    (
        "water_bodies",
        include_str!("../../../data/almaty/water_bodies.geojson"),
    ),
    (
        "water_conduits",
        include_str!("../../../data/almaty/water_conduits.geojson"),
    ),
    (
        "gas_pipelines",
        include_str!("../../../data/almaty/gas_pipelines.geojson"),
    ),
    (
        "road_corridors",
        include_str!("../../../data/almaty/road_corridors.geojson"),
    ),
    (
        "protected_areas",
        include_str!("../../../data/almaty/protected_areas.geojson"),
    ),
    (
        "functional_zones",
        include_str!("../../../data/almaty/functional_zones.geojson"),
    ),
    (
        "hazards",
        include_str!("../../../data/almaty/hazards.geojson"),
    ),
    (
        "heritage",
        include_str!("../../../data/almaty/heritage.geojson"),
    ),
    (
        "sanitary_zones",
        include_str!("../../../data/almaty/sanitary_zones.geojson"),
    ),
];

/// The embedded layer `name`'s GeoJSON text.
pub fn embedded_layer(name: &str) -> Option<&'static str> {
    EMBEDDED.iter().find(|(l, _)| *l == name).map(|(_, t)| *t)
}

/// Features of every layer, reprojected, plus problems found while reading.
pub struct Loaded {
    pub features: Vec<ConstraintFeature>,
    pub issues: Vec<DataIssue>,
    pub source: String,
}

/// Vector formats a dataset directory may hold a layer in, besides GeoJSON.
const OGR_EXTENSIONS: &[&str] = &["shp", "gpkg", "fgb"];

/// Reads a constraint dataset into features measured in `metric`:
/// - `None`: the embedded data/almaty;
/// - a directory: one file per layer, `<layer>.geojson` (RFC 7946, read record by record)
///   or `<layer>.shp|.gpkg|.fgb` (through GDAL, in its own CRS);
/// - a file GDAL opens (a GeoPackage, say) holding the layers by name.
pub fn load(
    catalog: &Catalog,
    source: Option<&Path>,
    reproject: &Reprojector,
    metric: &MetricCrs,
) -> Result<Loaded> {
    let mut features = Vec::new();
    let mut issues = Vec::new();
    let from_geojson = |layer: &str, records: Vec<Record>, features: &mut Vec<_>| {
        for r in records {
            features.push(ConstraintFeature {
                layer: layer.to_string(),
                attributes: r.properties,
                geometry: r.geometry.and_then(|g| reproject.to_metric(&g)),
            });
        }
    };
    let label = match source {
        None => {
            for (layer, text) in EMBEDDED {
                from_geojson(layer, parse_collection(text)?, &mut features);
            }
            "embedded data/almaty".to_string()
        }
        Some(dir) if dir.is_dir() => {
            let mut names: Vec<_> = std::fs::read_dir(dir)
                .with_context(|| format!("cannot list {}", dir.display()))?
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            for layer in catalog.layers() {
                let path = dir.join(format!("{}.geojson", layer.name));
                if path.exists() {
                    from_geojson(&layer.name, read_file(&path)?, &mut features);
                    continue;
                }
                for ext in OGR_EXTENSIONS {
                    let path = dir.join(format!("{}.{ext}", layer.name));
                    if path.exists() {
                        let ds = ogr::open(&path)?;
                        let ogr_layer = ogr::pick_layer(&ds, None, &path)?;
                        read_ogr_layer(&layer.name, ogr_layer, &path, metric, &mut features)?;
                        break;
                    }
                }
            }
            for name in names {
                let Some((stem, ext)) = name.rsplit_once('.') else {
                    continue;
                };
                let known_ext = ext == "geojson" || OGR_EXTENSIONS.contains(&ext);
                if known_ext && catalog.layer(stem).is_none() {
                    issues.push(unknown_layer(stem, &format!("`{name}`")));
                }
            }
            dir.display().to_string()
        }
        Some(file) => {
            let ds = ogr::open(file)?;
            let names: Vec<String> = ds.layers().map(|l| l.name()).collect();
            for layer in catalog.layers() {
                if names.contains(&layer.name) {
                    let ogr_layer = ds.layer_by_name(&layer.name)?;
                    read_ogr_layer(&layer.name, ogr_layer, file, metric, &mut features)?;
                }
            }
            for name in names.iter().filter(|n| catalog.layer(n).is_none()) {
                issues.push(unknown_layer(name, &format!("layer `{name}`")));
            }
            file.display().to_string()
        }
    };
    Ok(Loaded {
        features,
        issues,
        source: label,
    })
}

fn unknown_layer(layer: &str, what: &str) -> DataIssue {
    DataIssue {
        level: IssueLevel::Warning,
        layer: layer.to_string(),
        feature: "-".into(),
        rule: None,
        message: format!("{what} is not a layer of the dataset contract: ignored"),
    }
}

/// One OGR layer's features, reprojected from the layer's own CRS.
fn read_ogr_layer(
    name: &str,
    mut layer: gdal::vector::Layer,
    path: &Path,
    metric: &MetricCrs,
    out: &mut Vec<ConstraintFeature>,
) -> Result<()> {
    let what = format!("{} layer `{}`", path.display(), layer.name());
    let crs = ogr::layer_crs(&layer, None, &what)?;
    let to_metric = Transformer::new(&crs.definition, &metric.definition)?;
    let fields = ogr::field_names(&layer);
    for feature in layer.features() {
        let mut attributes = Attributes::new();
        for (i, field) in fields.iter().enumerate() {
            let mut value = ogr::field_json(feature.field(i).ok().flatten());
            // the contract's ids are text; a GIS often stores them as integers
            if field == "id" && value.is_number() {
                value = serde_json::Value::String(value.to_string());
            }
            if !value.is_null() {
                attributes.insert(field.clone(), value);
            }
        }
        let geometry = ogr::geometry_of(&feature)
            .and_then(|g| to_metric.apply(&g))
            .map(Projected::assume_metres);
        out.push(ConstraintFeature {
            layer: name.to_string(),
            attributes,
            geometry,
        });
    }
    Ok(())
}
