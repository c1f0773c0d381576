//! AssumeRole's parameters: a role of the accounts file (a string, or an object with `arn`,
//! `external_id`, `session_name`, `duration_seconds`, `source_identity`, `tags`,
//! `transitive_tags`) merged with the flags of `stsenv role`, each value checked once against
//! the limits AWS sets, so that a bad value is an error before any prompt or STS call.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use crate::aws::arn::{is_role_arn, role_name};
use crate::base::names;
use crate::store::cache::{RoleSlot, Slot};

/// AssumeRole's allowed durations, in seconds.
pub const ROLE_DURATION: RangeInclusive<u32> = 900..=43_200;
/// The most AWS allows for a role assumed with session credentials (role chaining), and the
/// default duration of a role.
pub const CHAINED_MAX: u32 = 3600;
/// AWS allows at most 50 session tags.
const MAX_TAGS: usize = 50;

/// A role as the accounts file gives it: every field but `arn` optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleEntry {
    /// A role ARN, or a role name (`<arn prefix>role/NAME`).
    pub arn: String,
    pub external_id: Option<String>,
    pub session_name: Option<String>,
    pub duration_seconds: Option<u32>,
    pub source_identity: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub transitive_tags: Vec<String>,
}

impl RoleEntry {
    /// Every field within AWS's limits; the message names the field as the file spells it.
    pub fn check(&self) -> Result<(), String> {
        let arn = &self.arn;
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
        if let Some(d) = self.duration_seconds {
            check_duration(d, "duration_seconds")?;
        }
        if let Some(id) = &self.external_id {
            check_external_id(id, "external_id")?;
        }
        if let Some(name) = &self.session_name {
            check_iam_name(name, "session_name")?;
        }
        if let Some(id) = &self.source_identity {
            check_iam_name(id, "source_identity")?;
        }
        check_tags(&self.tags, &self.transitive_tags, "tags", "transitive_tags")
    }
}

/// What the flags of `stsenv role` ask for, over the role's own settings.
#[derive(Clone, Debug, Default)]
pub struct RoleFlags<'a> {
    pub session_name: Option<&'a str>,
    pub external_id: Option<&'a str>,
    pub duration: Option<u32>,
    pub source_identity: Option<&'a str>,
    /// `--tag K=V`, repeated.
    pub tags: &'a [String],
    /// `--transitive-tag K`, repeated.
    pub transitive_tags: &'a [String],
}

impl RoleFlags<'_> {
    /// Every flag within AWS's limits (the message names the flag).
    pub fn check(&self) -> Result<(), String> {
        if let Some(d) = self.duration {
            check_duration(d, "--duration")?;
        }
        if let Some(id) = self.external_id {
            check_external_id(id, "--external-id")?;
        }
        if let Some(name) = self.session_name {
            check_iam_name(name, "--session-name")?;
        }
        if let Some(id) = self.source_identity {
            check_iam_name(id, "--source-identity")?;
        }
        for tag in self.tags {
            parse_tag(tag)?;
        }
        Ok(())
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
}

