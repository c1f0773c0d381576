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

/// Why the cache directory `path` (with owner and mode `st`) is not used, as a phrase that
/// starts `cache directory PATH` and ends with the fix: another user's, or writable by group or
/// others (a shared sticky one like /tmp said so). None when it is trusted. stsenv never changes
/// the mode of a directory it did not make, so this is refused, not repaired.
pub(super) fn refusal(path: &Path, st: &Stat) -> Option<String> {
    let shown = path.display();
    if st.uid != euid() {
        Some(format!(
            "cache directory {shown} belongs to another user (uid {}): stsenv does not use it; set STSENV_CACHE_DIR to a directory of your own",
            st.uid
        ))
    } else if st.mode & 0o022 != 0 && st.mode & 0o1000 != 0 {
        Some(format!(
            "cache directory {shown} is a shared directory (sticky and writable by others, like /tmp): stsenv does not use it; set STSENV_CACHE_DIR to a directory of your own, like $HOME/.cache/stsenv"
        ))
    } else if st.mode & 0o022 != 0 {
        Some(format!(
            "cache directory {shown} is writable by group or others: stsenv does not use it; make it yours alone with: chmod 700 {shown}, or set STSENV_CACHE_DIR to a directory of your own"
        ))
    } else {
        None
    }
}

/// The cache directory at `path` opened for reading, if it is trusted (see `refusal`). Else
/// None, with one warning naming the fix. (Commands refuse such a directory when they locate
/// the cache; this is what a directory swapped in since then gets.)
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
    if let Some(why) = refusal(path, &st) {
        warn_once(path, format_args!("the {why}"));
        return None;
    }
    Some(dir)
}

/// Whether the open cache directory at `path` may be written: an error (exit 2) naming the fix
/// when it is refused (see `refusal`); its mode is never changed. One open to group or others
/// for reading is used, with one warning (they see the file names: accounts and role ARNs).
/// (`io_error` makes the error of a failed `fstat`.)
pub(super) fn check_for_writing(
    dir: &Dir,
    path: &Path,
    io_error: impl Fn(&std::io::Error) -> error::Error,
) -> error::Result<()> {
    let st = dir.stat().map_err(|e| io_error(&e))?;
    if let Some(why) = refusal(path, &st) {
        return Err(error::usage(format!("the {why}")));
    }
    if st.mode & 0o077 != 0 {
        let shown = path.display();
        warn_once(
            path,
            format_args!(
                "the cache directory {shown} is open to group or others ({:o}): they can see which accounts and roles you have sessions of, not the credentials; make it private with: chmod 700 {shown}",
                st.mode
            ),
        );
    }
    Ok(())
}

/// Why a file named like one of the cache's is left where it is instead of removed, if it is:
/// stsenv removes only regular files of its user (a symlink is neither followed nor removed).
pub(super) fn why_kept(st: &Stat) -> Option<String> {
    if !st.regular {
        Some("is not a regular file".to_owned())
    } else if st.uid != euid() {
        Some(format!("belongs to another user (uid {})", st.uid))
    } else {
        None
    }
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
