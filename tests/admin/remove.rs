//! `stsenv remove ACCOUNT`: the accounts entry out (every other byte kept), the account's own
//! files out of the key directory (listed first; asked on a terminal, `--yes` without one),
//! its cached sessions out of the cache, and what it left said. No request to AWS.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use stsenv::store::slot::Slot;
use time::OffsetDateTime;

use crate::util::fault::{Fault, Mode};
use crate::util::run::QUICK;
use crate::util::{ACCESS_KEY, Home, SECRET_KEY, on_pty, role_slot};

const SERIAL: &str = "arn:aws:iam::012123456789:mfa/jb";

/// Three accounts as a user writes them: `work` in the middle, across lines.
const ACCOUNTS: &str = r#"{
  "personal": "arn:aws:iam::123456789012:",
  "work": {
    "arn": "arn:aws:iam::012123456789:",
    "user": "jb",
    "mfa_serial": "arn:aws:iam::012123456789:mfa/jb",
    "roles": {"admin": "arn:aws:iam::012123456789:role/Admin"}
  },
  "old":   "arn:aws:iam::111122223333:"
}
"#;

/// The key directory's files of `work` (its own, to be removed).
const WORK_FILES: &[&str] = &[
    ".work.keys.gate.lock",
    ".work.keys.lock",
    "work.access_key",
    "work.secret_key",
    "work.totp",
    "work.user",
];

