//! Against moto: ec2mfa, ec2role and credential_process in real bash, zsh and fish, used by the
//! official AWS CLI; the cache shared between shells; concurrent escalation; moto's signature
//! checks.

use std::process::Stdio;

use crate::util::fixtures::{ACCOUNTS_PERSONAL_ADMIN as ACCOUNTS, moto_home};
use crate::util::moto::{As, CALLER_ARN, Moto, aws};
use crate::util::{Home, on_pty, shells, stderr, stdout};

/// The time left is counted from the start of the command, before STS answered: one of two.
fn setup(moto: &Moto) -> Home {
    moto_home(moto).0
}

#[test]
fn mfa_then_the_aws_cli_then_a_second_shell_uses_the_cache() {
    let moto = Moto::start(false);
    let (home, user) = moto_home(&moto);
    for (i, shell) in shells().into_iter().enumerate() {
        let before = moto.requests();
        let steps = home.scenario(
            shell,
            &[
                "ec2switch personal",
                "ec2mfa -c 123456",
                "aws sts get-caller-identity --query Account --output text",
                "ec2now",
            ],
        );
        let mfa = &steps[1];
        assert_eq!(mfa.status, 0, "{shell}: {}", mfa.stderr);
        assert_eq!(mfa.stdout, "");
        mfa.expect("STSENV_KIND", Some("mfa"));
        mfa.expect("STSENV_ACCOUNT", Some("personal"));
        for var in ["AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DELEGATION_TOKEN"] {
            assert!(mfa.var(var).is_some_and(|t| t.len() > 20), "{shell}: {var}");
        }
        assert_eq!(mfa.var("AWS_SESSION_TOKEN"), mfa.var("AWS_DELEGATION_TOKEN"));
        let expiration = mfa.var("AWS_CREDENTIAL_EXPIRATION").unwrap();
        assert!(expiration.ends_with('Z'), "{expiration}");
        assert_ne!(
            mfa.var("AWS_ACCESS_KEY_ID"),
            Some(user.access_key.as_str()),
            "session keys, not long-term"
        );
        // The AWS CLI uses what stsenv emitted.
        assert_eq!(steps[2].status, 0, "{shell}: {}", steps[2].stderr);
        assert_eq!(steps[2].stdout.trim(), "123456789012");
        assert!(
            steps[3].stdout.starts_with("Keys set for personal-MFA-STS AWS account\n"),
            "{}",
            steps[3].stdout
        );
        // One GetSessionToken the first time (plus the CLI's call); afterwards the cache.
        let used = moto.requests() - before;
        assert_eq!(used, if i == 0 { 2 } else { 1 }, "{shell}: STS calls");
        if i == 0 {
            // One rounding everywhere: the message and the ec2now right after agree.
            assert!(mfa.stderr.contains("valid for 12h00m\n"), "{}", mfa.stderr);
            assert!(steps[3].stdout.contains("\nExpires in 12h00m (at "), "{}", steps[3].stdout);
        } else {
            assert!(mfa.stderr.contains("Cache is valid for account personal"), "{}", mfa.stderr);
        }
        // A second shell: ec2switch picks up the cached session with no STS call at all.
        let before = moto.requests();
        let second = home.scenario(shell, &["ec2switch personal"]);
        assert_eq!(moto.requests(), before, "{shell}: no STS call");
        second[0].expect("STSENV_KIND", Some("mfa"));
        assert_eq!(second[0].var("AWS_SESSION_TOKEN"), mfa.var("AWS_SESSION_TOKEN"));
        assert!(
            second[0].stderr.contains("Set keys for personal-MFA-STS AWS account"),
            "{}",
            second[0].stderr
        );
    }
}

