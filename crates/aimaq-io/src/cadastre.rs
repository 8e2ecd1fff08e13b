//! `aimaq cadastre`: a deterministic synthetic cadastre around the settlements of the
//! embedded dataset, for benchmarks and tests.
//!
//! Urban lots fill a global grid of 200 m × 100 m block cells, nearest the settlements
//! first (distance over the settlement's equivalent radius, so towns grow in proportion
//! to their size). A block is two back-to-back rows of lots 44 m deep with frontages of
//! 10–40 m (440–1,760 m²), rectangular or sheared into a parallelogram. Rural fields of
//! 6–24 ha fill 600 m × 400 m cells that no block touches, beyond the built-up area.
//! Blocks never overlap; neither do lots within a block nor fields.

use crate::dataset::embedded_layer;
use crate::gdal_write::{create_dataset, layer_srs, Batch};
use crate::geojson::parse_collection;
use crate::output::PendingFile;
use crate::{Error, Result};
use aimaq_proj::Transformer;
use gdal::vector::{Feature, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType, ToGdal};
use geo::{Area, BoundingRect, Centroid, LineString, Polygon};
use std::collections::HashSet;
use std::path::Path;

const BLOCK_W: f64 = 200.0;
const BLOCK_H: f64 = 100.0;
const STREET: f64 = 12.0;
/// Rural cells are whole multiples of block cells, so "no block touches" is exact.
const FIELD_CELLS_X: i64 = 3;
const FIELD_CELLS_Y: i64 = 4;
/// Share of parcels that are urban lots; the rest are rural fields.
const URBAN_SHARE: f64 = 0.88;

/// The CRS the cadastre is written in: UTM 43N, the engine's default.
pub const CADASTRE_CRS: &str = "EPSG:32643";

/// SplitMix64: a tiny, well-mixed, seedable generator; determinism is all we need.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [lo, hi).
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One generated parcel.
pub struct Lot {
    /// The parcel, in the cadastre CRS.
    pub polygon: Polygon<f64>,
    /// `lot` (urban) or `field` (rural).
    pub kind: &'static str,
}

struct Town {
    x: f64,
    y: f64,
    radius: f64,
}

/// Settlement centres and equivalent radii in the cadastre CRS.
fn towns() -> Result<Vec<Town>> {
    let text = embedded_layer("settlements").ok_or_else(|| {
        Error::Other(
            "the cadastre is generated around the embedded settlements: this build has none".into(),
        )
    })?;
    let forward = Transformer::new("EPSG:4326", CADASTRE_CRS)?;
    let mut towns = Vec::new();
    let records = parse_collection(text).map_err(|reason| Error::GeoJson {
        what: "embedded layer `settlements`".into(),
        reason,
    })?;
    for r in records {
        let Ok(g) = r.geometry else { continue };
        let g = forward.apply(&g)?;
        let (Some(c), area) = (g.centroid(), g.unsigned_area()) else {
            continue;
        };
        towns.push(Town {
            x: c.x(),
            y: c.y(),
            radius: (area / std::f64::consts::PI).sqrt().max(300.0),
        });
    }
    if towns.is_empty() {
        return Err(Error::Other(
            "the embedded settlements layer is empty".into(),
        ));
    }
    Ok(towns)
}

/// How far a point is from being built up: < 1 inside a town's radius.
fn remoteness(towns: &[Town], x: f64, y: f64) -> f64 {
    towns
        .iter()
        .map(|t| ((x - t.x).powi(2) + (y - t.y).powi(2)).sqrt() / t.radius)
        .fold(f64::INFINITY, f64::min)
}

fn rect(x0: f64, y0: f64, x1: f64, y1: f64, shear: f64, ymid: f64) -> Polygon<f64> {
    // shear moves x by `shear` per metre above the block's middle line
    let p = |x: f64, y: f64| {
        let x = x + shear * (y - ymid);
        ((x * 100.0).round() / 100.0, (y * 100.0).round() / 100.0)
    };
    Polygon::new(
        LineString::from(vec![p(x0, y0), p(x1, y0), p(x1, y1), p(x0, y1), p(x0, y0)]),
        vec![],
    )
}

