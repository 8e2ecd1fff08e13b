//! Where the desk's resources live: the one prefix every API path and every link in an
//! answer share, below the router and the job queue alike.

/// The API's prefix.
pub const PREFIX: &str = "/api/v1";
