//! Outputs that never destroy a file: everything is written in a private directory
//! beside the target (made exclusively, with a random name) and renamed into place only
//! once complete and synced; an output that is one of the inputs, or that is not a
//! regular file, is refused whatever the flags; an existing file is replaced only when
//! the caller says so — and then only by a complete new one.

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
    /// The output names something that is not a regular file: a device, a FIFO, a
    /// socket. Replacing it with a file would break whatever uses it, and writing into
    /// it is no report; refused whatever the flags.
    #[error("{} is {kind}, not a regular file: aimaq writes reports only to regular files or new names", path.display())]
    NotAFile {
        /// The output asked for.
        path: PathBuf,
        /// What it is.
        kind: &'static str,
    },
    /// The partial file could not be made, synced or renamed.
    #[error("{}", io_message(path, cause))]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        cause: std::io::Error,
    },
}

fn io_message(path: &Path, cause: &std::io::Error) -> String {
    if io_is_disk_full(cause) {
        let dir = directory_of(path);
        format!(
            "disk full while writing {} ({}): nothing was replaced; {cause}",
            path.display(),
            describe_filesystem(&dir)
        )
    } else {
        format!("cannot write {}: {cause}", path.display())
    }
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

/// An output being written: a private directory beside the target (created
/// exclusively, mode 0700, with a random name no existing file can have), holding the
/// file under the target's own name until [`PendingFile::commit`] syncs it and moves it
/// into place in one rename. Dropped uncommitted (an error, a panic, an interruption), the
/// private directory goes with everything in it, and nothing else: no file is ever
/// removed because its name looks like a temporary one. A kill leaves at most that
/// hidden directory (`.NAME.XXXXXX.aimaq-partial`), never a file at the final name.
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
    /// The private directory; `None` once committed.
    dir: Option<tempfile::TempDir>,
    partial: PathBuf,
    /// Extensions of files written beside the main one (a CSV's `.csvt` and `.prj`):
    /// they move, are refused and are cleaned up with it.
    side: Vec<&'static str>,
    overwrite: bool,
}

/// What kind of file system object `path` is, for refusing it: `None` for a name that
/// does not exist or a regular file (directly or through a link).
fn not_a_file(path: &Path) -> Option<&'static str> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(_) => return None,
    };
    let meta = if meta.file_type().is_symlink() {
        match std::fs::metadata(path) {
            Ok(m) => m,
            Err(_) => return Some("a symbolic link to nothing"),
        }
    } else {
        meta
    };
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() {
            return Some("a character device");
        }
        if t.is_block_device() {
            return Some("a block device");
        }
        if t.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

impl PendingFile {
    /// Plans writing `target`. Refuses a target that is one of `inputs`, anything but a
    /// regular file or a new name (a directory, a device, a FIFO, a socket), or an
    /// existing file when `overwrite` is false. Makes the private directory.
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
        for path in &all {
            match not_a_file(path) {
                Some("a directory") => return Err(OutputError::IsDirectory { path: path.clone() }),
                Some(kind) => {
                    return Err(OutputError::NotAFile {
                        path: path.clone(),
                        kind,
                    })
                }
                None => {}
            }
        }
        if let Some(existing) = all.iter().find(|p| p.symlink_metadata().is_ok()) {
            if !overwrite {
                return Err(OutputError::Exists {
                    path: existing.clone(),
                });
            }
        }
        let name = target
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .ok_or_else(|| OutputError::IsDirectory {
                path: target.to_path_buf(),
            })?;
        let parent = directory_of(target);
        #[cfg(unix)]
        let private = {
            use std::os::unix::fs::PermissionsExt;
            std::fs::Permissions::from_mode(0o700)
        };
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder
            .prefix(&prefix)
            .suffix(".aimaq-partial")
            .rand_bytes(8);
        #[cfg(unix)]
        builder.permissions(private);
        let dir = builder
            .tempdir_in(&parent)
            .map_err(|cause| OutputError::Io {
                path: target.to_path_buf(),
                cause,
            })?;
        let partial = dir.path().join(&name);
        Ok(PendingFile {
            target: target.to_path_buf(),
            dir: Some(dir),
            partial,
            side: side.to_vec(),
            overwrite,
        })
    }

    /// Where to write now: a new name in this run's private directory, which nothing
    /// else writes to.
    pub fn path(&self) -> &Path {
        &self.partial
    }

    /// Where the file goes once complete.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the complete file to its final name (replacing what was there in one step,
    /// when replacing was asked for), its side files first, so the main file is the last
    /// to appear. Each file is synced to disk before its rename and the directory after.
    /// Concurrent aimaq runs committing into one directory take turns (an advisory lock
    /// on the directory), so a report and its summary committed together stay together.
    pub fn commit(mut self) -> Result<(), OutputError> {
        let parent = directory_of(&self.target);
        let _turn = DirLock::take(&parent);
        self.commit_locked(&parent)
    }

    fn commit_locked(&mut self, parent: &Path) -> Result<(), OutputError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |cause| OutputError::Io { path, cause }
        };
        sync_file(&self.partial).map_err(io(&self.target))?;
        for ext in &self.side {
            let from = self.partial.with_extension(ext);
            if from.exists() {
                sync_file(&from).map_err(io(&from))?;
            }
        }
        if !self.overwrite {
            // a file that appeared since the run began (another run) is kept
            for path in std::iter::once(self.target.clone())
                .chain(self.side.iter().map(|e| self.target.with_extension(e)))
            {
                if path.symlink_metadata().is_ok() {
                    return Err(OutputError::Exists { path });
                }
            }
        }
        for ext in &self.side {
            let from = self.partial.with_extension(ext);
            let to = self.target.with_extension(ext);
            if from.exists() {
                std::fs::rename(&from, &to).map_err(io(&to))?;
            } else if not_a_file(&to).is_none() {
                // a side file the new output does not have must not describe it
                let _ = std::fs::remove_file(&to);
            }
        }
        if self.overwrite {
            std::fs::rename(&self.partial, &self.target).map_err(io(&self.target))?;
        } else {
            // no replacing: a link fails if the name was taken in the meantime
            match std::fs::hard_link(&self.partial, &self.target) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(OutputError::Exists {
                        path: self.target.clone(),
                    })
                }
                Err(_) => std::fs::rename(&self.partial, &self.target).map_err(io(&self.target))?,
            }
        }
        sync_dir(parent).map_err(io(parent))?;
        if let Some(dir) = self.dir.take() {
            // only this run's private directory, with what is left in it
            let _ = dir.close();
        }
        Ok(())
    }

    /// Writes `bytes`, syncs and commits: a small file (a summary, a JSON report) in one go.
    pub fn write_all(self, bytes: &[u8]) -> Result<(), OutputError> {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&self.partial)
            .and_then(|mut f| f.write_all(bytes).map(|()| f))
            .map_err(|cause| OutputError::Io {
                path: self.target.clone(),
                cause,
            })?;
        f.flush().map_err(|cause| OutputError::Io {
            path: self.target.clone(),
            cause,
        })?;
        drop(f);
        self.commit()
    }

    /// Writes `bytes` to [`PendingFile::path`] and syncs them, without committing (see
    /// [`PendingFile::commit_pair`]).
    pub fn write_partial(&self, bytes: &[u8]) -> Result<(), OutputError> {
        use std::io::Write;
        let io = |cause| OutputError::Io {
            path: self.target.clone(),
            cause,
        };
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&self.partial)
            .map_err(io)?;
        f.write_all(bytes).map_err(io)?;
        f.sync_all().map_err(io)
    }

    /// Commits `self` and then `other` as one: under one turn of the directory lock, so
    /// that no other aimaq run's commit comes between them (a report and its summary).
    /// `before` runs first, under the lock (removing an old summary).
    pub fn commit_pair(
        mut self,
        mut other: PendingFile,
        before: impl FnOnce(),
    ) -> Result<(), OutputError> {
        let parent = directory_of(&self.target);
        let _turn = DirLock::take(&parent);
        before();
        self.commit_locked(&parent)?;
        let other_parent = directory_of(&other.target);
        other.commit_locked(&other_parent)
    }
}

