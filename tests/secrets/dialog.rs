//! The MFA prompt without a terminal: in a desktop session, a dialog asks (zenity here, for
//! real: Xvfb is the desktop, xdotool types the code). The AWS CLI runs `credential_process`
//! with no terminal (setsid) and DISPLAY set; the recording proxy in front of moto sees the code
//! typed. Once answered, once cancelled; and where there is no desktop session, or
//! STSENV_PROMPT says otherwise, no dialog and the same messages as before.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use stsenv::store::slot::Slot;

use crate::util::fixtures::moto_home;
use crate::util::moto::{CALLER_ARN, Moto, venv};
use crate::util::record::Recorder;
use crate::util::run::{self, QUICK, command};
use crate::util::{Home, require_tool, stderr, stdout};

const TITLE: &str = "stsenv: MFA code for personal";
/// How long the AWS CLI, stsenv and zenity may take to show the dialog on a busy machine.
const DIALOG_WAIT: Duration = Duration::from_secs(60);

const TEXT: &str =
    "Enter the MFA code for account personal (MFA device arn:aws:iam::123456789012:mfa/jbrowne)";

/// Xvfb on a display number it picks itself (`-displayfd`), killed with its process group (and
/// so every dialog whose display it was) when dropped.
struct Desktop {
    child: Child,
    display: String,
}

