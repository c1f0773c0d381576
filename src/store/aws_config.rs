//! `stsenv aws-config`: a block of the AWS config file (`$AWS_CONFIG_FILE`, else
//! `~/.aws/config`) that stsenv marks as its own and rewrites in place, with one profile per
//! account and role whose `credential_process` is `stsenv credential-process`.
//!
//! The block runs from the line `# >>> stsenv aws-config ...` to the line
//! `# <<< stsenv aws-config <<<`, both included; every byte outside it is kept (comments,
//! blank lines, other profiles, line endings, the file's mode and owner, a symlink). A profile
//! of the same name outside the block is the user's: it is never replaced, and the block leaves
//! that profile out (botocore refuses a file with two sections of one name). The file is written
//! atomically (`sys::atomic`) under an exclusive lock on a lock file beside it, and only when
//! nobody else can write it or the directories above it (`sys::strict_modes`: the file names
//! the commands the SDKs run); through a symlink the same holds for the file it leads to.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use crate::base::error::{self, Result};
use crate::config::aws_files::{line_ending, line_text, profile_name, sections};
use crate::sys::strict_modes::{self, Refusal};

/// The first line of the block (after `# `). A line is the block's start when its comment
/// starts with `>>> stsenv aws-config`.
pub const BEGIN: &str =
    ">>> stsenv aws-config: managed block, rewritten by `stsenv aws-config`; edit outside it >>>";
/// The last line of the block (after `# `).
pub const END: &str = "<<< stsenv aws-config <<<";
const BEGIN_KEY: &str = ">>> stsenv aws-config";
const END_KEY: &str = "<<< stsenv aws-config";

/// One profile of the block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// The profile's name (`personal`, `personal-admin`): the section is `[profile NAME]`.
    pub name: String,
    /// What it gives, for the comment under its header: `MFA session of account personal`.
    pub about: String,
    /// The whole `credential_process` value, quoted.
    pub command: String,
    /// The account's region, if it has one.
    pub region: Option<String>,
}

/// A profile of the block left out because the user has one of that name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    pub name: String,
    /// 1-based line of the user's section.
    pub line: usize,
}

/// The block's text, with the file's line ending.
pub fn render(profiles: &[&Profile], eol: &str) -> String {
    let mut lines = vec![format!("# {BEGIN}")];
    for (i, p) in profiles.iter().enumerate() {
        if i > 0 {
            lines.push(String::new());
        }
        lines.push(format!("[profile {}]", p.name));
        lines.push(format!("# {}", p.about));
        lines.push(format!("credential_process = {}", p.command));
        if let Some(region) = &p.region {
            lines.push(format!("region = {region}"));
        }
    }
    lines.push(format!("# {END}"));
    lines.iter().map(|l| format!("{l}{eol}")).collect()
}

/// Which marker a line is, if it is one: a full-line comment whose text starts with the key.
fn marker(line: &[u8]) -> Option<bool> {
    let t = line_text(line).trim_ascii();
    let rest = t.strip_prefix(b"#").or_else(|| t.strip_prefix(b";"))?.trim_ascii_start();
    if rest.starts_with(BEGIN_KEY.as_bytes()) {
        Some(true)
    } else if rest.starts_with(END_KEY.as_bytes()) {
        Some(false)
    } else {
        None
    }
}

/// Where the block is: the byte range of its lines, markers and line endings included; None
/// when the file has none. A second block, a start without an end or an end without a start is
/// an error that names the line and the fix: stsenv cannot tell which lines are its own.
pub fn find(text: &[u8], shown: &Path) -> Result<Option<std::ops::Range<usize>>> {
    let mut offset = 0;
    let mut open: Option<(usize, usize)> = None;
    let mut found: Option<(std::ops::Range<usize>, usize)> = None;
    let broken = |line: usize, why: &str| {
        error::usage(format!(
            "line {line} of {}: {why}; stsenv cannot tell which lines are its own, so the file is unchanged: fix the markers by hand (the block is the lines from '# {BEGIN_KEY} ...' to '# {END}'), or delete them and the profiles between them",
            shown.display()
        ))
    };
    for (i, line) in text.split_inclusive(|b| *b == b'\n').enumerate() {
        let start = offset;
        offset += line.len();
        match (marker(line), open) {
            (Some(true), Some((_, first))) => {
                return Err(broken(
                    i + 1,
                    &format!("a second start of stsenv's block (one is open since line {first})"),
                ));
            }
            (Some(true), None) => {
                if let Some((_, first)) = &found {
                    return Err(broken(
                        i + 1,
                        &format!("a second stsenv block (the first starts at line {first})"),
                    ));
                }
                open = Some((start, i + 1));
            }
            (Some(false), Some((from, first))) => {
                found = Some((from..offset, first));
                open = None;
            }
            (Some(false), None) => return Err(broken(i + 1, "the end of stsenv's block, without its start")),
            (None, _) => {}
        }
    }
    if let Some((_, first)) = open {
        return Err(broken(first, "the start of stsenv's block, without its end"));
    }
    Ok(found.map(|(range, _)| range))
}

