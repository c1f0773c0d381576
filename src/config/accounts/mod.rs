//! The accounts file: which AWS account each name is, and its MFA, region, duration and roles.
//!
//! Each key is an account name; each value is the old tool's ARN prefix string
//! (`"arn:aws:iam::987654321012:"`) or an object with `arn` and optional fields.

mod locate;
mod parse;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::aws::arn;
use crate::aws::assume_role::{RoleSettings, check_typed_role};
use crate::aws::partition::Partition;
use crate::base::env::Env;
use crate::base::error::{self, Result};
use crate::base::names;
use crate::sys::strict_modes::{self, Refusal};

/// GetSessionToken's allowed durations, in seconds.
pub const SESSION_DURATION: std::ops::RangeInclusive<u32> = 900..=129_600;
/// The default GetSessionToken duration (12 hours).
pub const DEFAULT_SESSION_DURATION: u32 = 43_200;

/// One account of the accounts file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The name as written in the file.
    pub name: String,
    /// The IAM ARN prefix, always ending in `:` (`arn:aws:iam::987654321012:`).
    pub arn: String,
    pub user: Option<String>,
    pub mfa_serial: Option<String>,
    /// A command whose stdout is the MFA code, as argv (never run through a shell).
    pub mfa_process: Option<Vec<String>>,
    pub region: Option<String>,
    pub duration_seconds: Option<u32>,
    /// Role short names to a role: its ARN or name, and how to assume it.
    pub roles: BTreeMap<String, RoleSettings>,
    /// A command whose stdout is `credential_process` JSON with the long-term keys, as argv
    /// (never run through a shell), instead of the key files.
    pub key_process: Option<Vec<String>>,
}

impl Account {
    /// The 12-digit account ID.
    pub fn account_id(&self) -> &str {
        arn::prefix_account_id(&self.arn)
    }

    /// The MFA serial: `mfa_serial`, else `<arn prefix>mfa/<user>`.
    pub fn mfa_serial(&self, user: &str) -> String {
        self.mfa_serial.clone().unwrap_or_else(|| format!("{}mfa/{user}", self.arn))
    }

    /// A role's ARN from a full ARN, a key of `roles`, or a role name (`<arn prefix>role/NAME`).
    pub fn role_arn(&self, role: &str) -> String {
        self.role(role).arn
    }

    /// A role and its settings: the entry of `roles` whose key is `role` (ignoring case), else
    /// the entry whose role is the one named (a full ARN, or a name), else the role alone. The
    /// ARN is always full.
    pub fn role(&self, role: &str) -> RoleSettings {
        let by_key = self.roles.iter().find(|(key, _)| key.eq_ignore_ascii_case(role)).map(|(_, r)| r);
        let mut entry = match by_key {
            Some(entry) => entry.clone(),
            None => {
                let arn = self.full_role_arn(role);
                self.roles
                    .values()
                    .find(|r| self.full_role_arn(&r.arn) == arn)
                    .cloned()
                    .unwrap_or_else(|| RoleSettings { arn: role.to_owned(), ..RoleSettings::default() })
            }
        };
        entry.arn = self.full_role_arn(&entry.arn);
        entry
    }

    fn full_role_arn(&self, target: &str) -> String {
        if arn::is_arn(target) {
            target.to_owned()
        } else {
            format!("{}role/{}", self.arn, target.trim_start_matches("role/"))
        }
    }

    /// The partition, from the ARN: `aws`, `aws-cn`, `aws-us-gov`.
    pub fn partition(&self) -> Partition {
        Partition::of_arn(&self.arn)
    }
}

impl Account {
    /// A role typed as neither an ARN nor a key of `roles`, but close to a key, is a typo, not a
    /// role name: an error with the key it probably meant (and how to mean the role name).
    /// Before that, a role that IAM would not take is refused (see `check_typed_role`).
    pub fn check_role(&self, typed: &str) -> Result<()> {
        check_typed_role(typed).map_err(error::usage)?;
        if arn::is_arn(typed) || typed.starts_with("role/") {
            return Ok(());
        }
        let keys = || self.roles.keys().map(String::as_str);
        if keys().any(|key| key.eq_ignore_ascii_case(typed)) {
            return Ok(());
        }
        match names::closest(typed, keys()) {
            Some(close) => Err(error::usage(format!(
                "'{}' is not a role of account {} (did you mean {close}?); for the role of that name, type role/{}",
                typed.escape_default(),
                self.name,
                typed.escape_default()
            ))),
            None => Ok(()),
        }
    }

