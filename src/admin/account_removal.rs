//! Removing an account, for `stsenv remove`: its entry comes out of the accounts file (every
//! other byte kept, as `add` keeps them), its own files out of the key directory (by name, only
//! regular files of this user's), its cached sessions out of the cache; and what stsenv cannot
//! or may not remove is named: the MFA device and the access key in AWS, profiles of the AWS
//! files that hold the same key or run `stsenv credential-process` for it.

use std::path::{Path, PathBuf};

use crate::admin::account_setup::{Place, read_accounts};
use crate::base::env::Env;
use crate::base::error::{self, Result};
use crate::base::names;
use crate::config::accounts::Account;
use crate::config::accounts_edit;
use crate::config::aws_files;
use crate::config::key_dir::{KeyDir, OwnFile, checked_value, read_secret_quietly};
use crate::store::cache::Cache;
use crate::store::shared_credentials;

/// What removing an account would do, worked out before anything is changed.
pub struct Plan {
    /// The account's name as written (in the accounts file, else in the key directory).
    pub name: String,
    pub accounts_path: PathBuf,
    /// The accounts file without the account, and its mode; None when it is not in the file.
    pub rewrite: Option<(String, u32)>,
    pub entry: Option<Account>,
    pub key_dir: KeyDir,
    /// The account's files in the key directory, those stsenv keeps (`kept`) among them.
    pub files: Vec<OwnFile>,
    /// The access key ID of its key file, when it has one that can be read.
    pub access_key_id: Option<String>,
    /// The IAM user name: the entry's `user`, else `NAME.user`, else None.
    pub user: Option<String>,
}

impl Plan {
    /// The files that will be removed.
    pub fn removable(&self) -> impl Iterator<Item = &OwnFile> {
        self.files.iter().filter(|f| f.kept.is_none())
    }
}

/// Find the account `typed` (ignoring case) in the accounts file and the key directory. An
/// account in neither is a usage error naming the closest name; an accounts file that does not
/// parse, or whose rewrite would not, is one too (nothing is changed).
pub fn plan(place: Place, typed: &str) -> Result<Plan> {
    if !names::is_valid(typed) {
        return Err(error::usage(names::invalid_message(typed)));
    }
    let Place { dir, accounts: path } = place;
    let (text, mode, accounts) = read_accounts(&path)?;
    let entry = accounts.find(typed).cloned();
    let files = dir.own_files(typed)?;
    let has_files = files.iter().any(|f| !f.name.starts_with('.'));
    if entry.is_none() && !has_files {
        let mut known: Vec<String> = accounts.accounts.iter().map(|a| a.name.clone()).collect();
        known.extend(dir.names().unwrap_or_default());
        let hint = match names::closest(typed, known.iter().map(String::as_str)) {
            Some(close) => format!(" (did you mean '{close}'?)"),
            None => String::new(),
        };
        return Err(error::usage(format!(
            "unknown account '{typed}'{hint}: it is neither in the accounts file {} nor in the key directory {}",
            path.display(),
            dir.path.display()
        )));
    }
    let rewrite = match &entry {
        None => None,
        Some(account) => {
            let new = accounts_edit::remove_account(&text, &account.name).map_err(|e| {
                error::usage(format!(
                    "cannot take account '{}' out of {} ({e}); nothing was changed",
                    account.name,
                    path.display()
                ))
            })?;
            new.map(|new| (new, mode))
        }
    };
    let name = match &entry {
        Some(account) => account.name.clone(),
        None => dir.names()?.into_iter().find(|n| n.eq_ignore_ascii_case(typed)).unwrap_or(typed.to_owned()),
    };
    let access_key_id = files
        .iter()
        .find(|f| f.kept.is_none() && f.name.eq_ignore_ascii_case(&format!("{name}.access_key")))
        .and_then(|f| {
            let trusted = read_secret_quietly(&f.path, &dir.home, "key file").ok().flatten()?;
            String::from_utf8(checked_value(&f.path, trusted.bytes).ok()?).ok()
        });
    let user = entry.as_ref().and_then(|a| a.user.clone()).or_else(|| dir.user(&name).ok().flatten());
    Ok(Plan { name, accounts_path: path, rewrite, entry, key_dir: dir, files, access_key_id, user })
}

/// What was removed.
pub struct Done {
    pub entry: bool,
    pub files: usize,
    pub sessions: usize,
}

