//! `credential-process` escalates by itself, used by the official AWS CLI through
//! `~/.aws/config` against moto; its window; and `clear`.

use std::process::{Output, Stdio};

use stsenv::store::slot::Slot;
use time::{Duration, OffsetDateTime};

use crate::util::fixtures::{ACCOUNTS_PERSONAL_ADMIN as ACCOUNTS, moto_home};
use crate::util::moto::{As, CALLER_ARN, Moto, User, aws, venv};
use crate::util::{Home, on_pty, script, shells, stderr, stdout};
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/Admin";
const ADMIN_ARN: &str = "arn:aws:sts::123456789012:assumed-role/Admin/stsenv-jbrowne";

fn setup(moto: &Moto) -> (Home, User) {
    let (home, user) = moto_home(moto);
    home.credential_process_profiles();
    (home, user)
}

fn credential_process(home: &Home, args: &[&str]) -> Output {
    let mut cmd = home.command(crate::util::bin());
    cmd.arg("credential-process").args(args);
    cmd.output().unwrap()
}

fn key_id(out: &Output) -> String {
    let json: serde_json::Value = serde_json::from_str(&stdout(out)).unwrap();
    json["AccessKeyId"].as_str().unwrap().to_owned()
}

#[test]
fn a_role_is_assumed_from_the_cached_mfa_session_without_a_terminal() {
    let moto = Moto::start(false);
    let (home, _) = setup(&moto);
    assert!(home.stsenv(&["mfa", "personal", "-c", "123456"]).status.success());
    let before = moto.requests();
    let out = aws(&home, As::Profile("personal-admin"), CALLER_ARN);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), ADMIN_ARN);
    assert_eq!(moto.requests() - before, 2, "one AssumeRole, then the CLI's GetCallerIdentity");
    // The role is cached now: only the CLI's call.
    let before = moto.requests();
    assert!(aws(&home, As::Profile("personal-admin"), CALLER_ARN).status.success());
    assert_eq!(moto.requests() - before, 1);
}

#[test]
fn without_a_session_the_totp_seed_gives_the_code() {
    let moto = Moto::start(false);
    let (home, user) = setup(&moto);
    home.write_secret("personal.totp", user.seed.as_bytes());
    let before = moto.requests();
    let out = aws(&home, As::Profile("personal-admin"), CALLER_ARN);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), ADMIN_ARN);
    assert_eq!(moto.requests() - before, 3, "GetSessionToken, AssumeRole, the CLI's GetCallerIdentity");
    // The MFA session is the account's, for ec2mfa and the next role.
    assert!(home.cache().valid("personal", &Slot::Mfa, OffsetDateTime::now_utc()).is_some());
    let out = aws(&home, As::Profile("personal-mfa"), CALLER_ARN);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Run `aws sts get-caller-identity --profile PROFILE` on a pseudo-terminal (tests/pty_prompt.py),
