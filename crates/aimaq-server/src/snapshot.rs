//! The dataset as the engine saw it, in bytes: the contract layers it holds, every
//! feature's layer, attributes and geometry in the metric CRS (or the reader's reason for
//! having none), and the problems the reader found outside any feature.
//!
//! A decision records the SHA-256 of these bytes, and the store keeps the bytes once per
//! digest, so `aimaq decisions verify` rebuilds exactly the engine that decided, months
//! later, whatever happened to the files since. Coordinates are stored as the f64 bits
//! the engine measured (no decimal round trip), so a rebuilt engine is bit-identical.

use aimaq_check::{ConstraintFeature, Projected};
use aimaq_rules::{Attributes, DataIssue, IssueLevel};
use geo::{Coord, Geometry, LineString, Polygon};
use serde::{Deserialize, Serialize};

const MAGIC: &[u8] = b"AIMAQ-DATASET\x02";

/// A snapshot that cannot be decoded: the store's bytes are not what aimaq wrote.
#[derive(Debug, thiserror::Error)]
#[error("dataset snapshot is damaged: {0}")]
pub struct SnapshotError(String);

/// `sha256:` and the hex SHA-256 of bytes: the form of every digest of the desk, the same
/// as reports' (`aimaq_io::sha256`).
pub use aimaq_io::sha256;

/// A problem the reader found outside any feature, in a form that survives a round trip.
#[derive(Serialize, Deserialize)]
struct StoredIssue {
    error: bool,
    layer: String,
    feature: String,
    rule: Option<String>,
    message: String,
}

/// A dataset as decoded: what [`encode`] was given.
pub type Decoded = (Vec<ConstraintFeature>, Vec<DataIssue>, Vec<String>);

/// Encodes the dataset: its features, the reader's own problems, and the contract layers
/// it holds (a layer present without features was checked against too).
pub fn encode(features: &[ConstraintFeature], issues: &[DataIssue], layers: &[String]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 << 20);
    out.extend_from_slice(MAGIC);
    put_u32(&mut out, layers.len());
    for l in layers {
        put_str(&mut out, l);
    }
    put_u32(&mut out, issues.len());
    for i in issues {
        let stored = StoredIssue {
            error: i.level == IssueLevel::Error,
            layer: i.layer.clone(),
            feature: i.feature.clone(),
            rule: i.rule.clone(),
            message: i.message.clone(),
        };
        put_str(
            &mut out,
            &serde_json::to_string(&stored).expect("an issue serialises"),
        );
    }
    put_u32(&mut out, features.len());
    for f in features {
        put_str(&mut out, &f.layer);
        put_str(
            &mut out,
            &serde_json::to_string(&f.attributes).expect("attributes serialise"),
        );
        match &f.geometry {
            Ok(g) => {
                out.push(0);
                put_geometry(&mut out, g.geometry());
            }
            Err(reason) => {
                out.push(1);
                put_str(&mut out, reason);
            }
        }
    }
    out
}