/// The user's profiles (outside the block) that have a name of `profiles`: those are left out.
pub fn conflicts(text: &[u8], block: Option<&std::ops::Range<usize>>, profiles: &[Profile]) -> Vec<Conflict> {
    let mut found: Vec<Conflict> = Vec::new();
    for s in sections(text) {
        if block.is_some_and(|b| b.contains(&s.start)) {
            continue;
        }
        let Some(name) = profile_name(&s.name) else { continue };
        if profiles.iter().any(|p| p.name == name) && !found.iter().any(|c| c.name == name) {
            found.push(Conflict { name: name.to_owned(), line: s.line });
        }
    }
    found
}

/// The profiles the block holds: those the user has none of the same name of (`conflicts`).
pub fn kept<'p>(profiles: &'p [Profile], conflicts: &[Conflict]) -> Vec<&'p Profile> {
    profiles.iter().filter(|p| !conflicts.iter().any(|c| c.name == p.name)).collect()
}

/// The new text: the block replaced in place (or appended), without the profiles the user has
/// (returned too). Every byte outside the block is kept; an appended block goes after a line
/// ending added to a last line that has none.
pub fn replace(text: &[u8], profiles: &[Profile], shown: &Path) -> Result<(Vec<u8>, Vec<Conflict>)> {
    let block = find(text, shown)?;
    let conflicts = conflicts(text, block.as_ref(), profiles);
    let eol = line_ending(text);
    let rendered = render(&kept(profiles, &conflicts), eol);
    let mut out = Vec::with_capacity(text.len() + rendered.len() + 2);
    match block {
        Some(range) => {
            out.extend_from_slice(&text[..range.start]);
            out.extend_from_slice(rendered.as_bytes());
            out.extend_from_slice(&text[range.end..]);
        }
        None => {
            out.extend_from_slice(text);
            if !text.is_empty() && !text.ends_with(b"\n") {
                out.extend_from_slice(eol.as_bytes());
            }
            out.extend_from_slice(rendered.as_bytes());
        }
    }
    Ok((out, conflicts))
}

/// The text without the block (None: there is none).
pub fn without(text: &[u8], shown: &Path) -> Result<Option<Vec<u8>>> {
    Ok(find(text, shown)?.map(|range| [&text[..range.start], &text[range.end..]].concat()))
}

/// The config file stsenv edits.
pub struct ConfigFile {
    /// As located (shown in messages).
    pub path: PathBuf,
    /// The home directory: the directories above the file are checked up to it.
    pub home: PathBuf,
}

impl ConfigFile {
    /// The current text (None: no file yet), refused unless only this user (or root) can change
    /// the file and the directories above it.
    pub fn read(&self) -> Result<Option<Vec<u8>>> {
        match strict_modes::read(&self.path, &self.home, None) {
            Ok(trusted) => Ok(Some(trusted.bytes)),
            Err(Refusal::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                // A dangling symlink is not a missing file: its target would be made.
                if std::fs::symlink_metadata(&self.path).is_ok() {
                    return Err(self.cannot(&format!(
                        "it is a symlink to a file that does not exist ({})",
                        error::io_reason(&e)
                    )));
                }
                strict_modes::check_dirs(&self.path, &self.home).map_err(|u| self.untrusted(&u))?;
                Ok(None)
            }
            Err(Refusal::Io(e)) => Err(self.cannot(&error::io_reason(&e))),
            Err(Refusal::NotRegular) => Err(self.cannot("it is not a regular file")),
            Err(Refusal::TooLarge(_)) => Err(self.cannot("it is too large")),
            Err(Refusal::Untrusted(u)) => Err(self.untrusted(&u)),
        }
    }

    fn cannot(&self, why: &str) -> error::Error {
        error::usage(format!(
            "cannot use the AWS config file {}: {why}; it is unchanged (or choose another file with AWS_CONFIG_FILE)",
            self.path.display()
        ))
    }

    fn untrusted(&self, u: &strict_modes::Untrusted) -> error::Error {
        error::usage(format!(
            "will not write profiles that run commands into the AWS config file: {}, so another user could change what they run; {}",
            u.what(),
            u.fix()
        ))
    }