/// typing `answer` at the first prompt; the harness's report.
fn aws_on_a_terminal(home: &Home, profile: &str, answer: &str) -> serde_json::Value {
    let mut cmd = on_pty(home, "pty_prompt.py");
    cmd.arg(venv().join("bin/aws"))
        .args(["sts", "get-caller-identity", "--query", "Arn", "--output", "text", "--profile", profile])
        .env("PTY_ANSWER", answer);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn with_a_terminal_the_code_is_typed_at_the_prompt_there() {
    let moto = Moto::start(false);
    let (home, _) = setup(&moto);
    let report = aws_on_a_terminal(&home, "personal-admin", "123456");
    assert_eq!(report["status"], 0, "{report}");
    assert_eq!(report["stdout"].as_str().unwrap().trim(), ADMIN_ARN, "{report}");
    assert!(report["terminal"].as_str().unwrap().contains("Enter MFA code for user jbrowne:"), "{report}");
    assert!(!report["stderr"].as_str().unwrap().contains("Enter MFA code"), "the prompt is on the terminal");

    // mfa_process's own messages ("touch your YubiKey") go to the terminal too, not to the
    // stderr the AWS CLI captures.
    let moto = Moto::start(false);
    let (home, _) = setup(&moto);
    let script = script(&home, "yubikey.sh", "echo 'Touch your YubiKey...' >&2\necho 123456");
    let accounts = ACCOUNTS.replace(
        r#""user": "jbrowne","#,
        &format!(r#""user": "jbrowne", "mfa_process": "{}","#, script.display()),
    );
    home.accounts(&accounts);
    let report = aws_on_a_terminal(&home, "personal-mfa", "");
    assert_eq!(report["status"], 0, "{report}");
    assert!(report["terminal"].as_str().unwrap().contains("Touch your YubiKey..."), "{report}");
    assert!(!report["stderr"].as_str().unwrap().contains("YubiKey"), "{report}");
}

#[test]
fn without_a_code_or_a_terminal_one_line_says_what_to_run() {
    let moto = Moto::start(false);
    let (home, _) = setup(&moto);
    let before = moto.requests();
    for args in [&["personal"][..], &["personal", "--role", "admin"]] {
        let out = credential_process(&home, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("run: ec2mfa personal"), "{err}");
        // Never a command that prints credentials on the terminal.
        assert!(!err.contains("stsenv role") && !err.contains("stsenv mfa"), "{err}");
    }
    assert_eq!(moto.requests(), before, "no STS call without a code");
    let out = aws(&home, As::Profile("personal-admin"), CALLER_ARN);
    assert!(!out.status.success());
    assert_stderr_contains!(out, "run: ec2mfa personal");
}

#[test]
fn fifty_concurrent_calls_on_an_empty_cache_make_two_sts_calls() {
    let moto = Moto::start(false);
    let (mut home, _) = setup(&moto);
    home.set("STSENV_TOKEN_CODE", "123456");
    let before = moto.requests();
    let children: Vec<_> = (0..50)
        .map(|_| {
            let mut cmd = home.command(crate::util::bin());
            cmd.args(["credential-process", "personal", "--role", "admin"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    for out in &outputs {
        assert!(out.status.success(), "{}", stderr(out));
    }
    assert_eq!(moto.requests() - before, 2, "one GetSessionToken and one AssumeRole for 50 processes");
    let first = stdout(&outputs[0]);
    assert!(first.contains("\"SessionToken\":\""), "{first}");
    assert!(outputs.iter().all(|o| stdout(o) == first), "every process prints the same credentials");
    eprintln!("50 x credential-process --role on an empty cache: {} STS calls", moto.requests() - before);
}

#[test]
fn credentials_inside_the_window_are_renewed() {
    let moto = Moto::start(false);
    let (mut home, _) = setup(&moto);
    home.set("STSENV_TOKEN_CODE", "123456");
    let now = OffsetDateTime::now_utc();
    let cached =
        home.cache_session("personal", Slot::Mfa, "TENMINUTESLEFTTOKEN", now + Duration::minutes(10));
    let cached_id = String::from_utf8(cached.credentials.access_key_id.expose().to_vec()).unwrap();
    let before = moto.requests();
    // 10 minutes left: enough for a 5-minute window (in any of its spellings).
    for window in ["5m", "300s", "300"] {
        let out = credential_process(&home, &["personal", "--window", window]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(key_id(&out), cached_id, "--window {window}");
    }
    assert_eq!(moto.requests(), before);
    // Not for the default of 15 minutes: renewed, once.
    let out = credential_process(&home, &["personal"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let renewed = key_id(&out);
    assert_ne!(renewed, cached_id);
    assert_eq!(moto.requests() - before, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let expiration = stsenv::base::times::parse_rfc3339(json["Expiration"].as_str().unwrap()).unwrap();
    assert!(expiration - now > Duration::hours(11), "{expiration}");
    let out = credential_process(&home, &["personal", "--window", "1h"]);
    assert_eq!(key_id(&out), renewed, "the new session is reused");
    assert_eq!(moto.requests() - before, 1);

    // A role with 10 minutes left: reused with a 5-minute window, else renewed by chaining from
    // the MFA session (one AssumeRole).
    let role = home.cache_session(
        "personal",
        crate::util::role_slot(ROLE_ARN),
        "ROLETENMINUTESLEFT",
        now + Duration::minutes(10),
    );
    let role_id = String::from_utf8(role.credentials.access_key_id.expose().to_vec()).unwrap();
    let out = credential_process(&home, &["personal", "--role", "admin", "--window", "5m"]);
    assert_eq!(key_id(&out), role_id);
    let before = moto.requests();
    let out = credential_process(&home, &["personal", "--role", "admin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(key_id(&out), role_id);
    assert_eq!(moto.requests() - before, 1);

    // A window longer than STS gives: an error, not credentials with less than it left.
    let moto = Moto::start(false);
    let (mut home, _) = setup(&moto);
    home.set("STSENV_TOKEN_CODE", "123456");
    let out = credential_process(&home, &["personal", "--role", "admin", "--window", "2h"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_stderr_contains!(out, "shorter window");
    for bad in ["15x", "0m", "m", "-5m", "1.5h"] {
        let window = format!("--window={bad}");
        let out = credential_process(&home, &["personal", &window]);
        assert_eq!(out.status.code(), Some(2), "--window {bad}: {}", stderr(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
        assert_stderr_contains!(out, "--window");
    }
}

#[test]
fn after_clear_ec2switch_uses_the_long_term_keys() {
    let home = Home::new();
    home.keys("personal", "AKIAPERSONALPERSONAL", "personalsecretpersonalsecretpersonalsec")
        .keys("work", "AKIAWORKWORKWORKWORK", "worksecretworksecretworksecretworksecret")
        .accounts(ACCOUNTS);
    let later = OffsetDateTime::now_utc() + Duration::hours(6);
    for shell in shells() {
        home.cache_session("personal", Slot::Mfa, "PERSONALSESSIONTOKEN", later);
        home.cache_session("personal", crate::util::role_slot(ROLE_ARN), "PERSONALROLETOKEN", later);
        home.cache_session("work", Slot::Mfa, "WORKSESSIONTOKEN", later);
        let steps = home.scenario(
            shell,
            &[
                "ec2switch personal",
                "stsenv clear personal --role admin",
                "ec2switch personal",
                "stsenv clear personal",
                "ec2switch personal",
                "ec2switch work",
                "stsenv clear",
                "ec2switch work",
            ],
        );
        steps[0].expect("STSENV_KIND", Some("mfa"));
        assert_eq!(steps[1].status, 0, "{shell}: {}", steps[1].stderr);
        assert_eq!(steps[1].stdout, "");
        assert_eq!(steps[1].stderr, "Removed 1 cached session of role admin of account personal\n");
        steps[2].expect("STSENV_KIND", Some("mfa"));
        // Run directly (not ec2clear), it cannot unset the shell's session: it says so.
        assert_eq!(
            steps[3].stderr,
            "Removed 1 cached session of account personal\nThis shell's variables (the session of account personal) stay until ec2unset; the function ec2clear unsets them too\n",
            "{shell}"
        );
        steps[4].expect("STSENV_KIND", Some("keys"));
        steps[4].expect("AWS_ACCESS_KEY_ID", Some("AKIAPERSONALPERSONAL"));
        steps[5].expect("STSENV_KIND", Some("mfa"));
        assert!(
            steps[6].stderr.starts_with("Removed 1 cached session of any account\n"),
            "{shell}: {}",
            steps[6].stderr
        );
        steps[7].expect("STSENV_KIND", Some("keys"));
        let left: Vec<_> = std::fs::read_dir(home.cache_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| !n.ends_with(".lock"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        let again = home.stsenv(&["clear", "personal"]);
        assert!(again.status.success());
        assert!(stderr(&again).starts_with("No cached sessions of account personal"), "{}", stderr(&again));
    }
    let bad = home.stsenv(&["clear", "../x"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    let bad = home.stsenv(&["clear", "--role", "admin"]);
    assert_eq!(bad.status.code(), Some(2), "--role needs an account: {}", stderr(&bad));
}

#[test]
fn clearing_during_concurrent_escalations_leaves_no_torn_file() {
    let moto = Moto::start(false);
    let (mut home, _) = setup(&moto);
    home.set("STSENV_TOKEN_CODE", "123456");
    let spawn = |args: &[&str]| {
        let mut cmd = home.command(crate::util::bin());
        cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.spawn().unwrap()
    };
    let mut children = Vec::new();
    for i in 0..30 {
        children.push((true, spawn(&["credential-process", "personal", "--role", "admin"])));
        if i % 3 == 0 {
            children.push((false, spawn(&["clear"])));
        }
    }
    for (escalation, child) in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        if escalation {
            let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
            assert!(json["SessionToken"].as_str().is_some_and(|t| !t.is_empty()), "{json}");
        }
    }
    // Every file left is whole: a lock, or a cache entry that reads back valid.
    let now = OffsetDateTime::now_utc();
    for entry in std::fs::read_dir(home.cache_dir()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".lock") {
            continue;
        }
        let slot = match name.as_str() {
            "personal.mfa.json" => Slot::Mfa,
            n if n.starts_with("personal.role.") && n.ends_with(".json") => crate::util::role_slot(ROLE_ARN),
            other => panic!("a file that should not be there: {other}"),
        };
        assert!(home.cache().valid("personal", &slot, now).is_some(), "{name} is not a whole entry");
    }
}

#[test]
fn on_a_terminal_it_prints_nothing_and_names_the_function() {
    use crate::util::fault::{Fault, Mode};
    use crate::util::fixtures::{ACCOUNTS_PERSONAL_ADMIN, CACHED_TOKEN, sts_home};
    let fault = Fault::start(Mode::ok());
    let home = sts_home(&fault.url);
    home.accounts(ACCOUNTS_PERSONAL_ADMIN);
    home.cache_session("personal", Slot::Mfa, CACHED_TOKEN, OffsetDateTime::now_utc() + Duration::hours(6));
    // Typed at a prompt (stdout and stderr on the terminal): one line, exit 2, no secret.
    for (args, expected) in [
        (
            &["credential-process", "personal"][..],
            "stsenv: stdout is a terminal: credential-process would show the secret key; it is for the AWS CLI and SDKs, through `credential_process = stsenv credential-process personal` in ~/.aws/config; for this shell use the function: ec2mfa personal",
        ),
        (
            &["credential-process", "personal", "--role", "admin"][..],
            "stsenv: stdout is a terminal: credential-process would show the secret key; it is for the AWS CLI and SDKs, through `credential_process = stsenv credential-process personal --role admin` in ~/.aws/config; for this shell use the function: ec2role admin --account personal",
        ),
    ] {
        let mut cmd = on_pty(&home, "pty_prompt.py");
        cmd.arg(crate::util::bin()).args(args).env("PTY_STDOUT", "1");
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let screen = report["terminal"].as_str().unwrap().replace("\r\n", "\n");
        assert_eq!(report["status"], 2, "{args:?}: {report}");
        assert!(!screen.contains(CACHED_TOKEN) && !screen.contains("tmpsecret/"), "{screen}");
        assert_eq!(screen.trim_end(), expected, "{args:?}");
    }
    assert_eq!(fault.count(), 0, "no STS call");
    // Through a pipe (as the AWS CLI and SDKs run it) the JSON, as before.
    let out = credential_process(&home, &["personal"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["SessionToken"], CACHED_TOKEN);
    assert_eq!(json["Version"], 1);
}
