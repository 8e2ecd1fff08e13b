//! A check request as it arrives (a GeoJSON Feature or FeatureCollection, WKT, or
//! coordinates with a CRS; the use, the language and the as-of date), turned into the
//! normalised request a decision records and `aimaq decisions verify` re-runs.

use crate::desk::{Desk, InputCrs};
use crate::{Error, Limits};
use aimaq_rules::{Date, Lang};
use geo::{BoundingRect, Coord, CoordsIter, LineString, MultiPolygon, Polygon, Rect};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How the parcels were given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// A GeoJSON Feature, FeatureCollection or Polygon/MultiPolygon (RFC 7946, WGS84).
    Geojson,
    /// Well-known text in `crs`.
    Wkt,
    /// A list of positions (a ring, a polygon's rings, or polygons) in `crs`.
    Coordinates,
}

/// One parcel of a request, in the request's CRS.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestParcel {
    /// Its id (the application's number, the feature's id, or `parcel`).
    pub id: String,
    /// Its proposed use, as stated (`None`: generic construction).
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_code: Option<String>,
    /// Its geometry in `crs`, as a GeoJSON MultiPolygon object.
    #[serde(with = "multipolygon_json")]
    pub geometry: MultiPolygon<f64>,
}

/// The application a check answers, as the officer filled it in: printed in the
/// record's form (a blank line for each field left empty). The engine never reads it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    /// The application's number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Who applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicant: Option<String>,
    /// The parcel's address or cadastral number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The officer deciding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub officer: Option<String>,
    /// The officer's position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
}

/// Longest text of an application's field, characters.
const MAX_APPLICATION_FIELD: usize = 300;

impl Application {
    /// Trimmed, empty fields dropped; `None` when nothing is left. Over-long or
    /// control-character fields are refused.
    fn normalised(self) -> Result<Option<Application>, Error> {
        let clean = |name: &str, v: Option<String>| -> Result<Option<String>, Error> {
            let Some(v) = v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) else {
                return Ok(None);
            };
            if v.chars().count() > MAX_APPLICATION_FIELD {
                return Err(Error::BadRequest(format!(
                    "application.{name} is longer than {MAX_APPLICATION_FIELD} characters"
                )));
            }
            if v.chars().any(char::is_control) {
                return Err(Error::BadRequest(format!(
                    "application.{name} holds a control character"
                )));
            }
            Ok(Some(v))
        };
        let a = Application {
            number: clean("number", self.number)?,
            applicant: clean("applicant", self.applicant)?,
            address: clean("address", self.address)?,
            officer: clean("officer", self.officer)?,
            position: clean("position", self.position)?,
        };
        Ok((a != Application::default()).then_some(a))
    }
}

/// A request as a decision records it: enough to run it again, exactly.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckRequest {
    /// How the parcels were given.
    pub input: InputFormat,
    /// The parcels' CRS.
    pub crs: String,
    /// Language of messages.
    pub lang: Lang,
    /// The date the rules are taken as of (`None`: every rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<Date>,
    /// The parcels.
    pub parcels: Vec<RequestParcel>,
    /// The application, as the officer filled it in (the record's form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<Application>,
}

/// The query parameters of `POST /check` (and the fields of its JSON envelope).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CheckParams {
    /// The proposed use of every parcel that states none.
    #[serde(rename = "use")]
    pub use_code: Option<String>,
    /// `kk`, `ru` or `en`.
    pub lang: Option<String>,
    /// `YYYY-MM-DD`.
    pub as_of: Option<String>,
    /// The CRS of WKT or coordinates.
    pub crs: Option<String>,
    /// The parcel's id, for WKT and coordinates.
    pub id: Option<String>,
}

/// The JSON envelope: exactly one of `geojson`, `wkt`, `coordinates`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    geojson: Option<Value>,
    wkt: Option<String>,
    coordinates: Option<Value>,
    crs: Option<String>,
    id: Option<String>,
    #[serde(rename = "use")]
    use_code: Option<String>,
    lang: Option<String>,
    as_of: Option<String>,
    application: Option<Application>,
}

