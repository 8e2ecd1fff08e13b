//! The map's data: the constraint layers as GeoJSON in WGS84, the resolved zones as
//! polygons (each feature buffered by its rule's limit), both cut to a box and
//! simplified for the zoom; and the settlement gazetteer (kk/ru/en names).
//!
//! Display only: every number a decision states comes from the engine, which measures
//! exact distances to the stored geometry. The strips here are buffers with geo's
//! default arc step, drawn for orientation.

use crate::desk::Desk;
use crate::Error;
use aimaq_check::{Engine, FeatureGeometry};
use aimaq_rules::{Lang, Limit};
use geo::{BooleanOps, BoundingRect, Buffer, Geometry, Intersects, MultiPolygon, Rect, Simplify};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// A feature ready for the map, in WGS84.
#[derive(Clone)]
struct MapFeature {
    bbox: Rect<f64>,
    geometry: Geometry<f64>,
    properties: Map<String, Value>,
    /// For zones: the rule's id, and the source feature's attributes (regime cells may
    /// test them).
    rule: Option<(String, aimaq_rules::Attributes)>,
}

/// A layer's features, shared between requests.
type Features = Arc<Vec<MapFeature>>;

/// Zoom levels features are simplified for: tolerance is half a pixel at that zoom.
const MIN_BUCKET: u8 = 5;
const MAX_BUCKET: u8 = 15;

/// The map's layers.
pub struct Layers {
    by_layer: HashMap<String, Arc<Vec<MapFeature>>>,
    zones: OnceLock<Result<Arc<Vec<MapFeature>>, String>>,
    simplified: Mutex<HashMap<(String, u8), Features>>,
    places: Vec<Place>,
}

struct Place {
    id: String,
    names: [String; 3],
    folded: Vec<String>,
    bbox: Rect<f64>,
}