#[test]
fn role_chained_from_the_mfa_session_and_used_by_the_aws_cli() {
    let moto = Moto::start(false);
    let home = setup(&moto);
    for (i, shell) in shells().into_iter().enumerate() {
        let steps = home.scenario(
            shell,
            &[
                "ec2switch personal",
                "ec2mfa -c 123456",
                "ec2role admin",
                "aws sts get-caller-identity --query Arn --output text",
                "stsenv_prompt",
                "ec2role admin",
                "ec2switch personal",
            ],
        );
        let role = &steps[2];
        assert_eq!(role.status, 0, "{shell}: {}", role.stderr);
        assert_eq!(role.stdout, "");
        role.expect("STSENV_KIND", Some("role"));
        role.expect("STSENV_ROLE", Some("Admin"));
        assert_ne!(role.var("AWS_SESSION_TOKEN"), steps[1].var("AWS_SESSION_TOKEN"));
        if i == 0 {
            // One rounding everywhere: the message and the prompt right after agree.
            assert!(role.stderr.contains("valid for 1h00m\n"), "{}", role.stderr);
            assert_eq!(steps[4].stdout, "personal:role/Admin 1h00m\n", "{shell}");
        }
        assert_eq!(
            steps[3].stdout.trim(),
            "arn:aws:sts::123456789012:assumed-role/Admin/stsenv-jbrowne",
            "{shell}"
        );
        assert!(steps[4].stdout.starts_with("personal:role/Admin "), "{shell}: {}", steps[4].stdout);
        // Role credentials are cached per account and role.
        assert!(
            steps[5].stderr.contains("Cache is valid for role Admin in account personal"),
            "{}",
            steps[5].stderr
        );
        assert_eq!(steps[5].var("AWS_SESSION_TOKEN"), role.var("AWS_SESSION_TOKEN"));
        // Back to the MFA session: the role's variables are gone.
        steps[6].expect("STSENV_KIND", Some("mfa"));
        steps[6].expect("STSENV_ROLE", None);
    }
}

