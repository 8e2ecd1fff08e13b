//! The desk's engines: one catalog and one dataset, read once, with engines built for
//! each language and each set of rules in force, and what every decision records about
//! them (the catalog's TOML and the dataset snapshot, each with its SHA-256).

use crate::snapshot;
use crate::Error;
use aimaq_check::{ConstraintFeature, Engine};
use aimaq_io::dataset::DatasetSource;
use aimaq_io::RecordChecker;
use aimaq_proj::{CrsError, MetricCrs, Reprojector, Transformer};
use aimaq_rules::{Catalog, DataIssue, Date, Lang};
use geo::{BoundingRect, Rect};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// What the desk checks against.
#[derive(Debug, Clone)]
pub struct DeskOptions {
    /// The constraint dataset.
    pub data: DatasetSource,
    /// The projected metric CRS distances are measured in.
    pub crs: String,
    /// The regulation catalog's TOML file; `None` is the embedded catalog.
    pub catalog: Option<PathBuf>,
}

impl Default for DeskOptions {
    fn default() -> Self {
        DeskOptions {
            data: DatasetSource::Embedded,
            crs: aimaq_io::DEFAULT_CRS.into(),
            catalog: None,
        }
    }
}

/// The CRS a request's coordinates are in, once accepted.
#[derive(Debug, Clone)]
pub enum InputCrs {
    /// WGS84 longitude/latitude degrees (EPSG:4326 taken in GIS order, OGC:CRS84).
    Wgs84,
    /// A projected CRS in metres whose area of use covers the dataset, and the way
    /// back to WGS84 (built once: PROJ takes milliseconds to find it).
    Metric(MetricCrs, Transformer),
}

impl PartialEq for InputCrs {
    fn eq(&self, other: &InputCrs) -> bool {
        self.definition() == other.definition()
    }
}

impl InputCrs {
    /// The definition PROJ is given.
    pub fn definition(&self) -> &str {
        match self {
            InputCrs::Wgs84 => "EPSG:4326",
            InputCrs::Metric(m, _) => m.definition(),
        }
    }
}

pub use crate::error::CrsProblem;

/// The engine for one language and one set of rules in force.
#[derive(Clone, Copy)]
pub struct EngineRef {
    /// The engine. Engines live as long as the process (a few per catalog date and
    /// language), so checkers can borrow them from any thread.
    pub engine: &'static Engine,
    /// The as-of date asked for (engines are shared by dates with the same rules).
    pub as_of: Option<Date>,
}

type EngineKey = (Lang, Vec<String>);

/// At most this many request CRSs are remembered (each costs PROJ objects per thread).
const MAX_CRSS: usize = 64;

/// One catalog and one dataset, and the engines over them.
pub struct Desk {
    catalog_text: String,
    catalog: Catalog,
    catalog_digest: String,
    metric: MetricCrs,
    reprojector: Reprojector,
    dataset_label: String,
    features: Vec<ConstraintFeature>,
    load_issues: Vec<DataIssue>,
    layers: Vec<String>,
    /// The credit the data's licence requires (OSM: ODbL), shown on the page and records.
    attribution: Option<String>,
    snapshot: Vec<u8>,
    dataset_digest: String,
    extent_wgs84: Rect<f64>,
    engines: Mutex<HashMap<EngineKey, &'static Engine>>,
    checkers: Mutex<HashMap<(usize, String), Arc<RecordChecker<'static>>>>,
    crss: Mutex<HashMap<String, Result<InputCrs, CrsProblem>>>,
    heads: Mutex<HashMap<usize, Arc<serde_json::Value>>>,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk")
            .field("catalog", &self.catalog_digest)
            .field("dataset", &self.dataset_label)
            .field("dataset_digest", &self.dataset_digest)
            .field("crs", &self.metric.definition())
            .finish()
    }
}

