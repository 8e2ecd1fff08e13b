//! The benchmarks' inputs, loaded through the library exactly as the CLI loads them:
//! the embedded dataset (every contract layer) in UTM 43N, and the demo parcels.

use aimaq_check::{ConstraintFeature, Engine, Parcel, Projected};
use aimaq_io::{EngineOptions, GeoJsonSource, OpenedEngine};
use std::path::PathBuf;

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
}

/// The embedded constraint features in metres, as `aimaq check` reads them.
pub fn constraint_features() -> Vec<ConstraintFeature> {
    let (_, _, loaded) = aimaq_io::load(&EngineOptions::default()).expect("embedded dataset");
    loaded.features
}

/// The engine `aimaq check` builds by default.
pub fn opened() -> OpenedEngine {
    aimaq_io::open_engine(&EngineOptions::default()).expect("embedded dataset")
}

/// An engine over the embedded dataset.
pub fn engine() -> Engine {
    opened().engine
}

/// The demo parcels in metres, with their stated uses.
pub fn demo_parcels() -> Vec<Parcel> {
    let opened = opened();
    GeoJsonSource::open(&repo("fixtures/parcels/demo.geojson"))
        .expect("demo parcels")
        .map(|r| {
            let geometry =
                aimaq_io::polygonal(r.geometry.expect("a demo geometry")).expect("a demo polygon");
            Parcel {
                id: r.id.expect("a demo id"),
                proposed_use: r.proposed_use.expect("a demo use"),
                geometry: Projected::assume_metres(
                    opened.reprojector.to_metric(&geometry).expect("in UTM 43N"),
                ),
            }
        })
        .collect()
}