/// Lots of one block cell whose lower-left corner is (cx, cy).
fn block(cx: f64, cy: f64, rng: &mut Rng, out: &mut Vec<Lot>, limit: usize) {
    let half = STREET / 2.0;
    let (y0, y1) = (cy + half, cy + BLOCK_H - half);
    let ymid = (y0 + y1) / 2.0;
    // a third of the blocks are parallelograms; the shear is paid for by a narrower block
    let shear = if rng.below(3) == 0 {
        rng.range(-0.35, 0.35)
    } else {
        0.0
    };
    let inset = shear.abs() * (y1 - y0) / 2.0;
    let (x0, x1) = (cx + half + inset, cx + BLOCK_W - half - inset);
    for (ra, rb) in [(y0, ymid), (ymid, y1)] {
        let mut x = x0;
        while x1 - x > 10.0 && out.len() < limit {
            let mut w = rng.range(10.0, 40.0);
            if x1 - (x + w) < 10.0 {
                // no room for another lot after this one: take the remainder, or half
                // of it when that would make the lot wider than 40 m
                w = if x1 - x > 40.0 {
                    (x1 - x) / 2.0
                } else {
                    x1 - x
                };
            }
            out.push(Lot {
                polygon: rect(x, ra, x + w, rb, shear, ymid),
                kind: "lot",
            });
            x += w;
        }
    }
}

