//! `--write-profile`: temporary credentials as one section of the shared credentials file
//! (`$AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`), for tools that read profiles.
//!
//! Only the target section is replaced; every other byte of the file is kept (comments, blank
//! lines, other sections, unknown keys, key order, line endings, the file's mode). A section
//! stsenv did not write (no `# managed by stsenv` comment) is never replaced without
//! `--force-profile`: it may hold the user's long-term keys. The file is written atomically
//! (see `atomic`) under an exclusive lock on a lock file beside it.
//!
//! The file is read with the INI scanner of `config::aws_files`.

use std::fs::{self, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use crate::base::credentials::{Credentials, Secret};
use crate::base::env::Env;
use crate::base::error::{self, Result};
use crate::base::times::rfc3339;
use crate::config::aws_files::{MARKER, Section, line_ending, line_text, sections, without_sections};

/// A profile name that can be a section header botocore and the SDKs read back as written.
pub fn check_name(name: &str) -> Result<()> {
    let bad = name.is_empty()
        || name.len() > 128
        || name.starts_with(['#', ';'])
        || name.chars().any(|c| c.is_whitespace() || c.is_control() || c == '[' || c == ']');
    if name.starts_with("profile ") || name.starts_with("profile\t") {
        return Err(error::usage(format!(
            "--write-profile '{}': the credentials file names sections without 'profile ' (that prefix is only for ~/.aws/config); pass the bare name",
            name.escape_default()
        )));
    }
    if bad {
        return Err(error::usage(format!(
            "--write-profile '{}' is not a usable profile name: use letters, digits and punctuation other than [ ], without spaces",
            name.escape_default()
        )));
    }
    if name == "DEFAULT" {
        return Err(error::usage(
            "--write-profile DEFAULT: Python's configparser (botocore, the AWS CLI) treats [DEFAULT] as defaults for every section, not as a profile; use 'default' or another name",
        ));
    }
    Ok(())
}

/// What the new section says.
pub struct Content<'a> {
    pub credentials: &'a Credentials,
    pub expiration: OffsetDateTime,
    /// What the credentials are, for the comment: `MFA session of account personal`.
    pub description: &'a str,
}

fn secret_text<'a>(s: &'a Secret, what: &str) -> Result<&'a str> {
    s.as_str()
        .filter(|t| !t.is_empty() && !t.chars().any(|c| c.is_control() || c.is_whitespace()))
        .ok_or_else(|| {
            error::aws(format!("STS returned a {what} that cannot be written to a credentials file"))
        })
}

/// The section's text, with the file's line ending.
fn render(name: &str, content: &Content, eol: &str) -> Result<String> {
    let c = content.credentials;
    let token = c.session_token.as_ref().ok_or_else(|| error::aws("STS returned no session token"))?;
    let lines = [
        format!("[{name}]"),
        format!("# {MARKER}: rewritten by stsenv --write-profile {name}; edits here are lost"),
        format!("# expires {} ({})", rfc3339(content.expiration), content.description),
        format!("aws_access_key_id = {}", secret_text(&c.access_key_id, "access key ID")?),
        format!("aws_secret_access_key = {}", secret_text(&c.secret_access_key, "secret key")?),
        format!("aws_session_token = {}", secret_text(token, "session token")?),
    ];
    Ok(lines.iter().map(|l| format!("{l}{eol}")).collect())
}

/// Why a section cannot be replaced without `--force-profile`, if it cannot.
fn refusal(text: &[u8], name: &str, path: &Path) -> Option<String> {
    let matching: Vec<Section> = sections(text).into_iter().filter(|s| s.name == name).collect();
    let unmanaged = matching.iter().find(|s| !s.managed)?;
    Some(format!(
        "will not replace the profile [{name}] at line {} of {}: stsenv did not write it (it has no '# {MARKER}' comment), and it may hold your long-term keys; pick another name for --write-profile, or pass --force-profile to replace it",
        unmanaged.line,
        path.display()
    ))
}

