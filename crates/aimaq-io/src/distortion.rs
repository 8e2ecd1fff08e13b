//! A measuring CRS must measure: the engine decides every limit on the ground, correcting
//! the CRS's scale at each parcel ([`aimaq_check::Ground`]), which works for a conformal
//! CRS whose scale error stays within what the engine corrects. One that is not conformal
//! over the dataset (its scale differs by direction, which no correction at a point
//! undoes), or whose scale error is beyond [`MAX_SCALE_ERROR`], is refused before
//! anything is checked, with the reason and a CRS that would do.

use crate::coverage::{describe_box, Coverage};
use crate::{Error, Result};
use aimaq_proj::{Distortion, MetricCrs};
use geo::Rect;

/// The largest scale error of a measuring CRS over the dataset's extent (where it lies
/// in the CRS's area of use): 1 % of any length, the most the engine corrects
/// ([`aimaq_check::MAX_SCALE_ERROR`]; its index looks that much farther than each
/// width). Within it the error costs nothing: widths, distances and areas are measured on
/// the ground (docs/output.md). UTM zone 43N, the default, stays within −0.03 %…+0.05 %
/// over the Almaty data, and any UTM zone within −0.04 %…+0.097 % over its own area of
/// use.
pub const MAX_SCALE_ERROR: f64 = aimaq_check::MAX_SCALE_ERROR;

/// The largest angular distortion of a measuring CRS over the dataset's extent,
/// degrees. A conformal projection (UTM, Gauss–Krüger, Lambert conformal) has none (UTM
/// measures under 1e-6° here, the sampling's noise), and the engine's correction at a
/// parcel is one scale for every direction. 0.01° leaves at most 0.009 % between
/// directions: 4.5 cm at 500 m for a CRS just under it, which is why only conformal CRSs
/// pass. Web Mercator (EPSG:3857) is conformal on the sphere, not on the WGS84 ellipsoid
/// it is used with: 0.2° over the Almaty data, refused.
pub const MAX_ANGULAR_DEG: f64 = 0.01;

/// Refuses `metric` when it distorts lengths over `extent` (WGS84 degrees) beyond
/// [`MAX_SCALE_ERROR`] or angles beyond [`MAX_ANGULAR_DEG`]; the message says by how
/// much, where, why it matters and which CRS would do.
///
/// ```
/// use aimaq_io::distortion::check_measuring_crs;
/// use aimaq_proj::MetricCrs;
/// let almaty = geo::Rect::new((76.1, 43.0), (78.4, 44.1));
/// assert!(check_measuring_crs(&MetricCrs::new("EPSG:32643").unwrap(), almaty).is_ok());
/// // a transverse Mercator on 72°E reads lengths up to 0.34 % long there: conformal, and
/// // corrected at every parcel
/// let tm72 = "+proj=tmerc +lon_0=72 +k=1 +x_0=500000 +datum=WGS84 +units=m +no_defs +type=crs";
/// assert!(check_measuring_crs(&MetricCrs::new(tm72).unwrap(), almaty).is_ok());
/// let e = check_measuring_crs(&MetricCrs::new("EPSG:3857").unwrap(), almaty).unwrap_err();
/// assert!(e.to_string().contains("measure in EPSG:32643"), "{e}");
/// ```
pub fn check_measuring_crs(metric: &MetricCrs, extent: Rect<f64>) -> Result<()> {
    let d = distortion_over(metric, extent)?;
    if acceptable(&d) {
        return Ok(());
    }
    let (lon, lat) = d.worst_at;
    let angles = if d.max_angular_deg > MAX_ANGULAR_DEG {
        format!(
            ", and angles by up to {:.3}° (it is not conformal: its scale differs by \
             direction, which no correction at a point undoes)",
            d.max_angular_deg
        )
    } else {
        String::new()
    };
    Err(Error::DistortingCrs(format!(
        "the measuring CRS {} distorts lengths over the dataset ({}) by {} \
         (worst at {lon:.2}°E, {lat:.2}°N){angles}, beyond aimaq's tolerance of {} \
         (angles {MAX_ANGULAR_DEG}°), within which it decides on the ground: 400 m on the \
         ground would read as up to {:.1} m, and decisions would follow the projection. {}",
        metric.label(),
        describe_box(extent),
        describe(&d),
        percent(MAX_SCALE_ERROR),
        400.0 * d.max_scale.max(1.0 / d.min_scale),
        suggestion(extent)
    )))
}

fn acceptable(d: &Distortion) -> bool {
    d.scale_error() <= MAX_SCALE_ERROR && d.max_angular_deg <= MAX_ANGULAR_DEG
}

fn distortion_over(metric: &MetricCrs, e: Rect<f64>) -> Result<Distortion> {
    Ok(metric.distortion((e.min().x, e.min().y, e.max().x, e.max().y))?)
}

