//! AssumeRole's parameters: the settings as written ([`RoleSettings`]: a role of the accounts
//! file, the flags of `stsenv role`), merged by one rule into the call sent ([`AssumeRole`]),
//! each value checked once against the limits AWS sets, so that a bad value is an error before
//! any prompt or STS call. The cache slot of a call is the store's (`crate::store`).

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::path::Path;

use crate::aws::arn::{self, is_role_arn, role_name};
use crate::aws::session_policy::{self, PolicySource};
use crate::base::names;

/// AssumeRole's allowed durations, in seconds.
pub const ROLE_DURATION: RangeInclusive<u32> = 900..=43_200;
/// The most AWS allows for a role assumed with session credentials (role chaining), and the
/// default duration of a role.
pub const CHAINED_MAX: u32 = 3600;
/// AWS allows at most 50 session tags.
const MAX_TAGS: usize = 50;

/// A role's settings as they are written: a role of the accounts file (a string, or an object
/// with `arn` and the fields below), or what the flags of `stsenv role` ask for (`arn` is then
/// the role as typed: an ARN, a key of `roles` or a role name). Every field but `arn` is
/// optional; [`RoleSettings::over`] is the one rule that puts the flags over the file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleSettings {
    /// A role ARN, or a role name (`<arn prefix>role/NAME`); from the command line also a key of
    /// `roles`.
    pub arn: String,
    pub external_id: Option<String>,
    pub session_name: Option<String>,
    pub duration_seconds: Option<u32>,
    pub source_identity: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub transitive_tags: Vec<String>,
    /// An inline session policy: JSON, or `@FILE` (read by [`RoleSettings::load_policy`]).
    pub policy: Option<PolicySource>,
    /// Managed session policies, by ARN.
    pub policy_arns: Vec<String>,
}

/// Where settings were written, for the names of their fields in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// A role object of the accounts file: `duration_seconds`, `tags`.
    File,
    /// The flags of `stsenv role`: `--duration`, `--tag`.
    Flags,
}

impl Written {
    fn name(self, field: &'static str) -> &'static str {
        match (self, field) {
            (Written::File, field) => field,
            (Written::Flags, "duration_seconds") => "--duration",
            (Written::Flags, "external_id") => "--external-id",
            (Written::Flags, "session_name") => "--session-name",
            (Written::Flags, "source_identity") => "--source-identity",
            (Written::Flags, "tags") => "--tag",
            (Written::Flags, "transitive_tags") => "--transitive-tag",
            (Written::Flags, "policy") => "--policy",
            (Written::Flags, "policy_arns") => "--policy-arn",
            (Written::Flags, field) => field,
        }
    }
}

impl RoleSettings {
    /// Every field within AWS's limits; the message names the field as it was written. A role
    /// of the file must name a role; the flags' role is resolved later (it may be a key), and
    /// their tags are checked once merged.
    pub fn check(&self, written: Written) -> Result<(), String> {
        if written == Written::File {
            check_role(&self.arn)?;
        }
        if let Some(d) = self.duration_seconds {
            check_duration(d, written.name("duration_seconds"))?;
        }
        if let Some(id) = &self.external_id {
            check_external_id(id, written.name("external_id"))?;
        }
        if let Some(name) = &self.session_name {
            check_iam_name(name, written.name("session_name"))?;
        }
        if let Some(id) = &self.source_identity {
            check_iam_name(id, written.name("source_identity"))?;
        }
        if written == Written::File {
            check_tags(&self.tags, &self.transitive_tags, "tags", "transitive_tags")?;
        }
        if let Some(policy) = &self.policy {
            policy.check(written.name("policy"))?;
        }
        session_policy::check_arns(&self.policy_arns, None, written.name("policy_arns"))?;
        Ok(())
    }

    /// The policy file (`@FILE`) read and checked, a relative path taken from `base` (the
    /// accounts file's directory for a role of the file, the current one for `--policy`); the
    /// document is then JSON text as AWS is sent it.
    pub fn load_policy(&mut self, written: Written, base: &Path, home: &Path) -> Result<(), String> {
        if let Some(policy) = &self.policy {
            let text = policy.load(written.name("policy"), base, home)?;
            self.policy = Some(PolicySource::Json(text));
        }
        Ok(())
    }

