//! Secret hygiene: with long-term keys of recognisable values and moto's session values, no
//! secret appears on stderr, in `ec2now`/`stsenv now` output (every format), in `list`, in the
//! arguments of a running stsenv (secrets come from files, never argv; it starts no child), or
//! in any file but the key files and the cache files after a whole session.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use stsenv::store::slot::Slot;
use time::OffsetDateTime;

use crate::util::fault::{Fault, Mode};
use crate::util::fixtures::ACCOUNTS_PERSONAL_ADMIN as ACCOUNTS;
use crate::util::moto::Moto;
use crate::util::{Home, bin, shells};

/// Long-term keys no test output could contain by chance (moto without auth accepts any).
const LONG_ACCESS: &str = "AKIAHYGIENE0LONGTERM";
const LONG_SECRET: &str = "LongTermSecret/HYGIENE+0123456789abcdefgh";

/// Every regular file under `root`.
fn files(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                found.push(path);
            }
        }
    }
    found
}

/// The secrets of every cache file: access key ID, secret key and session token.
fn cached_secrets(home: &Home) -> Vec<String> {
    let mut secrets = Vec::new();
    for path in files(&home.cache_dir()) {
        if path.extension().is_some_and(|e| e == "json") {
            let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            for field in ["access_key_id", "secret_access_key", "session_token"] {
                secrets.push(json[field].as_str().unwrap().to_owned());
            }
        }
    }
    secrets
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn no_secret_in_messages_now_list_or_other_files_after_a_whole_session() {
    let moto = Moto::start(false);
    let mut home = Home::new();
    home.keys("personal", LONG_ACCESS, LONG_SECRET).accounts(ACCOUNTS);
    home.use_moto(&moto);
    let steps = [
        "ec2now",
        "ec2switch",
        "ec2switch personal",
        "ec2now",
        "ec2mfa -c 123456",
        "ec2now",
        "stsenv now --format prompt",
        "stsenv now --format json",
        "stsenv_prompt",
        "ec2role admin",
        "ec2now",
        "stsenv now --format prompt",
        "stsenv now --format json",
        "stsenv_prompt",
        "ec2mfa personal -c skip",
        "stsenv list",
        "stsenv list --names",
        "ec2switch personal",
        "ec2now",
        "ec2unset",
        "ec2now",
        "stsenv now --format json",
    ];
    let mut ran = Vec::new();
    let mut ran_direct = Vec::new();
    for shell in shells() {
        let results = home.scenario(shell, &steps);
        for step in &results {
            assert_eq!(step.status, 0, "{shell}: `{}`: {}", step.step, step.stderr);
        }
        ran.push((shell, results));
    }
    // credential_process prints credentials on stdout by design (outside the scenarios, whose
    // captured stdout is checked below): nothing on stderr.
    for args in
        [&["credential-process", "personal"][..], &["credential-process", "personal", "--role", "admin"]]
    {
        let out = home.stsenv(args);
        assert!(out.status.success(), "{args:?}: {}", crate::util::stderr(&out));
        ran_direct.push((args.join(" "), out.stderr));
    }
    // moto's session values, now that every slot is cached: MFA, session without MFA, role.
    let mut secrets = cached_secrets(&home);
    assert_eq!(secrets.len(), 9, "three cache files");
    secrets.extend([LONG_ACCESS.to_owned(), LONG_SECRET.to_owned()]);
    // Not vacuous: the shell did get them.
    let mfa_env = &ran[0].1[4];
    assert!(secrets.iter().any(|s| mfa_env.var("AWS_SESSION_TOKEN") == Some(s.as_str())));
    let mut checked = 0;
    for (what, err) in &ran_direct {
        for secret in &secrets {
            assert!(!contains(err, secret), "stsenv {what}: a secret on stderr");
            checked += 1;
        }
    }
    for (shell, results) in &ran {
        for step in results {
            for secret in &secrets {
                // The wrappers eval stsenv's code, so stdout is only what the step printed
                // for the user: now, list, the prompt.
                assert!(
                    !step.stderr.contains(secret.as_str()),
                    "{shell}: `{}` stderr: {}",
                    step.step,
                    step.stderr
                );
                assert!(
                    !step.stdout.contains(secret.as_str()),
                    "{shell}: `{}` stdout: {}",
                    step.step,
                    step.stdout
                );
                checked += 2;
            }
        }
    }
    // Every file of the home but the key files and the cache files; the scenario-SHELL
    // directories are the test harness's own captures of each step's environment (`env -0`),
    // which holds the exported credentials by design.
    let mut scanned = Vec::new();
    for path in files(home.path()) {
        let rel = path.strip_prefix(home.path()).unwrap().to_owned();
        let top = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
        if top.starts_with("scenario-") {
            continue;
        }
        let is_key = path.parent() == Some(home.creds().as_path());
        let is_cache = path.parent() == Some(home.cache_dir().as_path())
            && path.extension().is_some_and(|e| e == "json");
        if is_key || is_cache {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        for secret in &secrets {
            assert!(!contains(&bytes, secret), "{} holds a secret", rel.display());
        }
        if path.extension().is_some_and(|e| e == "lock") {
            assert!(bytes.is_empty(), "{} is not empty", rel.display());
        }
        scanned.push(rel.display().to_string());
    }
    scanned.sort();
    eprintln!(
        "hygiene: {} secrets x {} steps in {} shells: {checked} stdout/stderr checks; other files scanned: {scanned:?}",
        secrets.len(),
        steps.len(),
        ran.len()
    );
}

/// The NUL-separated arguments of a process.
fn cmdline(pid: u32) -> Vec<u8> {
    std::fs::read(format!("/proc/{pid}/cmdline")).unwrap()
}

/// The children of every thread of a process.
fn children(pid: u32) -> Vec<String> {
    let mut found = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let text = std::fs::read_to_string(task.unwrap().path().join("children")).unwrap_or_default();
        found.extend(text.split_whitespace().map(str::to_owned));
    }
    found
}

#[test]
fn a_running_stsenv_has_no_secret_in_its_arguments_and_no_child() {
    if !Path::new("/proc/self/cmdline").exists() {
        eprintln!("SKIPPING: no /proc on this system");
        return;
    }
    let fault = Fault::start(Mode::Hang);
    let mut home = Home::new();
    home.keys("personal", LONG_ACCESS, LONG_SECRET).accounts(ACCOUNTS);
    home.set("AWS_ENDPOINT_URL_STS", &fault.url);
    const TOKEN: &str = "HYGIENECACHEDSESSIONTOKEN0123456789";
    let cases: [(&[&str], bool); 3] = [
        // GetSessionToken with the long-term keys.
        (&["mfa", "personal", "-c", "123456", "--shell", "bash"], false),
        // AssumeRole with the long-term keys.
        (&["role", "admin", "-a", "personal", "-c", "123456"], false),
        // AssumeRole chained from a cached MFA session.
        (&["role", "admin", "-a", "personal", "--force"], true),
    ];
    for (args, with_session) in cases {
        if with_session {
            home.cache_session(
                "personal",
                Slot::Mfa,
                TOKEN,
                OffsetDateTime::now_utc() + time::Duration::hours(6),
            );
        }
        let sent = fault.count();
        let mut cmd = home.command(bin());
        cmd.args(args).stdout(Stdio::null()).stderr(Stdio::null());
        let mut child = cmd.spawn().unwrap();
        let started = Instant::now();
        // Waiting on STS: the keys are read and the request is signed and sent.
        while fault.count() == sent {
            assert!(started.elapsed() < Duration::from_secs(10), "stsenv {args:?} sent nothing");
            std::thread::sleep(Duration::from_millis(5));
        }
        let argv = cmdline(child.id());
        let kids = children(child.id());
        let request = fault.requests().pop().unwrap();
        crate::util::run::kill(&mut child);
        assert!(contains(&argv, "stsenv"), "{}", String::from_utf8_lossy(&argv));
        let cached = cached_secrets(&home);
        for secret in [LONG_ACCESS, LONG_SECRET, "tmpsecret/", TOKEN]
            .iter()
            .copied()
            .chain(cached.iter().map(String::as_str))
        {
            assert!(!contains(&argv, secret), "stsenv {args:?}: a secret in its arguments");
        }
        assert!(kids.is_empty(), "stsenv {args:?} started processes: {kids:?}");
        // The request really carried the secret being hidden (signed with it, not a placeholder).
        let signer = if with_session { &TOKEN[..20] } else { LONG_ACCESS };
        assert!(request.head.contains(signer), "stsenv {args:?}: not signed with {signer}");
        eprintln!(
            "hygiene: stsenv {} while waiting on STS: argv {:?}, {} children",
            args.join(" "),
            String::from_utf8_lossy(&argv).replace('\0', " ").trim_end(),
            kids.len()
        );
    }
}
