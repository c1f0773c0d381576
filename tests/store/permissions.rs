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
fn a_loose_cache_directory_is_tightened_by_the_binary() {
    let fault = Fault::start(Mode::ok());
    let home = sts_home(&fault.url);
    std::fs::create_dir_all(home.cache_dir()).unwrap();
    std::fs::set_permissions(home.cache_dir(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = under_umask_000(&home, &["mfa", "personal", "-c", "123456"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mode(&home.cache_dir()), 0o700);
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
