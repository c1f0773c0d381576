//! Setting up an account from its long-term keys, for `stsenv add` and `stsenv import`: ask AWS
//! whose keys they are (GetCallerIdentity) and which MFA device the user has (ListMFADevices),
//! then write the key files (0600, in a key directory made 0700) and the accounts entry, keeping
//! the rest of the accounts file byte for byte. Nothing is written before AWS has accepted the
//! keys, and a failure part-way puts back what was there.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use crate::aws::iam::Iam;
use crate::aws::mfa_devices::Caller;
use crate::base::credentials::Credentials;
use crate::base::env::Env;
use crate::base::error::{self, Result};
use crate::config::accounts::Accounts;
use crate::config::accounts_edit::{self, Edit, json_string, json_strings};
use crate::config::key_dir::KeyDir;

/// Where an account goes: the key directory and the accounts file.
pub struct Place {
    pub dir: KeyDir,
    pub accounts: PathBuf,
}

impl Place {
    /// The key directory, and the accounts file to change: `--config`, `$STSENV_CONFIG` (either
    /// made when missing), the file found, else the default place.
    pub fn locate(dir: KeyDir, config: Option<&Path>, env: &Env) -> Result<Place> {
        let accounts = match config.map(Path::to_owned).or_else(|| env.stsenv_config().map(PathBuf::from)) {
            Some(path) => path,
            None => match Accounts::locate(None, env)? {
                Some(path) => path,
                None => Accounts::default_path(env).ok_or_else(|| {
                    error::usage("no accounts file and no config directory: pass --config PATH")
                })?,
            },
        };
        Ok(Place { dir, accounts })
    }
}

/// What AWS said about the keys.
pub struct Learned {
    pub caller: Caller,
    /// The MFA devices of the user (None: ListMFADevices was refused, with the reason).
    pub devices: std::result::Result<Vec<String>, String>,
}

impl Learned {
    /// The MFA serial to record: the user's one device, else (devices unknown) `fallback`.
    pub fn serial<'a>(&'a self, fallback: Option<&'a str>) -> Option<&'a str> {
        match &self.devices {
            Ok(devices) if devices.len() == 1 => Some(devices[0].as_str()),
            Ok(_) => None,
            Err(_) => fallback,
        }
    }
}

/// GetCallerIdentity, then ListMFADevices of the user (a refusal of that is not fatal: the keys
/// work, and the serial can be set by hand).
pub fn learn(keys: &Credentials, region: &str, env: &Env) -> Result<Learned> {
    let caller = Caller::of(keys, region, env)?;
    let devices = Iam::new(keys, region, env)
        .and_then(|iam| iam.mfa_devices(caller.user.as_deref()))
        .map(|devices| devices.into_iter().map(|d| d.serial).collect())
        .map_err(|e| e.message);
    Ok(Learned { caller, devices })
}

impl Place {
    /// The region to ask AWS in: the account's own when it is in the accounts file already (a
    /// `--force` replacing it), else the user's, else us-east-1.
    pub fn region(&self, name: &str, env: &Env) -> String {
        let accounts = read_accounts(&self.accounts).map(|(_, _, a)| a).unwrap_or_default();
        crate::config::region::region(accounts.find(name).and_then(|a| a.region.as_deref()), env)
    }
}

/// The accounts file's text (empty object when missing), its mode, and its parsed accounts.
pub(crate) fn read_accounts(path: &Path) -> Result<(String, u32, Accounts)> {
    use std::os::unix::fs::MetadataExt;
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let mode = std::fs::metadata(path).map(|m| m.mode() & 0o777).unwrap_or(0o644);
            let accounts = Accounts::parse(&text)
                .map_err(|e| error::usage(format!("{}:{e}; fix it first", path.display())))?;
            Ok((text, mode, accounts))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok(("{\n}\n".to_owned(), 0o644, Accounts::default()))
        }
        Err(e) => Err(error::usage(format!(
            "cannot read the accounts file {}: {}",
            path.display(),
            crate::base::error::io_reason(&e)
        ))),
    }
}

/// One account to write.
pub struct NewAccount<'a> {
    /// The account name.
    pub name: &'a str,
    /// The keys (already accepted by AWS).
    pub keys: &'a Credentials,
    /// Where the keys come from instead of files, if anywhere.
    pub key_process: Option<&'a [String]>,
    pub learned: &'a Learned,
    /// The serial to record when IAM would not list the devices (aws-mfa's `aws_mfa_device`).
    pub fallback_serial: Option<&'a str>,
    /// Replace an account that exists already.
    pub force: bool,
}

/// Why `name` cannot be added without `--force`, if it cannot.
pub fn taken(place: &Place, name: &str) -> Result<Option<String>> {
    let (dir, path) = (&place.dir, &place.accounts);
    let (_, _, accounts) = read_accounts(path)?;
    if let Some(a) = accounts.find(name) {
        return Ok(Some(format!("account '{}' is in the accounts file {} already", a.name, path.display())));
    }
    for suffix in ["access_key", "secret_key"] {
        let file = dir.file(name, suffix);
        if std::fs::symlink_metadata(&file).is_ok() {
            return Ok(Some(format!("{} exists already", file.display())));
        }
    }
    // Names are compared ignoring case: another spelling in the key directory is the same account.
    if let Ok(names) = dir.names()
        && let Some(other) = names.iter().find(|n| n.eq_ignore_ascii_case(name))
    {
        return Ok(Some(format!("account '{other}' has key files in {} already", dir.path.display())));
    }
    Ok(None)
}

