//! Commands the accounts file names (`mfa_process`, `key_process`): run without a shell and
//! without the credential variables, killed after a deadline, their stdout returned.

use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
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
/// stderr passed through, or to the terminal when `to_terminal` and there is one. It runs in a
/// process group of its own, which holds the terminal while it runs when stsenv held it, and the
/// whole group (a `pinentry`, a `sleep` it started) is killed after its timeout. Returns its
/// stdout, which may be a secret: errors name the command, never its output.
pub fn run(helper: &Helper) -> Result<Vec<u8>> {
    let Helper { field, argv, timeout, slow, missing, to_terminal } = *helper;
    let shown = argv.join(" ");
    let (program, args) =
        argv.split_first().ok_or_else(|| error::usage(format!("{field} is empty in the accounts file")))?;
    let tty = std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty").ok();
    let stdin = match &tty {
        Some(tty) => tty.try_clone().map(Stdio::from).unwrap_or_else(|_| Stdio::null()),
        None => Stdio::null(),
    };
    let stderr = match (to_terminal, &tty) {
        (true, Some(tty)) => tty.try_clone().map(Stdio::from).unwrap_or_else(|_| Stdio::inherit()),
        _ => Stdio::inherit(),
    };
    // The terminal goes to the helper's group only if stsenv's group holds it now.
    let foreground = tty.as_ref().map(AsRawFd::as_raw_fd).filter(|fd| {
        // SAFETY: tcgetpgrp and getpgrp only read.
        unsafe { libc::tcgetpgrp(*fd) == libc::getpgrp() }
    });
    let mut command = crate::sys::without_secrets::command(program);
    command.args(args).stdin(stdin).stdout(Stdio::piped()).stderr(stderr);
    // SAFETY: the closure makes only async-signal-safe calls (setpgid, sigaction, tcsetpgrp).
    unsafe {
        command.pre_exec(move || {
            libc::setpgid(0, 0);
            if let Some(fd) = foreground {
                // A process outside the foreground group that sets it is sent SIGTTOU unless it
                // ignores it: ignore it for this call only.
                let mut ignore: libc::sigaction = std::mem::zeroed();
                ignore.sa_sigaction = libc::SIG_IGN;
                let mut old: libc::sigaction = std::mem::zeroed();
                libc::sigaction(libc::SIGTTOU, &ignore, &mut old);
                libc::tcsetpgrp(fd, libc::getpid());
                libc::sigaction(libc::SIGTTOU, &old, std::ptr::null_mut());
            }
            Ok(())
        });
    }
    let mut child = command
        .spawn()
        .map_err(|e| error::usage(format!("cannot run {field} `{shown}`: {}", io_reason(&e))))?;
    let group = Group { pid: child.id() as libc::pid_t, terminal: foreground };
    // Read stdout on a thread, so a chatty process never blocks on a full pipe. One byte over
    // the limit tells that it printed too much.
    let stdout = child.stdout.take();
    let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let (sender, receiver) = std::sync::mpsc::channel();
    let into = std::sync::Arc::clone(&output);
    std::thread::spawn(move || {
        let mut buffer = [0u8; 8192];
        let read = match stdout {
            Some(mut out) => loop {
                match out.read(&mut buffer) {
                    Ok(0) => break Ok(()),
                    Ok(n) => {
                        let mut all = into.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                        // Past the limit the rest is read and dropped, so the helper is not
                        // killed by SIGPIPE before it is told it printed too much.
                        let room = (PROCESS_OUTPUT_LIMIT + 1).saturating_sub(all.len() as u64) as usize;
                        all.extend_from_slice(&buffer[..n.min(room)]);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => break Err(e),
                }
            },
            None => Ok(()),
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
                group.kill();
                let _ = child.wait();
                return Err(too_slow());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                group.kill();
                let _ = child.wait();
                return Err(error::usage(format!("cannot wait for {field} `{shown}`: {e}")));
            }
        }
    };
    drop(group);
    // A process it left behind may hold stdout open: what the helper printed before it exited
    // is in the pipe already, so a short wait for the end is enough, then what was read counts.
    let read = receiver.recv_timeout(Duration::from_millis(200));
    let bytes = std::mem::take(&mut *output.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    if bytes.len() as u64 > PROCESS_OUTPUT_LIMIT {
        return Err(error::usage(format!(
            "{field} `{shown}` printed more than {} KiB on stdout; it must print only {}",
            PROCESS_OUTPUT_LIMIT / 1024,
            if field == "mfa_process" { "the MFA code" } else { "the credentials JSON" }
        )));
    }
    if !status.success() {
        return Err(error::usage(format!("{field} `{shown}` failed ({status}); {missing}")));
    }
    if let Ok(Err(e)) = read {
        return Err(error::usage(format!("cannot read the output of {field} `{shown}`: {e}")));
    }
    Ok(bytes)
}

/// A helper's process group: the terminal is given back to stsenv's group when it is dropped.
struct Group {
    pid: libc::pid_t,
    /// The terminal the group was given, if it was.
    terminal: Option<std::os::fd::RawFd>,
}

impl Group {
    /// Kill every process of the group (the helper and whatever it started there).
    fn kill(&self) {
        // SAFETY: a signal to the helper's own process group (its pid is the group's id).
        unsafe {
            libc::kill(-self.pid, libc::SIGKILL);
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        let Some(fd) = self.terminal else { return };
        // stsenv's group is in the background now: setting the foreground sends it SIGTTOU
        // unless this thread blocks it.
        // SAFETY: sigset and mask calls on this thread's mask; tcsetpgrp on an open descriptor.
        unsafe {
            let mut ttou: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut ttou);
            libc::sigaddset(&mut ttou, libc::SIGTTOU);
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, &ttou, &mut old);
            libc::tcsetpgrp(fd, libc::getpgrp());
            libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        }
    }
}

/// A duration as seconds for a message: `30`, `0.5`.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{s:.0}") } else { format!("{s}") }
}