    /// The keys of `roles` with the name of the role each stands for (the last part of its ARN).
    pub fn role_names(&self) -> Vec<(&str, String)> {
        self.roles
            .keys()
            .map(|key| {
                let arn = self.role_arn(key);
                let name = arn::role_name(&arn).to_owned();
                (key.as_str(), name)
            })
            .collect()
    }

    /// `admin (Admin), deploy`: the keys of `roles`, each with its role's name when that differs.
    pub fn describe_roles(&self) -> Vec<String> {
        self.role_names()
            .into_iter()
            .map(|(key, name)| if key == name { key.to_owned() } else { format!("{key} ({name})") })
            .collect()
    }
}

/// The parsed accounts file.
#[derive(Clone, Debug, Default)]
pub struct Accounts {
    pub path: Option<PathBuf>,
    pub accounts: Vec<Account>,
}

impl Accounts {
    /// Locate and load the accounts file; no file is an empty set of accounts.
    pub fn load(flag: Option<&Path>, env: &Env) -> Result<Accounts> {
        match Accounts::locate(flag, env)? {
            Some(path) => Accounts::read(&path, env),
            None => Ok(Accounts::default()),
        }
    }

    /// Read and parse one accounts file (refused unless trusted: see `read_text`).
    pub fn read(path: &Path, env: &Env) -> Result<Accounts> {
        let text = Accounts::read_text(path, env)?;
        Accounts::parse_file(path, &text)
    }

    /// The text of an accounts file, which is code (it names the commands stsenv runs:
    /// `mfa_process`, `key_process`): refused, with the fix, unless it is a regular file that
    /// only this user or root can change, in directories only they can change, up to the home
    /// directory (`sys::strict_modes`, ssh's StrictModes).
    pub fn read_text(path: &Path, env: &Env) -> Result<String> {
        let shown = path.display();
        let home = crate::base::env::home(env);
        let trusted = strict_modes::read(path, &home, None).map_err(|refusal| {
            error::usage(match refusal {
                Refusal::Io(e) => format!("cannot read the accounts file {shown}: {}", error::io_reason(&e)),
                Refusal::NotRegular | Refusal::TooLarge(_) => {
                    format!("the accounts file {shown} is not a regular file; point --config or $STSENV_CONFIG at the JSON file")
                }
                Refusal::Untrusted(u) => format!(
                    "not using the accounts file, which names commands stsenv runs: {}; {}",
                    u.what(),
                    u.fix()
                ),
            })
        })?;
        String::from_utf8(trusted.bytes).map_err(|_| {
            error::usage(format!("the accounts file {shown} is not UTF-8 text; save it as UTF-8 JSON"))
        })
    }

    /// Parse the text of the accounts file at `path`; errors start with `path:line:column: `.
    pub fn parse_file(path: &Path, text: &str) -> Result<Accounts> {
        let mut accounts =
            Accounts::parse(text).map_err(|e| error::usage(format!("{}:{}", path.display(), e)))?;
        accounts.path = Some(path.to_owned());
        Ok(accounts)
    }

    /// Parse the text of an accounts file. Errors start with `line:column: `.
    pub fn parse(text: &str) -> std::result::Result<Accounts, String> {
        Ok(Accounts { path: None, accounts: parse::accounts(text)? })
    }

