//! `stsenv export`: the MFA session or a role as a dotenv file (read here as `docker run
//! --env-file` reads one, then given to the AWS CLI) or as credential_process JSON (run by the
//! AWS CLI through `cat`), against moto; refused on a terminal unless `--force-terminal`.

use std::os::unix::fs::PermissionsExt;
use std::process::Output;

use stsenv::store::slot::Slot;
use time::{Duration, OffsetDateTime};

use crate::util::fault::{Fault, Mode};
use crate::util::fixtures::{CACHED_TOKEN, sts_home};
use crate::util::moto::{As, CALLER_ARN, Moto, aws};
use crate::util::{Home, on_pty, stderr, stdout};

const ACCOUNTS: &str = r#"{
  "personal": {"arn": "arn:aws:iam::123456789012:", "user": "jbrowne", "region": "eu-west-1",
               "roles": {"admin": "arn:aws:iam::123456789012:role/Admin"}}
}"#;
const ADMIN_ARN: &str = "arn:aws:sts::123456789012:assumed-role/Admin/stsenv-jbrowne";

/// The variables of a dotenv file as `docker run --env-file` reads it: each line `NAME=VALUE`,
/// the value verbatim to the end of the line.
fn env_file(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(|l| {
            let (name, value) = l.split_once('=').unwrap_or_else(|| panic!("not NAME=VALUE: {l:?}"));
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{:?}: {}", out.status, stderr(out));
    stdout(out)
}

#[test]
fn export_gives_a_dotenv_file_and_json_that_the_aws_cli_uses() {
    let moto = Moto::start(false);
    let (home, _) = Home::with_moto_user(&moto, ACCOUNTS);
    let before = moto.requests();
    let text = ok(&home.stsenv(&["export", "personal", "-c", "123456"]));
    assert_eq!(moto.requests() - before, 1, "one GetSessionToken");
    let session = home.cache().valid("personal", &Slot::Mfa, OffsetDateTime::now_utc()).unwrap();
    let c = &session.credentials;
    let s = |b: &stsenv::base::credentials::Secret| String::from_utf8(b.expose().to_vec()).unwrap();
    let expiration = stsenv::base::times::rfc3339(session.expiration);
    // Exactly these lines, in this order; no quotes, no `export`.
    let expected = [
        ("AWS_ACCESS_KEY_ID", s(&c.access_key_id)),
        ("AWS_SECRET_ACCESS_KEY", s(&c.secret_access_key)),
        ("AWS_SESSION_TOKEN", s(c.session_token.as_ref().unwrap())),
        ("AWS_CREDENTIAL_EXPIRATION", expiration.clone()),
        ("AWS_SESSION_EXPIRATION", expiration),
        ("AWS_REGION", "eu-west-1".to_owned()),
        ("AWS_DEFAULT_REGION", "eu-west-1".to_owned()),
    ]
    .map(|(n, v)| (n.to_owned(), v));
    assert_eq!(env_file(&text), expected);
    // The AWS CLI run with those variables (as docker gives them to its container) is the session.
    let mut cli = home.command(crate::util::moto::venv().join("bin/aws"));
    cli.args(CALLER_ARN).env("AWS_CONFIG_FILE", "/dev/null").env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    for (name, value) in env_file(&text) {
        cli.env(name, value);
    }
    let arn = ok(&cli.output().unwrap());
    assert!(arn.starts_with("arn:aws:") && arn.contains(":123456789012:user/"), "{arn}");

    // A role as JSON, chained from the cached session: the credential_process shape, which the
    // AWS CLI takes from `cat` of the file.
    let before = moto.requests();
    let json_text = ok(&home.stsenv(&["export", "personal", "--role", "admin", "--format", "json"]));
    assert_eq!(moto.requests() - before, 1, "one AssumeRole");
    let json: serde_json::Value = serde_json::from_str(&json_text).unwrap();
    let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["AccessKeyId", "Expiration", "SecretAccessKey", "SessionToken", "Version"]);
    assert_eq!(json["Version"], 1);
    let file = home.path().join("admin.json");
    std::fs::write(&file, &json_text).unwrap();
    let config = home.path().join(".aws/config");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, format!("[profile exported]\ncredential_process = cat {}\n", file.display()))
        .unwrap();
    let out = aws(&home, As::Profile("exported"), CALLER_ARN);
    assert_eq!(ok(&out).trim(), ADMIN_ARN);
}

#[test]
fn export_into_a_file_others_can_read_is_warned_about() {
    let fault = Fault::start(Mode::ok());
    let home = sts_home(&fault.url);
    home.cache_session("personal", Slot::Mfa, CACHED_TOKEN, OffsetDateTime::now_utc() + Duration::hours(6));
    for (mode, warned) in [(0o644, true), (0o600, false)] {
        let path = home.path().join(format!("personal-{mode:o}.env"));
        let file = std::fs::File::create(&path).unwrap();
        file.set_permissions(std::fs::Permissions::from_mode(mode)).unwrap();
        let out = home.stsenv_command(&["export", "personal"]).stdout(file).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(&format!("AWS_SESSION_TOKEN={CACHED_TOKEN}\n")), "{text}");
        // No region of the account's or the user's: none in the file.
        assert!(!text.contains("REGION"), "{text}");
        let err = stderr(&out);
        assert_eq!(err.contains("readable by group or others (mode 644)"), warned, "{mode:o}: {err}");
        assert!(!err.contains(CACHED_TOKEN), "{err}");
    }
    assert_eq!(fault.count(), 0);
}

#[test]
fn export_on_a_terminal_is_refused_unless_forced() {
    let fault = Fault::start(Mode::ok());
    let home = sts_home(&fault.url);
    home.accounts(ACCOUNTS);
    home.cache_session("personal", Slot::Mfa, CACHED_TOKEN, OffsetDateTime::now_utc() + Duration::hours(6));
    let on_terminal = |args: &[&str]| {
        let mut cmd = on_pty(&home, "pty_prompt.py");
        cmd.arg(crate::util::bin()).args(args).env("PTY_STDOUT", "1");
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let screen = report["terminal"].as_str().unwrap().replace("\r\n", "\n");
        (report["status"].as_i64().unwrap(), screen)
    };
    for (args, expected) in [
        (
            &["export", "personal"][..],
            "stsenv: stdout is a terminal: export would show the secret key on the screen; send it to a file only you can read, like: (umask 077; stsenv export personal > personal.env), or pass --force-terminal",
        ),
        (
            &["export", "personal", "--role", "admin", "--format", "json"][..],
            "stsenv: stdout is a terminal: export would show the secret key on the screen; send it to a file only you can read, like: (umask 077; stsenv export personal --role admin --format json > personal-admin.json), or pass --force-terminal",
        ),
    ] {
        let (status, screen) = on_terminal(args);
        assert_eq!(status, 2, "{args:?}: {screen}");
        assert!(!screen.contains(CACHED_TOKEN) && !screen.contains("tmpsecret/"), "{screen}");
        assert_eq!(screen.trim_end(), expected, "{args:?}");
    }
    assert_eq!(fault.count(), 0, "no STS call");
    // Asked for: shown.
    let (status, screen) = on_terminal(&["export", "personal", "--force-terminal"]);
    assert_eq!(status, 0, "{screen}");
    assert!(screen.contains(&format!("AWS_SESSION_TOKEN={CACHED_TOKEN}\n")), "{screen}");
}