impl Layers {
    /// The dataset's features in WGS84, by layer.
    pub fn new(desk: &Desk) -> Result<Layers, String> {
        let mut by_layer: HashMap<String, Vec<MapFeature>> = HashMap::new();
        for f in desk.features() {
            let Ok(g) = &f.geometry else { continue };
            let Ok(wgs84) = desk.reprojector().to_wgs84(g.geometry()) else {
                continue;
            };
            let Some(bbox) = wgs84.bounding_rect() else {
                continue;
            };
            let mut properties = f.attributes.clone();
            properties.insert("layer".into(), Value::String(f.layer.clone()));
            by_layer
                .entry(f.layer.clone())
                .or_default()
                .push(MapFeature {
                    bbox,
                    geometry: wgs84,
                    properties,
                    rule: None,
                });
        }
        let places = by_layer
            .get("settlements")
            .map(|list| {
                list.iter()
                    .filter_map(|f| {
                        let text = |k: &str| {
                            f.properties
                                .get(k)
                                .and_then(Value::as_str)
                                .map(String::from)
                        };
                        let en = text("name")?;
                        let kk = text("name_kk").unwrap_or_else(|| en.clone());
                        let ru = text("name_ru").unwrap_or_else(|| en.clone());
                        let folded = [&kk, &ru, &en].iter().map(|n| fold(n)).collect();
                        Some(Place {
                            id: text("id").unwrap_or_default(),
                            names: [kk, ru, en],
                            folded,
                            bbox: f.bbox,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Layers {
            by_layer: by_layer
                .into_iter()
                .map(|(k, v)| (k, Arc::new(v)))
                .collect(),
            zones: OnceLock::new(),
            simplified: Mutex::new(HashMap::new()),
            places,
        })
    }

    /// The layers the map can ask for, with their names in the three languages.
    pub fn list(&self, desk: &Desk) -> Value {
        let catalog = desk.catalog();
        let mut layers: Vec<Value> = catalog
            .layers()
            .iter()
            .map(|l| {
                json!({
                    "name": l.name,
                    "geometry": l.geometry.describe(),
                    "labels": l.labels,
                    "features": self.by_layer.get(&l.name).map_or(0, |v| v.len()),
                })
            })
            .collect();
        layers.push(json!({
            "name": "zones",
            "geometry": "polygons",
            "labels": {"kk": "шектеу аймақтары", "ru": "зоны ограничений", "en": "restriction zones"},
            "note": "every feature buffered by each rule's limit (display only); ?use= keeps the zones restricting that use",
        }));
        json!({
            "layers": layers,
            "extent": rect_json(desk.extent_wgs84()),
            "credit": map_credit(desk.dataset_label(), desk.attribution()),
        })
    }

    /// The resolved zones, built on first use (a second or two for the embedded data).
    fn zones(&self, desk: &Desk) -> Result<Arc<Vec<MapFeature>>, Error> {
        self.zones
            .get_or_init(|| build_zones(desk).map(Arc::new))
            .clone()
            .map_err(Error::Internal)
    }

    /// Layer `name` as GeoJSON text, cut to `bbox`, simplified for `zoom`. For `zones`,
    /// `use_code` keeps the zones whose regime restricts that use and says how.
    pub fn geojson(
        &self,
        desk: &Desk,
        name: &str,
        bbox: Option<Rect<f64>>,
        zoom: f64,
        use_code: Option<&str>,
        lang: Lang,
    ) -> Result<String, Error> {
        let catalog = desk.catalog();
        let bucket = (zoom.floor() as i64).clamp(MIN_BUCKET as i64, MAX_BUCKET as i64 + 1) as u8;
        let all = if name == "zones" {
            self.zones(desk)?
        } else {
            match self.by_layer.get(name) {
                Some(v) => Arc::clone(v),
                None if catalog.layer(name).is_some() => Arc::new(Vec::new()),
                None => {
                    let mut known: Vec<&str> =
                        catalog.layers().iter().map(|l| l.name.as_str()).collect();
                    known.push("zones");
                    return Err(Error::NotFound(format!(
                        "no layer `{}` (layers: {})",
                        name.escape_default(),
                        known.join(", ")
                    )));
                }
            }
        };
        let features = if bucket > MAX_BUCKET {
            all
        } else {
            let key = (name.to_string(), bucket);
            let cached = self
                .simplified
                .lock()
                .expect("layer cache")
                .get(&key)
                .cloned();
            match cached {
                Some(v) => v,
                None => {
                    let tolerance = 360.0 / (512.0 * f64::powi(2.0, bucket as i32));
                    let v = Arc::new(
                        all.iter()
                            .filter_map(|f| {
                                let g = simplify(&f.geometry, tolerance)?;
                                Some(MapFeature {
                                    geometry: g,
                                    ..f.clone()
                                })
                            })
                            .collect::<Vec<_>>(),
                    );
                    self.simplified
                        .lock()
                        .expect("layer cache")
                        .insert(key, Arc::clone(&v));
                    v
                }
            }
        };
        let land_use = match use_code {
            None | Some("") => None,
            Some(code) => Some(
                catalog
                    .resolve_use(Some(code))
                    .map_err(|e| Error::UnknownUse(e.to_string()))?,
            ),
        };
        let mut out = Vec::new();
        for f in features.iter() {
            if let Some(b) = bbox {
                if !b.intersects(&f.bbox) {
                    continue;
                }
            }
            let mut properties = f.properties.clone();
            if let Some((rule_id, attributes)) = &f.rule {
                let Some(rule) = catalog.rule(rule_id) else {
                    continue;
                };
                properties.insert(
                    "title".into(),
                    Value::String(rule.title_in(lang).to_string()),
                );
                let band = properties.get("kind").and_then(Value::as_str) == Some("band");
                if let Some(u) = land_use {
                    let cell = rule.regime().cell_for(u, attributes);
                    match cell.regime.severity() {
                        None => continue,
                        Some(s) => {
                            let s = if band {
                                aimaq_rules::Severity::Review
                            } else {
                                s
                            };
                            properties.insert("severity".into(), json!(s));
                            properties.insert("regime".into(), json!(cell.regime));
                        }
                    }
                } else if band {
                    properties.insert("severity".into(), json!("review"));
                } else {
                    properties.insert("severity".into(), json!(rule.severity()));
                }
            }
            out.push(json!({
                "type": "Feature",
                "properties": properties,
                "geometry": geometry_json(&f.geometry),
            }));
        }
        Ok(json!({"type": "FeatureCollection", "features": out}).to_string())
    }

    /// Settlements whose kk, ru or en name starts with (or else contains) `q`, case and
    /// Kazakh letters folded (`Қаскелең` finds `Каскелен` and `Kaskelen`).
    pub fn places(&self, q: &str, lang: Lang) -> Value {
        let needle = fold(q.trim());
        let mut hits: Vec<(u8, &Place)> = self
            .places
            .iter()
            .filter_map(|p| {
                if needle.is_empty() {
                    return Some((1, p));
                }
                if p.folded.iter().any(|n| n.starts_with(&needle)) {
                    Some((0, p))
                } else if p.folded.iter().any(|n| n.contains(&needle)) {
                    Some((1, p))
                } else {
                    None
                }
            })
            .collect();
        hits.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.names[2].cmp(&b.1.names[2])));
        let idx = match lang {
            Lang::Kk => 0,
            Lang::Ru => 1,
            Lang::En => 2,
        };
        let places: Vec<Value> = hits
            .into_iter()
            .map(|(_, p)| {
                json!({
                    "id": p.id,
                    "name": p.names[idx],
                    "names": {"kk": p.names[0], "ru": p.names[1], "en": p.names[2]},
                    "bbox": rect_json(p.bbox),
                })
            })
            .collect();
        json!({"places": places})
    }
}

/// Lower case, Kazakh letters to their nearest Russian ones, Latin transliteration
/// variants merged: enough for eight settlements' names typed any way.
fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ә' => 'а',
            'ғ' => 'г',
            'қ' => 'к',
            'ң' => 'н',
            'ө' => 'о',
            'ұ' | 'ү' => 'у',
            'һ' => 'х',
            'і' => 'и',
            'ё' => 'е',
            'ы' => 'и',
            other => other,
        })
        .collect()
}

