//! `stsenv aws-config [--print] [--remove]`: one profile per account of the accounts file
//! (`[profile NAME]`) and per key of its `roles` (`[profile NAME-ROLE]`), each with
//! `credential_process = /path/to/stsenv credential-process NAME [--role ROLE]` and the
//! account's region, in stsenv's block of the AWS config file (`store::aws_config`). Then any
//! program that takes a profile (Terraform providers, the AWS CLI, every SDK, IDEs) gets the
//! MFA session or the role, escalating through stsenv, one prompt for all.

use std::path::{Path, PathBuf};

use super::Context;
use crate::base::error::{self, Result, say, warn};
use crate::cli::AwsConfig;
use crate::config::accounts::Accounts;
use crate::config::aws_files::config_path;
use crate::shell::quote::posix_word;
use crate::store::aws_config::{self, ConfigFile, Conflict, Profile};

pub fn run(args: &AwsConfig, ctx: &Context) -> Result<String> {
    let file = ConfigFile { path: config_path(&ctx.env), home: crate::base::env::home(&ctx.env) };
    let shown = file.path.clone();
    if args.remove {
        // Nothing to take out of a file that is not there (and nothing made for it).
        if std::fs::symlink_metadata(&file.path).is_err() {
            say(format!("No stsenv block in {}: nothing to remove", shown.display()));
            return Ok(String::new());
        }
        let removed = file.edit(|text| {
            let new = match text {
                Some(text) => aws_config::without(text, &shown)?,
                None => None,
            };
            let removed = new.is_some();
            Ok((new, removed))
        })?;
        if removed {
            say(format!("Removed stsenv's profiles from {}", shown.display()));
        } else {
            say(format!("No stsenv block in {}: nothing to remove", shown.display()));
        }
        return Ok(String::new());
    }
    let accounts = ctx.accounts()?;
    let program = program()?;
    let profiles = profiles(&accounts, &program, ctx)?;
    if args.print {
        // What would be written: without the profiles the file has of its own.
        let text = file.read().ok().flatten().unwrap_or_default();
        let block = aws_config::find(&text, &shown).ok().flatten();
        let conflicts = aws_config::conflicts(&text, block.as_ref(), &profiles);
        report_conflicts(&conflicts, &shown);
        return Ok(aws_config::render(&aws_config::kept(&profiles, &conflicts), "\n"));
    }
    let conflicts = file.edit(|text| {
        let (new, conflicts) = aws_config::replace(text.unwrap_or_default(), &profiles, &shown)?;
        let changed = text != Some(new.as_slice());
        Ok((changed.then_some(new), conflicts))
    })?;
    report_conflicts(&conflicts, &shown);
    let written: Vec<&str> =
        aws_config::kept(&profiles, &conflicts).iter().map(|p| p.name.as_str()).collect();
    say(format!(
        "Wrote {} profile{} to {}: {}",
        written.len(),
        if written.len() == 1 { "" } else { "s" },
        shown.display(),
        written.join(" ")
    ));
    Ok(String::new())
}

/// One warning per profile left out, with how to resolve it.
fn report_conflicts(conflicts: &[Conflict], shown: &Path) {
    for c in conflicts {
        warn(format!(
            "left out profile {name}: [profile {name}] at line {line} of {path} is not stsenv's, and stsenv never replaces it; to let stsenv write it, delete or rename yours and run stsenv aws-config again (or keep yours and use it as it is)",
            name = c.name,
            line = c.line,
            path = shown.display()
        ));
    }
}

/// This stsenv's absolute path, as the SDKs will run it.
fn program() -> Result<PathBuf> {
    let exe = std::env::current_exe().map_err(|e| {
        error::usage(format!("cannot tell where this stsenv binary is: {}", error::io_reason(&e)))
    })?;
    // Linux names a replaced binary `PATH (deleted)`: that path would not run.
    if !exe.is_file() {
        return Err(error::usage(format!(
            "this stsenv binary is no longer at {} (replaced while running?); run stsenv aws-config again",
            exe.display()
        )));
    }
    Ok(exe)
}

/// A word of the `credential_process` line, or why it cannot be one.
fn word(text: &str, what: &str) -> Result<String> {
    posix_word(text).ok_or_else(|| {
        error::usage(format!(
            "{what} '{}' cannot be written into a credential_process line (only printable ASCII can); {}",
            text.escape_default(),
            if what.starts_with("the path") {
                "install stsenv under a plain path, like ~/.local/bin/stsenv"
            } else {
                "rename it in the accounts file"
            }
        ))
    })
}

