//! The cache of temporary credentials: one JSON file per account and slot (MFA session,
//! session without MFA, or a role), in a 0700 directory, files 0600 from creation, written
//! atomically (temp file, fsync, rename) under an exclusive lock. Readers never lock: a rename
//! is atomic, so a reader sees the old file or the new one, never a mix.
//!
//! Trusted like ssh's StrictModes trusts `~/.ssh`: a cache directory, cache file or lock file that
//! another user owns, or that group or others may write, is never used (one warning names the
//! path and the fix). The directory is opened once and checked by its descriptor; its files are
//! opened without following symlinks and checked with `fstat` (owner, mode, a regular file with
//! one link). A directory of another user is neither read nor written nor chmod-ed: nothing is
//! cached there.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::Read;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::base::credentials::{Credentials, Kind, Secret};
use crate::base::env::Env;
use crate::base::error::{self, Result};
use crate::base::times::{parse_rfc3339, rfc3339};
use crate::sys::atomic::{Dir, Stat, euid};
use crate::sys::lock;

/// A cache entry is used until this long before it expires.
pub const MARGIN: Duration = Duration::minutes(5);

const VERSION: u32 = 1;

/// Which credentials of an account a cache file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Slot {
    /// GetSessionToken with MFA.
    Mfa,
    /// GetSessionToken without MFA.
    Session,
    /// AssumeRole of a role, with these parameters.
    Role(RoleSlot),
}

/// A role's cache slot: the role ARN and every other parameter that changes the credentials
/// AssumeRole gives (not the duration), so that two requests that differ in any of them never
/// share an entry. Stored in the entry and compared when it is read; its digest names the file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleSlot {
    pub arn: String,
    pub session_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_identity: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitive_tags: Vec<String>,
    /// Whether the credentials were asked for with MFA (not `-c skip`).
    pub mfa: bool,
}

impl RoleSlot {
    /// 16 hex digits of FNV-1a over the slot's JSON: a short, stable file name part. (Two slots
    /// with the same digest share a file, but never an entry: the slot is compared on reading.)
    fn digest(&self) -> String {
        let text = serde_json::to_string(self).unwrap_or_default();
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in text.bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{hash:016x}")
    }
}

impl Slot {
    pub fn kind(&self) -> Kind {
        match self {
            Slot::Mfa => Kind::Mfa,
            Slot::Session => Kind::Session,
            Slot::Role(_) => Kind::Role,
        }
    }

    /// The file name stem: `personal.mfa`, `personal.session`, `personal.role.<encoded ARN>.<digest>`.
    fn stem(&self, account: &str) -> String {
        let account = account.to_ascii_lowercase();
        match self {
            Slot::Mfa => format!("{account}.mfa"),
            Slot::Session => format!("{account}.session"),
            Slot::Role(role) => {
                format!("{account}.role.{}.{}", crate::base::percent::encode(&role.arn), role.digest())
            }
        }
    }

    /// What a process holding this slot's lock does, for the waiting message:
    /// `escalating personal`, `escalating personal to role Admin`.
    fn doing(&self, account: &str) -> String {
        match self {
            Slot::Role(role) => {
                format!("escalating {account} to role {}", crate::aws::arn::role_name(&role.arn))
            }
            _ => format!("escalating {account}"),
        }
    }
}

/// What a cache file says at a given time.
#[derive(Debug)]
pub enum State {
    Absent,
    Expired(OffsetDateTime),
    Valid(Entry),
}

/// A cached set of temporary credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// When STS made the credentials (as near as stsenv knows: when it asked), if recorded.
    pub issued: Option<OffsetDateTime>,
    pub account: String,
    pub role_arn: Option<String>,
    pub credentials: Credentials,
    pub expiration: OffsetDateTime,
}

impl Entry {
    /// The entry of a slot for temporary credentials: the role ARN from the slot, the expiry
    /// from the credentials (None when they have none).
    pub fn new(account: &str, slot: &Slot, credentials: Credentials) -> Option<Entry> {
        let expiration = credentials.expiration?;
        let role_arn = match slot {
            Slot::Role(role) => Some(role.arn.clone()),
            _ => None,
        };
        Some(Entry { issued: None, account: account.to_owned(), role_arn, credentials, expiration })
    }

