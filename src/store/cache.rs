//! The cache of temporary credentials: one JSON file per account and slot (MFA session,
//! session without MFA, or a role), in a 0700 directory, files 0600 from creation, written
//! atomically (temp file, fsync, rename) under an exclusive lock. Readers never lock: a rename
//! is atomic, so a reader sees the old file or the new one, never a mix.
//!
//! Trusted like ssh's StrictModes trusts `~/.ssh`: a cache directory that another user owns, or
//! that group or others may write (a shared one like /tmp too), is refused when the cache is
//! located (one line naming the path and the fix, exit 2), never repaired; a cache file or lock
//! file that is not trusted is never used (one warning, or for a lock an error). The directory is
//! opened once and checked by its descriptor; its files are opened without following symlinks
//! and checked with `fstat` (owner, mode, a regular file with one link). stsenv changes the mode
//! of no directory: one it makes is made 0700, an existing one keeps its mode. It removes only
//! regular files of its user with the names it gives (`Slot::is_file_name`, their temp files).
//!
//! Here: `Cache` (reading, locking and writing its entries) and `Lock`. The slots and their
//! file names are in `slot`, the file format in `entry`, the trust checks in `trust`, clearing
//! in `clear`.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use time::{Duration, OffsetDateTime};

use crate::base::env::Env;
use crate::base::error::{self, Result};
use crate::store::entry::{Entry, State, parse, serialize, stored_role};
use crate::store::slot::Slot;
use crate::store::trust::{self, distrust, is_symlink_error, read_file};
use crate::sys::atomic::{Dir, Durability, STALE_TEMP, Stat, temp_file_parts};
use crate::sys::lock;

/// A cache entry is used until this long before it expires.
pub const MARGIN: Duration = Duration::minutes(5);

pub struct Cache {
    pub dir: PathBuf,
    /// How long `lock` waits for another process (`$STSENV_LOCK_TIMEOUT`).
    pub lock_timeout: std::time::Duration,
}

/// Holds the exclusive lock of one cache slot until dropped.
pub struct Lock {
    _file: File,
    /// How long it waited for another process: the time read before is that much older.
    pub waited: std::time::Duration,
}

impl Cache {
    /// A cache in `dir`, waiting up to the default time for a lock.
    pub fn new(dir: PathBuf) -> Cache {
        Cache { dir, lock_timeout: lock::DEFAULT_TIMEOUT }
    }

    /// `$STSENV_CACHE_DIR` (an absolute path), else `<cache dir>/stsenv` (`$XDG_CACHE_HOME`
    /// honoured when absolute); an error (exit 2, naming the fix) when the directory exists and
    /// is not trusted (`refusal`).
    pub fn locate(env: &Env) -> Result<Cache> {
        let cache = Cache::configured(env)?;
        match cache.refusal() {
            Some(why) => Err(error::usage(format!("the {why}"))),
            None => Ok(cache),
        }
    }

    /// Why the existing cache directory is not used, with the fix (`cache directory PATH ...`);
    /// None when it is trusted or missing (it is then made 0700 on the first write).
    pub fn refusal(&self) -> Option<String> {
        let st = Dir::open(&self.dir).ok()?.stat().ok()?;
        trust::refusal(&self.dir, &st)
    }

    /// Where the cache is (as `locate`), not judged yet: for `doctor`, which reports on it.
    pub fn configured(env: &Env) -> Result<Cache> {
        let dir = match env.stsenv_cache_dir() {
            Some(dir) if !Path::new(dir).is_absolute() => {
                return Err(error::usage(format!(
                    "STSENV_CACHE_DIR '{}' is a relative path (it would change with the current directory); set it to an absolute one, like $HOME/.cache/stsenv",
                    dir.escape_default()
                )));
            }
            Some(dir) => PathBuf::from(dir),
            None => {
                let base = env
                    .xdg_cache_home()
                    .filter(|d| Path::new(d).is_absolute())
                    .map(PathBuf::from)
                    .or_else(|| directories::BaseDirs::new().map(|b| b.cache_dir().to_owned()))
                    .unwrap_or_else(|| crate::base::env::home(env).join(".cache"));
                base.join("stsenv")
            }
        };
        Ok(Cache { dir, lock_timeout: lock::timeout(env)? })
    }

    pub fn path(&self, account: &str, slot: &Slot) -> PathBuf {
        self.dir.join(format!("{}.json", slot.stem(account)))
    }