#[test]
fn role_json_like_generate_sts_role_token_and_long_roles() {
    let moto = Moto::start(false);
    let home = setup(&moto);
    // Without an MFA session: long-term keys and a code.
    let out = home.stsenv(&["role", "Deploy", "--account", "personal", "-c", "123456", "--duration", "7200"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["access_key", "expiration", "secret_key", "session_token"]);
    assert!(json["expiration"].as_str().unwrap().ends_with('Z'));
    assert!(stderr(&out).contains("valid for 2h00m\n"), "{}", stderr(&out));
    // With an MFA session: AWS caps a chained role at an hour, so a longer one is assumed with
    // the long-term keys and a code, and stsenv says why it asks.
    let out = home.stsenv(&["mfa", "personal", "-c", "123456"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = home.stsenv(&[
        "role",
        "admin",
        "--account",
        "personal",
        "--duration",
        "7200",
        "--force",
        "-c",
        "654321",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains!(
        out,
        "AWS limits a role assumed from a session to 3600 s, and Admin asks for 7200 s"
    );
    assert!(stderr(&out).contains("valid for 2h00m\n"), "{}", stderr(&out));
}

#[test]
fn credential_process_feeds_the_aws_cli() {
    let moto = Moto::start(false);
    let home = setup(&moto);
    home.credential_process_profiles();
    let caller = |profile: &str| aws(&home, As::Profile(profile), CALLER_ARN);
    // No session yet: the CLI shows stsenv's message, which says what to run.
    let out = caller("personal-mfa");
    assert!(!out.status.success());
    assert_stderr_contains!(out, "run: ec2mfa personal");
    assert!(home.stsenv(&["mfa", "personal", "-c", "123456"]).status.success());
    let out = caller("personal-mfa");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = home.stsenv(&["credential-process", "personal"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["Version"], 1);
    assert!(json["Expiration"].as_str().unwrap().ends_with('Z'));
    assert!(home.stsenv(&["role", "admin", "-a", "personal"]).status.success());
    let out = caller("personal-admin");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "arn:aws:sts::123456789012:assumed-role/Admin/stsenv-jbrowne");
}

/// How many processes escalate at once in the concurrency tests.
const AT_ONCE: usize = 50;

/// `stsenv ARGS` in `AT_ONCE` processes started together; their outputs, each a success.
fn all_at_once(home: &Home, args: &[&str]) -> Vec<std::process::Output> {
    let children: Vec<_> = (0..AT_ONCE)
        .map(|_| {
            let mut cmd = home.command(crate::util::bin());
            cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    let outputs: Vec<_> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    for out in &outputs {
        assert!(out.status.success(), "stsenv {}: {}", args.join(" "), stderr(out));
    }
    outputs
}

/// Every process emitted the same credentials, and exactly one said they were new.
fn one_fetch_same_credentials(outputs: &[std::process::Output], new: &str) {
    let first = stdout(&outputs[0]);
    assert!(first.contains("AWS_SESSION_TOKEN="), "{first}");
    assert!(outputs.iter().all(|o| stdout(o) == first), "every process emits the same credentials");
    let fresh = outputs.iter().filter(|o| stderr(o).contains(new)).count();
    assert_eq!(fresh, 1, "one process fetched, the others used its cache");
}

#[test]
fn concurrent_escalations_make_one_sts_call() {
    let moto = Moto::start(false);
    let home = setup(&moto);
    let before = moto.requests();
    let outputs = all_at_once(&home, &["mfa", "personal", "-c", "123456", "--shell", "bash"]);
    assert_eq!(moto.requests() - before, 1, "exactly one GetSessionToken for {AT_ONCE} processes");
    one_fetch_same_credentials(&outputs, "New session");
    eprintln!("{AT_ONCE} x mfa: {} STS call", moto.requests() - before);
}

#[test]
fn concurrent_role_escalations_make_one_sts_call() {
    let moto = Moto::start(false);
    let home = setup(&moto);
    // Without an MFA session: one GetSessionToken with the code, one AssumeRole chained from it.
    let before = moto.requests();
    let args = ["role", "admin", "-a", "personal", "-c", "123456", "--format", "shell", "--shell", "bash"];
    let outputs = all_at_once(&home, &args);
    assert_eq!(
        moto.requests() - before,
        2,
        "exactly one GetSessionToken and one AssumeRole for {AT_ONCE} processes (no MFA session)"
    );
    one_fetch_same_credentials(&outputs, "Assumed role Admin");
    assert_eq!(outputs.iter().filter(|o| stderr(o).contains("New session")).count(), 1);
    let without = stdout(&outputs[0]);
    eprintln!("{AT_ONCE} x role without an MFA session: {} STS call", moto.requests() - before);

    // With an MFA session cached (and the role's cache gone): chained from it, once.
    let out = home.stsenv(&["mfa", "personal", "-c", "123456"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let role_file =
        home.cache().path("personal", &crate::util::role_slot("arn:aws:iam::123456789012:role/Admin"));
    std::fs::remove_file(&role_file).unwrap();
    let before = moto.requests();
    let outputs =
        all_at_once(&home, &["role", "admin", "-a", "personal", "--format", "shell", "--shell", "bash"]);
    assert_eq!(moto.requests() - before, 1, "exactly one AssumeRole for {AT_ONCE} processes (MFA session)");
    one_fetch_same_credentials(&outputs, "Assumed role Admin");
    assert_ne!(stdout(&outputs[0]), without, "new role credentials");
    eprintln!("{AT_ONCE} x role with an MFA session: {} STS call", moto.requests() - before);
}

#[test]
fn escalating_two_accounts_at_once_does_not_serialise_them() {
    use crate::util::fault::{Fault, Mode};
    use std::time::{Duration, Instant};
    const SLOW_KEY: &str = "AKIASLOWSLOWSLOWSLOW";
    const DELAY: Duration = Duration::from_millis(1500);
    // One STS server, slow for account A's key only; one home and cache for both.
    let fault = Fault::start(Mode::Ok { delay: DELAY, slow_key: Some(SLOW_KEY) });
    let mut home = Home::new();
    home.keys("a", SLOW_KEY, "slowsecretslowsecretslowsecretslowsecret")
        .keys("b", "AKIAFASTFASTFASTFAST", "fastsecretfastsecretfastsecretfastsecret")
        .accounts(r#"{"a": "arn:aws:iam::111111111111:", "b": "arn:aws:iam::222222222222:"}"#);
    home.set("AWS_ENDPOINT_URL_STS", &fault.url);
    let spawn = |account: &str| {
        let mut cmd = home.command(crate::util::bin());
        cmd.args(["mfa", account, "-c", "123456"]).stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.spawn().unwrap()
    };
    let started = Instant::now();
    let a = spawn("a");
    // A holds its lock and waits on STS before B starts.
    while fault.count() == 0 {
        assert!(started.elapsed() < Duration::from_secs(10), "A sent nothing");
        std::thread::sleep(Duration::from_millis(5));
    }
    let b_started = Instant::now();
    let b = spawn("b").wait_with_output().unwrap();
    let b_done = started.elapsed();
    let b_took = b_started.elapsed();
    let a = a.wait_with_output().unwrap();
    let a_done = started.elapsed();
    assert!(a.status.success() && b.status.success(), "{}{}", stderr(&a), stderr(&b));
    eprintln!(
        "two accounts at once: B done after {b_done:?} (took {b_took:?}), A (STS delayed {DELAY:?}) after {a_done:?}"
    );
    assert!(b_done < a_done, "B waited for A: B {b_done:?}, A {a_done:?}");
    assert!(b_took < DELAY, "B took {b_took:?}, as long as A's delay");
    assert_eq!(fault.count(), 2);
}

#[test]
fn moto_checks_signatures() {
    let moto = Moto::start(true);
    let user = moto.user("jbrowne");
    let mut home = Home::new();
    home.accounts(ACCOUNTS);
    home.use_moto(&moto);
    // Real keys: GetSessionToken is signed correctly.
    home.user_keys("personal", &user);
    let out = home.stsenv(&["mfa", "personal", "-c", "123456"]);
    assert!(out.status.success(), "{}\n{}", stderr(&out), moto.log());
    // A wrong secret: SignatureDoesNotMatch; an unknown key: InvalidClientTokenId.
    for (access, secret, phrase) in [
        (
            user.access_key.as_str(),
            "wrongwrongwrongwrongwrongwrongwrongwrong",
            "the secret key does not match",
        ),
        ("AKIAIOSFODNN7UNKNOWN", user.secret_key.as_str(), "the access key is not valid"),
    ] {
        home.keys("broken", access, secret);
        let out = home.stsenv(&["mfa", "broken", "-c", "123456", "--force"]);
        home.accounts(&ACCOUNTS.replace("\"personal\"", "\"broken\""));
        let out2 = home.stsenv(&["mfa", "broken", "-c", "123456", "--force"]);
        home.accounts(ACCOUNTS);
        assert_eq!(out.status.code(), Some(2), "not in the accounts file: {}", stderr(&out));
        assert_eq!(out2.status.code(), Some(1), "{}", stderr(&out2));
        assert!(stdout(&out2).is_empty());
        let err = stderr(&out2);
        assert!(err.contains(phrase), "{err}");
        assert!(!err.contains(secret) && !err.contains(&user.secret_key), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!home.cache().path("broken", &stsenv::store::slot::Slot::Mfa).exists());
    }
}

#[test]
fn the_terminal_prompt_reads_the_code_and_keeps_stdout_clean() {
    let moto = Moto::start(false);
    let home = setup(&moto);
    // A real pseudo-terminal: the code is typed at the prompt; stdout is a separate pipe.
    let mut cmd = on_pty(&home, "pty_prompt.py");
    cmd.arg(crate::util::bin()).args(["mfa", "personal", "--shell", "bash"]);
    cmd.env("PTY_ANSWER", "123456");
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], 0, "{report}");
    assert!(report["terminal"].as_str().unwrap().contains("Enter MFA code for user jbrowne:"), "{report}");
    let code = report["stdout"].as_str().unwrap();
    assert!(code.contains("export STSENV_KIND=mfa;") || code.contains("export STSENV_KIND='mfa';"), "{code}");
    assert!(!code.contains("Enter MFA code"), "the prompt never reaches stdout");
    // A bad code typed at the prompt, three times: exit 2, nothing on stdout, no STS call.
    let before = moto.requests();
    let mut cmd = on_pty(&home, "pty_prompt.py");
    cmd.arg(crate::util::bin())
        .args(["mfa", "personal", "--force", "--shell", "bash"])
        .env("PTY_ANSWERS", r#"["12ab", "12ab", "12ab"]"#);
    let report: serde_json::Value = serde_json::from_slice(&cmd.output().unwrap().stdout).unwrap();
    assert_eq!(report["status"], 2, "{report}");
    assert_eq!(report["stdout"], "");
    assert_eq!(moto.requests(), before);
}
