//! Reading the accounts file's JSON: serde visitors for both forms, errors with line and column.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::{Account, SESSION_DURATION};
use crate::aws::arn;
use crate::aws::assume_role::{RoleSettings, Written};
use crate::aws::session_policy::PolicySource;
use crate::base::names;

const FIELDS: &[&str] =
    &["arn", "user", "mfa_serial", "mfa_process", "region", "duration_seconds", "roles", "key_process"];

/// The accounts of an accounts file's text, in file order. Errors start with `line:column: `.
pub(super) fn accounts(text: &str) -> std::result::Result<Vec<Account>, String> {
    let file: File = serde_json::from_str(text).map_err(describe_json_error)?;
    Ok(file.0)
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
    roles: Option<BTreeMap<String, RoleSettings>>,
    key_process: Option<Argv>,
}

/// The fields of a role object, in the order errors list them.
const ROLE_FIELDS: &[&str] = &[
    "arn",
    "external_id",
    "session_name",
    "duration_seconds",
    "source_identity",
    "tags",
    "transitive_tags",
    "policy",
    "policy_arns",
];

/// A value of `roles`: a role ARN or name, or an object with `arn` and how to assume it (the
/// fields of [`ROLE_FIELDS`], each at most once, `arn` required).
impl<'de> Deserialize<'de> for RoleSettings {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct RoleVisitor;
        impl<'de> Visitor<'de> for RoleVisitor {
            type Value = RoleSettings;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a role ARN or name, or an object with \"arn\" (and external_id, session_name, duration_seconds, source_identity, tags, transitive_tags, policy, policy_arns)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<RoleSettings, E> {
                Ok(RoleSettings { arn: v.to_owned(), ..RoleSettings::default() })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<RoleSettings, A::Error> {
                let mut role = RoleSettings::default();
                let mut arn = None;
                let mut seen: Vec<&'static str> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let Some(field) = ROLE_FIELDS.iter().copied().find(|f| *f == key) else {
                        return Err(de::Error::unknown_field(&key, ROLE_FIELDS));
                    };
                    if seen.contains(&field) {
                        return Err(de::Error::duplicate_field(field));
                    }
                    seen.push(field);
                    match field {
                        "arn" => arn = Some(map.next_value::<String>()?),
                        "external_id" => role.external_id = map.next_value()?,
                        "session_name" => role.session_name = map.next_value()?,
                        "duration_seconds" => role.duration_seconds = map.next_value()?,
                        "source_identity" => role.source_identity = map.next_value()?,
                        "tags" => role.tags = map.next_value::<Option<_>>()?.unwrap_or_default(),
                        "transitive_tags" => {
                            role.transitive_tags = map.next_value::<Option<_>>()?.unwrap_or_default()
                        }
                        "policy" => role.policy = policy(map.next_value()?).map_err(de::Error::custom)?,
                        _ => role.policy_arns = map.next_value::<Option<_>>()?.unwrap_or_default(),
                    }
                }
                role.arn = arn.ok_or_else(|| de::Error::missing_field("arn"))?;
                Ok(role)
            }
        }
        deserializer.deserialize_any(RoleVisitor)
    }
}

/// A role's `policy`: the policy document as a JSON object, a string holding it, or `"@FILE"`.
fn policy(value: serde_json::Value) -> std::result::Result<Option<PolicySource>, String> {
    match value {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::String(text) => Ok(Some(PolicySource::parse(&text))),
        object @ serde_json::Value::Object(_) => Ok(Some(PolicySource::Json(object.to_string()))),
        _ => Err("\"policy\" must be a policy document: a JSON object, a string holding one, or \"@FILE\""
            .to_owned()),
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
        for (key, role) in fields.roles.unwrap_or_default() {
            // A key is typed, completed and listed as a name: never a control character or
            // shell syntax.
            if !names::is_valid(&key) {
                return Err(names::invalid_role_key_message(&name, &key));
            }
            role.check(Written::File).map_err(|e| format!("account '{name}': role '{key}': {e}"))?;
            roles.insert(key, role);
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
    use super::super::Accounts;

    #[test]
    fn misspelt_field_named_with_position() {
        let e =
            Accounts::parse("{\n  \"w\": {\"arn\": \"arn:aws:iam::012123456789:\",\n   \"regoin\": \"x\"}}")
                .unwrap_err();
        assert_eq!(e, "3:11: unknown field `regoin` (did you mean `region`?)");
    }

    #[test]
    fn the_example_file_parses() {
        let text = include_str!("../../../accounts.example.json");
        let a = Accounts::parse(text).unwrap();
        assert_eq!(a.find("work").unwrap().role("deploy").duration_seconds, Some(7200));
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
    fn policy_as_object_string_or_file() {
        use crate::aws::session_policy::PolicySource;
        let a = Accounts::parse(
            r#"{"w": {"arn": "arn:aws:iam::012123456789:", "roles": {
                "obj": {"arn": "A", "policy": {"Version": "2012-10-17", "Statement": []},
                        "policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]},
                "text": {"arn": "A", "policy": "{\"Version\": \"2012-10-17\"}"},
                "file": {"arn": "A", "policy": "@policies/a.json"}}}}"#,
        )
        .unwrap();
        let w = a.find("w").unwrap();
        assert_eq!(
            w.role("obj").policy,
            Some(PolicySource::Json(r#"{"Statement":[],"Version":"2012-10-17"}"#.into()))
        );
        assert_eq!(w.role("obj").policy_arns, ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
        assert_eq!(w.role("text").policy, Some(PolicySource::Json("{\"Version\": \"2012-10-17\"}".into())));
        assert_eq!(w.role("file").policy, Some(PolicySource::File("policies/a.json".into())));
        for (role, needle) in [
            (
                r#"{"arn": "A", "policy": "{not json"}"#,
                "account 'w': role 'a': policy is not a JSON policy document",
            ),
            (r#"{"arn": "A", "policy": 5}"#, "\"policy\" must be a policy document"),
            (
                r#"{"arn": "A", "policy_arns": ["ReadOnlyAccess"]}"#,
                "policy_arns 'ReadOnlyAccess' is not a managed policy ARN",
            ),
            (r#"{"arn": "A", "polcy": {}}"#, "did you mean `policy`"),
        ] {
            let text =
                format!(r#"{{"w": {{"arn": "arn:aws:iam::012123456789:", "roles": {{"a": {role}}}}}}}"#);
            let e = Accounts::parse(&text).unwrap_err();
            assert!(e.contains(needle), "{role}: {e}");
        }
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
            (
                r#"{"w": {"arn": "arn:aws:iam::012123456789:", "roles": {"\u001b[31m": "Admin"}}}"#,
                "account 'w': role key '\\u{1b}[31m' is not allowed",
            ),
            (
                r#"{"w": {"arn": "arn:aws:iam::012123456789:", "roles": {"a b": "Admin"}}}"#,
                "role key 'a b' is not allowed",
            ),
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
