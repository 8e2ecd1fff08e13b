//! Constraint datasets: the embedded one, a directory with one file per layer, or a
//! GeoPackage (any file GDAL opens) holding the layers by name.

use crate::geojson::{parse_collection, read_file, Record};
use crate::{ogr, Error, Result};
use aimaq_check::{ConstraintFeature, Projected};
use aimaq_proj::{MetricCrs, Transformer};
use aimaq_rules::{Attributes, Catalog, DataIssue, IssueLevel};
use gdal::vector::LayerAccess;
use std::collections::BTreeSet;
use std::path::Path;

/// The embedded default: `data/almaty/`, compiled in so a binary runs anywhere.
#[cfg(feature = "embedded")]
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

#[cfg(not(feature = "embedded"))]
const EMBEDDED: &[(&str, &str)] = &[];

/// The label reports give the embedded dataset.
pub const EMBEDDED_LABEL: &str = "embedded data/almaty";

/// The embedded layer `name`'s GeoJSON text (none when built without the `embedded`
/// feature).
///
/// ```
/// let text = aimaq_io::dataset::embedded_layer("railways").unwrap();
/// assert!(text.contains("FeatureCollection"));
/// ```
pub fn embedded_layer(name: &str) -> Option<&'static str> {
    EMBEDDED.iter().find(|(l, _)| *l == name).map(|(_, t)| *t)
}

/// Where constraint features come from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DatasetSource {
    /// `data/almaty`, compiled in (feature `embedded`).
    #[default]
    Embedded,
    /// A directory of `<layer>.geojson|.shp|.gpkg|.fgb` files, or a file GDAL opens
    /// holding the layers by name (a GeoPackage).
    Path(std::path::PathBuf),
}

impl DatasetSource {
    /// `None` means the embedded data.
    pub fn from_option(path: Option<&Path>) -> DatasetSource {
        match path {
            None => DatasetSource::Embedded,
            Some(p) => DatasetSource::Path(p.to_path_buf()),
        }
    }
}

/// A constraint dataset read and measured in metres, with what was wrong while reading.
#[derive(Debug, Clone)]
pub struct LoadedDataset {
    /// Every feature of every contract layer, reprojected (or with its reason).
    pub features: Vec<ConstraintFeature>,
    /// Problems found outside any feature (files that are no layer, …).
    pub issues: Vec<DataIssue>,
    /// For reports: the path, or `embedded data/almaty`.
    pub label: String,
    /// The contract layers the dataset holds (a layer present with no feature counts:
    /// parcels were checked against it), in contract order.
    pub layers: Vec<String>,
    /// The credit the data's licence requires, from a built dataset's `aimaq_dataset`
    /// table (`© OpenStreetMap contributors, ODbL 1.0, …` when it holds OSM features).
    pub attribution: Option<String>,
}

/// Tables of a dataset built by `aimaq dataset build` that describe the build (sources,
/// mapping, duplicates, issues): no layers, and not reported as unknown ones.
pub const METADATA_PREFIX: &str = "aimaq_";

/// The credit OpenStreetMap's licence (ODbL 1.0) requires wherever its data is shown.
pub const OSM_ATTRIBUTION: &str =
    "© OpenStreetMap contributors, ODbL 1.0, https://www.openstreetmap.org/copyright";

/// The attribution features' `licence` provenance attribute calls for: OSM's when any
/// feature is ODbL-licensed (a decision's dataset snapshot keeps the attributes, so a
/// record re-opened later credits the same data).
pub fn attribution_from_licences(features: &[ConstraintFeature]) -> Option<String> {
    features
        .iter()
        .any(|f| {
            f.attributes
                .get("licence")
                .and_then(|v| v.as_str())
                .is_some_and(|l| l.starts_with("ODbL"))
        })
        .then(|| OSM_ATTRIBUTION.to_string())
}

