//! Reading RFC 7946 GeoJSON record by record, so one bad record never hides the others.

use aimaq_rules::Attributes;
use anyhow::{bail, Context, Result};
use geojson::{GeometryValue, Position};
use std::path::Path;

#[derive(Debug)]
/// One feature as read: geographic (lon/lat degrees) geometry or the reason it has none.
pub struct Record {
    /// 0-based position in the file.
    pub ordinal: usize,
    /// `properties.id` (a number is taken as its decimal text), else the feature's `id`.
    pub id: Option<String>,
    /// Properties as given.
    pub properties: Attributes,
    /// Checked lon/lat geometry, or why it cannot be used.
    pub geometry: Result<geo::Geometry<f64>, String>,
}

impl Record {
    /// `id` or `#ordinal` for messages.
    pub fn label(&self) -> String {
        self.id
            .clone()
            .unwrap_or_else(|| format!("#{}", self.ordinal))
    }
}

/// Reads a FeatureCollection file. Fails only when the file as a whole is unusable.
pub fn read_file(path: &Path) -> Result<Vec<Record>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_collection(&text).with_context(|| format!("{} is not usable GeoJSON", path.display()))
}

/// Parses a FeatureCollection's text.
pub fn parse_collection(text: &str) -> Result<Vec<Record>> {
    let value: serde_json::Value = serde_json::from_str(text).context("invalid JSON")?;
    let Some(obj) = value.as_object() else {
        bail!("expected a GeoJSON FeatureCollection object");
    };
    if obj.get("type").and_then(|t| t.as_str()) != Some("FeatureCollection") {
        bail!("expected \"type\": \"FeatureCollection\"");
    }
    if let Some(crs) = obj.get("crs") {
        // RFC 7946 removed `crs`; only WGS84 lon/lat is GeoJSON.
        let name = crs
            .pointer("/properties/name")
            .and_then(|n| n.as_str())
            .unwrap_or("");
        if !(name.is_empty() || name.contains("CRS84") || name.ends_with("4326")) {
            bail!("declares crs `{name}`: GeoJSON must be WGS84 longitude/latitude (RFC 7946); reproject it first");
        }
    }
    let Some(features) = obj.get("features").and_then(|f| f.as_array()) else {
        bail!("FeatureCollection has no \"features\" array");
    };
    Ok(features
        .iter()
        .enumerate()
        .map(|(i, v)| parse_record(i, v))
        .collect())
}

fn id_of(
    props: Option<&serde_json::Value>,
    feature_id: Option<&serde_json::Value>,
) -> Option<String> {
    let as_text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    props
        .and_then(|p| p.get("id"))
        .and_then(as_text)
        .or_else(|| feature_id.and_then(as_text))
}

fn parse_record(ordinal: usize, raw: &serde_json::Value) -> Record {
    let id = id_of(raw.get("properties"), raw.get("id"));
    let properties = raw
        .get("properties")
        .and_then(|p| p.as_object())
        .cloned()
        .unwrap_or_default();
    let geometry = match serde_json::from_value::<geojson::Feature>(raw.clone()) {
        Err(e) => Err(format!("not a GeoJSON Feature: {e}")),
        Ok(f) => match f.geometry {
            None => Err("feature has no geometry".to_string()),
            Some(g) => check_positions(&g.value).and_then(|()| {
                geo::Geometry::<f64>::try_from(&g.value)
                    .map_err(|e| format!("unusable geometry: {e}"))
            }),
        },
    };
    Record {
        ordinal,
        id,
        properties,
        geometry,
    }
}

