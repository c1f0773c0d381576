//! Whether the cache may be trusted: the owner and mode checks of its directory and files, and their one-time warnings.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::base::error;
use crate::sys::atomic::{Dir, Stat, euid};
use crate::sys::strict_modes::{Owners, Writer, other_writer};

/// The largest cache file read.
const FILE_LIMIT: u64 = 1024 * 1024;

/// The paths already warned about, so that a command says it once.
static WARNED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

pub(super) fn warn_once(path: &Path, message: std::fmt::Arguments) {
    let mut warned = WARNED.lock().unwrap_or_else(|e| e.into_inner());
    if !warned.iter().any(|p| p == path) {
        warned.push(path.to_owned());
        error::warn(message);
    }
}

/// Why a cache or lock file is not to be trusted, if it is not (the owner and mode rules of
/// `sys::strict_modes`, this user's only).
pub(super) fn distrust(st: &Stat) -> Option<String> {
    if !st.regular {
        Some("is not a regular file".to_owned())
    } else if let Some(writer) = other_writer(st, Owners::Mine) {
        Some(match writer {
            Writer::Owner(uid) => format!("belongs to another user (uid {uid})"),
            Writer::GroupOrOthers(_) => "is writable by group or others".to_owned(),
        })
    } else if st.links != 1 {
        Some("has other hard links (it may be another file's)".to_owned())
    } else {
        None
    }
}

pub(super) fn is_symlink_error(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ELOOP) | Some(libc::EMLINK))
}

/// The cache directory at `path` opened for reading, if it is trusted: this user's, and not
/// writable by group or others. Else None, with one warning naming the fix.
pub(super) fn open_for_reading(path: &Path) -> Option<Dir> {
    let dir = match Dir::open(path) {
        Ok(dir) => dir,
        // No cache directory (or a file where it should be, which writing reports).
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => {
            return None;
        }
        Err(e) => {
            let shown = path.display();
            warn_once(path, format_args!("cannot read the cache directory {shown}: {e}; ignoring it"));
            return None;
        }
    };
    let st = dir.stat().ok()?;
    if st.uid != euid() {
        warn_foreign(path, st.uid);
        return None;
    }
    if st.mode & 0o022 != 0 {
        let shown = path.display();
        warn_once(
            path,
            format_args!(
                "the cache directory {shown} is writable by group or others, so its entries are not used; fix it with: chmod 700 {shown}"
            ),
        );
        return None;
    }
    Some(dir)
}

/// Whether the open cache directory at `path` may be written: false (with one warning) when
/// another user owns it; this user's is tightened to 0700 if it is looser.
pub(super) fn claim_for_writing(dir: &Dir, path: &Path) -> std::io::Result<bool> {
    let st = dir.stat()?;
    if st.uid != euid() {
        warn_foreign(path, st.uid);
        return Ok(false);
    }
    if st.mode & 0o077 != 0 {
        dir.chmod(0o700)?;
    }
    Ok(true)
}

fn warn_foreign(path: &Path, uid: u32) {
    warn_once(
        path,
        format_args!(
            "the cache directory {} belongs to another user (uid {uid}), so stsenv neither uses its entries nor caches anything there; set STSENV_CACHE_DIR to a directory of your own",
            path.display()
        ),
    );
}

/// The bytes of a cache file, opened without following a symlink and trusted (see `distrust`);
/// None (with one warning) when it is missing, unreadable or not trusted.
pub(super) fn read_file(dir: &Dir, path: &Path) -> Option<Vec<u8>> {
    let shown = path.display();
    let name = path.file_name()?;
    let file = match dir.open_file(name, libc::O_RDONLY, 0) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) if is_symlink_error(&e) => {
            warn_once(
                path,
                format_args!(
                    "the cache file {shown} is a symlink, so it is not used; remove it with: rm {shown}"
                ),
            );
            return None;
        }
        Err(e) => {
            warn_once(path, format_args!("cannot read the cache file {shown}: {e}; ignoring it"));
            return None;
        }
    };
    let st = file.metadata().ok()?;
    if let Some(why) = distrust(&Stat::of(&st)) {
        warn_once(
            path,
            format_args!("the cache file {shown} {why}, so it is not used; remove it with: rm {shown}"),
        );
        return None;
    }
    let mut bytes = Vec::new();
    match file.take(FILE_LIMIT).read_to_end(&mut bytes) {
        Ok(_) => Some(bytes),
        Err(e) => {
            warn_once(path, format_args!("cannot read the cache file {shown}: {e}; ignoring it"));
            None
        }
    }
}
