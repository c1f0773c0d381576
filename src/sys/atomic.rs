//! Replacing a file atomically, the one way stsenv rewrites a file (cache entries, the accounts
//! file, key files, the shared credentials file): a temp file in the same directory, created
//! with its final mode (never looser for a moment), written, fsynced, renamed over the target,
//! and the directory fsynced. A reader sees the old file or the new one, never a mix; a crash
//! leaves at worst a stray `.NAME.PID.N.tmp` beside it, never a torn file, and the next write
//! of that file removes it.
//!
//! A cache entry is the one file written without the two fsyncs (`Durability::Atomic`): they
//! were 1-3 ms of a fresh MFA session's few, and they guard only against a power cut or a
//! kernel crash right after the write, when the entry may come back empty or as it was; a
//! reader then finds no valid entry and stsenv asks STS again. A killed stsenv still never
//! leaves a torn entry: the rename is what makes the new one visible.
//!
//! A user's file keeps what the user set up: through a symlink (dotfiles, a secret store) the
//! link's target is written and the link stays; the target's mode and owner are kept.
//!
//! Everything happens through the descriptor of the directory, opened once ([`Dir`]): a file in
//! it is opened without following a symlink, so no path can be swapped under stsenv between a
//! check and a use.

use std::ffi::{CString, OsStr};
use std::fs::{self, File};
use std::io::{self, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

/// A temp file older than this is a dead writer's (a write takes milliseconds).
pub const STALE_TEMP: Duration = Duration::from_secs(60);

/// What a file is, from `fstat`: enough for the ownership checks of the cache.
#[derive(Clone, Copy, Debug)]
pub struct Stat {
    pub uid: u32,
    pub gid: u32,
    /// Permission bits (`0o7777`).
    pub mode: u32,
    pub regular: bool,
    pub links: u64,
}

impl Stat {
    pub fn of(meta: &fs::Metadata) -> Stat {
        Stat {
            uid: meta.uid(),
            gid: meta.gid(),
            mode: meta.mode() & 0o7777,
            regular: meta.file_type().is_file(),
            links: meta.nlink(),
        }
    }
}

/// The user this process runs as (its effective uid).
/// Whether a replaced file must survive a power cut once `replace` returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// fsync the file and the directory: a user's files (keys, the accounts file, profiles).
    Durable,
    /// Atomic against a killed process, not durable: the cache, which STS can fill again.
    Atomic,
}

pub fn euid() -> u32 {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() }
}

fn c_name(name: &OsStr) -> io::Result<CString> {
    if name.is_empty() || name.as_bytes().contains(&b'/') {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a file name"));
    }
    CString::new(name.as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in a file name"))
}

fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret == -1 { Err(io::Error::last_os_error()) } else { Ok(ret) }
}

/// An open directory: its files are opened, replaced and removed through its descriptor.
pub struct Dir {
    /// The path it was opened by (for messages and for listing it).
    pub path: PathBuf,
    file: File,
}