/// Decodes what [`encode`] wrote.
///
/// ```
/// use aimaq_check::{ConstraintFeature, Projected};
/// use geo::line_string;
/// let feature = ConstraintFeature {
///     layer: "railways".into(),
///     attributes: serde_json::json!({"id": "r1"}).as_object().unwrap().clone(),
///     geometry: Ok(Projected::assume_metres(geo::Geometry::from(
///         line_string![(x: 0.1, y: 1.0 / 3.0), (x: 656542.8747802111, y: 4791127.331297013)]))),
/// };
/// let bytes = aimaq_server::snapshot::encode(&[feature.clone()], &[], &["railways".into()]);
/// let (features, issues, layers) = aimaq_server::snapshot::decode(&bytes).unwrap();
/// assert!(issues.is_empty());
/// assert_eq!(layers, ["railways"]);
/// assert_eq!(features[0].geometry.as_ref().unwrap().geometry(), feature.geometry.as_ref().unwrap().geometry());
/// assert_eq!(features[0].attributes, feature.attributes);
/// ```
pub fn decode(bytes: &[u8]) -> Result<Decoded, SnapshotError> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(MAGIC.len())? != MAGIC {
        return Err(SnapshotError("not an aimaq dataset snapshot".into()));
    }
    let n_layers = r.u32()?;
    let layers = (0..n_layers.min(1 << 10))
        .map(|_| r.string())
        .collect::<Result<Vec<_>, _>>()?;
    let n_issues = r.u32()?;
    let mut issues = Vec::with_capacity(n_issues.min(1 << 16));
    for _ in 0..n_issues {
        let s: StoredIssue =
            serde_json::from_str(&r.string()?).map_err(|e| SnapshotError(e.to_string()))?;
        issues.push(DataIssue {
            level: if s.error {
                IssueLevel::Error
            } else {
                IssueLevel::Warning
            },
            layer: s.layer,
            feature: s.feature,
            rule: s.rule,
            message: s.message,
        });
    }
    let n = r.u32()?;
    let mut features = Vec::with_capacity(n.min(1 << 20));
    for _ in 0..n {
        let layer = r.string()?;
        let attributes: Attributes =
            serde_json::from_str(&r.string()?).map_err(|e| SnapshotError(e.to_string()))?;
        let geometry = match r.u8()? {
            0 => Ok(Projected::assume_metres(r.geometry(0)?)),
            1 => Err(r.string()?),
            t => return Err(SnapshotError(format!("unknown geometry tag {t}"))),
        };
        features.push(ConstraintFeature {
            layer,
            attributes,
            geometry,
        });
    }
    if r.at != bytes.len() {
        return Err(SnapshotError("trailing bytes".into()));
    }
    Ok((features, issues, layers))
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u32::try_from(n).expect("fits in u32").to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_coords<'a>(out: &mut Vec<u8>, coords: impl ExactSizeIterator<Item = &'a Coord<f64>>) {
    put_u32(out, coords.len());
    for c in coords {
        out.extend_from_slice(&c.x.to_le_bytes());
        out.extend_from_slice(&c.y.to_le_bytes());
    }
}

fn put_polygon(out: &mut Vec<u8>, p: &Polygon<f64>) {
    put_u32(out, 1 + p.interiors().len());
    put_coords(out, p.exterior().0.iter());
    for ring in p.interiors() {
        put_coords(out, ring.0.iter());
    }
}

