//! One call from options to a ready engine: catalog (as of a date), metric CRS, dataset.
//! The CLI, the benches and every binding open engines here, so they all check against
//! exactly the same layers.

use crate::dataset::{self, DatasetSource, LoadedDataset};
use crate::{Error, Result};
use aimaq_check::Engine;
use aimaq_proj::{MetricCrs, Reprojector};
use aimaq_rules::{Catalog, Date, Lang};
use std::path::{Path, PathBuf};

/// The CRS aimaq measures in unless told otherwise: UTM zone 43N, which covers the
/// Almaty agglomeration (72°E–78°E).
pub const DEFAULT_CRS: &str = "EPSG:32643";

/// What an engine is built from.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// The constraint dataset.
    pub data: DatasetSource,
    /// Projected CRS with metre axes to measure in.
    pub crs: String,
    /// Regulation catalog TOML; `None` is the embedded catalog.
    pub catalog: Option<PathBuf>,
    /// Language of messages and labels.
    pub lang: Lang,
    /// Check against the rules in force on this date; `None` is every rule.
    pub as_of: Option<Date>,
    /// Limits on one parcel (vertices, extent): past them a record is an error row.
    pub limits: aimaq_check::Limits,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            data: DatasetSource::Embedded,
            crs: DEFAULT_CRS.into(),
            catalog: None,
            lang: Lang::default(),
            as_of: None,
            limits: aimaq_check::Limits::default(),
        }
    }
}

/// An engine and what it was built from.
pub struct OpenedEngine {
    /// The checker.
    pub engine: Engine,
    /// The CRS it measures in.
    pub metric: MetricCrs,
    /// WGS84 ⇄ `metric`.
    pub reprojector: Reprojector,
    /// The dataset's label for reports.
    pub dataset: String,
    /// The contract layers the dataset holds: what "clear" was checked against.
    pub layers: Vec<String>,
    /// SHA-256 of the catalog's TOML.
    pub catalog_digest: String,
    /// The date rules were taken in force on, if one was given.
    pub as_of: Option<aimaq_rules::Date>,
    /// The credit the dataset's licence requires (OSM: ODbL), if any.
    pub attribution: Option<String>,
}

/// `sha256:` and the hex SHA-256 of `bytes`: how reports and decisions name the exact
/// catalog and data they were made with.
///
/// ```
/// assert_eq!(
///     aimaq_io::sha256(b"abc"),
///     "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// ```
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(7 + 64);
    hex.push_str("sha256:");
    for b in digest {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

/// The SHA-256 of the catalog's TOML at `path`, or of the embedded one.
pub fn catalog_digest(path: Option<&Path>) -> Result<String> {
    match path {
        None => Ok(sha256(aimaq_rules::EMBEDDED_CATALOG.as_bytes())),
        Some(p) => std::fs::read(p)
            .map(|b| sha256(&b))
            .map_err(|cause| Error::Read {
                path: p.to_path_buf(),
                cause,
            }),
    }
}

/// The catalog at `path`, or the embedded one.
pub fn load_catalog(path: Option<&Path>) -> Result<Catalog> {
    match path {
        None => Ok(Catalog::embedded()),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|cause| Error::Read {
                path: p.to_path_buf(),
                cause,
            })?;
            if text.trim().is_empty() {
                return Err(Error::EmptyCatalog {
                    path: p.to_path_buf(),
                });
            }
            Catalog::from_toml_str(&text).map_err(|cause| Error::CatalogFile {
                path: p.to_path_buf(),
                cause,
            })
        }
    }
}

/// The catalog in force on `as_of`, the metric CRS, and the dataset read into it —
/// before any engine is built (the land balance needs the features themselves).
pub fn load(options: &EngineOptions) -> Result<(Catalog, MetricCrs, LoadedDataset)> {
    let mut catalog = load_catalog(options.catalog.as_deref())?;
    if let Some(date) = options.as_of {
        catalog = catalog.as_of(date)?;
    }
    let metric = MetricCrs::new(&options.crs)?;
    let loaded = dataset::load(&catalog, &options.data, &metric)?;
    Ok((catalog, metric, loaded))
}

/// Builds the engine `options` describe.
///
/// ```
/// use aimaq_io::{open_engine, EngineOptions};
///
/// let opened = open_engine(&EngineOptions::default()).unwrap();
/// assert_eq!(opened.dataset, "embedded data/almaty");
/// assert_eq!(opened.engine.stats().features_by_layer.len(), 12); // every contract layer
/// ```
pub fn open_engine(options: &EngineOptions) -> Result<OpenedEngine> {
    let (catalog, metric, loaded) = load(options)?;
    let mut engine = Engine::new(catalog, metric.label(), loaded.features)
        .with_ground(crate::distortion::ground(&metric)?)
        .with_lang(options.lang)
        .with_limits(options.limits)
        .with_attribution(loaded.attribution.clone());
    engine.add_issues(loaded.issues);
    let reprojector = Reprojector::new(&metric)?;
    Ok(OpenedEngine {
        engine,
        metric,
        reprojector,
        dataset: loaded.label,
        layers: loaded.layers,
        catalog_digest: catalog_digest(options.catalog.as_deref())?,
        as_of: options.as_of,
        attribution: loaded.attribution,
    })
}