impl Desk {
    /// Reads the catalog and the dataset `options` name, measured in its CRS.
    ///
    /// ```
    /// let desk = aimaq_server::Desk::open(&Default::default()).unwrap();
    /// assert_eq!(desk.dataset_label(), "embedded data/almaty");
    /// assert!(desk.catalog_digest().starts_with("sha256:"));
    /// ```
    pub fn open(options: &DeskOptions) -> Result<Desk, Error> {
        let catalog_text = match &options.catalog {
            None => aimaq_rules::EMBEDDED_CATALOG.to_string(),
            Some(p) => std::fs::read_to_string(p)
                .map_err(|e| Error::Setup(format!("cannot read {}: {e}", p.display())))?,
        };
        let catalog = Catalog::from_toml_str(&catalog_text)
            .map_err(|e| Error::Setup(format!("the catalog cannot be used: {e}")))?;
        let metric = MetricCrs::new(&options.crs).map_err(|e| Error::Setup(e.to_string()))?;
        let loaded = aimaq_io::dataset::load(&catalog, &options.data, &metric)
            .map_err(|e| Error::Setup(e.to_string()))?;
        let snapshot = snapshot::encode(&loaded.features, &loaded.issues, &loaded.layers);
        Desk::assemble(
            catalog_text,
            catalog,
            metric,
            loaded.label,
            (loaded.features, loaded.issues, loaded.layers),
            snapshot,
        )
    }

    /// The desk a stored decision was made with: its catalog text, its dataset snapshot
    /// and its CRS, as the store keeps them.
    pub fn from_record(
        catalog_text: &str,
        snapshot_bytes: Vec<u8>,
        crs: &str,
        dataset_label: &str,
    ) -> Result<Desk, Error> {
        let catalog = Catalog::from_toml_str(catalog_text)
            .map_err(|e| Error::Setup(format!("the recorded catalog cannot be used: {e}")))?;
        let metric = MetricCrs::new(crs).map_err(|e| Error::Setup(e.to_string()))?;
        let decoded = snapshot::decode(&snapshot_bytes).map_err(|e| Error::Setup(e.to_string()))?;
        Desk::assemble(
            catalog_text.to_string(),
            catalog,
            metric,
            dataset_label.to_string(),
            decoded,
            snapshot_bytes,
        )
    }

    fn assemble(
        catalog_text: String,
        catalog: Catalog,
        metric: MetricCrs,
        dataset_label: String,
        (features, load_issues, layers): snapshot::Decoded,
        snapshot: Vec<u8>,
    ) -> Result<Desk, Error> {
        let reprojector = Reprojector::new(&metric).map_err(|e| Error::Setup(e.to_string()))?;
        let mut extent: Option<Rect<f64>> = None;
        for f in &features {
            let Some(b) = f
                .geometry
                .as_ref()
                .ok()
                .and_then(|g| g.geometry().bounding_rect())
            else {
                continue;
            };
            extent = Some(match extent {
                None => b,
                Some(e) => Rect::new(
                    (e.min().x.min(b.min().x), e.min().y.min(b.min().y)),
                    (e.max().x.max(b.max().x), e.max().y.max(b.max().y)),
                ),
            });
        }
        let extent = extent.ok_or_else(|| Error::Setup("the dataset holds no geometry".into()))?;
        let extent_wgs84 = reprojector
            .to_wgs84(&extent.to_polygon())
            .map_err(|e| Error::Setup(e.to_string()))?
            .bounding_rect()
            .expect("a polygon has a box");
        let mut desk = Desk {
            catalog_digest: snapshot::sha256(catalog_text.as_bytes()),
            dataset_digest: snapshot::sha256(&snapshot),
            catalog_text,
            catalog,
            metric,
            reprojector,
            dataset_label,
            attribution: aimaq_io::dataset::attribution_from_licences(&features),
            features,
            load_issues,
            layers,
            snapshot,
            extent_wgs84,
            engines: Mutex::new(HashMap::new()),
            checkers: Mutex::new(HashMap::new()),
            crss: Mutex::new(HashMap::new()),
            heads: Mutex::new(HashMap::new()),
        };
        // The coverage is the engine's (`aimaq_io::coverage`, the rule of check, screen and
        // Python): the features' box grown by the widest zone, so a parcel by a feature
        // at the edge of the data is checked, not refused as outside it.
        let engine_extent = desk.engine(Lang::default(), None)?.engine.extent();
        if let Some(e) = engine_extent {
            desk.extent_wgs84 = desk
                .reprojector
                .to_wgs84(&e.to_polygon())
                .map_err(|e| Error::Setup(e.to_string()))?
                .bounding_rect()
                .expect("a polygon has a box");
        }
        Ok(desk)
    }

