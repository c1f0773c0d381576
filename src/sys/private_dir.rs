//! A private directory for files that live as long as one command (the filtered AWS config of
//! `exec --server`'s child): made 0700 inside a directory this user owns and nobody else may
//! write, its files 0600 from creation, and removed with them (only what was made here) when
//! dropped.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

pub struct PrivateDir {
    path: PathBuf,
    files: Vec<PathBuf>,
}

impl PrivateDir {
    /// A new directory `PREFIX.PID.N` in `base` (a private directory: `handoff::private_dir`),
    /// 0700.
    pub fn create_in(base: &Path, prefix: &str) -> io::Result<PrivateDir> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = base.join(format!("{prefix}.{}.{n}", std::process::id()));
            match DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => {
                    let dir = PrivateDir { path, files: Vec::new() };
                    // Exactly 0700, whatever the umask took off.
                    fs::set_permissions(&dir.path, fs::Permissions::from_mode(0o700))?;
                    return Ok(dir);
                }
                // A name left by a process of the same pid that was killed: the next one.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1000 => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Write a new file `name` in the directory, 0600, and return its path.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
        let path = self.path.join(name);
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)?;
        self.files.push(path.clone());
        file.write_all(bytes)?;
        Ok(path)
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        for file in &self.files {
            let _ = fs::remove_file(file);
        }
        let _ = fs::remove_dir(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use super::*;

    #[test]
    fn made_private_and_removed_when_dropped() {
        let base = std::env::temp_dir().join(format!("stsenv-private-dir-test.{}", std::process::id()));
        fs::create_dir_all(&base).unwrap();
        fs::set_permissions(&base, fs::Permissions::from_mode(0o700)).unwrap();
        let mut dir = PrivateDir::create_in(&base, "x").unwrap();
        let file = dir.write("config", b"[default]\n").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().mode() & 0o7777;
        assert_eq!((mode(dir.path.as_path()), mode(&file)), (0o700, 0o600));
        let other = PrivateDir::create_in(&base, "x").unwrap();
        assert_ne!(other.path.as_path(), dir.path.as_path());
        let made = dir.path.as_path().to_owned();
        drop(dir);
        drop(other);
        assert!(!made.exists());
        fs::remove_dir(&base).unwrap();
    }
}
