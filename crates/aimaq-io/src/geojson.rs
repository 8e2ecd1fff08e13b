//! RFC 7946 GeoJSON read record by record, so one bad record never hides the others.

use aimaq_rules::Attributes;
use geojson::{GeometryValue, Position};
use std::path::Path;

pub use crate::error::GeoJsonError;

/// One feature as read: geographic (lon/lat degrees) geometry or the reason it has none.
#[derive(Debug, Clone)]
pub struct Record {
    /// 0-based position in the file.
    pub ordinal: usize,
    /// `properties.id` (a number is taken as its decimal text, digit for digit), else
    /// the feature's `id`; or why there is none.
    pub id: Result<String, String>,
    /// `properties.use` (`None`: not stated), or why the stated value is no use code.
    pub proposed_use: Result<Option<String>, String>,
    /// Properties as given.
    pub properties: Attributes,
    /// Checked lon/lat geometry, or why it cannot be used.
    pub geometry: Result<geo::Geometry<f64>, String>,
}

impl Record {
    /// `id` or `#ordinal` for messages.
    pub fn label(&self) -> String {
        match &self.id {
            Ok(id) => id.clone(),
            Err(_) => format!("#{}", self.ordinal),
        }
    }
}

/// What kind of JSON value this is, for messages.
fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Reads a FeatureCollection file. Fails only when the file as a whole is unusable.
pub fn read_file(path: &Path) -> crate::Result<Vec<Record>> {
    let bytes = std::fs::read(path).map_err(|cause| crate::Error::Read {
        path: path.to_path_buf(),
        cause,
    })?;
    let unusable = |reason| crate::Error::GeoJson {
        what: path.display().to_string(),
        reason,
    };
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        unusable(GeoJsonError::Utf8 {
            byte: e.valid_up_to(),
        })
    })?;
    parse_collection(text).map_err(unusable)
}

/// Parses a FeatureCollection's text.
///
/// ```
/// let text = r#"{"type": "FeatureCollection", "features": [
///   {"type": "Feature", "properties": {"id": 7}, "geometry": {"type": "Point", "coordinates": [76.9, 43.2]}},
///   {"type": "Feature", "properties": {"id": "b"}, "geometry": {"type": "Point", "coordinates": [656542, 4791127]}}
/// ]}"#;
/// let records = aimaq_io::geojson::parse_collection(text).unwrap();
/// assert_eq!(records[0].id.as_deref(), Ok("7"));
/// assert!(records[1].geometry.as_ref().unwrap_err().contains("not projected metres"));
/// ```
pub fn parse_collection(text: &str) -> Result<Vec<Record>, GeoJsonError> {
    // a byte-order mark is not JSON, but editors on Windows write one; GDAL accepts it
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(GeoJsonError::Empty);
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| json_error(text, e))?;
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

/// Names `NaN` and `Infinity` when they are what serde_json stumbled on.
fn json_error(text: &str, e: serde_json::Error) -> GeoJsonError {
    let (line, column) = (e.line(), e.column());
    if line > 0 && column > 0 {
        if let Some(rest) = text
            .lines()
            .nth(line - 1)
            .and_then(|l| l.get(column.saturating_sub(2)..))
        {
            let rest = rest.trim_start_matches([':', ',', '[', ' ']);
            for token in ["NaN", "Infinity", "-Infinity"] {
                if rest.starts_with(token) {
                    return GeoJsonError::NotANumber {
                        token: token.into(),
                        line,
                        column,
                    };
                }
            }
        }
    }
    GeoJsonError::Json(e.to_string())
}

/// The parcel's id: `properties.id`, else the feature's `id`; text as it is, a number
/// as its decimal text (digit for digit: a cadastral number is no quantity).
fn id_of(
    props: Option<&serde_json::Value>,
    feature_id: Option<&serde_json::Value>,
) -> Result<String, String> {
    let as_text = id_text;
    match (props.and_then(|p| p.get("id")), feature_id) {
        (Some(v), _) if !v.is_null() => as_text(v, "`properties.id`"),
        (_, Some(v)) if !v.is_null() => as_text(v, "the feature's `id`"),
        _ => Err("parcel has no `id` (properties.id or the feature's id)".into()),
    }
}

/// An id's text: text as it is, an integer digit for digit; `place` names it in errors.
pub(crate) fn id_text(v: &serde_json::Value, place: &str) -> Result<String, String> {
    match v {
        serde_json::Value::String(s) if !s.trim().is_empty() => Ok(s.clone()),
        serde_json::Value::String(_) => Err(format!("{place} is empty")),
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => Ok(n.to_string()),
        // beyond 64 bits JSON numbers reach us as doubles, which keep 15-17 digits: a
        // cadastral number would be silently changed
        serde_json::Value::Number(n) if n.as_f64().is_some_and(|f| f.abs() >= 2f64.powi(53)) => {
            Err(format!(
                "{place} {n} is too long a number to keep every digit: write it as text"
            ))
        }
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(format!(
            "{place} must be text or a number, found {}",
            json_kind(other)
        )),
    }
}

/// `properties.use`: a code as text, or not stated.
fn use_of(props: Option<&serde_json::Value>) -> Result<Option<String>, String> {
    props.and_then(|p| p.get("use")).map_or(Ok(None), use_text)
}

/// A use value as written: a code as text, or not stated (null).
pub(crate) fn use_text(v: &serde_json::Value) -> Result<Option<String>, String> {
    match v {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::String(s) => Ok(Some(s.clone())),
        other => Err(format!(
            "`use` must be one use code as text (`aimaq rules` lists them), found {}: {other}",
            json_kind(other)
        )),
    }
}

fn parse_record(ordinal: usize, raw: &serde_json::Value) -> Record {
    if !raw.is_object() {
        let why = format!(
            "not a GeoJSON Feature but {}: no `id`, no geometry",
            json_kind(raw)
        );
        return Record {
            ordinal,
            id: Err(why.clone()),
            proposed_use: Ok(None),
            properties: Default::default(),
            geometry: Err(why),
        };
    }
    let id = id_of(raw.get("properties"), raw.get("id"));
    let proposed_use = use_of(raw.get("properties"));
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
        proposed_use,
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
            let which = if prefix.is_empty() {
                "polygon "
            } else {
                &prefix
            };
            return Err(format!("{which}has no rings"));
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
            Ok("123")
        );
        assert_eq!(
            one(r#"{"type":"Feature","id":"F7","properties":{},"geometry":null}"#)
                .id
                .as_deref(),
            Ok("F7")
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
        assert!(recs[1].geometry.is_err() && recs[1].id.as_deref() == Ok("bad"));
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
