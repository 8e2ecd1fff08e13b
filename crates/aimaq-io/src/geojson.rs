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

/// The largest GeoJSON file read whole: 2 GiB (parsed, it takes several times that in
/// memory). Larger inputs belong in a GeoPackage or FlatGeobuf, which `screen` streams.
pub const MAX_GEOJSON_BYTES: u64 = 2 << 30;

/// Reads a FeatureCollection file of at most [`MAX_GEOJSON_BYTES`]. Fails only when the
/// file as a whole is unusable.
pub fn read_file(path: &Path) -> crate::Result<Vec<Record>> {
    read_file_bounded(path, MAX_GEOJSON_BYTES)
}

/// Refuses an input that is not a regular file (a device such as `/dev/zero`, a FIFO, a
/// socket: endless or blocking reads), or a file larger than `max_bytes`, before reading it.
pub fn check_input_file(path: &Path, max_bytes: Option<u64>) -> crate::Result<()> {
    let meta = std::fs::metadata(path).map_err(|cause| {
        if cause.kind() == std::io::ErrorKind::NotFound {
            crate::Error::Missing {
                path: path.to_path_buf(),
            }
        } else {
            crate::Error::Read {
                path: path.to_path_buf(),
                cause,
            }
        }
    })?;
    if !meta.is_file() {
        return Err(crate::Error::NotARegularFile {
            path: path.to_path_buf(),
            kind: kind_of(&meta),
        });
    }
    if let Some(max) = max_bytes {
        if meta.len() > max {
            return Err(crate::Error::TooLarge {
                path: path.to_path_buf(),
                bytes: meta.len(),
                max,
            });
        }
    }
    Ok(())
}

/// What a file system object is, for messages.
pub(crate) fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// As [`read_file`], with another bound on the file's size.
pub fn read_file_bounded(path: &Path, max_bytes: u64) -> crate::Result<Vec<Record>> {
    read_file_encoded(path, max_bytes, None)
}

/// As [`read_file_bounded`], for a file in `encoding` (an iconv name) instead of UTF-8.
pub fn read_file_encoded(
    path: &Path,
    max_bytes: u64,
    encoding: Option<&str>,
) -> crate::Result<Vec<Record>> {
    use std::io::Read;
    check_input_file(path, Some(max_bytes))?;
    let read_err = |cause| crate::Error::Read {
        path: path.to_path_buf(),
        cause,
    };
    // bounded even if the file grows while it is read
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(max_bytes + 1).read_to_end(&mut bytes))
        .map_err(read_err)?;
    if bytes.len() as u64 > max_bytes {
        return Err(crate::Error::TooLarge {
            path: path.to_path_buf(),
            bytes: bytes.len() as u64,
            max: max_bytes,
        });
    }
    let unusable = |reason| crate::Error::GeoJson {
        what: path.display().to_string(),
        reason,
    };
    if let Some(enc) = encoding {
        let text = crate::encoding::recode_to_utf8(&bytes, enc).map_err(|detail| {
            crate::Error::Encoding {
                path: path.to_path_buf(),
                detail,
            }
        })?;
        return parse_collection(&text).map_err(unusable);
    }
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

pub(crate) fn parse_record(ordinal: usize, raw: &serde_json::Value) -> Record {
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

/// The members of a FeatureCollection's `features` array that are not JSON objects
/// (`null`, `42`, `"x"`, `[]`), with their positions: GDAL's GeoJSON driver skips them
/// without a word, so a GDAL-read source puts them back as error records (records in =
/// records reported). Read in one streaming pass, without building the features;
/// `None` when the file is no FeatureCollection this pass can read (GDAL then decides).
pub fn non_object_features(path: &Path) -> Option<Vec<(u64, serde_json::Value)>> {
    prepass(path).map(|p| p.skipped)
}

/// What GDAL's GeoJSON reader loses, found in one streaming pass over the file (see
/// [`prepass`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prepass {
    /// Members of `features` that are not objects, by position: GDAL skips them.
    pub skipped: Vec<(u64, serde_json::Value)>,
    /// Text properties holding a NUL byte, by the feature's position: GDAL hands text
    /// over as C strings, which end at the NUL (`P-1\0a` and `P-1\0b` would both read
    /// `P-1`). Each is the property's name and its whole text.
    pub with_nul: std::collections::BTreeMap<u64, Vec<(String, String)>>,
}

