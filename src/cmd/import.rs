//! `stsenv import [PROFILE...] [--remove] [--force]`: long-term keys from the shared credentials
//! file (`$AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`) into the key directory and the
//! accounts file, as `stsenv add` would. aws-mfa's `[NAME-long-term]` section becomes account
//! NAME (its `aws_mfa_device` is the serial when IAM will not list the devices). Every profile is
//! checked with AWS before anything is written; the credentials file changes only with
//! `--remove`, which takes out the imported sections and keeps every other byte.

use std::path::Path;

use super::Context;
use super::add::refused;
use crate::admin::account_setup::{self, Learned, NewAccount, Place};
use crate::base::credentials::Credentials;
use crate::base::error::{self, Result, say};
use crate::base::names;
use crate::cli::Import;
use crate::config::aws_files::{self, Section};
use crate::store::shared_credentials;

/// aws-mfa's suffix for the section with the long-term keys.
const LONG_TERM_SUFFIX: &str = "-long-term";

/// A profile with long-term keys.
struct Found {
    profile: String,
    account: String,
    keys: Credentials,
    /// aws-mfa's `aws_mfa_device`.
    mfa_device: Option<String>,
}

pub fn run(args: &Import, ctx: &Context) -> Result<String> {
    let path = shared_credentials::locate(&ctx.env);
    let text = read_credentials(&path)?;
    let sections = first_of_each_name(aws_files::sections(&text));
    let found = if args.profiles.is_empty() {
        every_profile(&text, &sections, &path)?
    } else {
        named_profiles(&args.profiles, &text, &sections, &path)?
    };
    let found = one_per_key(found, !args.profiles.is_empty())?;
    check_distinct(&found)?;
    let place = Place::locate(ctx.key_dir(), ctx.accounts_flag.as_deref(), &ctx.env)?;
    if !args.force {
        check_free(&place, &found)?;
    }
    let learned = check_keys(&found, &place, ctx)?;
    let done = save_all(&found, &learned, &place, args.force)?;
    if args.remove {
        remove_profiles(&path, &done)?;
    } else {
        say(format!(
            "{} is unchanged; stsenv import --remove {} takes the imported profiles out of it",
            path.display(),
            done.join(" ")
        ));
    }
    Ok(String::new())
}

/// The credentials file's bytes (a warning when group or others can read it).
fn read_credentials(path: &Path) -> Result<Vec<u8>> {
    let text = std::fs::read(path).map_err(|e| {
        error::usage(format!(
            "cannot read the credentials file {}: {} (AWS_SHARED_CREDENTIALS_FILE names another)",
            path.display(),
            crate::base::error::io_reason(&e)
        ))
    })?;
    crate::config::key_dir::warn_if_readable_by_others(path);
    Ok(text)
}

/// The first of duplicate names is the one the SDKs read... and the one imported.
fn first_of_each_name(mut sections: Vec<Section>) -> Vec<Section> {
    let mut seen = Vec::new();
    sections.retain(|s| {
        if seen.contains(&s.name) {
            false
        } else {
            seen.push(s.name.clone());
            true
        }
    });
    sections
}

/// No profile named: every profile with long-term keys, skipping (and saying so) those whose
/// name is not an account name.
fn every_profile(text: &[u8], sections: &[Section], path: &Path) -> Result<Vec<Found>> {
    let mut found: Vec<Found> = Vec::new();
    for section in sections {
        match long_term(text, section) {
            Ok(Some(f)) if names::is_valid(&f.account) => found.push(f),
            Ok(Some(f)) => say(format!(
                "Skipped [{}]: {} (import it under another name with stsenv add)",
                f.profile,
                names::invalid_message(&f.account)
            )),
            _ => {}
        }
    }
    if found.is_empty() {
        return Err(error::usage(format!(
            "no long-term keys in {}: no profile has aws_access_key_id and aws_secret_access_key without aws_session_token",
            path.display()
        )));
    }
    Ok(found)
}

/// The profiles named: each must be there, with long-term keys and a name fit for an account.
fn named_profiles(wanted: &[String], text: &[u8], sections: &[Section], path: &Path) -> Result<Vec<Found>> {
    let mut found: Vec<Found> = Vec::new();
    for wanted in wanted {
        let Some(section) = sections.iter().find(|s| &s.name == wanted) else {
            let all: Vec<&str> = sections.iter().map(|s| s.name.as_str()).collect();
            return Err(error::usage(format!(
                "there is no profile [{wanted}] in {} (its profiles: {})",
                path.display(),
                all.join(" ")
            )));
        };
        match long_term(text, section) {
            Ok(Some(f)) if names::is_valid(&f.account) => found.push(f),
            Ok(Some(f)) => {
                return Err(error::usage(format!(
                    "profile [{wanted}]: {}; use stsenv add NAME to pick another name",
                    names::invalid_message(&f.account)
                )));
            }
            Ok(None) => {
                return Err(error::usage(format!(
                    "profile [{wanted}] of {} has no long-term keys (aws_access_key_id and aws_secret_access_key)",
                    path.display()
                )));
            }
            Err(why) => {
                return Err(error::usage(format!("profile [{wanted}] of {}: {why}", path.display())));
            }
        }
    }
    Ok(found)
}

