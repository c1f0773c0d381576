//! Getting temporary credentials: the account to act for, and the cache-or-STS step under the
//! slot's lock, so that concurrent shells make one STS call and show one prompt.

use time::OffsetDateTime;

use crate::accounts::{Account, Accounts};
use crate::cache::{Cache, Entry, Slot};
use crate::cmd::Context;
use crate::credentials::Credentials;
use crate::emit;
use crate::error::{self, Result};

/// The account a command acts for.
pub struct Target {
    /// The name as spelled in the key directory.
    pub name: String,
    pub accounts: Accounts,
    /// The IAM user: the accounts file's `user`, else `NAME.user`, else `$USER`.
    pub user: String,
    /// Where `user` came from.
    pub user_source: UserSource,
    /// The account's region, else the user's own, else us-east-1.
    pub region: String,
}

impl Target {
    /// The account named, else `$STSENV_ACCOUNT` (the one the shell switched to).
    pub fn resolve(ctx: &Context, typed: Option<&str>, command: &str) -> Result<Target> {
        let typed = match typed.or_else(|| ctx.env.get("STSENV_ACCOUNT")) {
            Some(t) => t.to_owned(),
            None => {
                return Err(error::usage(format!(
                    "which account? Pass one ({command} personal) or switch to one first (ec2switch personal)"
                )));
            }
        };
        let name = ctx.key_dir().resolve(&typed)?;
        Target::with_accounts(ctx, name, ctx.accounts()?)
    }

    /// The target for an account name as spelled in the key directory, with these accounts.
    pub fn with_accounts(ctx: &Context, name: String, accounts: Accounts) -> Result<Target> {
        let keys = ctx.key_dir();
        let entry = accounts.find(&name);
        let (user, user_source) = match entry.and_then(|a| a.user.clone()) {
            Some(user) => (user, UserSource::Accounts),
            None => match keys.user(&name)? {
                Some(user) => (user, UserSource::File),
                None => match ["USER", "LOGNAME"].into_iter().find_map(|v| Some((v, ctx.env.get(v)?))) {
                    Some((var, user)) if !user.is_empty() => (user.to_owned(), UserSource::Env(var)),
                    _ => ("unknown".to_owned(), UserSource::None),
                },
            },
        };
        let mut region = emit::region(entry.and_then(|a| a.region.as_deref()), &ctx.env);
        // A China or GovCloud account is never sent to a region of another partition.
        if let Some(account) = entry {
            region = account.partition().region_or_default(&region);
        }
        Ok(Target { name, accounts, user, user_source, region })
    }

    /// The account's own region from the accounts file (not the fallbacks of `region`); for
    /// an account of China or GovCloud without one, the region of its partition used for it.
    pub fn account_region(&self) -> Option<&str> {
        let account = self.accounts.find(&self.name)?;
        match (&account.region, account.partition()) {
            (Some(region), _) => Some(region),
            (None, crate::partition::Partition::Aws) => None,
            (None, _) => Some(&self.region),
        }
    }

    /// The account's entry in the accounts file, required for `why`.
    pub fn account(&self, why: &str) -> Result<&Account> {
        self.accounts.require(&self.name, why)
    }
}

/// Where the IAM user name came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserSource {
    /// The accounts file's `user`.
    Accounts,
    /// `NAME.user` in the key directory.
    File,
    /// `$USER` or `$LOGNAME`.
    Env(&'static str),
    /// Nowhere: no user name at all.
    None,
}

impl Target {
    /// The long-term keys of the account.
    pub fn keys(&self, ctx: &Context) -> Result<Credentials> {
        ctx.key_dir().keys(&self.name)
    }

    /// The MFA serial to use without asking AWS: the account's `mfa_serial`, else
    /// `<arn>mfa/<user>` when there is a user name; with where it came from.
    pub fn mfa_serial(&self, account: &Account) -> Option<(String, String)> {
        if let Some(serial) = &account.mfa_serial {
            return Some((serial.clone(), "mfa_serial in the accounts file".to_owned()));
        }
        let from = match self.user_source {
            UserSource::Accounts => "user in the accounts file".to_owned(),
            UserSource::File => format!("{}.user", self.name),
            UserSource::Env(var) => format!("${var}"),
            UserSource::None => return None,
        };
        Some((account.mfa_serial(&self.user), format!("guessed from the user name in {from}")))
    }
}

/// The MFA device a call with the long-term keys is signed with.
pub struct Device {
    pub serial: String,
    /// Where the serial came from when stsenv did not ask IAM (for messages).
    pub from: Option<String>,
    /// The user name to ask the code for.
    pub user: String,
}

impl Target {
    /// The account's MFA device: `mfa_serial`, else `<arn>mfa/<user>`, else (no user name at all)
    /// the one device IAM lists for the keys' user.
    pub fn device(&self, account: &Account, long_term: &Credentials, ctx: &Context) -> Result<Device> {
        if let Some((serial, from)) = self.mfa_serial(account) {
            return Ok(Device { serial, from: Some(from), user: self.user.clone() });
        }
        let (caller, devices) = crate::discover::devices(long_term, &self.region, &ctx.env)?;
        let user = caller.user.unwrap_or_default();
        let serial = crate::discover::pick(&self.name, &user, &devices)?;
        Ok(Device { serial, from: None, user })
    }
}

impl Device {
    /// A rejected code with a guessed serial: the serial may be the problem, so say how to find
    /// the real one.
    pub fn explain(&self, e: error::Error, account: &str) -> error::Error {
        match &self.from {
            Some(from) if from.starts_with("guessed") && e.message.contains("rejected") => error::Error {
                message: format!(
                    "{}; the MFA serial {} was {from}: stsenv mfa-device list {account} shows the real one",
                    e.message, self.serial
                ),
                ..e
            },
            _ => e,
        }
    }
}

/// A valid cache entry of the slot (unless `force`), else `fetch` under the slot's lock, after
/// looking again: another process may have just written it while this one waited.
/// Returns the entry and whether it is new.
pub fn cached_or_fetch(
    cache: &Cache,
    account: &str,
    slot: &Slot,
    force: bool,
    now: OffsetDateTime,
    fetch: impl FnOnce() -> Result<Credentials>,
) -> Result<(Entry, bool)> {
    if !force && let Some(entry) = cache.valid(account, slot, now) {
        return Ok((entry, false));
    }
    let _lock = cache.lock(account, slot)?;
    if !force && let Some(entry) = cache.valid(account, slot, now) {
        return Ok((entry, false));
    }
    let credentials = fetch()?;
    let entry = Entry::new(account, slot, credentials)
        .ok_or_else(|| error::aws("STS answered without an expiry time"))?;
    cache.write(slot, &entry)?;
    Ok((entry, true))
}