    /// `--tag KEY=VALUE` flags as tags: a later flag replaces an earlier one of the same key
    /// (ignoring case, as AWS compares them).
    pub fn add_tag_flags(&mut self, flags: &[String]) -> Result<(), String> {
        for tag in flags {
            let (key, value) = parse_tag(tag)?;
            insert_tag(&mut self.tags, key, value);
        }
        Ok(())
    }

    /// These settings (the flags) over `base` (the role of the file): a value set here
    /// replaces the file's; tags and transitive tags are added to the file's (a tag replaces one
    /// of the same key). The role is `base`'s.
    pub fn over(&self, base: RoleSettings) -> RoleSettings {
        let mut tags = base.tags;
        for (key, value) in &self.tags {
            insert_tag(&mut tags, key, value);
        }
        let mut transitive_tags = base.transitive_tags;
        for key in &self.transitive_tags {
            if !transitive_tags.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                transitive_tags.push(key.clone());
            }
        }
        RoleSettings {
            arn: base.arn,
            external_id: self.external_id.clone().or(base.external_id),
            session_name: self.session_name.clone().or(base.session_name),
            duration_seconds: self.duration_seconds.or(base.duration_seconds),
            source_identity: self.source_identity.clone().or(base.source_identity),
            tags,
            transitive_tags,
            // Session policies are not added up: more of them would allow more.
            policy: self.policy.clone().or(base.policy),
            policy_arns: if self.policy_arns.is_empty() {
                base.policy_arns
            } else {
                self.policy_arns.clone()
            },
        }
    }
}

fn insert_tag(tags: &mut BTreeMap<String, String>, key: &str, value: &str) {
    tags.retain(|k, _| !k.eq_ignore_ascii_case(key));
    tags.insert(key.to_owned(), value.to_owned());
}

/// A role of the file: a role ARN, or a role name.
fn check_role(arn: &str) -> Result<(), String> {
    if arn.starts_with("arn:") {
        if !is_role_arn(arn) {
            return Err(format!(
                "\"arn\" \"{}\" is not a role ARN like \"arn:aws:iam::123456789012:role/Admin\"",
                arn.escape_default()
            ));
        }
    } else if arn.trim_start_matches("role/").is_empty()
        || !arn.trim_start_matches("role/").chars().all(|c| names::is_iam_char(c) || c == '/')
    {
        return Err(format!(
            "\"arn\" \"{}\" is neither a role ARN nor a role name (letters, digits and +=,.@_-)",
            arn.escape_default()
        ));
    }
    Ok(())
}

/// A role as typed (`stsenv role ROLE`, `--role ROLE`): a role ARN, or a key of `roles` or a
/// role name (`role/` and a path before it allowed), of the characters IAM allows in role names,
/// 1 to 64 of them. Checked before any lock file, prompt or call, so a typo costs nothing.
pub fn check_typed_role(typed: &str) -> Result<(), String> {
    if typed.starts_with("arn:") {
        if is_role_arn(typed) {
            return Ok(());
        }
        return Err(format!(
            "'{}' is not a role ARN like arn:aws:iam::123456789012:role/Admin",
            typed.escape_default()
        ));
    }
    let path = typed.strip_prefix("role/").unwrap_or(typed);
    let name = role_name(path);
    let ok = !path.starts_with('/')
        && !path.contains("//")
        && (1..=64).contains(&name.len())
        && path.len() <= 576
        && path.chars().all(|c| names::is_iam_char(c) || c == '/');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{}' is not a role name: use a key of the account's \"roles\", a role name of 1 to 64 letters, digits and +=,.@_-, or a role ARN",
            typed.escape_default()
        ))
    }
}

/// Everything AssumeRole is sent besides the caller's credentials and MFA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRole {
    pub arn: String,
    pub session_name: String,
    /// Seconds: the flag, else the role's `duration_seconds`, else 3600.
    pub duration: u32,
    pub external_id: Option<String>,
    pub source_identity: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub transitive_tags: Vec<String>,
    /// The inline session policy, as sent (`session_policy::pack`).
    pub policy: Option<String>,
    /// The managed session policies, in the order written.
    pub policy_arns: Vec<String>,
}