/// Ranges, finiteness and ring closure, checked on the positions as written (converting
/// to `geo` would silently close rings).
fn check_positions(g: &GeometryValue) -> Result<(), String> {
    let pos = |p: &Position| -> Result<(), String> {
        let s = p.as_slice();
        if s.len() < 2 {
            return Err("a position has fewer than 2 numbers".into());
        }
        let (lon, lat) = (s[0], s[1]);
        if !(lon.is_finite() && lat.is_finite()) {
            return Err(format!("position ({lon}, {lat}) is not finite"));
        }
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            return Err(format!(
                "position ({lon}, {lat}) is outside longitude/latitude range: GeoJSON must be WGS84 degrees (RFC 7946), not projected metres"
            ));
        }
        Ok(())
    };
    let ring = |r: &[Position], which: String| -> Result<(), String> {
        r.iter().try_for_each(pos)?;
        if r.len() < 4 {
            return Err(format!(
                "{which} has {} positions, a ring needs at least 4",
                r.len()
            ));
        }
        if r.first().map(|p| p.as_slice()[..2].to_vec())
            != r.last().map(|p| p.as_slice()[..2].to_vec())
        {
            return Err(format!(
                "{which} is not closed: its first and last positions differ"
            ));
        }
        Ok(())
    };
    let polygon = |rings: &Vec<Vec<Position>>, prefix: String| -> Result<(), String> {
        if rings.is_empty() {
            return Err(format!("{prefix}has no rings"));
        }
        rings
            .iter()
            .enumerate()
            .try_for_each(|(i, r)| ring(r, format!("{prefix}ring {i}")))
    };
    match g {
        GeometryValue::Point { coordinates } => pos(coordinates),
        GeometryValue::MultiPoint { coordinates } | GeometryValue::LineString { coordinates } => {
            coordinates.iter().try_for_each(pos)
        }
        GeometryValue::MultiLineString { coordinates } => {
            coordinates.iter().flatten().try_for_each(pos)
        }
        GeometryValue::Polygon { coordinates } => polygon(coordinates, String::new()),
        GeometryValue::MultiPolygon { coordinates } => coordinates
            .iter()
            .enumerate()
            .try_for_each(|(i, p)| polygon(p, format!("polygon {i} "))),
        GeometryValue::GeometryCollection { .. } => {
            Err("GeometryCollection is not supported".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(feature: &str) -> Record {
        let text = format!(r#"{{"type":"FeatureCollection","features":[{feature}]}}"#);
        parse_collection(&text).unwrap().remove(0)
    }

    #[test]
    fn unclosed_ring_is_named() {
        let r = one(
            r#"{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Polygon","coordinates":[[[76,43],[76.1,43],[76.1,43.1],[76,43.1]]]}}"#,
        );
        assert!(r.geometry.unwrap_err().contains("ring 0 is not closed"));
    }

    #[test]
    fn projected_coordinates_in_geojson_are_refused() {
        let r = one(
            r#"{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"LineString","coordinates":[[656542.8,4791127.3],[656600,4791200]]}}"#,
        );
        assert!(r.geometry.unwrap_err().contains("not projected metres"));
    }

    #[test]
    fn numeric_and_feature_ids_are_read() {
        assert_eq!(
            one(r#"{"type":"Feature","properties":{"id":123},"geometry":null}"#)
                .id
                .as_deref(),
            Some("123")
        );
        assert_eq!(
            one(r#"{"type":"Feature","id":"F7","properties":{},"geometry":null}"#)
                .id
                .as_deref(),
            Some("F7")
        );
    }

    #[test]
    fn a_malformed_feature_does_not_hide_the_others() {
        let text = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"id":"ok"},"geometry":{"type":"Point","coordinates":[76,43]}},
            {"type":"Feature","properties":{"id":"bad"},"geometry":{"type":"Polygonx","coordinates":[]}},
            42]}"#;
        let recs = parse_collection(text).unwrap();
        assert_eq!(recs.len(), 3);
        assert!(recs[0].geometry.is_ok());
        assert!(recs[1].geometry.is_err() && recs[1].id.as_deref() == Some("bad"));
        assert!(recs[2].geometry.is_err());
    }

    #[test]
    fn whole_file_errors_say_what() {
        let e = format!("{:#}", parse_collection("{").unwrap_err());
        assert!(e.contains("invalid JSON"), "{e}");
        let e = format!(
            "{:#}",
            parse_collection(r#"{"type":"Feature"}"#).unwrap_err()
        );
        assert!(e.contains("FeatureCollection"), "{e}");
    }
}

/// Mutation fuzzing of the reader, with the engine behind it: whatever the bytes, no
/// panic, and every record of a parsable collection comes back checked or errored.
#[cfg(test)]
mod fuzz {
    use super::*;
    use aimaq_check::{ConstraintFeature, Engine, Parcel, Projected, Verdict};
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
                    let metric =
                        mp.map_coords(|c| geo::coord! { x: c.x * 1000.0, y: c.y * 1000.0 });
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
}