impl Dir {
    /// Open a directory (a symlink to one is followed: the check is on what was opened).
    pub fn open(path: &Path) -> io::Result<Dir> {
        let file =
            fs::OpenOptions::new().read(true).custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC).open(path)?;
        Ok(Dir { path: path.to_owned(), file })
    }

    /// The directory's own owner and mode (`fstat` of the open descriptor).
    pub fn stat(&self) -> io::Result<Stat> {
        self.file.metadata().map(|m| Stat::of(&m))
    }

    /// Open `name` in this directory without following a symlink (`O_NOFOLLOW`; a symlink is
    /// the error ELOOP) and without blocking on a FIFO. `flags` adds to `O_CLOEXEC`.
    pub fn open_file(&self, name: &OsStr, flags: libc::c_int, mode: u32) -> io::Result<File> {
        let c = c_name(name)?;
        let flags = flags | libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NOCTTY | libc::O_NONBLOCK;
        // SAFETY: a valid directory descriptor and a NUL-terminated name.
        let fd =
            check(unsafe { libc::openat(self.file.as_raw_fd(), c.as_ptr(), flags, mode as libc::c_uint) })?;
        // SAFETY: `fd` was just opened and is owned by nobody else.
        let file = unsafe { File::from_raw_fd(fd) };
        // Blocking again for reads and writes (O_NONBLOCK was only for a FIFO's open).
        // SAFETY: F_GETFL and F_SETFL on a descriptor this function owns.
        let status = check(unsafe { libc::fcntl(fd, libc::F_GETFL) })?;
        // SAFETY: as above.
        check(unsafe { libc::fcntl(fd, libc::F_SETFL, status & !libc::O_NONBLOCK) })?;
        Ok(file)
    }

    /// `lstat` of `name` in this directory (None: it does not exist).
    pub fn stat_of(&self, name: &OsStr) -> io::Result<Option<Stat>> {
        let c = c_name(name)?;
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: valid descriptor, NUL-terminated name, and a buffer for one stat.
        let ret = unsafe {
            libc::fstatat(self.file.as_raw_fd(), c.as_ptr(), st.as_mut_ptr(), libc::AT_SYMLINK_NOFOLLOW)
        };
        match check(ret) {
            Ok(_) => {
                // SAFETY: fstatat succeeded, so it filled the buffer.
                let st = unsafe { st.assume_init() };
                // (The field types differ between systems: u16 on macOS.)
                #[allow(clippy::unnecessary_cast)]
                Ok(Some(Stat {
                    uid: st.st_uid,
                    gid: st.st_gid,
                    mode: st.st_mode as u32 & 0o7777,
                    regular: st.st_mode & libc::S_IFMT == libc::S_IFREG,
                    links: st.st_nlink as u64,
                }))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Remove `name` from this directory.
    pub fn remove(&self, name: &OsStr) -> io::Result<()> {
        let c = c_name(name)?;
        // SAFETY: valid descriptor and NUL-terminated name.
        check(unsafe { libc::unlinkat(self.file.as_raw_fd(), c.as_ptr(), 0) }).map(|_| ())
    }

    /// Rename `from` to `to`, both in this directory (made durable with `Durability::Durable`).
    fn rename(&self, from: &OsStr, to_name: &OsStr, durability: Durability) -> io::Result<()> {
        let (from, to) = (c_name(from)?, c_name(to_name)?);
        let fd = self.file.as_raw_fd();
        // Only over a regular file of this user's (what stsenv wrote before): nothing else is
        // moved aside.
        let over_own_file =
            || matches!(self.stat_of(to_name), Ok(Some(st)) if st.regular && st.uid == euid());
        if durability == Durability::Atomic && over_own_file() && self.exchange(&from, &to) {
            return Ok(());
        }
        // SAFETY: valid descriptor and NUL-terminated names.
        check(unsafe { libc::renameat(fd, from.as_ptr(), fd, to.as_ptr()) })?;
        if durability == Durability::Durable {
            let _ = self.file.sync_all();
        }
        Ok(())
    }

    /// Swap `from` and an existing `to` in one step (`RENAME_EXCHANGE`), then remove `from`,
    /// which holds the old file: as atomic for a reader as a rename over `to`, without what
    /// ext4 does on a rename over a file (it starts writing the new file's data out at once,
    /// 0.1-0.3 ms, for a durability the cache does not need). False when it could not swap (no
    /// `to` yet, a file system without it): the caller renames.
    #[cfg(target_os = "linux")]
    fn exchange(&self, from: &std::ffi::CStr, to: &std::ffi::CStr) -> bool {
        let fd = self.file.as_raw_fd();
        // SAFETY: valid descriptor and NUL-terminated names.
        let swapped =
            unsafe { libc::renameat2(fd, from.as_ptr(), fd, to.as_ptr(), libc::RENAME_EXCHANGE) } == 0;
        if swapped {
            // SAFETY: as above. A failure leaves a stale temp file, removed by a later write.
            unsafe { libc::unlinkat(fd, from.as_ptr(), 0) };
        }
        swapped
    }

    #[cfg(not(target_os = "linux"))]
    fn exchange(&self, _: &std::ffi::CStr, _: &std::ffi::CStr) -> bool {
        false
    }

    /// Replace `name` with `bytes`: a temp file made with `mode` (and `owner`, where the system
    /// allows it), written, fsynced, renamed over `name`, the directory fsynced (without the
    /// fsyncs for `Durability::Atomic`). Temp files of killed writers of `name` are removed
    /// first.
    pub fn replace(
        &self,
        name: &OsStr,
        bytes: &[u8],
        mode: u32,
        owner: Option<(u32, u32)>,
        durability: Durability,
    ) -> io::Result<()> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        self.remove_dead_temp_files(name, false);
        let mut tmp = std::ffi::OsString::from(".");
        tmp.push(name);
        tmp.push(format!(".{}.{}.tmp", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
        let result = (|| {
            let mut file =
                self.open_file(&tmp, libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL, mode & 0o600)?;
            if let Some((uid, gid)) = owner {
                keep_owner(&file, uid, gid);
            }
            // The umask may have taken bits the target had (a 0644 accounts file): give them
            // back before any content is written. Secrets (0600) are never loosened.
            if mode & 0o7777 != 0o600 {
                use std::os::unix::fs::PermissionsExt;
                file.set_permissions(fs::Permissions::from_mode(mode & 0o7777))?;
            }
            file.write_all(bytes)?;
            if durability == Durability::Durable {
                file.sync_all()?;
            }
            self.rename(&tmp, name, durability)
        })();
        if result.is_err() {
            let _ = self.remove(&tmp);
        }
        result
    }

    /// Remove the temp files (`.FILE.PID.N.tmp`) of writers killed between creating and renaming
    /// them: those of `name` whose process is gone or that are older than [`STALE_TEMP`], and
    /// with `any_file` those of every file that are older than that. Best effort.
    pub fn remove_dead_temp_files(&self, name: &OsStr, any_file: bool) {
        let Ok(entries) = fs::read_dir(&self.path) else { return };
        let now = SystemTime::now();
        let name = name.to_string_lossy();
        for entry in entries.flatten() {
            let Ok(file) = entry.file_name().into_string() else { continue };
            let Some((stem, pid)) = temp_file_parts(&file) else { continue };
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| now.duration_since(t).unwrap_or_default() > STALE_TEMP);
            let dead = stem == name && pid != std::process::id() && !process_alive(pid);
            if (stem == name || any_file) && (old || dead) {
                let _ = self.remove(OsStr::new(&file));
            }
        }
    }
}

/// Give the temp file the owner of the file it replaces: both ids, else the group alone (a
/// member may), else it stays the writer's.
fn keep_owner(file: &File, uid: u32, gid: u32) {
    let Ok(meta) = file.metadata() else { return };
    if meta.uid() == uid && meta.gid() == gid {
        return;
    }
    let fd = file.as_raw_fd();
    // SAFETY: fchown on a descriptor owned by `file`; -1 leaves an id unchanged.
    unsafe {
        if libc::fchown(fd, uid, gid) != 0 {
            libc::fchown(fd, u32::MAX, gid);
        }
    }
}

/// Whether a process with this ID exists (signal 0 checks without sending).
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
    // SAFETY: signal 0 sends nothing.
    let ret = unsafe { libc::kill(pid, 0) };
    ret == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// The file a temp file name `.FILE.PID.N.tmp` was for, and the writer's PID, if it is one.
pub fn temp_file_parts(name: &str) -> Option<(&str, u32)> {
    let inner = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (rest, counter) = inner.rsplit_once('.')?;
    let (stem, pid) = rest.rsplit_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(counter) && digits(pid) && !stem.is_empty()) {
        return None;
    }
    Some((stem, pid.parse().ok()?))
}

/// The file that gets written for `path`: a symlink's final target, so the link stays a link.
pub fn resolve_link(path: &Path) -> io::Result<PathBuf> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => fs::canonicalize(path),
        _ => Ok(path.to_owned()),
    }
}

