//! Mutation fuzzing of the GeoJSON reader, with the engine behind it.

use aimaq_check::{ConstraintFeature, Engine, Parcel, Projected, Verdict};
use aimaq_io::geojson::parse_collection;
use geo::{line_string, Geometry, MapCoords, MultiPolygon};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const ALPHABET: &[u8] = b"{}[],:\"0123456789.-eE+ NaNnullPolygonFeature\\";

#[test]
fn mutated_geojson_never_panics_and_loses_no_record() {
    let seed_text = include_str!("../../../fixtures/parcels/bad.geojson");
    let line = ConstraintFeature {
        layer: "power_lines".into(),
        attributes: serde_json::json!({"id": "l", "voltage_kv": 220})
            .as_object()
            .unwrap()
            .clone(),
        geometry: Ok(Projected::assume_metres(Geometry::from(
            line_string![(x: 76_400.0, y: 43_400.0), (x: 76_600.0, y: 43_600.0)],
        ))),
    };
    let engine = Engine::new(aimaq_rules::Catalog::embedded(), "test", vec![line]);
    let mut rng = Rng(0x9E3779B97F4A7C15);
    let (mut parsed, mut checked) = (0, 0);
    for _ in 0..3000 {
        let mut bytes = seed_text.as_bytes().to_vec();
        for _ in 0..1 + rng.below(6) {
            if bytes.is_empty() {
                break;
            }
            let at = rng.below(bytes.len());
            match rng.below(4) {
                0 => bytes[at] = ALPHABET[rng.below(ALPHABET.len())],
                1 => {
                    bytes.remove(at);
                }
                2 => bytes.insert(at, ALPHABET[rng.below(ALPHABET.len())]),
                _ => bytes.truncate(at.max(1)),
            }
        }
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        let Ok(records) = parse_collection(&text) else {
            continue;
        };
        parsed += 1;
        let parcels: Vec<Parcel> = records
            .into_iter()
            .filter_map(|r| {
                let id = r.label();
                let mp = match r.geometry.ok()? {
                    Geometry::Polygon(p) => MultiPolygon(vec![p]),
                    Geometry::MultiPolygon(mp) => mp,
                    _ => return None,
                };
                // degrees × 1000 stand in for metres: only robustness is tested here
                let metric = mp.map_coords(|c| geo::coord! { x: c.x * 1000.0, y: c.y * 1000.0 });
                Some(Parcel {
                    id,
                    proposed_use: None,
                    geometry: Projected::assume_metres(metric),
                })
            })
            .collect();
        let reports = engine.check_all(&parcels);
        assert_eq!(reports.len(), parcels.len());
        checked += reports
            .iter()
            .filter(|r| r.verdict != Verdict::Error)
            .count();
    }
    assert!(
        parsed > 100 && checked > 100,
        "the fuzzer must reach the engine: {parsed} parsed, {checked} checked"
    );
}