/// `−0.04 %…+0.09 %`.
fn describe(d: &Distortion) -> String {
    let signed = |s: f64| {
        let p = (s - 1.0) * 100.0;
        format!("{}{:.2} %", if p < 0.0 { "−" } else { "+" }, p.abs())
    };
    format!("{}…{}", signed(d.min_scale), signed(d.max_scale))
}

fn percent(x: f64) -> String {
    format!("{} %", x * 100.0)
}

/// A CRS that keeps the error within the tolerance over `extent`: the UTM zone of its
/// centre, else a transverse Mercator centred on it, else advice to split the data.
fn suggestion(extent: Rect<f64>) -> String {
    let c = extent.center();
    let zone = (((c.x + 180.0) / 6.0).floor() as i64).clamp(0, 59) + 1;
    let utm = format!("EPSG:{}", if c.y >= 0.0 { 32600 } else { 32700 } + zone);
    let tmerc = format!(
        "+proj=tmerc +lon_0={:.2} +lat_0=0 +k=1 +x_0=500000 +y_0=0 +datum=WGS84 +units=m +no_defs",
        c.x
    );
    for candidate in [utm, tmerc] {
        let Ok(m) = MetricCrs::new(&candidate) else {
            continue;
        };
        if let Ok(d) = distortion_over(&m, extent) {
            if acceptable(&d) {
                return format!(
                    "Use a conformal CRS made for the area: measure in {} (`--crs`, \
                     `metric_crs=`), whose scale error there is {}, corrected at every \
                     parcel.",
                    m.label(),
                    describe(&d)
                );
            }
        }
    }
    format!(
        "No single transverse Mercator keeps lengths within {} over an extent this wide: \
         split the dataset by UTM zone.",
        percent(MAX_SCALE_ERROR)
    )
}

/// The distortion check over the features' extent, as the dataset loader runs it.
pub(crate) fn check_features(
    metric: &MetricCrs,
    features: &[aimaq_check::ConstraintFeature],
) -> Result<()> {
    let extent = aimaq_check::dataset_extent(features);
    let Some(extent) = extent else {
        return Ok(()); // nothing to measure
    };
    let degrees = Coverage::from_metric(extent, metric)?.extent();
    check_measuring_crs(metric, where_measured(metric, degrees))
}

/// The part of the dataset's extent where `metric` measures anything: its intersection
/// with the CRS's area of use, since a parcel outside that area is an error row anyway
/// (`RecordChecker`). A stray feature far away thus does not condemn a CRS made for the
/// rest; a dataset wholly outside the area is judged over all of it (and refused).
fn where_measured(metric: &MetricCrs, extent: Rect<f64>) -> Rect<f64> {
    let Some(area) = metric.area_of_use().filter(|a| a.west <= a.east) else {
        return extent;
    };
    let (w, s) = (
        extent.min().x.max(area.west),
        extent.min().y.max(area.south),
    );
    let (e, n) = (
        extent.max().x.min(area.east),
        extent.max().y.min(area.north),
    );
    if w < e && s < n {
        Rect::new((w, s), (e, n))
    } else {
        extent
    }
}

/// The measuring CRS's point scale, for the engine ([`aimaq_check::Ground`]): PROJ's,
/// through [`aimaq_proj::PointScale`].
struct ProjGround(aimaq_proj::PointScale);

impl aimaq_check::Ground for ProjGround {
    fn scale(&self, at: geo::Coord<f64>) -> Option<f64> {
        self.0.at(at)
    }
}

/// What an engine measuring in `metric` needs to decide on the ground
/// ([`aimaq_check::Engine::with_ground`]); every engine `aimaq_io` opens has it.
///
/// ```
/// use aimaq_check::Engine;
/// use aimaq_proj::MetricCrs;
/// let utm = MetricCrs::new("EPSG:32643").unwrap();
/// let ground = aimaq_io::distortion::ground(&utm).unwrap();
/// // 0.9996 on the central meridian, 75°E (500 km east)
/// let k = ground.scale(geo::Coord { x: 500_000.0, y: 4_800_000.0 }).unwrap();
/// assert!((k - 0.9996).abs() < 1e-9);
/// let engine = Engine::new(aimaq_rules::Catalog::embedded(), utm.label(), vec![]).with_ground(ground);
/// assert!((engine.scale_at(geo::Coord { x: 500_000.0, y: 4_800_000.0 }) - 0.9996).abs() < 1e-9);
/// ```
pub fn ground(metric: &MetricCrs) -> Result<std::sync::Arc<dyn aimaq_check::Ground>> {
    Ok(std::sync::Arc::new(ProjGround(
        aimaq_proj::PointScale::new(metric)?,
    )))
}