/// `count` parcels, the same for the same `count` and `seed`.
pub fn generate(count: usize, seed: u64) -> Result<Vec<Lot>> {
    let towns = towns()?;
    let mut rng = Rng(seed ^ 0xA1_4A_A0);
    let (mut xmin, mut ymin, mut xmax, mut ymax) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for t in &towns {
        xmin = xmin.min(t.x - 8.0 * t.radius);
        ymin = ymin.min(t.y - 8.0 * t.radius);
        xmax = xmax.max(t.x + 8.0 * t.radius);
        ymax = ymax.max(t.y + 8.0 * t.radius);
    }
    // a grid aligned to whole field cells, so field cells are unions of block cells
    let fw = BLOCK_W * FIELD_CELLS_X as f64;
    let fh = BLOCK_H * FIELD_CELLS_Y as f64;
    let (ox, oy) = ((xmin / fw).floor() * fw, (ymin / fh).floor() * fh);
    let nx = ((xmax - ox) / BLOCK_W).ceil() as i64;
    let ny = ((ymax - oy) / BLOCK_H).ceil() as i64;

    let urban = ((count as f64) * URBAN_SHARE).round() as usize;
    let mut cells: Vec<(f64, i64, i64)> = Vec::new();
    for j in 0..ny {
        for i in 0..nx {
            let (x, y) = (
                ox + (i as f64 + 0.5) * BLOCK_W,
                oy + (j as f64 + 0.5) * BLOCK_H,
            );
            let r = remoteness(&towns, x, y);
            if r < 8.0 {
                cells.push((r, i, j));
            }
        }
    }
    cells.sort_by(|a, b| a.0.total_cmp(&b.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    let mut lots = Vec::with_capacity(count);
    let mut taken = HashSet::new();
    for &(_, i, j) in &cells {
        if lots.len() >= urban {
            break;
        }
        taken.insert((i, j));
        block(
            ox + i as f64 * BLOCK_W,
            oy + j as f64 * BLOCK_H,
            &mut rng,
            &mut lots,
            urban,
        );
    }
    if lots.len() < urban {
        return Err(Error::Other(format!(
            "the area around the settlements holds only {} lots; ask for fewer",
            lots.len()
        )));
    }

    // rural field cells free of blocks, nearest the built-up area first, half skipped
    let (fnx, fny) = (nx / FIELD_CELLS_X + 1, ny / FIELD_CELLS_Y + 1);
    let mut fields: Vec<(f64, i64, i64)> = Vec::new();
    for j in 0..fny {
        for i in 0..fnx {
            let free = (0..FIELD_CELLS_X).all(|a| {
                (0..FIELD_CELLS_Y)
                    .all(|b| !taken.contains(&(i * FIELD_CELLS_X + a, j * FIELD_CELLS_Y + b)))
            });
            let (x, y) = (ox + (i as f64 + 0.5) * fw, oy + (j as f64 + 0.5) * fh);
            if free {
                fields.push((remoteness(&towns, x, y), i, j));
            }
        }
    }
    fields.sort_by(|a, b| a.0.total_cmp(&b.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    for &(_, i, j) in &fields {
        if lots.len() >= count {
            break;
        }
        if rng.below(2) == 0 {
            continue;
        }
        let (x0, y0) = (ox + i as f64 * fw + 5.0, oy + j as f64 * fh + 5.0);
        let (x1, y1) = (x0 + fw - 10.0, y0 + fh - 10.0);
        let strips = 1 + rng.below(4) as usize;
        let step = (x1 - x0) / strips as f64;
        for s in 0..strips {
            if lots.len() >= count {
                break;
            }
            let a = x0 + s as f64 * step;
            lots.push(Lot {
                polygon: rect(a, y0, a + step, y1, 0.0, y0),
                kind: "field",
            });
        }
    }
    if lots.len() < count {
        return Err(Error::Other(format!(
            "room for only {} parcels; ask for fewer",
            lots.len()
        )));
    }
    Ok(lots)
}

/// Writes `lots` to `path` (GeoPackage or FlatGeobuf, by extension), layer `parcels`;
/// an existing file is replaced only with `overwrite`, and only once the new one is
/// complete.
pub fn write(lots: &[Lot], path: &Path, overwrite: bool) -> Result<()> {
    let driver_name = match path.extension().and_then(|e| e.to_str()) {
        Some("gpkg") => "GPKG",
        Some("fgb") => "FlatGeobuf",
        _ => {
            return Err(Error::Format {
                path: path.to_path_buf(),
                expected: ".gpkg or .fgb",
            })
        }
    };
    let pending = PendingFile::new(path, overwrite, &[])?;
    let mut ds = create_dataset(pending.path(), driver_name)?;
    let srs = layer_srs(CADASTRE_CRS)?;
    let digits = lots.len().to_string().len().max(7);
    // FlatGeobuf's spatial index would reorder the features along a Hilbert curve;
    // ids in file order are easier to follow, and screening needs no index on parcels
    let options = ["SPATIAL_INDEX=NO"];
    ds.create_layer(LayerOptions {
        name: "parcels",
        srs: Some(&srs),
        ty: OGRwkbGeometryType::wkbPolygon,
        options: (driver_name == "FlatGeobuf").then_some(&options[..]),
    })?
    .create_defn_fields(&[
        ("id", OGRFieldType::OFTString),
        ("use", OGRFieldType::OFTString),
        ("kind", OGRFieldType::OFTString),
    ])?;
    {
        let layer = ds.layer(0)?;
        let mut batch = Batch::begin(&ds);
        for (n, lot) in lots.iter().enumerate() {
            let mut f = Feature::new(layer.defn())?;
            f.set_field_string(0, &format!("P{:0digits$}", n + 1))?;
            f.set_field_string(2, lot.kind)?;
            f.set_geometry(lot.polygon.to_gdal()?)?;
            f.create(&layer)?;
            batch.row(&ds)?;
        }
        batch.commit(&ds)?;
    }
    ds.close()
        .map_err(Error::gdal("cannot close the cadastre"))?;
    pending.commit()?;
    Ok(())
}

/// Bounding box and total area, for the summary line.
pub fn describe(lots: &[Lot]) -> String {
    let fields = lots.iter().filter(|l| l.kind == "field").count();
    let area: f64 = lots.iter().map(|l| l.polygon.unsigned_area()).sum();
    let bbox = lots
        .iter()
        .filter_map(|l| l.polygon.bounding_rect())
        .reduce(|a, b| {
            geo::Rect::new(
                geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        });
    let extent = bbox
        .map(|b| format!("{:.0} × {:.0} km", b.width() / 1e3, b.height() / 1e3))
        .unwrap_or_default();
    format!(
        "{} parcels ({} urban lots, {fields} rural fields), {:.0} ha over {extent}, {CADASTRE_CRS}",
        lots.len(),
        lots.len() - fields,
        area / 1e4
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Intersects;

    #[test]
    fn deterministic_sized_and_shaped_like_a_cadastre() {
        let a = generate(2_000, 7).unwrap();
        let b = generate(2_000, 7).unwrap();
        assert_eq!(a.len(), 2_000);
        assert!(a.iter().zip(&b).all(|(x, y)| x.polygon == y.polygon));
        for l in &a {
            let m2 = l.polygon.unsigned_area();
            match l.kind {
                "lot" => assert!((400.0..=2_000.0).contains(&m2), "lot of {m2} m²"),
                _ => assert!((50_000.0..=250_000.0).contains(&m2), "field of {m2} m²"),
            }
        }
        let fields = a.iter().filter(|l| l.kind == "field").count();
        assert_eq!(fields, 2_000 - 1_760);
        // no two parcels overlap (sampled: each against every other, a few hundred)
        for (i, p) in a.iter().enumerate().step_by(7) {
            for q in a.iter().skip(i + 1) {
                if p.polygon.intersects(&q.polygon) {
                    let shared = geo::BooleanOps::intersection(&p.polygon, &q.polygon);
                    assert!(shared.unsigned_area() < 1e-6, "parcels overlap");
                }
            }
        }
    }
}
