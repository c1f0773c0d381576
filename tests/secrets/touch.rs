//! The touch notice: an `mfa_process` that has printed nothing after half a second (a YubiKey
//! waiting for a touch) is named on the terminal, and the line ends with the result; without a
//! terminal, in a desktop session, `notify-send` says it. A process that prints at once gets no
//! notice. (The no-terminal case records `notify-send`'s arguments with a script first on PATH:
//! a real one needs a notification daemon on a session bus.)

use crate::util::fixtures::moto_home;
use crate::util::moto::Moto;
use crate::util::{Home, on_pty, script, stderr};

const NOTICE: &str = "waiting for the MFA process";

/// The accounts file with "personal" and its `mfa_process`.
fn with_process(home: &Home, process: &std::path::Path) {
    home.accounts(&format!(
        r#"{{"personal": {{"arn": "arn:aws:iam::123456789012:", "user": "jbrowne", "mfa_process": "{}"}}}}"#,
        process.display()
    ));
}

/// `stsenv mfa personal --force` on a pseudo-terminal: the harness's report.
fn on_terminal(home: &Home) -> serde_json::Value {
    let mut cmd = on_pty(home, "pty_prompt.py");
    cmd.arg(crate::util::bin())
        .args(["mfa", "personal", "--force", "--shell", "bash"])
        .env("PTY_ANSWERS", "[]");
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_slow_mfa_process_is_named_on_the_terminal_then_its_result() {
    let moto = Moto::start(false);
    let (home, _) = moto_home(&moto);
    // (Different codes, so that no run waits for the next TOTP step.)
    let slow = script(&home, "touch-key.sh", "sleep 1.5\necho 111111");
    with_process(&home, &slow);
    let report = on_terminal(&home);
    assert_eq!(report["status"], 0, "{report}");
    let terminal = report["terminal"].as_str().unwrap();
    let line =
        format!("stsenv: {NOTICE} `{}` (touch your security key if it blinks) ... done", slow.display());
    assert!(terminal.contains(&line), "{terminal:?}");
    assert!(!report["stderr"].as_str().unwrap().contains(NOTICE), "on the terminal, not stderr: {report}");
    assert!(report["stdout"].as_str().unwrap().contains("STSENV_KIND='mfa'"), "{report}");
    assert!(!terminal.contains("111111"), "the code is never shown: {terminal:?}");

    // One that prints at once: no notice.
    let fast = script(&home, "fast.sh", "echo 222222");
    with_process(&home, &fast);
    let report = on_terminal(&home);
    assert_eq!(report["status"], 0, "{report}");
    assert!(!report["terminal"].as_str().unwrap().contains(NOTICE), "{report}");

    // Killed at its timeout: the line ends with that.
    let stuck = script(&home, "stuck.sh", "exec sleep 30");
    with_process(&home, &stuck);
    let mut cmd = on_pty(&home, "pty_prompt.py");
    cmd.arg(crate::util::bin())
        .args(["mfa", "personal", "--force", "--shell", "bash"])
        .env("PTY_ANSWERS", "[]")
        .env("STSENV_MFA_PROCESS_TIMEOUT", "1.5");
    let report: serde_json::Value = serde_json::from_slice(&cmd.output().unwrap().stdout).unwrap();
    assert_eq!(report["status"], 2, "{report}");
    assert!(
        report["terminal"]
            .as_str()
            .unwrap()
            .contains("(touch your security key if it blinks) ... stopped after 1.5 s"),
        "{report}"
    );
}

#[test]
fn without_a_terminal_notify_send_says_it_in_a_desktop_session() {
    let moto = Moto::start(false);
    let (mut home, _) = moto_home(&moto);
    // A notify-send first on PATH that records each call's arguments, one a line.
    let bin = home.path().join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let calls = home.path().join("notify-calls");
    let notify = script(
        &home,
        "fake-bin/notify-send",
        &format!("for a; do echo \"$a\"; done >> '{}'\necho --- >> '{}'", calls.display(), calls.display()),
    );
    assert!(notify.is_file());
    home.extra_path.insert(0, bin);
    let slow = script(&home, "touch-key.sh", "sleep 1.5\necho 333333");
    with_process(&home, &slow);
    // No desktop session: no notification (and nothing on stderr about it).
    let out = home.stsenv(&["mfa", "personal", "--force", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!calls.exists(), "{:?}", std::fs::read_to_string(&calls));
    assert_stderr_lacks!(out, NOTICE);
    // With DISPLAY: a notification naming the process, then one with the result.
    home.set("DISPLAY", ":97");
    let slow = script(&home, "touch-key2.sh", "sleep 1.5\necho 444444");
    with_process(&home, &slow);
    let out = home.stsenv(&["mfa", "personal", "--force", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let recorded = std::fs::read_to_string(&calls).unwrap();
    let sent: Vec<&str> = recorded.split("---\n").filter(|c| !c.is_empty()).collect();
    assert_eq!(sent.len(), 2, "{recorded}");
    assert!(sent[0].contains("stsenv: waiting for the MFA process\n"), "{}", sent[0]);
    assert!(sent[0].contains(&format!("{NOTICE} `{}`", slow.display())), "{}", sent[0]);
    assert!(sent[0].contains("--expire-time=30000\n"), "shown while it may run: {}", sent[0]);
    assert!(sent[1].contains("stsenv: the MFA process ended\ndone\n"), "{}", sent[1]);
    assert!(!recorded.contains("444444"), "never the code: {recorded}");
    // One that prints at once: none.
    std::fs::remove_file(&calls).unwrap();
    let fast = script(&home, "fast.sh", "echo 555555");
    with_process(&home, &fast);
    let out = home.stsenv(&["mfa", "personal", "--force", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!calls.exists(), "{:?}", std::fs::read_to_string(&calls));
}