    /// The full catalog (every rule, whatever its dates).
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The catalog's TOML text.
    pub fn catalog_text(&self) -> &str {
        &self.catalog_text
    }

    /// SHA-256 of the catalog's TOML text.
    pub fn catalog_digest(&self) -> &str {
        &self.catalog_digest
    }

    /// The dataset's label (`embedded data/almaty`, or its path).
    pub fn dataset_label(&self) -> &str {
        &self.dataset_label
    }

    /// SHA-256 of the dataset snapshot (see [`crate::snapshot`]).
    pub fn dataset_digest(&self) -> &str {
        &self.dataset_digest
    }

    /// The dataset snapshot's bytes.
    pub fn snapshot(&self) -> &[u8] {
        &self.snapshot
    }

    /// The constraint features, in metres.
    pub fn features(&self) -> &[ConstraintFeature] {
        &self.features
    }

    /// The contract layers the dataset holds: what "clear" was checked against.
    pub fn layers(&self) -> &[String] {
        &self.layers
    }

    /// The credit the data's licence requires (OSM: ODbL), if any.
    pub fn attribution(&self) -> Option<&str> {
        self.attribution.as_deref()
    }

    /// Problems the reader found outside any feature.
    pub fn load_issues(&self) -> &[DataIssue] {
        &self.load_issues
    }

    /// The CRS distances are measured in.
    pub fn metric(&self) -> &MetricCrs {
        &self.metric
    }

    /// WGS84 ⇄ the metric CRS.
    pub fn reprojector(&self) -> &Reprojector {
        &self.reprojector
    }

    /// The dataset's extent in WGS84 degrees.
    pub fn extent_wgs84(&self) -> Rect<f64> {
        self.extent_wgs84
    }

    /// The engine answering in `lang` with the rules in force on `as_of` (every rule
    /// when `None`). Built on first use, a few milliseconds, then shared.
    pub fn engine(&self, lang: Lang, as_of: Option<Date>) -> Result<EngineRef, Error> {
        let catalog = match as_of {
            None => None,
            Some(date) => Some(
                self.catalog
                    .as_of(date)
                    .map_err(|e| Error::AsOf(e.to_string()))?,
            ),
        };
        let left_out: Vec<String> = catalog
            .as_ref()
            .map(|c| c.not_in_force().iter().map(|n| n.rule.clone()).collect())
            .unwrap_or_default();
        // dates with the same rules in force share an engine: keyed by what is left out
        // (and whether a date was given at all, which the report states)
        let mut key_rules = left_out;
        if as_of.is_some() {
            key_rules.insert(0, "@as-of".into());
        }
        let key = (lang, key_rules);
        let mut engines = self.engines.lock().expect("engine map");
        if let Some(engine) = engines.get(&key) {
            return Ok(EngineRef { engine, as_of });
        }
        let catalog = catalog.unwrap_or_else(|| self.catalog.clone());
        // limits decided on the ground, as every engine aimaq_io opens
        let ground =
            aimaq_io::distortion::ground(&self.metric).map_err(|e| Error::Setup(e.to_string()))?;
        let mut engine = Engine::new(catalog, self.metric.label(), self.features.clone())
            .with_ground(ground)
            .with_lang(lang)
            .with_attribution(self.attribution.clone());
        engine.add_issues(self.load_issues.clone());
        // deliberately kept for the process's life: bounded by languages × rule sets
        let engine: &'static Engine = Box::leak(Box::new(engine));
        engines.insert(key, engine);
        Ok(EngineRef { engine, as_of })
    }