    /// Change the file under an exclusive lock on a lock file beside it (a symlink's target's),
    /// atomically, keeping its mode and owner (a new file is 0600, in a directory made 0700).
    /// `change` gets the current text (None: no file yet) and returns the new one, or None to
    /// leave the file as it is.
    pub fn edit<T>(&self, change: impl FnOnce(Option<&[u8]>) -> Result<(Option<Vec<u8>>, T)>) -> Result<T> {
        let real = crate::sys::atomic::resolve_link(&self.path).unwrap_or_else(|_| self.path.clone());
        let dir = match real.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
            _ => PathBuf::from("."),
        };
        let cannot_write = |what: &Path, e: &std::io::Error| {
            error::usage(format!(
                "cannot write the AWS config file {} ({}: {}); it is unchanged",
                self.path.display(),
                what.display(),
                error::io_reason(e)
            ))
        };
        // The checks first: nothing is made in a directory others could write.
        if dir.is_dir() {
            self.read()?;
        } else {
            strict_modes::check_dirs(&self.path, &self.home).map_err(|u| self.untrusted(&u))?;
            fs_mkdir(&dir).map_err(|e| cannot_write(&dir, &e))?;
        }
        let file_name = real.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let lock = crate::sys::lock::beside(&dir, &file_name).map_err(|(path, e)| cannot_write(&path, &e))?;
        // Read again under the lock: another stsenv may have just written it.
        let text = self.read()?;
        let (new, result) = change(text.as_deref())?;
        if let Some(new) = new {
            crate::sys::atomic::write(&real, &new, 0o600).map_err(|e| cannot_write(&real, &e))?;
        }
        drop(lock);
        Ok(result)
    }
}

/// `~/.aws` as `aws configure` makes it, but private: the file names commands.
fn fs_mkdir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str, region: Option<&str>) -> Profile {
        Profile {
            name: name.to_owned(),
            about: format!("about {name}"),
            command: format!("/bin/stsenv credential-process {name}"),
            region: region.map(str::to_owned),
        }
    }

    const BLOCK: &str = "# >>> stsenv aws-config: managed block, rewritten by `stsenv aws-config`; edit outside it >>>\n[profile a]\n# about a\ncredential_process = /bin/stsenv credential-process a\nregion = eu-west-1\n\n[profile a-admin]\n# about a-admin\ncredential_process = /bin/stsenv credential-process a-admin\n# <<< stsenv aws-config <<<\n";

    fn profiles() -> Vec<Profile> {
        vec![profile("a", Some("eu-west-1")), profile("a-admin", None)]
    }

    fn run(text: &str) -> (String, Vec<Conflict>) {
        let (out, conflicts) = replace(text.as_bytes(), &profiles(), Path::new("config")).unwrap();
        (String::from_utf8(out).unwrap(), conflicts)
    }

    #[test]
    fn appended_then_replaced_in_place_then_removed() {
        assert_eq!(run("").0, BLOCK);
        let mine = "[default]\nregion = us-east-1";
        let (with, conflicts) = run(mine);
        assert!(conflicts.is_empty());
        assert_eq!(with, format!("{mine}\n{BLOCK}"));
        // In place, with what follows kept; twice gives the same.
        let around = format!("# top\n[default]\nregion = x\n{BLOCK}\n# mine\n[profile b]\nregion = y\n");
        let changed = around.replace("region = eu-west-1", "region = old");
        assert_eq!(run(&changed).0, around);
        assert_eq!(run(&around).0, around);
        let removed = without(around.as_bytes(), Path::new("config")).unwrap().unwrap();
        assert_eq!(
            String::from_utf8(removed).unwrap(),
            "# top\n[default]\nregion = x\n\n# mine\n[profile b]\nregion = y\n"
        );
        assert_eq!(without(b"[default]\n", Path::new("config")).unwrap(), None);
    }

    #[test]
    fn the_users_profiles_are_left_out_of_the_block() {
        let text = "[profile a]\nregion = mine\n[profile  'a-admin' ]\n";
        let (out, conflicts) = run(text);
        assert_eq!(
            conflicts,
            [Conflict { name: "a".into(), line: 1 }, Conflict { name: "a-admin".into(), line: 3 }]
        );
        assert_eq!(out, format!("{text}# {BEGIN}\n# {END}\n"));
        // A bare [a] is not a profile of the config file.
        assert!(run("[a]\nx = 1\n").1.is_empty());
    }

    #[test]
    fn crlf_files_get_crlf() {
        let text = "[default]\r\nregion = x\r\n";
        let (out, _) = run(text);
        assert_eq!(out, format!("{text}{}", BLOCK.replace('\n', "\r\n")));
        assert_eq!(run(&out).0, out);
    }

    #[test]
    fn broken_markers_are_refused() {
        for (text, line) in [
            (format!("x\n# {BEGIN}\n[profile a]\n"), "line 2"),
            (format!("# {END}\n"), "line 1"),
            (format!("{BLOCK}{BLOCK}"), "line 11"),
            (format!("# {BEGIN}\n# {BEGIN}\n# {END}\n"), "line 2"),
        ] {
            let e = replace(text.as_bytes(), &profiles(), Path::new("config")).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            assert!(e.message.contains(&format!("{line} of config")), "{}", e.message);
            assert_eq!(e.message.lines().count(), 1);
        }
    }
}
