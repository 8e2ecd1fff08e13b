//! GeoPackage geometry blobs (GeoPackage 1.3, §2.1.3): a header with the SRS and the
//! envelope, then ISO WKB. Encoded in Rust on the checking threads, so the writer only
//! binds bytes.

use geo::{BoundingRect, Rect};

/// A geometry ready for a GeoPackage column, with its envelope for the R-tree.
#[derive(Debug, Clone, PartialEq)]
pub struct GpkgBlob {
    /// Header + WKB.
    pub bytes: Vec<u8>,
    /// `(min_x, max_x, min_y, max_y)`, as the R-tree stores it.
    pub envelope: (f64, f64, f64, f64),
}

/// Encodes `g` for a table whose geometry column is in `srs_id`.
///
/// ```
/// use aimaq_io::sink::gpkg_blob;
/// let square = geo::MultiPolygon(vec![geo::Rect::new((0., 0.), (2., 1.)).to_polygon()]);
/// let blob = gpkg_blob(&square, 32643).unwrap();
/// assert_eq!(&blob.bytes[..2], b"GP");
/// assert_eq!(blob.envelope, (0.0, 2.0, 0.0, 1.0));
/// ```
pub fn gpkg_blob<G>(g: &G, srs_id: i32) -> Result<GpkgBlob, String>
where
    G: BoundingRect<f64, Output = Option<Rect<f64>>> + geo_traits::GeometryTrait<T = f64>,
{
    let rect = g
        .bounding_rect()
        .ok_or_else(|| "cannot write an empty geometry to the report".to_string())?;
    let envelope = (rect.min().x, rect.max().x, rect.min().y, rect.max().y);
    let mut bytes = Vec::with_capacity(256);
    bytes.extend_from_slice(b"GP");
    bytes.push(0); // version 1
                   // flags: little-endian header numbers (bit 0), envelope [minx, maxx, miny, maxy]
                   // (bits 1-3 = 1), not empty, standard GeoPackage binary
    bytes.push(0b0000_0011);
    bytes.extend_from_slice(&srs_id.to_le_bytes());
    for v in [envelope.0, envelope.1, envelope.2, envelope.3] {
        bytes.extend_from_slice(&v.to_le_bytes());
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
