//! Finding a tool stsenv runs for itself (a dialog, `notify-send`) on PATH: only in PATH's
//! absolute entries, never in the current directory or a relative entry, as `exec` does for a
//! command that gets credentials.

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The first executable regular file named `program` in an absolute entry of `path`.
pub fn find(program: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

/// Whether `path` is a regular file (through symlinks) with an execute bit set.
pub fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let tool = tmp.path().join("tool");
        std::fs::write(&tool, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = std::env::join_paths([tmp.path()]).unwrap();
        assert_eq!(find("tool", Some(&path)), Some(tool.clone()));
        assert_eq!(find("other", Some(&path)), None);
        assert_eq!(find("tool", None), None);
        // Not executable, or only in a relative entry: not found.
        let relative = std::env::join_paths([".", ""]).unwrap();
        assert_eq!(find("tool", Some(&relative)), None);
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(find("tool", Some(&path)), None);
    }
}
