//! RFC 7946 GeoJSON read record by record, so one bad record never hides the others.

use aimaq_rules::Attributes;
use geojson::{GeometryValue, Position};
use std::path::Path;
use thiserror::Error;

/// Why a GeoJSON text is unusable as a whole.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum GeoJsonError {
    /// Not JSON at all.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// JSON, but not an object.
    #[error("expected a GeoJSON FeatureCollection object")]
    NotAnObject,
    /// An object of another GeoJSON type.
    #[error("expected \"type\": \"FeatureCollection\"")]
    NotACollection,
    /// A pre-RFC 7946 `crs` member naming anything but WGS84.
    #[error("declares crs `{0}`: GeoJSON must be WGS84 longitude/latitude (RFC 7946); reproject it first")]
    ProjectedCrs(String),
    /// No `features` array.
    #[error("FeatureCollection has no \"features\" array")]
    NoFeatures,
}

/// One feature as read: geographic (lon/lat degrees) geometry or the reason it has none.
#[derive(Debug, Clone)]
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
pub fn read_file(path: &Path) -> crate::Result<Vec<Record>> {
    let text = std::fs::read_to_string(path).map_err(|cause| crate::Error::Read {
        path: path.to_path_buf(),
        cause,
    })?;
    parse_collection(&text).map_err(|reason| crate::Error::GeoJson {
        what: path.display().to_string(),
        reason,
    })
}

/// Parses a FeatureCollection's text.
///
/// ```
/// let text = r#"{"type": "FeatureCollection", "features": [
///   {"type": "Feature", "properties": {"id": 7}, "geometry": {"type": "Point", "coordinates": [76.9, 43.2]}},
///   {"type": "Feature", "properties": {"id": "b"}, "geometry": {"type": "Point", "coordinates": [656542, 4791127]}}
/// ]}"#;
/// let records = aimaq_io::geojson::parse_collection(text).unwrap();
/// assert_eq!(records[0].id.as_deref(), Some("7"));
/// assert!(records[1].geometry.as_ref().unwrap_err().contains("not projected metres"));
/// ```
pub fn parse_collection(text: &str) -> Result<Vec<Record>, GeoJsonError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| GeoJsonError::Json(e.to_string()))?;
    let Some(obj) = value.as_object() else {
        return Err(GeoJsonError::NotAnObject);
    };
    if obj.get("type").and_then(|t| t.as_str()) != Some("FeatureCollection") {
        return Err(GeoJsonError::NotACollection);
    }
    if let Some(crs) = obj.get("crs") {
        // RFC 7946 removed `crs`; only WGS84 lon/lat is GeoJSON.
        let name = crs
            .pointer("/properties/name")
            .and_then(|n| n.as_str())
            .unwrap_or("");
        if !(name.is_empty() || name.contains("CRS84") || name.ends_with("4326")) {
            return Err(GeoJsonError::ProjectedCrs(name.to_string()));
        }
    }
    let Some(features) = obj.get("features").and_then(|f| f.as_array()) else {
        return Err(GeoJsonError::NoFeatures);
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
        let e = parse_collection("{").unwrap_err().to_string();
        assert!(e.contains("invalid JSON"), "{e}");
        let e = parse_collection(r#"{"type":"Feature"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("FeatureCollection"), "{e}");
    }
}
