//! Structure-aware fuzzing on stable Rust (issue 9): generated and mutated inputs for
//! the GeoJSON parcel reader, the WKB records of the bindings, the catalog TOML and the
//! dataset loader. Whatever comes
//! in, nothing panics, nothing is lost (records in = outcomes out, in order), and a
//! broken input is a reasoned refusal.
//!
//! `PROPTEST_CASES=100000 cargo test --release -p aimaq-io --test properties` runs a
//! longer slice; docs/reliability.md keeps the count of inputs tried.

use aimaq_check::Engine;
use aimaq_io::dataset::{load, DatasetSource};
use aimaq_io::pipeline::{self, RunOptions};
use aimaq_io::sink::Collect;
use aimaq_io::wkb_source::{WkbRecord, WkbSource};
use aimaq_io::{GeoJsonSource, RecordChecker};
use aimaq_proj::MetricCrs;
use aimaq_rules::Catalog;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::sync::OnceLock;

fn metric() -> &'static MetricCrs {
    static METRIC: OnceLock<MetricCrs> = OnceLock::new();
    METRIC.get_or_init(|| MetricCrs::new("EPSG:32643").unwrap())
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| aimaq_io::open_engine(&Default::default()).unwrap().engine)
}

/// Any JSON value a careless export might put where an id or a use belongs.
fn any_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e30..1e30f64).prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::from),
        Just(json!("residential")),
        Just(json!("vehicle_wash")),
        Just(json!(["residential"])),
        Just(json!({"code": "residential"})),
    ]
}

/// Positions near Almaty and beyond: in range, out of range, projected metres.
fn position() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => (76.0..78.5f64, 43.0..44.0f64).prop_map(|(x, y)| json!([x, y])),
        1 => (-400.0..400.0f64, -100.0..100.0f64).prop_map(|(x, y)| json!([x, y])),
        1 => (600000.0..700000.0f64, 4.7e6..4.8e6f64).prop_map(|(x, y)| json!([x, y])),
        1 => Just(json!([76.5])),
        1 => (76.0..78.0f64, 43.0..44.0f64, 0.0..3000.0f64).prop_map(|(x, y, z)| json!([x, y, z])),
    ]
}

/// A ring: closed or not, long enough or not, self-crossing or not.
fn ring() -> impl Strategy<Value = Value> {
    (prop::collection::vec(position(), 0..8), any::<bool>()).prop_map(|(mut pts, close)| {
        if close && !pts.is_empty() {
            pts.push(pts[0].clone());
        }
        Value::Array(pts)
    })
}

/// A lot that is valid by construction: the common case must reach the engine.
fn valid_lot() -> impl Strategy<Value = Value> {
    (76.2..77.9f64, 43.1..43.8f64, 1e-4..5e-3f64, 1e-4..5e-3f64).prop_map(|(x, y, w, h)| {
        json!({"type": "Polygon", "coordinates": [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]]})
    })
}

fn geometry() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => valid_lot(),
        2 => prop::collection::vec(ring(), 0..3).prop_map(|rings| json!({"type": "Polygon", "coordinates": rings})),
        1 => prop::collection::vec(prop::collection::vec(ring(), 1..2), 1..3)
            .prop_map(|polys| json!({"type": "MultiPolygon", "coordinates": polys})),
        1 => position().prop_map(|p| json!({"type": "Point", "coordinates": p})),
        1 => Just(Value::Null),
        1 => Just(json!({"type": "Polygonal", "coordinates": []})),
    ]
}

fn feature() -> impl Strategy<Value = Value> {
    prop_oneof![
        12 => (any_value(), any_value(), geometry()).prop_map(|(id, use_code, g)| {
            json!({"type": "Feature", "properties": {"id": id, "use": use_code}, "geometry": g})
        }),
        1 => any_value(),
    ]
}