/// A profile name every SDK reads back as written: botocore takes most, the JavaScript SDK
/// only letters, digits and `-_@+.%:/`.
fn usable_profile_name(name: &str) -> bool {
    !name.is_empty()
        && name != "default"
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_@+.%:/".contains(&b))
}

/// The profiles: each account of the accounts file, then each of its role keys. The global
/// file options given on the command line are passed on, so the SDKs' stsenv reads the same
/// files.
fn profiles(accounts: &Accounts, program: &Path, ctx: &Context) -> Result<Vec<Profile>> {
    let program_text = program.to_str().ok_or_else(|| {
        error::usage(format!(
            "the path of this stsenv binary, {}, is not UTF-8 and cannot be written into the AWS config file; install stsenv under a plain path",
            program.display()
        ))
    })?;
    let mut base = vec![word(program_text, "the path of this stsenv binary")?];
    for (flag, path) in [("--config", &ctx.accounts_flag), ("--creds-dir", &ctx.key_dir_flag)] {
        if let Some(path) = path {
            let absolute = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            let text = absolute.to_str().ok_or_else(|| {
                error::usage(format!(
                    "{flag} {} is not UTF-8 and cannot be written into the AWS config file",
                    absolute.display()
                ))
            })?;
            base.push(flag.to_owned());
            base.push(word(text, &format!("the path of {flag}"))?);
        }
    }
    base.push("credential-process".to_owned());
    if accounts.accounts.is_empty() {
        let file = accounts.path.as_ref().map_or("no accounts file was found".to_owned(), |p| {
            format!("the accounts file {} has none", p.display())
        });
        return Err(error::usage(format!(
            "no accounts to write profiles for: {file} (credential-process needs an account's arn); add one with: stsenv add NAME"
        )));
    }
    let mut profiles: Vec<Profile> = Vec::new();
    let mut add = |profile: Profile| {
        if profiles.iter().any(|p| p.name == profile.name) {
            warn(format!(
                "left out a second profile named {}: {} already has that name",
                profile.name, profile.about
            ));
        } else {
            profiles.push(profile);
        }
    };
    for account in &accounts.accounts {
        let name = &account.name;
        if name == "default" {
            warn(
                "left out account default: [profile default] would become the default profile of every program; rename the account to give it a profile",
            );
            continue;
        }
        if !usable_profile_name(name) {
            warn(format!("left out account {name}: its name cannot be a profile name"));
            continue;
        }
        // The account's region; for China or GovCloud without one, its partition's (as the
        // account's own STS calls use), never a region of another partition.
        let region = account.region.clone().or_else(|| match account.partition() {
            crate::aws::partition::Partition::Aws => None,
            other => Some(other.default_region().to_owned()),
        });
        let mut command = base.clone();
        command.push(word(name, "the account name")?);
        add(Profile {
            name: name.clone(),
            about: format!("MFA session of stsenv account {name}"),
            command: line(&command)?,
            region: region.clone(),
        });
        for key in account.roles.keys() {
            let profile = format!("{name}-{key}");
            if !usable_profile_name(&profile) {
                warn(format!(
                    "left out role {} of account {name}: profile {} cannot be a profile name (use letters, digits and -_@+.%:/ in role keys)",
                    key.escape_default(),
                    profile.escape_default()
                ));
                continue;
            }
            let mut command = command.clone();
            command.push("--role".to_owned());
            command.push(word(key, "the role key")?);
            add(Profile {
                name: profile,
                about: format!("role {key} ({}) of stsenv account {name}", account.role_arn(key)),
                command: line(&command)?,
                region: region.clone(),
            });
        }
    }
    Ok(profiles)
}

/// The words as one line; refused where the JavaScript SDK would cut it (it takes ` #` and
/// ` ;` as the start of a comment, even inside quotes).
fn line(words: &[String]) -> Result<String> {
    let line = words.join(" ");
    let cut =
        line.as_bytes().windows(2).any(|w| w[0].is_ascii_whitespace() && (w[1] == b'#' || w[1] == b';'));
    if cut {
        return Err(error::usage(format!(
            "the credential_process line would hold ' #' or ' ;', where the JavaScript SDK cuts a value as a comment: {line}; move stsenv (or the file named) to a path without them"
        )));
    }
    Ok(line)
}
