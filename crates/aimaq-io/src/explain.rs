//! Errors of writing an output, said about the output: a full disk by name, with its
//! filesystem (kept apart from `output`, which knows nothing of the crate's `Error`).

use crate::output::{describe_filesystem, directory_of, free_bytes, io_is_disk_full};
use crate::output::{OutputError, PendingFile, LOW_SPACE};

impl PendingFile {
    /// An error met while writing [`PendingFile::path`], said about the target: a full
    /// disk (`ENOSPC`, SQLite's "disk is full", GDAL's bare failure codes on a
    /// filesystem left with no space) is named as such, with the filesystem.
    pub fn explain(&self, e: crate::Error) -> crate::Error {
        let dir = directory_of(self.target());
        if is_disk_full(&e)
            || (is_write_failure(&e) && free_bytes(&dir).is_some_and(|b| b < LOW_SPACE))
        {
            let cause = match &e {
                crate::Error::DiskFull { .. } => return e,
                crate::Error::Write { cause, .. } | crate::Error::Read { cause, .. } => {
                    cause.to_string()
                }
                crate::Error::Output(OutputError::Io { cause, .. }) => cause.to_string(),
                other => other.to_string(),
            };
            return crate::Error::DiskFull {
                path: self.target().to_path_buf(),
                filesystem: describe_filesystem(&dir),
                cause,
            };
        }
        e
    }
}

fn is_disk_full(e: &crate::Error) -> bool {
    use crate::Error as E;
    match e {
        E::Write { cause, .. } | E::Read { cause, .. } => io_is_disk_full(cause),
        E::Output(OutputError::Io { cause, .. }) => io_is_disk_full(cause),
        E::DiskFull { .. } => true,
        E::Gdal { cause, .. } => text_says_full(cause),
        E::Other(text) => text_says_full(text),
        _ => false,
    }
}

fn text_says_full(t: &str) -> bool {
    let t = t.to_ascii_lowercase();
    t.contains("no space left") || t.contains("disk is full") || t.contains("disk full")
}

/// Errors of writing, whose cause may be a full disk that the library did not name.
fn is_write_failure(e: &crate::Error) -> bool {
    use crate::Error as E;
    matches!(
        e,
        E::Write { .. } | E::Gdal { .. } | E::Other(_) | E::Output(OutputError::Io { .. })
    )
}
