//! The key directory (`~/aws-creds`, the old layout): `NAME.access_key`, `NAME.secret_key`,
//! optional `NAME.user`. An account exists if its `NAME.access_key` exists, or if the accounts
//! file gives it a `key_process` (its keys come from that command instead of files).

use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::base::credentials::Credentials;
use crate::base::env::Env;
use crate::base::error::{self, Result};
use crate::base::names;
use crate::config::accounts::{Account, Accounts};
use crate::sys::strict_modes::{self, Refusal};

pub struct KeyDir {
    pub path: PathBuf,
    /// The home directory: where the checks of who may write a key file stop going up.
    pub home: PathBuf,
}

/// The lock of an account's key pair, held until dropped (see `KeyDir::pair_lock`).
pub struct PairLock {
    _gate: Option<std::fs::File>,
    _pair: std::fs::File,
}

impl KeyDir {
    /// `--creds-dir`, else `$STSENV_CREDS_DIR`, else `~/aws-creds`.
    pub fn locate(flag: Option<&Path>, env: &Env) -> KeyDir {
        let home = crate::base::env::home(env);
        let path = match (flag, env.stsenv_creds_dir()) {
            (Some(p), _) => p.to_owned(),
            (None, Some(p)) => PathBuf::from(p),
            (None, None) => home.join("aws-creds"),
        };
        KeyDir { path, home }
    }

    /// The accounts that have an access key file, sorted ignoring case.
    pub fn names(&self) -> Result<Vec<String>> {
        let entries = std::fs::read_dir(&self.path).map_err(|e| self.unreadable(&e))?;
        let mut names: Vec<String> = entries
            .filter_map(|entry| {
                let file = entry.ok()?.file_name().into_string().ok()?;
                let name = file.strip_suffix(".access_key")?;
                names::is_valid(name).then(|| name.to_owned())
            })
            .collect();
        names.sort_by_key(|n| n.to_ascii_lowercase());
        Ok(names)
    }

    /// The account's name as spelled in the key directory, or a usage error naming the closest
    /// of its names and of `also` (the accounts file's, which may have no key files yet).
    fn resolve(&self, typed: &str, also: &[&str]) -> Result<String> {
        if !names::is_valid(typed) {
            return Err(error::usage(names::invalid_message(typed)));
        }
        if self.file(typed, "access_key").is_file() {
            return Ok(typed.to_owned());
        }
        let names = self.names()?;
        if let Some(found) = names.iter().find(|n| n.eq_ignore_ascii_case(typed)) {
            return Ok(found.clone());
        }
        let hint = match names::closest(typed, names.iter().map(String::as_str).chain(also.iter().copied())) {
            Some(close) => format!(" (did you mean '{close}'?)"),
            None if names.is_empty() => String::from(" (it has no NAME.access_key files yet)"),
            None => format!(" (accounts: {})", names.join(" ")),
        };
        Err(error::usage(format!(
            "unknown account '{typed}'{hint}: there is no {typed}.access_key in {}",
            self.path.display()
        )))
    }

    /// The account's name as spelled in the key directory; an account of the accounts file
    /// without key files is found when it has a `key_process` (its keys come from that), and
    /// named as such otherwise (which file is missing, and how to add it); a typo of a name in
    /// either place gets the closest as a hint.
    pub fn resolve_in(&self, typed: &str, accounts: &Accounts) -> Result<String> {
        let also: Vec<&str> = accounts.accounts.iter().map(|a| a.name.as_str()).collect();
        self.resolve(typed, &also).or_else(|e| match accounts.find(typed) {
            Some(account) if account.key_process.is_some() => Ok(account.name.clone()),
            Some(account) if names::is_valid(typed) && self.path.is_dir() => Err(error::usage(format!(
                "account '{}' is in the accounts file but has no keys: {} does not exist; add them with: stsenv add {}",
                account.name,
                self.file(&account.name, "access_key").display(),
                account.name
            ))),
            _ => Err(e),
        })
    }