impl AssumeRole {
    /// The role's settings with the flags over them: a flag replaces a value of the file; tags
    /// and transitive tags are added to the role's (a `--tag` replaces a tag of the same key).
    /// `default_session_name` is used when neither gives one.
    pub fn new(
        role: RoleEntry,
        flags: &RoleFlags,
        default_session_name: String,
    ) -> Result<AssumeRole, String> {
        flags.check()?;
        let mut tags = role.tags;
        for tag in flags.tags {
            let (key, value) = parse_tag(tag)?;
            tags.retain(|k, _| !k.eq_ignore_ascii_case(key));
            tags.insert(key.to_owned(), value.to_owned());
        }
        let mut transitive_tags = role.transitive_tags;
        for key in flags.transitive_tags {
            if !transitive_tags.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                transitive_tags.push(key.clone());
            }
        }
        check_tags(&tags, &transitive_tags, "--tag", "--transitive-tag")?;
        let session_name = flags.session_name.map(str::to_owned).or(role.session_name);
        Ok(AssumeRole {
            arn: role.arn,
            session_name: session_name.unwrap_or(default_session_name),
            duration: flags.duration.or(role.duration_seconds).unwrap_or(CHAINED_MAX),
            external_id: flags.external_id.map(str::to_owned).or(role.external_id),
            source_identity: flags.source_identity.map(str::to_owned).or(role.source_identity),
            tags,
            transitive_tags,
        })
    }

    /// The role's name: the last part of its ARN.
    pub fn role_name(&self) -> &str {
        role_name(&self.arn)
    }

    /// The cache slot of these parameters, asked for with MFA or without: every parameter but
    /// the duration tells two entries apart.
    pub fn slot(&self, mfa: bool) -> Slot {
        Slot::Role(RoleSlot {
            arn: self.arn.clone(),
            session_name: self.session_name.clone(),
            external_id: self.external_id.clone(),
            source_identity: self.source_identity.clone(),
            tags: self.tags.clone(),
            transitive_tags: self.transitive_tags.clone(),
            mfa,
        })
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

    fn role(arn: &str) -> RoleEntry {
        RoleEntry { arn: arn.to_owned(), ..RoleEntry::default() }
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
        let transitive = ["Cost".to_owned(), "team".to_owned()];
        let flags = RoleFlags {
            session_name: Some("from-flag"),
            source_identity: Some("jbrowne"),
            tags: &tags,
            transitive_tags: &transitive,
            ..RoleFlags::default()
        };
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
            AssumeRole::new(role("arn:aws:iam::123456789012:role/a/B"), &RoleFlags::default(), "d".into())
                .unwrap();
        assert_eq!((plain.session_name.as_str(), plain.duration, plain.role_name()), ("d", 3600, "B"));
        assert!(!plain.needs_long_term_keys());
    }

    #[test]
    fn bad_values_name_the_field_or_flag() {
        let cases: Vec<(RoleEntry, &str)> = vec![
            (role("arn:aws:iam::123:role/x"), "not a role ARN"),
            (role("arn:aws:iam::123456789012:user/x"), "not a role ARN"),
            (role("has space"), "neither a role ARN nor a role name"),
            (RoleEntry { duration_seconds: Some(899), ..role("R") }, "duration_seconds 899 is out of range"),
            (RoleEntry { duration_seconds: Some(43_201), ..role("R") }, "out of range"),
            (RoleEntry { external_id: Some("x".into()), ..role("R") }, "external_id is not allowed"),
            (RoleEntry { session_name: Some("a b".into()), ..role("R") }, "session_name 'a b'"),
            (
                RoleEntry { source_identity: Some("aws:me".into()), ..role("R") },
                "source_identity 'aws:me' is not allowed",
            ),
            (
                RoleEntry { tags: [("a\"b".to_owned(), "v".to_owned())].into(), ..role("R") },
                "tags: the tag key 'a\\\"b' is not allowed",
            ),
            (
                RoleEntry { tags: [("k".to_owned(), "x".repeat(257))].into(), ..role("R") },
                "the value of tag 'k'",
            ),
            (
                RoleEntry {
                    tags: [("K".to_owned(), "1".to_owned()), ("k".to_owned(), "2".to_owned())].into(),
                    ..role("R")
                },
                "appears twice",
            ),
            (
                RoleEntry { transitive_tags: vec!["Team".into()], ..role("R") },
                "transitive_tags 'Team' is not one",
            ),
        ];
        for (entry, needle) in cases {
            let e = entry.check().unwrap_err();
            assert!(e.contains(needle), "{entry:?}: {e}");
            assert!(!e.contains("file-id"));
        }
        let no_eq = ["Team".to_owned()];
        let flags = RoleFlags { tags: &no_eq, ..RoleFlags::default() };
        assert!(flags.check().unwrap_err().contains("--tag 'Team' has no '='"));
        let flags = RoleFlags { transitive_tags: &no_eq, ..RoleFlags::default() };
        let e = AssumeRole::new(role("R"), &flags, "d".into()).unwrap_err();
        assert!(e.contains("--transitive-tag 'Team' is not one of the session tags"), "{e}");
        let flags = RoleFlags { duration: Some(60), ..RoleFlags::default() };
        assert!(flags.check().unwrap_err().starts_with("--duration 60 is out of range"));
        for ok in [
            "arn:aws:iam::123456789012:role/Admin",
            "arn:aws-cn:iam::123456789012:role/path/to/R",
            "ReadOnly",
            "role/x",
        ] {
            role(ok).check().unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
    }
}
