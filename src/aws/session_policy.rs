//! Session policies: an inline policy document (a role's `policy`, `--policy`) and managed
//! policies (`policy_arns`, `--policy-arn`) sent with AssumeRole or GetFederationToken, which
//! scope the session down to the intersection of the caller's (or role's) own policies and
//! these. Each is checked here against the limits AWS sets, before any prompt or call: the
//! document is JSON (an object), at most 2048 characters once the whitespace outside its strings
//! is removed (the plaintext AWS counts), of the characters AWS allows; at most 10 policy ARNs,
//! each a managed policy ARN of the partition of the call. (How large the policies are once AWS
//! packs them together with the session tags only AWS can say: `PackedPolicyTooLarge`.)

use std::path::{Path, PathBuf};

use crate::aws::arn;
use crate::sys::strict_modes::{self, Refusal};

/// The most characters of an inline session policy AWS takes (its plaintext, whitespace out).
pub const MAX_POLICY_CHARS: usize = 2048;
/// The most managed session policies AWS takes in one call.
pub const MAX_POLICY_ARNS: usize = 10;
/// The most of a policy file read: AWS takes 2048 characters, so a larger file is an error
/// long before this, but one with generous indentation still fits.
const FILE_LIMIT: u64 = 64 * 1024;

/// An inline policy as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicySource {
    /// The JSON document's text (a string of the accounts file or of `--policy`, or an object of
    /// the accounts file written out).
    Json(String),
    /// `@FILE`: the path as written after the `@` (read by [`PolicySource::load`]).
    File(String),
}

impl PolicySource {
    /// `--policy` or a string of the accounts file: `@FILE`, else JSON text.
    pub fn parse(text: &str) -> PolicySource {
        match text.strip_prefix('@') {
            Some(path) => PolicySource::File(path.to_owned()),
            None => PolicySource::Json(text.to_owned()),
        }
    }

    /// What can be checked without reading a file: the JSON text (see [`pack`]), or a file name
    /// that is not empty.
    pub fn check(&self, what: &str) -> Result<(), String> {
        match self {
            PolicySource::Json(text) => pack(text, what).map(|_| ()),
            PolicySource::File(path) if path.is_empty() || path.contains('\0') => {
                Err(format!("{what} '@' names no file: write @FILE, like @~/policies/read-only.json"))
            }
            PolicySource::File(_) => Ok(()),
        }
    }

    /// The document as AWS is sent it ([`pack`]): the text, or the file's, a relative path
    /// taken from `base` (`~/` from the home directory). The file must be a regular file only
    /// this user (or root) can change, in directories only they can change, as the accounts
    /// file must (`sys::strict_modes`): it decides what the credentials may do.
    pub fn load(&self, what: &str, base: &Path, home: &Path) -> Result<String, String> {
        let path = match self {
            PolicySource::Json(text) => return pack(text, what),
            PolicySource::File(path) => path,
        };
        self.check(what)?;
        let full = resolve(path, base, home);
        let shown = full.display();
        let trusted = strict_modes::read(&full, home, Some(FILE_LIMIT)).map_err(|refusal| match refusal {
            Refusal::Io(e) => {
                format!("{what} @{path}: cannot read {shown}: {}", crate::base::error::io_reason(&e))
            }
            Refusal::NotRegular => format!("{what} @{path}: {shown} is not a regular file"),
            Refusal::TooLarge(limit) => format!(
                "{what} @{path}: {shown} is larger than {} KiB; AWS takes at most {MAX_POLICY_CHARS} characters",
                limit / 1024
            ),
            Refusal::Untrusted(u) => {
                format!("{what} @{path}: not using a policy file others can change: {}; {}", u.what(), u.fix())
            }
        })?;
        let text = String::from_utf8(trusted.bytes)
            .map_err(|_| format!("{what} @{path}: {shown} is not UTF-8 text"))?;
        pack(&text, &format!("{what} @{path}"))
    }
}

/// `path` from `base`, `~/...` from `home`, an absolute path as it is.
fn resolve(path: &str, base: &Path, home: &Path) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None => base.join(path),
    }
}

/// The document as AWS is sent it: checked to be a JSON object, with the whitespace outside its
/// strings removed and nothing else changed (the keys stay in their order); of the characters
/// AWS allows (space to U+00FF) and at most [`MAX_POLICY_CHARS`] of them.
pub fn pack(text: &str, what: &str) -> Result<String, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        format!("{what} is not a JSON policy document ({e}); write it like {{\"Version\": \"2012-10-17\", \"Statement\": [...]}}")
    })?;
    if !value.is_object() {
        return Err(format!(
            "{what} is not a JSON policy document (an object like {{\"Version\": \"2012-10-17\", \"Statement\": [...]}})"
        ));
    }
    let packed = without_whitespace(text);
    if let Some(c) = packed.chars().find(|c| !(' '..='\u{ff}').contains(c)) {
        return Err(format!(
            "{what} holds the character {}, which AWS does not take in a policy (only space to U+00FF; write others as \\u escapes)",
            c.escape_unicode()
        ));
    }
    let count = packed.chars().count();
    if count > MAX_POLICY_CHARS {
        return Err(format!(
            "{what} is {count} characters without its whitespace, but AWS takes at most {MAX_POLICY_CHARS}: shorten it, or name managed policies with policy ARNs"
        ));
    }
    Ok(packed)
}