impl AssumeRole {
    /// The call for the role of the file (`role`, its ARN full) with the flags over it
    /// ([`RoleSettings::over`]), every value within AWS's limits. `default_session_name` is
    /// used when neither gives one; the duration defaults to 3600 s. Policy files must have
    /// been read ([`RoleSettings::load_policy`]); policy ARNs must be of the role's partition.
    pub fn new(
        role: RoleSettings,
        flags: &RoleSettings,
        default_session_name: String,
    ) -> Result<AssumeRole, String> {
        flags.check(Written::Flags)?;
        let partition = arn::partition(&role.arn).filter(|_| is_role_arn(&role.arn));
        session_policy::check_arns(&role.policy_arns, partition, Written::File.name("policy_arns"))?;
        session_policy::check_arns(&flags.policy_arns, partition, Written::Flags.name("policy_arns"))?;
        let role = flags.over(role);
        check_tags(&role.tags, &role.transitive_tags, "--tag", "--transitive-tag")?;
        let policy = match &role.policy {
            None => None,
            Some(PolicySource::Json(text)) => Some(session_policy::pack(text, "policy")?),
            Some(PolicySource::File(path)) => return Err(format!("the policy file @{path} was not read")),
        };
        Ok(AssumeRole {
            arn: role.arn,
            session_name: role.session_name.unwrap_or(default_session_name),
            duration: role.duration_seconds.unwrap_or(CHAINED_MAX),
            external_id: role.external_id,
            source_identity: role.source_identity,
            tags: role.tags,
            transitive_tags: role.transitive_tags,
            policy,
            policy_arns: role.policy_arns,
        })
    }

    /// The role's name: the last part of its ARN.
    pub fn role_name(&self) -> &str {
        role_name(&self.arn)
    }

    /// Whether AWS would refuse this duration for a role chained from session credentials.
    pub fn needs_long_term_keys(&self) -> bool {
        self.duration > CHAINED_MAX
    }
}

fn check_duration(d: u32, what: &str) -> Result<(), String> {
    if ROLE_DURATION.contains(&d) {
        Ok(())
    } else {
        Err(format!("{what} {d} is out of range: AssumeRole allows 900 to 43200 seconds"))
    }
}

/// 2 to 1224 of letters, digits and `+=,.@:/-` (the value is not shown: it guards the role).
fn check_external_id(id: &str, what: &str) -> Result<(), String> {
    let ok =
        (2..=1224).contains(&id.len()) && id.chars().all(|c| names::is_iam_char(c) || c == ':' || c == '/');
    if ok {
        Ok(())
    } else {
        Err(format!("{what} is not allowed: use 2 to 1224 letters, digits and +=,.@:/-"))
    }
}

/// A session name or source identity: 2 to 64 of the characters IAM allows in names.
fn check_iam_name(name: &str, what: &str) -> Result<(), String> {
    if names::is_iam_name(name, 2..=64) {
        Ok(())
    } else {
        Err(format!(
            "{what} '{}' is not allowed: use 2 to 64 letters, digits and +=,.@_-",
            name.escape_default()
        ))
    }
}

/// `--tag KEY=VALUE`: split at the first `=` (a value may hold more).
fn parse_tag(tag: &str) -> Result<(&str, &str), String> {
    let (key, value) = tag
        .split_once('=')
        .ok_or_else(|| format!("--tag '{}' has no '=': write --tag KEY=VALUE", tag.escape_default()))?;
    check_tag(key, value, "--tag")?;
    Ok((key, value))
}

/// Tag keys 1-128 and values 0-256 of letters, digits, spaces and `_.:/=+-@`; no `aws:` key.
fn check_tag(key: &str, value: &str, what: &str) -> Result<(), String> {
    let allowed = |s: &str| s.chars().all(|c| c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c));
    if !(1..=128).contains(&key.chars().count()) || !allowed(key) {
        return Err(format!(
            "{what}: the tag key '{}' is not allowed: use 1 to 128 letters, digits, spaces and _.:/=+-@",
            key.escape_default()
        ));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(format!(
            "{what}: the tag key '{}' starts with aws:, which AWS keeps",
            key.escape_default()
        ));
    }
    if value.chars().count() > 256 || !allowed(value) {
        return Err(format!(
            "{what}: the value of tag '{}' is not allowed: use up to 256 letters, digits, spaces and _.:/=+-@",
            key.escape_default()
        ));
    }
    Ok(())
}

