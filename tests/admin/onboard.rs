//! Setting up accounts: `stsenv add` at a real terminal and from a pipe, `key_process` accounts
//! in every shell, `stsenv import` from the shared credentials file, `stsenv mfa-device resync`.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::util::fault::{Fault, Mode};
use crate::util::moto::{Moto, User, enable_mfa};
use crate::util::{ACCESS_KEY, Home, SECRET_KEY, mode, on_pty, script, shells, stderr, stdout};

/// Accounts the user had before: every byte of them must stay.
const OTHERS: &str = r#"{
  "work": {"arn": "arn:aws:iam::012123456789:", "user": "jb", "region": "eu-west-1"},
  "old":   "arn:aws:iam::111122223333:"
}
"#;

/// stsenv with `input` on stdin (a pipe).
fn stsenv_piped(home: &Home, args: &[&str], input: &str) -> Output {
    let mut cmd = home.command(crate::util::bin());
    let mut child =
        cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // A command that refuses early (an existing account) exits without reading: a broken pipe
    // here is its answer, not the test's failure.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    child.wait_with_output().unwrap()
}

/// Every file under a directory, with its content (to show that nothing changed).
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else {
                files.push((path.clone(), std::fs::read(&path).unwrap_or_default()));
            }
        }
    }
    files.sort();
    files
}

