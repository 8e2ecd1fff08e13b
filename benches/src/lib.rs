//! Loads the embedded dataset and the demo parcels in UTM 43N for the benchmarks.

use aimaq_check::{ConstraintFeature, Engine, Parcel, Projected};
use aimaq_rules::Catalog;
use geo::{Geometry, LineString, MapCoords, MultiPolygon, Polygon};
use std::path::PathBuf;

const LAYERS: [&str; 8] = [
    "settlements",
    "railways",
    "power_lines",
    "water_bodies",
    "water_conduits",
    "gas_pipelines",
    "road_corridors",
    "protected_areas",
];

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
}

fn to_utm() -> proj::Proj {
    proj::Proj::new_known_crs("EPSG:4326", "EPSG:32643", None).unwrap()
}

fn features(path: PathBuf) -> Vec<(serde_json::Map<String, serde_json::Value>, Geometry<f64>)> {
    let fc: geojson::FeatureCollection = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    let utm = to_utm();
    fc.features
        .into_iter()
        .map(|f| {
            let g = Geometry::<f64>::try_from(&f.geometry.unwrap().value).unwrap();
            let g = g.map_coords(|c| {
                let (x, y) = utm.convert((c.x, c.y)).unwrap();
                geo::coord! { x: x, y: y }
            });
            (f.properties.unwrap_or_default(), g)
        })
        .collect()
}

/// The embedded constraint features in metres.
pub fn constraint_features() -> Vec<ConstraintFeature> {
    LAYERS
        .iter()
        .flat_map(|layer| {
            features(repo(&format!("data/almaty/{layer}.geojson")))
                .into_iter()
                .map(move |(attributes, g)| ConstraintFeature {
                    layer: layer.to_string(),
                    attributes,
                    geometry: Ok(Projected::assume_metres(g)),
                })
        })
        .collect()
}

/// An engine over the embedded dataset.
pub fn engine() -> Engine {
    Engine::new(Catalog::embedded(), "EPSG:32643", constraint_features())
}

/// The demo parcels in metres.
pub fn demo_parcels() -> Vec<Parcel> {
    features(repo("fixtures/parcels/demo.geojson"))
        .into_iter()
        .map(|(props, g)| Parcel {
            id: props["id"].as_str().unwrap().to_string(),
            proposed_use: None,
            geometry: Projected::assume_metres(match g {
                Geometry::Polygon(p) => MultiPolygon(vec![p]),
                Geometry::MultiPolygon(mp) => mp,
                _ => unreachable!(),
            }),
        })
        .collect()
}

/// A parcel of `n` vertices: a wavy ring of radius about `radius_m` around the point
/// `(lon, lat)` (issue 9, D5: the cost of large parcels).
pub fn wavy_parcel(id: &str, n: usize, lon: f64, lat: f64, radius_m: f64) -> Parcel {
    let (cx, cy) = to_utm().convert((lon, lat)).unwrap();
    let ring: LineString<f64> = (0..n)
        .map(|k| {
            let a = 2.0 * std::f64::consts::PI * k as f64 / n as f64;
            let r = radius_m * (1.0 + 0.1 * (7.0 * a).sin());
            geo::coord! { x: cx + r * a.cos(), y: cy + r * a.sin() }
        })
        .collect();
    Parcel {
        id: id.into(),
        proposed_use: None,
        geometry: Projected::assume_metres(Polygon::new(ring, vec![]).into()),
    }
}

/// The reported 5-vertex parcel spanning 5° of longitude and latitude around Almaty,
/// every zone of the dataset inside it.
pub fn five_degree_parcel() -> Parcel {
    let utm = to_utm();
    let ring: LineString<f64> = [
        (74.5, 41.0),
        (79.5, 41.0),
        (79.5, 46.0),
        (77.0, 46.5),
        (74.5, 46.0),
    ]
    .iter()
    .map(|p| {
        let (x, y) = utm.convert(*p).unwrap();
        geo::coord! { x: x, y: y }
    })
    .collect();
    Parcel {
        id: "five-degrees".into(),
        proposed_use: None,
        geometry: Projected::assume_metres(Polygon::new(ring, vec![]).into()),
    }
}
