//! Constraint datasets: a directory with one GeoJSON file per layer, or the embedded one.

use crate::crs::Reprojector;
use crate::input::{parse_collection, read_file, Record};
use aimaq_check::ConstraintFeature;
use aimaq_rules::{Catalog, DataIssue, IssueLevel};
use anyhow::{bail, Result};
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

/// Features of every layer, reprojected, plus problems found while reading.
pub struct Loaded {
    pub features: Vec<ConstraintFeature>,
    pub issues: Vec<DataIssue>,
    pub source: String,
}

/// Reads `dir` (or the embedded dataset when `None`) into metric features.
pub fn load(catalog: &Catalog, dir: Option<&Path>, reproject: &Reprojector) -> Result<Loaded> {
    let mut layers: Vec<(String, Vec<Record>)> = Vec::new();
    let mut issues = Vec::new();
    let source = match dir {
        None => {
            for (layer, text) in EMBEDDED {
                layers.push((layer.to_string(), parse_collection(text)?));
            }
            "embedded data/almaty".to_string()
        }
        Some(dir) => {
            if !dir.is_dir() {
                bail!(
                    "{} is not a directory: a dataset is a directory of <layer>.geojson files",
                    dir.display()
                );
            }
            for layer in &catalog.layers {
                let path = dir.join(format!("{}.geojson", layer.name));
                if path.exists() {
                    layers.push((layer.name.clone(), read_file(&path)?));
                }
            }
            let mut names: Vec<_> = std::fs::read_dir(dir)?.filter_map(|e| e.ok()).collect();
            names.sort_by_key(|e| e.file_name());
            for entry in names {
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(stem) = name.strip_suffix(".geojson") {
                    if catalog.layer(stem).is_none() {
                        issues.push(DataIssue {
                            level: IssueLevel::Warning,
                            layer: stem.to_string(),
                            feature: "-".into(),
                            rule: None,
                            message: format!(
                                "`{name}` is not a layer of the dataset contract: ignored"
                            ),
                        });
                    }
                }
            }
            dir.display().to_string()
        }
    };
    let mut features = Vec::new();
    for (layer, records) in layers {
        for r in records {
            let geometry = r.geometry.and_then(|g| reproject.to_metric(&g));
            features.push(ConstraintFeature {
                layer: layer.clone(),
                attributes: r.properties,
                geometry,
            });
        }
    }
    Ok(Loaded {
        features,
        issues,
        source,
    })
}