    /// The state of a slot at `now`. A corrupt, unreadable or untrusted file is absent, with a
    /// warning.
    pub fn state(&self, account: &str, slot: &Slot, now: OffsetDateTime) -> State {
        self.state_within(account, slot, now, MARGIN)
    }

    /// The state of a slot at `now`, valid only with more than `window` left.
    pub fn state_within(&self, account: &str, slot: &Slot, now: OffsetDateTime, window: Duration) -> State {
        let path = self.path(account, slot);
        let Some(dir) = self.open_for_reading() else { return State::Absent };
        let Some(bytes) = read_file(&dir, &path) else { return State::Absent };
        match parse(&bytes, slot) {
            Some(entry) if entry.expiration - window > now => State::Valid(entry),
            Some(entry) => State::Expired(entry.expiration),
            None => {
                error::warn(format_args!(
                    "the cache file {} is corrupt; ignoring it (it is replaced on the next escalation)",
                    path.display()
                ));
                State::Absent
            }
        }
    }

    /// The valid entry of a slot at `now`, if any.
    pub fn valid(&self, account: &str, slot: &Slot, now: OffsetDateTime) -> Option<Entry> {
        self.valid_within(account, slot, now, MARGIN)
    }

    /// The entry of a slot at `now` if it has more than `window` left.
    pub fn valid_within(
        &self,
        account: &str,
        slot: &Slot,
        now: OffsetDateTime,
        window: Duration,
    ) -> Option<Entry> {
        match self.state_within(account, slot, now, window) {
            State::Valid(entry) => Some(entry),
            _ => None,
        }
    }

    /// Take the slot's exclusive lock, waiting (said at once, bounded by `lock_timeout`) for
    /// another process that holds it. A directory that is not trusted is an error (exit 2).
    pub fn lock(&self, account: &str, slot: &Slot) -> Result<Lock> {
        self.lock_stem(&slot.stem(account), &slot.doing(account))
    }

    /// The exclusive lock of the slot whose file name stem is `stem` (see `lock`); `doing` is
    /// what a holder does, for the waiting message.
    pub(super) fn lock_stem(&self, stem: &str, doing: &str) -> Result<Lock> {
        let dir = self.open_for_writing()?;
        let name = format!("{stem}.lock");
        let path = self.dir.join(&name);
        let refused = |why: &str| {
            error::usage(format!(
                "the lock file {} {why}: stsenv does not use it; remove it with: rm {}",
                path.display(),
                path.display()
            ))
        };
        let file = dir.open_file(OsStr::new(&name), libc::O_RDWR | libc::O_CREAT, 0o600).map_err(|e| {
            if is_symlink_error(&e) { refused("is a symlink") } else { self.write_error(&path, &e) }
        })?;
        let st = file.metadata().map_err(|e| self.write_error(&path, &e))?;
        if let Some(why) = distrust(&Stat::of(&st)) {
            return Err(refused(&why));
        }
        let waited = lock::acquire(&file, lock::Mode::Exclusive, doing, &path, self.lock_timeout)?;
        Ok(Lock { _file: file, waited })
    }

    /// Write an entry atomically: a 0600 temp file in the same directory, renamed over the
    /// entry (without fsyncs: see `atomic`'s note on the cache). Call with the slot's lock held. A directory that is not trusted is an
    /// error (exit 2).
    pub fn write(&self, slot: &Slot, entry: &Entry) -> Result<()> {
        let dir = self.open_for_writing()?;
        let path = self.path(&entry.account, slot);
        let text = serialize(slot, entry)?;
        // Temp files of killed writers of other slots (this slot's go in `replace`).
        remove_stale_temp_files(&dir);
        let name = path.file_name().unwrap_or_default();
        dir.replace(name, text.as_bytes(), 0o600, None, Durability::Atomic)
            .map_err(|e| self.write_error(&path, &e))
    }

    /// The cache directory opened for reading, if it is trusted (see `trust::open_for_reading`).
    fn open_for_reading(&self) -> Option<Dir> {
        trust::open_for_reading(&self.dir)
    }

    /// The cache directory opened for writing: made 0700 if missing; an existing one keeps its
    /// mode, and is an error (exit 2, naming the fix) when it is not trusted (`trust::refusal`).
    pub(super) fn open_for_writing(&self) -> Result<Dir> {
        self.ensure_dir()?;
        let dir = Dir::open(&self.dir).map_err(|e| self.write_error(&self.dir, &e))?;
        trust::check_for_writing(&dir, &self.dir, |e| self.write_error(&self.dir, e))?;
        Ok(dir)
    }