/// Remove the account as planned: the accounts entry first (written atomically, keeping the
/// file's mode), then its files, then its cached sessions.
pub fn carry_out(plan: &Plan, cache: Result<Cache>) -> Result<Done> {
    if let Some((text, mode)) = &plan.rewrite {
        crate::sys::atomic::write(&plan.accounts_path, text.as_bytes(), *mode).map_err(|e| {
            error::usage(format!(
                "cannot write the accounts file {}: {}; nothing was changed",
                plan.accounts_path.display(),
                crate::base::error::io_reason(&e)
            ))
        })?;
    }
    let part_done = |e: error::Error| {
        let done = if plan.rewrite.is_some() { "its accounts entry is removed; " } else { "" };
        error::Error { message: format!("removing account {}: {done}{}", plan.name, e.message), ..e }
    };
    let mut files = 0;
    for file in plan.removable() {
        plan.key_dir.remove_own(file).map_err(part_done)?;
        files += 1;
    }
    let sessions = cache.and_then(|cache| cache.clear(Some(&plan.name), None)).map_err(part_done)?.len();
    Ok(Done { entry: plan.rewrite.is_some(), files, sessions })
}

/// What stsenv leaves, one line each: files it would not remove, the MFA device and the
/// access key in AWS, profiles of the AWS files that hold its key or run stsenv for it, and the
/// shell's variables when they are this account's.
pub fn left(plan: &Plan, env: &Env) -> Vec<String> {
    let mut lines = Vec::new();
    for file in plan.files.iter().filter(|f| f.kept.is_some()) {
        let shown = file.path.display();
        lines.push(format!(
            "{shown}, which {}, so stsenv did not remove it: remove it yourself with: rm {shown}",
            file.kept.as_deref().unwrap_or_default()
        ));
    }
    let user =
        plan.user.clone().or_else(|| env.user().map(str::to_owned)).unwrap_or_else(|| "USER".to_owned());
    match plan.entry.as_ref().and_then(|a| a.mfa_serial.as_deref()) {
        Some(serial) => lines.push(format!(
            "the MFA device {serial} in AWS (if you no longer need it: aws iam deactivate-mfa-device --user-name {user} --serial-number {serial}, then aws iam delete-virtual-mfa-device --serial-number {serial}; and delete its entry in your authenticator app)"
        )),
        None => lines.push("the IAM user's MFA device in AWS, if it has one (aws iam list-mfa-devices shows it)".to_owned()),
    }
    match &plan.access_key_id {
        Some(id) => lines.push(format!(
            "the access key {id} in AWS, which still works (if nothing uses it any more: aws iam delete-access-key --access-key-id {id})"
        )),
        None => lines.push("the account's access key in AWS, which still works".to_owned()),
    }
    if let Some(id) = &plan.access_key_id {
        let path = shared_credentials::locate(env);
        for profile in profiles_with_key(&path, id) {
            lines.push(format!(
                "the profile [{profile}] in {}, which holds the same access key (remove it by hand if it is an old copy)",
                path.display()
            ));
        }
    }
    let config = aws_files::config_path(env);
    for profile in profiles_running(&config, &plan.name) {
        lines.push(format!(
            "[{profile}] in {}, which runs stsenv credential-process {} and now fails: remove it",
            config.display(),
            plan.name
        ));
    }
    if env.stsenv_account().is_some_and(|a| a.eq_ignore_ascii_case(&plan.name)) {
        lines.push(format!("this shell's credentials of {} (run ec2unset to remove them)", plan.name));
    }
    lines
}

/// The sections of the shared credentials file at `path` whose `aws_access_key_id` is `id`.
fn profiles_with_key(path: &Path, id: &str) -> Vec<String> {
    let Ok(text) = std::fs::read(path) else { return Vec::new() };
    aws_files::sections(&text)
        .into_iter()
        .filter(|s| aws_files::values(&text, s).iter().any(|(k, v)| k == "aws_access_key_id" && v == id))
        .map(|s| s.name)
        .collect()
}

/// The sections of the AWS config file at `path` whose `credential_process` runs
/// `stsenv credential-process NAME`.
fn profiles_running(path: &Path, name: &str) -> Vec<String> {
    let Ok(text) = std::fs::read(path) else { return Vec::new() };
    aws_files::sections(&text)
        .into_iter()
        .filter(|s| {
            aws_files::values(&text, s).iter().any(|(k, v)| {
                let words: Vec<&str> = v.split_whitespace().collect();
                k == "credential_process"
                    && words
                        .windows(2)
                        .any(|w| w[0] == "credential-process" && w[1].eq_ignore_ascii_case(name))
            })
        })
        .map(|s| s.name)
        .collect()
}