    /// `names`, and the accounts with a `key_process`, sorted ignoring case. A key directory that
    /// cannot be read is an error only when no account has a `key_process`.
    pub fn names_with(&self, accounts: &Accounts) -> Result<Vec<String>> {
        let process: Vec<&Account> = accounts.accounts.iter().filter(|a| a.key_process.is_some()).collect();
        let mut names = match self.names() {
            Ok(names) => names,
            Err(_) if !process.is_empty() && !self.path.exists() => Vec::new(),
            Err(e) => return Err(e),
        };
        for account in process {
            if !names.iter().any(|n| n.eq_ignore_ascii_case(&account.name)) {
                names.push(account.name.clone());
            }
        }
        names.sort_by_key(|n| n.to_ascii_lowercase());
        Ok(names)
    }

    /// The path of one of an account's files.
    pub fn file(&self, name: &str, suffix: &str) -> PathBuf {
        self.path.join(format!("{name}.{suffix}"))
    }

    /// The account's long-term keys, trimmed, with the warnings of loose permissions and a
    /// value that does not look like an access key ID. Both files are read under the shared
    /// lock of the pair, so a rotation (which replaces them under its exclusive lock) is one
    /// step: the old pair or the new one, never one of each.
    pub fn keys(&self, name: &str) -> Result<Credentials> {
        let lock = self.pair_lock(name, crate::sys::lock::Mode::Shared, crate::sys::lock::DEFAULT_TIMEOUT)?;
        let access = self.read(&self.file(name, "access_key"))?;
        let secret_path = self.file(name, "secret_key");
        let secret = self.read(&secret_path).map_err(|e| {
            if std::fs::symlink_metadata(&secret_path).is_err() {
                error::usage(format!(
                    "cannot read the key file {}: it does not exist; put the secret access key in it (mode 600), or add both keys with: stsenv add {name}",
                    secret_path.display()
                ))
            } else {
                e
            }
        })?;
        drop(lock);
        if !looks_like_access_key_id(&access) {
            error::warn(format_args!(
                "{} does not look like an access key ID (16 or more capital letters and digits, like AKIA...); check that the access and secret key files are not swapped",
                self.file(name, "access_key").display()
            ));
        }
        Ok(Credentials::long_term(access, secret))
    }

    /// Lock the account's key pair (`.NAME.keys.lock` in the key directory): shared to read
    /// it, exclusive to replace it. None when the lock files cannot be made (a read-only key
    /// directory, which nobody can rotate in either).
    ///
    /// A gate (`.NAME.keys.gate.lock`) goes first, so that readers cannot keep a rotation out: a
    /// reader holds it (shared) only until it has the pair's lock, a rotation holds it
    /// (exclusive) while it waits for the readers inside to finish, so new readers queue behind
    /// it. A reader holding the gate never waits for the pair (only a holder of the gate can
    /// hold the pair exclusively), so the two cannot deadlock.
    pub fn pair_lock(
        &self,
        name: &str,
        mode: crate::sys::lock::Mode,
        timeout: std::time::Duration,
    ) -> Result<Option<PairLock>> {
        let doing = format!("rotating the keys of {name}");
        let lock = |suffix: &str| -> Result<Option<std::fs::File>> {
            let path = self.path.join(format!(".{name}.keys.{suffix}"));
            let open = |create: bool| {
                let mut options = std::fs::OpenOptions::new();
                options.read(true).custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
                if create {
                    options.write(true).create(true).truncate(false).mode(0o600);
                }
                options.open(&path)
            };
            let opened = match open(false) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => open(true),
                other => other,
            };
            let file = match opened {
                Ok(file) => file,
                Err(_) if mode == crate::sys::lock::Mode::Shared => return Ok(None),
                Err(e) => {
                    return Err(error::usage(format!(
                        "cannot lock the key files of {name} ({}): {}",
                        path.display(),
                        crate::base::error::io_reason(&e)
                    )));
                }
            };
            crate::sys::lock::acquire(&file, mode, &doing, &path, timeout)?;
            Ok(Some(file))
        };
        let Some(gate) = lock("gate.lock")? else { return Ok(None) };
        let Some(pair) = lock("lock")? else { return Ok(None) };
        // A reader lets the next one (or a rotation) through at once.
        let gate = (mode == crate::sys::lock::Mode::Exclusive).then_some(gate);
        Ok(Some(PairLock { _gate: gate, _pair: pair }))
    }

    /// The IAM user name from `NAME.user`, if that file exists (read as a key file).
    pub fn user(&self, name: &str) -> Result<Option<String>> {
        let path = self.file(name, "user");
        let Some(bytes) = read_secret(&path, &self.home, "key file")? else { return Ok(None) };
        let value = checked_value(&path, bytes)?;
        String::from_utf8(value).map(Some).map_err(|_| {
            error::usage(format!("{} is not valid UTF-8; put the IAM user name in it", path.display()))
        })
    }

    /// Read one of the key directory's files (see `read_key_file`).
    pub fn read(&self, path: &Path) -> Result<Vec<u8>> {
        read_key_file(path, &self.home)
    }

    fn unreadable(&self, e: &std::io::Error) -> error::Error {
        error::usage(format!(
            "cannot read the key directory {}: {}; create it with NAME.access_key and NAME.secret_key files, or pass --creds-dir",
            self.path.display(),
            crate::base::error::io_reason(e)
        ))
    }
}

