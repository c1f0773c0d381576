//! What stsenv refuses to trust, tried as an attacker on the same machine would: a cache that
//! another user could have written (run as a second, non-root user), a relative cache path,
//! closed standard descriptors, a process another one could dump or read; and a lock held by
//! another stsenv (announced at once, bounded, the clock read again after it).

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use stsenv::store::slot::Slot;
use time::OffsetDateTime;

use crate::util::fault::{Fault, Mode};
use crate::util::fixtures::{self, sts_home};
use crate::util::{ACCESS_KEY, Home, SECRET_KEY, bin, mode, other_user, script, stderr, stdout};

use crate::util::fixtures::ACCOUNTS_PERSONAL as ACCOUNTS;
use crate::util::run::command;

/// A cache entry an attacker wrote: valid until 2099, with credentials of their own.
const FORGED: &str = r#"{"version": 1, "account": "personal", "kind": "mfa",
  "access_key_id": "ASIAFORGEDFORGED1234", "secret_access_key": "forged/secret",
  "session_token": "FORGEDTOKEN", "expiration": "2099-01-01T00:00:00Z"}"#;

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid)).unwrap();
}

/// How a forged cache is laid out in a shared directory (like /tmp: 1777).
struct Forgery {
    name: &'static str,
    /// Sets up `cache` (inside the shared directory) for a victim of uid `victim`.
    setup: fn(shared: &Path, cache: &Path, victim: (u32, u32)),
    /// What the one line says (after the path): the error that refuses the directory, else the
    /// warning about the file.
    why: &'static str,
    /// Whether the directory is refused (every command that uses the cache stops with exit 2 and
    /// changes nothing), else only the file is not used (in the victim's own private directory).
    refused: bool,
    /// Whether `stsenv clear` removes the file (the user's own regular file).
    cleared: bool,
}

fn forged_file(path: &Path, owner: (u32, u32), mode: u32) {
    std::fs::write(path, FORGED).unwrap();
    chmod(path, mode);
    chown(path, owner.0, owner.1);
}

const FORGERIES: &[Forgery] = &[
    Forgery {
        name: "a directory another user made",
        setup: |_, cache, _| {
            std::fs::create_dir(cache).unwrap();
            chmod(cache, 0o755);
            forged_file(&cache.join("personal.mfa.json"), (0, 0), 0o644);
        },
        why: "belongs to another user (uid 0): stsenv does not use it; set STSENV_CACHE_DIR to a directory of your own",
        refused: true,
        cleared: false,
    },
    Forgery {
        name: "the user's directory, writable by others",
        setup: |_, cache, victim| {
            std::fs::create_dir(cache).unwrap();
            chown(cache, victim.0, victim.1);
            chmod(cache, 0o777);
            forged_file(&cache.join("personal.mfa.json"), (0, 0), 0o644);
        },
        why: "is writable by group or others: stsenv does not use it; make it yours alone with: chmod 700",
        refused: true,
        cleared: false,
    },
    Forgery {
        name: "a file another user owns",
        setup: |_, cache, victim| {
            std::fs::create_dir(cache).unwrap();
            chown(cache, victim.0, victim.1);
            chmod(cache, 0o700);
            forged_file(&cache.join("personal.mfa.json"), (0, 0), 0o644);
        },
        why: "belongs to another user (uid 0), so it is not used; remove it with: rm",
        refused: false,
        cleared: false,
    },
    Forgery {
        name: "the user's file, writable by group",
        setup: |_, cache, victim| {
            std::fs::create_dir(cache).unwrap();
            chown(cache, victim.0, victim.1);
            chmod(cache, 0o700);
            forged_file(&cache.join("personal.mfa.json"), victim, 0o660);
        },
        why: "is writable by group or others, so it is not used; remove it with: rm",
        refused: false,
        cleared: true,
    },
    Forgery {
        name: "a symlink to another user's file",
        setup: |shared, cache, victim| {
            std::fs::create_dir(cache).unwrap();
            chown(cache, victim.0, victim.1);
            chmod(cache, 0o700);
            let planted = shared.join("planted.json");
            forged_file(&planted, (0, 0), 0o644);
            let link = cache.join("personal.mfa.json");
            std::os::unix::fs::symlink(&planted, &link).unwrap();
            chown(&link, victim.0, victim.1);
        },
        why: "is a symlink, so it is not used; remove it with: rm",
        refused: false,
        cleared: false,
    },
];