/// No two accounts with one access key: of profiles holding the same key, the first is
/// imported and each other one skipped with a line saying so; when they were named, refused.
fn one_per_key(found: Vec<Found>, named: bool) -> Result<Vec<Found>> {
    let mut kept: Vec<Found> = Vec::new();
    for f in found {
        let key = f.keys.access_key_id.expose().trim_ascii();
        let Some(first) = kept.iter().find(|k| k.keys.access_key_id.expose().trim_ascii() == key) else {
            kept.push(f);
            continue;
        };
        if named {
            return Err(error::usage(format!(
                "profiles [{}] and [{}] hold the same access key: import one of them (stsenv import {}, or stsenv import {})",
                first.profile, f.profile, f.profile, first.profile
            )));
        }
        say(format!(
            "Skipped [{}]: it holds the same access key as [{}], imported as account {} (stsenv remove {}, then stsenv import {}, to have it as {})",
            f.profile, first.profile, first.account, first.account, f.profile, f.account
        ));
    }
    Ok(kept)
}

/// No two profiles become the same account.
fn check_distinct(found: &[Found]) -> Result<()> {
    for (i, f) in found.iter().enumerate() {
        if let Some(other) = found[..i].iter().find(|o| o.account.eq_ignore_ascii_case(&f.account)) {
            return Err(error::usage(format!(
                "profiles [{}] and [{}] would both be account {}: import one of them (stsenv import {})",
                other.profile, f.profile, f.account, other.profile
            )));
        }
    }
    Ok(())
}

/// Without --force, no account is there already.
fn check_free(place: &Place, found: &[Found]) -> Result<()> {
    for f in found {
        if let Some(why) = account_setup::taken(place, &f.account)? {
            return Err(error::usage(format!(
                "profile [{}]: {why}: pass --force to replace it, or leave it out (nothing was imported)",
                f.profile
            )));
        }
    }
    Ok(())
}

/// AWS checks every key before anything is written.
fn check_keys(found: &[Found], place: &Place, ctx: &Context) -> Result<Vec<Learned>> {
    let mut learned: Vec<Learned> = Vec::new();
    for f in found {
        let l =
            account_setup::learn(&f.keys, &place.region(&f.account, &ctx.env), &ctx.env).map_err(|e| {
                let e = refused(e);
                error::Error {
                    message: format!(
                        "profile [{}]: {} (leave it out by naming the others)",
                        f.profile, e.message
                    ),
                    ..e
                }
            })?;
        learned.push(l);
    }
    Ok(learned)
}

/// Write each account as `stsenv add` would, and say what was written; the profiles imported.
fn save_all<'a>(found: &'a [Found], learned: &[Learned], place: &Place, force: bool) -> Result<Vec<&'a str>> {
    let mut done: Vec<&str> = Vec::new();
    for (f, learned) in found.iter().zip(learned) {
        let new = NewAccount {
            name: &f.account,
            keys: &f.keys,
            key_process: None,
            learned,
            fallback_serial: f.mfa_device.as_deref(),
            force,
        };
        account_setup::save(place, &new).map_err(|e| partly(e, &done))?;
        say(format!("From profile [{}]:", f.profile));
        for line in account_setup::summary(&f.account, &new, &place.accounts) {
            say(format!("  {line}"));
        }
        done.push(&f.profile);
    }
    Ok(done)
}

/// --remove: take the imported profiles out of the credentials file.
fn remove_profiles(path: &Path, done: &[&str]) -> Result<()> {
    shared_credentials::remove_sections(path, done).map_err(|e| error::Error {
        message: format!("the keys are imported, but removing their profiles failed: {}", e.message),
        ..e
    })?;
    say(format!("Removed [{}] from {}", done.join("], ["), path.display()));
    Ok(())
}

/// An error part-way: say which profiles were imported already.
fn partly(e: error::Error, done: &[&str]) -> error::Error {
    if done.is_empty() {
        return e;
    }
    error::Error { message: format!("{} (imported already: {})", e.message, done.join(" ")), ..e }
}

/// The section's long-term keys, if it has them (not a session's, not stsenv's own section).
fn long_term(text: &[u8], section: &Section) -> std::result::Result<Option<Found>, String> {
    if section.managed {
        return Ok(None);
    }
    let values = aws_files::values(text, section);
    let get =
        |key: &str| values.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
    let (Some(access), Some(secret)) = (get("aws_access_key_id"), get("aws_secret_access_key")) else {
        return Ok(None);
    };
    if get("aws_session_token").is_some() || get("aws_security_token").is_some() {
        return Err("it holds temporary credentials (aws_session_token), not long-term keys".to_owned());
    }
    let account =
        section.name.strip_suffix(LONG_TERM_SUFFIX).filter(|n| !n.is_empty()).unwrap_or(&section.name);
    Ok(Some(Found {
        profile: section.name.clone(),
        account: account.to_owned(),
        keys: Credentials::long_term(access, secret),
        mfa_device: get("aws_mfa_device").map(str::to_owned),
    }))
}