fn rect_json(r: Rect<f64>) -> Value {
    json!([r.min().x, r.min().y, r.max().x, r.max().y])
}

/// `west,south,east,north` in degrees.
pub fn parse_bbox(text: &str) -> Result<Rect<f64>, Error> {
    let nums: Vec<f64> = text
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            Error::BadParameter(format!(
                "bbox `{text}`: give west,south,east,north in degrees"
            ))
        })?;
    match nums.as_slice() {
        [w, s, e, n]
            if nums.iter().all(|v| v.is_finite())
                && (-180.0..=180.0).contains(w)
                && (-180.0..=180.0).contains(e)
                && (-90.0..=90.0).contains(s)
                && (-90.0..=90.0).contains(n)
                && w <= e
                && s <= n =>
        {
            Ok(Rect::new((*w, *s), (*e, *n)))
        }
        _ => Err(Error::BadParameter(format!(
            "bbox `{text}`: give west,south,east,north in degrees, west ≤ east, south ≤ north"
        ))),
    }
}

fn simplify(g: &Geometry<f64>, tolerance: f64) -> Option<Geometry<f64>> {
    let keep_polygon = |p: geo::Polygon<f64>| (p.exterior().0.len() >= 4).then_some(p);
    Some(match g {
        Geometry::LineString(l) => Geometry::LineString(l.simplify(tolerance)),
        Geometry::MultiLineString(l) => Geometry::MultiLineString(l.simplify(tolerance)),
        Geometry::Polygon(p) => Geometry::Polygon(keep_polygon(p.simplify(tolerance))?),
        Geometry::MultiPolygon(mp) => {
            let parts: Vec<_> =
                mp.0.iter()
                    .filter_map(|p| keep_polygon(p.simplify(tolerance)))
                    .collect();
            if parts.is_empty() {
                return None;
            }
            Geometry::MultiPolygon(MultiPolygon(parts))
        }
        other => other.clone(),
    })
}

