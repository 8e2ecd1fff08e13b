//! `aimaq zones`: the constraint dataset with every rule resolved to its distance limits,
//! as a GeoPackage a GIS can display or another engine can join against.

use crate::crs::MetricCrs;
use crate::sink::{create_file, layer_srs, Batch};
use aimaq_check::{ConstraintFeature, Engine};
use aimaq_rules::{Catalog, IssueLevel, Limit};
use anyhow::{bail, Result};
use gdal::vector::{Feature, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType, ToGdal};
use std::collections::HashSet;
use std::path::Path;

/// Writes layer `zones` (one row per feature and rule that restricts `use_code`: `rule`,
/// `layer`, `feature`, `limit_m`, `min_limit_m`, `inside_limit_m`, `regime`,
/// `citation`) and layer `settlements`, in `metric`'s CRS. Features the engine leaves
/// out (dataset errors) are left out here too, and so are zones whose regime allows the
/// use: they give no finding.
///
/// `limit_m` is the distance a parcel must stay beyond (0: the area itself, overlap
/// rules); for ranges it is the act's maximum and `min_limit_m` its minimum (a parcel
/// nearer than the minimum is encumbered up to the minimum, else up to the maximum).
/// `inside_limit_m` is set for settlement-dependent rules: the limit for the parcel's
/// part inside settlements.
pub fn write(
    catalog: &Catalog,
    use_code: &str,
    features: &[ConstraintFeature],
    engine: &Engine,
    metric: &MetricCrs,
    path: &Path,
    overwrite: bool,
) -> Result<usize> {
    let land_use = catalog
        .resolve_use(Some(use_code))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if path.extension().and_then(|e| e.to_str()) != Some("gpkg") {
        bail!("write zones to a .gpkg file");
    }
    let left_out: HashSet<(String, String)> = engine
        .issues()
        .iter()
        .filter(|i| i.level == IssueLevel::Error)
        .map(|i| (i.layer.clone(), i.feature.clone()))
        .collect();
    let srs = layer_srs(&metric.definition)?;
    let mut ds = create_file(path, "GPKG", overwrite)?;
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
    let mut batch = Batch::begin(&ds);
    let zones = ds.layer(0)?;
    let settlements = ds.layer(1)?;
    let mut rows = 0;
    for f in features {
        let Some(id) = f.attributes.get("id").and_then(|v| v.as_str()) else {
            continue;
        };
        let (Ok(geometry), false) = (
            &f.geometry,
            left_out.contains(&(f.layer.clone(), id.to_string())),
        ) else {
            continue;
        };
        let gdal_geometry = geometry.geometry().to_gdal()?;
        if catalog.condition_layers().contains(&f.layer.as_str()) {
            let mut row = Feature::new(settlements.defn())?;
            row.set_field_string(0, id)?;
            row.set_geometry(gdal_geometry.clone())?;
            row.create(&settlements)?;
        }
        for rule in catalog
            .rules()
            .iter()
            .filter(|r| r.layer() == f.layer && r.applies_to(&f.attributes))
        {
            let Some(zone) = rule.resolve(&f.attributes).zone else {
                continue;
            };
            let cell = rule.regime().cell_for(land_use, &f.attributes);
            if cell.regime.severity().is_none() {
                continue; // allowed for this use: no finding
            }
            let mut row = Feature::new(zones.defn())?;
            row.set_field_string(0, rule.id())?;
            row.set_field_string(1, &f.layer)?;
            row.set_field_string(2, id)?;
            match zone.limit {
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
            row.set_field_string(7, &zone.citation.to_string())?;
            row.set_geometry(gdal_geometry.clone())?;
            row.create(&zones)?;
            rows += 1;
        }
        batch.row(&ds)?;
    }
    batch.commit(&ds)?;
    Ok(rows)
}