/// Walks a FeatureCollection file once, streaming, without building its features, and
/// finds what GDAL's GeoJSON driver would lose: members of `features` that are not
/// objects, and text properties with a NUL byte. `None` when the file is no
/// FeatureCollection this pass can read (GDAL then decides).
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("p.geojson");
/// std::fs::write(&path, r#"{"type": "FeatureCollection", "features": [
///   {"type": "Feature", "properties": {"id": "P-1\u0000a", "n": 1}, "geometry": null},
///   42
/// ]}"#).unwrap();
/// let found = aimaq_io::geojson::prepass(&path).unwrap();
/// assert_eq!(found.skipped, vec![(1, serde_json::json!(42))]);
/// assert_eq!(found.with_nul[&0], vec![("id".to_string(), "P-1\0a".to_string())]);
/// ```
pub fn prepass(path: &Path) -> Option<Prepass> {
    use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    /// A property's value: `Some` only for text holding a NUL.
    struct NulText;
    impl<'de> DeserializeSeed<'de> for NulText {
        type Value = Option<String>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Option<String>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a JSON value")
                }
                fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                    Ok(v.contains('\0').then(|| v.to_string()))
                }
                fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                    while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                    Ok(None)
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
                    while s.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(None)
                }
                fn visit_unit<E>(self) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                    Ok(None)
                }
            }
            d.deserialize_any(V)
        }
    }

    /// `properties`: its text values holding a NUL, by name.
    struct Properties;
    impl<'de> DeserializeSeed<'de> for Properties {
        type Value = Vec<(String, String)>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Vec<(String, String)>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("properties")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                    let mut found = Vec::new();
                    while let Some(key) = m.next_key::<String>()? {
                        if let Some(text) = m.next_value_seed(NulText)? {
                            found.push((key, text));
                        }
                    }
                    Ok(found)
                }
                fn visit_unit<E>(self) -> Result<Self::Value, E> {
                    Ok(Vec::new())
                }
            }
            d.deserialize_any(V)
        }
    }

    /// What one member holds that GDAL would lose.
    enum Found {
        /// Not an object: the value itself.
        NotAnObject(serde_json::Value),
        /// An object, with its text properties that hold a NUL.
        Object(Vec<(String, String)>),
    }

    /// One member of `features`.
    struct Member;
    impl<'de> DeserializeSeed<'de> for Member {
        type Value = Found;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Found;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a JSON value")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                    let mut found = Vec::new();
                    while let Some(key) = m.next_key::<String>()? {
                        if key == "properties" {
                            found = m.next_value_seed(Properties)?;
                        } else {
                            m.next_value::<IgnoredAny>()?;
                        }
                    }
                    Ok(Found::Object(found))
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
                    let mut items = Vec::new();
                    while let Some(v) = s.next_element::<serde_json::Value>()? {
                        items.push(v);
                    }
                    Ok(Found::NotAnObject(serde_json::Value::Array(items)))
                }
                fn visit_unit<E>(self) -> Result<Self::Value, E> {
                    Ok(Found::NotAnObject(serde_json::Value::Null))
                }
                fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                    Ok(Found::NotAnObject(v.into()))
                }
                fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                    Ok(Found::NotAnObject(v.into()))
                }
                fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                    Ok(Found::NotAnObject(v.into()))
                }
                fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                    Ok(Found::NotAnObject(v.into()))
                }
                fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                    Ok(Found::NotAnObject(v.into()))
                }
            }
            d.deserialize_any(V)
        }
    }

    /// The `features` array.
    struct Features;
    impl<'de> DeserializeSeed<'de> for Features {
        type Value = Prepass;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Prepass;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("an array of features")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
                    let mut found = Prepass::default();
                    let mut i = 0u64;
                    while let Some(m) = s.next_element_seed(Member)? {
                        match m {
                            Found::NotAnObject(v) => found.skipped.push((i, v)),
                            Found::Object(texts) if !texts.is_empty() => {
                                found.with_nul.insert(i, texts);
                            }
                            Found::Object(_) => {}
                        }
                        i += 1;
                    }
                    Ok(found)
                }
            }
            d.deserialize_seq(V)
        }
    }

    /// The collection: only its `features` member is looked at.
    struct Collection;
    impl<'de> Visitor<'de> for Collection {
        type Value = Option<Prepass>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a FeatureCollection")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
            let mut found = None;
            while let Some(key) = m.next_key::<String>()? {
                if key == "features" && found.is_none() {
                    found = Some(m.next_value_seed(Features)?);
                } else {
                    m.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found)
        }
    }

    let file = std::fs::File::open(path).ok()?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    // a byte-order mark, as GDAL accepts one
    {
        use std::io::BufRead;
        let head = reader.fill_buf().ok()?;
        if head.starts_with(b"\xEF\xBB\xBF") {
            reader.consume(3);
        }
    }
    let mut de = serde_json::Deserializer::from_reader(reader);
    de.deserialize_map(Collection).ok().flatten()
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
