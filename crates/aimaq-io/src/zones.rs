//! `zones`: the constraint dataset with every rule resolved to its distance limits, as a
//! GeoPackage a GIS can display or another engine can join against. The zones are the
//! engine's own ([`Engine::zones`]): exactly what findings come from, decided once.

use crate::gdal_write::{create_dataset, layer_srs, Batch};
use crate::output::PendingFile;
use crate::{Error, Result};
use aimaq_check::Engine;
use aimaq_proj::MetricCrs;
use aimaq_rules::Limit;
use gdal::vector::{Feature, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType, ToGdal};
use std::path::Path;

/// Writes layer `zones` (one row per feature and rule that restricts `use_code`: `rule`,
/// `layer`, `feature`, `limit_m`, `min_limit_m`, `inside_limit_m`, `regime`,
/// `citation`) and layer `settlements`, in `metric`'s CRS. Zones whose regime allows the
/// use are left out: they give no finding.
///
/// `limit_m` is the distance a parcel must stay beyond (0: the area itself, overlap
/// rules); for ranges it is the act's maximum and `min_limit_m` its minimum (a parcel
/// nearer than the minimum is encumbered up to the minimum, else up to the maximum).
/// `inside_limit_m` is set for settlement-dependent rules: the limit for the parcel's
/// part inside settlements.
pub fn write(
    engine: &Engine,
    metric: &MetricCrs,
    use_code: &str,
    path: &Path,
    overwrite: bool,
) -> Result<usize> {
    let land_use = engine
        .catalog()
        .resolve_use(Some(use_code))
        .map_err(|e| Error::Other(e.to_string()))?;
    if path.extension().and_then(|e| e.to_str()) != Some("gpkg") {
        return Err(Error::Format {
            path: path.to_path_buf(),
            expected: ".gpkg",
        });
    }
    let srs = layer_srs(metric.definition())?;
    let pending = PendingFile::new(path, overwrite, &[])?;
    let mut ds = create_dataset(pending.path(), "GPKG")?;
    for (name, cols) in [
        (
            "zones",
            &[
                ("rule", OGRFieldType::OFTString),
                ("layer", OGRFieldType::OFTString),
                ("feature", OGRFieldType::OFTString),
                ("limit_m", OGRFieldType::OFTReal),
                ("inside_limit_m", OGRFieldType::OFTReal),
                ("min_limit_m", OGRFieldType::OFTReal),
                ("regime", OGRFieldType::OFTString),
                ("citation", OGRFieldType::OFTString),
            ][..],
        ),
        ("settlements", &[("feature", OGRFieldType::OFTString)][..]),
    ] {
        let layer = ds.create_layer(LayerOptions {
            name,
            srs: Some(&srs),
            ty: OGRwkbGeometryType::wkbUnknown,
            ..Default::default()
        })?;
        layer.create_defn_fields(cols)?;
    }
    let mut rows = 0;
    {
        let mut batch = Batch::begin(&ds);
        let zones = ds.layer(0)?;
        let settlements = ds.layer(1)?;
        for s in engine.settlements() {
            let mut row = Feature::new(settlements.defn())?;
            row.set_field_string(0, s.id)?;
            row.set_geometry(s.area.to_gdal()?)?;
            row.create(&settlements)?;
            batch.row(&ds)?;
        }
        for z in engine.zones() {
            let cell = z.cell_for(land_use);
            if cell.regime.severity().is_none() {
                continue; // allowed for this use: no finding
            }
            let mut row = Feature::new(zones.defn())?;
            row.set_field_string(0, z.rule.id())?;
            row.set_field_string(1, z.layer)?;
            row.set_field_string(2, z.feature)?;
            match z.zone.limit {
                Limit::Fixed { m } => row.set_field_double(3, m)?,
                Limit::Range { min, max } => {
                    row.set_field_double(3, max)?;
                    row.set_field_double(5, min)?;
                }
                Limit::BySettlement { inside, outside } => {
                    row.set_field_double(3, outside)?;
                    row.set_field_double(4, inside)?;
                }
                Limit::Overlap => row.set_field_double(3, 0.0)?,
            }
            row.set_field_string(6, cell.regime.as_str())?;
            row.set_field_string(7, &z.zone.citation.to_string())?;
            row.set_geometry(geo::Geometry::from(z.geometry).to_gdal()?)?;
            row.create(&zones)?;
            rows += 1;
            batch.row(&ds)?;
        }
        batch.commit(&ds)?;
    }
    ds.close()
        .map_err(Error::gdal("cannot close the zones file"))?;
    pending.commit()?;
    Ok(rows)
}
