//! `--write-profile`: the shared credentials file gets one section, every other byte kept; the
//! AWS CLI uses it with `--profile`; sections stsenv did not write are refused.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Output;

use stsenv::store::slot::Slot;
use time::{Duration, OffsetDateTime};

use crate::util::fixtures::ACCOUNTS_PERSONAL_ADMIN as ACCOUNTS;
use crate::util::fixtures::sts_home;
use crate::util::moto::{As, CALLER_ARN, Moto, aws};
use crate::util::run::command;
use crate::util::{Home, bin, mode, stderr, stdout};

const TOKEN: &str = "cachedtoken0123456789abcdefXYZ";

/// A home with keys and accounts, its STS endpoint unreachable (any STS call fails at once).
fn offline_home() -> Home {
    let home = sts_home("http://127.0.0.1:9");
    home.accounts(ACCOUNTS);
    home
}

/// A valid cached MFA session (so `mfa` makes no STS call); returns the section stsenv writes.
fn cached(home: &Home, name: &str, eol: &str) -> String {
    let expiration = (OffsetDateTime::now_utc() + Duration::hours(6)).replace_nanosecond(0).unwrap();
    home.cache_session("personal", Slot::Mfa, TOKEN, expiration);
    let expires = stsenv::base::times::rfc3339(expiration);
    [
        format!("[{name}]"),
        format!("# managed by stsenv: rewritten by stsenv --write-profile {name}; edits here are lost"),
        format!("# expires {expires} (MFA session of stsenv account personal)"),
        format!("aws_access_key_id = ASIA{}", TOKEN[..16].to_ascii_uppercase()),
        format!("aws_secret_access_key = tmpsecret/{TOKEN}"),
        format!("aws_session_token = {TOKEN}"),
    ]
    .iter()
    .map(|l| format!("{l}{eol}"))
    .collect()
}

fn default_file(home: &Home) -> PathBuf {
    home.path().join(".aws").join("credentials")
}