    /// The account with this name, compared case-insensitively.
    pub fn find(&self, name: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Like `find`, but a missing account is a configuration error saying where to add it.
    pub fn require(&self, name: &str, why: &str) -> Result<&Account> {
        if let Some(account) = self.find(name) {
            return Ok(account);
        }
        let file = match &self.path {
            Some(path) => format!("the accounts file {}", path.display()),
            None => "an accounts file (none found; create ~/.config/stsenv/accounts.json or pass --config)"
                .to_owned(),
        };
        let hint = match names::closest(name, self.accounts.iter().map(|a| a.name.as_str())) {
            Some(close) => format!(" (did you mean '{close}'?)"),
            None => String::new(),
        };
        Err(error::usage(format!(
            "account '{name}' is not in {file}{hint}; {why} needs its ARN there, like \"{name}\": \"arn:aws:iam::123456789012:\""
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms() {
        let a = Accounts::parse(
            r#"{"personal": "arn:aws:iam::987654321012:",
                "Work": {"arn": "arn:aws:iam::012123456789", "user": "jb", "region": "eu-west-1",
                         "duration_seconds": 3600, "roles": {"admin": "arn:aws:iam::012123456789:role/Admin", "ro": "ReadOnly"}}}"#,
        )
        .unwrap();
        let p = a.find("PERSONAL").unwrap();
        assert_eq!(p.arn, "arn:aws:iam::987654321012:");
        assert_eq!(p.mfa_serial("jbrowne"), "arn:aws:iam::987654321012:mfa/jbrowne");
        let w = a.find("work").unwrap();
        assert_eq!(w.name, "Work");
        assert_eq!(w.arn, "arn:aws:iam::012123456789:");
        assert_eq!(w.account_id(), "012123456789");
        assert_eq!(w.role_arn("ADMIN"), "arn:aws:iam::012123456789:role/Admin");
        assert_eq!(w.role_arn("ro"), "arn:aws:iam::012123456789:role/ReadOnly");
        assert_eq!(w.role_arn("Deploy"), "arn:aws:iam::012123456789:role/Deploy");
        assert_eq!(w.role_arn("arn:aws:iam::1:role/X"), "arn:aws:iam::1:role/X");
    }

    #[test]
    fn role_typos_are_caught_and_role_names_listed() {
        let a = Accounts::parse(
            r#"{"w": {"arn": "arn:aws:iam::012123456789:",
                      "roles": {"admin": "arn:aws:iam::012123456789:role/Admin", "deploy": "deploy"}}}"#,
        )
        .unwrap();
        let w = a.find("w").unwrap();
        let e = w.check_role("amdin").unwrap_err();
        assert_eq!(
            e.message,
            "'amdin' is not a role of account w (did you mean admin?); for the role of that name, type role/amdin"
        );
        assert_eq!(e.exit_code(), 2);
        for fine in
            ["admin", "ADMIN", "Deploy", "role/amdin", "arn:aws:iam::012123456789:role/amdin", "ReadOnly"]
        {
            assert!(w.check_role(fine).is_ok(), "{fine}");
        }
        for bad in [
            "bad name!",
            "",
            "role/",
            "a\u{1b}[31m",
            "role//x",
            "x/",
            "arn:aws:iam::1:role/X",
            &"x".repeat(65),
        ] {
            let e = w.check_role(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
            assert!(!e.message.contains('\u{1b}'), "{}", e.message);
        }
        assert!(w.check_role("role/ops/team/Admin").is_ok());
        assert_eq!(w.role_arn("role/amdin"), "arn:aws:iam::012123456789:role/amdin");
        assert_eq!(w.describe_roles(), ["admin (Admin)", "deploy"]);
    }

    #[test]
    fn roles_as_strings_or_objects() {
        let a = Accounts::parse(
            r#"{"w": {"arn": "arn:aws-us-gov:iam::012123456789:", "roles": {
                "ro": "ReadOnly",
                "admin": {"arn": "arn:aws-us-gov:iam::012123456789:role/Admin", "external_id": "ext-1",
                          "session_name": "jb", "duration_seconds": 7200, "source_identity": "jbrowne",
                          "tags": {"Team": "ops", "Cost": "42"}, "transitive_tags": ["Team"]},
                "deploy": {"arn": "Deploy"}}}}"#,
        )
        .unwrap();
        let w = a.find("w").unwrap();
        assert_eq!(w.partition(), Partition::GovCloud);
        let admin = w.role("ADMIN");
        assert_eq!(admin.arn, "arn:aws-us-gov:iam::012123456789:role/Admin");
        assert_eq!(admin.external_id.as_deref(), Some("ext-1"));
        assert_eq!(admin.session_name.as_deref(), Some("jb"));
        assert_eq!(admin.duration_seconds, Some(7200));
        assert_eq!(admin.source_identity.as_deref(), Some("jbrowne"));
        assert_eq!(admin.tags.get("Cost").map(String::as_str), Some("42"));
        assert_eq!(admin.transitive_tags, ["Team"]);
        // The role named by its ARN or name keeps the entry's settings.
        assert_eq!(w.role("arn:aws-us-gov:iam::012123456789:role/Admin"), admin);
        assert_eq!(w.role("Admin"), admin);
        assert_eq!(w.role("deploy").arn, "arn:aws-us-gov:iam::012123456789:role/Deploy");
        assert_eq!(
            w.role("ro"),
            RoleSettings {
                arn: "arn:aws-us-gov:iam::012123456789:role/ReadOnly".into(),
                ..RoleSettings::default()
            }
        );
        assert_eq!(w.role("Other").external_id, None);
    }
}