/// JSON text without the whitespace between its tokens (a string's own spaces are kept).
fn without_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if !c.is_whitespace() {
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
    }
    out
}

/// The document in one spelling for the cache key: two documents that say the same (their
/// keys in another order, other whitespace) give the same text.
pub fn canonical(packed: &str) -> String {
    serde_json::from_str::<serde_json::Value>(packed).map_or_else(|_| packed.to_owned(), |v| v.to_string())
}

/// Policy ARNs: at most [`MAX_POLICY_ARNS`], each a managed policy ARN
/// (`arn:aws:iam::aws:policy/ReadOnlyAccess`, `arn:aws:iam::123456789012:policy/S3Read`), of
/// `partition` when it is given.
pub fn check_arns(arns: &[String], partition: Option<&str>, what: &str) -> Result<(), String> {
    if arns.len() > MAX_POLICY_ARNS {
        return Err(format!("{what}: {} policy ARNs, but AWS takes at most {MAX_POLICY_ARNS}", arns.len()));
    }
    for policy in arns {
        if !arn::is_policy_arn(policy) {
            return Err(format!(
                "{what} '{}' is not a managed policy ARN like arn:aws:iam::aws:policy/ReadOnlyAccess or arn:aws:iam::123456789012:policy/NAME",
                policy.escape_default()
            ));
        }
        if let Some(partition) = partition
            && arn::partition(policy) != Some(partition)
        {
            return Err(format!(
                "{what} '{policy}' is of partition {}, but the call is in partition {partition}: use arn:{partition}:iam::...",
                arn::partition(policy).unwrap_or_default()
            ));
        }
    }
    Ok(())
}

/// The ARNs once each, sorted: the cache key's spelling of them.
pub fn sorted_arns(arns: &[String]) -> Vec<String> {
    let mut sorted = arns.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
}

/// The policy aws-vault passes to GetFederationToken when none is given: it allows everything,
/// so that the federated session has the IAM user's own permissions (a federation token with no
/// policy has none at all).
pub const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_keeps_strings_and_order() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Sid\": \"a b\\\" c\", \"Effect\": \"Allow\",\n   \"Action\": \"s3:Get*\", \"Resource\": \"*\"}]\n}\n";
        let packed = pack(text, "policy").unwrap();
        assert_eq!(
            packed,
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"a b\" c","Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#
        );
        assert_eq!(pack(&packed, "policy").unwrap(), packed);
        assert_eq!(canonical(&packed), canonical(&pack(r#"{"Statement":[{"Resource":"*","Action":"s3:Get*","Effect":"Allow","Sid":"a b\" c"}],"Version":"2012-10-17"}"#, "p").unwrap()));
        assert_eq!(pack(ALLOW_ALL, "p").unwrap(), ALLOW_ALL);
    }

    #[test]
    fn limits() {
        let e = pack("{\"Version\": ", "--policy").unwrap_err();
        assert!(e.starts_with("--policy is not a JSON policy document (EOF"), "{e}");
        assert!(pack("[1]", "policy").unwrap_err().contains("not a JSON policy document (an object"));
        // 2048 characters without whitespace pass, whatever the whitespace.
        let sid = |n: usize| format!("{{\"Sid\":\"{}\"}}", "x".repeat(n - 10));
        assert_eq!(sid(2048).len(), 2048);
        let spaced = sid(2048).replace(':', " :\n\t ");
        assert_eq!(pack(&spaced, "policy").unwrap().len(), 2048);
        let e = pack(&sid(2049), "policy").unwrap_err();
        assert!(
            e.starts_with("policy is 2049 characters without its whitespace, but AWS takes at most 2048"),
            "{e}"
        );
        assert!(pack("{\"Sid\":\"\u{20ac}\"}", "policy").unwrap_err().contains("\\u{20ac}"));
        assert!(pack("{\"Sid\":\"\u{e9}\"}", "policy").is_ok());
        assert!(PolicySource::parse("@").check("--policy").unwrap_err().contains("names no file"));
        let arns: Vec<String> = (0..11).map(|i| format!("arn:aws:iam::aws:policy/P{i}")).collect();
        assert!(check_arns(&arns[..10], Some("aws"), "--policy-arn").is_ok());
        assert!(check_arns(&arns, Some("aws"), "--policy-arn").unwrap_err().contains("11 policy ARNs"));
        let e = check_arns(&["arn:aws:iam::aws:policy/X".into()], Some("aws-cn"), "policy_arns").unwrap_err();
        assert!(e.contains("is of partition aws, but the call is in partition aws-cn"), "{e}");
        let e = check_arns(&["ReadOnlyAccess".into()], None, "--policy-arn").unwrap_err();
        assert!(e.starts_with("--policy-arn 'ReadOnlyAccess' is not a managed policy ARN"), "{e}");
    }

    #[test]
    fn files_relative_to_base_or_home() {
        let base = Path::new("/etc/stsenv");
        let home = Path::new("/home/jb");
        assert_eq!(resolve("p.json", base, home), Path::new("/etc/stsenv/p.json"));
        assert_eq!(resolve("~/p.json", base, home), Path::new("/home/jb/p.json"));
        assert_eq!(resolve("/abs/p.json", base, home), Path::new("/abs/p.json"));
    }
}