/// Parses a request body. `content_type` is the media type without parameters.
pub fn parse(
    desk: &Desk,
    body: &[u8],
    content_type: &str,
    query: &CheckParams,
    limits: &Limits,
) -> Result<CheckRequest, Error> {
    let text = std::str::from_utf8(body)
        .map_err(|_| Error::BadRequest("the body is not UTF-8 text".into()))?;
    let mut params = query.clone();
    let mut application = None;
    let (format, parcels) = match content_type {
        "text/plain" | "application/wkt" => (InputFormat::Wkt, Given::Wkt(text.to_string())),
        "application/json" | "application/geo+json" | "" => {
            let value: Value = serde_json::from_str(text)
                .map_err(|e| Error::BadJson(format!("the body is not JSON: {e}")))?;
            if value.get("type").is_some() {
                // a bare GeoJSON object: parameters come from the query
                (InputFormat::Geojson, Given::GeoJson(value))
            } else {
                let env: Envelope = serde_json::from_value(value).map_err(|e| {
                    Error::BadRequest(format!(
                        "{e}; send a GeoJSON object, or {{\"geojson\"|\"wkt\"|\"coordinates\", \"crs\", \"use\", \"lang\", \"as_of\", \"id\"}}"
                    ))
                })?;
                let overlay = |q: &mut Option<String>, b: Option<String>| {
                    if b.is_some() {
                        *q = b;
                    }
                };
                overlay(&mut params.use_code, env.use_code);
                overlay(&mut params.lang, env.lang);
                overlay(&mut params.as_of, env.as_of);
                overlay(&mut params.crs, env.crs);
                overlay(&mut params.id, env.id);
                application = env.application;
                match (env.geojson, env.wkt, env.coordinates) {
                    (Some(g), None, None) => (InputFormat::Geojson, Given::GeoJson(g)),
                    (None, Some(w), None) => (InputFormat::Wkt, Given::Wkt(w)),
                    (None, None, Some(c)) => (InputFormat::Coordinates, Given::Coordinates(c)),
                    (None, None, None) => {
                        return Err(Error::BadRequest(
                            "no parcel: give `geojson`, `wkt` or `coordinates`".into(),
                        ))
                    }
                    _ => {
                        return Err(Error::BadRequest(
                            "give only one of `geojson`, `wkt` and `coordinates`".into(),
                        ))
                    }
                }
            }
        }
        other => {
            return Err(Error::UnsupportedMediaType(format!(
                "`{other}`: send application/json (GeoJSON or the envelope), application/geo+json, or text/plain (WKT)"
            )))
        }
    };

    let lang = match params.lang.as_deref() {
        None => Lang::En,
        Some("") => {
            return Err(Error::BadParameter(
                "lang is empty: give kk, ru or en, or leave it out for en".into(),
            ))
        }
        Some(l) => l
            .parse()
            .map_err(|e: aimaq_rules::UnknownLang| Error::BadParameter(e.to_string()))?,
    };
    let as_of = match params.as_of.as_deref() {
        None | Some("") => None,
        Some(d) => Some(
            d.parse::<Date>()
                .map_err(|e| Error::BadParameter(e.to_string()))?,
        ),
    };
    let request_use = params
        .use_code
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from);

    let (crs, mut parcels) = match parcels {
        Given::GeoJson(value) => {
            if let Some(crs) = params.crs.as_deref() {
                if desk.input_crs(crs)? != InputCrs::Wgs84 {
                    return Err(Error::BadGeoJson(format!(
                        "GeoJSON is WGS84 longitude/latitude (RFC 7946), yet `crs` says {crs}: send projected coordinates as `wkt` or `coordinates` with their `crs`"
                    )));
                }
            }
            (
                InputCrs::Wgs84,
                geojson_parcels(value, params.id.as_deref(), limits)?,
            )
        }
        Given::Wkt(text) => {
            let crs = desk.input_crs(params.crs.as_deref().unwrap_or("EPSG:4326"))?;
            let geometry =
                aimaq_io::parse_wkt_parcel(&text).map_err(|e| Error::BadWkt(e.to_string()))?;
            let id = params.id.clone().unwrap_or_else(|| "parcel".into());
            (crs, vec![(id, None, geometry)])
        }
        Given::Coordinates(value) => {
            let crs = desk.input_crs(params.crs.as_deref().unwrap_or("EPSG:4326"))?;
            let geometry = coordinates_parcel(&value)?;
            let id = params.id.clone().unwrap_or_else(|| "parcel".into());
            (crs, vec![(id, None, geometry)])
        }
    };

    if parcels.is_empty() {
        return Err(Error::BadGeoJson(
            "the FeatureCollection holds no feature".into(),
        ));
    }
    if parcels.len() > limits.max_parcels {
        return Err(Error::TooManyParcels {
            count: parcels.len(),
            limit: limits.max_parcels,
        });
    }
    let vertices: usize = parcels.iter().map(|(_, _, g)| g.coords_count()).sum();
    if vertices > limits.max_vertices {
        return Err(Error::TooManyVertices {
            count: vertices,
            limit: limits.max_vertices,
        });
    }
    let mut seen = std::collections::HashSet::new();
    for (id, _, _) in &parcels {
        if !seen.insert(id.clone()) {
            return Err(Error::BadRequest(format!(
                "two parcels have the id `{id}`: a decision must tell them apart"
            )));
        }
    }

    if let Some(u) = request_use.as_deref() {
        desk.catalog()
            .resolve_use(Some(u))
            .map_err(|e| Error::UnknownUse(e.to_string()))?;
    }
    // the request's use applies to parcels that state none; a parcel stating another is
    // a contradiction the officer must resolve
    for (id, use_code, _) in &mut parcels {
        match (use_code.as_deref(), request_use.as_deref()) {
            (Some(a), Some(b)) if !a.trim().eq_ignore_ascii_case(b) => {
                return Err(Error::UseConflict(format!(
                    "parcel `{id}` states use `{a}`, the request says `{b}`"
                )))
            }
            (None, Some(b)) => *use_code = Some(b.to_string()),
            _ => {}
        }
        if let Err(e) = desk.catalog().resolve_use(use_code.as_deref()) {
            return Err(Error::UnknownUse(e.to_string()));
        }
    }

    for (id, _, g) in &parcels {
        check_place(desk, &crs, id, g)?;
    }

    Ok(CheckRequest {
        input: format,
        crs: crs.definition().to_string(),
        lang,
        as_of,
        parcels: parcels
            .into_iter()
            .map(|(id, use_code, geometry)| RequestParcel {
                id,
                use_code,
                geometry,
            })
            .collect(),
        application: match application {
            Some(a) => Application::normalised(a)?,
            None => None,
        },
    })
}