/// Cases per property: `PROPTEST_CASES` when set (long runs), else `ci` — a slice that
/// keeps the whole fuzzing step of `cargo test` under a minute on two cores.
fn cases(ci: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(ci);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn generated_geojson_loses_no_record_and_never_panics(
        features in prop::collection::vec(feature(), 0..20)
    ) {
        let text = json!({"type": "FeatureCollection", "features": features}).to_string();
        let source = GeoJsonSource::from_text("generated", &text).unwrap();
        let checker = RecordChecker::new(engine(), metric(), "EPSG:4326", "EPSG:4326").unwrap();
        let mut sink = Collect::default();
        let totals = pipeline::run(&checker, source, &mut sink, &RunOptions::default()).unwrap();
        let outcomes = sink.into_outcomes();
        prop_assert_eq!(outcomes.len(), features.len());
        prop_assert_eq!(totals.summary.parcels_in, features.len());
        prop_assert_eq!(totals.summary.parcels_checked + totals.summary.parcels_errored, features.len());
        for (i, o) in outcomes.iter().enumerate() {
            prop_assert_eq!(o.ordinal, i as u64);
            // an error row always says why
            if o.report.error.is_some() {
                prop_assert!(!o.report.error.as_deref().unwrap().trim().is_empty());
            }
        }
    }

}

/// A lot of `side` degrees at (`x`, `y`) as WKB: a polygon, or a multipolygon of it and a
/// neighbour; little- or big-endian; optionally with Z (ISO type codes).
fn lot_wkb(x: f64, y: f64, side: f64, big_endian: bool, with_z: bool, multi: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let int = |out: &mut Vec<u8>, v: u32| {
        out.extend(if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        })
    };
    let float = |out: &mut Vec<u8>, v: f64| {
        out.extend(if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        })
    };
    let z = if with_z { 1000 } else { 0 };
    let polygon = |out: &mut Vec<u8>, x: f64| {
        out.push(u8::from(!big_endian));
        int(out, 3 + z);
        int(out, 1);
        int(out, 5);
        for (px, py) in [
            (x, y),
            (x + side, y),
            (x + side, y + side),
            (x, y + side),
            (x, y),
        ] {
            float(out, px);
            float(out, py);
            if with_z {
                float(out, 700.0);
            }
        }
    };
    if multi {
        out.push(u8::from(!big_endian));
        int(&mut out, 6 + z);
        int(&mut out, 2);
        polygon(&mut out, x);
        polygon(&mut out, x + 2.0 * side);
    } else {
        polygon(&mut out, x);
    }
    out
}

