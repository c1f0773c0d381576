//! The cache of temporary credentials: one JSON file per account and slot (MFA session,
//! session without MFA, or a role), in a 0700 directory, files 0600 from creation, written
//! atomically (temp file, fsync, rename) under an exclusive lock. Readers never lock: a rename
//! is atomic, so a reader sees the old file or the new one, never a mix.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::credentials::{Credentials, Kind, Secret};
use crate::env::Env;
use crate::error::{self, Result};
use crate::times::{parse_rfc3339, rfc3339};

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
                format!("{account}.role.{}.{}", crate::percent::encode(&role.arn), role.digest())
            }
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
        Some(Entry { account: account.to_owned(), role_arn, credentials, expiration })
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
}

pub struct Cache {
    pub dir: PathBuf,
}

/// Holds the exclusive lock of one cache slot until dropped.
pub struct Lock {
    _file: File,
}

impl Cache {
    /// `$STSENV_CACHE_DIR`, else `<cache dir>/stsenv` (`$XDG_CACHE_HOME` honoured).
    pub fn locate(env: &Env) -> Cache {
        let dir = match env.get("STSENV_CACHE_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => {
                let base = env
                    .get("XDG_CACHE_HOME")
                    .filter(|d| Path::new(d).is_absolute())
                    .map(PathBuf::from)
                    .or_else(|| directories::BaseDirs::new().map(|b| b.cache_dir().to_owned()))
                    .unwrap_or_else(|| crate::keys::home(env).join(".cache"));
                base.join("stsenv")
            }
        };
        Cache { dir }
    }

    pub fn path(&self, account: &str, slot: &Slot) -> PathBuf {
        self.dir.join(format!("{}.json", slot.stem(account)))
    }

    /// The state of a slot at `now`. A corrupt or unreadable file is absent, with a warning.
    pub fn state(&self, account: &str, slot: &Slot, now: OffsetDateTime) -> State {
        self.state_within(account, slot, now, MARGIN)
    }

    /// The state of a slot at `now`, valid only with more than `window` left.
    pub fn state_within(&self, account: &str, slot: &Slot, now: OffsetDateTime, window: Duration) -> State {
        let path = self.path(account, slot);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            // No cache directory (or a file where it should be, which writing reports).
            Err(e)
                if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) =>
            {
                return State::Absent;
            }
            Err(e) => {
                error::warn(format_args!("cannot read the cache file {}: {e}; ignoring it", path.display()));
                return State::Absent;
            }
        };
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

    /// Take the slot's exclusive lock, waiting for another process that holds it.
    pub fn lock(&self, account: &str, slot: &Slot) -> Result<Lock> {
        self.lock_stem(&slot.stem(account))
    }

    fn lock_stem(&self, stem: &str) -> Result<Lock> {
        self.ensure_dir()?;
        let path = self.dir.join(format!("{stem}.lock"));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| self.write_error(&path, &e))?;
        file.lock().map_err(|e| self.write_error(&path, &e))?;
        Ok(Lock { _file: file })
    }

    /// Write an entry atomically: a 0600 temp file in the same directory, fsync, rename, fsync
    /// of the directory. Call with the slot's lock held.
    pub fn write(&self, slot: &Slot, entry: &Entry) -> Result<()> {
        self.ensure_dir()?;
        let path = self.path(&entry.account, slot);
        let text = serialize(slot, entry)?;
        // Temp files of killed writers: `atomic` names them `.FILE.PID.N.tmp`.
        if let Some(file) = path.file_name().and_then(|n| n.to_str()) {
            self.remove_dead_temp_files(file);
        }
        crate::atomic::write(&path, text.as_bytes(), 0o600).map_err(|e| self.write_error(&path, &e))
    }

    /// Remove the temp files of writers killed between creating and renaming them (`.FILE.PID.N.tmp`):
    /// this slot's at once (its lock is held, so no live writer has one), any other slot's when
    /// older than a minute (a write takes milliseconds). Best effort: failures are ignored.
    fn remove_dead_temp_files(&self, own_file: &str) {
        let Ok(entries) = fs::read_dir(&self.dir) else { return };
        let now = std::time::SystemTime::now();
        for entry in entries.flatten() {
            let Ok(name) = entry.file_name().into_string() else { continue };
            let Some(stem) = temp_file_stem(&name) else { continue };
            let stale = stem == own_file
                || entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| now.duration_since(t).unwrap_or_default() > STALE_TEMP);
            if stale {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    /// Create the cache directory 0700 (parents as usual); tighten it if it is looser.
    fn ensure_dir(&self) -> Result<()> {
        match fs::metadata(&self.dir) {
            Ok(meta) if meta.is_dir() => {
                if meta.permissions().mode() & 0o077 != 0 {
                    fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700))
                        .map_err(|e| self.write_error(&self.dir, &e))?;
                }
                Ok(())
            }
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
            (Some(account), Some(Slot::Role(role))) => stem
                .strip_prefix(&format!(
                    "{}.role.{}.",
                    account.to_ascii_lowercase(),
                    crate::percent::encode(&role.arn)
                ))
                .is_some_and(|digest| digest.len() == 16 && digest.bytes().all(|b| b.is_ascii_hexdigit())),
            (Some(account), Some(slot)) => stem == slot.stem(account),
            (Some(account), None) => {
                let account = account.to_ascii_lowercase();
                let role = stem
                    .strip_prefix(&format!("{account}.role."))
                    .and_then(crate::percent::decode)
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
            let _lock = self.lock_stem(&stem)?;
            let path = self.dir.join(format!("{stem}.json"));
            match fs::remove_file(&path) {
                Ok(()) => removed.push(format!("{stem}.json")),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(self.write_error(&path, &e)),
            }
        }
        Ok(removed)
    }

    /// The role slots with a cache file, by lower-case account name (read from the files).
    pub fn role_slots(&self) -> BTreeMap<String, Vec<Slot>> {
        let mut found: BTreeMap<String, Vec<Slot>> = BTreeMap::new();
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return found;
        };
        for entry in entries.flatten() {
            let Ok(file) = entry.file_name().into_string() else { continue };
            let Some(stem) = file.strip_suffix(".json") else { continue };
            let Some((account, _)) = stem.split_once(".role.") else { continue };
            let Ok(bytes) = fs::read(entry.path()) else { continue };
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

/// A temp file older than this is a dead writer's.
const STALE_TEMP: std::time::Duration = std::time::Duration::from_secs(60);

/// The file a temp file name `.FILE.PID.N.tmp` was for, if it is one.
fn temp_file_stem(name: &str) -> Option<&str> {
    let inner = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (rest, counter) = inner.rsplit_once('.')?;
    let (stem, pid) = rest.rsplit_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(counter) && digits(pid) && !stem.is_empty()).then_some(stem)
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
    Entry::new(&disk.account, slot, credentials)
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
        let cache = Cache { dir: tmp.path().join("stsenv") };
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
        assert!(Cache { dir: tmp.path().join("none") }.clear(None, None).unwrap().is_empty());
    }

    #[test]
    fn temp_file_names() {
        assert_eq!(temp_file_stem(".personal.mfa.123.0.tmp"), Some("personal.mfa"));
        assert_eq!(temp_file_stem(".a.b.role.arn%3Ax.9.12.tmp"), Some("a.b.role.arn%3Ax"));
        for other in ["personal.mfa.123.0.tmp", ".personal.mfa.json", ".x.1.tmp", ".x.a.1.tmp", "..1.2.tmp"] {
            assert_eq!(temp_file_stem(other), None, "{other}");
        }
    }
}