enum Given {
    GeoJson(Value),
    Wkt(String),
    Coordinates(Value),
}

type Parsed = (String, Option<String>, MultiPolygon<f64>);

/// Parcels of a Feature, FeatureCollection or bare (Multi)Polygon, read with the same
/// strict reader as `aimaq check` (positions checked as written).
fn geojson_parcels(value: Value, id: Option<&str>, limits: &Limits) -> Result<Vec<Parsed>, Error> {
    let kind = value.get("type").and_then(Value::as_str).unwrap_or("");
    let mut features = match kind {
        "FeatureCollection" => {
            let n = value
                .get("features")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if n > limits.max_parcels {
                return Err(Error::TooManyParcels {
                    count: n,
                    limit: limits.max_parcels,
                });
            }
            value
        }
        "Feature" => serde_json::json!({"type": "FeatureCollection", "features": [value]}),
        "Polygon" | "MultiPolygon" => serde_json::json!({
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {}, "geometry": value}]
        }),
        "" => return Err(Error::BadGeoJson("no GeoJSON `type`".into())),
        other => {
            return Err(Error::BadGeoJson(format!(
                "a `{other}` is not a parcel: send a Feature, a FeatureCollection, a Polygon or a MultiPolygon"
            )))
        }
    };
    // ids the officer did not give: the request's id, else `parcel` (numbered in a batch)
    if let Some(list) = features.get_mut("features").and_then(Value::as_array_mut) {
        let many = list.len() > 1;
        for (i, f) in list.iter_mut().enumerate() {
            let Some(obj) = f.as_object_mut() else {
                continue;
            };
            let has_id = obj
                .get("properties")
                .and_then(|p| p.get("id"))
                .is_some_and(|v| !v.is_null())
                || obj.get("id").is_some_and(|v| !v.is_null());
            if !has_id {
                let given = match (id, many) {
                    (Some(id), false) => id.to_string(),
                    (Some(id), true) => format!("{id}-{}", i + 1),
                    (None, false) => "parcel".to_string(),
                    (None, true) => format!("parcel-{}", i + 1),
                };
                let props = obj
                    .entry("properties")
                    .or_insert_with(|| Value::Object(Default::default()));
                if props.is_null() {
                    *props = Value::Object(Default::default());
                }
                if let Some(p) = props.as_object_mut() {
                    p.insert("id".into(), Value::String(given));
                }
            }
        }
    }
    let text = features.to_string();
    let records =
        aimaq_io::geojson::parse_collection(&text).map_err(|e| Error::BadGeoJson(e.to_string()))?;
    let mut out = Vec::with_capacity(records.len());
    for r in records {
        let label = r.label();
        let use_code = match r.properties.get("use") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                return Err(Error::BadGeoJson(format!(
                    "parcel `{label}`: `use` must be a text code, found {other}"
                )))
            }
        };
        let geometry = r
            .geometry
            .map_err(|reason| Error::BadGeometry(format!("parcel `{label}`: {reason}")))?;
        let geometry = aimaq_io::polygonal(geometry)
            .map_err(|reason| Error::BadGeometry(format!("parcel `{label}`: {reason}")))?;
        out.push((r.id.unwrap_or(label), use_code, geometry));
    }
    Ok(out)
}