/// Every file under `dir` with its bytes (symlinks as where they point).
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                todo.push(path);
            } else if meta.file_type().is_symlink() {
                files.push((
                    path.clone(),
                    std::fs::read_link(&path).unwrap().into_os_string().into_encoded_bytes(),
                ));
            } else {
                files.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

/// A home with accounts `work` (key files, lock files, TOTP seed, user file, cached MFA session
/// and role), `personal` (keys, cached session) and `old`, files named like `work`'s but not
/// its own, a profile with work's key in ~/.aws/credentials and one running stsenv for it in
/// ~/.aws/config, and AWS pointed at a fault server that must see nothing.
fn home(fault: &Fault) -> Home {
    let mut home = Home::new();
    home.accounts(ACCOUNTS);
    home.keys("work", ACCESS_KEY, SECRET_KEY);
    home.keys("personal", "AKIAPERSONALPERSONAL", "personalsecret");
    home.write_secret("work.totp", b"JBSWY3DPEHPK3PXP\n");
    home.write_secret("work.user", b"jb\n");
    home.write_secret(".work.keys.gate.lock", b"");
    home.write_secret(".work.keys.lock", b"");
    // Not work's own: another name, and a suffix stsenv does not give.
    home.write_secret("workshop.access_key", b"AKIAWORKSHOPWORKSHOP");
    home.write_secret("work.notes", b"my notes\n");
    let later = OffsetDateTime::now_utc() + time::Duration::hours(6);
    home.cache_session("work", Slot::Mfa, "WORKTOKENWORKTOKENWORK", later);
    home.cache_session(
        "work",
        role_slot("arn:aws:iam::012123456789:role/Admin"),
        "WORKROLETOKENWORKROLE",
        later,
    );
    home.cache_session("personal", Slot::Mfa, "PERSONALTOKENPERSONAL", later);
    let aws = home.path().join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    std::fs::write(
        aws.join("credentials"),
        format!(
            "[default]\nregion = eu-west-1\n\n[work-copy]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(aws.join("credentials"), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(
        aws.join("config"),
        "[profile work-mfa]\ncredential_process = stsenv credential-process work\n\n[profile personal-mfa]\ncredential_process = stsenv credential-process personal\n",
    )
    .unwrap();
    home.set("AWS_ENDPOINT_URL", &fault.url);
    home
}

#[test]
fn remove_takes_out_the_account_and_says_what_it_left() {
    let fault = Fault::start(Mode::error(403, "AccessDenied", "nothing may reach the server"));
    let mut home = home(&fault);
    home.set("STSENV_ACCOUNT", "work");
    let creds = home.creds();
    let before = snapshot(home.path());

    // Without a terminal and without --yes: refused in one line, nothing changed.
    let run = home.run(&["remove", "work"], QUICK);
    run.failed(
        2,
        "no terminal to ask on: pass --yes to remove account work without asking (nothing was changed)",
    );
    assert_eq!(snapshot(home.path()), before);
    // Unknown accounts: one line, the closest name as a hint.
    home.run(&["remove", "wrok"], QUICK).failed(2, "unknown account 'wrok' (did you mean 'work'?)");
    home.run(&["remove", "nosuch", "--yes"], QUICK).failed(2, "it is neither in the accounts file");
    home.run(&["remove", "../work", "--yes"], QUICK).failed(2, "../work");
    assert_eq!(snapshot(home.path()), before);

    // --yes, spelt in another case.
    let run = home.run(&["remove", "WORK", "--yes"], QUICK);
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, "");
    // The entry is out, every other byte as it was.
    let work_entry = &ACCOUNTS[ACCOUNTS.find("  \"work\"").unwrap()..ACCOUNTS.find("  \"old\"").unwrap()];
    assert_eq!(std::fs::read_to_string(home.accounts_path()).unwrap(), ACCOUNTS.replace(work_entry, ""));
    // work's own files are gone; the others' and the look-alikes stay, byte for byte.
    for file in WORK_FILES {
        assert!(std::fs::symlink_metadata(creds.join(file)).is_err(), "{file} is still there");
    }
    let kept = |files: &[(PathBuf, Vec<u8>)]| -> Vec<(PathBuf, Vec<u8>)> {
        files
            .iter()
            .filter(|(p, _)| {
                let name = p.file_name().unwrap().to_str().unwrap();
                let works = p.starts_with(&creds) && WORK_FILES.contains(&name)
                    || p.starts_with(home.cache_dir()) && name.starts_with("work.");
                !works && *p != home.accounts_path()
            })
            .cloned()
            .collect()
    };
    assert_eq!(kept(&snapshot(home.path())), kept(&before));
    assert!(!home.cache().path("work", &Slot::Mfa).exists());
    assert!(creds.join("personal.access_key").exists() && creds.join("work.notes").exists());
    assert!(home.cache().path("personal", &Slot::Mfa).exists());
    // What it did, then what it left, one line each.
    let err = &run.stderr;
    let shown: Vec<String> = WORK_FILES.iter().map(|f| format!("    {}", creds.join(f).display())).collect();
    for line in &shown {
        assert!(err.lines().any(|l| l == line), "{line:?} listed: {err}");
    }
    assert_eq!(err.lines().filter(|l| l.starts_with("    ")).count(), WORK_FILES.len(), "{err}");
    for line in [
        "Removed account work: its accounts entry, 6 files, 2 cached sessions".to_owned(),
        format!(
            "Left: the MFA device {SERIAL} in AWS (if you no longer need it: aws iam deactivate-mfa-device --user-name jb --serial-number {SERIAL}, then aws iam delete-virtual-mfa-device --serial-number {SERIAL}; and delete its entry in your authenticator app)"
        ),
        format!(
            "Left: the access key {ACCESS_KEY} in AWS, which still works (if nothing uses it any more: aws iam delete-access-key --access-key-id {ACCESS_KEY})"
        ),
        format!(
            "Left: the profile [work-copy] in {}, which holds the same access key (remove it by hand if it is an old copy)",
            home.path().join(".aws/credentials").display()
        ),
        format!(
            "Left: [profile work-mfa] in {}, which runs stsenv credential-process work and now fails: remove it",
            home.path().join(".aws/config").display()
        ),
        "Left: this shell's credentials of work (run ec2unset to remove them)".to_owned(),
    ] {
        assert!(err.lines().any(|l| l == line), "missing {line:?} in:\n{err}");
    }
    assert!(!err.contains("personal-mfa") && !err.contains("[default]"), "{err}");
    assert!(!err.contains(SECRET_KEY), "{err}");
    assert_eq!(fault.count(), 0, "no request to AWS");
    // Gone: removing it again is an unknown account; the other accounts still work.
    home.run(&["remove", "work", "--yes"], QUICK).failed(2, "unknown account 'work'");
    let list = home.run(&["list", "--names"], QUICK);
    assert_eq!(list.stdout, "personal\nworkshop\n", "{}", list.stderr);
}

/// An account with only key files (no accounts entry) and one of them a symlink: the link
/// is neither followed nor removed, and the line that says so names the fix.
#[test]
fn remove_leaves_a_symlink_and_an_account_without_an_entry_is_found_by_its_files() {
    let fault = Fault::start(Mode::error(403, "AccessDenied", "nothing may reach the server"));
    let home = home(&fault);
    let creds = home.creds();
    home.keys("loose", "AKIALOOSELOOSELOOSE", "loosesecret");
    let target = home.path().join("elsewhere.secret");
    std::fs::write(&target, "keep me").unwrap();
    std::os::unix::fs::symlink(&target, creds.join("loose.totp")).unwrap();
    let accounts = std::fs::read_to_string(home.accounts_path()).unwrap();
    let run = home.run(&["remove", "loose", "--yes"], QUICK);
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    let link = creds.join("loose.totp");
    assert!(
        run.stderr.contains(&format!("(it has no entry in {})", home.accounts_path().display())),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Removed account loose: 2 files, 0 cached sessions"), "{}", run.stderr);
    let line = format!(
        "Left: {}, which is not a regular file (a symlink?), so stsenv did not remove it: remove it yourself with: rm {}",
        link.display(),
        link.display()
    );
    assert!(run.stderr.lines().any(|l| l == line), "{line:?} in {}", run.stderr);
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    assert!(!creds.join("loose.access_key").exists() && !creds.join("loose.secret_key").exists());
    assert_eq!(std::fs::read_to_string(home.accounts_path()).unwrap(), accounts);
    assert_eq!(fault.count(), 0);
}

/// Another user's file named like the account's: listed as left, not removed.
#[test]
fn remove_leaves_another_users_file() {
    let Some(user) = crate::util::other_user() else { return };
    let fault = Fault::start(Mode::error(403, "AccessDenied", "nothing may reach the server"));
    let home = home(&fault);
    let theirs = home.creds().join("work.totp");
    user.give(&theirs);
    let run = home.run(&["remove", "work", "--yes"], QUICK);
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "Left: {}, which belongs to another user (uid {})",
            theirs.display(),
            user.uid
        )),
        "{}",
        run.stderr
    );
    assert!(theirs.exists());
    assert!(!home.creds().join("work.access_key").exists());
}