/// Replace the file at `path` with `bytes`, atomically. Through a symlink the link's target is
/// written; an existing file keeps its mode and owner, a new one gets `new_mode`.
pub fn write(path: &Path, bytes: &[u8], new_mode: u32) -> io::Result<()> {
    let real = resolve_link(path)?;
    let dir_path = match real.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name =
        real.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let dir = Dir::open(dir_path)?;
    let (mode, owner) = match dir.stat_of(name)? {
        Some(st) => (st.mode, Some((st.uid, st.gid))),
        None => (new_mode, None),
    };
    dir.replace(name, bytes, mode, owner, Durability::Durable)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn replaces_keeping_the_mode_and_the_link() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        write(&path, b"one", 0o600).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write(&path, b"two", 0o600).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::metadata(&path).unwrap().mode() & 0o777, 0o640, "the file's own mode is kept");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("f", &link).unwrap();
        write(&link, b"three", 0o600).unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(fs::read(&path).unwrap(), b"three");
        let mut names: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        assert_eq!(names, ["f", "link"]);
    }

    #[test]
    fn temp_files_of_dead_writers_go() {
        let dir = tempfile::tempdir().unwrap();
        // No process has PID 4194305 (above Linux's largest pid_max); ours is alive.
        let dead = dir.path().join(".f.4194305.0.tmp");
        let live = dir.path().join(format!(".f.{}.7.tmp", std::process::id()));
        let other = dir.path().join(".g.4194305.0.tmp");
        for p in [&dead, &live, &other] {
            fs::write(p, "x").unwrap();
        }
        write(&dir.path().join("f"), b"new", 0o600).unwrap();
        assert!(!dead.exists());
        assert!(live.exists() && other.exists());
    }

    #[test]
    fn temp_file_names() {
        assert_eq!(temp_file_parts(".personal.mfa.json.123.0.tmp"), Some(("personal.mfa.json", 123)));
        assert_eq!(temp_file_parts(".a.b.role.arn%3Ax.9.12.tmp"), Some(("a.b.role.arn%3Ax", 9)));
        for other in ["personal.mfa.123.0.tmp", ".personal.mfa.json", ".x.1.tmp", ".x.a.1.tmp", "..1.2.tmp"] {
            assert_eq!(temp_file_parts(other), None, "{other}");
        }
    }
}
