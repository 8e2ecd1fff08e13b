//! The errors of aimaq's I/O: each names the file, layer or field it is about, and says
//! what to do where there is something to do.

use aimaq_proj::{CrsError, ReprojectError};
use aimaq_rules::CatalogError;
use std::path::PathBuf;
use thiserror::Error;

/// A GDAL error's text (GDAL's own types are not `Clone`, and messages are all we keep).
fn gdal_text(e: &gdal::errors::GdalError) -> String {
    match e {
        gdal::errors::GdalError::CplError { msg, .. } if !msg.is_empty() => msg.clone(),
        other => other.to_string(),
    }
}

/// Everything aimaq-io can fail with.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The path does not exist.
    #[error("{} does not exist", path.display())]
    Missing {
        /// The path.
        path: PathBuf,
    },
    /// A file could not be read.
    #[error("cannot read {}: {cause}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        cause: std::io::Error,
    },
    /// An input that is not a regular file: a device (`/dev/zero` reads forever), a
    /// FIFO (blocks), a socket.
    #[error("{} is {kind}, not a regular file: aimaq reads parcels only from files", path.display())]
    NotARegularFile {
        /// The input.
        path: PathBuf,
        /// What it is.
        kind: &'static str,
    },
    /// An input larger than the stated bound for reading it whole.
    #[error("{} is {bytes} bytes, more than the {max} bytes aimaq reads whole as GeoJSON: convert it to a GeoPackage or FlatGeobuf for `aimaq screen`, which streams, or raise the bound with --max-input-mb", path.display())]
    TooLarge {
        /// The input.
        path: PathBuf,
        /// Its size.
        bytes: u64,
        /// The bound.
        max: u64,
    },
    /// Text that is not UTF-8 in a file that does not say its encoding.
    #[error("{}: {detail}", path.display())]
    Encoding {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        detail: String,
    },
    /// A file could not be written, renamed or removed.
    #[error("cannot write {}: {cause}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        cause: std::io::Error,
    },
    /// The disk (or the quota) filled up while an output was being written: the output's
    /// private copy is discarded and an earlier file at its name is untouched.
    #[error("disk full while writing {} ({filesystem}): the earlier file, if any, is untouched; the writer said: {cause}", path.display())]
    DiskFull {
        /// The output being written.
        path: PathBuf,
        /// Which filesystem, and what is free on it.
        filesystem: String,
        /// What the writer said.
        cause: String,
    },
    /// A GeoJSON document that is unusable as a whole (a bad record is that record's
    /// error, never the file's).
    #[error("{what} is not usable GeoJSON: {reason}")]
    GeoJson {
        /// The file or layer.
        what: String,
        /// Why.
        reason: GeoJsonError,
    },
    /// GDAL cannot open the path as a vector source.
    #[error("GDAL cannot open {} as a vector source: {cause}", path.display())]
    Open {
        /// The path.
        path: PathBuf,
        /// GDAL's words.
        cause: String,
    },
    /// A source without layers.
    #[error("{} holds no vector layer", path.display())]
    NoLayers {
        /// The source.
        path: PathBuf,
    },
    /// A source with several layers and no choice made.
    #[error("{} holds {} layers ({}): name one with --layer", path.display(), names.len(), names.join(", "))]
    WhichLayer {
        /// The source.
        path: PathBuf,
        /// Its layers.
        names: Vec<String>,
    },
    /// The layer asked for is not there.
    #[error("{} has no layer `{wanted}` (it has: {})", path.display(), names.join(", "))]
    NoSuchLayer {
        /// The source.
        path: PathBuf,
        /// The layer asked for.
        wanted: String,
        /// Its layers.
        names: Vec<String>,
    },
    /// The field asked for is not there.
    #[error("{what} has no field `{field}` for {role} (fields: {})", fields.join(", "))]
    NoSuchField {
        /// The layer.
        what: String,
        /// The field asked for.
        field: String,
        /// What it was asked for (`--id-field`, …).
        role: String,
        /// The layer's fields.
        fields: Vec<String>,
    },
    /// A layer without a CRS and none given.
    #[error("{what} has no CRS{}: give it with --s-srs, e.g. --s-srs EPSG:28413; aimaq does not guess", match prj {
        Some(p) => format!(" GDAL can read ({} is there but holds no CRS definition GDAL understands)", p.display()),
        None => " (a Shapefile without its .prj?)".to_string(),
    })]
    NoCrs {
        /// The layer.
        what: String,
        /// A `.prj` that is there but unreadable.
        prj: Option<PathBuf>,
    },
    /// A CRS given for a layer that GDAL cannot read.
    #[error("--s-srs `{definition}` is not a CRS GDAL/PROJ knows")]
    BadSourceCrs {
        /// As given.
        definition: String,
    },
    /// Coordinates that cannot be in the CRS the layer declares.
    #[error("{what}: {problem}")]
    Extent {
        /// The layer.
        what: String,
        /// What is wrong (degrees declared as metres or the reverse).
        problem: String,
    },
    /// A CRS problem.
    #[error(transparent)]
    Crs(#[from] CrsError),
    /// A position that could not be reprojected, outside any record.
    #[error(transparent)]
    Reproject(#[from] ReprojectError),
    /// The regulation catalog.
    #[error("{}: {cause}", path.display())]
    CatalogFile {
        /// The TOML file.
        path: PathBuf,
        /// Why it was refused.
        cause: CatalogError,
    },
    /// A catalog that cannot be used (or has no rule in force on the date asked for).
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// GDAL failed while doing something aimaq asked.
    #[error("{context}: {cause}")]
    Gdal {
        /// What aimaq was doing.
        context: String,
        /// GDAL's words.
        cause: String,
    },
    /// An output path that cannot be used.
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
    /// The report format cannot be told from the file name.
    #[error("cannot tell the report format of {}: use {expected}", path.display())]
    Format {
        /// The output path.
        path: PathBuf,
        /// The extensions that work here.
        expected: &'static str,
    },
    /// A constraint dataset holding none of the contract's layers: every parcel would
    /// come back clear without having been checked against anything.
    #[error("dataset {dataset} holds no layer of the dataset contract (expected files or tables named: {expected}): nothing to check parcels against{}", misspelt.iter().map(|m| format!("; {m}")).collect::<String>())]
    EmptyDataset {
        /// The dataset.
        dataset: String,
        /// The contract's layer names.
        expected: String,
        /// Near misses found instead.
        misspelt: Vec<String>,
    },
    /// The run was cancelled (Ctrl-C) before the input ended: nothing was written at
    /// the output's name.
    #[error("interrupted after {records} records: no report written{}", match kept {
        Some(p) => format!(" (the existing {} is untouched)", p.display()),
        None => String::new(),
    })]
    Interrupted {
        /// Records read and checked before the stop.
        records: usize,
        /// An earlier output left as it was.
        kept: Option<PathBuf>,
    },
    /// A read stopped midway by its cancel flag (a time limit, or a cancelled job).
    #[error("reading {} was stopped before it ended (cancelled, or out of time)", path.display())]
    ReadStopped {
        /// The source.
        path: PathBuf,
    },
    /// WKT that is no parcel.
    #[error("unusable WKT: {0}")]
    Wkt(String),
    /// A measuring CRS the engine cannot decide on the ground through (the `distortion`
    /// module): not conformal over the dataset, or lengths off by more than 1 %.
    #[error("{0}")]
    DistortingCrs(String),
    /// A catalog file with nothing in it.
    #[error("{}: the catalog file is empty", path.display())]
    EmptyCatalog {
        /// The TOML file.
        path: PathBuf,
    },
    /// Anything else that stops a run, said in full.
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// A GDAL failure while doing `context`.
    pub(crate) fn gdal(
        context: impl Into<String>,
    ) -> impl FnOnce(gdal::errors::GdalError) -> Error {
        let context = context.into();
        move |e| Error::Gdal {
            cause: gdal_text(&e),
            context,
        }
    }
}