    /// The JSON contract of a report of `engine` with no parcels: what every answer of
    /// that engine shares (lang, crs, catalog, dataset). `Report::new` copies the whole
    /// catalog, a third of a check's time: done once per engine, not per request.
    pub fn report_head(&self, engine: &'static Engine) -> Arc<serde_json::Value> {
        let key = engine as *const Engine as usize;
        let mut heads = self.heads.lock().expect("report heads");
        Arc::clone(heads.entry(key).or_insert_with(|| {
            Arc::new(
                serde_json::to_value(aimaq_check::Report::new(engine, Vec::new()))
                    .expect("a report serialises"),
            )
        }))
    }

    /// A checker for records in `crs`, answering in WGS84, with `aimaq check`'s
    /// semantics (no geometry repair: an invalid polygon is the record's error).
    pub fn checker(
        &self,
        engine: &'static Engine,
        crs: &InputCrs,
    ) -> Result<Arc<RecordChecker<'static>>, Error> {
        let key = (
            engine as *const Engine as usize,
            crs.definition().to_string(),
        );
        if let Some(c) = self.checkers.lock().expect("checker map").get(&key) {
            return Ok(Arc::clone(c));
        }
        // built outside the lock: PROJ takes milliseconds to find a transformation
        let checker = RecordChecker::new(engine, &self.metric, crs.definition(), "EPSG:4326")
            .map_err(|e| Error::Crs(CrsProblem::Unknown(e.to_string())))?
            .with_repair(false);
        let checker = Arc::new(checker);
        self.checkers
            .lock()
            .expect("checker map")
            .insert(key, Arc::clone(&checker));
        Ok(checker)
    }

    /// Accepts a request's CRS: WGS84 degrees, or a projected CRS in metres meant for
    /// the dataset's area. Remembered, so a CRS is looked up in PROJ's database once.
    pub fn input_crs(&self, definition: &str) -> Result<InputCrs, CrsProblem> {
        let definition = definition.trim();
        if let Some(known) = self.crss.lock().expect("crs map").get(definition) {
            return known.clone();
        }
        let answer = self.judge_crs(definition);
        let mut crss = self.crss.lock().expect("crs map");
        if crss.len() < MAX_CRSS {
            crss.insert(definition.to_string(), answer.clone());
        }
        answer
    }

    fn judge_crs(&self, definition: &str) -> Result<InputCrs, CrsProblem> {
        let upper = definition.to_ascii_uppercase();
        if matches!(
            upper.as_str(),
            "EPSG:4326" | "OGC:CRS84" | "CRS84" | "URN:OGC:DEF:CRS:OGC:1.3:CRS84" | "WGS84"
        ) || upper == "URN:OGC:DEF:CRS:EPSG::4326"
        {
            return Ok(InputCrs::Wgs84);
        }
        match MetricCrs::new(definition) {
            Ok(m) => {
                if let Some(area) = m.area_of_use() {
                    let e = self.extent_wgs84;
                    let overlaps = area.west <= e.max().x
                        && area.east >= e.min().x
                        && area.south <= e.max().y
                        && area.north >= e.min().y;
                    if area.west <= area.east && !overlaps {
                        return Err(CrsProblem::Elsewhere {
                            definition: definition.to_string(),
                            area: area.name.clone(),
                            dataset: describe_box(e),
                        });
                    }
                }
                let back = Transformer::new(definition, "EPSG:4326")
                    .map_err(|e| CrsProblem::Unknown(format!("{definition} ({e})")))?;
                Ok(InputCrs::Metric(m, back))
            }
            Err(CrsError::NotProjected { name, .. }) => Err(CrsProblem::NotMetric(format!(
                "`{definition}` ({name}) is not a projected CRS, and the only geographic CRS the desk takes is WGS84"
            ))),
            Err(CrsError::NotMetres { name, unit, .. }) => Err(CrsProblem::NotMetric(format!(
                "`{definition}` ({name}) has axes in {unit}, not metres"
            ))),
            Err(_) => Err(CrsProblem::Unknown(definition.to_string())),
        }
    }

    /// Whether a WGS84 box lies within the dataset's extent (with `margin` degrees).
    pub fn covers(&self, b: Rect<f64>, margin: f64) -> bool {
        let e = self.extent_wgs84;
        b.min().x >= e.min().x - margin
            && b.max().x <= e.max().x + margin
            && b.min().y >= e.min().y - margin
            && b.max().y <= e.max().y + margin
    }
}

