//! What can go wrong with a CRS or a coordinate.

use thiserror::Error;

/// A CRS that cannot be used, or a pair of CRSs with no transformation between them.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CrsError {
    /// The definition holds a NUL byte, which no CRS definition does.
    #[error("CRS definition contains a NUL byte")]
    NulByte,
    /// PROJ cannot parse or find the definition.
    #[error("PROJ does not know the CRS `{definition}`")]
    Unknown {
        /// As given.
        definition: String,
    },
    /// A geographic, geocentric or other CRS where a projected one is needed.
    #[error("`{definition}` ({name}) is not a projected CRS: distances in metres need one (e.g. EPSG:32643, UTM zone 43N)")]
    NotProjected {
        /// As given.
        definition: String,
        /// PROJ's name for it.
        name: String,
    },
    /// A projected CRS in feet or another unit.
    #[error("`{definition}` ({name}) has axes in {unit}, not metres")]
    NotMetres {
        /// As given.
        definition: String,
        /// PROJ's name for it.
        name: String,
        /// The unit of the offending axis.
        unit: String,
    },
    /// The CRS's scale cannot be measured at a place (it has no image there).
    #[error("cannot measure the scale of `{definition}` at longitude {lon:.4}, latitude {lat:.4}: the CRS has no image there")]
    NoFactors {
        /// As given.
        definition: String,
        /// Longitude, degrees.
        lon: f64,
        /// Latitude, degrees.
        lat: f64,
    },
    /// PROJ knows both CRSs but no way from one to the other.
    #[error("no transformation {from} → {to}: {reason}")]
    NoTransformation {
        /// Source CRS, shortened for messages.
        from: String,
        /// Target CRS, shortened for messages.
        to: String,
        /// PROJ's words.
        reason: String,
    },
}

/// A coordinate that could not be reprojected.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ReprojectError {
    /// The transformation could not be set up on this thread.
    #[error(transparent)]
    Crs(#[from] CrsError),
    /// PROJ refused the position.
    #[error("cannot reproject ({x}, {y}): {reason}")]
    Position {
        /// Input x (easting or longitude).
        x: f64,
        /// Input y (northing or latitude).
        y: f64,
        /// PROJ's words.
        reason: String,
    },
    /// PROJ answered, but with an infinite or NaN position.
    #[error("({x}, {y}) has no finite position in the target CRS")]
    NotFinite {
        /// Input x.
        x: f64,
        /// Input y.
        y: f64,
    },
}
