//! The commands the accounts file names (`mfa_process`, here; `key_process` runs the same way):
//! stopped whole at their timeout, done when they have exited, and told apart when they print
//! too much.

use std::time::{Duration, Instant};

use crate::util::fault::{Fault, Mode};
use crate::util::fixtures::sts_home;
use crate::util::{Home, script, stderr, stdout};

const ARN: &str = "arn:aws:iam::123456789012:";

/// A home whose STS is the fault server refusing every code, and whose `mfa_process` is `body`.
fn home_with_process(fault: &Fault, body: &str) -> Home {
    let mut home = sts_home(&fault.url);
    let process = script(&home, "process.sh", body);
    home.accounts(&format!(
        r#"{{"personal": {{"arn": "{ARN}", "user": "jbrowne", "mfa_process": ["{}"]}}}}"#,
        process.display()
    ));
    home.set("STSENV_MFA_PROCESS_TIMEOUT", "1");
    home
}

fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only asks whether the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

#[test]
fn a_helper_that_times_out_is_stopped_with_its_children() {
    let fault = Fault::start(Mode::error(403, "AccessDenied", "MultiFactorAuthentication failed"));
    let home =
        home_with_process(&fault, "exec 2>/dev/null\nsleep 300 &\necho $! > \"$HOME/child.pid\"\nsleep 300");
    let out = home.stsenv(&["mfa", "personal"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_stderr_contains!(out, "process.sh` did not finish within 1 s and was stopped");
    let pid: i32 = std::fs::read_to_string(home.path().join("child.pid")).unwrap().trim().parse().unwrap();
    // The kill is sent before stsenv returns; give the kernel a moment to finish it.
    let started = Instant::now();
    while alive(pid) && started.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let left = alive(pid);
    if left {
        // SAFETY: the test's own leftover.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    assert!(!left, "the helper's child (the `sleep`) still runs after the timeout");
    assert_eq!(fault.count(), 0, "nothing was sent to STS");
}

#[test]
fn a_helper_that_printed_its_code_and_exited_is_done_though_its_child_holds_stdout() {
    let fault = Fault::start(Mode::error(403, "AccessDenied", "MultiFactorAuthentication failed"));
    // A background child keeps the helper's stdout open for 30 s after the helper exits.
    let home = home_with_process(&fault, "echo 123456\nsleep 30 2>/dev/null &\nexit 0");
    let started = Instant::now();
    let out = home.stsenv(&["mfa", "personal"]);
    let took = started.elapsed();
    // The code was used: STS got it (and, being the fault server, refused it).
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_stderr_contains!(out, "the MFA code was rejected");
    assert_eq!(fault.count(), 1);
    assert!(took < Duration::from_secs(1), "waited {took:?} for the helper's child");
}

#[test]
fn a_helper_that_prints_too_much_says_so() {
    let fault = Fault::start(Mode::error(403, "AccessDenied", "MultiFactorAuthentication failed"));
    let home = home_with_process(&fault, "head -c 100000 /dev/zero | tr '\\0' 1");
    let out = home.stsenv(&["mfa", "personal"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    assert_stderr_contains!(out, "process.sh` printed more than 64 KiB on stdout");
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert_eq!(fault.count(), 0);
}