/// `sha256:…` of a file's bytes.
pub fn sha256_of(path: &Path) -> std::io::Result<String> {
    use sha2::Digest;
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    let digest = h.finalize();
    Ok(format!(
        "sha256:{}",
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    ))
}

/// Below this, a write failure on a filesystem is taken for a full disk.
pub(crate) const LOW_SPACE: u64 = 1 << 20;

/// The directory a path is in (`.` for a bare name).
pub(crate) fn directory_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn sync_file(p: &Path) -> std::io::Result<()> {
    std::fs::File::open(p)?.sync_all()
}

fn sync_dir(p: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(p)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = p;
        Ok(())
    }
}

/// An advisory lock (`flock`) on a directory, held while committing: aimaq runs writing
/// into one directory take turns at the renames. Best effort: where the filesystem has
/// no locks, runs go ahead unlocked.
struct DirLock(#[allow(dead_code)] Option<std::fs::File>);

impl DirLock {
    fn take(dir: &Path) -> DirLock {
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            if let Ok(f) = std::fs::File::open(dir) {
                // SAFETY: a valid descriptor, owned by `f`, which the lock lives with
                if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } == 0 {
                    return DirLock(Some(f));
                }
            }
        }
        let _ = dir;
        DirLock(None)
    }
}

/// Bytes free for an unprivileged writer on the filesystem holding `dir`.
pub(crate) fn free_bytes(dir: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
        let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: a NUL-terminated path and a zeroed struct for the kernel to fill
        if unsafe { libc::statvfs(c.as_ptr(), &mut s) } != 0 {
            return None;
        }
        Some(s.f_bavail as u64 * s.f_frsize as u64)
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

/// The mount point of the filesystem holding `dir`: the last directory up the tree on
/// the same device.
fn mount_point(dir: &Path) -> PathBuf {
    let Ok(mut here) = dir.canonicalize() else {
        return dir.to_path_buf();
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(dev) = std::fs::metadata(&here).map(|m| m.dev()) else {
            return here;
        };
        while let Some(up) = here.parent() {
            if std::fs::metadata(up).map(|m| m.dev()).ok() != Some(dev) {
                break;
            }
            here = up.to_path_buf();
        }
    }
    here
}

/// `the filesystem mounted at /mnt/x has 0 B free`.
pub(crate) fn describe_filesystem(dir: &Path) -> String {
    let free = free_bytes(dir)
        .map(|b| format!(" has {} free", human_bytes(b)))
        .unwrap_or_default();
    format!(
        "the filesystem mounted at {}{free}",
        mount_point(dir).display()
    )
}

fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Whether an I/O error says the disk (or the quota) is full.
pub(crate) fn io_is_disk_full(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull || matches!(e.raw_os_error(), Some(28) | Some(122))
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        // the private directory (TempDir) removes itself, and only itself
        if let Some(dir) = self.dir.take() {
            let _ = dir.close();
        }
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
