//! The cadastre the desk finds parcels in by their cadastral number (`aimaq serve
//! --parcels SOURCE`): any OGR layer, read once at start into memory and indexed by
//! its numbers, so that `05-254-001-123`, `05:254:001:123`, `05254001123` and the
//! prefix `05-254-001` all find the same parcels.

use crate::Error;
use aimaq_io::{OgrOptions, OgrSource, ParcelSource};
use aimaq_proj::Transformer;
use geo::MultiPolygon;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// One parcel of the cadastre.
#[derive(Debug, Clone)]
pub struct CadastreParcel {
    /// Its cadastral number, as the file writes it.
    pub id: String,
    /// The `use` the file states, if any.
    pub use_code: Option<String>,
    /// Its geometry in WGS84 degrees.
    pub geometry: MultiPolygon<f64>,
}

/// A cadastre, indexed by its numbers.
#[derive(Debug, Default)]
pub struct ParcelIndex {
    label: String,
    parcels: Vec<CadastreParcel>,
    /// Normalised number → parcels (a number may repeat in a careless file).
    keys: BTreeMap<String, Vec<usize>>,
    skipped: Vec<String>,
}

/// A cadastral number as people type it, reduced to what identifies it: letters and
/// digits, lower case; dashes, colons, spaces, dots and slashes dropped.
///
/// ```
/// use aimaq_server::parcels::normalise;
/// assert_eq!(normalise("05-254-001-123"), "05254001123");
/// assert_eq!(normalise(" 05:254:001:123 "), "05254001123");
/// ```
pub fn normalise(number: &str) -> String {
    number
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// At most this many records are read from a cadastre (about 2 GB of geometry).
const MAX_PARCELS: usize = 5_000_000;

impl ParcelIndex {
    /// Reads the layer of `path` (its only layer, or `parcels`) with the cadastral
    /// number in `id_field` (default: `id`, `kad_nomer`, `cadastral_number` …, as
    /// `aimaq screen` finds it) and the use, if any, in `use`. Records without a number
    /// or a polygon are skipped and counted, never fatal.
    pub fn open(path: &Path, id_field: Option<&str>) -> Result<ParcelIndex, Error> {
        let options = OgrOptions {
            id_field: id_field.map(String::from),
            ..OgrOptions::default()
        };
        let what = path.display().to_string();
        let source = OgrSource::open(path, &options)
            .map_err(|e| Error::Setup(format!("the cadastre {what} cannot be read: {e}")))?;
        let info = source.info().clone();
        let to_wgs84 = Transformer::new(&info.crs.definition, "EPSG:4326").map_err(|e| {
            Error::Setup(format!(
                "the cadastre {what}: its CRS {} cannot be turned into WGS84: {e}",
                info.crs.definition
            ))
        })?;
        let mut index = ParcelIndex {
            label: format!("{what} ({}, numbers from {})", info.layer, info.id_source),
            ..ParcelIndex::default()
        };
        for record in source {
            if index.parcels.len() >= MAX_PARCELS {
                return Err(Error::Setup(format!(
                    "the cadastre {what} holds more than {MAX_PARCELS} parcels"
                )));
            }
            let label = record.label();
            let id = match record.id {
                Ok(id) if !normalise(&id).is_empty() => id.trim().to_string(),
                Ok(_) | Err(_) => {
                    index.skipped.push(format!("{label}: no cadastral number"));
                    continue;
                }
            };
            let geometry = record
                .geometry
                .and_then(aimaq_io::polygonal)
                .and_then(|g| to_wgs84.apply(&g).map_err(|e| e.to_string()));
            let geometry = match geometry {
                Ok(g) if !g.0.is_empty() => g,
                Ok(_) => {
                    index.skipped.push(format!("{id}: an empty geometry"));
                    continue;
                }
                Err(reason) => {
                    index.skipped.push(format!("{id}: {reason}"));
                    continue;
                }
            };
            let use_code = record.proposed_use.ok().flatten();
            index
                .keys
                .entry(normalise(&id))
                .or_default()
                .push(index.parcels.len());
            index.parcels.push(CadastreParcel {
                id,
                use_code,
                geometry,
            });
        }
        Ok(index)
    }

    /// What was read: the file, its layer and the field the numbers came from.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Parcels indexed.
    pub fn len(&self) -> usize {
        self.parcels.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.parcels.is_empty()
    }

    /// Records skipped, with why.
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// Parcels whose number is `query` (exactly, first) or begins with it, in any of the
    /// forms people type, at most `limit`. A query of fewer than 2 letters or digits finds
    /// nothing (it would match everything).
    pub fn search(&self, query: &str, limit: usize) -> Vec<&CadastreParcel> {
        let key = normalise(query);
        if key.chars().count() < 2 {
            return Vec::new();
        }
        let mut out: Vec<&CadastreParcel> = Vec::new();
        if let Some(exact) = self.keys.get(&key) {
            out.extend(exact.iter().map(|&i| &self.parcels[i]));
        }
        for (k, ids) in self.keys.range(key.clone()..) {
            if out.len() >= limit || !k.starts_with(&key) {
                break;
            }
            if *k == key {
                continue;
            }
            out.extend(ids.iter().map(|&i| &self.parcels[i]));
        }
        out.truncate(limit);
        out
    }
}

impl CadastreParcel {
    /// As a GeoJSON Feature (WGS84), `id` and `use` in its properties.
    pub fn feature(&self) -> Value {
        json!({
            "type": "Feature",
            "properties": {"id": self.id, "use": self.use_code, "source": "cadastre"},
            "geometry": crate::layers::geometry_json(&geo::Geometry::MultiPolygon(self.geometry.clone())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> ParcelIndex {
        ParcelIndex::open(
            Path::new(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../fixtures/cadastre/cadastre.gpkg"
            )),
            None,
        )
        .expect("the cadastre fixture")
    }

    #[test]
    fn numbers_are_found_in_every_form_people_type() {
        let c = fixture();
        assert!(c.len() >= 5, "{}", c.len());
        for q in [
            "05-254-001-123",
            "05:254:001:123",
            "05254001123",
            " 05 254 001 123 ",
        ] {
            let hits = c.search(q, 10);
            assert_eq!(
                hits.first().map(|p| p.id.as_str()),
                Some("05-254-001-123"),
                "{q}"
            );
        }
        let turgen = &c.search("05-254-001-123", 1)[0];
        assert_eq!(turgen.use_code.as_deref(), Some("vehicle_wash"));
        // a prefix finds the quarter's parcels, exact match first
        let quarter = c.search("05-254-001", 10);
        assert!(quarter.len() >= 2, "{}", quarter.len());
        assert!(quarter.iter().all(|p| p.id.starts_with("05-254-001")));
        assert!(c.search("0", 10).is_empty(), "one digit matches everything");
        assert!(c.search("99-999", 10).is_empty());
        // WGS84 degrees, in the agglomeration
        let f = turgen.feature();
        let x = f["geometry"]["coordinates"][0][0][0][0].as_f64().unwrap();
        assert!((76.0..79.0).contains(&x), "{x}");
    }
}
