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

/// UTM 43N easting and northing of a longitude/latitude, through the library's PROJ.
fn utm(lon: f64, lat: f64) -> (f64, f64) {
    let t = aimaq_proj::Transformer::new("EPSG:4326", "EPSG:32643").expect("UTM 43N");
    let p = t.apply(&geo::point!(x: lon, y: lat)).expect("in UTM 43N");
    (p.x(), p.y())
}

/// A wavy ring of `n` vertices and about `radius_m` metres around `lon`, `lat`.
pub fn wavy_parcel(id: &str, n: usize, lon: f64, lat: f64, radius_m: f64) -> Parcel {
    let (cx, cy) = utm(lon, lat);
    let ring: geo::LineString<f64> = (0..n)
        .map(|k| {
            let a = 2.0 * std::f64::consts::PI * k as f64 / n as f64;
            let r = radius_m * (1.0 + 0.1 * (7.0 * a).sin());
            geo::coord! { x: cx + r * a.cos(), y: cy + r * a.sin() }
        })
        .collect();
    Parcel {
        id: id.into(),
        proposed_use: None,
        geometry: Projected::assume_metres(geo::Polygon::new(ring, vec![]).into()),
    }
}

/// The reported 5-vertex parcel spanning 5° of longitude and latitude around Almaty,
/// every zone of the dataset inside it.
pub fn five_degree_parcel() -> Parcel {
    let ring: geo::LineString<f64> = [
        (74.5, 41.0),
        (79.5, 41.0),
        (79.5, 46.0),
        (77.0, 46.5),
        (74.5, 46.0),
    ]
    .iter()
    .map(|&(lon, lat)| {
        let (x, y) = utm(lon, lat);
        geo::coord! { x: x, y: y }
    })
    .collect();
    Parcel {
        id: "five-degrees".into(),
        proposed_use: None,
        geometry: Projected::assume_metres(geo::Polygon::new(ring, vec![]).into()),
    }
}