/// An account's file in the key directory, as `KeyDir::own_files` found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnFile {
    /// The file's name in the key directory.
    pub name: String,
    pub path: PathBuf,
    /// Why stsenv does not remove it (a symlink, another user's), if it does not.
    pub kept: Option<String>,
}

/// The files stsenv keeps for an account in the key directory: `NAME.` and one of these.
pub const OWN_SUFFIXES: &[&str] =
    &["access_key", "secret_key", "user", "totp", "access_key.old", "secret_key.old"];

/// Its lock files: `.NAME.` and one of these.
pub const LOCK_SUFFIXES: &[&str] = &["keys.gate.lock", "keys.lock", "rotate.lock"];

impl KeyDir {
    /// The account's own files, by name (its name in any case, as names compare): the key files
    /// (`OWN_SUFFIXES`) and the lock files (`LOCK_SUFFIXES`), sorted by name. Each is looked at
    /// (`lstat`, a symlink not followed): only a regular file of this user's may be removed.
    /// A key directory that does not exist has none.
    pub fn own_files(&self, name: &str) -> Result<Vec<OwnFile>> {
        let dir = match crate::sys::atomic::Dir::open(&self.path) {
            Ok(dir) => dir,
            Err(e)
                if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) =>
            {
                return Ok(Vec::new());
            }
            Err(e) => return Err(self.unreadable(&e)),
        };
        let lower = name.to_ascii_lowercase();
        let own = |file: &str| {
            let file = file.to_ascii_lowercase();
            OWN_SUFFIXES.iter().any(|s| file == format!("{lower}.{s}"))
                || LOCK_SUFFIXES.iter().any(|s| file == format!(".{lower}.{s}"))
        };
        let entries = std::fs::read_dir(&self.path).map_err(|e| self.unreadable(&e))?;
        let mut files: Vec<OwnFile> = Vec::new();
        for file in entries.flatten().filter_map(|e| e.file_name().into_string().ok()).filter(|f| own(f)) {
            let st = dir.stat_of(std::ffi::OsStr::new(&file)).map_err(|e| self.unreadable(&e))?;
            let Some(st) = st else { continue };
            let kept = if !st.regular {
                Some("is not a regular file (a symlink?)".to_owned())
            } else if st.uid != crate::sys::atomic::euid() {
                Some(format!("belongs to another user (uid {})", st.uid))
            } else {
                None
            };
            files.push(OwnFile { path: self.path.join(&file), name: file, kept });
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(files)
    }

    /// Remove one of `own_files` that may be removed, looked at again first (`lstat`, through
    /// the directory's descriptor), so a file swapped for a symlink meanwhile stays.
    pub fn remove_own(&self, file: &OwnFile) -> Result<()> {
        let failed = |e: &std::io::Error| {
            error::usage(format!(
                "cannot remove {}: {}",
                file.path.display(),
                crate::base::error::io_reason(e)
            ))
        };
        let dir = crate::sys::atomic::Dir::open(&self.path).map_err(|e| failed(&e))?;
        let name = std::ffi::OsStr::new(&file.name);
        match dir.stat_of(name).map_err(|e| failed(&e))? {
            None => Ok(()),
            Some(st) if st.regular && st.uid == crate::sys::atomic::euid() => match dir.remove(name) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(failed(&e)),
                _ => Ok(()),
            },
            Some(_) => Err(error::usage(format!(
                "{} changed while removing it (it is no longer a regular file of yours): look at it, and remove it yourself",
                file.path.display()
            ))),
        }
    }
}