/// `stsenv add NAME` on a pseudo-terminal (its stdin and controlling terminal), typing the two
/// keys at the prompts; the secret once the terminal's echo is off (the harness waits 3 s for it).
fn add_at_a_terminal(home: &Home, name: &str, access: &str, secret: &str) -> serde_json::Value {
    let mut cmd = on_pty(home, "pty_prompt.py");
    cmd.arg(crate::util::bin())
        .args(["add", name])
        .env("PTY_ANSWERS", serde_json::json!([access, secret]).to_string())
        .env("PTY_HIDDEN", "[1]")
        .env("PTY_STDIN", "tty");
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn add_at_a_terminal_hides_the_secret_then_switch_mfa_and_the_aws_cli_work() {
    let moto = Moto::start(false);
    let user = moto.user("jbrowne");
    let mut home = Home::new();
    home.use_moto(&moto);
    enable_mfa(&home, "jbrowne", &user.serial);
    home.accounts(OTHERS);
    // No key directory yet: add makes it, private.
    std::fs::remove_dir(home.creds()).unwrap();

    // Ctrl-C at the secret's prompt: the terminal echoes again, nothing is written.
    let report = add_at_a_terminal(&home, "personal", &user.access_key, "\u{3}");
    assert_eq!(report["status"], 2, "{report}");
    assert_eq!(report["echo"], true, "the terminal is put back: {report}");
    assert!(report["stderr"].as_str().unwrap().contains("interrupted; nothing was written"), "{report}");
    assert!(!home.creds().exists());

    let report = add_at_a_terminal(&home, "personal", &user.access_key, &user.secret_key);
    assert_eq!(report["status"], 0, "{report}");
    assert_eq!(report["echo"], true, "{report}");
    assert_eq!(report["stdout"], "", "{report}");
    let terminal = report["terminal"].as_str().unwrap();
    assert!(terminal.contains("Access key ID: "), "{terminal}");
    assert!(terminal.contains(&user.access_key), "the access key ID is shown as typed: {terminal}");
    assert!(terminal.contains("Secret access key (typing is not shown): "), "{terminal}");
    assert!(!terminal.contains(&user.secret_key), "the secret is not echoed: {terminal}");
    let err = report["stderr"].as_str().unwrap();
    assert!(!err.contains(&user.secret_key), "{err}");
    assert!(err.contains("Added account personal: IAM user jbrowne of account 123456789012"), "{err}");
    assert!(err.contains(&format!("MFA device {}", user.serial)), "{err}");
    assert!(err.contains("Next: ec2switch personal, then ec2mfa"), "{err}");

    // The README shows the same session.
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = &readme[readme.find("## First setup: `stsenv add`").unwrap()..];
    let block = &section[section.find("```console\n").unwrap()..];
    let block = &block[..block.find("\n```\n").unwrap()];
    for line in [
        "$ stsenv add personal",
        "Access key ID: AKIA",
        "Secret access key (typing is not shown):\n",
        "Added account personal: IAM user jbrowne of account ",
        "MFA device arn:aws:iam::",
        "Next: ec2switch personal, then ec2mfa for an MFA session",
    ] {
        assert!(block.contains(line), "README: {line} in {block}");
    }
    assert!(err.contains("keys in the key directory, entry in "), "{err}");

    // The key directory 0700, the key files 0600 with the keys as typed.
    assert_eq!(mode(&home.creds()), 0o700);
    for (file, value) in
        [("personal.access_key", &user.access_key), ("personal.secret_key", &user.secret_key)]
    {
        let path = home.creds().join(file);
        assert_eq!(mode(&path), 0o600, "{file}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{value}\n"));
    }
    // The accounts file: the other entries byte for byte, the new one with what moto reports.
    let accounts = std::fs::read_to_string(home.accounts_path()).unwrap();
    let added = format!(
        r#"  "personal": {{"arn": "arn:aws:iam::123456789012:", "user": "jbrowne", "mfa_serial": "{}"}}"#,
        user.serial
    );
    assert_eq!(accounts, OTHERS.replace("111122223333:\"\n}", &format!("111122223333:\",\n{added}\n}}")));
    assert!(accounts.starts_with(&OTHERS[..OTHERS.len() - 3]), "{accounts}");

    // Adding it again is refused, and changes nothing.
    let before = snapshot(home.path());
    let again = stsenv_piped(&home, &["add", "PERSONAL"], &format!("{ACCESS_KEY}\n{SECRET_KEY}\n"));
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert_stderr_contains!(again, "pass --force to replace it");
    assert_eq!(snapshot(home.path()), before);

    // Then, in every shell: ec2switch, ec2mfa with a code, and the AWS CLI with the session.
    for shell in shells() {
        let _ = std::fs::remove_dir_all(home.cache_dir());
        let steps = home.scenario(
            shell,
            &[
                "ec2switch personal",
                "ec2mfa -c 123456",
                "aws sts get-caller-identity --query Arn --output text",
            ],
        );
        assert_eq!(steps[0].status, 0, "{shell}: {}", steps[0].stderr);
        steps[0].expect("STSENV_KIND", Some("keys"));
        steps[0].expect("AWS_ACCESS_KEY_ID", Some(&user.access_key));
        assert_eq!(steps[1].status, 0, "{shell}: {}", steps[1].stderr);
        steps[1].expect("STSENV_KIND", Some("mfa"));
        assert!(steps[1].var("AWS_SESSION_TOKEN").is_some_and(|t| t.len() > 20), "{shell}");
        assert_eq!(steps[2].status, 0, "{shell}: {}", steps[2].stderr);
        assert!(
            steps[2].stdout.trim().starts_with("arn:aws:sts::123456789012:"),
            "{shell}: {}",
            steps[2].stdout
        );
    }
}