/// The text with the profile's section(s) replaced by one new section (or the section
/// appended). Every byte outside the replaced sections is kept.
pub fn replace(text: &[u8], name: &str, content: &Content, force: bool, path: &Path) -> Result<Vec<u8>> {
    if !force && let Some(why) = refusal(text, name, path) {
        return Err(error::usage(why));
    }
    let eol = line_ending(text);
    let section = render(name, content, eol)?;
    let matching: Vec<Section> = sections(text).into_iter().filter(|s| s.name == name).collect();
    let mut out = Vec::with_capacity(text.len() + section.len() + 4);
    if matching.is_empty() {
        out.extend_from_slice(text);
        if !text.is_empty() {
            if !text.ends_with(b"\n") {
                out.extend_from_slice(eol.as_bytes());
            }
            // A blank line before the new section, unless there is one.
            let last = line_text(text).rsplit(|b| *b == b'\n').next().unwrap_or_default();
            if !line_text(last).trim_ascii().is_empty() {
                out.extend_from_slice(eol.as_bytes());
            }
        }
        out.extend_from_slice(section.as_bytes());
        return Ok(out);
    }
    // The first one becomes the new section; duplicates (botocore refuses a file with two
    // sections of one name) are removed.
    let mut at = 0;
    for (i, s) in matching.iter().enumerate() {
        out.extend_from_slice(&text[at..s.start]);
        if i == 0 {
            out.extend_from_slice(section.as_bytes());
        }
        at = s.end;
    }
    out.extend_from_slice(&text[at..]);
    Ok(out)
}

/// The shared credentials file: `$AWS_SHARED_CREDENTIALS_FILE` (a leading `~/` expanded, as
/// botocore does), else `~/.aws/credentials`.
pub fn locate(env: &Env) -> PathBuf {
    let home = crate::base::env::home(env);
    match env.aws_shared_credentials_file().filter(|p| !p.is_empty()) {
        Some("~") => home,
        Some(p) => match p.strip_prefix("~/") {
            Some(rest) => home.join(rest),
            None => PathBuf::from(p),
        },
        None => home.join(".aws").join("credentials"),
    }
}

/// A request to write one profile.
pub struct Request<'a> {
    pub name: &'a str,
    pub force: bool,
    /// The file as located (shown in messages).
    pub path: PathBuf,
}

/// The file that gets written: a symlink's target (so a dotfiles link stays a link).
fn real_path(path: &Path) -> Result<PathBuf> {
    crate::sys::atomic::resolve_link(path).map_err(|e| {
        error::usage(format!(
            "the credentials file {} is a symlink whose target cannot be used: {}",
            path.display(),
            crate::base::error::io_reason(&e)
        ))
    })
}

/// The current text (None: no file yet) and the mode to write with.
fn read_current(path: &Path, shown: &Path) -> Result<(Option<Vec<u8>>, u32)> {
    match fs::read(path) {
        Ok(bytes) => {
            let meta = fs::metadata(path).map_err(|e| unreadable(shown, &e))?;
            // Writable? Opened for writing without truncating, and closed: nothing changes.
            OpenOptions::new().write(true).open(path).map_err(|e| {
                error::usage(format!(
                    "cannot write the credentials file {}: {}; it is unchanged (check its permissions, or choose another file with AWS_SHARED_CREDENTIALS_FILE)",
                    shown.display(),
                    crate::base::error::io_reason(&e)
                ))
            })?;
            Ok((Some(bytes), meta.mode() & 0o7777))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((None, 0o600)),
        Err(e) => Err(unreadable(shown, &e)),
    }
}

fn unreadable(shown: &Path, e: &std::io::Error) -> error::Error {
    error::usage(format!(
        "cannot read the credentials file {}: {}; it is unchanged (check its permissions, or choose another file with AWS_SHARED_CREDENTIALS_FILE)",
        shown.display(),
        crate::base::error::io_reason(e)
    ))
}

impl Request<'_> {
    /// Check before any STS call or prompt that the write can happen: the file is readable
    /// and writable, and the section may be replaced. `write` checks again under the lock.
    pub fn check(&self) -> Result<()> {
        check_name(self.name)?;
        let real = real_path(&self.path)?;
        let (text, _) = read_current(&real, &self.path)?;
        if !self.force
            && let Some(why) = text.as_deref().and_then(|t| refusal(t, self.name, &self.path))
        {
            return Err(error::usage(why));
        }
        Ok(())
    }

    /// Write the section, under the lock, atomically.
    pub fn write(&self, content: &Content) -> Result<()> {
        check_name(self.name)?;
        edit(&self.path, |text| replace(text.unwrap_or_default(), self.name, content, self.force, &self.path))
    }
}

/// Remove the sections named from the credentials file at `path`, under the lock, atomically.
pub fn remove_sections(path: &Path, names: &[&str]) -> Result<()> {
    edit(path, |text| Ok(without_sections(text.unwrap_or_default(), names)))
}