/// `76.10…78.40 °E, 43.00…44.10 °N`.
pub fn describe_box(b: Rect<f64>) -> String {
    format!(
        "{:.2}…{:.2} °E, {:.2}…{:.2} °N",
        b.min().x,
        b.max().x,
        b.min().y,
        b.max().y
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desk() -> &'static Desk {
        crate::testing::desk()
    }

    #[test]
    fn crss_are_judged_as_a_gis_officer_would() {
        let d = desk();
        assert_eq!(d.input_crs("EPSG:4326").unwrap(), InputCrs::Wgs84);
        assert_eq!(d.input_crs("OGC:CRS84").unwrap(), InputCrs::Wgs84);
        assert!(matches!(
            d.input_crs("EPSG:32643").unwrap(),
            InputCrs::Metric(..)
        ));
        // Pulkovo 1942 / Gauss-Krüger zone 13 covers 72°E–78°E
        assert!(d.input_crs("EPSG:28413").is_ok());
        // feet, other geographic datums, unknown codes, other continents
        let feet = d.input_crs("EPSG:2230").unwrap_err();
        assert!(
            matches!(&feet, CrsProblem::NotMetric(m) if m.contains("foot") || m.contains("feet")),
            "{feet}"
        );
        let pulkovo_degrees = d.input_crs("EPSG:4284").unwrap_err();
        assert!(
            matches!(pulkovo_degrees, CrsProblem::NotMetric(_)),
            "{pulkovo_degrees}"
        );
        assert!(matches!(
            d.input_crs("EPSG:999999").unwrap_err(),
            CrsProblem::Unknown(_)
        ));
        let utm_31 = d.input_crs("EPSG:32631").unwrap_err();
        assert!(matches!(&utm_31, CrsProblem::Elsewhere { .. }), "{utm_31}");
    }

    #[test]
    fn dates_with_the_same_rules_share_an_engine() {
        let d = desk();
        let a = d
            .engine(Lang::En, Some("2023-01-01".parse().unwrap()))
            .unwrap();
        let b = d
            .engine(Lang::En, Some("2023-06-01".parse().unwrap()))
            .unwrap();
        assert!(std::ptr::eq(a.engine, b.engine));
        let c = d
            .engine(Lang::En, Some("2025-06-01".parse().unwrap()))
            .unwrap();
        assert!(!std::ptr::eq(a.engine, c.engine));
        let kk = d.engine(Lang::Kk, None).unwrap();
        assert_eq!(kk.engine.lang(), Lang::Kk);
        assert!(d
            .engine(Lang::En, Some("2019-01-01".parse().unwrap()))
            .is_err());
    }

    #[test]
    fn the_extent_is_the_agglomeration() {
        let e = desk().extent_wgs84();
        assert!(e.min().x > 75.0 && e.max().x < 80.0, "{e:?}");
        assert!(e.min().y > 42.0 && e.max().y < 45.0, "{e:?}");
    }
}
