//! The account a command acts for: its name in the key directory, its entry in the accounts
//! file, its IAM user name (and where that came from), its region and its MFA device.

use crate::base::credentials::Credentials;
use crate::base::env::Env;
use crate::base::error::{self, Result};
use crate::config::accounts::{Account, Accounts};
use crate::config::key_dir::KeyDir;
use crate::engine::context::Context;

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
        let typed = match typed.or_else(|| ctx.env.stsenv_account()) {
            Some(t) => t.to_owned(),
            None => {
                return Err(error::usage(format!(
                    "which account? Pass one ({command} personal) or switch to one first (ec2switch personal)"
                )));
            }
        };
        let accounts = ctx.accounts()?;
        let name = ctx.key_dir().resolve_in(&typed, &accounts)?;
        Target::with_accounts(ctx, name, accounts)
    }

    /// The target for an account name as spelled in the key directory, with these accounts.
    pub fn with_accounts(ctx: &Context, name: String, accounts: Accounts) -> Result<Target> {
        let entry = accounts.find(&name);
        let (user, user_source) = iam_user(entry, &ctx.key_dir(), &name, &ctx.env)?
            .unwrap_or(("unknown".to_owned(), UserSource::None));
        let mut region = crate::config::region::region(entry.and_then(|a| a.region.as_deref()), &ctx.env);
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
            (None, crate::aws::partition::Partition::Aws) => None,
            (None, _) => Some(&self.region),
        }
    }

    /// The account's entry in the accounts file, required for `why`.
    pub fn account(&self, why: &str) -> Result<&Account> {
        self.accounts.require(&self.name, why)
    }
}

/// The account's IAM user name: the accounts file's `user`, else `NAME.user` in the key
/// directory, else `$USER` (or `$LOGNAME`) when not empty; with where it came from.
pub fn iam_user(
    entry: Option<&Account>,
    keys: &KeyDir,
    name: &str,
    env: &Env,
) -> Result<Option<(String, UserSource)>> {
    if let Some(user) = entry.and_then(|a| a.user.clone()) {
        return Ok(Some((user, UserSource::Accounts)));
    }
    if let Some(user) = keys.user(name)? {
        return Ok(Some((user, UserSource::File)));
    }
    Ok(env_user(env))
}

/// `$USER`, else `$LOGNAME`, when not empty: the local user's name, taken as the IAM user's.
pub fn env_user(env: &Env) -> Option<(String, UserSource)> {
    [("USER", env.user()), ("LOGNAME", env.logname())]
        .into_iter()
        .find_map(|(v, value)| Some((v, value?)))
        .filter(|(_, user)| !user.is_empty())
        .map(|(var, user)| (user.to_owned(), UserSource::Env(var)))
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
    /// The long-term keys of the account (its `key_process`, else its key files).
    pub fn keys(&self, ctx: &Context) -> Result<Credentials> {
        self.keys_for(ctx, &crate::secrets::mfa_code::Asking::Shell)
    }

    /// The long-term keys, a `key_process`'s messages on the terminal when stsenv's own stderr
    /// is read by another program (`Asking::Captured`).
    pub fn keys_for(&self, ctx: &Context, asking: &crate::secrets::mfa_code::Asking) -> Result<Credentials> {
        let to_terminal = matches!(asking, crate::secrets::mfa_code::Asking::Captured { .. });
        crate::secrets::long_term::keys(
            &ctx.key_dir(),
            self.accounts.find(&self.name),
            &self.name,
            &ctx.env,
            to_terminal,
        )
    }

    /// The MFA serial to use without asking AWS: the account's `mfa_serial`, else
    /// `<arn>mfa/<user>` when there is a user name; with where it came from.
    pub fn mfa_serial(&self, account: &Account) -> Option<(String, String)> {
        if let Some(serial) = &account.mfa_serial {
            return Some((serial.clone(), FROM_MFA_SERIAL.to_owned()));
        }
        if self.user_source == UserSource::None {
            return None;
        }
        Some((account.mfa_serial(&self.user), self.user_source.describe(&self.name)))
    }
}

/// Where an explicit serial comes from.
pub const FROM_MFA_SERIAL: &str = "from `mfa_serial` in the accounts file";

impl UserSource {
    /// Where the user name came from, for messages: `from `user` in the accounts file`,
    /// `from personal.user`, `guessed from $USER`.
    pub fn describe(self, account: &str) -> String {
        match self {
            UserSource::Accounts => "from `user` in the accounts file".to_owned(),
            UserSource::File => format!("from {account}.user"),
            UserSource::Env(var) => format!("guessed from ${var}"),
            UserSource::None => "no user name".to_owned(),
        }
    }
}

/// The MFA device a call with the long-term keys is signed with.
pub struct Device {
    pub serial: String,
    /// Where the serial came from when stsenv did not ask IAM (for messages).
    pub from: Option<String>,
    /// The user name to ask the code for, or the device's serial (an ARN) when the user name is
    /// only a guess.
    pub user: String,
}

impl Target {
    /// The account's MFA device: `mfa_serial`, else `<arn>mfa/<user>`, else (no user name at all)
    /// the one device IAM lists for the keys' user.
    pub fn device(&self, account: &Account, long_term: &Credentials, ctx: &Context) -> Result<Device> {
        if let Some((serial, from)) = self.mfa_serial(account) {
            // An explicit serial with only a guessed user name ($USER): the prompt names the
            // device, not a user name that may not be the device's.
            let user = match (&account.mfa_serial, self.user_source) {
                (Some(serial), UserSource::Env(_) | UserSource::None) => serial.clone(),
                _ => self.user.clone(),
            };
            return Ok(Device { serial, from: Some(from), user });
        }
        let (caller, devices) = crate::aws::mfa_devices::devices(long_term, &self.region, &ctx.env)?;
        let user = caller.user.unwrap_or_default();
        let serial = crate::aws::mfa_devices::pick(&self.name, &user, &devices)?;
        Ok(Device { serial, from: None, user })
    }
}
