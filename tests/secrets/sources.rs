//! MFA codes without a prompt (`mfa_process`, `NAME.totp`) and `stsenv exec`, against moto and,
//! to see the `TokenCode` stsenv sends, the fault server (which records request bodies).

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::Output;
use std::time::{Duration, Instant};

use stsenv::store::slot::Slot;

use crate::util::fault::{Fault, Mode};
use crate::util::fixtures::{moto_home, sts_home};
use crate::util::moto::{Moto, venv};
use crate::util::run::command;
use crate::util::{ACCESS_KEY, Home, SECRET_KEY, script, stderr, stdout};

const ARN: &str = "arn:aws:iam::123456789012:";

/// The accounts file with "personal", its `mfa_process` (JSON) if any, and the role "admin".
fn accounts(mfa_process: Option<&str>) -> String {
    let process = mfa_process.map(|p| format!(", \"mfa_process\": {p}")).unwrap_or_default();
    format!(
        r#"{{"personal": {{"arn": "{ARN}", "user": "jbrowne"{process},
                        "roles": {{"admin": "{ARN}role/Admin"}}}}}}"#
    )
}

/// The TOTP code python computes for a seed now (tests/moto_setup.py, independent of stsenv).
fn python_totp(seed: &str) -> String {
    let out = command(venv().join("bin/python"))
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/moto_setup.py"))
        .args(["totp", seed])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).trim().to_owned()
}

/// A home whose STS is the fault server, refusing every code (AccessDenied), so each run
/// sends exactly one request, whose body holds the `TokenCode`.
fn fault_home(fault: &Fault, mfa_process: Option<&str>) -> Home {
    let home = sts_home(&fault.url);
    home.accounts(&accounts(mfa_process));
    home
}

/// Run stsenv and return the TokenCode of the one request it sent.
fn token_code_sent(home: &Home, fault: &Fault, args: &[&str]) -> String {
    let before = fault.count();
    let out = home.stsenv(args);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
    assert_stderr_contains!(out, "the MFA code was rejected");
    let requests = fault.requests();
    assert_eq!(requests.len(), before + 1, "{args:?}: one request");
    let body = &requests[before].body;
    let code = body.split('&').find_map(|kv| kv.strip_prefix("TokenCode=")).unwrap_or_default();
    code.to_owned()
}

#[test]
fn the_code_comes_from_c_then_mfa_process_then_totp() {
    let fault = Fault::start(Mode::error(403, "AccessDenied", "MultiFactorAuthentication failed"));
    let seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let home = fault_home(&fault, None);
    home.write_secret("personal.totp", seed.as_bytes());
    let process = script(&home, "code.sh", "[ \"$1\" = 'aws personal' ] || exit 9\necho ' 111111 '");
    let process_json = format!("[\"{}\", \"aws personal\"]", process.display());

    // NAME.totp alone: the current code, as python computes it.
    for args in [&["mfa", "personal"][..], &["role", "admin", "-a", "personal"]] {
        let before = python_totp(seed);
        let sent = token_code_sent(&home, &fault, args);
        let after = python_totp(seed);
        assert!(sent == before || sent == after, "{args:?}: sent {sent}, python {before}/{after}");
    }
    // mfa_process before NAME.totp (argv without a shell: the space stays in one argument).
    home.accounts(&accounts(Some(&process_json)));
    assert_eq!(token_code_sent(&home, &fault, &["mfa", "personal"]), "111111");
    assert_eq!(token_code_sent(&home, &fault, &["role", "admin", "-a", "personal"]), "111111");
    // -c and STSENV_TOKEN_CODE before both.
    assert_eq!(token_code_sent(&home, &fault, &["mfa", "personal", "-c", "222222"]), "222222");
    let mut with_env = fault_home(&fault, Some(&process_json));
    with_env.set("STSENV_TOKEN_CODE", "333333");
    assert_eq!(token_code_sent(&with_env, &fault, &["role", "admin", "-a", "personal"]), "333333");
    // The string form, split on spaces.
    home.accounts(&accounts(Some(&format!("\"{} aws personal\"", process.display()))));
    let out = home.stsenv(&["mfa", "personal"]);
    assert_eq!(out.status.code(), Some(2), "two arguments, not one: {}", stderr(&out));
    assert_stderr_contains!(out, "failed (exit status: 9)");
}

