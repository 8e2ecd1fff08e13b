//! Where a dataset says anything: a parcel outside its extent was checked against
//! nothing, so it is an error, never "clear". One rule for `check`, `screen`, Python,
//! Spark and the permit desk.

use aimaq_check::Engine;
use aimaq_proj::{MetricCrs, Transformer};
use geo::{BoundingRect, Rect};
use std::fmt;

/// The dataset's extent in WGS84 longitude/latitude: the box of its features' box in
/// the metric CRS, expressed in degrees.
///
/// ```
/// use aimaq_io::{coverage::Coverage, open_engine, EngineOptions};
/// use geo::Rect;
///
/// let opened = open_engine(&EngineOptions::default()).unwrap();
/// let coverage = Coverage::of(&opened.engine, &opened.metric).unwrap().unwrap();
/// // a lot in Talgar is inside; one in Bishkek is not, and says where both are
/// assert!(coverage.check(Rect::new((77.23, 43.30), (77.24, 43.31)), None).is_ok());
/// let bishkek = Rect::new((74.59, 42.87), (74.60, 42.88));
/// let outside = coverage.check(bishkek, None).unwrap_err().to_string();
/// assert!(outside.starts_with("the parcel lies at 74.5900…74.6000 °E, 42.8700…42.8800 °N, outside the dataset's extent ("), "{outside}");
/// // latitude given first: the hint says so
/// let swapped = Rect::new((43.30, 77.23), (43.31, 77.24));
/// let e = coverage.check(swapped, Some(Rect::new((77.23, 43.30), (77.24, 43.31)))).unwrap_err();
/// assert!(e.to_string().contains("with x and y swapped it would lie inside"), "{e}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coverage {
    extent: Rect<f64>,
}

/// A parcel outside the dataset's extent.
#[derive(Debug, Clone, PartialEq)]
pub struct OutsideDataset {
    /// Where the parcel lies, WGS84 degrees.
    pub place: Rect<f64>,
    /// The dataset's extent, WGS84 degrees.
    pub extent: Rect<f64>,
    /// Whether the parcel with its x and y swapped would lie inside.
    pub swapped_inside: bool,
}

impl fmt::Display for OutsideDataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the parcel lies at {:.4}…{:.4} °E, {:.4}…{:.4} °N, outside the dataset's \
             extent ({}): it was checked against nothing there, so no answer would mean \
             anything",
            self.place.min().x,
            self.place.max().x,
            self.place.min().y,
            self.place.max().y,
            describe_box(self.extent)
        )?;
        if self.swapped_inside {
            write!(f, " ({SWAPPED_HINT})")?;
        }
        Ok(())
    }
}

impl std::error::Error for OutsideDataset {}

/// What a message adds when a parcel read with x and y swapped would lie inside.
pub const SWAPPED_HINT: &str = "with x and y swapped it would lie inside the dataset: are its \
     coordinates in the wrong order? Longitude, or easting, comes first";

/// `76.10…78.40 °E, 43.00…44.10 °N`: a WGS84 box as messages give it.
///
/// ```
/// let b = geo::Rect::new((76.1, 43.0), (78.4, 44.1));
/// assert_eq!(aimaq_io::coverage::describe_box(b), "76.10…78.40 °E, 43.00…44.10 °N");
/// ```
pub fn describe_box(b: Rect<f64>) -> String {
    format!(
        "{:.2}…{:.2} °E, {:.2}…{:.2} °N",
        b.min().x,
        b.max().x,
        b.min().y,
        b.max().y
    )
}

impl Coverage {
    /// A coverage of the WGS84 box `extent`.
    pub fn new(extent: Rect<f64>) -> Coverage {
        Coverage { extent }
    }

    /// The coverage of `engine`'s dataset ([`Engine::extent`], in `metric`): `None`
    /// for a dataset without geometry.
    pub fn of(engine: &Engine, metric: &MetricCrs) -> crate::Result<Option<Coverage>> {
        let Some(extent) = engine.extent() else {
            return Ok(None);
        };
        Ok(Some(Coverage::from_metric(extent, metric)?))
    }

    /// The coverage of a box in `metric`'s metres: its corners in WGS84, boxed.
    pub fn from_metric(extent: Rect<f64>, metric: &MetricCrs) -> crate::Result<Coverage> {
        let to_wgs84 = Transformer::new(metric.definition(), "EPSG:4326")?;
        let degrees = to_wgs84
            .apply(&extent.to_polygon())
            .map_err(|e| crate::Error::Other(format!("the dataset's extent: {e}")))?;
        let extent = degrees
            .bounding_rect()
            .ok_or_else(|| crate::Error::Other("the dataset's extent is empty".into()))?;
        Ok(Coverage { extent })
    }

    /// The extent, WGS84 degrees.
    pub fn extent(&self) -> Rect<f64> {
        self.extent
    }

    /// Whether the WGS84 box `place` lies within the extent.
    pub fn covers(&self, place: Rect<f64>) -> bool {
        let e = self.extent;
        place.min().x >= e.min().x
            && place.max().x <= e.max().x
            && place.min().y >= e.min().y
            && place.max().y <= e.max().y
    }

    /// The rule: `place` (a parcel's box, WGS84) must lie within the extent. `swapped`
    /// is the same parcel read with x and y swapped (in WGS84), when that can be
    /// computed: if it would lie inside, the answer says so.
    pub fn check(
        &self,
        place: Rect<f64>,
        swapped: Option<Rect<f64>>,
    ) -> Result<(), OutsideDataset> {
        if self.covers(place) {
            return Ok(());
        }
        Err(OutsideDataset {
            place,
            extent: self.extent,
            swapped_inside: swapped.is_some_and(|s| self.covers(s)),
        })
    }
}