/// GeoJSON geometry object, coordinates rounded to 1e-7° (about a centimetre): the map
/// needs no more, and the payload halves.
pub(crate) fn geometry_json(g: &Geometry<f64>) -> Value {
    let r = |v: f64| (v * 1e7).round() / 1e7;
    let line = |l: &geo::LineString<f64>| -> Value {
        Value::Array(l.0.iter().map(|c| json!([r(c.x), r(c.y)])).collect())
    };
    let polygon = |p: &geo::Polygon<f64>| -> Value {
        Value::Array(
            std::iter::once(line(p.exterior()))
                .chain(p.interiors().iter().map(line))
                .collect(),
        )
    };
    match g {
        Geometry::Point(p) => json!({"type": "Point", "coordinates": [r(p.x()), r(p.y())]}),
        Geometry::LineString(l) => json!({"type": "LineString", "coordinates": line(l)}),
        Geometry::MultiLineString(ml) => json!({"type": "MultiLineString",
            "coordinates": ml.0.iter().map(line).collect::<Vec<_>>()}),
        Geometry::Polygon(p) => json!({"type": "Polygon", "coordinates": polygon(p)}),
        Geometry::MultiPolygon(mp) => json!({"type": "MultiPolygon",
            "coordinates": mp.0.iter().map(polygon).collect::<Vec<_>>()}),
        other => {
            let mp: Option<MultiPolygon<f64>> = match other {
                Geometry::Rect(r) => Some(r.to_polygon().into()),
                Geometry::Triangle(t) => Some(t.to_polygon().into()),
                _ => None,
            };
            mp.map(|m| geometry_json(&Geometry::MultiPolygon(m)))
                .unwrap_or(Value::Null)
        }
    }
}

/// Every zone the engine resolved (`Engine::zones`: each usable feature with each of its
/// rules and the limit resolved for it), buffered by its limit, in WGS84.
fn build_zones(desk: &Desk) -> Result<Vec<MapFeature>, String> {
    let engine: &Engine = desk
        .engine(Lang::En, None)
        .map_err(|e| e.to_string())?
        .engine;
    // the polygons the engine splits railway zones by
    let settled = engine
        .settlements()
        .fold(MultiPolygon(vec![]), |a, s| a.union(s.area));
    let mut out = Vec::new();
    for z in engine.zones() {
        // a decimetre of simplification makes buffers of long rivers quick; the strip
        // is drawn, never measured
        let g: Geometry<f64> = match z.geometry {
            FeatureGeometry::Lines(l) => Geometry::MultiLineString(l.simplify(0.1)),
            FeatureGeometry::Area(a) => Geometry::MultiPolygon(a.simplify(0.1)),
        };
        // at the width the engine measures: metres on the ground, not the projection's
        let buffer = |m: f64| engine.draw_on_ground(&g, |local| local.buffer(m));
        // a range is drawn as the engine judges it: inside the minimum the regime
        // applies, between the minimum and the maximum the width is for review
        let parts: Vec<(MultiPolygon<f64>, &str, f64, Value)> = match z.zone.limit {
            Limit::Overlap => vec![(area_of(&g), "area", 0.0, json!({}))],
            Limit::Fixed { m } => vec![(buffer(m), "strip", m, json!({}))],
            Limit::Range { min, max } => {
                let inner = buffer(min);
                let band = buffer(max).difference(&inner);
                vec![
                    (inner, "strip", min, json!({"max_limit_m": max})),
                    (band, "band", max, json!({"min_limit_m": min})),
                ]
            }
            Limit::BySettlement { inside, outside } => {
                let wide = buffer(outside).difference(&settled);
                let narrow = buffer(inside).intersection(&settled);
                vec![(
                    wide.union(&narrow),
                    "strip",
                    outside,
                    json!({"inside_limit_m": inside}),
                )]
            }
        };
        for (polygon, kind, limit, extra) in parts {
            if polygon.0.is_empty() {
                continue;
            }
            let Ok(wgs84) = desk.reprojector().to_wgs84(&polygon) else {
                continue;
            };
            let Some(bbox) = wgs84.bounding_rect() else {
                continue;
            };
            let mut properties = Map::new();
            properties.insert("rule".into(), json!(z.rule.id()));
            properties.insert("layer".into(), json!(z.layer));
            properties.insert("feature".into(), json!(z.feature));
            if let Some(n) = z.name {
                properties.insert("feature_name".into(), json!(n));
            }
            properties.insert("kind".into(), json!(kind));
            properties.insert("limit_m".into(), json!(limit));
            if let Value::Object(e) = extra {
                properties.extend(e);
            }
            out.push(MapFeature {
                bbox,
                geometry: Geometry::MultiPolygon(wgs84),
                properties,
                rule: Some((z.rule.id().to_string(), z.attributes.clone())),
            });
        }
    }
    Ok(out)
}