/// Each tag well-formed, keys unique ignoring case, at most 50, and every transitive key a tag.
fn check_tags(
    tags: &BTreeMap<String, String>,
    transitive: &[String],
    tags_what: &str,
    transitive_what: &str,
) -> Result<(), String> {
    for (key, value) in tags {
        check_tag(key, value, tags_what)?;
    }
    let mut seen: Vec<String> = Vec::new();
    for key in tags.keys() {
        let lower = key.to_lowercase();
        if seen.contains(&lower) {
            return Err(format!(
                "{tags_what}: the tag key '{}' appears twice (AWS compares tag keys ignoring case)",
                key.escape_default()
            ));
        }
        seen.push(lower);
    }
    if tags.len() > MAX_TAGS {
        return Err(format!("{tags_what}: {} tags, but AWS allows at most {MAX_TAGS}", tags.len()));
    }
    for key in transitive {
        if !tags.keys().any(|k| k.eq_ignore_ascii_case(key)) {
            return Err(format!(
                "{transitive_what} '{}' is not one of the session tags; a transitive tag must also be set as a tag",
                key.escape_default()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(arn: &str) -> RoleSettings {
        RoleSettings { arn: arn.to_owned(), ..RoleSettings::default() }
    }

    #[test]
    fn flags_over_the_file() {
        let mut file = role("arn:aws:iam::123456789012:role/Admin");
        file.session_name = Some("from-file".into());
        file.duration_seconds = Some(7200);
        file.external_id = Some("file-id".into());
        file.tags.insert("Team".into(), "ops".into());
        file.tags.insert("Project".into(), "x".into());
        file.transitive_tags.push("Team".into());
        let tags = ["team=dev".to_owned(), "Cost=a=b".to_owned()];
        let mut flags = RoleSettings {
            session_name: Some("from-flag".into()),
            source_identity: Some("jbrowne".into()),
            transitive_tags: vec!["Cost".to_owned(), "team".to_owned()],
            ..RoleSettings::default()
        };
        flags.add_tag_flags(&tags).unwrap();
        let p = AssumeRole::new(file.clone(), &flags, "stsenv-x".into()).unwrap();
        assert_eq!(p.session_name, "from-flag");
        assert_eq!(p.duration, 7200);
        assert!(p.needs_long_term_keys());
        assert_eq!(p.external_id.as_deref(), Some("file-id"));
        assert_eq!(p.source_identity.as_deref(), Some("jbrowne"));
        let tags: Vec<(&str, &str)> = p.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(tags, [("Cost", "a=b"), ("Project", "x"), ("team", "dev")]);
        assert_eq!(p.transitive_tags, ["Team", "Cost"]);
        assert_eq!(p.role_name(), "Admin");
        let plain =
            AssumeRole::new(role("arn:aws:iam::123456789012:role/a/B"), &RoleSettings::default(), "d".into())
                .unwrap();
        assert_eq!((plain.session_name.as_str(), plain.duration, plain.role_name()), ("d", 3600, "B"));
        assert!(!plain.needs_long_term_keys());
    }

    #[test]
    fn session_policies_replace_the_files() {
        let read_only = "arn:aws:iam::aws:policy/ReadOnlyAccess".to_owned();
        let mut file = role("arn:aws:iam::123456789012:role/Admin");
        file.policy = Some(PolicySource::Json("{\"Version\": \"2012-10-17\"}".into()));
        file.policy_arns = vec![read_only.clone()];
        let p = AssumeRole::new(file.clone(), &RoleSettings::default(), "d".into()).unwrap();
        assert_eq!(p.policy.as_deref(), Some("{\"Version\":\"2012-10-17\"}"));
        assert_eq!(p.policy_arns, std::slice::from_ref(&read_only));
        let flags = RoleSettings {
            policy: Some(PolicySource::Json("{}".into())),
            policy_arns: vec!["arn:aws:iam::123456789012:policy/S3".into()],
            ..RoleSettings::default()
        };
        let p = AssumeRole::new(file.clone(), &flags, "d".into()).unwrap();
        assert_eq!(
            (p.policy.as_deref(), p.policy_arns.as_slice()),
            (Some("{}"), flags.policy_arns.as_slice())
        );
        // An unread file, and an ARN of another partition than the role's.
        let flags =
            RoleSettings { policy: Some(PolicySource::File("p.json".into())), ..RoleSettings::default() };
        assert!(AssumeRole::new(file.clone(), &flags, "d".into()).unwrap_err().contains("was not read"));
        let flags = RoleSettings {
            policy_arns: vec!["arn:aws-cn:iam::aws:policy/ReadOnlyAccess".into()],
            ..RoleSettings::default()
        };
        let e = AssumeRole::new(file.clone(), &flags, "d".into()).unwrap_err();
        assert!(
            e.starts_with("--policy-arn 'arn:aws-cn:iam::aws:policy/ReadOnlyAccess' is of partition aws-cn"),
            "{e}"
        );
        let bad = RoleSettings { policy: Some(PolicySource::Json("{".into())), ..RoleSettings::default() };
        assert!(bad.check(Written::Flags).unwrap_err().starts_with("--policy is not a JSON policy document"));
        let bad = RoleSettings { policy_arns: vec!["x".into()], ..role("R") };
        assert!(
            bad.check(Written::File).unwrap_err().starts_with("policy_arns 'x' is not a managed policy ARN")
        );
    }

    #[test]
    fn bad_values_name_the_field_or_flag() {
        let cases: Vec<(RoleSettings, &str)> = vec![
            (role("arn:aws:iam::123:role/x"), "not a role ARN"),
            (role("arn:aws:iam::123456789012:user/x"), "not a role ARN"),
            (role("has space"), "neither a role ARN nor a role name"),
            (
                RoleSettings { duration_seconds: Some(899), ..role("R") },
                "duration_seconds 899 is out of range",
            ),
            (RoleSettings { duration_seconds: Some(43_201), ..role("R") }, "out of range"),
            (RoleSettings { external_id: Some("x".into()), ..role("R") }, "external_id is not allowed"),
            (RoleSettings { session_name: Some("a b".into()), ..role("R") }, "session_name 'a b'"),
            (
                RoleSettings { source_identity: Some("aws:me".into()), ..role("R") },
                "source_identity 'aws:me' is not allowed",
            ),
            (
                RoleSettings { tags: [("a\"b".to_owned(), "v".to_owned())].into(), ..role("R") },
                "tags: the tag key 'a\\\"b' is not allowed",
            ),
            (
                RoleSettings { tags: [("k".to_owned(), "x".repeat(257))].into(), ..role("R") },
                "the value of tag 'k'",
            ),
            (
                RoleSettings {
                    tags: [("K".to_owned(), "1".to_owned()), ("k".to_owned(), "2".to_owned())].into(),
                    ..role("R")
                },
                "appears twice",
            ),
            (
                RoleSettings { transitive_tags: vec!["Team".into()], ..role("R") },
                "transitive_tags 'Team' is not one",
            ),
        ];
        for (entry, needle) in cases {
            let e = entry.check(Written::File).unwrap_err();
            assert!(e.contains(needle), "{entry:?}: {e}");
            assert!(!e.contains("file-id"));
        }
        let no_eq = ["Team".to_owned()];
        let mut flags = RoleSettings::default();
        assert!(flags.add_tag_flags(&no_eq).unwrap_err().contains("--tag 'Team' has no '='"));
        let flags = RoleSettings { transitive_tags: no_eq.to_vec(), ..RoleSettings::default() };
        let e = AssumeRole::new(role("R"), &flags, "d".into()).unwrap_err();
        assert!(e.contains("--transitive-tag 'Team' is not one of the session tags"), "{e}");
        let flags = RoleSettings { duration_seconds: Some(60), ..RoleSettings::default() };
        assert!(flags.check(Written::Flags).unwrap_err().starts_with("--duration 60 is out of range"));
        for ok in [
            "arn:aws:iam::123456789012:role/Admin",
            "arn:aws-cn:iam::123456789012:role/path/to/R",
            "ReadOnly",
            "role/x",
        ] {
            role(ok).check(Written::File).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
    }
}