impl From<gdal::errors::GdalError> for Error {
    fn from(e: gdal::errors::GdalError) -> Error {
        Error::Gdal {
            context: "GDAL".into(),
            cause: gdal_text(&e),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a GeoJSON text is unusable as a whole.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum GeoJsonError {
    /// Nothing in the file but white space.
    #[error("the file is empty")]
    Empty,
    /// Not JSON at all.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// `NaN` or `Infinity`, which JavaScript writes and JSON (RFC 8259) has no place for.
    #[error("invalid JSON: `{token}` at line {line}, column {column} is not a JSON number (RFC 8259): write null or a finite number")]
    NotANumber {
        /// `NaN`, `Infinity` or `-Infinity`.
        token: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// Bytes that are not UTF-8 (RFC 8259 requires it).
    #[error("invalid UTF-8 at byte {byte} (GeoJSON must be UTF-8; was it saved in another encoding, such as Windows-1251? Then name it with --encoding CP1251)")]
    Utf8 {
        /// 0-based offset of the first invalid byte.
        byte: usize,
    },
    /// JSON, but not an object.
    #[error("expected a GeoJSON FeatureCollection object")]
    NotAnObject,
    /// An object of another GeoJSON type.
    #[error("expected \"type\": \"FeatureCollection\"")]
    NotACollection,
    /// A pre-RFC 7946 `crs` member naming anything but WGS84.
    #[error("declares crs `{0}`: GeoJSON must be WGS84 longitude/latitude (RFC 7946); reproject it first")]
    ProjectedCrs(String),
    /// No `features` array.
    #[error("FeatureCollection has no \"features\" array")]
    NoFeatures,
}