impl Desktop {
    fn start() -> Desktop {
        let mut child = command("Xvfb")
            .args(["-displayfd", "1", "-nolisten", "tcp", "-screen", "0", "1024x768x24"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb starts");
        // It writes the display number once it accepts connections.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let number = line.trim();
        assert!(!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()), "Xvfb said {line:?}");
        let socket = format!("/tmp/.X11-unix/X{number}");
        assert!(std::path::Path::new(&socket).exists(), "no {socket}");
        Desktop { child, display: format!(":{number}") }
    }

    /// `xdotool ARGS` on this display, to its end (at most `QUICK`).
    fn xdotool(&self, args: &[&str]) -> String {
        let mut cmd = command("xdotool");
        cmd.args(args).env_clear().env("DISPLAY", &self.display).env("PATH", "/usr/bin:/bin");
        let (out, _) = run::finish(cmd, &format!("xdotool {}", args.join(" ")), QUICK);
        assert!(out.status.success(), "xdotool {args:?}: {}", stderr(&out));
        stdout(&out)
    }

    /// The dialog window titled `TITLE` and the process that shows it: a new one (not `not`),
    /// waited for up to `DIALOG_WAIT`, failing at once with its output when `asking` ended first.
    fn dialog(&self, not: Option<u32>, asking: &mut Option<Asking>) -> (String, u32) {
        let started = Instant::now();
        while started.elapsed() < DIALOG_WAIT {
            if asking.as_ref().is_some_and(|a| a.is_finished()) {
                let out = asking.take().unwrap().join().unwrap();
                panic!("it ended before a dialog showed: {:?} {}{}", out.status, stdout(&out), stderr(&out));
            }
            let mut cmd = command("xdotool");
            cmd.args(["search", "--name", &format!("^{TITLE}$")])
                .env_clear()
                .env("DISPLAY", &self.display)
                .env("PATH", "/usr/bin:/bin");
            let (out, _) = run::finish(cmd, "xdotool search", QUICK);
            for window in stdout(&out).lines() {
                let mut cmd = command("xdotool");
                cmd.args(["getwindowpid", window]).env("DISPLAY", &self.display);
                let (out, _) = run::finish(cmd, "xdotool getwindowpid", QUICK);
                if let Ok(pid) = stdout(&out).trim().parse::<u32>()
                    && Some(pid) != not
                {
                    return (window.to_owned(), pid);
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("no dialog titled {TITLE:?} within {DIALOG_WAIT:?}");
    }

    /// Type `keys` into the window (a focus first: Xvfb has no window manager), then `key`.
    fn answer(&self, window: &str, keys: Option<&str>, key: &str) {
        self.xdotool(&["windowfocus", "--sync", window]);
        if let Some(keys) = keys {
            self.xdotool(&["type", "--delay", "30", keys]);
        }
        self.xdotool(&["key", key]);
    }
}

impl Drop for Desktop {
    /// SIGTERM first, so that Xvfb removes its socket and lock file; then its whole group is
    /// killed (a dialog a failed test left) and it is reaped.
    fn drop(&mut self) {
        // SAFETY: kill(2) of our own child, not yet reaped.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(3) && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = run::kill(&mut self.child);
    }
}

/// The command that asks, run to its end on a thread.
type Asking = std::thread::JoinHandle<std::process::Output>;

/// The arguments a process was started with (from /proc), and its environment.
fn argv_and_environ(pid: u32) -> (Vec<String>, String) {
    let read = |what: &str| std::fs::read(format!("/proc/{pid}/{what}")).unwrap_or_default();
    let argv = read("cmdline")
        .split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    (argv, String::from_utf8_lossy(&read("environ")).into_owned())
}

/// The AWS CLI's `sts get-caller-identity` through the home's `personal-mfa` profile
/// (`credential_process = stsenv credential-process personal`), started on a thread: no
/// terminal, the desktop's DISPLAY.
fn aws_cli(home: &Home, display: &str) -> Option<Asking> {
    let mut cmd = home.command(venv().join("bin/aws"));
    cmd.args(CALLER_ARN).args(["--profile", "personal-mfa"]).env("DISPLAY", display);
    Some(std::thread::spawn(move || run::finish(cmd, "aws sts get-caller-identity", DIALOG_WAIT * 2).0))
}

#[test]
fn credential_process_asks_in_a_dialog_when_there_is_no_terminal() {
    if !["Xvfb", "zenity", "xdotool"].into_iter().all(require_tool) {
        return;
    }
    let moto = Moto::start(false);
    let (mut home, user) = moto_home(&moto);
    let proxy = Recorder::start(&moto.url);
    home.set("AWS_ENDPOINT_URL_STS", &proxy.url);
    home.credential_process_profiles();
    let desktop = Desktop::start();
    let session = home.cache().path("personal", &Slot::Mfa);

    // Answered: first with something that is not a code (asked again, saying so), then a code.
    let mut cli = aws_cli(&home, &desktop.display);
    let (window, pid) = desktop.dialog(None, &mut cli);
    assert_eq!(desktop.xdotool(&["getwindowname", &window]).trim(), TITLE);
    let (argv, environ) = argv_and_environ(pid);
    assert!(argv[0].ends_with("zenity"), "{argv:?}");
    assert!(argv.contains(&"--hide-text".to_owned()), "the code is not shown as typed: {argv:?}");
    assert!(argv.contains(&TEXT.to_owned()), "names the account and the device: {argv:?}");
    for secret in [&user.access_key, &user.secret_key, &user.seed] {
        assert!(!argv.iter().any(|a| a.contains(secret.as_str())), "a secret in the dialog's argv: {argv:?}");
        assert!(!environ.contains(secret.as_str()), "a secret in the dialog's environment");
    }
    desktop.answer(&window, Some("12ab56"), "Return");
    let (window, pid) = desktop.dialog(Some(pid), &mut cli);
    let (argv, _) = argv_and_environ(pid);
    assert!(
        argv.iter()
            .any(|a| a.starts_with("That is not the 6 digits your device shows; try again (2 tries left)")),
        "{argv:?}"
    );
    desktop.answer(&window, Some("123 456"), "Return");
    let out = cli.unwrap().join().unwrap();
    assert!(out.status.success(), "the AWS CLI: {}", stderr(&out));
    assert!(stdout(&out).starts_with("arn:aws:"), "{}", stdout(&out));
    assert!(session.is_file(), "the session is cached");
    let sent = proxy.actions("GetSessionToken");
    assert_eq!(sent.len(), 1, "one GetSessionToken");
    assert_eq!(sent[0].field("TokenCode"), Some("123456"), "the code typed in the dialog");
    assert_eq!(sent[0].field("SerialNumber"), Some(user.serial.as_str()));
    assert_eq!(proxy.actions("GetCallerIdentity").len(), 1, "the CLI's own call");

    // Cancelled: the CLI fails with stsenv's line; stsenv itself exits 1; nothing cached.
    std::fs::remove_file(&session).unwrap();
    let mut cli = aws_cli(&home, &desktop.display);
    let (window, pid) = desktop.dialog(Some(pid), &mut cli);
    desktop.answer(&window, None, "Escape");
    let out = cli.unwrap().join().unwrap();
    assert!(!out.status.success(), "the AWS CLI: {}", stdout(&out));
    assert_stderr_contains!(out, "the MFA dialog for account personal was cancelled");
    let mut cmd = home.stsenv_command(&["credential-process", "personal"]);
    cmd.env("DISPLAY", &desktop.display);
    let what = "stsenv credential-process personal";
    let mut direct = Some(std::thread::spawn(move || run::finish(cmd, what, DIALOG_WAIT * 2).0));
    let (window, _) = desktop.dialog(Some(pid), &mut direct);
    desktop.answer(&window, None, "Escape");
    let out = direct.unwrap().join().unwrap();
    let cancelled = run::Run {
        what: what.into(),
        status: out.status,
        stdout: stdout(&out),
        stderr: stderr(&out),
        elapsed: Duration::ZERO,
    };
    cancelled.failed(1, "the MFA dialog for account personal was cancelled: no code, so no credentials");
    assert!(!session.exists(), "nothing cached");
    assert_eq!(proxy.actions("GetSessionToken").len(), 1, "no call after a cancel");
}

#[test]
fn no_dialog_without_a_desktop_session_or_when_stsenv_prompt_says_so() {
    let moto = Moto::start(false);
    let (mut home, _) = moto_home(&moto);
    // A zenity that would tell if it ran.
    let bin = home.path().join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let ran = home.path().join("zenity-ran");
    crate::util::script(&home, "fake-bin/zenity", &format!("touch '{}'\necho 123456", ran.display()));
    home.extra_path.insert(0, bin);
    let today = "no valid cached session for account personal, and no MFA code (STSENV_TOKEN_CODE, mfa_process or personal.totp) or terminal to ask for one; run: ec2mfa personal";
    // No DISPLAY: the message of before.
    home.run(&["credential-process", "personal"], QUICK).failed(2, today);
    home.run(&["mfa", "personal"], QUICK)
        .failed(2, "no MFA code and no terminal to ask on: pass -c CODE or set STSENV_TOKEN_CODE");
    // A desktop session, but the terminal or nothing asked for.
    home.set("DISPLAY", ":98");
    home.set("STSENV_PROMPT", "terminal");
    home.run(&["credential-process", "personal"], QUICK).failed(2, today);
    home.set("STSENV_PROMPT", "none");
    home.run(&["mfa", "personal"], QUICK).failed(2, "STSENV_PROMPT=none says not to ask for one");
    home.set("STSENV_PROMPT", "popup");
    home.run(&["mfa", "personal"], QUICK).failed(2, "STSENV_PROMPT 'popup' is not terminal, dialog or none");
    assert!(!ran.exists(), "no dialog ran");
    assert!(!home.cache().path("personal", &Slot::Mfa).exists());
    // Unset, in the desktop session: the dialog program's answer is used.
    home.vars.retain(|(k, _)| k != "STSENV_PROMPT");
    let out = home.stsenv(&["credential-process", "personal"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(ran.exists());
    // Not on PATH: dialog asked for explicitly is one line naming the fix.
    let mut bare = Home::new();
    bare.keys("personal", crate::util::ACCESS_KEY, crate::util::SECRET_KEY)
        .accounts(crate::util::fixtures::ACCOUNTS_PERSONAL);
    bare.set("AWS_ENDPOINT_URL_STS", &moto.url).set("STSENV_PROMPT", "dialog").set("PATH", "/nonexistent");
    bare.run(&["mfa", "personal"], QUICK)
        .failed(2, "STSENV_PROMPT=dialog, but none of zenity, kdialog or osascript is on PATH");
}

/// A home whose PATH is only `fake-bin` (so the system's zenity is not found), with DISPLAY.
fn fake_dialogs(moto: &Moto) -> (Home, std::path::PathBuf) {
    let (mut home, _) = moto_home(moto);
    let bin = home.path().join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    home.set("PATH", &bin).set("DISPLAY", ":96");
    (home, bin)
}

#[test]
fn kdialog_without_zenity_and_a_dialog_that_cannot_reach_the_display() {
    let moto = Moto::start(false);
    let (home, bin) = fake_dialogs(&moto);
    // (Shell builtins only: nothing else is on this PATH.)
    let argv = home.path().join("kdialog-argv");
    crate::util::script(
        &home,
        "fake-bin/kdialog",
        &format!("for a; do echo \"$a\"; done > '{}'\necho 654321", argv.display()),
    );
    let out = home.stsenv(&["mfa", "personal", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("STSENV_KIND='mfa'"), "{}", stdout(&out));
    assert_eq!(std::fs::read_to_string(&argv).unwrap(), format!("--title\n{TITLE}\n--password\n{TEXT}\n"));
    // zenity first when both are there. The real one, with no X server at DISPLAY: it exits 1
    // as for a cancel, but it is not one: exit 2, naming the display and the fix.
    if require_tool("zenity") {
        std::os::unix::fs::symlink(crate::util::find_on_path("zenity").unwrap(), bin.join("zenity")).unwrap();
        home.run(&["mfa", "personal", "--force"], QUICK)
            .failed(2, "cannot open the display :96; set STSENV_PROMPT=terminal");
        std::fs::remove_file(bin.join("zenity")).unwrap();
    }
    crate::util::script(&home, "fake-bin/zenity", "exit 5");
    home.run(&["mfa", "personal", "--force"], QUICK).failed(2, "zenity) failed (exit status: 5)");
}

#[test]
fn stsenv_prompt_dialog_asks_in_the_dialog_even_on_a_terminal() {
    let moto = Moto::start(false);
    let (mut home, _) = fake_dialogs(&moto);
    crate::util::script(&home, "fake-bin/zenity", "echo ' 765 432 '");
    home.set("STSENV_PROMPT", "dialog");
    // (The harness itself is run by its absolute path; stsenv by the built binary's.)
    let mut cmd = crate::util::on_pty(&home, "pty_prompt.py");
    cmd.arg(crate::util::bin()).args(["mfa", "personal", "--shell", "bash"]).env("PTY_ANSWERS", "[]");
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], 0, "{report}");
    assert!(!report["terminal"].as_str().unwrap().contains("Enter MFA code"), "no terminal prompt: {report}");
    assert!(report["stdout"].as_str().unwrap().contains("STSENV_KIND='mfa'"), "{report}");
}