#[test]
fn a_cache_another_user_could_have_written_is_never_used() {
    // The victim is the second user (not root, whom the checks would not stop otherwise);
    // the attacker's files are root's.
    let Some(user) = other_user() else { return };
    for forgery in FORGERIES {
        let fault = Fault::start(Mode::ok());
        let mut home = sts_home(&fault.url);
        let shared = home.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        let cache = shared.join("stsenv-cache");
        home.set("STSENV_CACHE_DIR", &cache);
        // The home and key files are the victim's; the shared directory is like /tmp.
        home.become_user(&user);
        chown(&shared, 0, 0);
        chmod(&shared, 0o1777);
        (forgery.setup)(&shared, &cache, (user.uid, user.gid));
        let what = forgery.name;
        let forged = cache.join("personal.mfa.json");
        let forged_before = std::fs::symlink_metadata(&forged).map(|m| (m.len(), m.file_type()));
        let dir_mode = mode(&cache);
        if forgery.refused {
            // Each command that uses the cache: one line naming the directory and the fix, exit 2,
            // stdout empty, nothing asked of STS, nothing written, removed or chmod-ed.
            let error = format!("stsenv: the cache directory {} {}", cache.display(), forgery.why);
            for args in [
                &["switch", "personal", "--shell", "bash"][..],
                &["credential-process", "personal"],
                &["mfa", "personal", "-c", "123456", "--shell", "bash"],
                &["clear"],
                &["list"],
            ] {
                let out = home.stsenv(args);
                assert_eq!(out.status.code(), Some(2), "{what}: {args:?}: {}", stderr(&out));
                assert_eq!(stdout(&out), "", "{what}: {args:?}");
                let err = stderr(&out);
                assert_eq!(err.lines().count(), 1, "{what}: {args:?}: one line: {err}");
                assert!(err.starts_with(&error), "{what}: {args:?}: no\n{error}\nin\n{err}");
                assert!(!err.contains("FORGED") && !err.contains("forged/"), "{what}: {err}");
            }
            assert_eq!(fault.count(), 0, "{what}: no STS call");
            assert_eq!(mode(&cache), dir_mode, "{what}: the directory keeps its mode");
            assert_eq!(std::fs::read_to_string(&forged).unwrap(), FORGED, "{what}");
            assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 1, "{what}: no file added");
            // doctor names the problem too.
            let out = home.stsenv(&["doctor"]);
            let report = format!("{}{}", stdout(&out), stderr(&out));
            let fail = format!("FAIL  cache directory {} {}", cache.display(), forgery.why);
            assert!(report.contains(&fail), "{what}: {report}");
            continue;
        }
        let warning = format!(
            "stsenv: warning: the cache file {} {} {}",
            forged.display(),
            forgery.why,
            forged.display()
        );

        // ec2switch: the long-term keys, never the forged ones; one warning naming the fix.
        let out = home.stsenv(&["switch", "personal", "--shell", "bash"]);
        assert!(out.status.success(), "{what}: {}", stderr(&out));
        let code = stdout(&out);
        assert!(code.contains(&format!("AWS_ACCESS_KEY_ID='{ACCESS_KEY}'")), "{what}: {code}");
        assert!(!code.contains("FORGED") && !code.contains("forged"), "{what}: {code}");
        let err = stderr(&out);
        assert_eq!(err.matches("warning").count(), 1, "{what}: one warning: {err}");
        assert!(err.contains(&warning), "{what}: no\n{warning}\nin\n{err}");

        // credential-process gives the SDKs nothing from it.
        let out = home.stsenv(&["credential-process", "personal"]);
        assert_eq!(out.status.code(), Some(2), "{what}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{what}");
        assert_stderr_contains!(out, "no valid cached session for account personal", "{what}");

        // clear removes the user's own regular file, and leaves any other, saying so.
        let out = home.stsenv(&["clear", "personal"]);
        assert!(out.status.success(), "{what}: {}", stderr(&out));
        let left = std::fs::symlink_metadata(&forged).map(|m| (m.len(), m.file_type()));
        if forgery.cleared {
            assert!(left.is_err(), "{what}: removed");
            assert_stderr_contains!(out, "Removed 1 cached session of account personal", "{what}");
        } else {
            assert_eq!(left.ok(), forged_before.as_ref().ok().cloned(), "{what}: kept as it was");
            assert_stderr_contains!(
                out,
                &format!(
                    "stsenv: warning: the cache file {} {}, so stsenv does not remove it; remove it yourself with: rm {}",
                    forged.display(),
                    if forgery.why.contains("symlink") {
                        "is not a regular file".to_owned()
                    } else {
                        "belongs to another user (uid 0)".to_owned()
                    },
                    forged.display()
                ),
                "{what}"
            );
        }

        // ec2mfa gets a new session: the user's own private directory, the bad file replaced
        // by a good one (never read).
        let before = fault.count();
        let out = home.stsenv(&["mfa", "personal", "-c", "123456", "--shell", "bash"]);
        assert!(out.status.success(), "{what}: {}", stderr(&out));
        assert!(stdout(&out).contains("FAULTTOKEN"), "{what}: {}", stdout(&out));
        assert_eq!(fault.count(), before + 1, "{what}: the forged entry was not taken for a valid session");
        assert_eq!(mode(&cache), 0o700, "{what}");
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::symlink_metadata(&forged).unwrap();
        assert!(meta.file_type().is_file(), "{what}");
        assert_eq!((meta.uid(), meta.mode() & 0o777), (user.uid, 0o600), "{what}");
        assert!(
            std::fs::read_to_string(&forged).unwrap().contains("FAULTTOKEN"),
            "{what}: the new session replaced the bad file"
        );
        let out = home.stsenv(&["switch", "personal", "--shell", "bash"]);
        assert!(
            stdout(&out).contains("FAULTTOKEN") && !stderr(&out).contains("warning"),
            "{what}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn a_shared_sticky_cache_directory_is_refused_and_left_alone() {
    // STSENV_CACHE_DIR=/tmp by mistake: a sticky directory everyone may write, holding another
    // user's files. stsenv (here root, whose /tmp it is) neither removes them nor chmods it.
    let Some(user) = other_user() else { return };
    let fault = Fault::start(Mode::ok());
    let mut home = sts_home(&fault.url);
    let shared = home.path().join("tmp");
    std::fs::create_dir(&shared).unwrap();
    chmod(&shared, 0o1777);
    // The other user's files: one named like nothing of stsenv's, one named like a session.
    let theirs = [("x.json", "{\"theirs\": true}\n"), ("personal.mfa.json", FORGED)];
    for (name, text) in theirs {
        let path = shared.join(name);
        std::fs::write(&path, text).unwrap();
        chmod(&path, 0o644);
        chown(&path, user.uid, user.gid);
    }
    home.set("STSENV_CACHE_DIR", &shared);
    let error = format!(
        "stsenv: the cache directory {} is a shared directory (sticky and writable by others, like /tmp): stsenv does not use it; set STSENV_CACHE_DIR to a directory of your own, like $HOME/.cache/stsenv\n",
        shared.display()
    );
    for args in [
        &["clear"][..],
        &["clear", "personal"],
        &["mfa", "personal", "-c", "123456", "--shell", "bash"],
        &["switch", "personal", "--shell", "bash"],
    ] {
        let out = home.stsenv(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{args:?}");
        assert_eq!(stderr(&out), error, "{args:?}");
        assert_eq!(mode(&shared), 0o1777, "{args:?}: the directory keeps its mode, sticky bit and all");
        let mut names: Vec<String> = std::fs::read_dir(&shared)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["personal.mfa.json", "x.json"], "{args:?}: nothing removed, nothing added");
        for (name, text) in theirs {
            assert_eq!(std::fs::read_to_string(shared.join(name)).unwrap(), text, "{args:?}: {name}");
        }
    }
    assert_eq!(fault.count(), 0, "no STS call");
}

#[test]
fn clear_leaves_files_named_like_sessions_that_are_not_the_users() {
    // In the user's own cache directory: a file with a session's name that the second user
    // owns, and a symlink with another; clear removes only the user's own regular files, and
    // never follows the link.
    let Some(user) = other_user() else { return };
    let home = fixtures::home();
    let later = OffsetDateTime::now_utc() + time::Duration::hours(6);
    home.cache_session("work", Slot::Mfa, "WORKTOKENWORKTOKEN", later);
    home.cache_session("personal", Slot::Session, "SESSIONTOKENSESSION", later);
    let dir = home.cache_dir();
    let foreign = dir.join("personal.mfa.json");
    std::fs::write(&foreign, FORGED).unwrap();
    chmod(&foreign, 0o600);
    chown(&foreign, user.uid, user.gid);
    let target = home.path().join("elsewhere.json");
    std::fs::write(&target, "keep").unwrap();
    let link = dir.join("other.mfa.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let kept = |path: &Path, why: &str| {
        format!(
            "stsenv: warning: the cache file {} {why}, so stsenv does not remove it; remove it yourself with: rm {}\n",
            path.display(),
            path.display()
        )
    };

    let out = home.stsenv(&["clear", "personal"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "{}Removed 1 cached session of account personal\n",
            kept(&foreign, &format!("belongs to another user (uid {})", user.uid))
        )
    );
    assert!(!dir.join("personal.session.json").exists(), "the user's own session is removed");
    assert_eq!(std::fs::read_to_string(&foreign).unwrap(), FORGED, "the other user's file stays");

    let out = home.stsenv(&["clear"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains!(out, &kept(&link, "is not a regular file"));
    assert_stderr_contains!(out, "Removed 1 cached session of any account");
    assert!(!dir.join("work.mfa.json").exists());
    assert_eq!(std::fs::read_to_string(&foreign).unwrap(), FORGED);
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep", "its target is untouched");
    assert_eq!(mode(&dir), 0o700);
}

#[test]
fn a_relative_cache_directory_is_a_usage_error() {
    let mut home = fixtures::home();
    home.accounts(ACCOUNTS);
    home.set("STSENV_CACHE_DIR", "cache");
    for args in [
        &["switch", "personal"][..],
        &["mfa", "personal", "-c", "123456"],
        &["credential-process", "personal"],
    ] {
        let out = home.stsenv(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
        assert_eq!(
            stderr(&out),
            "stsenv: STSENV_CACHE_DIR 'cache' is a relative path (it would change with the current directory); set it to an absolute one, like $HOME/.cache/stsenv\n"
        );
    }
    assert!(!home.path().join("cache").exists());
    // `now` reads no files: it does not care.
    assert!(home.stsenv(&["now"]).status.success());
}

#[test]
fn closed_standard_descriptors_never_become_a_lock_or_cache_file() {
    let fault = Fault::start(Mode::ok());
    let home = sts_home(&fault.url);
    // mfa_process runs while the slot's lock is held: it reports what stsenv's 0, 1 and 2 are,
    // and writes to the stderr it inherits.
    let fds = home.path().join("fds");
    let process = script(
        &home,
        "code.sh",
        &format!(
            "for fd in 0 1 2; do readlink /proc/$PPID/fd/$fd; done > '{}'\necho 'Touch your YubiKey...' >&2\necho 123456",
            fds.display()
        ),
    );
    home.accounts(&format!(
        r#"{{"personal": {{"arn": "arn:aws:iam::123456789012:", "user": "jbrowne", "mfa_process": "{}"}}}}"#,
        process.display()
    ));
    let cache_dir = home.cache_dir();
    for closing in ["<&-", ">&-", "2>&-", "<&- >&- 2>&-"] {
        let _ = std::fs::remove_dir_all(&cache_dir);
        let mut cmd = command("sh");
        home.apply(&mut cmd);
        cmd.arg("-c")
            .arg(format!("\"$0\" mfa personal --force --shell bash {closing}"))
            .arg(bin())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{closing}: {}", stderr(&out));
        let seen = std::fs::read_to_string(&fds).unwrap();
        for line in seen.lines() {
            assert!(
                !line.contains(cache_dir.to_str().unwrap()),
                "{closing}: a standard descriptor was {line}"
            );
        }
        let seen: Vec<&str> = seen.lines().collect();
        for (fd, how) in [" <&-", " >&-", " 2>&-"].iter().enumerate() {
            if format!(" {closing}").contains(how) {
                assert_eq!(seen[fd], "/dev/null", "{closing}: descriptor {fd}");
            }
        }
        // The lock file holds nothing; the cache file is whole.
        let lock = std::fs::read(cache_dir.join("personal.mfa.lock")).unwrap();
        assert!(lock.is_empty(), "{closing}: the lock file got {:?}", String::from_utf8_lossy(&lock));
        let entry = home.cache().valid("personal", &Slot::Mfa, OffsetDateTime::now_utc());
        assert!(entry.is_some(), "{closing}: the cache file is whole");
    }
}

#[test]
fn stsenv_is_not_dumpable() {
    // Its /proc files are root's, so another process of the user cannot read its environment
    // or memory (and no core file is made). Root could read them anyway: run as the second user.
    let Some(user) = other_user() else { return };
    let fault = Fault::start(Mode::ok());
    let mut home = sts_home(&fault.url);
    let seen = home.path().join("seen");
    let process = script(
        &home,
        "code.sh",
        &format!(
            "{{ stat -c %u /proc/$PPID/environ; cat /proc/$PPID/environ >/dev/null 2>&1 && echo readable || echo refused; }} > '{}'\necho 123456",
            seen.display()
        ),
    );
    home.accounts(&format!(
        r#"{{"personal": {{"arn": "arn:aws:iam::123456789012:", "user": "jbrowne", "mfa_process": "{}"}}}}"#,
        process.display()
    ));
    home.become_user(&user);
    let out = home.stsenv(&["mfa", "personal"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&seen).unwrap(), "0\nrefused\n", "stsenv's /proc/PID/environ");
}

/// stsenv started with its stderr read line by line (with the time each arrived).
struct Running {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
}

fn start(home: &Home, args: &[&str]) -> Running {
    let mut cmd = command(bin());
    home.apply(&mut cmd);
    let mut child = cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let (send, lines) = mpsc::channel();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = send.send(line);
        }
    });
    Running { child, lines }
}

#[test]
fn a_held_lock_is_announced_at_once_and_bounded() {
    let fault = Fault::start(Mode::ok());
    let mut home = sts_home(&fault.url);
    home.set("STSENV_LOCK_TIMEOUT", "3");
    // Another stsenv sits at the MFA prompt of personal (this test holds its lock).
    let held = home.cache().lock("personal", &Slot::Mfa).unwrap();
    let started = Instant::now();
    let run = start(&home, &["mfa", "personal", "-c", "123456", "--shell", "bash"]);
    let first = run.lines.recv_timeout(Duration::from_secs(2)).expect("a message while it waits");
    assert_eq!(first, "waiting for another stsenv escalating personal...");
    assert!(started.elapsed() < Duration::from_secs(2));
    let out = run.child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    let last: Vec<String> = run.lines.iter().collect();
    assert_eq!(last.len(), 1, "{last:?}");
    assert!(
        last[0].starts_with(
            "stsenv: gave up after 3 s waiting for another stsenv escalating personal (it holds "
        ),
        "{last:?}"
    );
    assert!(last[0].contains("STSENV_LOCK_TIMEOUT"), "{last:?}");
    assert!(started.elapsed() >= Duration::from_secs(3));
    assert_eq!(fault.count(), 0);
    drop(held);
    // A bad timeout is a usage error.
    home.set("STSENV_LOCK_TIMEOUT", "soon");
    let out = home.stsenv(&["mfa", "personal", "-c", "123456"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains!(out, "STSENV_LOCK_TIMEOUT 'soon' is not a number of seconds");
}

#[test]
fn the_clock_is_read_again_after_waiting() {
    let fault = Fault::start(Mode::ok());
    let home = sts_home(&fault.url);
    // Another stsenv holds the lock; this one finds no session and waits.
    let cache = home.cache();
    let held = cache.lock("personal", &Slot::Mfa).unwrap();
    let run = start(&home, &["mfa", "personal", "-c", "123456", "--shell", "bash"]);
    std::thread::sleep(Duration::from_millis(500));
    // The other one writes a session good for one more second (expiry minus the 5-minute
    // margin), and lets go of the lock only after that second.
    let credentials = stsenv::base::credentials::Credentials {
        access_key_id: stsenv::base::credentials::Secret::new("ASIASHORTLIVEDSHORT1"),
        secret_access_key: stsenv::base::credentials::Secret::new("short/secret"),
        session_token: Some(stsenv::base::credentials::Secret::new("SHORTTOKEN")),
        expiration: Some(OffsetDateTime::now_utc() + time::Duration::minutes(5) + time::Duration::seconds(1)),
    };
    let entry = stsenv::store::entry::Entry::new("personal", &Slot::Mfa, credentials).unwrap();
    cache.write(&Slot::Mfa, &entry).unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    drop(held);
    let out = run.child.wait_with_output().unwrap();
    let err: Vec<String> = run.lines.iter().collect();
    assert!(out.status.success(), "{err:?}");
    assert!(
        stdout(&out).contains("FAULTTOKEN") && !stdout(&out).contains("SHORTTOKEN"),
        "a new session, not the one that expired while it waited: {}",
        stdout(&out)
    );
    assert_eq!(fault.count(), 1);
    assert!(err.iter().any(|l| l.starts_with("New session for account personal")), "{err:?}");
}

#[test]
fn a_hard_linked_entry_or_a_symlinked_lock_is_not_used() {
    let fault = Fault::start(Mode::ok());
    let home = sts_home(&fault.url);
    home.keys("work", ACCESS_KEY, SECRET_KEY);
    let expiration = OffsetDateTime::now_utc() + time::Duration::hours(6);
    home.cache_session("work", Slot::Mfa, "WORKTOKENWORKTOKEN", expiration);
    // Another account's entry linked in as this one's: the file has two links, so it may be
    // anyone's file, and neither name is trusted.
    let dir = home.cache_dir();
    std::fs::hard_link(dir.join("work.mfa.json"), dir.join("personal.mfa.json")).unwrap();
    for account in ["personal", "work"] {
        let out = home.stsenv(&["switch", account, "--shell", "bash"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(!stdout(&out).contains("WORKTOKEN"), "{account}: {}", stdout(&out));
        let file = dir.join(format!("{account}.mfa.json"));
        assert_stderr_contains!(
            out,
            &format!(
                "stsenv: warning: the cache file {} has other hard links (it may be another file's), so it is not used; remove it with: rm {}",
                file.display(),
                file.display()
            )
        );
    }
    // A lock file that is a symlink is not followed: a clear error, the target untouched.
    let target = home.path().join("elsewhere");
    std::fs::write(&target, "keep").unwrap();
    std::os::unix::fs::symlink(&target, dir.join("personal.mfa.lock")).unwrap();
    let out = home.stsenv(&["mfa", "personal", "-c", "123456", "--force"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let lock = dir.join("personal.mfa.lock");
    assert_eq!(
        stderr(&out),
        format!(
            "stsenv: the lock file {} is a symlink: stsenv does not use it; remove it with: rm {}\n",
            lock.display(),
            lock.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    assert_eq!(fault.count(), 0);
}

/// Where nothing answers: STS is never reached (or, on code that ran the command, fails).
const NO_STS: &str = "http://127.0.0.1:1";

/// An accounts file whose `mfa_process` leaves `marker` when it runs (as whoever runs stsenv).
fn accounts_running(marker: &Path) -> String {
    format!(
        r#"{{"personal": {{"arn": "arn:aws:iam::123456789012:", "user": "jbrowne", "mfa_process": ["/bin/sh", "-c", "touch '{}'; echo 123456"]}}}}"#,
        marker.display()
    )
}

/// Run `script` (sh, with `args` as $1...) as the second user: what another user can do.
fn as_other(user: &crate::util::OtherUser, script: &str, args: &[&dyn AsRef<std::ffi::OsStr>]) {
    let out = user
        .command("/bin/sh")
        .arg("-c")
        .arg(script)
        .arg("sh")
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .unwrap();
    assert!(out.status.success(), "as the second user: {script}: {}", stderr(&out));
}

/// How another user could change the commands an accounts file names: the setup (given the
/// home, the second user and the marker), and the path and reason the refusal names, its fix.
struct Opening {
    name: &'static str,
    setup: fn(home: &Home, user: &crate::util::OtherUser, marker: &Path) -> Refused,
}

struct Refused {
    /// "FILE is writable by ...", "FILE is in DIR, which ...".
    what: String,
    fix: String,
}

const OPENINGS: &[Opening] = &[
    Opening {
        name: "the file, writable by others, rewritten by the second user",
        setup: |home, user, marker| {
            let file = home.accounts_path();
            chmod(&file, 0o646);
            as_other(user, r#"printf '%s' "$1" > "$2""#, &[&accounts_running(marker), &file]);
            Refused {
                what: format!("{} is writable by group or others (mode 646)", file.display()),
                fix: format!("fix it with: chmod go-w {}", file.display()),
            }
        },
    },
    Opening {
        name: "the file, the second user's",
        setup: |home, user, marker| {
            let file = home.accounts_path();
            chown(&file, user.uid, user.gid);
            as_other(user, r#"printf '%s' "$1" > "$2""#, &[&accounts_running(marker), &file]);
            Refused {
                what: format!("{} belongs to another user (uid {})", file.display(), user.uid),
                fix: format!(
                    "if you trust what is in it, make it yours with: sudo chown 0 {}",
                    file.display()
                ),
            }
        },
    },
    Opening {
        name: "its directory, writable by the second user's group",
        setup: |home, user, _| {
            let dir = home.accounts_path().parent().unwrap().to_owned();
            chown(&dir, 0, user.gid);
            chmod(&dir, 0o775);
            as_other(user, r#"touch "$1/planted""#, &[&dir]);
            Refused {
                what: format!(
                    "{} is in {}, which is writable by group or others (mode 775)",
                    home.accounts_path().display(),
                    dir.display()
                ),
                fix: format!("fix it with: chmod go-w {}", dir.display()),
            }
        },
    },
    Opening {
        name: "its directory, writable by all but sticky (like /tmp)",
        setup: |home, user, _| {
            let dir = home.accounts_path().parent().unwrap().to_owned();
            chmod(&dir, 0o1777);
            as_other(user, r#"touch "$1/planted""#, &[&dir]);
            Refused {
                what: format!(
                    "{} is in {}, which is writable by group or others (mode 1777)",
                    home.accounts_path().display(),
                    dir.display()
                ),
                fix: format!("fix it with: chmod go-w {}", dir.display()),
            }
        },
    },
    Opening {
        name: "a directory above it, the second user's",
        setup: |home, user, _| {
            let config = home.path().join(".config");
            chown(&config, user.uid, user.gid);
            Refused {
                what: format!(
                    "{} is under {}, which belongs to another user (uid {})",
                    home.accounts_path().display(),
                    config.display(),
                    user.uid
                ),
                fix: format!(
                    "if you trust what is in it, make it yours with: sudo chown 0 {}",
                    config.display()
                ),
            }
        },
    },
    Opening {
        name: "a symlink to a file in a directory all may write",
        setup: |home, user, _| {
            let shared = home.path().join("shared");
            std::fs::create_dir(&shared).unwrap();
            chmod(&shared, 0o777);
            let real = shared.join("accounts.json");
            std::fs::rename(home.accounts_path(), &real).unwrap();
            std::os::unix::fs::symlink(&real, home.accounts_path()).unwrap();
            as_other(user, r#"touch "$1/planted""#, &[&shared]);
            Refused {
                what: format!(
                    "{} (a link to {}) is in {}, which is writable by group or others (mode 777)",
                    home.accounts_path().display(),
                    real.display(),
                    shared.display()
                ),
                fix: format!("fix it with: chmod go-w {}", shared.display()),
            }
        },
    },
];

#[test]
fn an_accounts_file_another_user_could_change_runs_nothing() {
    // The victim is root (the tests' user), the attacker the second user; the accounts file
    // names an mfa_process, which must not run.
    let Some(user) = other_user() else { return };
    for opening in OPENINGS {
        let what = opening.name;
        let home = sts_home(NO_STS);
        let marker = home.path().join("ran");
        home.accounts(&accounts_running(&marker));
        // The second user can reach the home (but write nothing in it).
        chmod(home.path(), 0o755);
        let refused = (opening.setup)(&home, &user, &marker);
        let line = format!(
            "stsenv: not using the accounts file, which names commands stsenv runs: {}; {}\n",
            refused.what, refused.fix
        );

        let out = home.stsenv(&["mfa", "personal", "--shell", "bash"]);
        assert_eq!(out.status.code(), Some(2), "{what}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{what}");
        assert_eq!(stderr(&out), line, "{what}");
        assert!(!marker.exists(), "{what}: the mfa_process ran");

        // doctor says FAIL, with the fix; nothing runs either.
        let out = home.stsenv(&["doctor"]);
        assert_eq!(out.status.code(), Some(1), "{what}: {}", stdout(&out));
        assert_stderr_contains!(out, &format!("FAIL  {}", line.trim_start_matches("stsenv: ")), "{what}");
        assert_stderr_lacks!(out, "ok    accounts file", "{what}");
        assert!(!marker.exists(), "{what}: doctor ran the mfa_process");
    }
}

#[test]
fn a_shared_accounts_file_of_root_is_used() {
    // /etc/stsenv/accounts.json, 0644, in root's 0755 directories, read by a user (the second
    // one: not root) under a sticky /tmp: fine, and its mfa_process runs.
    let Some(user) = other_user() else { return };
    let root = tempfile::tempdir().unwrap();
    chmod(root.path(), 0o755);
    let etc = root.path().join("etc/stsenv");
    std::fs::create_dir_all(&etc).unwrap();
    for dir in [root.path().join("etc"), etc.clone()] {
        chmod(&dir, 0o755);
    }
    let mut home = sts_home(NO_STS);
    let marker = home.path().join("ran");
    let file = etc.join("accounts.json");
    std::fs::write(&file, accounts_running(&marker)).unwrap();
    chmod(&file, 0o644);
    home.set("STSENV_CONFIG", &file);
    home.become_user(&user);
    let out = home.stsenv(&["mfa", "personal", "--shell", "bash"]);
    assert_eq!(out.status.code(), Some(1), "the code came, STS did not answer: {}", stderr(&out));
    assert!(marker.exists(), "the mfa_process ran: {}", stderr(&out));
    let out = home.stsenv(&["doctor"]);
    let report = format!("{}{}", stdout(&out), stderr(&out));
    assert!(report.contains(&format!("ok    accounts file {} (1 account)", file.display())), "{report}");
}

/// How another user could give stsenv keys (or a seed, or a user name) of their own.
struct Planting {
    name: &'static str,
    /// Sets it up (the key directory is the victim's, 0700, until this changes it).
    setup: fn(home: &Home, user: &crate::util::OtherUser),
    args: &'static [&'static str],
    /// What the one line names after "not using the ".
    says: fn(home: &Home, user: &crate::util::OtherUser) -> String,
}

const PLANTINGS: &[Planting] = &[
    Planting {
        name: "keys planted in a key directory all may write",
        setup: |home, user| {
            chmod(&home.creds(), 0o777);
            as_other(
                user,
                r#"cd "$1" && rm -f personal.access_key personal.secret_key &&
                   printf AKIAPLANTEDPLANTED12 > personal.access_key && printf planted/secret > personal.secret_key"#,
                &[&home.creds()],
            );
        },
        args: &["switch", "personal", "--shell", "bash"],
        says: |home, user| {
            let file = home.creds().join("personal.access_key");
            format!(
                "key file: {} belongs to another user (uid {}); if you trust what is in it, make it yours with: sudo chown 0 {}",
                file.display(),
                user.uid,
                file.display()
            )
        },
    },
    Planting {
        name: "the user's keys in a key directory all may write, sticky (like /tmp)",
        setup: |home, user| {
            chmod(&home.creds(), 0o1777);
            as_other(user, r#"printf AKIAPLANTEDPLANTED12 > "$1/other.access_key""#, &[&home.creds()]);
        },
        args: &["switch", "personal", "--shell", "bash"],
        says: |home, _| {
            format!(
                "key file: {} is in {}, which is writable by group or others (mode 1777); fix it with: chmod go-w {}",
                home.creds().join("personal.access_key").display(),
                home.creds().display(),
                home.creds().display()
            )
        },
    },
    Planting {
        name: "a TOTP seed of the second user's",
        setup: |home, user| {
            let seed = home.write_secret("personal.totp", b"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
            chown(&seed, user.uid, user.gid);
        },
        args: &["mfa", "personal", "--shell", "bash"],
        says: |home, user| {
            let file = home.creds().join("personal.totp");
            format!("TOTP seed: {} belongs to another user (uid {})", file.display(), user.uid)
        },
    },
    Planting {
        name: "an IAM user name of the second user's",
        setup: |home, user| {
            let name = home.write_secret("personal.user", b"attacker");
            chown(&name, user.uid, user.gid);
        },
        args: &["mfa", "personal", "-c", "123456", "--shell", "bash"],
        says: |home, user| {
            let file = home.creds().join("personal.user");
            format!("key file: {} belongs to another user (uid {})", file.display(), user.uid)
        },
    },
];

#[test]
fn key_files_another_user_could_have_planted_are_refused() {
    // The victim is root, the attacker the second user.
    let Some(user) = other_user() else { return };
    for planting in PLANTINGS {
        let what = planting.name;
        let home = crate::util::fixtures::home();
        // No "user": NAME.user is read.
        home.accounts(r#"{"personal": "arn:aws:iam::123456789012:"}"#);
        let mut home = home;
        home.set("AWS_ENDPOINT_URL_STS", NO_STS);
        chmod(home.path(), 0o755);
        chmod(&home.creds(), 0o700);
        (planting.setup)(&home, &user);
        let says = (planting.says)(&home, &user);

        let out = home.stsenv(planting.args);
        assert_eq!(out.status.code(), Some(2), "{what}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{what}");
        let err = stderr(&out);
        assert!(err.starts_with(&format!("stsenv: not using the {says}")), "{what}: {err}");
        assert_eq!(err.lines().count(), 1, "{what}: one line: {err}");
        assert!(!err.contains("PLANTED") && !err.contains(SECRET_KEY), "{what}: {err}");

        if planting.args[0] == "switch" {
            let out = home.stsenv(&["doctor", "personal"]);
            assert_stderr_contains!(out, &format!("FAIL  not using the {says}"), "{what}");
        }
    }
}