/// Change the credentials file at `shown` (a symlink's target, so a dotfiles link stays a link)
/// under an exclusive lock on a lock file beside it, atomically, keeping its mode (a new file is
/// 0600, in a directory made 0700). `change` gets the current text (None: no file yet).
fn edit(shown: &Path, change: impl FnOnce(Option<&[u8]>) -> Result<Vec<u8>>) -> Result<()> {
    let real = real_path(shown)?;
    let dir = match real.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let cannot_write = |what: &Path, e: &std::io::Error| {
        error::usage(format!(
            "cannot write the credentials file {} ({}: {}); it is unchanged",
            shown.display(),
            what.display(),
            crate::base::error::io_reason(e)
        ))
    };
    if !dir.is_dir() {
        // Like ~/.aws made by `aws configure`, but private: it holds secrets.
        fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir).map_err(|e| cannot_write(&dir, &e))?;
    }
    let file_name = real.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let lock = crate::sys::lock::beside(&dir, &file_name).map_err(|(path, e)| cannot_write(&path, &e))?;
    let (text, mode) = read_current(&real, shown)?;
    crate::config::key_dir::warn_if_loose(shown, mode);
    let new = change(text.as_deref())?;
    crate::sys::atomic::write(&real, &new, mode).map_err(|e| cannot_write(&real, &e))?;
    drop(lock);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials {
            access_key_id: Secret::new("ASIANEW"),
            secret_access_key: Secret::new("newsecret"),
            session_token: Some(Secret::new("newtoken")),
            expiration: None,
        }
    }

    fn run(text: &str, name: &str, force: bool) -> Result<String> {
        let c = creds();
        let content = Content {
            credentials: &c,
            expiration: OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
            description: "MFA session of account personal",
        };
        replace(text.as_bytes(), name, &content, force, Path::new("credentials"))
            .map(|b| String::from_utf8(b).unwrap())
    }

    const NEW: &str = "[p]\n# managed by stsenv: rewritten by stsenv --write-profile p; edits here are lost\n# expires 2023-11-14T22:13:20Z (MFA session of account personal)\naws_access_key_id = ASIANEW\naws_secret_access_key = newsecret\naws_session_token = newtoken\n";

    #[test]
    fn new_file_and_append() {
        assert_eq!(run("", "p", false).unwrap(), NEW);
        assert_eq!(run("[a]\nx = 1", "p", false).unwrap(), format!("[a]\nx = 1\n\n{NEW}"));
        assert_eq!(run("[a]\nx = 1\n", "p", false).unwrap(), format!("[a]\nx = 1\n\n{NEW}"));
        assert_eq!(run("[a]\nx = 1\n\n", "p", false).unwrap(), format!("[a]\nx = 1\n\n{NEW}"));
    }

    #[test]
    fn replaces_only_the_managed_section_keeping_what_follows() {
        let old = "; top\n[a]\nx=1\n[ p ]  \n# managed by stsenv\naws_access_key_id = OLD\n  continued\n\n# about b\n[b]\ny = 2\n";
        let want = format!("; top\n[a]\nx=1\n{NEW}\n# about b\n[b]\ny = 2\n");
        assert_eq!(run(old, "p", false).unwrap(), want);
        // Twice: the same result, no duplicate.
        assert_eq!(run(&want, "p", false).unwrap(), want);
    }

    #[test]
    fn refuses_an_unmanaged_section_unless_forced() {
        let old = "[default]\naws_access_key_id = AKIA\n[p]\naws_access_key_id = AKIALONGTERM\n";
        let e = run(old, "p", false).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.message.contains("line 3 of credentials"), "{}", e.message);
        assert!(e.message.contains("--force-profile"), "{}", e.message);
        assert_eq!(run(old, "p", true).unwrap(), format!("[default]\naws_access_key_id = AKIA\n{NEW}"));
        // Names are compared exactly otherwise: [P] is another profile.
        assert!(run(old, "P", false).is_ok());
    }

    #[test]
    fn duplicates_collapse_to_one() {
        let old = "[p]\n#managed by stsenv\nk = 1\n[q]\nz = 0\n[p]\n; managed by stsenv\nk = 2\n";
        assert_eq!(run(old, "p", false).unwrap(), format!("{NEW}[q]\nz = 0\n"));
    }

    #[test]
    fn crlf_files_get_crlf() {
        let old = "[a]\r\nx = 1\r\n";
        let got = run(old, "p", false).unwrap();
        assert_eq!(got, format!("[a]\r\nx = 1\r\n\r\n{}", NEW.replace('\n', "\r\n")));
        assert_eq!(run(&got, "p", false).unwrap(), got);
    }

    #[test]
    fn names() {
        for ok in ["p", "default", "my-profile_1.x", "a/b@c"] {
            check_name(ok).unwrap();
        }
        for bad in ["", "a b", "[x]", "#x", "profile x", "DEFAULT", "a\nb"] {
            assert_eq!(check_name(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
    }
}
