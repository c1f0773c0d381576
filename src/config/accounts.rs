//! The accounts file: which AWS account each name is, and its MFA, region, duration and roles.
//!
//! Each key is an account name; each value is the old tool's ARN prefix string
//! (`"arn:aws:iam::987654321012:"`) or an object with `arn` and optional fields.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::aws::arn;
use crate::aws::assume_role::RoleEntry;
use crate::aws::partition::Partition;
use crate::base::env::Env;
use crate::base::error::{self, Result};
use crate::base::names;

/// GetSessionToken's allowed durations, in seconds.
pub const SESSION_DURATION: std::ops::RangeInclusive<u32> = 900..=129_600;
/// The default GetSessionToken duration (12 hours).
pub const DEFAULT_SESSION_DURATION: u32 = 43_200;

/// The old tool's default accounts file.
pub const LEGACY_PATH: &str = "/etc/default/aws-sts-helpers/accounts.json";

const FIELDS: &[&str] =
    &["arn", "user", "mfa_serial", "mfa_process", "region", "duration_seconds", "roles", "key_process"];

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
    pub roles: BTreeMap<String, RoleEntry>,
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
    pub fn role(&self, role: &str) -> RoleEntry {
        let by_key = self.roles.iter().find(|(key, _)| key.eq_ignore_ascii_case(role)).map(|(_, r)| r);
        let mut entry = match by_key {
            Some(entry) => entry.clone(),
            None => {
                let arn = self.full_role_arn(role);
                self.roles
                    .values()
                    .find(|r| self.full_role_arn(&r.arn) == arn)
                    .cloned()
                    .unwrap_or_else(|| RoleEntry { arn: role.to_owned(), ..RoleEntry::default() })
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
    pub fn check_role(&self, typed: &str) -> Result<()> {
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
    /// Find the accounts file: `--config`, `$STSENV_CONFIG`, `<config dir>/stsenv/accounts.json`,
    /// then the old tool's default. An explicitly named file must exist.
    pub fn locate(flag: Option<&Path>, env: &Env) -> Result<Option<PathBuf>> {
        if let Some(path) = flag {
            return must_exist(path, "--config");
        }
        if let Some(path) = env.get("STSENV_CONFIG") {
            return must_exist(Path::new(path), "$STSENV_CONFIG");
        }
        let candidates = config_dir(env)
            .map(|dir| dir.join("stsenv").join("accounts.json"))
            .into_iter()
            .chain(std::iter::once(PathBuf::from(LEGACY_PATH)));
        for path in candidates {
            if path.is_file() {
                return Ok(Some(path));
            }
        }
        Ok(None)
    }

    /// Where a new accounts file goes: `$STSENV_CONFIG`, else `<config dir>/stsenv/accounts.json`.
    pub fn default_path(env: &Env) -> Option<PathBuf> {
        if let Some(path) = env.get("STSENV_CONFIG") {
            return Some(PathBuf::from(path));
        }
        config_dir(env).map(|dir| dir.join("stsenv").join("accounts.json"))
    }

    /// Locate and load the accounts file; no file is an empty set of accounts.
    pub fn load(flag: Option<&Path>, env: &Env) -> Result<Accounts> {
        match Accounts::locate(flag, env)? {
            Some(path) => Accounts::read(&path),
            None => Ok(Accounts::default()),
        }
    }

    /// Read and parse one accounts file.
    pub fn read(path: &Path) -> Result<Accounts> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            error::usage(format!(
                "cannot read the accounts file {}: {}",
                path.display(),
                error::io_reason(&e)
            ))
        })?;
        let mut accounts =
            Accounts::parse(&text).map_err(|e| error::usage(format!("{}:{}", path.display(), e)))?;
        accounts.path = Some(path.to_owned());
        Ok(accounts)
    }

    /// Parse the text of an accounts file. Errors start with `line:column: `.
    pub fn parse(text: &str) -> std::result::Result<Accounts, String> {
        let file: File = serde_json::from_str(text).map_err(describe_json_error)?;
        Ok(Accounts { path: None, accounts: file.0 })
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

fn must_exist(path: &Path, source: &str) -> Result<Option<PathBuf>> {
    if path.is_file() {
        Ok(Some(path.to_owned()))
    } else if path.is_dir() {
        Err(error::usage(format!(
            "the accounts file {} (from {source}) is a directory; point {source} at the JSON file",
            path.display()
        )))
    } else {
        Err(error::usage(format!(
            "the accounts file {} (from {source}) does not exist; create it or point {source} at it",
            path.display()
        )))
    }
}

/// `$XDG_CONFIG_HOME` when set (as the XDG spec says, also on macOS), else the platform's.
fn config_dir(env: &Env) -> Option<PathBuf> {
    if let Some(dir) = env.get("XDG_CONFIG_HOME").filter(|d| Path::new(d).is_absolute()) {
        return Some(PathBuf::from(dir));
    }
    directories::BaseDirs::new().map(|b| b.config_dir().to_owned())
}

/// serde_json's message as `line:column: message`, with a suggestion for a misspelt field
/// (among the fields of the object it is in: an account's, or a role's).
fn describe_json_error(e: serde_json::Error) -> String {
    let full = e.to_string();
    let message = match full.rfind(" at line ") {
        Some(i) if e.line() > 0 => &full[..i],
        _ => full.as_str(),
    };
    let mut out = format!("{}:{}: {}", e.line(), e.column(), message);
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((field, expected)) = rest.split_once('`')
    {
        // serde lists the expected fields in backquotes after the unknown one.
        let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let candidates = if candidates.is_empty() { FIELDS.to_vec() } else { candidates };
        if let Some(close) = names::closest(field, candidates.iter().copied()) {
            out = format!("{}:{}: unknown field `{field}` (did you mean `{close}`?)", e.line(), e.column());
        }
    }
    out
}

/// The file's top level: accounts in file order.
struct File(Vec<Account>);

impl<'de> Deserialize<'de> for File {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct FileVisitor;
        impl<'de> Visitor<'de> for FileVisitor {
            type Value = File;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object mapping account names to ARN prefixes")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<File, A::Error> {
                let mut accounts: Vec<Account> = Vec::new();
                // The names seen, lowercased: a search of `accounts` per entry made a file of
                // 1,000 accounts quadratic to read.
                let mut seen = std::collections::HashSet::new();
                while let Some(name) = map.next_key::<String>()? {
                    if !names::is_valid(&name) {
                        return Err(de::Error::custom(names::invalid_message(&name)));
                    }
                    if !seen.insert(name.to_ascii_lowercase()) {
                        return Err(de::Error::custom(format!(
                            "account '{name}' appears twice (names are compared ignoring case)"
                        )));
                    }
                    let entry: Entry = map.next_value()?;
                    accounts.push(entry.into_account(name).map_err(de::Error::custom)?);
                }
                Ok(File(accounts))
            }
        }
        deserializer.deserialize_map(FileVisitor)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fields {
    arn: String,
    user: Option<String>,
    mfa_serial: Option<String>,
    mfa_process: Option<Argv>,
    region: Option<String>,
    duration_seconds: Option<u32>,
    roles: Option<BTreeMap<String, RoleValue>>,
    key_process: Option<Argv>,
}

/// A value of `roles`: a role ARN or name, or an object with `arn` and how to assume it.
enum RoleValue {
    Arn(String),
    Fields(RoleFields),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleFields {
    arn: String,
    external_id: Option<String>,
    session_name: Option<String>,
    duration_seconds: Option<u32>,
    source_identity: Option<String>,
    tags: Option<BTreeMap<String, String>>,
    transitive_tags: Option<Vec<String>>,
}

impl<'de> Deserialize<'de> for RoleValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct RoleVisitor;
        impl<'de> Visitor<'de> for RoleVisitor {
            type Value = RoleValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a role ARN or name, or an object with \"arn\" (and external_id, session_name, duration_seconds, source_identity, tags, transitive_tags)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<RoleValue, E> {
                Ok(RoleValue::Arn(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<RoleValue, A::Error> {
                RoleFields::deserialize(de::value::MapAccessDeserializer::new(map)).map(RoleValue::Fields)
            }
        }
        deserializer.deserialize_any(RoleVisitor)
    }
}

impl RoleValue {
    fn into_entry(self) -> RoleEntry {
        match self {
            RoleValue::Arn(arn) => RoleEntry { arn, ..RoleEntry::default() },
            RoleValue::Fields(f) => RoleEntry {
                arn: f.arn,
                external_id: f.external_id,
                session_name: f.session_name,
                duration_seconds: f.duration_seconds,
                source_identity: f.source_identity,
                tags: f.tags.unwrap_or_default(),
                transitive_tags: f.transitive_tags.unwrap_or_default(),
            },
        }
    }
}

/// `mfa_process`: a JSON array of strings (the argv), or a string split on whitespace (no
/// quoting: use the array form for an argument with a space).
struct Argv(Vec<String>);

impl<'de> Deserialize<'de> for Argv {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct ArgvVisitor;
        impl<'de> Visitor<'de> for ArgvVisitor {
            type Value = Argv;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a command: an array of strings like [\"ykman\", \"oath\", \"accounts\", \"code\", \"-s\", \"aws\"], or a string split on spaces")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Argv, E> {
                Ok(Argv(v.split_whitespace().map(str::to_owned).collect()))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Argv, A::Error> {
                let mut argv = Vec::new();
                while let Some(arg) = seq.next_element::<String>()? {
                    argv.push(arg);
                }
                Ok(Argv(argv))
            }
        }
        deserializer.deserialize_any(ArgvVisitor)
    }
}

enum Entry {
    Prefix(String),
    Fields(Fields),
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct EntryVisitor;
        impl<'de> Visitor<'de> for EntryVisitor {
            type Value = Entry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an ARN prefix like \"arn:aws:iam::123456789012:\" or an object with \"arn\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Entry, E> {
                Ok(Entry::Prefix(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<Entry, A::Error> {
                Fields::deserialize(de::value::MapAccessDeserializer::new(map)).map(Entry::Fields)
            }
        }
        deserializer.deserialize_any(EntryVisitor)
    }
}

impl Entry {
    fn into_account(self, name: String) -> std::result::Result<Account, String> {
        let fields = match self {
            Entry::Prefix(arn) => Fields {
                arn,
                user: None,
                mfa_serial: None,
                mfa_process: None,
                region: None,
                duration_seconds: None,
                roles: None,
                key_process: None,
            },
            Entry::Fields(fields) => fields,
        };
        let arn = arn::arn_prefix(&fields.arn).ok_or_else(|| {
            format!("account '{name}': \"arn\" must be an IAM ARN prefix like \"arn:aws:iam::123456789012:\"")
        })?;
        if let Some(d) = fields.duration_seconds
            && !SESSION_DURATION.contains(&d)
        {
            return Err(format!(
                "account '{name}': duration_seconds {d} is out of range; GetSessionToken allows 900 to 129600"
            ));
        }
        for (field, value) in
            [("user", &fields.user), ("mfa_serial", &fields.mfa_serial), ("region", &fields.region)]
        {
            if let Some(v) = value
                && (v.is_empty() || v.chars().any(|c| c.is_whitespace() || c.is_control()))
            {
                return Err(format!(
                    "account '{name}': \"{field}\" must be a non-empty value without spaces"
                ));
            }
        }
        if let Some(region) = &fields.region
            && !region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(format!(
                "account '{name}': region \"{region}\" is not a region name like \"eu-west-1\""
            ));
        }
        let mfa_process = fields.mfa_process.map(|argv| argv.0);
        let key_process = fields.key_process.map(|argv| argv.0);
        for (field, argv, what) in [
            ("mfa_process", &mfa_process, "the MFA code"),
            ("key_process", &key_process, "the long-term keys as credential_process JSON"),
        ] {
            let Some(argv) = argv else { continue };
            if argv.first().is_none_or(|program| program.is_empty()) {
                return Err(format!(
                    "account '{name}': \"{field}\" is empty; give the command that prints {what}"
                ));
            }
            if argv.iter().any(|arg| arg.contains('\0')) {
                return Err(format!("account '{name}': \"{field}\" contains a NUL character"));
            }
        }
        let mut roles = BTreeMap::new();
        for (key, value) in fields.roles.unwrap_or_default() {
            let entry = value.into_entry();
            entry.check().map_err(|e| format!("account '{name}': role '{key}': {e}"))?;
            roles.insert(key, entry);
        }
        Ok(Account {
            name,
            arn,
            user: fields.user,
            mfa_serial: fields.mfa_serial,
            mfa_process,
            region: fields.region,
            duration_seconds: fields.duration_seconds,
            roles,
            key_process,
        })
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
        assert_eq!(w.role_arn("role/amdin"), "arn:aws:iam::012123456789:role/amdin");
        assert_eq!(w.describe_roles(), ["admin (Admin)", "deploy"]);
    }

    #[test]
    fn misspelt_field_named_with_position() {
        let e =
            Accounts::parse("{\n  \"w\": {\"arn\": \"arn:aws:iam::012123456789:\",\n   \"regoin\": \"x\"}}")
                .unwrap_err();
        assert_eq!(e, "3:11: unknown field `regoin` (did you mean `region`?)");
    }

    #[test]
    fn the_example_file_parses() {
        let text = include_str!("../../accounts.example.json");
        let a = Accounts::parse(text).unwrap();
        assert_eq!(a.find("work").unwrap().role("deploy").duration_seconds, Some(7200));
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
            RoleEntry {
                arn: "arn:aws-us-gov:iam::012123456789:role/ReadOnly".into(),
                ..RoleEntry::default()
            }
        );
        assert_eq!(w.role("Other").external_id, None);
    }

    #[test]
    fn misspelt_role_field_named_with_position() {
        let text = "{\"w\": {\"arn\": \"arn:aws:iam::012123456789:\",\n  \"roles\": {\"admin\": {\"arn\": \"Admin\",\n    \"extrnal_id\": \"x\"}}}}";
        let e = Accounts::parse(text).unwrap_err();
        assert_eq!(e, "3:16: unknown field `extrnal_id` (did you mean `external_id`?)");
        let e = Accounts::parse(
            r#"{"w": {"arn": "arn:aws:iam::012123456789:", "roles": {"a": {"arn": "A", "duration_seconds": 60}}}}"#,
        )
        .unwrap_err();
        assert!(e.contains("account 'w': role 'a': duration_seconds 60 is out of range"), "{e}");
        let e = Accounts::parse(
            r#"{"w": {"arn": "arn:aws:iam::012123456789:", "roles": {"a": {"session_name": "x"}}}}"#,
        )
        .unwrap_err();
        assert!(e.contains("missing field `arn`"), "{e}");
        let e = Accounts::parse(r#"{"w": {"arn": "arn:aws:iam::012123456789:", "roles": {"a": 5}}}"#)
            .unwrap_err();
        assert!(e.contains("a role ARN or name, or an object"), "{e}");
    }

    #[test]
    fn mfa_process_as_array_or_string() {
        let a = Accounts::parse(
            r#"{"a": {"arn": "arn:aws:iam::012123456789:", "mfa_process": ["pass", "otp", "aws two"]},
                "b": {"arn": "arn:aws:iam::012123456789:", "mfa_process": "  ykman oath accounts code -s aws "},
                "c": "arn:aws:iam::012123456789:"}"#,
        )
        .unwrap();
        assert_eq!(a.find("a").unwrap().mfa_process.as_deref().unwrap(), ["pass", "otp", "aws two"]);
        assert_eq!(
            a.find("b").unwrap().mfa_process.as_deref().unwrap(),
            ["ykman", "oath", "accounts", "code", "-s", "aws"]
        );
        assert_eq!(a.find("c").unwrap().mfa_process, None);
    }

    #[test]
    fn bad_values() {
        for (text, needle) in [
            (r#"{"w": "arn:aws:iam::123:"}"#, "IAM ARN prefix"),
            (r#"{"w": {"arn": "arn:aws:iam::012123456789:", "duration_seconds": 60}}"#, "out of range"),
            (r#"{"../x": "arn:aws:iam::012123456789:"}"#, "not a valid account name"),
            (r#"{"a": "arn:aws:iam::012123456789:", "A": "arn:aws:iam::012123456789:"}"#, "appears twice"),
            (r#"{"w": {"user": "x"}}"#, "missing field `arn`"),
            (r#"{"w": 5}"#, "invalid type"),
            (
                r#"{"w": {"arn": "arn:aws:iam::012123456789:", "mfa_process": " "}}"#,
                "\"mfa_process\" is empty",
            ),
            (
                r#"{"w": {"arn": "arn:aws:iam::012123456789:", "mfa_process": []}}"#,
                "\"mfa_process\" is empty",
            ),
            (r#"{"w": {"arn": "arn:aws:iam::012123456789:", "mfa_process": 5}}"#, "an array of strings"),
            (r#"{"w": {"arn": "arn:aws:iam::012123456789:", "mfa_process": [1]}}"#, "invalid type"),
            (
                r#"{"w": {"arn": "arn:aws:iam::012123456789:", "mfa_procss": "x"}}"#,
                "did you mean `mfa_process`",
            ),
            ("{\"w\": \"arn:aws:iam::012123456789:\",}", "1:"),
            ("[]", "invalid type"),
        ] {
            let e = Accounts::parse(text).unwrap_err();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }
}