#[test]
fn mfa_and_role_profiles_are_used_by_the_aws_cli() {
    let moto = Moto::start(false);
    let user = moto.user("jbrowne");
    let mut home = Home::new();
    home.user_keys("personal", &user).accounts(ACCOUNTS);
    home.use_moto(&moto);
    let file = home.path().join("elsewhere").join("creds");
    home.set("AWS_SHARED_CREDENTIALS_FILE", &file);

    let out = home.stsenv(&["mfa", "personal", "-c", "123456", "--write-profile", "p"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The shell code is still printed, for the wrapper.
    assert!(stdout(&out).contains("AWS_SESSION_TOKEN="), "{}", stdout(&out));
    assert_stderr_contains!(out, &format!("Wrote profile p to {}", file.display()));
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(file.parent().unwrap()), 0o700);
    let first = std::fs::read_to_string(&file).unwrap();
    let first_inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&file).unwrap());
    assert!(first.starts_with("[p]\n# managed by stsenv"), "{first}");
    assert!(!first.contains(&user.access_key), "long-term keys are never written");

    let who = aws(
        &home,
        As::Profile("p"),
        &["sts", "get-caller-identity", "--query", "Account", "--output", "text"],
    );
    assert!(who.status.success(), "{}", stderr(&who));
    assert_eq!(stdout(&who).trim(), "123456789012");

    // A second write replaces the section (a new file renamed over the old): still one [p]. (moto
    // answers every GetSessionToken with the same triple, so the text may be the same.)
    let out = home.stsenv(&["mfa", "personal", "-c", "123456", "--force", "--write-profile", "p"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let second = std::fs::read_to_string(&file).unwrap();
    assert_eq!(second.matches("[p]").count(), 1, "{second}");
    assert_ne!(first_inode, std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&file).unwrap()));
    assert_eq!(first.lines().count(), second.lines().count());

    // A role, chained from the MFA session, as another profile beside it.
    let out = home.stsenv(&["role", "admin", "--account", "personal", "--write-profile", "admin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("\"session_token\""), "the JSON is still printed");
    let both = std::fs::read_to_string(&file).unwrap();
    assert!(both.starts_with(&second), "[p] is kept as it was:\n{both}");
    assert!(both.contains("(role Admin of stsenv account personal)"), "{both}");
    let who = aws(&home, As::Profile("admin"), CALLER_ARN);
    assert!(who.status.success(), "{}", stderr(&who));
    assert!(stdout(&who).contains(":assumed-role/Admin/"), "{}", stdout(&who));
    // The cached role is reused, and written again.
    let out = home.stsenv(&["role", "admin", "--account", "personal", "--write-profile", "admin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains!(out, "Cache is valid for role Admin");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), both);
}

/// Comments, blank lines, odd spacing, unknown keys, other sections, a previous stsenv section:
/// byte-identical but for that section.
const BEFORE: &str = "; my AWS keys\n\n[default]\naws_access_key_id=AKIAIOSFODNN7EXAMPLE\naws_secret_access_key  =  wJalrXUtnFEMI/K7MDENG\n\t# an indented comment\nregion = eu-west-1\n\n[ p ]   \n# managed by stsenv: rewritten by stsenv --write-profile p; edits here are lost\n# expires 2020-01-01T00:00:00Z (MFA session of stsenv account personal)\naws_access_key_id = ASIAOLD\naws_secret_access_key = oldsecret\naws_session_token = oldtoken\n\n# work, kept by hand\n[work]\naws_mfa_device = arn:aws:iam::012123456789:mfa/jb\nZ_unknown: colon = value\nnested =\n    s3 = x\n";

#[test]
fn only_the_section_changes_byte_for_byte() {
    for eol in ["\n", "\r\n"] {
        let home = offline_home();
        let file = default_file(&home);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        let before = BEFORE.replace('\n', eol);
        std::fs::write(&file, &before).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let section = cached(&home, "p", eol);

        let out = home.stsenv(&["mfa", "personal", "--write-profile", "p"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_stderr_contains!(out, "Cache is valid for account personal");
        let start = before.find("[ p ]").unwrap();
        let end = before.find("aws_session_token = oldtoken").unwrap()
            + "aws_session_token = oldtoken".len()
            + eol.len();
        let want = format!("{}{section}{}", &before[..start], &before[end..]);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), want, "eol {eol:?}");

        // Again: the same bytes, no duplicate section.
        let out = home.stsenv(&["mfa", "personal", "--write-profile", "p"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), want);

        // A new profile is appended after a blank line; the rest is untouched.
        let out = home.stsenv(&["mfa", "personal", "--write-profile", "other"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let other = section.replace("[p]", "[other]").replace("write-profile p;", "write-profile other;");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), format!("{want}{eol}{other}"));
        assert_eq!(mode(&file), 0o600);
        assert_stderr_lacks!(out, "warning");
    }
}

#[test]
fn a_new_file_is_0600_whatever_the_umask_and_a_symlink_stays_a_link() {
    let home = offline_home();
    let section = cached(&home, "p", "\n");
    let out = home.stsenv(&["mfa", "personal", "--write-profile", "p"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let file = default_file(&home);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), section);
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(file.parent().unwrap()), 0o700);

    let mut home = offline_home();
    cached(&home, "p", "\n");
    let real = home.path().join("dotfiles").join("aws-credentials");
    std::fs::create_dir_all(real.parent().unwrap()).unwrap();
    std::fs::write(&real, "[default]\nregion = x\n").unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
    let link = home.path().join("link-credentials");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    home.set("AWS_SHARED_CREDENTIALS_FILE", &link);
    let out = home.stsenv(&["mfa", "personal", "--write-profile", "p"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert!(std::fs::read_to_string(&real).unwrap().starts_with("[default]\nregion = x\n\n[p]\n"));
}

#[test]
fn an_existing_file_keeps_its_mode_with_a_warning_when_others_can_read_it() {
    let home = offline_home();
    let file = default_file(&home);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "[default]\nregion = eu-west-1\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    cached(&home, "p", "\n");
    let out = home.stsenv(&["mfa", "personal", "--write-profile", "p"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mode(&file), 0o640);
    assert_stderr_contains!(
        out,
        &format!("{} is readable by group or others; fix it with: chmod 600", file.display())
    );
}

#[test]
fn a_section_stsenv_did_not_write_is_refused_before_any_sts_call() {
    let home = offline_home();
    let file = default_file(&home);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let before = "[default]\nregion = x\n\n[work]\naws_access_key_id = AKIALONGTERMKEY00001\naws_secret_access_key = longtermsecret\n";
    std::fs::write(&file, before).unwrap();
    // No cache and an unreachable STS: a refusal must come before the network.
    for args in [
        &["mfa", "personal", "-c", "123456", "--write-profile", "work"][..],
        &["role", "admin", "--account", "personal", "-c", "123456", "--write-profile", "work"][..],
    ] {
        let out = home.stsenv(args);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert_eq!(stdout(&out), "");
        let err = stderr(&out);
        assert!(err.contains("will not replace the profile [work] at line 4 of"), "{err}");
        assert!(err.contains("--force-profile"), "{err}");
        assert!(!err.contains("AKIALONGTERMKEY"), "{err}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
    }
    // --force-profile replaces it.
    let section = cached(&home, "work", "\n");
    let out = home.stsenv(&["mfa", "personal", "--write-profile", "work", "--force-profile"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), format!("[default]\nregion = x\n\n{section}"));
    // A bad name is a usage error too.
    let out = home.stsenv(&["mfa", "personal", "--write-profile", "profile x"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains!(out, "only for ~/.aws/config");
    // --force-profile alone is a usage error.
    let out = home.stsenv(&["mfa", "personal", "--force-profile"]);
    assert_eq!(out.status.code(), Some(2));
}

/// stsenv in the home; as root (where permissions do not bind) as the second user, owning the
/// home.
fn stsenv_unprivileged(home: &Home, args: &[&str]) -> Output {
    let mut cmd = match crate::util::other_user() {
        Some(user) if crate::util::is_root() => {
            user.give(home.path());
            user.command(crate::util::other_user_bin())
        }
        _ => command(bin()),
    };
    home.apply(&mut cmd);
    cmd.args(args).output().unwrap()
}

#[test]
fn an_unreadable_or_unwritable_file_is_exit_2_and_left_alone() {
    let before = "[default]\nregion = x\n";
    for (file_mode, dir_mode, phrase) in [
        (0o000, 0o700, "cannot read the credentials file"),
        (0o400, 0o700, "cannot write the credentials file"),
        (0o600, 0o500, "cannot write the credentials file"),
    ] {
        let home = offline_home();
        cached(&home, "p", "\n");
        let file = default_file(&home);
        let dir = file.parent().unwrap().to_owned();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&file, before).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(file_mode)).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(dir_mode)).unwrap();
        let out = stsenv_unprivileged(&home, &["mfa", "personal", "--write-profile", "p"]);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{file_mode:o}/{dir_mode:o}: {err}");
        assert_eq!(stdout(&out), "");
        assert!(err.contains(phrase) && err.contains("unchanged"), "{file_mode:o}/{dir_mode:o}: {err}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(names.iter().all(|n| !n.to_string_lossy().ends_with(".tmp")), "{names:?}");
    }
}