#[test]
fn add_from_a_pipe_and_a_key_moto_refuses_writes_nothing() {
    // moto checks every signature after the setup of the user.
    let moto = Moto::start(true);
    let user = moto.user("jbrowne");
    let mut home = Home::new();
    home.use_moto(&moto);
    std::fs::remove_dir(home.creds()).unwrap();
    for (access, secret, phrase) in [
        (user.access_key.as_str(), "wrongwrongwrongwrongwrongwrongwrongwrong", "SignatureDoesNotMatch"),
        ("AKIAIOSFODNN7UNKNOWN", user.secret_key.as_str(), "InvalidClientTokenId"),
    ] {
        let out = stsenv_piped(&home, &["add", "personal"], &format!("{access}\n{secret}\n"));
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(stdout(&out).is_empty());
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(phrase) && err.contains("nothing was written"), "{err}");
        assert!(!err.contains(secret), "{err}");
        // Nothing behind: no key directory, no accounts file, no temporary file.
        assert!(!home.creds().exists(), "{err}");
        assert!(!home.accounts_path().exists() && !home.path().join(".config").exists(), "{err}");
    }
    // Too little on stdin: a clear line, nothing written.
    let out = stsenv_piped(&home, &["add", "personal"], &format!("{}\n", user.access_key));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_stderr_contains!(out, "stdin ended before the secret access key");
    assert!(!home.creds().exists());

    // A key directory others may write to (and so replace the key files in): refused.
    std::fs::create_dir(home.creds()).unwrap();
    std::fs::set_permissions(home.creds(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let out =
        stsenv_piped(&home, &["add", "personal"], &format!("{}\n{}\n", user.access_key, user.secret_key));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_stderr_contains!(out, "is writable by group or others");
    assert_eq!(std::fs::read_dir(home.creds()).unwrap().count(), 0);
    assert!(!home.accounts_path().exists());
    std::fs::remove_dir(home.creds()).unwrap();

    // The right keys from a pipe: written; the user has no enabled MFA device, so the next
    // step is enrolling one.
    let out =
        stsenv_piped(&home, &["add", "personal"], &format!("  {}\n{}\n", user.access_key, user.secret_key));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(err.contains("jbrowne has no MFA device yet"), "{err}");
    assert!(err.contains("Next: stsenv mfa-device enroll personal"), "{err}");
    assert_eq!(mode(&home.creds()), 0o700);
    assert_eq!(
        std::fs::read_to_string(home.creds().join("personal.access_key")).unwrap(),
        format!("{}\n", user.access_key)
    );
    assert_eq!(mode(&home.creds().join("personal.secret_key")), 0o600);
    assert_eq!(
        std::fs::read_to_string(home.accounts_path()).unwrap(),
        "{\n  \"personal\": {\"arn\": \"arn:aws:iam::123456789012:\", \"user\": \"jbrowne\"}\n}\n"
    );
    // --force replaces it; a refused key with --force changes nothing either.
    let before = snapshot(home.path());
    let out = stsenv_piped(&home, &["add", "personal", "--force"], "AKIAIOSFODNN7UNKNOWN\nsecret\n");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(snapshot(home.path()), before);
    let out = stsenv_piped(
        &home,
        &["add", "personal", "--force"],
        &format!("{}\n{}\n", user.access_key, user.secret_key),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The keys are never an argument: there is no flag for them.
    let out = home.stsenv(&["add", "personal", "--secret-access-key", "x"]);
    assert_eq!(out.status.code(), Some(2));
}

/// A password manager stand-in: prints the keys from a file in the home (never from its
/// arguments), refuses to run with credentials in its environment, and counts its runs.
fn vault(home: &Home, user: &User) -> PathBuf {
    let json =
        serde_json::json!({"Version": 1, "AccessKeyId": user.access_key, "SecretAccessKey": user.secret_key});
    let store = home.path().join("vault.json");
    std::fs::write(&store, json.to_string()).unwrap();
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o600)).unwrap();
    script(
        home,
        "vault.sh",
        &format!(
            "echo run >>'{dir}/vault.runs'\nif env | grep -qE '^(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AWS_SECRET_KEY|STSENV_TOKEN_CODE)='; then echo 'credentials in my environment' >&2; exit 7; fi\ncat '{}'",
            store.display(),
            dir = home.path().display()
        ),
    )
}

fn runs(home: &Home) -> usize {
    std::fs::read_to_string(home.path().join("vault.runs")).unwrap_or_default().lines().count()
}

