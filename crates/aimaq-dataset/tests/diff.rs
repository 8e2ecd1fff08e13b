//! The diff between two small datasets: a line moved by more than the tolerance is
//! "moved", one moved by less is not; a changed voltage, an added and a removed feature.

use aimaq_dataset::diff::{diff, DiffOptions};
use aimaq_io::dataset::{load, DatasetSource};
use aimaq_proj::MetricCrs;
use aimaq_rules::Catalog;
use serde_json::{json, Value};
use std::path::Path;

/// Metres north, in degrees of latitude near 43.3° N (1° ≈ 111,035 m).
fn north(m: f64) -> f64 {
    m / 111_035.0
}

fn line(id: &str, kv: f64, lat: f64) -> Value {
    json!({"type": "Feature", "properties": {"id": id, "name": format!("line {id}"), "voltage_kv": kv},
        "geometry": {"type": "LineString", "coordinates": [[76.90, lat], [76.95, lat]]}})
}

fn write(dir: &Path, lines: Vec<Value>) {
    std::fs::create_dir_all(dir).unwrap();
    let fc = json!({"type": "FeatureCollection", "features": lines});
    std::fs::write(dir.join("power_lines.geojson"), fc.to_string()).unwrap();
    let rail = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "rw-1"},
         "geometry": {"type": "LineString", "coordinates": [[76.90, 43.25], [76.95, 43.25]]}}]});
    std::fs::write(dir.join("railways.geojson"), rail.to_string()).unwrap();
}

#[test]
fn moved_changed_added_removed() {
    let dir = tempfile::tempdir().unwrap();
    let (old_dir, new_dir) = (dir.path().join("old"), dir.path().join("new"));
    write(
        &old_dir,
        vec![
            line("pl-1", 220.0, 43.30),
            line("pl-2", 220.0, 43.31),
            line("pl-3", 220.0, 43.32),
            line("pl-4", 220.0, 43.33),
        ],
    );
    write(
        &new_dir,
        vec![
            line("pl-1", 220.0, 43.30 + north(11.0)),
            line("pl-2", 220.0, 43.31 + north(0.2)),
            line("pl-3", 500.0, 43.32),
            line("pl-5", 220.0, 43.34),
        ],
    );
    let catalog = Catalog::embedded();
    let utm = MetricCrs::new("EPSG:32643").unwrap();
    let old = load(&catalog, &DatasetSource::Path(old_dir), &utm).unwrap();
    let new = load(&catalog, &DatasetSource::Path(new_dir), &utm).unwrap();
    let d = diff(&old, &new, &utm.label(), &DiffOptions::default());
    assert_eq!(d.tolerance_m, 0.5);
    assert_eq!(d.layers.len(), 1, "railways did not change: {:?}", d.layers);
    let p = d.layer("power_lines").unwrap();
    assert_eq!((p.old_features, p.new_features), (Some(4), Some(4)));
    // pl-1 moved 11 m; pl-2's 0.2 m is within the tolerance
    assert_eq!(p.moved.len(), 1, "{:?}", p.moved);
    assert_eq!(p.moved[0].id, "pl-1");
    let m = p.moved[0].distance_m.unwrap();
    assert!((m - 11.0).abs() < 0.05, "{m}");
    assert_eq!(p.changed.len(), 1);
    assert_eq!(p.changed[0].id, "pl-3");
    let v = &p.changed[0].attributes;
    assert_eq!(v.len(), 1);
    assert_eq!(
        (
            v[0].attribute.as_str(),
            v[0].old.as_f64(),
            v[0].new.as_f64()
        ),
        ("voltage_kv", Some(220.0), Some(500.0))
    );
    assert_eq!(p.added[0].id, "pl-5");
    assert_eq!(p.removed[0].id, "pl-4");
    assert_eq!(p.unchanged, 1); // pl-2
    assert_eq!(d.summary.unchanged, 2); // and the railway
                                        // a tighter tolerance sees pl-2 move
    let tight = diff(&old, &new, &utm.label(), &DiffOptions { tolerance_m: 0.1 });
    let ids: Vec<&str> = tight
        .layer("power_lines")
        .unwrap()
        .moved
        .iter()
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(ids, ["pl-1", "pl-2"]);

    let text = d.to_text();
    assert!(
        text.contains("moved = Hausdorff distance above 0.5 m"),
        "{text}"
    );
    assert!(text.contains("~ moved    pl-1 «line pl-1» by 1"), "{text}");
    assert!(
        text.contains("* changed  pl-3 «line pl-3»: voltage_kv 220.0 → 500.0"),
        "{text}"
    );
    let j = serde_json::to_value(&d).unwrap();
    assert_eq!(
        j["layers"][0]["changed"][0]["attributes"][0]["attribute"],
        "voltage_kv"
    );
    assert_eq!(j["summary"]["moved"], 1);
    assert_eq!(j["tolerance_m"], 0.5);
}

#[test]
fn a_dataset_against_itself_has_no_change() {
    let catalog = Catalog::embedded();
    let utm = MetricCrs::new("EPSG:32643").unwrap();
    let a = load(&catalog, &DatasetSource::Embedded, &utm).unwrap();
    let d = diff(&a, &a, &utm.label(), &DiffOptions::default());
    assert!(d.is_empty());
    assert_eq!(d.summary.unchanged, a.features.len());
}