#[test]
fn mfa_process_codes_are_read_as_typed_codes_are() {
    let fault = Fault::start(Mode::error(403, "AccessDenied", "MultiFactorAuthentication failed"));
    let home = fault_home(&fault, None);
    // As a password manager or an authenticator's CLI may print them.
    for (i, printed) in ["123 456", "123-456", " 12 34 56 "].iter().enumerate() {
        let process = script(&home, &format!("code{i}.sh"), &format!("echo '{printed}'"));
        home.accounts(&accounts(Some(&format!("\"{}\"", process.display()))));
        for args in [&["mfa", "personal"][..], &["role", "admin", "-a", "personal"]] {
            assert_eq!(token_code_sent(&home, &fault, args), "123456", "{printed:?} {args:?}");
        }
    }
    // Still six digits: one missing is no code, and nothing is sent.
    let short = script(&home, "short.sh", "echo '123 45'");
    home.accounts(&accounts(Some(&format!("\"{}\"", short.display()))));
    let before = fault.count();
    let out = home.stsenv(&["mfa", "personal"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_stderr_contains!(out, "short.sh` did not print a 6-digit MFA code");
    assert_eq!(fault.count(), before);
}

#[test]
fn mfa_process_escalates_without_a_prompt() {
    let moto = Moto::start(false);
    let (home, _) = moto_home(&moto);
    // The second run gets another code, as a key gives in the next step (the same code would
    // wait for that step: tests/secrets/sent_once.rs).
    let process = script(
        &home,
        "yubikey.sh",
        "echo 'Touch your YubiKey...' >&2\nif [ -e \"$0.used\" ]; then echo 654321; else touch \"$0.used\"; echo 123456; fi",
    );
    home.accounts(&accounts(Some(&format!("\"{}\"", process.display()))));
    // No terminal, no code: the process gives it.
    let out = home.stsenv(&["mfa", "personal", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("STSENV_KIND='mfa'"), "{}", stdout(&out));
    assert!(!stdout(&out).contains("123456"), "the code never reaches stdout");
    let err = stderr(&out);
    assert!(err.contains("Touch your YubiKey..."), "its stderr is passed through: {err}");
    assert!(err.contains("New session for account personal"), "{err}");
    assert!(!err.contains("123456"), "{err}");
    // And in a real shell, with the wrapper.
    let steps = home.scenario("bash", &["ec2mfa personal --force"]);
    assert_eq!(steps[0].status, 0, "{}", steps[0].stderr);
    steps[0].expect("STSENV_KIND", Some("mfa"));
}

#[test]
fn mfa_process_failures_are_one_clear_line_and_send_nothing() {
    let fault = Fault::start(Mode::error(403, "AccessDenied", "MultiFactorAuthentication failed"));
    let home = fault_home(&fault, None);
    let failing = script(&home, "fail.sh", "echo 'no YubiKey found' >&2\necho 123456\nexit 3");
    let chatty = script(&home, "chatty.sh", "echo 'hunter2 is not a code'");
    let silent = script(&home, "silent.sh", "true");
    let slow = script(&home, "slow.sh", "exec sleep 30");
    let cases: Vec<(String, &str)> = vec![
        (format!("\"{}\"", failing.display()), "fail.sh` failed (exit status: 3); no MFA code"),
        (format!("\"{}\"", chatty.display()), "chatty.sh` did not print a 6-digit MFA code"),
        (format!("\"{}\"", silent.display()), "silent.sh` printed nothing"),
        (format!("\"{}\"", slow.display()), "slow.sh` did not finish within 0.5 s and was stopped"),
        (
            "[\"/nonexistent/ykman\", \"oath\"]".to_owned(),
            "cannot run mfa_process `/nonexistent/ykman oath`: it does not exist",
        ),
    ];
    let mut home = home;
    home.set("STSENV_MFA_PROCESS_TIMEOUT", "0.5");
    for (process, message) in cases {
        home.accounts(&accounts(Some(&process)));
        for args in [&["mfa", "personal"][..], &["role", "admin", "-a", "personal"]] {
            let started = Instant::now();
            let out = home.stsenv(args);
            assert!(started.elapsed() < Duration::from_secs(10), "{process}: killed after the timeout");
            assert_eq!(out.status.code(), Some(2), "{process}: {}", stderr(&out));
            assert!(stdout(&out).is_empty());
            let err = stderr(&out);
            let last = err.lines().last().unwrap_or_default();
            assert!(last.starts_with("stsenv: ") && last.contains(message), "{process}: {err}");
            assert!(!err.contains("hunter2") && !err.contains("123456"), "the output is never shown: {err}");
        }
    }
    assert_eq!(fault.count(), 0, "nothing was sent to STS");
    assert!(!home.cache().path("personal", &Slot::Mfa).exists());
    // A bad timeout is a usage error.
    home.set("STSENV_MFA_PROCESS_TIMEOUT", "soon");
    let out = home.stsenv(&["mfa", "personal"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains!(out, "STSENV_MFA_PROCESS_TIMEOUT 'soon' is not a number");
}

#[test]
fn totp_seed_escalates_without_a_prompt_and_warns_when_readable() {
    let moto = Moto::start(false);
    let (home, user) = moto_home(&moto);
    let seed = home.write_secret("personal.totp", format!("{}\n", user.seed).as_bytes());
    let out = home.stsenv(&["mfa", "personal", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("STSENV_KIND='mfa'"), "{}", stdout(&out));
    assert_stderr_lacks!(out, "warning");
    // Readable by others: the same warning as the key files, naming the fix.
    std::fs::set_permissions(&seed, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = home.stsenv(&["mfa", "personal", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let fix =
        format!("personal.totp is readable by group or others; fix it with: chmod 600 {}", seed.display());
    assert_stderr_contains!(out, &fix);
    // A malformed seed: exit 2 naming the file, nothing sent.
    for bad in ["not a seed!", "JBSWY3DP"] {
        home.write_secret("personal.totp", bad.as_bytes());
        let before = moto.requests();
        let out = home.stsenv(&["mfa", "personal", "--force"]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(&format!("{} is not a usable TOTP seed", seed.display())), "{err}");
        assert!(!err.contains(bad), "{err}");
        assert_eq!(moto.requests(), before);
    }
}

fn exec(home: &Home, args: &[&str]) -> Output {
    home.stsenv(&[&["exec"], args].concat())
}

#[test]
fn exec_runs_the_aws_cli_with_the_session_and_with_a_role() {
    let moto = Moto::start(false);
    let (mut home, user) = moto_home(&moto);
    // Left over from a shell that had assumed a role: stale in a plain session.
    home.set("STSENV_ROLE", "Stale").set("AWS_SESSION_TOKEN", "stale-token");
    let identity = ["--", "aws", "sts", "get-caller-identity", "--query", "Arn", "--output", "text"];
    let before = moto.requests();
    let out = exec(&home, &[&["personal", "-c", "123456"][..], &identity].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    // moto names session credentials' caller `user/moto`; stdout is the child's alone.
    let arn = stdout(&out);
    assert!(arn.starts_with("arn:aws:") && arn.contains(":123456789012:user/"), "{arn}");
    assert_eq!(arn.lines().count(), 1, "{arn}");
    assert_stderr_contains!(out, "New session for account personal");
    assert_eq!(moto.requests() - before, 2, "GetSessionToken and the CLI's call");
    // The session is cached: the next run makes no STS call of its own, and says nothing.
    let before = moto.requests();
    let out = exec(&home, &[&["personal"][..], &identity].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(moto.requests() - before, 1);
    assert_eq!(stderr(&out), "");
    // A role, chained from the cached session.
    let out = exec(&home, &[&["personal", "--role", "admin"][..], &identity].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "arn:aws:sts::123456789012:assumed-role/Admin/stsenv-jbrowne");
    // The child's environment: the emitted variables, the stale ones removed.
    let session = home.cache().valid("personal", &Slot::Mfa, time::OffsetDateTime::now_utc()).unwrap();
    let token = String::from_utf8(session.credentials.session_token.unwrap().expose().to_vec()).unwrap();
    let secret = String::from_utf8(session.credentials.secret_access_key.expose().to_vec()).unwrap();
    let out = exec(&home, &["personal", "--", "env"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let env = stdout(&out);
    let expiration = stsenv::base::times::rfc3339(session.expiration);
    for line in [
        format!("AWS_SESSION_TOKEN={token}"),
        format!("AWS_SECRET_ACCESS_KEY={secret}"),
        format!("AWS_CREDENTIAL_EXPIRATION={expiration}"),
        format!("AWS_SESSION_EXPIRATION={expiration}"),
        "STSENV_KIND=mfa".to_owned(),
        "STSENV_ACCOUNT=personal".to_owned(),
        "AWS_REGION=us-east-1".to_owned(),
    ] {
        assert!(env.lines().any(|l| l == line), "{line} in:\n{env}");
    }
    assert!(!env.contains("STSENV_ROLE=") && !env.contains("stale-token"), "{env}");
    assert!(!env.contains(&user.secret_key), "never the long-term secret");
    // No secret in the child's arguments.
    let out = exec(&home, &["personal", "--", "cat", "/proc/self/cmdline"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "cat\0/proc/self/cmdline\0");
    let out = exec(&home, &["personal", "--role", "admin", "--", "cat", "/proc/self/cmdline"]);
    assert_eq!(stdout(&out), "cat\0/proc/self/cmdline\0");
}

#[test]
fn exec_passes_the_exit_status_through_and_fails_clearly() {
    let moto = Moto::start(false);
    let (home, _) = moto_home(&moto);
    let out = exec(&home, &["personal", "-c", "123456", "--", "sh", "-c", "exit 7"]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let out = exec(&home, &["personal", "--", "sh", "-c", "kill -TERM $$"]);
    assert_eq!(out.status.signal(), Some(15), "the command's own death: {:?}", out.status);
    // Without `--`, and with options of the command's own.
    let out = exec(&home, &["personal", "sh", "-c", "echo \"$STSENV_KIND\" \"$1\"", "sh", "--role"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "mfa --role\n");
    // A command that is missing or not found: exit 2 before any prompt or STS call.
    let fresh = Home::new();
    fresh.keys("personal", ACCESS_KEY, SECRET_KEY).accounts(&accounts(None));
    let plain = fresh.path().join("plain.txt");
    std::fs::write(&plain, "echo hi\n").unwrap();
    let before = moto.requests();
    for (args, message) in [
        (&["personal", "--", "no-such-command", "x"][..], "command not found: no-such-command"),
        (&["personal", "--", "/nonexistent/tool"], "cannot run /nonexistent/tool: it does not exist"),
        (&["personal", "--", plain.to_str().unwrap()], "plain.txt: it is not an executable file"),
        (&["personal"], "<COMMAND>"),
        (&["personal", "--"], "<COMMAND>"),
    ] {
        let out = exec(&fresh, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty());
        assert_stderr_contains!(out, message, "{args:?}");
    }
    assert_eq!(moto.requests(), before);
}

#[test]
fn exec_uses_the_totp_seed_for_a_cron_job() {
    let moto = Moto::start(false);
    let (home, user) = moto_home(&moto);
    home.write_secret("personal.totp", user.seed.as_bytes());
    // No terminal, no code: the seed gives it, first for a role (through a new MFA session),
    // then for the session.
    let out =
        exec(&home, &["personal", "--role", "admin", "--", "sh", "-c", "echo $STSENV_KIND/$STSENV_ROLE"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "role/Admin\n");
    assert_stderr_contains!(out, "New session for account personal");
    std::fs::remove_file(home.cache().path("personal", &stsenv::store::slot::Slot::Mfa)).unwrap();
    // (And the code sent, so that this run need not wait for the next 30 s step to send another:
    // tests/secrets/sent_once.rs tests that wait.)
    std::fs::remove_file(home.cache_dir().join("sent-codes.json")).unwrap();
    let out = exec(&home, &["personal", "--duration", "900", "--", "sh", "-c", "echo $STSENV_KIND"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "mfa\n");
    // 900 s from STS's clock, counted from before the call: 14m, or 15m when the call took a second.
    let said = stderr(&out);
    assert!(said.contains("valid for 14m") || said.contains("valid for 15m"), "{said}");
}

#[test]
fn mfa_process_gets_no_credential_variable_of_the_shell() {
    let fault = Fault::start(Mode::error(403, "AccessDenied", "MultiFactorAuthentication failed"));
    let mut home = fault_home(&fault, None);
    let dump = home.path().join("child.env");
    let process = script(&home, "dump.sh", &format!("env > '{}'\necho 123456", dump.display()));
    home.accounts(&accounts(Some(&format!("\"{}\"", process.display()))));
    // A shell that holds a session (and the old names) and a password manager's agent.
    let secrets: Vec<&str> = stsenv::base::variables::secret_variables().collect();
    for name in &secrets {
        home.set(name, format!("leaked-{name}"));
    }
    home.set("SSH_AUTH_SOCK", "/run/agent.sock").set("OP_SESSION_my", "op-agent-session");
    // (STSENV_TOKEN_CODE would be used as the code: set it only for a run that must fail on it.)
    home.vars.retain(|(k, _)| k != "STSENV_TOKEN_CODE");
    for args in [&["mfa", "personal"][..], &["role", "admin", "-a", "personal"]] {
        let _ = std::fs::remove_file(&dump);
        assert_eq!(token_code_sent(&home, &fault, args), "123456", "{args:?}");
        let env = std::fs::read_to_string(&dump).unwrap();
        for name in &secrets {
            assert!(!env.lines().any(|l| l.starts_with(&format!("{name}="))), "{args:?}: {name} in:\n{env}");
        }
        assert!(!env.contains("leaked-"), "{args:?}: {env}");
        for kept in [
            format!("HOME={}", home.path().display()),
            "SSH_AUTH_SOCK=/run/agent.sock".into(),
            "OP_SESSION_my=op-agent-session".into(),
        ] {
            assert!(env.lines().any(|l| l == kept), "{args:?}: {kept} kept in:\n{env}");
        }
        assert!(env.lines().any(|l| l.starts_with("PATH=")), "{env}");
    }
}

#[test]
fn exec_never_runs_a_program_from_the_current_directory_by_accident() {
    let moto = Moto::start(false);
    let (home, _) = moto_home(&moto);
    // A `true` in the directory the command is started from, and one in ./bin.
    let planted = "#!/bin/sh\necho planted > \"$HOME/planted\"\n";
    for dir in [home.path().to_owned(), home.path().join("bin")] {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("true"), planted).unwrap();
        std::fs::set_permissions(dir.join("true"), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let run = |path: Option<&str>| {
        let mut cmd = home.stsenv_command(&["exec", "personal", "-c", "123456", "--", "true"]);
        match path {
            Some(path) => cmd.env("PATH", path),
            None => cmd.env_remove("PATH"),
        };
        crate::util::run::finish(cmd, "stsenv exec -- true", crate::util::run::QUICK).0
    };
    // PATH unset: the system's default path, as execvp uses, not the current directory.
    let out = run(None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!home.path().join("planted").exists(), "PATH unset ran ./true");
    // A relative entry before the system's: skipped, and said.
    let out = run(Some("bin:/usr/bin:/bin"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!home.path().join("planted").exists(), "PATH=bin:... ran bin/true");
    assert_stderr_contains!(out, "running /usr/bin/true and not bin/true");
    // Only relative entries hold it: refused, naming what was skipped.
    let out = run(Some(":bin"));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!home.path().join("planted").exists(), "PATH=:bin ran a planted true");
    assert_stderr_contains!(out, "command not found: true (only ./true has it");
}