    /// Create the cache directory 0700 if it is missing (parents too, as the XDG spec asks of
    /// ~/.cache).
    fn ensure_dir(&self) -> Result<()> {
        match fs::metadata(&self.dir) {
            Ok(meta) if meta.is_dir() => Ok(()),
            Ok(_) => Err(error::usage(format!(
                "the cache directory {} is not a directory; remove it or set STSENV_CACHE_DIR",
                self.dir.display()
            ))),
            Err(_) => {
                if let Some(file) = self.dir.ancestors().skip(1).find(|a| a.exists())
                    && !file.is_dir()
                {
                    return Err(error::usage(format!(
                        "cannot make the cache directory {}: {} is not a directory; set STSENV_CACHE_DIR",
                        self.dir.display(),
                        file.display()
                    )));
                }
                // Missing parents too are made 0700 (as the XDG spec asks of ~/.cache), not
                // with the umask's bits (0777 under umask 000).
                if let Some(parent) = self.dir.parent() {
                    fs::DirBuilder::new()
                        .recursive(true)
                        .mode(0o700)
                        .create(parent)
                        .map_err(|e| self.write_error(parent, &e))?;
                }
                match fs::DirBuilder::new().mode(0o700).create(&self.dir) {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && self.dir.is_dir() => Ok(()),
                    Err(e) => Err(self.write_error(&self.dir, &e)),
                }
            }
        }
    }

    pub(super) fn write_error(&self, path: &Path, e: &std::io::Error) -> error::Error {
        error::usage(format!(
            "cannot write the cache at {}: {}; check the space and permissions of {} or set STSENV_CACHE_DIR",
            path.display(),
            error::io_reason(e),
            self.dir.display()
        ))
    }

    /// The role slots with a cache file, by lower-case account name (read from the files,
    /// trusted as every cache file is).
    pub fn role_slots(&self) -> BTreeMap<String, Vec<Slot>> {
        let mut found: BTreeMap<String, Vec<Slot>> = BTreeMap::new();
        let Some(dir) = self.open_for_reading() else {
            return found;
        };
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return found;
        };
        for entry in entries.flatten() {
            let Ok(file) = entry.file_name().into_string() else { continue };
            let Some(stem) = file.strip_suffix(".json") else { continue };
            let Some((account, _)) = stem.split_once(".role.") else { continue };
            let Some(bytes) = read_file(&dir, &entry.path()) else { continue };
            if let Some(role) = stored_role(&bytes) {
                let slot = Slot::Role(role);
                // Only a file at its own slot's name (not one copied or renamed).
                if slot.stem(account) == stem {
                    found.entry(account.to_owned()).or_default().push(slot);
                }
            }
        }
        for slots in found.values_mut() {
            slots.sort_by_key(|s| match s {
                Slot::Role(role) => (role.arn.clone(), role.session_name.clone()),
                _ => Default::default(),
            });
        }
        found
    }

    /// The role ARNs with a cache file, by lower-case account name.
    pub fn role_arns(&self) -> BTreeMap<String, Vec<String>> {
        self.role_slots()
            .into_iter()
            .map(|(account, slots)| {
                let mut arns: Vec<String> = slots
                    .into_iter()
                    .filter_map(|s| match s {
                        Slot::Role(role) => Some(role.arn),
                        _ => None,
                    })
                    .collect();
                arns.dedup();
                (account, arns)
            })
            .collect()
    }
}

/// Remove the temp files of writers killed between creating and renaming them (older than
/// `STALE_TEMP`), of every slot: only temp files of the cache's own file names, regular files
/// of this user (the directory is trusted, so nobody else can swap one in between).
fn remove_stale_temp_files(dir: &Dir) {
    let Ok(entries) = fs::read_dir(&dir.path) else { return };
    let now = std::time::SystemTime::now();
    for entry in entries.flatten() {
        let Ok(name) = entry.file_name().into_string() else { continue };
        let Some((target, _pid)) = temp_file_parts(&name) else { continue };
        if !Slot::is_file_name(target) {
            continue;
        }
        // (`DirEntry::metadata` does not follow a symlink.)
        let Ok(meta) = entry.metadata() else { continue };
        let old = meta.modified().is_ok_and(|t| now.duration_since(t).unwrap_or_default() > STALE_TEMP);
        if old && trust::why_kept(&Stat::of(&meta)).is_none() {
            let _ = dir.remove(OsStr::new(&name));
        }
    }
}
