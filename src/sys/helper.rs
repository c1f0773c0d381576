//! Commands the accounts file names (`mfa_process`, `key_process`): run without a shell and
//! without the credential variables, killed after a deadline, their stdout returned.

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::base::error::{self, Result, io_reason};

/// How long `mfa_process` may run (it may wait for a YubiKey touch) before it is killed.
pub const DEFAULT_PROCESS_TIMEOUT: Duration = Duration::from_secs(30);

/// The most of `mfa_process`'s output that is read.
const PROCESS_OUTPUT_LIMIT: u64 = 64 * 1024;

/// A timeout in seconds (fractions allowed) from `value`, the variable `name`'s, else 30 s.
pub fn timeout_from(value: Option<&str>, name: &str) -> Result<Duration> {
    let Some(text) = value else {
        return Ok(DEFAULT_PROCESS_TIMEOUT);
    };
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| {
            error::usage(format!("{name} '{}' is not a number of seconds above 0", text.escape_default()))
        })
}

/// A command of the accounts file (`mfa_process`, `key_process`), run by [`run`].
pub struct Helper<'a> {
    /// The field that names it, for messages.
    pub field: &'a str,
    /// The program and its arguments (no shell).
    pub argv: &'a [String],
    pub timeout: Duration,
    /// Why it may take long, and the variable that sets the limit (for the timeout message).
    pub slow: &'a str,
    /// What is missing when it fails (`no MFA code`).
    pub missing: &'a str,
    /// Its stderr to the terminal, when there is one (stsenv's own stderr is captured).
    pub to_terminal: bool,
}

/// Run a helper command without a shell and without the credential variables (`crate::sys::without_secrets`):
/// stdin from the terminal if there is one (a password manager may ask there), else nothing; its
/// stderr passed through, or to the terminal when `to_terminal` and there is one. Killed after
/// its timeout. Returns its stdout, which may be a secret: errors name the command, never its
/// output.
pub fn run(helper: &Helper) -> Result<Vec<u8>> {
    let Helper { field, argv, timeout, slow, missing, to_terminal } = *helper;
    let shown = argv.join(" ");
    let (program, args) =
        argv.split_first().ok_or_else(|| error::usage(format!("{field} is empty in the accounts file")))?;
    let stdin = match std::fs::File::open("/dev/tty") {
        Ok(tty) => Stdio::from(tty),
        Err(_) => Stdio::null(),
    };
    let stderr = match to_terminal.then(|| std::fs::OpenOptions::new().write(true).open("/dev/tty")) {
        Some(Ok(tty)) => Stdio::from(tty),
        _ => Stdio::inherit(),
    };
    let mut child = crate::sys::without_secrets::command(program)
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .map_err(|e| error::usage(format!("cannot run {field} `{shown}`: {}", io_reason(&e))))?;
    // Read stdout on a thread, so a chatty process never blocks on a full pipe.
    let stdout = child.stdout.take();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let read = match stdout {
            Some(out) => out.take(PROCESS_OUTPUT_LIMIT).read_to_end(&mut bytes).map(|_| bytes),
            None => Ok(bytes),
        };
        let _ = sender.send(read);
    });
    let deadline = Instant::now() + timeout;
    let too_slow = || {
        error::usage(format!(
            "{field} `{shown}` did not finish within {} s and was stopped ({slow})",
            seconds(timeout)
        ))
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(too_slow());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(error::usage(format!("cannot wait for {field} `{shown}`: {e}")));
            }
        }
    };
    if !status.success() {
        return Err(error::usage(format!("{field} `{shown}` failed ({status}); {missing}")));
    }
    // A process it left behind may hold stdout open: wait no longer than the deadline.
    let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(100));
    match receiver.recv_timeout(left) {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(error::usage(format!("cannot read the output of {field} `{shown}`: {e}"))),
        Err(_) => Err(too_slow()),
    }
}

/// A duration as seconds for a message: `30`, `0.5`.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{s:.0}") } else { format!("{s}") }
}
