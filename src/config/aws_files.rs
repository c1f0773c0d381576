//! The INI scanner of AWS's shared credentials file and config file: their sections, keys and line endings, read as botocore reads them; where the config file is, and its default profile without its credentials.

use std::path::PathBuf;

use crate::base::env::Env;

/// The comment that marks a section as stsenv's to rewrite (`store::shared_credentials` writes it).
pub const MARKER: &str = "managed by stsenv";

/// One section of an INI file: where it is and whether stsenv wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The name in brackets, spaces around it trimmed.
    pub name: String,
    /// 1-based line number of the header.
    pub line: usize,
    /// Byte offset of the header line.
    pub start: usize,
    /// Byte offset just past its last header, key or continuation line (its line ending
    /// included). Comments and blank lines after that stay with what follows.
    pub end: usize,
    /// Whether a `# managed by stsenv` comment is in the section.
    pub managed: bool,
}

/// Strip the line ending (`\n` or `\r\n`) from a line.
pub fn line_text(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The sections of an INI text, in file order. Lines are read the way botocore's
/// `configparser` does: full-line comments start with `#` or `;` after optional whitespace; a
/// section header is `[name]` (stsenv compares the name with surrounding spaces trimmed, as the
/// AWS SDKs do); a line indented deeper than the key before it continues that key's value.
pub fn sections(text: &[u8]) -> Vec<Section> {
    let mut found: Vec<Section> = Vec::new();
    let mut offset = 0;
    // The indentation of the last key line while its value may continue (configparser keeps
    // blank lines inside values, so only a header ends it).
    let mut open_key: Option<usize> = None;
    for (i, line) in text.split_inclusive(|b| *b == b'\n').enumerate() {
        let start = offset;
        offset += line.len();
        let raw = line_text(line);
        let trimmed = raw.trim_ascii();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed[0] == b'#' || trimmed[0] == b';' {
            let text = trimmed[1..].trim_ascii();
            if text.starts_with(MARKER.as_bytes())
                && let Some(section) = found.last_mut()
            {
                section.managed = true;
            }
            continue;
        }
        let indent = raw.len() - raw.trim_ascii_start().len();
        if let Some(level) = open_key
            && indent > level
        {
            if let Some(section) = found.last_mut() {
                section.end = offset;
            }
            continue;
        }
        if trimmed[0] == b'['
            && let Some(close) = trimmed.iter().rposition(|b| *b == b']')
            && close > 1
        {
            let name = String::from_utf8_lossy(trimmed[1..close].trim_ascii()).into_owned();
            found.push(Section { name, line: i + 1, start, end: offset, managed: false });
            open_key = None;
            continue;
        }
        // A key line (or a stray line before any section, which is not ours to judge).
        if let Some(section) = found.last_mut() {
            section.end = offset;
            open_key = Some(indent);
        }
    }
    found
}

/// The line ending the file uses (that of its first line), `\n` for a new file.
pub fn line_ending(text: &[u8]) -> &'static str {
    match text.iter().position(|b| *b == b'\n') {
        Some(i) if i > 0 && text[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// The `key = value` (or `key: value`) lines of a section, keys in lower case, values trimmed
/// (continuation lines are not joined: credentials are one line each).
pub fn values(text: &[u8], section: &Section) -> Vec<(String, String)> {
    let body = &text[section.start..section.end];
    body.split_inclusive(|b| *b == b'\n')
        .skip(1)
        .filter_map(|line| {
            let raw = line_text(line);
            if raw.first().is_some_and(u8::is_ascii_whitespace) {
                return None;
            }
            let line = String::from_utf8_lossy(raw.trim_ascii());
            if line.is_empty() || line.starts_with(['#', ';']) {
                return None;
            }
            let at = line.find(['=', ':'])?;
            Some((line[..at].trim().to_ascii_lowercase(), line[at + 1..].trim().to_owned()))
        })
        .collect()
}

/// The text without the sections named (every one of each name); every other byte is kept.
pub fn without_sections(text: &[u8], names: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    for s in sections(text).into_iter().filter(|s| names.contains(&s.name.as_str())) {
        out.extend_from_slice(&text[at..s.start]);
        at = s.end;
    }
    out.extend_from_slice(&text[at..]);
    out
}

/// The AWS config file: `$AWS_CONFIG_FILE` (a leading `~/` expanded, as botocore does), else
/// `~/.aws/config`.
pub fn config_path(env: &Env) -> PathBuf {
    let home = crate::base::env::home(env);
    match env.aws_config_file() {
        Some("~") => home,
        Some(p) => match p.strip_prefix("~/") {
            Some(rest) => home.join(rest),
            None => PathBuf::from(p),
        },
        None => home.join(".aws").join("config"),
    }
}

/// Whether a section of the config file is the profile `default`: `[default]`, or `[profile
/// default]` (botocore and the JavaScript SDK read both; quotes and spaces as botocore allows).
pub fn is_default_profile(name: &str) -> bool {
    profile_name(name) == Some("default")
}

/// The profile a section of the config file defines: `default` for `[default]`, `NAME` for
/// `[profile NAME]` (spaces and quotes around NAME as botocore allows them); None for other
/// sections (`[sso-session x]`, `[services x]`, a bare `[x]`, which botocore ignores).
pub fn profile_name(section: &str) -> Option<&str> {
    if section == "default" {
        return Some("default");
    }
    let rest = section.strip_prefix("profile")?;
    if !rest.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let rest = rest.trim_ascii();
    Some(['"', '\''].iter().find_map(|q| rest.strip_prefix(*q)?.strip_suffix(*q)).unwrap_or(rest))
}

/// Whether a key of a profile (in lower case) makes the SDKs get credentials from it: keys,
/// `credential_process`, `login_session`, `sso_*`, and a role (`role_arn` with what it takes:
/// `source_profile`, `credential_source`, `web_identity_token_file`, and its settings).
pub fn is_credential_source(key: &str) -> bool {
    key.starts_with("sso_")
        || matches!(
            key,
            "aws_access_key_id"
                | "aws_secret_access_key"
                | "aws_session_token"
                | "aws_security_token"
                | "aws_credential_expiration"
                | "credential_process"
                | "login_session"
                | "role_arn"
                | "source_profile"
                | "credential_source"
                | "web_identity_token_file"
                | "role_session_name"
                | "external_id"
                | "mfa_serial"
                | "duration_seconds"
        )
}

/// The config text without the credential-source keys ([`is_credential_source`]) of its default
/// profile ([`is_default_profile`], every section of it), their continuation lines with them,
/// and the names of the keys removed (in file order, once each). Every other byte is kept:
/// region, output, comments, the other profiles and sections. A key line there is removed
/// whatever its indentation (the JavaScript SDK reads an indented line as a key of its own).
pub fn without_default_credentials(text: &[u8]) -> (Vec<u8>, Vec<String>) {
    let mut out = Vec::with_capacity(text.len());
    let mut removed: Vec<String> = Vec::new();
    let mut at = 0;
    for s in sections(text).into_iter().filter(|s| is_default_profile(&s.name)) {
        out.extend_from_slice(&text[at..s.start]);
        // The indentation of the last key line, and whether it is being removed.
        let mut open_key: Option<(usize, bool)> = None;
        for (i, line) in text[s.start..s.end].split_inclusive(|b| *b == b'\n').enumerate() {
            let raw = line_text(line);
            let trimmed = raw.trim_ascii();
            if i == 0 || trimmed.is_empty() || trimmed[0] == b'#' || trimmed[0] == b';' {
                out.extend_from_slice(line);
                continue;
            }
            let indent = raw.len() - raw.trim_ascii_start().len();
            let text = String::from_utf8_lossy(trimmed);
            let key = text[..text.find(['=', ':']).unwrap_or(text.len())].trim().to_ascii_lowercase();
            let continues = matches!(open_key, Some((level, _)) if indent > level);
            let drop = if continues && open_key.is_some_and(|(_, dropped)| dropped) {
                true
            } else if is_credential_source(&key) {
                if !removed.contains(&key) {
                    removed.push(key);
                }
                true
            } else {
                false
            };
            if !continues {
                open_key = Some((indent, drop));
            }
            if !drop {
                out.extend_from_slice(line);
            }
        }
        at = s.end;
    }
    out.extend_from_slice(&text[at..]);
    (out, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indented_header_inside_a_value_is_not_a_section() {
        let s = sections(b"[a]\nk =\n  [p]\n  v = 1\n[b]\n");
        let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(s[0].end, "[a]\nk =\n  [p]\n  v = 1\n".len());
        // As configparser: blank lines stay inside a value, so an indented header after a
        // key, even past a blank line, continues that key (botocore sees no [p] there).
        let s = sections(b"[a]\nk = 1\n\n  [p]\n[q]\n");
        let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "q"]);
    }

    #[test]
    fn values_and_removing_sections() {
        let text = b"# top\n[a]\naws_access_key_id = AKIA1\n; note\nAWS_Secret_Access_Key:s/1=\n  continued\n\n# about b\n[b]\nx=1\n[a]\ny=2\n";
        let s = sections(text);
        assert_eq!(
            values(text, &s[0]),
            [
                ("aws_access_key_id".to_owned(), "AKIA1".to_owned()),
                ("aws_secret_access_key".to_owned(), "s/1=".to_owned())
            ]
        );
        // Every section of the name goes; comments before a header stay with what follows.
        assert_eq!(without_sections(text, &["a"]), b"# top\n\n# about b\n[b]\nx=1\n");
        assert_eq!(without_sections(text, &["c"]), text);
    }

    #[test]
    fn the_default_profile_loses_its_credential_source_only() {
        let text = b"# mine\n[default]\nregion = eu-west-1\ncredential_process = /bin/keys\n  --more\nAWS_Access_Key_ID: AKIA1\noutput = json\n  sso_session = x\n\n[profile work]\ncredential_process = /bin/work\n[profile  \"default\"]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = work\n[sso-session x]\nsso_region = us-east-1\n";
        let (out, removed) = without_default_credentials(text);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "# mine\n[default]\nregion = eu-west-1\noutput = json\n\n[profile work]\ncredential_process = /bin/work\n[profile  \"default\"]\n[sso-session x]\nsso_region = us-east-1\n"
        );
        assert_eq!(
            removed,
            ["credential_process", "aws_access_key_id", "sso_session", "role_arn", "source_profile"]
        );
        let plain = b"[default]\nregion = us-east-1\n[profile x]\naws_access_key_id = A\n";
        assert_eq!(without_default_credentials(plain), (plain.to_vec(), vec![]));
        for (name, default) in [
            ("default", true),
            ("profile default", true),
            ("profile\t'default'", true),
            ("profiledefault", false),
            ("profile x", false),
            ("sso-session default", false),
        ] {
            assert_eq!(is_default_profile(name), default, "{name}");
        }
    }
}
