//! `stsenv exec --server`: the AWS CLI and boto3 in the child get their credentials from the
//! local credential server (against moto); the token is required; the port closes with the
//! child; a session that expires during the run is renewed; exit status and signals pass
//! through.

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use stsenv::store::slot::Slot;
use time::OffsetDateTime;

use crate::util::fixtures::moto_home;
use crate::util::moto::Moto;
use crate::util::{Home, on_pty, stderr, stdout};

fn client_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/server_client.py")
}

/// `stsenv exec ARGS... --server -- python tests/server_client.py CLIENT...`.
fn exec_client(home: &Home, args: &[&str], client: &[&str]) -> Output {
    let script = client_script();
    let mut all = vec!["exec"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--server", "--", "python", script.to_str().unwrap()]);
    all.extend_from_slice(client);
    home.stsenv(&all)
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{:?}: {}", out.status, stderr(out));
    serde_json::from_str(stdout(out).trim()).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

#[test]
fn server_feeds_the_aws_cli_and_boto3_and_nothing_else_carries_credentials() {
    let moto = Moto::start(false);
    let (mut home, user) = moto_home(&moto);
    // Left over in the caller's environment: never passed on with --server.
    home.set("AWS_ACCESS_KEY_ID", "AKIASTALESTALESTALE1")
        .set("AWS_SECRET_ACCESS_KEY", "stale-secret")
        .set("AWS_SESSION_TOKEN", "stale-token")
        .set("AWS_CREDENTIAL_EXPIRATION", "2000-01-01T00:00:00Z")
        .set("AWS_SESSION_EXPIRATION", "2000-01-01T00:00:00Z")
        .set("AWS_PROFILE", "nonexistent-profile")
        .set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/nonexistent/token");
    let identity = ["--", "aws", "sts", "get-caller-identity", "--query", "Arn", "--output", "text"];
    let out = home.stsenv(&[&["exec", "personal", "-c", "123456", "--server"][..], &identity].concat());
    assert!(out.status.success(), "{}\n{}", stderr(&out), moto.log());
    // moto names session credentials' caller `user/moto`; stdout is the child's alone.
    let arn = stdout(&out);
    assert!(arn.starts_with("arn:aws:") && arn.contains(":123456789012:user/"), "{arn}");
    assert_eq!(arn.lines().count(), 1, "{arn}");
    assert_stderr_contains!(out, "New session for account personal");
    // boto3's default chain finds the container provider, with the cached session's key.
    let session = home.cache().valid("personal", &Slot::Mfa, OffsetDateTime::now_utc()).unwrap();
    let out = exec_client(&home, &["personal"], &["boto3"]);
    let seen = json(&out);
    assert_eq!(seen["method"], "container-role", "{seen}");
    assert_eq!(seen["access_key"].as_str().unwrap().as_bytes(), session.credentials.access_key_id.expose());
    assert!(seen["arn"].as_str().unwrap().contains(":123456789012:user/"), "{seen}");
    assert_eq!(stderr(&out), "", "a valid cache: nothing to say");
    // A role, chained from the cached session.
    let out = home.stsenv(&[&["exec", "personal", "--role", "admin", "--server"][..], &identity].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "arn:aws:sts::123456789012:assumed-role/Admin/stsenv-jbrowne");
    // The child's environment: the server's address and token, the region and STSENV_*, and
    // none of the credential variables (neither stsenv's nor the caller's).
    let out = home.stsenv(&["exec", "personal", "--server", "--", "env"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let env = stdout(&out);
    let var = |name: &str| env.lines().find_map(|l| l.strip_prefix(&format!("{name}=")).map(str::to_owned));
    let url = var("AWS_CONTAINER_CREDENTIALS_FULL_URI").unwrap();
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with("/credentials"), "{url}");
    let token = var("AWS_CONTAINER_AUTHORIZATION_TOKEN").unwrap();
    assert!(token.len() >= 32 && token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    assert_eq!(var("STSENV_ACCOUNT").as_deref(), Some("personal"));
    assert_eq!(var("STSENV_KIND").as_deref(), Some("mfa"));
    assert_eq!(var("AWS_REGION").as_deref(), Some("us-east-1"));
    assert_eq!(var("AWS_DEFAULT_REGION").as_deref(), Some("us-east-1"));
    for name in stsenv::base::variables::VARIABLES
        .iter()
        .filter(|v| !v.starts_with("STSENV_") && !v.ends_with("REGION"))
    {
        assert_eq!(var(name), None, "{name} in the child's environment:\n{env}");
    }
    for name in
        ["STSENV_EXPIRES", "AWS_SESSION_EXPIRATION", "AWS_PROFILE", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]
    {
        assert_eq!(var(name), None, "{name} in the child's environment:\n{env}");
    }
    let secret = String::from_utf8(session.credentials.secret_access_key.expose().to_vec()).unwrap();
    let session_token =
        String::from_utf8(session.credentials.session_token.unwrap().expose().to_vec()).unwrap();
    for value in [&secret, &session_token, &user.secret_key, &user.access_key] {
        assert!(!env.contains(value.as_str()), "a credential in the child's environment");
    }
    // A second server gets another token and (as a rule) another port.
    let again = home.stsenv(&["exec", "personal", "--server", "--", "env"]);
    assert!(!stdout(&again).contains(&token), "a new token per run");
    // Nothing secret in the child's arguments.
    let out = home.stsenv(&["exec", "personal", "--server", "--", "cat", "/proc/self/cmdline"]);
    assert_eq!(stdout(&out), "cat\0/proc/self/cmdline\0");
}

#[test]
fn server_refuses_requests_without_the_exact_token_and_closes_with_the_child() {
    let moto = Moto::start(false);
    let (home, _) = moto_home(&moto);
    let out = exec_client(&home, &["personal", "-c", "123456"], &["probe"]);
    let seen = json(&out);
    let session = home.cache().valid("personal", &Slot::Mfa, OffsetDateTime::now_utc()).unwrap();
    let secret = String::from_utf8(session.credentials.secret_access_key.expose().to_vec()).unwrap();
    assert_eq!(seen["token_length"], 64, "256 bits in hex");
    // One listening socket, on 127.0.0.1 (0100007F in /proc/net/tcp), none on another address.
    assert_eq!(seen["listening"], serde_json::json!(["0100007F"]), "{seen}");
    for (case, status) in [
        ("none", 401),
        ("other_path_no_token", 401),
        ("empty", 403),
        ("wrong", 403),
        ("longer", 403),
        ("prefix", 403),
        ("upper", 403),
        ("twice", 403),
        ("bearer", 403),
    ] {
        assert_eq!(seen[case]["status"], status, "{case}: {seen}");
        let body = seen[case]["body"].as_str().unwrap();
        assert!(!body.contains(&secret) && !body.contains("AccessKeyId"), "{case}: {body}");
    }
    assert_eq!(seen["post"]["status"], 405, "{seen}");
    assert_eq!(seen["right"]["status"], 200, "{seen}");
    let right: serde_json::Value = serde_json::from_str(seen["right"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(right["SecretAccessKey"].as_str(), Some(secret.as_str()));
    assert_eq!(right["Expiration"].as_str().unwrap(), stsenv::base::times::rfc3339(session.expiration));
    // The child has ended, so has stsenv: nothing listens on the port any more.
    let url = seen["url"].as_str().unwrap();
    let port: u16 = url.trim_start_matches("http://127.0.0.1:").split('/').next().unwrap().parse().unwrap();
    let refused = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused, "{refused}");
}

#[test]
fn server_renews_a_session_that_expires_during_the_run() {
    let moto = Moto::start(false);
    let (home, user) = moto_home(&moto);
    // For the renewal: a code from NAME.totp (no terminal, and no code given).
    home.write_secret("personal.totp", user.seed.as_bytes());
    // A cached session the server may serve for 16 more seconds (it renews inside 15 minutes).
    let written = OffsetDateTime::now_utc();
    let short = home.cache_session(
        "personal",
        Slot::Mfa,
        "shortlivedsessiontoken",
        written + time::Duration::seconds(15 * 60 + 16),
    );
    let until = (written + time::Duration::seconds(18)).unix_timestamp().to_string();
    let before = moto.requests();
    let out = exec_client(&home, &["personal"], &["renew", &until]);
    let seen = json(&out);
    assert!(
        seen["first_done_at"].as_f64().unwrap() < written.unix_timestamp() as f64 + 16.0,
        "too slow a start: {seen}"
    );
    // First the cached session, and the CLI works with it.
    let first_key = seen["first"]["AccessKeyId"].as_str().unwrap();
    assert_eq!(first_key.as_bytes(), short.credentials.access_key_id.expose());
    assert_eq!(seen["first_cli"]["status"], 0, "{seen}");
    // Then a new session from GetSessionToken, in the cache too, and the CLI works with it.
    let renewed = home.cache().valid("personal", &Slot::Mfa, OffsetDateTime::now_utc()).unwrap();
    let second_key = seen["second"]["AccessKeyId"].as_str().unwrap();
    assert_ne!(second_key, first_key);
    let seconds = seen["seconds"].as_array().unwrap();
    assert!(seconds.iter().all(|s| s == &seen["second"]), "one renewal for 8 requests at once: {seen}");
    assert_eq!(second_key.as_bytes(), renewed.credentials.access_key_id.expose());
    assert!(renewed.seconds_left(OffsetDateTime::now_utc()) > 11 * 3600, "a 12-hour session");
    assert_eq!(seen["second_cli"]["status"], 0, "{seen}");
    assert!(seen["second_cli"]["arn"].as_str().unwrap().contains(":123456789012:user/"), "{seen}");
    assert_stderr_contains!(out, "New session for account personal, valid for 1");
    // One boto3 client, kept over the run, refreshed from the server by itself.
    let keys: Vec<&str> =
        seen["boto3_keys"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
    assert_eq!(keys, [first_key, second_key], "{seen}");
    // Two CLI calls, two boto3 calls and one GetSessionToken.
    assert_eq!(moto.requests() - before, 5, "{}", moto.log());
}

#[test]
fn server_passes_the_exit_status_and_signals_through() {
    let moto = Moto::start(false);
    let (home, _) = moto_home(&moto);
    let out = home.stsenv(&["exec", "personal", "-c", "123456", "--server", "--", "sh", "-c", "exit 7"]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let out = home.stsenv(&["exec", "personal", "--server", "--", "sh", "-c", "kill -TERM $$"]);
    assert_eq!(out.status.signal(), Some(15), "the command's own death: {:?}", out.status);
    assert!(!out.status.core_dumped());
    // A signal sent to stsenv reaches the command, which ends as it chooses.
    for (signal, name) in [(libc::SIGTERM, "TERM"), (libc::SIGINT, "INT"), (libc::SIGHUP, "HUP")] {
        let mut cmd = home.command(crate::util::bin());
        let body =
            format!("trap 'echo got {name}; exit 42' {name}; echo ready; while :; do sleep 0.05; done");
        cmd.args(["exec", "personal", "--server", "--", "sh", "-c", &body])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert_eq!(lines.next().unwrap().unwrap(), "ready");
        // SAFETY: kill(2) on our own child, not yet reaped.
        unsafe {
            libc::kill(child.id() as libc::pid_t, signal);
        }
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > Duration::from_secs(20) {
                crate::util::run::kill(&mut child);
                panic!("SIG{name} did not reach the command");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(status.code(), Some(42), "SIG{name}: {status:?}");
        assert_eq!(lines.next().unwrap().unwrap(), format!("got {name}"));
    }
}

#[test]
fn server_asks_on_the_terminal_when_a_renewal_needs_a_code() {
    let moto = Moto::start(false);
    let (home, _) = moto_home(&moto);
    // No code source but the terminal: the renewal asks there, while the command runs.
    let written = OffsetDateTime::now_utc();
    let short = home.cache_session(
        "personal",
        Slot::Mfa,
        "shortlivedsessiontoken",
        written + time::Duration::seconds(15 * 60 + 10),
    );
    let until = (written + time::Duration::seconds(12)).unix_timestamp().to_string();
    let mut cmd = on_pty(&home, "pty_prompt.py");
    cmd.arg(crate::util::bin()).args(["exec", "personal", "--server", "--", "python"]);
    cmd.arg(client_script()).args(["renew", &until, "--no-cli"]).env("PTY_ANSWER", "123456");
    let before = moto.requests();
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], 0, "{report}");
    assert!(report["terminal"].as_str().unwrap().contains("Enter MFA code for user jbrowne:"), "{report}");
    let seen: serde_json::Value = serde_json::from_str(report["stdout"].as_str().unwrap().trim()).unwrap();
    assert_eq!(
        seen["first"]["AccessKeyId"].as_str().unwrap().as_bytes(),
        short.credentials.access_key_id.expose()
    );
    let renewed = home.cache().valid("personal", &Slot::Mfa, OffsetDateTime::now_utc()).unwrap();
    assert_eq!(
        seen["second"]["AccessKeyId"].as_str().unwrap().as_bytes(),
        renewed.credentials.access_key_id.expose()
    );
    assert_eq!(moto.requests() - before, 1, "one GetSessionToken: {}", moto.log());
}

/// Ctrl-C at the terminal is not passed on by stsenv: the terminal sends it to the whole
/// foreground process group, the command included, so passing it on would make two (Linux,
/// where stsenv sees who sent a signal). To see what stsenv passes on alone, the command here
/// leaves the foreground group, so the terminal's SIGINT reaches stsenv only.
#[cfg(target_os = "linux")]
#[test]
fn server_does_not_pass_on_the_terminals_ctrl_c() {
    let moto = Moto::start(false);
    let (home, _) = moto_home(&moto);
    assert!(home.stsenv(&["mfa", "personal", "-c", "123456"]).status.success());
    // The command takes SIGINT with sigtimedwait, so each one sent is seen with its sender.
    let child = "import json, os, signal\n\
                 os.setpgid(0, 0)\n\
                 signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})\n\
                 tty = os.open('/dev/tty', os.O_WRONLY)\n\
                 os.write(tty, b'ready:')\n\
                 got = []\n\
                 wait = 3\n\
                 while True:\n    \
                     info = signal.sigtimedwait({signal.SIGINT}, wait)\n    \
                     if info is None:\n        break\n    \
                     got.append([info.si_code, info.si_pid])\n    \
                     wait = 1.5\n\
                 print(json.dumps(got))\n";
    let mut cmd = on_pty(&home, "pty_prompt.py");
    cmd.arg(crate::util::bin()).args(["exec", "personal", "--server", "--", "python", "-c", child]);
    // What pty_prompt.py types when the ':' appears: Ctrl-C.
    cmd.env("PTY_ANSWER", "\u{3}");
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["terminal"].as_str().unwrap().contains("ready:^C"), "{report}");
    assert_eq!(report["status"], 0, "stsenv outlives the Ctrl-C it does not pass on: {report}");
    let got: serde_json::Value = serde_json::from_str(report["stdout"].as_str().unwrap()).unwrap();
    assert_eq!(got, serde_json::json!([]), "stsenv passed the terminal's SIGINT on: {report}");
}