/// The largest key file read (`NAME.access_key`, `.secret_key`, `.user`, `.totp`): a value
/// is one line.
pub const KEY_FILE_LIMIT: u64 = 64 * 1024;

/// Read a key file: trimmed, not empty, no NUL; a warning when group or others can read it.
/// Refused (exit 2, naming the fix) unless it is trusted: see `read_secret`.
pub fn read_key_file(path: &Path, home: &Path) -> Result<Vec<u8>> {
    match read_secret(path, home, "key file")? {
        Some(bytes) => checked_value(path, bytes),
        None => Err(error::usage(format!("cannot read the key file {}: it does not exist", path.display()))),
    }
}

/// The bytes of a file of secrets (`what`: "key file", "TOTP seed"), None when it does not
/// exist; a warning when group or others can read it. Refused unless trusted: see
/// `read_secret_quietly`.
pub fn read_secret(path: &Path, home: &Path, what: &str) -> Result<Option<Vec<u8>>> {
    Ok(read_secret_quietly(path, home, what)?.map(|trusted| {
        warn_if_loose(path, trusted.stat.mode);
        trusted.bytes
    }))
}

/// `read_secret` without the warning (doctor says it as a FAIL). A symlink is followed; the
/// file is opened without blocking (a FIFO cannot hang stsenv) and refused unless it is a
/// regular file of at most 64 KiB that only this user or root can change, in directories only
/// they can change up to `home` (`sys::strict_modes`): another user who can write the key
/// directory could plant keys of their own.
pub fn read_secret_quietly(path: &Path, home: &Path, what: &str) -> Result<Option<strict_modes::Trusted>> {
    let shown = path.display();
    match strict_modes::read(path, home, Some(KEY_FILE_LIMIT)) {
        Ok(trusted) => Ok(Some(trusted)),
        Err(Refusal::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(refusal) => Err(error::usage(match refusal {
            Refusal::Io(e) => {
                format!("cannot read the {what} {shown}: {}", crate::base::error::io_reason(&e))
            }
            Refusal::NotRegular => format!(
                "the {what} {shown} is not a regular file (a FIFO, a device or a directory); put the value in a plain file of at most 64 KiB"
            ),
            Refusal::TooLarge(limit) => format!(
                "the {what} {shown} is larger than {} KiB, too large for a key; put only the value in it",
                limit / 1024
            ),
            Refusal::Untrusted(u) => format!("not using the {what}: {}; {}", u.what(), u.fix()),
        })),
    }
}

/// Warn (naming the fix) when a secret-holding file is readable by group or others.
pub fn warn_if_readable_by_others(path: &Path) {
    if let Ok(meta) = std::fs::metadata(path) {
        warn_if_loose(path, meta.mode());
    }
}

/// Warn (naming the fix) when the mode of a secret-holding file lets group or others in.
pub fn warn_if_loose(path: &Path, mode: u32) {
    if mode & 0o077 != 0 {
        error::warn(format_args!(
            "{} is readable by group or others; fix it with: chmod 600 {}",
            path.display(),
            path.display()
        ));
    }
}

/// A key-directory value: trimmed, not empty, no NUL byte.
pub fn checked_value(path: &Path, bytes: Vec<u8>) -> Result<Vec<u8>> {
    let value = bytes.trim_ascii();
    if value.is_empty() {
        return Err(error::usage(format!("{} is empty; put the value in it", path.display())));
    }
    if value.contains(&0) {
        return Err(error::usage(format!(
            "{} contains a NUL byte; rewrite it with the plain value",
            path.display()
        )));
    }
    Ok(value.to_vec())
}

/// Access key IDs are 16 to 128 capital letters and digits (AKIA..., ASIA...).
pub fn looks_like_access_key_id(value: &[u8]) -> bool {
    (16..=128).contains(&value.len()) && value.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}