fn put_geometry(out: &mut Vec<u8>, g: &Geometry<f64>) {
    match g {
        Geometry::Point(p) => {
            out.push(1);
            put_coords(out, [p.0].iter());
        }
        Geometry::LineString(l) => {
            out.push(2);
            put_coords(out, l.0.iter());
        }
        Geometry::Polygon(p) => {
            out.push(3);
            put_polygon(out, p);
        }
        Geometry::MultiPoint(mp) => {
            out.push(4);
            let coords: Vec<Coord<f64>> = mp.0.iter().map(|p| p.0).collect();
            put_coords(out, coords.iter());
        }
        Geometry::MultiLineString(ml) => {
            out.push(5);
            put_u32(out, ml.0.len());
            for l in &ml.0 {
                put_coords(out, l.0.iter());
            }
        }
        Geometry::MultiPolygon(mp) => {
            out.push(6);
            put_u32(out, mp.0.len());
            for p in &mp.0 {
                put_polygon(out, p);
            }
        }
        Geometry::GeometryCollection(gc) => {
            out.push(7);
            put_u32(out, gc.0.len());
            for g in &gc.0 {
                put_geometry(out, g);
            }
        }
        // kept as the reader gave them: the engine may treat them differently
        Geometry::Line(l) => {
            out.push(8);
            put_coords(out, [l.start, l.end].iter());
        }
        Geometry::Rect(r) => {
            out.push(9);
            put_coords(out, [r.min(), r.max()].iter());
        }
        Geometry::Triangle(t) => {
            out.push(10);
            put_coords(out, [t.v1(), t.v2(), t.v3()].iter());
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| SnapshotError("truncated".into()))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, SnapshotError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<usize, SnapshotError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }
    fn f64(&mut self) -> Result<f64, SnapshotError> {
        let b = self.take(8)?;
        Ok(f64::from_le_bytes(b.try_into().expect("8 bytes")))
    }
    fn string(&mut self) -> Result<String, SnapshotError> {
        let n = self.u32()?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|e| SnapshotError(e.to_string()))
    }
    fn coords(&mut self) -> Result<Vec<Coord<f64>>, SnapshotError> {
        let n = self.u32()?;
        // a length the remaining bytes cannot hold is damage, not a reason to allocate
        if n > (self.bytes.len() - self.at) / 16 {
            return Err(SnapshotError("truncated coordinates".into()));
        }
        (0..n)
            .map(|_| {
                Ok(Coord {
                    x: self.f64()?,
                    y: self.f64()?,
                })
            })
            .collect()
    }
    fn polygon(&mut self) -> Result<Polygon<f64>, SnapshotError> {
        let rings = self.u32()?;
        if rings == 0 {
            return Err(SnapshotError("polygon without rings".into()));
        }
        let exterior = LineString(self.coords()?);
        let interiors = (1..rings)
            .map(|_| Ok(LineString(self.coords()?)))
            .collect::<Result<Vec<_>, SnapshotError>>()?;
        // Polygon::new closes open rings; what was stored was closed already
        Ok(Polygon::new(exterior, interiors))
    }
    fn geometry(&mut self, depth: usize) -> Result<Geometry<f64>, SnapshotError> {
        if depth > 16 {
            return Err(SnapshotError("collections nested too deep".into()));
        }
        let one = |c: Vec<Coord<f64>>, n: usize| -> Result<Vec<Coord<f64>>, SnapshotError> {
            if c.len() == n {
                Ok(c)
            } else {
                Err(SnapshotError(format!("expected {n} coordinates")))
            }
        };
        Ok(match self.u8()? {
            1 => Geometry::Point(one(self.coords()?, 1)?[0].into()),
            2 => Geometry::LineString(LineString(self.coords()?)),
            3 => Geometry::Polygon(self.polygon()?),
            4 => Geometry::MultiPoint(self.coords()?.into_iter().map(geo::Point).collect()),
            5 => {
                let n = self.u32()?;
                Geometry::MultiLineString(geo::MultiLineString(
                    (0..n)
                        .map(|_| Ok(LineString(self.coords()?)))
                        .collect::<Result<_, SnapshotError>>()?,
                ))
            }
            6 => {
                let n = self.u32()?;
                Geometry::MultiPolygon(geo::MultiPolygon(
                    (0..n)
                        .map(|_| self.polygon())
                        .collect::<Result<_, SnapshotError>>()?,
                ))
            }
            7 => {
                let n = self.u32()?;
                Geometry::GeometryCollection(geo::GeometryCollection(
                    (0..n)
                        .map(|_| self.geometry(depth + 1))
                        .collect::<Result<_, SnapshotError>>()?,
                ))
            }
            8 => {
                let c = one(self.coords()?, 2)?;
                Geometry::Line(geo::Line::new(c[0], c[1]))
            }
            9 => {
                let c = one(self.coords()?, 2)?;
                Geometry::Rect(geo::Rect::new(c[0], c[1]))
            }
            10 => {
                let c = one(self.coords()?, 3)?;
                Geometry::Triangle(geo::Triangle::new(c[0], c[1], c[2]))
            }
            t => return Err(SnapshotError(format!("unknown geometry type {t}"))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_dataset_round_trips_bit_for_bit() {
        let catalog = aimaq_rules::Catalog::embedded();
        let metric = aimaq_proj::MetricCrs::new("EPSG:32643").unwrap();
        let loaded = aimaq_io::dataset::load(
            &catalog,
            &aimaq_io::dataset::DatasetSource::Embedded,
            &metric,
        )
        .unwrap();
        let bytes = encode(&loaded.features, &loaded.issues, &loaded.layers);
        let (features, issues, layers) = decode(&bytes).unwrap();
        assert_eq!(features.len(), loaded.features.len());
        assert_eq!(issues, loaded.issues);
        assert_eq!(layers, loaded.layers);
        // re-encoding what was decoded gives the same bytes, hence the same digest
        assert_eq!(encode(&features, &issues, &layers), bytes);
        for (a, b) in features.iter().zip(&loaded.features) {
            assert_eq!(a.layer, b.layer);
            assert_eq!(a.attributes, b.attributes);
            assert_eq!(
                a.geometry.as_ref().map(|g| g.geometry()),
                b.geometry.as_ref().map(|g| g.geometry())
            );
        }
    }

    #[test]
    fn damage_is_reported_not_panicked_on() {
        let bytes = encode(&[], &[], &[]);
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(decode(b"nonsense").is_err());
        let mut long = bytes.clone();
        long.push(0);
        assert!(decode(&long).is_err());
        // a huge coordinate count in a few bytes
        let mut evil = MAGIC.to_vec();
        evil.extend_from_slice(&0u32.to_le_bytes());
        evil.extend_from_slice(&0u32.to_le_bytes());
        evil.extend_from_slice(&1u32.to_le_bytes());
        put_str(&mut evil, "railways");
        put_str(&mut evil, "{}");
        evil.push(0);
        evil.push(2);
        evil.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode(&evil).is_err());
    }
}
