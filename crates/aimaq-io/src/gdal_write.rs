//! Writing vector files through GDAL: new datasets, layer CRSs in GIS axis order, and
//! rows grouped into transactions.

use crate::{Error, Result};
use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use gdal::{Dataset, DriverManager};
use std::path::Path;

/// A new, empty vector file at `path` (which must not exist: callers write to a
/// [`PendingFile`](crate::output::PendingFile)'s partial path).
pub(crate) fn create_dataset(path: &Path, driver_name: &str) -> Result<Dataset> {
    DriverManager::get_driver_by_name(driver_name)
        .map_err(Error::gdal(format!("GDAL has no {driver_name} driver")))?
        .create_vector_only(path)
        .map_err(Error::gdal(format!(
            "GDAL cannot create {}",
            path.display()
        )))
}

/// The CRS for a new layer, in GIS axis order (easting first), as geo's coordinates are.
pub(crate) fn layer_srs(definition: &str) -> Result<SpatialRef> {
    let mut srs = SpatialRef::from_definition(definition).map_err(Error::gdal(format!(
        "CRS `{}`",
        aimaq_proj::short(definition)
    )))?;
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    Ok(srs)
}

/// Rows this many features long share a transaction: SQLite commits are the cost.
const ROWS_PER_TRANSACTION: usize = 200_000;

/// Groups writes into transactions of [`ROWS_PER_TRANSACTION`] rows where the driver
/// has transactions (GeoPackage); elsewhere (CSV, GeoJSON, FlatGeobuf) rows go straight
/// to the file.
pub(crate) struct Batch {
    open: bool,
    rows: usize,
}

impl Batch {
    /// Opens the first transaction, if the driver has them.
    pub(crate) fn begin(ds: &Dataset) -> Batch {
        let mut b = Batch {
            open: false,
            rows: 0,
        };
        b.start(ds);
        b
    }

    fn start(&mut self, ds: &Dataset) {
        // SAFETY: the handle is valid while `ds` lives; a driver without transactions
        // refuses and rows are then written directly.
        let err = unsafe { gdal_sys::GDALDatasetStartTransaction(ds.c_dataset(), 0) };
        self.open = err == gdal_sys::OGRErr::OGRERR_NONE;
        self.rows = 0;
    }

    /// Counts `n` rows written; commits and reopens when the transaction is full.
    pub(crate) fn rows(&mut self, ds: &Dataset, n: usize) -> Result<()> {
        self.rows += n;
        if self.open && self.rows >= ROWS_PER_TRANSACTION {
            self.commit(ds)?;
            self.start(ds);
        }
        Ok(())
    }

    /// One row written.
    pub(crate) fn row(&mut self, ds: &Dataset) -> Result<()> {
        self.rows(ds, 1)
    }

    /// Commits what is pending.
    pub(crate) fn commit(&mut self, ds: &Dataset) -> Result<()> {
        if self.open {
            self.open = false;
            // SAFETY: as in `start`; a transaction is open.
            let err = unsafe { gdal_sys::GDALDatasetCommitTransaction(ds.c_dataset()) };
            if err != gdal_sys::OGRErr::OGRERR_NONE {
                return Err(Error::Gdal {
                    context: "committing the rows written".into(),
                    cause: format!("OGR error {err}"),
                });
            }
        }
        Ok(())
    }
}