    pub fn seconds_left(&self, now: OffsetDateTime) -> i64 {
        (self.expiration - now).whole_seconds()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OnDisk {
    version: u32,
    account: String,
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role_arn: Option<String>,
    /// A role's parameters (its slot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role: Option<RoleSlot>,
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    expiration: String,
    /// When the credentials were made (RFC 3339): an MFA session's age, for messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    issued: Option<String>,
}

pub struct Cache {
    pub dir: PathBuf,
    /// How long `lock` waits for another process (`$STSENV_LOCK_TIMEOUT`).
    pub lock_timeout: std::time::Duration,
}

/// Holds the exclusive lock of one cache slot until dropped.
pub struct Lock {
    /// None when the cache directory is not trusted: nothing is cached, so nothing to lock.
    _file: Option<File>,
    /// How long it waited for another process: the time read before is that much older.
    pub waited: std::time::Duration,
}

/// The largest cache file read.
const FILE_LIMIT: u64 = 1024 * 1024;

/// The paths already warned about, so that a command says it once.
static WARNED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn warn_once(path: &Path, message: std::fmt::Arguments) {
    let mut warned = WARNED.lock().unwrap_or_else(|e| e.into_inner());
    if !warned.iter().any(|p| p == path) {
        warned.push(path.to_owned());
        error::warn(message);
    }
}

/// Why a cache or lock file is not to be trusted, if it is not.
fn distrust(st: &Stat) -> Option<String> {
    if !st.regular {
        Some("is not a regular file".to_owned())
    } else if st.uid != euid() {
        Some(format!("belongs to another user (uid {})", st.uid))
    } else if st.mode & 0o022 != 0 {
        Some("is writable by group or others".to_owned())
    } else if st.links != 1 {
        Some("has other hard links (it may be another file's)".to_owned())
    } else {
        None
    }
}

fn is_symlink_error(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ELOOP) | Some(libc::EMLINK))
}

impl Cache {
    /// A cache in `dir`, waiting up to the default time for a lock.
    pub fn new(dir: PathBuf) -> Cache {
        Cache { dir, lock_timeout: lock::DEFAULT_TIMEOUT }
    }