/// The `attribution` entry of a built dataset's `aimaq_dataset` key/value table.
fn attribution_of(ds: &gdal::Dataset) -> Option<String> {
    let mut table = ds.layer_by_name("aimaq_dataset").ok()?;
    let key = ogr::field_index(&table, "key")?;
    let value = ogr::field_index(&table, "value")?;
    let found = table.features().find_map(|f| {
        let k = ogr::field_text(f.field(key).ok().flatten())?;
        (k == "attribution")
            .then(|| ogr::field_text(f.field(value).ok().flatten()))
            .flatten()
    });
    found
}

/// Vector formats a dataset directory may hold a layer in, besides GeoJSON.
const OGR_EXTENSIONS: &[&str] = &["shp", "gpkg", "fgb"];

/// Reads a constraint dataset into features measured in `metric`:
/// - the embedded data/almaty ([`DatasetSource::Embedded`]);
/// - a directory: one file per layer, `<layer>.geojson` (RFC 7946, read record by record)
///   or `<layer>.shp|.gpkg|.fgb` (through GDAL, in its own CRS);
/// - a file GDAL opens (a GeoPackage, say) holding the layers by name.
///
/// ```
/// use aimaq_io::dataset::{load, DatasetSource};
/// use aimaq_proj::MetricCrs;
/// use aimaq_rules::Catalog;
///
/// let catalog = Catalog::embedded();
/// let utm = MetricCrs::new("EPSG:32643").unwrap();
/// let data = load(&catalog, &DatasetSource::Embedded, &utm).unwrap();
/// assert!(data.features.iter().any(|f| f.layer == "water_bodies"));
/// ```
pub fn load(
    catalog: &Catalog,
    source: &DatasetSource,
    metric: &MetricCrs,
) -> Result<LoadedDataset> {
    let to_metric = Transformer::new("EPSG:4326", metric.definition())?;
    let mut features = Vec::new();
    let mut issues = Vec::new();
    let mut found: BTreeSet<String> = BTreeSet::new();
    let mut attribution = None;
    let from_geojson = |layer: &str, records: Vec<Record>, features: &mut Vec<_>| {
        for r in records {
            features.push(ConstraintFeature {
                layer: layer.to_string(),
                attributes: r.properties,
                geometry: r.geometry.and_then(|g| {
                    to_metric
                        .apply(&g)
                        .map(Projected::assume_metres)
                        .map_err(|e| e.to_string())
                }),
            });
        }
    };
    let label = match source {
        DatasetSource::Embedded => {
            if EMBEDDED.is_empty() {
                return Err(Error::Other(
                    "this build has no embedded dataset (feature `embedded`): give a dataset path"
                        .into(),
                ));
            }
            for (layer, text) in EMBEDDED {
                found.insert(layer.to_string());
                let records = parse_collection(text).map_err(|reason| Error::GeoJson {
                    what: format!("embedded layer `{layer}`"),
                    reason,
                })?;
                from_geojson(layer, records, &mut features);
            }
            EMBEDDED_LABEL.to_string()
        }
        DatasetSource::Path(dir) if dir.is_dir() => {
            let mut names: Vec<_> = std::fs::read_dir(dir)
                .map_err(|cause| Error::Read {
                    path: dir.clone(),
                    cause,
                })?
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            for layer in catalog.layers() {
                let path = dir.join(format!("{}.geojson", layer.name));
                if path.exists() {
                    found.insert(layer.name.clone());
                    from_geojson(&layer.name, read_file(&path)?, &mut features);
                    continue;
                }
                for ext in OGR_EXTENSIONS {
                    let path = dir.join(format!("{}.{ext}", layer.name));
                    if path.exists() {
                        found.insert(layer.name.clone());
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
                    issues.push(unknown_layer(catalog, stem, &format!("`{name}`")));
                }
            }
            dir.display().to_string()
        }
        DatasetSource::Path(file) => {
            let ds = ogr::open(file)?;
            let names = ogr::layer_names(&ds);
            for layer in catalog.layers() {
                if names.contains(&layer.name) {
                    found.insert(layer.name.clone());
                    let ogr_layer = ds
                        .layer_by_name(&layer.name)
                        .map_err(Error::gdal(format!("cannot read layer `{}`", layer.name)))?;
                    read_ogr_layer(&layer.name, ogr_layer, file, metric, &mut features)?;
                }
            }
            attribution = attribution_of(&ds);
            for name in names
                .iter()
                .filter(|n| catalog.layer(n).is_none() && !n.starts_with(METADATA_PREFIX))
            {
                issues.push(unknown_layer(catalog, name, &format!("layer `{name}`")));
            }
            file.display().to_string()
        }
    };
    // "clear" must mean "checked against these layers": a dataset with none of them
    // would clear every parcel, and each absent layer is said with the rules it skips
    if found.is_empty() {
        let expected: Vec<&str> = catalog.layers().iter().map(|l| l.name.as_str()).collect();
        let misspelt: Vec<String> = issues
            .iter()
            .filter(|i| i.level == IssueLevel::Error)
            .map(|i| i.message.clone())
            .collect();
        return Err(Error::EmptyDataset {
            dataset: label,
            expected: expected.join(", "),
            misspelt,
        });
    }
    for layer in catalog.layers().iter().filter(|l| !found.contains(&l.name)) {
        let rules: Vec<&str> = catalog
            .rules_for_layer(&layer.name)
            .map(|r| r.id())
            .collect();
        if !rules.is_empty() {
            issues.push(DataIssue {
                level: IssueLevel::Warning,
                layer: layer.name.clone(),
                feature: "-".into(),
                rule: None,
                message: format!(
                    "layer absent from the dataset: parcels are not checked against {}",
                    rules.join(", ")
                ),
            });
        }
    }
    // a CRS that distorts over the data would measure wrong distances: refused here,
    // where every surface (check, screen, Python, the desk) loads its dataset
    crate::distortion::check_features(metric, &features)?;
    Ok(LoadedDataset {
        issues,
        label,
        layers: catalog
            .layers()
            .iter()
            .filter(|l| found.contains(&l.name))
            .map(|l| l.name.clone())
            .collect(),
        attribution: attribution.or_else(|| attribution_from_licences(&features)),
        features,
    })
}

/// The contract layer a file or table name most likely meant (`powerlines` →
/// `power_lines`): the same letters, or two edits away.
fn likely_layer<'c>(catalog: &'c Catalog, name: &str) -> Option<&'c str> {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let wanted = squash(name);
    catalog
        .layers()
        .iter()
        .map(|l| {
            (
                l.name.as_str(),
                strsim::levenshtein(&squash(&l.name), &wanted),
            )
        })
        .filter(|(_, d)| *d <= 2)
        .min_by_key(|(_, d)| *d)
        .map(|(l, _)| l)
}

/// A file or table that is no contract layer: a warning, or an error when its name is
/// a near miss of one (a misspelt layer would silently drop its rules).
fn unknown_layer(catalog: &Catalog, layer: &str, what: &str) -> DataIssue {
    match likely_layer(catalog, layer) {
        Some(meant) => DataIssue {
            level: IssueLevel::Error,
            layer: layer.to_string(),
            feature: "-".into(),
            rule: None,
            message: format!(
                "{what} is not a layer of the dataset contract; it looks like `{meant}` misspelt: rename it (aimaq does not guess, and `{meant}` is not checked until then)"
            ),
        },
        None => DataIssue {
            level: IssueLevel::Warning,
            layer: layer.to_string(),
            feature: "-".into(),
            rule: None,
            message: format!("{what} is not a layer of the dataset contract: ignored"),
        },
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
    let to_metric = Transformer::new(&crs.definition, metric.definition())?;
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
        let geometry = ogr::geometry_of(&feature).and_then(|g| {
            to_metric
                .apply(&g)
                .map(Projected::assume_metres)
                .map_err(|e| e.to_string())
        });
        out.push(ConstraintFeature {
            layer: name.to_string(),
            attributes,
            geometry,
        });
    }
    Ok(())
}