/// WKB as a binding may hand it over: well-formed lots, the same with bytes flipped or cut
/// short, a non-finite coordinate, points, and bytes that were never WKB.
fn wkb() -> impl Strategy<Value = Vec<u8>> {
    let lot = (
        76.6..77.9f64,
        43.1..43.6f64,
        0.0002..0.004f64,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(x, y, side, be, z, multi)| lot_wkb(x, y, side, be, z, multi));
    prop_oneof![
        4 => lot.clone(),
        2 => (lot.clone(), prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4))
            .prop_map(|(mut bytes, flips)| {
                for (at, b) in flips {
                    let i = at.index(bytes.len());
                    bytes[i] = b;
                }
                bytes
            }),
        1 => (lot.clone(), any::<prop::sample::Index>())
            .prop_map(|(mut bytes, at)| { bytes.truncate(at.index(bytes.len())); bytes }),
        1 => lot.clone().prop_map(|mut bytes| {
            // the first x of the first ring (after order, type, ring count, point count)
            let at = 1 + 4 + 4 + 4;
            let nan = if bytes[0] == 0 { f64::NAN.to_be_bytes() } else { f64::NAN.to_le_bytes() };
            if bytes.len() >= at + 8 && (bytes[1..5] == [0, 0, 0, 3] || bytes[1..5] == [3, 0, 0, 0]) {
                bytes[at..at + 8].copy_from_slice(&nan);
            }
            bytes
        }),
        1 => (76.6..77.9f64, 43.1..43.6f64).prop_map(|(x, y)| {
            let mut point = vec![1u8, 1, 0, 0, 0];
            point.extend(x.to_le_bytes());
            point.extend(y.to_le_bytes());
            point
        }),
        1 => prop::collection::vec(any::<u8>(), 0..48),
    ]
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn generated_wkb_loses_no_record_and_never_panics(
        records in prop::collection::vec(
            (prop::option::weighted(0.9, "[a-z0-9 ]{0,6}"), prop::option::of("residential|pasture|  |nonsense"),
             prop::option::weighted(0.95, wkb())),
            0..20)
    ) {
        let batch: Vec<WkbRecord<'_>> = records.iter().map(|(id, u, w)| WkbRecord {
            id: id.as_deref(), proposed_use: u.as_deref(), wkb: w.as_deref(),
        }).collect();
        let source = match WkbSource::new("generated", "EPSG:4326", batch) {
            Ok(source) => source,
            // a flipped byte can throw a coordinate far outside degrees: the batch as a
            // whole is then refused, with the reason
            Err(e) => {
                prop_assert!(e.to_string().contains("generated"), "{}", e);
                return Ok(());
            }
        };
        let checker = RecordChecker::new(engine(), metric(), "EPSG:4326", "EPSG:4326").unwrap();
        let mut sink = Collect::default();
        let totals = pipeline::run(&checker, source, &mut sink, &RunOptions::default()).unwrap();
        let outcomes = sink.into_outcomes();
        prop_assert_eq!(outcomes.len(), records.len());
        prop_assert_eq!(totals.summary.parcels_checked + totals.summary.parcels_errored, records.len());
        for (i, o) in outcomes.iter().enumerate() {
            prop_assert_eq!(o.ordinal, i as u64);
            if let Some(error) = o.report.error.as_deref() {
                prop_assert!(!error.trim().is_empty());
            }
        }
    }
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn a_mutated_catalog_is_refused_with_a_reason_never_a_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0..4u8, "[ -~\n]{0,3}"), 1..6)
    ) {
        let mut text = aimaq_rules::EMBEDDED_CATALOG.to_string();
        for (at, op, piece) in edits {
            if text.is_empty() {
                break;
            }
            let mut i = at.index(text.len());
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            match op {
                0 => text.insert_str(i, &piece),
                1 => { let end = (i + 1 + piece.len()).min(text.len()); let mut e = end; while !text.is_char_boundary(e) { e += 1; } text.replace_range(i..e, ""); }
                2 => text.truncate(i),
                _ => { let end = (i + piece.len()).min(text.len()); let mut e = end; while !text.is_char_boundary(e) { e += 1; } text.replace_range(i..e, &piece); }
            }
        }
        match Catalog::from_toml_str(&text) {
            Ok(catalog) => prop_assert!(!catalog.rules().is_empty()),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn a_mutated_constraint_layer_is_reported_feature_by_feature(
        features in prop::collection::vec(
            (any_value(), any_value(), prop_oneof![
                3 => (76.0..78.0f64, 43.0..44.0f64, 76.0..78.0f64, 43.0..44.0f64)
                    .prop_map(|(a, b, c, d)| json!({"type": "LineString", "coordinates": [[a, b], [c, d]]})),
                1 => geometry(),
            ]), 0..12)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let fc = json!({"type": "FeatureCollection", "features": features.iter().map(|(id, kv, g)| json!({
            "type": "Feature", "properties": {"id": id, "voltage_kv": kv}, "geometry": g
        })).collect::<Vec<_>>()});
        std::fs::write(dir.path().join("power_lines.geojson"), fc.to_string()).unwrap();
        let catalog = Catalog::embedded();
        let loaded = load(&catalog, &DatasetSource::Path(dir.path().to_path_buf()), metric()).unwrap();
        prop_assert_eq!(loaded.features.len(), features.len());
        let engine = Engine::new(catalog, "EPSG:32643", loaded.features);
        let read = engine.stats().features_by_layer.get("power_lines").copied().unwrap_or(0);
        prop_assert_eq!(read, features.len());
        // every feature the engine leaves out is named in an issue
        prop_assert!(engine.stats().features_used <= features.len());
        let left_out = features.len() - engine.stats().features_used;
        let named: std::collections::BTreeSet<&str> = engine.issues().iter()
            .filter(|i| i.layer == "power_lines" && i.feature != "-")
            .map(|i| i.feature.as_str()).collect();
        prop_assert!(named.len() >= left_out.min(1) || left_out == 0);
    }
}
