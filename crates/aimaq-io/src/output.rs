//! Outputs that never destroy a file: everything is written to a partial file beside the
//! target and renamed into place only once complete, an output that is one of the
//! inputs is refused whatever the flags, and an existing file is replaced only when the
//! caller says so — and then only by a complete new one.

use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why an output path cannot be used.
#[derive(Debug, Error)]
pub enum OutputError {
    /// The output is one of the inputs (by path, link or file identity).
    #[error("{} is also an input ({}): aimaq never writes over its input; choose another output name", output.display(), input.display())]
    IsInput {
        /// The output asked for.
        output: PathBuf,
        /// The input it would destroy.
        input: PathBuf,
    },
    /// The output exists and replacing was not asked for.
    #[error("{} exists: choose another output name, or pass --overwrite to replace it once the new one is complete", path.display())]
    Exists {
        /// The output asked for.
        path: PathBuf,
    },
    /// The output names a directory.
    #[error("{} is a directory, not a file name", path.display())]
    IsDirectory {
        /// The output asked for.
        path: PathBuf,
    },
    /// The partial file could not be made or renamed.
    #[error("cannot write {}: {cause}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        cause: std::io::Error,
    },
}

/// Whether two paths name the same file: the same inode when both exist, else the same
/// canonical path (through `..`, links and all).
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return ma.dev() == mb.dev() && ma.ino() == mb.ino();
        }
    }
    match (canonical(a), canonical(b)) {
        (Some(ca), Some(cb)) => ca == cb,
        _ => false,
    }
}

/// The canonical form of a path that may not exist yet: its directory canonicalised.
fn canonical(p: &Path) -> Option<PathBuf> {
    if let Ok(c) = p.canonicalize() {
        return Some(c);
    }
    let name = p.file_name()?;
    let parent = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.canonicalize().ok()?,
        _ => std::env::current_dir().ok()?,
    };
    Some(parent.join(name))
}

/// An output being written: a partial file beside the target, which becomes the target
/// in one rename on [`PendingFile::commit`], and is removed if dropped uncommitted (an
/// error, a panic or an interruption). A kill leaves at most a hidden `.partial` file,
/// never an incomplete file under the final name.
///
/// ```
/// use aimaq_io::output::PendingFile;
///
/// let dir = tempfile::tempdir().unwrap();
/// let target = dir.path().join("report.json");
/// let pending = PendingFile::new(&target, false, &[]).unwrap();
/// std::fs::write(pending.path(), "{}").unwrap();
/// assert!(!target.exists(), "nothing at the final name until complete");
/// pending.commit().unwrap();
/// assert_eq!(std::fs::read_to_string(&target).unwrap(), "{}");
///
/// // an existing file is kept unless replacing was asked for
/// assert!(PendingFile::new(&target, false, &[]).is_err());
/// // and an input is never an output, whatever the flags
/// assert!(PendingFile::new(&target, true, &[target.clone()]).is_err());
/// ```
#[derive(Debug)]
pub struct PendingFile {
    target: PathBuf,
    partial: PathBuf,
    /// Extensions of files written beside the main one (a CSV's `.csvt` and `.prj`):
    /// they move, are refused and are cleaned up with it.
    side: Vec<&'static str>,
    committed: bool,
}

impl PendingFile {
    /// Plans writing `target`. Refuses a target that is one of `inputs`, a directory, or
    /// an existing file when `overwrite` is false. Nothing on disk changes yet.
    pub fn new(
        target: &Path,
        overwrite: bool,
        inputs: &[PathBuf],
    ) -> Result<PendingFile, OutputError> {
        PendingFile::with_side_files(target, &[], overwrite, inputs)
    }