/// `[[x, y], …]` (one ring, closed if it is not), `[[[x, y], …], …]` (a polygon's
/// rings) or `[[[[x, y], …]]]` (polygons); or text with one `x y` position a line.
fn coordinates_parcel(value: &Value) -> Result<MultiPolygon<f64>, Error> {
    let bad = |m: String| Error::BadCoordinates(m);
    let value = match value {
        Value::String(text) => Value::Array(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .enumerate()
                .map(|(i, line)| {
                    let nums: Vec<f64> = line
                        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
                        .filter(|s| !s.is_empty())
                        .map(|s| s.parse::<f64>())
                        .collect::<Result<_, _>>()
                        .map_err(|_| bad(format!("line {}: `{line}` is not two numbers", i + 1)))?;
                    match nums.as_slice() {
                        [x, y] => Ok(serde_json::json!([x, y])),
                        _ => Err(bad(format!("line {}: `{line}` is not two numbers", i + 1))),
                    }
                })
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    };
    fn depth(v: &Value) -> usize {
        match v {
            Value::Array(a) => 1 + a.first().map_or(0, depth),
            _ => 0,
        }
    }
    let position = |v: &Value| -> Result<Coord<f64>, Error> {
        let a = v
            .as_array()
            .filter(|a| a.len() == 2 || a.len() == 3)
            .ok_or_else(|| bad(format!("{v} is not a position [x, y]")))?;
        let n = |v: &Value| {
            v.as_f64()
                .filter(|f| f.is_finite())
                .ok_or_else(|| bad(format!("{v} is not a finite number")))
        };
        Ok(Coord {
            x: n(&a[0])?,
            y: n(&a[1])?,
        })
    };
    let ring = |v: &Value| -> Result<LineString<f64>, Error> {
        let mut coords: Vec<Coord<f64>> = v
            .as_array()
            .ok_or_else(|| bad("a ring must be a list of positions".into()))?
            .iter()
            .map(position)
            .collect::<Result<_, _>>()?;
        if coords.first() != coords.last() {
            coords.push(coords[0]);
        }
        if coords.len() < 4 {
            return Err(bad(format!(
                "a ring needs at least 3 distinct positions, it has {}",
                coords.len() - 1
            )));
        }
        Ok(LineString(coords))
    };
    let polygon = |v: &Value| -> Result<Polygon<f64>, Error> {
        let rings = v
            .as_array()
            .filter(|a| !a.is_empty())
            .ok_or_else(|| bad("a polygon needs at least one ring".into()))?;
        let mut rings = rings.iter().map(ring).collect::<Result<Vec<_>, _>>()?;
        let exterior = rings.remove(0);
        Ok(Polygon::new(exterior, rings))
    };
    match (depth(&value), value.as_array()) {
        (2, Some(_)) => Ok(MultiPolygon(vec![polygon(&Value::Array(vec![value]))?])),
        (3, Some(_)) => Ok(MultiPolygon(vec![polygon(&value)?])),
        (4, Some(list)) => Ok(MultiPolygon(
            list.iter().map(polygon).collect::<Result<_, _>>()?,
        )),
        _ => Err(bad(
            "give [[x, y], …] (a ring), [[[x, y], …]] (rings) or [[[[x, y], …]]] (polygons), or lines of `x y`".into(),
        )),
    }
}

/// Refuses coordinates that cannot be in the CRS they are said to be in, and parcels
/// outside the dataset (where every answer would be a meaningless "clear").
fn check_place(desk: &Desk, crs: &InputCrs, id: &str, g: &MultiPolygon<f64>) -> Result<(), Error> {
    let Some(b) = g.bounding_rect() else {
        return Err(Error::BadGeometry(format!("parcel `{id}` is empty")));
    };
    let looks_like_degrees = b.min().x.abs() <= 180.0
        && b.max().x.abs() <= 180.0
        && b.min().y.abs() <= 90.0
        && b.max().y.abs() <= 90.0;
    let wgs84: Rect<f64> = match crs {
        InputCrs::Wgs84 => {
            if !looks_like_degrees {
                return Err(Error::NotInCrs(format!(
                    "parcel `{id}`: x {:.1}…{:.1}, y {:.1}…{:.1} cannot be longitude/latitude: are they metres? Then name their CRS (e.g. \"crs\": \"EPSG:32643\")",
                    b.min().x, b.max().x, b.min().y, b.max().y
                )));
            }
            b
        }
        InputCrs::Metric(m, to_wgs84) => {
            if looks_like_degrees {
                return Err(Error::NotInCrs(format!(
                    "parcel `{id}`: x {:.5}…{:.5}, y {:.5}…{:.5} look like degrees, yet the CRS is {} (metres): send them with \"crs\": \"EPSG:4326\"",
                    b.min().x, b.max().x, b.min().y, b.max().y, m.label()
                )));
            }
            to_wgs84
                .apply(&b.to_polygon())
                .map_err(|e| Error::NotInCrs(format!("parcel `{id}`: {e}")))?
                .bounding_rect()
                .expect("a polygon has a box")
        }
    };
    // the one rule `check`, `screen` and Python apply (aimaq_io::coverage), refused
    // here as a whole request with its own code
    let flipped = Rect::new((b.min().y, b.min().x), (b.max().y, b.max().x));
    let swapped = match crs {
        InputCrs::Wgs84 => Some(flipped),
        InputCrs::Metric(_, to_wgs84) => to_wgs84
            .apply(&flipped.to_polygon())
            .ok()
            .and_then(|p| p.bounding_rect()),
    };
    let coverage = aimaq_io::coverage::Coverage::new(desk.extent_wgs84());
    if let Err(outside) = coverage.check(wgs84, swapped) {
        return Err(Error::OutsideDataset(format!(
            "parcel `{id}`: {outside} (dataset {})",
            desk.dataset_label()
        )));
    }
    Ok(())
}

/// GeoJSON MultiPolygon objects for the recorded request.
pub(crate) mod multipolygon_json {
    use geo::{Coord, LineString, MultiPolygon, Polygon};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Json {
        #[serde(rename = "type")]
        kind: String,
        coordinates: Vec<Vec<Vec<[f64; 2]>>>,
    }

    pub fn serialize<S: Serializer>(g: &MultiPolygon<f64>, s: S) -> Result<S::Ok, S::Error> {
        let ring = |r: &LineString<f64>| r.0.iter().map(|c| [c.x, c.y]).collect::<Vec<_>>();
        Json {
            kind: "MultiPolygon".into(),
            coordinates: g
                .0
                .iter()
                .map(|p| {
                    std::iter::once(ring(p.exterior()))
                        .chain(p.interiors().iter().map(ring))
                        .collect()
                })
                .collect(),
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<MultiPolygon<f64>, D::Error> {
        let j = Json::deserialize(d)?;
        if j.kind != "MultiPolygon" {
            return Err(serde::de::Error::custom("expected a MultiPolygon"));
        }
        let ring =
            |r: Vec<[f64; 2]>| LineString(r.into_iter().map(|[x, y]| Coord { x, y }).collect());
        let mut polygons = Vec::new();
        for rings in j.coordinates {
            let mut rings = rings.into_iter();
            let Some(exterior) = rings.next() else {
                return Err(serde::de::Error::custom("a polygon without rings"));
            };
            polygons.push(Polygon::new(ring(exterior), rings.map(ring).collect()));
        }
        Ok(MultiPolygon(polygons))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_json(body: &str) -> Result<CheckRequest, Error> {
        parse(
            crate::testing::desk(),
            body.as_bytes(),
            "application/json",
            &CheckParams::default(),
            &Limits::default(),
        )
    }

    const P025: &str = r#"{"type":"Feature","properties":{"id":"P-025","use":"vehicle_wash"},"geometry":{"type":"Polygon","coordinates":[[[77.756257,43.326485],[77.756556,43.326327],[77.756845,43.326619],[77.756545,43.326777],[77.756257,43.326485]]]}}"#;

    #[test]
    fn a_feature_keeps_its_id_and_use() {
        let r = parse_json(P025).unwrap();
        assert_eq!(r.input, InputFormat::Geojson);
        assert_eq!(r.parcels[0].id, "P-025");
        assert_eq!(r.parcels[0].use_code.as_deref(), Some("vehicle_wash"));
        assert_eq!(r.crs, "EPSG:4326");
    }

    #[test]
    fn coordinates_as_text_are_closed_and_read_easting_first() {
        let r = parse_json(
            r#"{"coordinates": "656542 4791127\n656582 4791127\n656582 4791157\n656542 4791157", "crs": "EPSG:32643", "id": "A-1"}"#,
        )
        .unwrap();
        assert_eq!(r.input, InputFormat::Coordinates);
        let ring = r.parcels[0].geometry.0[0].exterior();
        assert_eq!(ring.0.len(), 5);
        assert_eq!(ring.0[0], ring.0[4]);
        assert_eq!(r.parcels[0].id, "A-1");
    }

    #[test]
    fn swapped_axes_are_named() {
        let e = parse_json(r#"{"coordinates": [[43.32, 77.75], [43.33, 77.75], [43.33, 77.76]]}"#)
            .unwrap_err();
        assert!(e.to_string().contains("swapped"), "{e}");
    }

    #[test]
    fn the_record_round_trips() {
        let r = parse_json(P025).unwrap();
        let text = serde_json::to_string(&r).unwrap();
        let back: CheckRequest = serde_json::from_str(&text).unwrap();
        assert_eq!(back.parcels[0].geometry, r.parcels[0].geometry);
        assert_eq!(serde_json::to_string(&back).unwrap(), text);
    }
}
