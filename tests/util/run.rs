//! Starting processes: `command` is the one place a test's `Command` is made, and `finish` the
//! one way one is run to its end (its output read as it runs, killed after a time limit).
//! `Run` is a finished run with what was run, its time, and the checks of a clean failure.
//!
//! The suite never touches the terminal it was started from: every child starts a session of
//! its own (setsid), so it has no controlling terminal and /dev/tty cannot be opened, and its
//! stdin is /dev/null unless the test gives it another. Being a session leader, each child is
//! also the leader of its own process group, which `kill` ends whole. The tests that need a
//! terminal get a pseudo-terminal of their own (tests/pty_prompt.py, tests/pty_type.py).

use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use super::fixtures::CACHED_TOKEN;
use super::{ACCESS_KEY, SECRET_KEY};

/// Long enough for anything but a hang.
pub const QUICK: Duration = Duration::from_secs(20);

/// The limit of a run that names none (`Home::stsenv`): only a hang reaches it.
pub const HANG: Duration = Duration::from_secs(300);

/// `program`, to be configured and run: in a new session (no controlling terminal, its own
/// process group), stdin /dev/null.
pub fn command(program: impl AsRef<OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.stdin(Stdio::null());
    // SAFETY: setsid is async-signal-safe; it runs in the child between fork and exec. It fails
    // only for a process group leader, which a child just forked is not.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd
}

/// Kill a child of `command` with its process group (SIGKILL), and reap it: how it ended.
pub fn kill(child: &mut Child) -> ExitStatus {
    // SAFETY: kill(2) on the group of our own child, not yet reaped (its ID is not reused).
    unsafe {
        libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
    }
    let _ = child.kill();
    child.wait().unwrap()
}

/// Run `cmd` to its end, stdout and stderr piped (read while it runs), and how long it took;
/// after `limit` it is killed and the test fails, naming `what`.
pub fn finish(mut cmd: Command, what: &str, limit: Duration) -> (Output, Duration) {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = kill(&mut child);
            let stderr = String::from_utf8_lossy(&stderr.join().unwrap()).into_owned();
            panic!("{what}: still running after {limit:?}; stderr: {stderr}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    (Output { status, stdout: stdout.join().unwrap(), stderr: stderr.join().unwrap() }, elapsed)
}

/// A finished run, its output as text.
pub struct Run {
    pub what: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Run a command to its end, killing it (and failing) after `limit`.
pub fn run(cmd: Command, what: String, limit: Duration) -> Run {
    let (out, elapsed) = finish(cmd, &what, limit);
    Run {
        what,
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed,
    }
}

impl Run {
    /// Failed with `exit`, nothing on stdout, one `stsenv: ` line on stderr with `phrase` in it
    /// and no secret.
    pub fn failed(&self, exit: i32, phrase: &str) -> &Self {
        let what = &self.what;
        let err = &self.stderr;
        assert_eq!(self.status.code(), Some(exit), "{what}: exit status; stderr: {err}");
        assert_eq!(self.stdout, "", "{what}: stdout; stderr: {err}");
        assert!(err.starts_with("stsenv: "), "{what}: {err}");
        assert!(err.ends_with('\n') && err.lines().count() == 1, "{what}: not one line: {err}");
        assert!(err.contains(phrase), "{what}: no '{phrase}' in: {err}");
        for secret in [ACCESS_KEY, SECRET_KEY, CACHED_TOKEN, "tmpsecret/"] {
            assert!(!err.contains(secret), "{what}: a secret in: {err}");
        }
        self
    }
}