    /// As [`PendingFile::new`], for a file that comes with side files of the given
    /// extensions (`report.csv` with `report.csvt` and `report.prj`): each is held to the
    /// same rules — a Shapefile's `.prj` is never overwritten by a CSV report's.
    pub fn with_side_files(
        target: &Path,
        side: &[&'static str],
        overwrite: bool,
        inputs: &[PathBuf],
    ) -> Result<PendingFile, OutputError> {
        let all: Vec<PathBuf> = std::iter::once(target.to_path_buf())
            .chain(side.iter().map(|ext| target.with_extension(ext)))
            .collect();
        for path in &all {
            if let Some(input) = inputs.iter().find(|i| same_file(i, path)) {
                return Err(OutputError::IsInput {
                    output: path.clone(),
                    input: input.clone(),
                });
            }
        }
        if target.is_dir() {
            return Err(OutputError::IsDirectory {
                path: target.to_path_buf(),
            });
        }
        if let Some(existing) = all.iter().find(|p| p.exists()) {
            if !overwrite {
                return Err(OutputError::Exists {
                    path: existing.clone(),
                });
            }
        }
        let pending = PendingFile {
            target: target.to_path_buf(),
            partial: partial_name(target),
            side: side.to_vec(),
            committed: false,
        };
        // a partial file left by a killed run of the same target is ours to replace
        pending.remove_partial();
        Ok(pending)
    }

    fn remove_partial(&self) {
        remove_with_side_files(&self.partial);
        for ext in &self.side {
            let _ = std::fs::remove_file(self.partial.with_extension(ext));
        }
    }

    /// Where to write now.
    pub fn path(&self) -> &Path {
        &self.partial
    }

    /// Where the file goes once complete.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the complete file to its final name (replacing what was there in one step),
    /// its side files first, so the main file is the last to appear.
    pub fn commit(mut self) -> Result<(), OutputError> {
        let rename = |from: &Path, to: &Path| {
            std::fs::rename(from, to).map_err(|cause| OutputError::Io {
                path: to.to_path_buf(),
                cause,
            })
        };
        for ext in &self.side {
            let from = self.partial.with_extension(ext);
            let to = self.target.with_extension(ext);
            if from.exists() {
                rename(&from, &to)?;
            } else {
                // a side file the new output does not have must not describe it
                let _ = std::fs::remove_file(&to);
            }
        }
        rename(&self.partial, &self.target)?;
        self.committed = true;
        Ok(())
    }

    /// Writes `bytes` and commits: a small file (a summary, a JSON report) in one go.
    pub fn write_all(self, bytes: &[u8]) -> Result<(), OutputError> {
        std::fs::write(&self.partial, bytes).map_err(|cause| OutputError::Io {
            path: self.partial.clone(),
            cause,
        })?;
        self.commit()
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.committed {
            self.remove_partial();
        }
    }
}

/// `dir/report.gpkg` → `dir/.report.partial.gpkg`: hidden, in the same directory (so the
/// rename is atomic), keeping the extension that GDAL drivers choose formats by.
fn partial_name(target: &Path) -> PathBuf {
    let stem = target
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let name = match target.extension() {
        Some(ext) => format!(".{stem}.partial.{}", ext.to_string_lossy()),
        None => format!(".{stem}.partial"),
    };
    target.with_file_name(name)
}

/// Removes a partial file and what SQLite or GDAL keep beside it.
fn remove_with_side_files(path: &Path) {
    let _ = std::fs::remove_file(path);
    for suffix in ["-journal", "-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(side));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_input_is_refused_through_dots_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.gpkg");
        std::fs::write(&input, "data").unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let dotted = sub.join("../in.gpkg");
        let e = PendingFile::new(&dotted, true, std::slice::from_ref(&input)).unwrap_err();
        assert!(matches!(e, OutputError::IsInput { .. }), "{e}");
        #[cfg(unix)]
        {
            let link = dir.path().join("link.gpkg");
            std::os::unix::fs::symlink(&input, &link).unwrap();
            assert!(PendingFile::new(&link, true, std::slice::from_ref(&input)).is_err());
        }
        assert_eq!(std::fs::read_to_string(&input).unwrap(), "data");
    }

    #[test]
    fn a_csv_report_never_writes_over_a_shapefiles_prj() {
        let dir = tempfile::tempdir().unwrap();
        let prj = dir.path().join("parcels.prj");
        std::fs::write(&prj, "PROJCS[...]").unwrap();
        let target = dir.path().join("parcels.csv");
        let e = PendingFile::with_side_files(
            &target,
            &["csvt", "prj"],
            true,
            std::slice::from_ref(&prj),
        )
        .unwrap_err();
        assert!(matches!(e, OutputError::IsInput { .. }), "{e}");
        // not an input, but there: kept unless replacing was asked for
        assert!(PendingFile::with_side_files(&target, &["csvt", "prj"], false, &[]).is_err());
        let p = PendingFile::with_side_files(&target, &["csvt", "prj"], true, &[]).unwrap();
        std::fs::write(p.path(), "a,b").unwrap();
        std::fs::write(p.path().with_extension("csvt"), "String,String").unwrap();
        p.commit().unwrap();
        assert!(target.exists() && dir.path().join("parcels.csvt").exists());
        assert!(!prj.exists(), "the old .prj described another file");
    }

    #[test]
    fn an_uncommitted_file_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("r.csv");
        std::fs::write(&target, "old").unwrap();
        {
            let p = PendingFile::new(&target, true, &[]).unwrap();
            std::fs::write(p.path(), "half").unwrap();
        }
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