fn area_of(g: &Geometry<f64>) -> MultiPolygon<f64> {
    match g {
        Geometry::Polygon(p) => MultiPolygon(vec![p.clone()]),
        Geometry::MultiPolygon(mp) => mp.clone(),
        _ => MultiPolygon(vec![]),
    }
}

/// The map's credit line: the dataset's name (the embedded one said to be illustrative)
/// and the attribution its licence requires (OSM's ODbL), so the map never credits
/// data it is not drawing.
fn map_credit(label: &str, attribution: Option<&str>) -> String {
    let data = if label == aimaq_io::dataset::EMBEDDED_LABEL {
        "data/almaty (illustrative)".to_string()
    } else {
        std::path::Path::new(label)
            .file_name()
            .map_or_else(|| label.to_string(), |n| n.to_string_lossy().into_owned())
    };
    match attribution {
        Some(a) => format!("aimaq · {data} · {a}"),
        None => format!("aimaq · {data}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_found_in_any_of_the_three_languages() {
        let desk = crate::testing::desk();
        let layers = Layers::new(desk).unwrap();
        for q in ["kask", "Қаскелең", "каскелен", "KASKELEN"] {
            let v = layers.places(q, Lang::Kk);
            assert_eq!(v["places"][0]["id"], "set-002", "{q}: {v}");
        }
        let v = layers.places("Талғар", Lang::Ru);
        assert_eq!(v["places"][0]["name"], "Талгар");
        assert!(layers.places("zzz", Lang::En)["places"]
            .as_array()
            .unwrap()
            .is_empty());
    }

    #[test]
    fn zones_follow_the_use_and_the_box() {
        let desk = crate::testing::desk();
        let layers = Layers::new(desk).unwrap();
        // around P-025 by the Turgen
        let bbox = Some(Rect::new((77.70, 43.30), (77.80, 43.35)));
        let text = layers
            .geojson(desk, "zones", bbox, 14.0, Some("vehicle_wash"), Lang::En)
            .unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        let find = |v: &Value, kind: &str| {
            v["features"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| {
                    f["properties"]["rule"] == "water.zone"
                        && f["properties"]["feature"] == "wb-005"
                        && f["properties"]["kind"] == kind
                })
                .cloned()
                .expect("the Turgen's water-protection zone")
        };
        // decree 246/2011 gives the Turgen 550–1700 m: prohibited inside 550 m, for
        // review out to 1700 m
        let strip = find(&v, "strip");
        assert_eq!(strip["properties"]["severity"], "prohibited");
        assert_eq!(strip["properties"]["limit_m"], 550.0);
        let band = find(&v, "band");
        assert_eq!(band["properties"]["severity"], "review");
        assert_eq!(band["properties"]["limit_m"], 1700.0);
        assert_eq!(band["properties"]["min_limit_m"], 550.0);
        // another use, another regime: a house there needs an agreed project
        let text = layers
            .geojson(desk, "zones", bbox, 14.0, Some("residential"), Lang::En)
            .unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(find(&v, "strip")["properties"]["severity"], "conditional");
        assert!(layers
            .geojson(desk, "zones", bbox, 14.0, Some("carwash"), Lang::En)
            .is_err());
        assert!(layers
            .geojson(desk, "nope", None, 10.0, None, Lang::En)
            .is_err());
    }

    #[test]
    fn coarse_zooms_carry_fewer_vertices() {
        let desk = crate::testing::desk();
        let layers = Layers::new(desk).unwrap();
        let coarse = layers
            .geojson(desk, "water_bodies", None, 6.0, None, Lang::En)
            .unwrap();
        let fine = layers
            .geojson(desk, "water_bodies", None, 16.0, None, Lang::En)
            .unwrap();
        assert!(
            coarse.len() * 2 < fine.len(),
            "{} vs {}",
            coarse.len(),
            fine.len()
        );
    }

    #[test]
    fn bboxes_are_checked() {
        assert!(parse_bbox("76,43,77,44").is_ok());
        assert!(parse_bbox("77,43,76,44").is_err());
        assert!(parse_bbox("76,43,77").is_err());
        assert!(parse_bbox("a,b,c,d").is_err());
        assert!(parse_bbox("76,43,77,NaN").is_err());
    }
}
