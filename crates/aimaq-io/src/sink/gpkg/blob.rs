//! GeoPackage geometry blobs (GeoPackage 1.3, §2.1.3): a header with the SRS and the
//! envelope, then ISO WKB. Encoded in Rust on the checking threads, so the writer only
//! binds bytes.

use geo::{BoundingRect, Rect};

/// A geometry ready for a GeoPackage column, with its envelope for the R-tree.
#[derive(Debug, Clone, PartialEq)]
pub struct GpkgBlob {
    /// Header + WKB.
    pub bytes: Vec<u8>,
    /// `(min_x, max_x, min_y, max_y)`, as the R-tree stores it; `None` for an empty
    /// geometry, which has no R-tree entry (GeoPackage 1.3 §F.3).
    pub envelope: Option<(f64, f64, f64, f64)>,
}

/// Encodes `g` for a table whose geometry column is in `srs_id`. An empty geometry (a
/// finding whose zone only touches its parcel) is written as GeoPackage's empty
/// geometry: the header's empty flag, no envelope, and the WKB of an empty collection.
///
/// ```
/// use aimaq_io::sink::gpkg_blob;
/// let square = geo::MultiPolygon(vec![geo::Rect::new((0., 0.), (2., 1.)).to_polygon()]);
/// let blob = gpkg_blob(&square, 32643).unwrap();
/// assert_eq!(&blob.bytes[..2], b"GP");
/// assert_eq!(blob.envelope, Some((0.0, 2.0, 0.0, 1.0)));
/// let empty = gpkg_blob(&geo::MultiPolygon::<f64>(vec![]), 32643).unwrap();
/// assert_eq!(empty.envelope, None);
/// ```
pub fn gpkg_blob<G>(g: &G, srs_id: i32) -> Result<GpkgBlob, String>
where
    G: BoundingRect<f64, Output = Option<Rect<f64>>> + geo_traits::GeometryTrait<T = f64>,
{
    let envelope = g
        .bounding_rect()
        .map(|r| (r.min().x, r.max().x, r.min().y, r.max().y));
    let mut bytes = Vec::with_capacity(256);
    bytes.extend_from_slice(b"GP");
    bytes.push(0); // version 1
                   // flags: little-endian header numbers (bit 0); with an envelope [minx, maxx, miny,
                   // maxy] (bits 1-3 = 1), or none and the empty flag (bit 4); standard GeoPackage binary
    bytes.push(if envelope.is_some() {
        0b0000_0011
    } else {
        0b0001_0001
    });
    bytes.extend_from_slice(&srs_id.to_le_bytes());
    if let Some((x0, x1, y0, y1)) = envelope {
        for v in [x0, x1, y0, y1] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
    }
    wkb::writer::write_geometry(
        &mut bytes,
        g,
        &wkb::writer::WriteOptions {
            endianness: wkb::Endianness::LittleEndian,
        },
    )
    .map_err(|e| format!("cannot encode a geometry for the report: {e}"))?;
    Ok(GpkgBlob { bytes, envelope })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gdal_reads_the_blob_back() {
        let lot = geo::MultiPolygon(vec![geo::Polygon::new(
            vec![
                (500000.0, 4800000.0),
                (500040.0, 4800000.0),
                (500040.0, 4800030.0),
                (500000.0, 4800000.0),
            ]
            .into(),
            vec![],
        )]);
        let blob = gpkg_blob(&lot, 32643).unwrap();
        // the WKB after the 40-byte header is what GDAL reads
        let back = gdal::vector::Geometry::from_wkb(&blob.bytes[40..])
            .unwrap()
            .to_geo()
            .unwrap();
        assert_eq!(back, geo::Geometry::MultiPolygon(lot));
    }
}
