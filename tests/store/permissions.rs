//! Permissions through the binary: the cache directory 0700 and its files 0600 whatever the
//! umask (set in the process that execs stsenv, as a shell with `umask 000` would); key files
//! readable by others are warned about on every path that reads them.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::util::fault::{Fault, Mode};
use crate::util::fixtures::sts_home;
use crate::util::run::command;
use crate::util::{Home, SECRET_KEY, bin, mode, stderr};

/// `sh -c 'umask 000; exec stsenv ARGS'` in `home`.
fn under_umask_000(home: &Home, args: &[&str]) -> std::process::Output {
    let mut cmd = home.command("sh");
    cmd.arg("-c").arg("umask 000; exec \"$0\" \"$@\"").arg(bin()).args(args);
    cmd.output().unwrap()
}

#[test]
fn cache_is_0700_and_0600_under_umask_000() {
    let fault = Fault::start(Mode::ok());
    let home = sts_home(&fault.url);
    // The umask really is 000 in that process: a file it makes is 0666.
    let probe = home.path().join("probe");
    let mut cmd = home.command("sh");
    assert!(cmd.arg("-c").arg(format!("umask 000; : > {}", probe.display())).status().unwrap().success());
    assert_eq!(mode(&probe), 0o666);
    std::fs::remove_file(&probe).unwrap();

    for args in [
        &["mfa", "personal", "-c", "123456"][..],
        &["role", "Admin", "-a", "personal"],
        &["mfa", "personal", "-c", "skip"],
        &["role", "Admin", "-a", "personal", "-c", "123456", "--force"],
    ] {
        let out = under_umask_000(&home, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    let dir = home.cache_dir();
    // ~/.cache did not exist either: stsenv made it, 0700 as the XDG spec asks.
    assert_eq!(mode(dir.parent().unwrap()), 0o700, "{}", dir.parent().unwrap().display());
    assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
        files.push(path.file_name().unwrap().to_string_lossy().into_owned());
    }
    files.sort();
    eprintln!("under umask 000: {} 0700, files 0600: {files:?}", dir.display());
    assert_eq!(files.len(), 6, "mfa, session and role, each with its lock: {files:?}");
}

#[test]
fn a_loose_cache_directory_is_refused_by_the_binary() {
    // Group or others may write it: refused with the fix (the trust rule), not repaired: its
    // mode is the user's, and nothing is written to it or asked of STS.
    let fault = Fault::start(Mode::ok());
    let home = sts_home(&fault.url);
    let dir = home.cache_dir();
    std::fs::create_dir_all(&dir).unwrap();
    for loose in [0o777, 0o770, 0o702] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(loose)).unwrap();
        let out = under_umask_000(&home, &["mfa", "personal", "-c", "123456"]);
        assert_eq!(out.status.code(), Some(2), "{loose:o}: {}", stderr(&out));
        assert_eq!(crate::util::stdout(&out), "", "{loose:o}");
        assert_eq!(
            stderr(&out),
            format!(
                "stsenv: the cache directory {} is writable by group or others: stsenv does not use it; make it yours alone with: chmod 700 {}, or set STSENV_CACHE_DIR to a directory of your own\n",
                dir.display(),
                dir.display()
            ),
            "{loose:o}"
        );
        assert_eq!(mode(&dir), loose, "its mode is kept");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "{loose:o}: nothing written there");
    }
    assert_eq!(fault.count(), 0, "no STS call");
    // The fix it names works.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let out = under_umask_000(&home, &["mfa", "personal", "-c", "123456"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_lacks!(out, "warning");
    assert_eq!(mode(&dir), 0o700);
}

#[test]
fn a_cache_directory_others_may_read_is_used_and_keeps_its_mode() {
    // 0755: others see the file names (account names, role ARNs), never the 0600 files' content:
    // used, with one warning naming the fix, and left as the user set it.
    let fault = Fault::start(Mode::ok());
    let home = sts_home(&fault.url);
    let dir = home.cache_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = under_umask_000(&home, &["mfa", "personal", "-c", "123456"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out).matches("warning").count(), 1, "{}", stderr(&out));
    assert_stderr_contains!(
        out,
        &format!(
            "stsenv: warning: the cache directory {} is open to group or others (755): they can see which accounts and roles you have sessions of, not the credentials; make it private with: chmod 700 {}\n",
            dir.display(),
            dir.display()
        )
    );
    assert_eq!(mode(&dir), 0o755);
    assert_eq!(mode(&dir.join("personal.mfa.json")), 0o600);
    assert_eq!(fault.count(), 1);
}

#[test]
fn key_files_readable_by_others_are_warned_about_on_every_path() {
    let fault = Fault::start(Mode::ok());
    let home = sts_home(&fault.url);
    let access = home.creds().join("personal.access_key");
    let secret = home.creds().join("personal.secret_key");
    let warning = |path: &Path| {
        format!(
            "stsenv: warning: {} is readable by group or others; fix it with: chmod 600 {}\n",
            path.display(),
            path.display()
        )
    };
    // (Readable only: a key file group or others can write is refused, not warned about.)
    for (access_mode, secret_mode) in [(0o644, 0o600), (0o600, 0o640), (0o604, 0o644)] {
        std::fs::set_permissions(&access, std::fs::Permissions::from_mode(access_mode)).unwrap();
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(secret_mode)).unwrap();
        for args in [
            &["switch", "personal"][..],
            // With the long-term keys: no MFA session yet (the mfa below makes one).
            &["role", "Admin", "-a", "personal", "-c", "123456", "--force"],
            &["mfa", "personal", "-c", "123456", "--force"],
        ] {
            let _ = std::fs::remove_file(home.cache().path("personal", &stsenv::store::slot::Slot::Mfa));
            let out = home.stsenv(args);
            assert!(out.status.success(), "{args:?}: {}", stderr(&out));
            let err = stderr(&out);
            for (path, file_mode) in [(&access, access_mode), (&secret, secret_mode)] {
                let warned = err.contains(&warning(path));
                assert_eq!(warned, file_mode & 0o077 != 0, "{args:?} {file_mode:o}: {err}");
            }
            assert!(!err.contains(SECRET_KEY), "{err}");
        }
        // The fix the warning names silences it.
        for path in [&access, &secret] {
            let out = command("chmod").arg("600").arg(path).output().unwrap();
            assert!(out.status.success());
        }
        let out = home.stsenv(&["switch", "personal"]);
        assert_stderr_lacks!(out, "warning");
    }
}
