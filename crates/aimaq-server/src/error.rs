//! Every way a request or the desk can fail, each with its HTTP status and a stable
//! `code` a client can branch on; the body is always JSON:
//! `{"error": {"code": "...", "message": "...", "status": 422}}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The desk cannot start: catalog, dataset, CRS or store.
    #[error("{0}")]
    Setup(String),
    /// The body is not JSON.
    #[error("{0}")]
    BadJson(String),
    /// Not usable GeoJSON (structure, `type`, a feature without geometry …).
    #[error("{0}")]
    BadGeoJson(String),
    /// WKT that does not parse into polygons.
    #[error("{0}")]
    BadWkt(String),
    /// A coordinate list that is not one.
    #[error("{0}")]
    BadCoordinates(String),
    /// Positions that make no polygon (an unclosed ring, out of range, a point …).
    #[error("{0}")]
    BadGeometry(String),
    /// Coordinates that cannot be in the CRS they are said to be in (degrees labelled as
    /// metres, or the reverse).
    #[error("{0}")]
    NotInCrs(String),
    /// Anything else about the request's shape.
    #[error("{0}")]
    BadRequest(String),
    /// A query parameter or field with a bad value (`lang`, `as_of`, `bbox` …).
    #[error("{0}")]
    BadParameter(String),
    /// A media type the endpoint does not take.
    #[error("unsupported media type {0}")]
    UnsupportedMediaType(String),
    /// The body is larger than the limit.
    #[error("the body is larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit, bytes.
        limit: usize,
    },
    /// The parcels hold more vertices than the limit.
    #[error("the parcels hold {count} vertices, more than the limit of {limit}: simplify them, or screen the file with POST /screen")]
    TooManyVertices {
        /// Vertices given.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// An upload whose coordinates, counted before anything is built, hold more
    /// vertices than an import takes.
    #[error("the file holds at least {count} vertices, more than the limit of {limit} for an import (10 × --max-vertices), counted before any geometry was built: simplify the parcels, or screen the file with POST /screen")]
    UploadTooManyVertices {
        /// Vertices counted when the count stopped (at least this many).
        count: u64,
        /// The limit.
        limit: u64,
    },
    /// More parcels than one decision takes.
    #[error("{count} parcels in one request, more than the limit of {limit}: screen the file with POST /screen")]
    TooManyParcels {
        /// Parcels given.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A use code outside the vocabulary.
    #[error("{0}")]
    UnknownUse(String),
    /// A parcel states a use other than the request's.
    #[error("{0}")]
    UseConflict(String),
    /// A date before the catalog's first wording.
    #[error("{0}")]
    AsOf(String),
    /// The CRS of the coordinates.
    #[error(transparent)]
    Crs(#[from] CrsProblem),
    /// The parcel lies outside the dataset.
    #[error("{0}")]
    OutsideDataset(String),
    /// The engine could not check a parcel (no area, invalid polygon, …).
    #[error("parcel `{id}` cannot be checked: {reason}")]
    Parcel {
        /// The parcel.
        id: String,
        /// The engine's reason.
        reason: String,
    },
    /// The request took longer than its limit.
    #[error("{0}")]
    Timeout(String),
    /// No or a wrong bearer token.
    #[error("this desk needs `Authorization: Bearer <token>`")]
    Unauthorized,
    /// No such thing.
    #[error("{0}")]
    NotFound(String),
    /// Too many screening jobs at once.
    #[error("{0}")]
    TooManyJobs(String),
    /// Too many imports at once.
    #[error("{0}")]
    TooManyImports(String),
    /// An upload that would unpack to more than the limit (a zip's members as its
    /// directory declares them).
    #[error("{0}")]
    UnpackedTooLarge(String),
    /// A state-changing request from another site (`Origin` or `Sec-Fetch-Site`).
    #[error("{0}")]
    CrossOrigin(String),
    /// A `Host` the desk does not answer to (DNS rebinding, or a missing
    /// `--allowed-host`).
    #[error("{0}")]
    HostNotAllowed(String),
    /// A job's report is not ready, or the job failed.
    #[error("{0}")]
    Conflict(String),
    /// PDF rendering is not available on this machine.
    #[error("{0}")]
    PdfUnavailable(String),
    /// The decision store failed.
    #[error("decision store: {0}")]
    Store(String),
    /// A failure that is the desk's, not the request's.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        use Error::*;
        match self {
            BadJson(_) | BadGeoJson(_) | BadWkt(_) | BadCoordinates(_) | BadRequest(_)
            | BadParameter(_) => StatusCode::BAD_REQUEST,
            UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            BodyTooLarge { .. } | UnpackedTooLarge(_) | UploadTooManyVertices { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            CrossOrigin(_) | HostNotAllowed(_) => StatusCode::FORBIDDEN,
            BadGeometry(_)
            | NotInCrs(_)
            | TooManyVertices { .. }
            | TooManyParcels { .. }
            | UnknownUse(_)
            | UseConflict(_)
            | AsOf(_)
            | Crs(_)
            | OutsideDataset(_)
            | Parcel { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            Unauthorized => StatusCode::UNAUTHORIZED,
            NotFound(_) => StatusCode::NOT_FOUND,
            TooManyJobs(_) | TooManyImports(_) => StatusCode::TOO_MANY_REQUESTS,
            Conflict(_) => StatusCode::CONFLICT,
            PdfUnavailable(_) => StatusCode::NOT_IMPLEMENTED,
            Setup(_) | Store(_) | Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code clients branch on.
    pub fn code(&self) -> &'static str {
        use Error::*;
        match self {
            Setup(_) => "setup",
            BadJson(_) => "bad_json",
            BadGeoJson(_) => "bad_geojson",
            BadWkt(_) => "bad_wkt",
            BadCoordinates(_) => "bad_coordinates",
            BadGeometry(_) => "bad_geometry",
            NotInCrs(_) => "coordinates_not_in_crs",
            BadRequest(_) => "bad_request",
            BadParameter(_) => "bad_parameter",
            UnsupportedMediaType(_) => "unsupported_media_type",
            BodyTooLarge { .. } => "body_too_large",
            TooManyVertices { .. } | UploadTooManyVertices { .. } => "too_many_vertices",
            TooManyParcels { .. } => "too_many_parcels",
            UnknownUse(_) => "unknown_use",
            UseConflict(_) => "use_conflict",
            AsOf(_) => "as_of_out_of_range",
            Crs(CrsProblem::Unknown(_)) => "crs_unknown",
            Crs(CrsProblem::NotMetric(_)) => "crs_not_metric",
            Crs(CrsProblem::Elsewhere { .. }) => "crs_elsewhere",
            OutsideDataset(_) => "outside_dataset",
            Parcel { .. } => "parcel_unusable",
            Timeout(_) => "timeout",
            Unauthorized => "unauthorized",
            NotFound(_) => "not_found",
            TooManyJobs(_) => "too_many_jobs",
            TooManyImports(_) => "too_many_imports",
            UnpackedTooLarge(_) => "unpacked_too_large",
            CrossOrigin(_) => "cross_origin",
            HostNotAllowed(_) => "host_not_allowed",
            Conflict(_) => "conflict",
            PdfUnavailable(_) => "pdf_unavailable",
            Store(_) => "store",
            Internal(_) => "internal",
        }
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        let mut body = serde_json::json!({"error": {
            "code": self.code(),
            "status": self.status().as_u16(),
            "message": self.to_string(),
        }});
        // x and y swapped would lie inside: said for clients to offer the swap
        if matches!(self, Error::OutsideDataset(m) if m.contains(aimaq_io::coverage::SWAPPED_HINT))
        {
            body["error"]["swap_xy"] = serde_json::Value::Bool(true);
        }
        body
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            eprintln!("aimaq serve: {status}: {self}");
        }
        let mut response = (status, axum::Json(self.body())).into_response();
        if matches!(self, Error::Unauthorized) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"aimaq\""),
            );
        }
        response
    }
}

/// Why a request's CRS is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CrsProblem {
    /// PROJ does not know it.
    #[error("PROJ does not know the CRS `{0}`")]
    Unknown(String),
    /// Degrees of another datum, feet, or no projection: the desk takes WGS84 degrees or
    /// projected metres.
    #[error("{0}; give coordinates in WGS84 longitude/latitude (EPSG:4326) or in a projected CRS in metres (e.g. EPSG:32643)")]
    NotMetric(String),
    /// A projected CRS meant for another part of the world.
    #[error("`{definition}` is meant for {area}, not for the dataset's area ({dataset}): are these the right coordinates?")]
    Elsewhere {
        /// The CRS.
        definition: String,
        /// Its area of use.
        area: String,
        /// The dataset's extent.
        dataset: String,
    },
}