/// Write the account: the key files (unless it has a key_process) and its accounts entry.
pub fn save(place: &Place, new: &NewAccount) -> Result<()> {
    let name = new.name;
    if !new.force
        && let Some(why) = taken(place, name)?
    {
        return Err(error::usage(format!("{why}: pass --force to replace it")));
    }
    let (dir, path) = (&place.dir, &place.accounts);
    let (text, mode, accounts) = read_accounts(path)?;
    // An account spelt otherwise in the file is the same account: keep its spelling.
    let name = accounts.find(name).map(|a| a.name.clone()).unwrap_or_else(|| name.to_owned());
    let caller = &new.learned.caller;
    let optional = |value: Option<&str>| value.map_or(Edit::Remove, |v| Edit::Set(json_string(v)));
    let edits = [
        ("arn", Edit::Set(json_string(&caller.arn_prefix()))),
        ("user", optional(caller.user.as_deref())),
        ("mfa_serial", optional(new.learned.serial(new.fallback_serial))),
        ("key_process", new.key_process.map_or(Edit::Remove, |argv| Edit::Set(json_strings(argv)))),
    ];
    let new_text = accounts_edit::set_fields(&text, &name, &edits).map_err(|e| {
        error::usage(format!("cannot add account '{name}' to {} ({e}); nothing was written", path.display()))
    })?;
    // Everything is checked: now the files.
    let key_files = [dir.file(&name, "access_key"), dir.file(&name, "secret_key")];
    let before: Vec<Option<Vec<u8>>> = key_files.iter().map(|f| std::fs::read(f).ok()).collect();
    let put_back = || {
        for (file, old) in key_files.iter().zip(&before) {
            let _ = match old {
                Some(bytes) => crate::sys::atomic::write(file, bytes, 0o600),
                None => std::fs::remove_file(file),
            };
        }
    };
    if new.key_process.is_none() {
        make_key_dir(&dir.path)?;
        let values = [&new.keys.access_key_id, &new.keys.secret_access_key];
        for (file, value) in key_files.iter().zip(values) {
            let mut bytes = value.expose().to_vec();
            bytes.push(b'\n');
            if let Err(e) = crate::sys::atomic::write(file, &bytes, 0o600) {
                put_back();
                return Err(error::usage(format!(
                    "cannot write {}: {}; nothing was changed",
                    file.display(),
                    crate::base::error::io_reason(&e)
                )));
            }
        }
    }
    let written = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.is_dir())
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| crate::sys::atomic::write(path, new_text.as_bytes(), mode));
    if let Err(e) = written {
        put_back();
        return Err(error::usage(format!(
            "cannot write the accounts file {}: {}; nothing was changed (pass --config PATH for another file)",
            path.display(),
            crate::base::error::io_reason(&e)
        )));
    }
    if new.key_process.is_some() {
        // Replaced by the key_process (which just printed working keys): no plain-text key left.
        for file in key_files.iter().filter(|f| std::fs::symlink_metadata(f).is_ok()) {
            if std::fs::remove_file(file).is_ok() {
                error::say(format!("Removed {} (the key_process replaces it)", file.display()));
            }
        }
    }
    Ok(())
}

/// The key directory, made 0700 when missing. An existing one is left as it is, but must be the
/// user's own and not writable by group or others (who could replace the key files in it).
fn make_key_dir(path: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.is_dir()
    {
        if meta.uid() != crate::sys::atomic::euid() {
            return Err(error::usage(format!(
                "the key directory {} belongs to another user; nothing was written (pass --creds-dir DIR for your own)",
                path.display()
            )));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(error::usage(format!(
                "the key directory {} is writable by group or others, who could replace the key files; nothing was written: chmod go-w {}",
                path.display(),
                path.display()
            )));
        }
        return Ok(());
    }
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(path).map_err(|e| {
        error::usage(format!(
            "cannot create the key directory {}: {}",
            path.display(),
            crate::base::error::io_reason(&e)
        ))
    })
}

/// What was set up, and what to run next, as lines for the terminal.
pub fn summary(name: &str, new: &NewAccount, accounts: &Path) -> Vec<String> {
    let caller = &new.learned.caller;
    let who = match &caller.user {
        Some(user) => format!("IAM user {user} of account {}", caller.account_id),
        None => format!("{} (not an IAM user)", caller.arn),
    };
    let stored = match new.key_process {
        Some(argv) => format!("keys from key_process `{}`", argv.join(" ")),
        None => "keys in the key directory".to_owned(),
    };
    let mut lines = vec![format!("Added account {name}: {who}, {stored}, entry in {}", accounts.display())];
    let user = caller.user.as_deref().unwrap_or("the user");
    match (&new.learned.devices, new.learned.serial(new.fallback_serial)) {
        (Ok(_), Some(serial)) | (Err(_), Some(serial)) => {
            lines.push(format!("MFA device {serial}"));
            lines.push(format!("Next: ec2switch {name}, then ec2mfa for an MFA session"));
        }
        (Ok(devices), None) if devices.is_empty() => {
            lines.push(format!("{user} has no MFA device yet"));
            lines.push(format!(
                "Next: stsenv mfa-device enroll {name} (with your authenticator app), then ec2switch {name} and ec2mfa"
            ));
        }
        (Ok(devices), None) => {
            lines.push(format!("{user} has {} MFA devices: {}", devices.len(), devices.join(", ")));
            lines.push(format!(
                "Next: set \"mfa_serial\" of {name} in {} to the one to use, then ec2switch {name} and ec2mfa",
                accounts.display()
            ));
        }
        (Err(why), None) => {
            lines.push(format!("Could not list the MFA devices: {why}"));
            lines.push(format!(
                "Next: set \"mfa_serial\" of {name} in {} (stsenv mfa-device list {name} shows it once allowed), then ec2switch {name} and ec2mfa",
                accounts.display()
            ));
        }
    }
    lines
}