#[test]
fn key_process_accounts_switch_and_escalate_with_no_key_file_in_every_shell() {
    let moto = Moto::start(false);
    for shell in shells() {
        let name = format!("jb-{shell}");
        let user = moto.user(&name);
        let mut home = Home::new();
        home.use_moto(&moto);
        enable_mfa(&home, &name, &user.serial);
        home.accounts(OTHERS);
        let vault = vault(&home, &user);
        // `stsenv add --key-process`: the keys it prints are checked, no key file is written.
        let out = home.stsenv(&["add", "personal", "--key-process", &vault.display().to_string()]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        assert_stderr_contains!(out, &format!("keys from key_process `{}`", vault.display()));
        assert_eq!(std::fs::read_dir(home.creds()).unwrap().count(), 0, "no key file");
        let accounts = std::fs::read_to_string(home.accounts_path()).unwrap();
        assert!(
            accounts.contains(&format!(
                r#""personal": {{"arn": "arn:aws:iam::123456789012:", "user": "{name}", "mfa_serial": "{}", "key_process": ["{}"]}}"#,
                user.serial,
                vault.display()
            )),
            "{accounts}"
        );
        assert!(!accounts.contains(&user.secret_key));
        let steps = home.scenario(
            shell,
            &[
                "ec2switch",
                "ec2switch personal",
                "ec2role Admin -c 123456",
                "ec2mfa personal -c 123456 --force",
                "aws sts get-caller-identity --query Account --output text",
                "ec2switch personal",
            ],
        );
        assert!(steps[0].stderr.contains("Possible accounts: personal"), "{shell}: {}", steps[0].stderr);
        for step in &steps[1..] {
            assert_eq!(step.status, 0, "{shell}: `{}`: {}", step.step, step.stderr);
        }
        steps[1].expect("STSENV_KIND", Some("keys"));
        steps[1].expect("AWS_ACCESS_KEY_ID", Some(&user.access_key));
        steps[1].expect("AWS_SECRET_ACCESS_KEY", Some(&user.secret_key));
        // ec2role with the long-term keys (no MFA session yet: it gets one and chains from it),
        // with the shell's keys set: the key process never sees them (it exits 7 when it does).
        // ec2mfa --force: a new session, with the keys again.
        steps[2].expect("STSENV_KIND", Some("role"));
        steps[3].expect("STSENV_KIND", Some("mfa"));
        assert_eq!(steps[4].stdout.trim(), "123456789012");
        // Back to the account: the cached MFA session, no key process.
        steps[5].expect("STSENV_KIND", Some("mfa"));
        assert_eq!(runs(&home), 4, "{shell}: add, ec2switch, ec2role, ec2mfa --force ran it once each");

        // credential-process and exec escalate with it too (after stsenv clear).
        let cleared = home.stsenv(&["clear", "personal"]);
        assert_eq!(cleared.status.code(), Some(0), "{}", stderr(&cleared));
        let mut cmd = home.command(crate::util::bin());
        let cp =
            cmd.env("STSENV_TOKEN_CODE", "123456").args(["credential-process", "personal"]).output().unwrap();
        assert_eq!(cp.status.code(), Some(0), "{}", stderr(&cp));
        let json: serde_json::Value = serde_json::from_slice(&cp.stdout).unwrap();
        assert!(json["SessionToken"].as_str().is_some_and(|t| t.len() > 20), "{json}");
        assert_eq!(runs(&home), 5, "{shell}: credential-process ran it");

        // list, doctor and rotate-keys know it.
        let list = home.stsenv(&["list"]);
        assert!(
            stdout(&list).lines().any(|l| l.starts_with("personal") && l.contains("key_process")),
            "{}",
            stdout(&list)
        );
        let doctor = home.stsenv(&["doctor", "personal"]);
        assert_eq!(doctor.status.code(), Some(0), "{}{}", stdout(&doctor), stderr(&doctor));
        let report = stdout(&doctor);
        assert!(
            report.contains(&format!("personal: key_process `{}` printed the keys", vault.display())),
            "{report}"
        );
        assert!(report.contains(&format!("MFA device {} is enabled", user.serial)), "{report}");
        let rotate = home.stsenv(&["rotate-keys", "personal"]);
        assert_eq!(rotate.status.code(), Some(2), "{}", stderr(&rotate));
        assert_stderr_contains!(rotate, "stsenv cannot write a new key there");
        // A key file left beside it is a doctor finding (the point is no plain-text key).
        home.keys("personal", &user.access_key, &user.secret_key);
        let doctor = home.stsenv(&["doctor", "personal"]);
        assert_eq!(doctor.status.code(), Some(1));
        assert_stderr_contains!(doctor, "personal.access_key: not used, since personal has a key_process");
    }
}

#[test]
fn a_hanging_or_failing_key_process_is_one_clear_line_within_its_timeout() {
    let fault = Fault::start(Mode::ok());
    let mut home = Home::new();
    home.set("AWS_ENDPOINT_URL_STS", &fault.url).set("AWS_ENDPOINT_URL_IAM", &fault.url);
    home.set("STSENV_KEY_PROCESS_TIMEOUT", "0.5");
    let hanging = script(&home, "hang.sh", "exec sleep 30");
    let failing = script(&home, "fail.sh", "echo 'the vault is locked' >&2\nexit 3");
    let chatty = script(&home, "chatty.sh", "echo 'hunter2'");
    let temporary = script(
        &home,
        "temporary.sh",
        r#"echo '{"Version": 1, "AccessKeyId": "ASIAHUNTER2", "SecretAccessKey": "hunter2", "SessionToken": "hunter2"}'"#,
    );
    let cases = [
        (hanging.display().to_string(), "hang.sh` did not finish within 0.5 s and was stopped"),
        (failing.display().to_string(), "fail.sh` failed (exit status: 3); no access key"),
        (chatty.display().to_string(), "chatty.sh` did not print JSON (its output is not shown)"),
        (temporary.display().to_string(), "not temporary credentials"),
        (
            "/nonexistent/op read x".to_owned(),
            "cannot run key_process `/nonexistent/op read x`: it does not exist",
        ),
    ];
    for (process, message) in cases {
        home.accounts(&format!(
            r#"{{"personal": {{"arn": "arn:aws:iam::123456789012:", "user": "jbrowne", "key_process": "{process}"}}}}"#
        ));
        for args in [
            &["switch", "personal"][..],
            &["mfa", "personal", "-c", "123456"],
            &["role", "Admin", "-a", "personal", "-c", "123456"],
            &["add", "other", "--key-process", &process],
        ] {
            let started = Instant::now();
            let out = home.stsenv(args);
            assert!(started.elapsed() < Duration::from_secs(5), "{process}: stopped after its timeout");
            assert_eq!(out.status.code(), Some(2), "{args:?} {process}: {}", stderr(&out));
            assert!(stdout(&out).is_empty());
            let err = stderr(&out);
            // Its own stderr passes through; stsenv's message is the one last line.
            let ours: Vec<&str> = err.lines().filter(|l| l.starts_with("stsenv:")).collect();
            assert_eq!(ours.len(), 1, "{err}");
            assert!(ours[0].contains(message), "{args:?} {process}: {err}");
            assert!(!err.contains("hunter2"), "the output is never shown: {err}");
        }
    }
    assert_eq!(fault.count(), 0, "nothing was sent to AWS");
    assert!(!std::fs::read_to_string(home.accounts_path()).unwrap().contains("other"));
}

/// A credentials file as people have them: comments, a profile without keys, aws-mfa's
/// long-term section and its short-term one, another user's long-term keys.
fn credentials_file(jb: &User, ops: &User) -> (String, String) {
    let long_term = format!(
        "[work-long-term]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_mfa_device = {}\n",
        jb.access_key, jb.secret_key, jb.serial
    );
    let file = format!(
        "# hand-written; keep this comment\n[default]\nregion = eu-west-1\noutput = json\n\n; aws-mfa keeps the long-term keys here\n{long_term}\n[work]\n# written by aws-mfa\naws_access_key_id = ASIAIOSFODNN7SESSION\naws_secret_access_key = sessionsecret\naws_session_token = sessiontoken\nexpiration = 2026-01-01 00:00:00\n\n[ops]\naws_access_key_id={}\naws_secret_access_key={}\n",
        ops.access_key, ops.secret_key
    );
    (file, long_term)
}

#[test]
fn import_takes_long_term_keys_and_remove_leaves_the_rest_byte_for_byte() {
    let moto = Moto::start(false);
    let jb = moto.user("jbrowne");
    let ops = moto.user("ops");
    let (file, long_term) = credentials_file(&jb, &ops);
    let before = "{\n  \"old\": \"arn:aws:iam::111122223333:\"\n}\n";
    let setup = |moto: &Moto| {
        let mut home = Home::new();
        home.use_moto(moto);
        home.accounts(before);
        let credentials = home.path().join("aws-credentials");
        std::fs::write(&credentials, &file).unwrap();
        std::fs::set_permissions(&credentials, std::fs::Permissions::from_mode(0o600)).unwrap();
        home.set("AWS_SHARED_CREDENTIALS_FILE", &credentials);
        (home, credentials)
    };
    let (home, credentials) = setup(&moto);
    enable_mfa(&home, "jbrowne", &jb.serial);

    // Every profile with long-term keys: aws-mfa's [work-long-term] as "work", and [ops]; not
    // [default] (no keys) nor aws-mfa's session in [work].
    let out = home.stsenv(&["import"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(
        err.contains(
            "From profile [work-long-term]:\n  Added account work: IAM user jbrowne of account 123456789012"
        ),
        "{err}"
    );
    assert!(err.contains(&format!("  MFA device {}", jb.serial)), "{err}");
    assert!(err.contains("From profile [ops]:\n  Added account ops: IAM user ops"), "{err}");
    assert!(err.contains("ops has no MFA device yet"), "{err}");
    assert!(err.contains("is unchanged; stsenv import --remove work-long-term ops"), "{err}");
    assert!(!err.contains(&jb.secret_key) && !err.contains(&ops.secret_key), "{err}");
    assert_eq!(std::fs::read_to_string(&credentials).unwrap(), file, "unchanged without --remove");
    for (name, user) in [("work", &jb), ("ops", &ops)] {
        for (suffix, value) in [("access_key", &user.access_key), ("secret_key", &user.secret_key)] {
            let path = home.creds().join(format!("{name}.{suffix}"));
            assert_eq!(mode(&path), 0o600);
            assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{value}\n"));
        }
    }
    assert_eq!(
        std::fs::read_to_string(home.accounts_path()).unwrap(),
        format!(
            "{{\n  \"old\": \"arn:aws:iam::111122223333:\",\n  \"work\": {{\"arn\": \"arn:aws:iam::123456789012:\", \"user\": \"jbrowne\", \"mfa_serial\": \"{}\"}},\n  \"ops\": {{\"arn\": \"arn:aws:iam::123456789012:\", \"user\": \"ops\"}}\n}}\n",
            jb.serial
        )
    );
    // Again: both exist now, so nothing is imported.
    let again = home.stsenv(&["import"]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert_stderr_contains!(again, "pass --force to replace it");
    // Profiles that are not there, or hold a session: clear lines.
    let out = home.stsenv(&["import", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("there is no profile [nosuch]")
            && stderr(&out).contains("(its profiles: default work-long-term work ops)"),
        "{}",
        stderr(&out)
    );
    let out = home.stsenv(&["import", "work"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains!(out, "holds temporary credentials");
    assert!(!stderr(&out).contains("sessionsecret"));

    // --remove in a new home: the imported section goes, every other byte stays.
    let (home, credentials) = setup(&moto);
    let out = home.stsenv(&["import", "work-long-term", "--remove"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_stderr_contains!(out, &format!("Removed [work-long-term] from {}", credentials.display()));
    assert_eq!(std::fs::read_to_string(&credentials).unwrap(), file.replace(&long_term, ""));
    assert_eq!(mode(&credentials), 0o600);
    assert!(!home.creds().join("ops.access_key").exists());
    let steps = home.scenario("bash", &["ec2switch work", "ec2mfa -c 123456"]);
    steps[0].expect("AWS_ACCESS_KEY_ID", Some(&jb.access_key));
    assert_eq!(steps[1].status, 0, "{}", steps[1].stderr);
    steps[1].expect("STSENV_KIND", Some("mfa"));
}

#[test]
fn resync_sends_two_codes_for_the_account_device() {
    let moto = Moto::start(false);
    let user = moto.user("jbrowne");
    // moto has no ResyncMFADevice: IAM is the fault server, which records what it gets.
    for (mode, status) in [
        (Mode::ok(), 0),
        (Mode::error(400, "InvalidAuthenticationCode", "Authentication code for device is not valid"), 1),
    ] {
        let fault = Fault::start(mode);
        let mut home = Home::new();
        home.use_moto(&moto);
        home.set("AWS_ENDPOINT_URL_IAM", &fault.url);
        home.user_keys("personal", &user);
        home.accounts(&format!(
            r#"{{"personal": {{"arn": "arn:aws:iam::123456789012:", "mfa_serial": "{}"}}}}"#,
            user.serial
        ));
        let out =
            home.stsenv(&["mfa-device", "resync", "personal", "--code1", "123456", "--code2", "654321"]);
        assert_eq!(out.status.code(), Some(status), "{}", stderr(&out));
        let requests = fault.requests();
        assert_eq!(requests.len(), 1);
        let body = &requests[0].body;
        for field in [
            "Action=ResyncMFADevice",
            "UserName=jbrowne",
            "SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fjbrowne",
            "AuthenticationCode1=123456",
            "AuthenticationCode2=654321",
        ] {
            assert!(body.split('&').any(|kv| kv == field), "{field} in {body}");
        }
        if status == 0 {
            assert_eq!(stdout(&out), format!("{}\n", user.serial));
            assert_stderr_contains!(out, "Resynchronised MFA device");
        } else {
            assert!(stdout(&out).is_empty());
            assert_stderr_contains!(out, "AWS rejected the two codes");
            assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
        }
        // Bad codes and no terminal: usage errors before any call.
        for args in [
            &["mfa-device", "resync", "personal", "--code1", "123456", "--code2", "123456"][..],
            &["mfa-device", "resync", "personal", "--code1", "12345x", "--code2", "123456"],
            &["mfa-device", "resync", "personal"],
        ] {
            let out = home.stsenv(args);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        }
        assert_eq!(fault.count(), 1);
    }
}

/// Two profiles holding the same access key (a [default] copied from [work]): importing every
/// profile imports the first and says, in one line, which one it skipped and why; naming both
/// is refused before any request, nothing written.
#[test]
fn import_says_when_two_profiles_hold_the_same_key() {
    let moto = Moto::start(false);
    let jb = moto.user("jbrowne");
    let ops = moto.user("ops");
    let mut home = Home::new();
    home.use_moto(&moto);
    let credentials = home.path().join("aws-credentials");
    let keys = |user: &User| {
        format!("aws_access_key_id = {}\naws_secret_access_key = {}\n", user.access_key, user.secret_key)
    };
    let file = format!("[default]\n{}\n[ops]\n{}\n[work]\n{}", keys(&jb), keys(&ops), keys(&jb));
    std::fs::write(&credentials, &file).unwrap();
    std::fs::set_permissions(&credentials, std::fs::Permissions::from_mode(0o600)).unwrap();
    home.set("AWS_SHARED_CREDENTIALS_FILE", &credentials);
    // Both named: refused, nothing sent, nothing written.
    let requests = moto.requests();
    let out = home.stsenv(&["import", "default", "work"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "stsenv: profiles [default] and [work] hold the same access key: import one of them (stsenv import work, or stsenv import default)\n"
    );
    assert_eq!(moto.requests(), requests, "no request");
    assert!(
        !home.creds().join("default.access_key").exists() && !home.creds().join("work.access_key").exists()
    );
    // Every profile: the first of the two, and [ops]; one line for the one skipped.
    let out = home.stsenv(&["import"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let skipped: Vec<&str> = err.lines().filter(|l| l.contains("[work]")).collect();
    assert_eq!(
        skipped,
        [
            "Skipped [work]: it holds the same access key as [default], imported as account default (stsenv remove default, then stsenv import work, to have it as work)"
        ],
        "{err}"
    );
    assert!(err.contains("From profile [default]:") && err.contains("From profile [ops]:"), "{err}");
    assert!(home.creds().join("default.access_key").exists() && home.creds().join("ops.access_key").exists());
    assert!(!home.creds().join("work.access_key").exists());
    assert!(err.contains("stsenv import --remove default ops"), "{err}");
    assert!(!err.contains(&jb.secret_key) && !err.contains(&ops.secret_key), "{err}");
}
