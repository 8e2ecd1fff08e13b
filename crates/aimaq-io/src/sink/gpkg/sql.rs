//! What the GeoPackage writer and its R-tree builder share: bounds and SQLite errors
//! named with their context.

use crate::Error;

/// Bounds as the R-tree keeps them: `(min_x, max_x, min_y, max_y)`.
pub type Envelope = (f64, f64, f64, f64);

/// An SQLite error as the crate's error, prefixed with what was being done.
pub(crate) fn sql_err(context: &str) -> impl FnOnce(rusqlite::Error) -> Error + '_ {
    move |e| Error::Other(format!("{context}: SQLite: {e}"))
}