/// On a terminal of its own: the files listed, then "Remove these N files? [y/N]"; anything
/// but y/yes keeps everything, "y" removes.
#[test]
fn remove_asks_on_a_terminal() {
    let fault = Fault::start(Mode::error(403, "AccessDenied", "nothing may reach the server"));
    let home = home(&fault);
    let before = snapshot(home.path());
    let ask = |answer: &str| -> serde_json::Value {
        let mut cmd = on_pty(&home, "pty_prompt.py");
        // Everything on the terminal, as typed at a prompt: the answer is typed at the first
        // line ending in ':' ("Removing account work:") and read by the question after it.
        cmd.env("PTY_ANSWERS", serde_json::json!([answer]).to_string()).env("PTY_STDOUT", "1");
        cmd.arg(crate::util::bin()).args(["remove", "work"]);
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    for answer in ["", "n", "no thanks"] {
        let report = ask(answer);
        let terminal = report["terminal"].as_str().unwrap().replace('\r', "");
        assert_eq!(report["status"], 2, "{answer:?}: {report}");
        assert!(terminal.contains("Remove these 6 files? [y/N]"), "{terminal}");
        assert!(terminal.contains("stsenv: not removed: account work is as it was"), "{terminal}");
        assert_eq!(snapshot(home.path()), before, "{answer:?}: nothing changed");
    }
    let report = ask("y");
    let terminal = report["terminal"].as_str().unwrap().replace('\r', "");
    assert_eq!(report["status"], 0, "{report}");
    let listed = terminal.find(&format!("    {}", home.creds().join("work.access_key").display())).unwrap();
    let asked = terminal.find("Remove these 6 files? [y/N]").unwrap();
    assert!(listed < asked, "listed before asking: {terminal}");
    assert!(
        terminal.contains("Removed account work: its accounts entry, 6 files, 2 cached sessions"),
        "{terminal}"
    );
    assert!(!home.creds().join("work.access_key").exists());
    assert_eq!(fault.count(), 0);
}