    /// `$STSENV_CACHE_DIR` (an absolute path), else `<cache dir>/stsenv` (`$XDG_CACHE_HOME`
    /// honoured when absolute).
    pub fn locate(env: &Env) -> Result<Cache> {
        let dir = match env.get("STSENV_CACHE_DIR") {
            Some(dir) if !Path::new(dir).is_absolute() => {
                return Err(error::usage(format!(
                    "STSENV_CACHE_DIR '{}' is a relative path (it would change with the current directory); set it to an absolute one, like $HOME/.cache/stsenv",
                    dir.escape_default()
                )));
            }
            Some(dir) => PathBuf::from(dir),
            None => {
                let base = env
                    .get("XDG_CACHE_HOME")
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
    /// another process that holds it. In a directory that is not trusted nothing is cached, so
    /// nothing is locked.
    pub fn lock(&self, account: &str, slot: &Slot) -> Result<Lock> {
        self.lock_stem(&slot.stem(account), &slot.doing(account))
    }

    /// The exclusive lock of the slot whose file name stem is `stem` (see `lock`); `doing` is
    /// what a holder does, for the waiting message.
    fn lock_stem(&self, stem: &str, doing: &str) -> Result<Lock> {
        let Some(dir) = self.open_for_writing()? else {
            return Ok(Lock { _file: None, waited: std::time::Duration::ZERO });
        };
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
        Ok(Lock { _file: Some(file), waited })
    }

    /// Write an entry atomically: a 0600 temp file in the same directory, fsync, rename, fsync
    /// of the directory. Call with the slot's lock held. In a directory that is not trusted
    /// nothing is written (its warning was given).
    pub fn write(&self, slot: &Slot, entry: &Entry) -> Result<()> {
        let Some(dir) = self.open_for_writing()? else { return Ok(()) };
        let path = self.path(&entry.account, slot);
        let text = serialize(slot, entry)?;
        // Temp files of killed writers of other slots (this slot's go in `replace`).
        dir.remove_dead_temp_files(OsStr::new(""), true);
        let name = path.file_name().unwrap_or_default();
        dir.replace(name, text.as_bytes(), 0o600, None).map_err(|e| self.write_error(&path, &e))
    }

    /// The cache directory opened for reading, if it is trusted: this user's, and not writable
    /// by group or others. Else None, with one warning naming the fix.
    fn open_for_reading(&self) -> Option<Dir> {
        let dir = match Dir::open(&self.dir) {
            Ok(dir) => dir,
            // No cache directory (or a file where it should be, which writing reports).
            Err(e)
                if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) =>
            {
                return None;
            }
            Err(e) => {
                let shown = self.dir.display();
                warn_once(
                    &self.dir,
                    format_args!("cannot read the cache directory {shown}: {e}; ignoring it"),
                );
                return None;
            }
        };
        let st = dir.stat().ok()?;
        if st.uid != euid() {
            self.warn_foreign(st.uid);
            return None;
        }
        if st.mode & 0o022 != 0 {
            let shown = self.dir.display();
            warn_once(
                &self.dir,
                format_args!(
                    "the cache directory {shown} is writable by group or others, so its entries are not used; fix it with: chmod 700 {shown}"
                ),
            );
            return None;
        }
        Some(dir)
    }

    /// The cache directory opened for writing: made 0700 if missing, tightened to 0700 if it is
    /// this user's and looser. None (with one warning) when another user owns it.
    fn open_for_writing(&self) -> Result<Option<Dir>> {
        self.ensure_dir()?;
        let dir = Dir::open(&self.dir).map_err(|e| self.write_error(&self.dir, &e))?;
        let st = dir.stat().map_err(|e| self.write_error(&self.dir, &e))?;
        if st.uid != euid() {
            self.warn_foreign(st.uid);
            return Ok(None);
        }
        if st.mode & 0o077 != 0 {
            dir.chmod(0o700).map_err(|e| self.write_error(&self.dir, &e))?;
        }
        Ok(Some(dir))
    }

    fn warn_foreign(&self, uid: u32) {
        warn_once(
            &self.dir,
            format_args!(
                "the cache directory {} belongs to another user (uid {uid}), so stsenv neither uses its entries nor caches anything there; set STSENV_CACHE_DIR to a directory of your own",
                self.dir.display()
            ),
        );
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

    fn write_error(&self, path: &Path, e: &std::io::Error) -> error::Error {
        error::usage(format!(
            "cannot write the cache at {}: {}; check the space and permissions of {} or set STSENV_CACHE_DIR",
            path.display(),
            error::io_reason(e),
            self.dir.display()
        ))
    }
}

impl Cache {
    /// Remove cached sessions: every one (`account` None), an account's, or one slot of it (for
    /// a role slot: every entry of its role ARN, whatever their other parameters);
    /// each under its slot's lock, so an escalation that holds it finishes writing first and
    /// no file is removed halfway. (The lock files stay: removing one another process waits on
    /// would let a third lock a new file beside it.) Returns the file names removed, sorted.
    pub fn clear(&self, account: Option<&str>, slot: Option<&Slot>) -> Result<Vec<String>> {
        // Another user's directory is not stsenv's to change (its warning is given).
        if Dir::open(&self.dir).is_ok() && self.open_for_writing()?.is_none() {
            return Ok(Vec::new());
        }
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e)
                if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) =>
            {
                return Ok(Vec::new());
            }
            Err(e) => return Err(self.write_error(&self.dir, &e)),
        };
        let wanted = |stem: &str| match (account, slot) {
            (None, _) => true,
            // Every entry of the role (`.<digest>`), and one of a version before the digest.
            (Some(account), Some(Slot::Role(role))) => stem
                .strip_prefix(&format!(
                    "{}.role.{}",
                    account.to_ascii_lowercase(),
                    crate::base::percent::encode(&role.arn)
                ))
                .is_some_and(|rest| {
                    rest.is_empty()
                        || rest.strip_prefix('.').is_some_and(|digest| {
                            digest.len() == 16 && digest.bytes().all(|b| b.is_ascii_hexdigit())
                        })
                }),
            (Some(account), Some(slot)) => stem == slot.stem(account),
            (Some(account), None) => {
                let account = account.to_ascii_lowercase();
                let role = stem
                    .strip_prefix(&format!("{account}.role."))
                    .and_then(crate::base::percent::decode)
                    .is_some_and(|arn| arn.starts_with("arn:"));
                role || [Slot::Mfa, Slot::Session].iter().any(|s| stem == s.stem(&account))
            }
        };
        let mut stems: Vec<String> = entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter_map(|file| file.strip_suffix(".json").map(str::to_owned))
            .filter(|stem| !stem.starts_with('.') && wanted(stem))
            .collect();
        stems.sort();
        let mut removed = Vec::new();
        for stem in stems {
            let _lock = self.lock_stem(&stem, &format!("writing {stem}.json"))?;
            let path = self.dir.join(format!("{stem}.json"));
            match fs::remove_file(&path) {
                Ok(()) => removed.push(format!("{stem}.json")),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(self.write_error(&path, &e)),
            }
        }
        Ok(removed)
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
            let Ok(disk) = serde_json::from_slice::<OnDisk>(&bytes) else { continue };
            if let Some(role) = disk.role {
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

/// The bytes of a cache file, opened without following a symlink and trusted (see `distrust`);
/// None (with one warning) when it is missing, unreadable or not trusted.
fn read_file(dir: &Dir, path: &Path) -> Option<Vec<u8>> {
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

fn serialize(slot: &Slot, entry: &Entry) -> Result<String> {
    let text = |s: &Secret| {
        s.as_str()
            .map(str::to_owned)
            .ok_or_else(|| error::aws("STS returned credentials that are not valid text"))
    };
    let c = &entry.credentials;
    let token = c.session_token.as_ref().ok_or_else(|| error::aws("STS returned no session token"))?;
    let disk = OnDisk {
        version: VERSION,
        account: entry.account.clone(),
        kind: slot.kind().as_str().to_owned(),
        role_arn: entry.role_arn.clone(),
        role: match slot {
            Slot::Role(role) => Some(role.clone()),
            _ => None,
        },
        access_key_id: text(&c.access_key_id)?,
        secret_access_key: text(&c.secret_access_key)?,
        session_token: text(token)?,
        expiration: rfc3339(entry.expiration),
        issued: entry.issued.map(rfc3339),
    };
    serde_json::to_string_pretty(&disk).map_err(|e| error::aws(format!("cannot encode the cache entry: {e}")))
}

fn parse(bytes: &[u8], slot: &Slot) -> Option<Entry> {
    let disk: OnDisk = serde_json::from_slice(bytes).ok()?;
    if disk.version != VERSION || disk.kind != slot.kind().as_str() {
        return None;
    }
    // A role's entry serves only the very parameters it was made with.
    if let Slot::Role(role) = slot
        && (disk.role.as_ref() != Some(role) || disk.role_arn.as_deref() != Some(role.arn.as_str()))
    {
        return None;
    }
    let expiration = parse_rfc3339(&disk.expiration)?;
    let fields = [&disk.access_key_id, &disk.secret_access_key, &disk.session_token, &disk.account];
    if fields.iter().any(|f| f.is_empty() || f.contains('\0')) {
        return None;
    }
    let credentials = Credentials {
        access_key_id: Secret::new(disk.access_key_id),
        secret_access_key: Secret::new(disk.secret_access_key),
        session_token: Some(Secret::new(disk.session_token)),
        expiration: Some(expiration),
    };
    let issued = disk.issued.as_deref().and_then(parse_rfc3339);
    Entry::new(&disk.account, slot, credentials).map(|entry| Entry { issued, ..entry })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_encode_uniquely() {
        let slot =
            |arn: &str| RoleSlot { arn: arn.to_owned(), session_name: "s".into(), ..RoleSlot::default() };
        let stem = |role: RoleSlot| Slot::Role(role).stem("Personal");
        let a = stem(slot("arn:aws:iam::1:role/a/b"));
        assert!(a.starts_with("personal.role.arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%2Fb."), "{a}");
        assert_eq!(a.rsplit('.').next().unwrap().len(), 16);
        assert_ne!(stem(slot("role/a_b")), stem(slot("role/a/b")));
        // Every parameter makes its own file.
        let base = slot("arn:aws:iam::1:role/R");
        let variants = [
            RoleSlot { session_name: "t".into(), ..base.clone() },
            RoleSlot { external_id: Some("x".into()), ..base.clone() },
            RoleSlot { source_identity: Some("x".into()), ..base.clone() },
            RoleSlot { tags: [("k".to_owned(), "v".to_owned())].into(), ..base.clone() },
            RoleSlot { transitive_tags: vec!["k".into()], ..base.clone() },
            RoleSlot { mfa: true, ..base.clone() },
        ];
        for v in variants {
            assert_ne!(stem(v.clone()), stem(base.clone()), "{v:?}");
        }
    }

    #[test]
    fn clear_picks_the_files_of_the_account_asked_for() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path().join("stsenv"));
        let role = |arn: &str| Slot::Role(RoleSlot { arn: arn.to_owned(), ..RoleSlot::default() });
        let later = OffsetDateTime::now_utc() + Duration::hours(1);
        let slots = [
            ("personal", Slot::Mfa),
            ("personal", Slot::Session),
            ("personal", role("arn:aws:iam::1:role/Admin")),
            // A dotted account name that starts like the other, and a role name ending in .mfa.
            ("personal.x", Slot::Mfa),
            ("personal.x", role("arn:aws:iam::1:role/ops.mfa")),
            ("work", Slot::Mfa),
        ];
        let fill = || {
            for (account, slot) in &slots {
                let credentials = Credentials {
                    access_key_id: Secret::new("ASIAEXAMPLE"),
                    secret_access_key: Secret::new("secret"),
                    session_token: Some(Secret::new("token")),
                    expiration: Some(later),
                };
                cache.write(slot, &Entry::new(account, slot, credentials).unwrap()).unwrap();
            }
        };
        let left = || {
            slots
                .iter()
                .filter(|(a, s)| cache.path(a, s).exists())
                .map(|(a, s)| (*a, s.clone()))
                .collect::<Vec<_>>()
        };
        fill();
        assert_eq!(cache.clear(Some("Personal"), None).unwrap().len(), 3);
        assert_eq!(left(), slots[3..].to_vec());
        assert_eq!(
            cache.clear(Some("personal.x"), Some(&role("arn:aws:iam::1:role/ops.mfa"))).unwrap().len(),
            1
        );
        assert_eq!(left(), vec![slots[3].clone(), slots[5].clone()]);
        assert_eq!(cache.clear(None, None).unwrap().len(), 2);
        assert!(left().is_empty());
        assert!(Cache::new(tmp.path().join("none")).clear(None, None).unwrap().is_empty());
    }

    #[test]
    fn clearing_a_role_removes_each_of_its_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path().join("stsenv"));
        let slot = |arn: &str, session: &str, mfa: bool| {
            Slot::Role(RoleSlot {
                arn: arn.to_owned(),
                session_name: session.to_owned(),
                mfa,
                ..RoleSlot::default()
            })
        };
        let later = OffsetDateTime::now_utc() + Duration::hours(1);
        let slots = [
            slot("arn:aws:iam::1:role/Admin", "a", true),
            slot("arn:aws:iam::1:role/Admin", "b", true),
            slot("arn:aws:iam::1:role/Admin", "a", false),
            slot("arn:aws:iam::1:role/AdminX", "a", true),
        ];
        for s in &slots {
            let credentials = Credentials {
                access_key_id: Secret::new("ASIAEXAMPLE"),
                secret_access_key: Secret::new("secret"),
                session_token: Some(Secret::new("token")),
                expiration: Some(later),
            };
            cache.write(s, &Entry::new("personal", s, credentials).unwrap()).unwrap();
        }
        assert_eq!(cache.role_slots()["personal"].len(), 4);
        let admin = Slot::Role(RoleSlot { arn: "arn:aws:iam::1:role/Admin".into(), ..RoleSlot::default() });
        assert_eq!(cache.clear(Some("personal"), Some(&admin)).unwrap().len(), 3);
        assert_eq!(cache.role_slots()["personal"], vec![slots[3].clone()]);
        assert_eq!(cache.role_arns()["personal"], vec!["arn:aws:iam::1:role/AdminX".to_owned()]);
    }
}
