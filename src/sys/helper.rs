//! Commands the accounts file names (`mfa_process`, `key_process`): run without a shell and
//! without the credential variables, killed after a deadline, their stdout returned.

use std::io::{Read, Write};
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

/// A command of the accounts file (`mfa_process`, `key_process`), or a dialog that asks for an
/// MFA code, run by [`run`] or [`output`].
#[derive(Default)]
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
    /// Its stderr kept from the user and returned (a dialog's toolkit warnings mean nothing to
    /// the user, but tell a display that cannot be opened from a cancel).
    pub quiet: bool,
    /// What to tell the user when it has printed nothing after [`NOTICE_AFTER`] (it may wait
    /// for a touch of a security key): on the terminal, followed by the result; without one,
    /// by `notify-send` at this path, if given (a desktop session).
    pub notice: Option<&'a str>,
    pub notify_send: Option<&'a std::path::Path>,
}

/// How long a helper with a notice may be silent before the user is told that stsenv waits.
pub const NOTICE_AFTER: Duration = Duration::from_millis(500);

/// How a helper ended: its exit status and what it printed on stdout (maybe a secret), and on
/// stderr when that was `quiet` (up to 64 KiB).
pub struct Output {
    pub status: std::process::ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Run a helper command without a shell and without the credential variables (`crate::sys::without_secrets`):
/// stdin from the terminal if there is one (a password manager may ask there), else nothing; its
/// stderr passed through, or to the terminal when `to_terminal` and there is one. It runs in a
/// process group of its own, which holds the terminal while it runs when stsenv held it, and the
/// whole group (a `pinentry`, a `sleep` it started) is killed after its timeout. Returns its
/// stdout, which may be a secret: errors name the command, never its output.
pub fn run(helper: &Helper) -> Result<Vec<u8>> {
    let shown = helper.argv.join(" ");
    let Output { status, stdout, .. } = output(helper)?;
    if !status.success() {
        return Err(error::usage(format!(
            "{} `{shown}` failed ({status}); {}",
            helper.field, helper.missing
        )));
    }
    Ok(stdout)
}

/// Run a helper as [`run`] does, and return how it ended whatever its exit status (a dialog
/// tells a cancel by its status).
pub fn output(helper: &Helper) -> Result<Output> {
    let Helper { field, argv, timeout, slow, missing: _, to_terminal, quiet, notice, notify_send } = *helper;
    let shown = argv.join(" ");
    let (program, args) =
        argv.split_first().ok_or_else(|| error::usage(format!("{field} is empty in the accounts file")))?;
    let tty = std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty").ok();
    let stdin = match &tty {
        Some(tty) => tty.try_clone().map(Stdio::from).unwrap_or_else(|_| Stdio::null()),
        None => Stdio::null(),
    };
    let stderr = match (to_terminal, &tty) {
        _ if quiet => Stdio::piped(),
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
    // A quiet helper's stderr, read to its end (and up to the limit) on a thread of its own.
    let stderr = child.stderr.take().map(|mut err| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = (&mut err).take(PROCESS_OUTPUT_LIMIT).read_to_end(&mut bytes);
            let _ = std::io::copy(&mut err, &mut std::io::sink());
            bytes
        })
    });
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
    let started = Instant::now();
    let deadline = started + timeout;
    let mut told: Option<Notice> = None;
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
                if let Some(told) = told {
                    told.finish(&format!("stopped after {} s", seconds(timeout)));
                }
                return Err(too_slow());
            }
            Ok(None) => {
                if let Some(notice) = notice
                    && told.is_none()
                    && started.elapsed() >= NOTICE_AFTER
                    && output.lock().map(|o| o.is_empty()).unwrap_or(false)
                {
                    told = Some(Notice::show(notice, tty.as_ref(), notify_send, timeout));
                }
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(e) => {
                group.kill();
                let _ = child.wait();
                return Err(error::usage(format!("cannot wait for {field} `{shown}`: {e}")));
            }
        }
    };
    drop(group);
    if let Some(told) = told {
        told.finish(if status.success() { "done" } else { "it failed" });
    }
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
    if let Ok(Err(e)) = read
        && status.success()
    {
        return Err(error::usage(format!("cannot read the output of {field} `{shown}`: {e}")));
    }
    // (What a quiet helper left behind may hold its stderr open: not waited for then.)
    let stderr = stderr
        .and_then(|thread| {
            let waited = Instant::now();
            while !thread.is_finished() && waited.elapsed() < Duration::from_millis(200) {
                std::thread::sleep(Duration::from_millis(5));
            }
            thread.is_finished().then(|| thread.join().ok()).flatten()
        })
        .unwrap_or_default();
    Ok(Output { status, stdout: bytes, stderr })
}

/// The user told that stsenv waits for a helper: a line on the terminal that its result ends,
/// or a desktop notification that a second one follows.
enum Notice {
    Terminal(std::fs::File),
    Desktop { notify_send: std::path::PathBuf, sent: Vec<std::thread::JoinHandle<()>> },
    Nowhere,
}

impl Notice {
    /// Say `notice` on the terminal (`tty`), else by `notify-send` (shown for as long as the
    /// helper may run), else nowhere.
    fn show(
        notice: &str,
        tty: Option<&std::fs::File>,
        notify_send: Option<&std::path::Path>,
        timeout: Duration,
    ) -> Notice {
        if let Some(tty) = tty.and_then(|t| t.try_clone().ok()) {
            write_to_terminal(&tty, &format!("stsenv: {notice} ..."));
            return Notice::Terminal(tty);
        }
        match notify_send {
            Some(program) => {
                let expire = timeout.as_millis().to_string();
                let sent = notify(program, &expire, "stsenv: waiting for the MFA process", notice);
                Notice::Desktop { notify_send: program.to_owned(), sent: vec![sent] }
            }
            None => Notice::Nowhere,
        }
    }

    /// The result after the notice: `done`, `it failed`, `stopped after 30 s`.
    fn finish(self, result: &str) {
        match self {
            Notice::Terminal(tty) => write_to_terminal(&tty, &format!(" {result}\n")),
            Notice::Desktop { notify_send, mut sent } => {
                sent.push(notify(&notify_send, "3000", "stsenv: the MFA process ended", result));
                for thread in sent {
                    let _ = thread.join();
                }
            }
            Notice::Nowhere => {}
        }
    }
}

/// Write on the terminal while the helper's group may hold it: with SIGTTOU blocked on this
/// thread, so that a terminal with `tostop` set lets the write through instead of stopping
/// stsenv.
fn write_to_terminal(mut tty: &std::fs::File, text: &str) {
    with_sigttou_blocked(|| {
        let _ = tty.write_all(text.as_bytes()).and_then(|()| tty.flush());
    });
}

/// Run `f` with SIGTTOU blocked on this thread (a background group's write to, or `tcsetpgrp`
/// of, the terminal then goes through instead of stopping stsenv), the mask restored after.
fn with_sigttou_blocked<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: sigset and mask calls on this thread's own mask.
    unsafe {
        let mut ttou: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut ttou);
        libc::sigaddset(&mut ttou, libc::SIGTTOU);
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, &ttou, &mut old);
        let out = f();
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        out
    }
}

/// How long `notify-send` may take before it is killed (it only hands the message on).
const NOTIFY_LIMIT: Duration = Duration::from_secs(2);

/// Run `notify-send` (its path) with a summary and body, on a thread that reaps it (killed
/// after `NOTIFY_LIMIT`). The same synchronous hint makes a daemon that knows it replace the
/// first notification by the second.
fn notify(
    program: &std::path::Path,
    expire_ms: &str,
    summary: &str,
    body: &str,
) -> std::thread::JoinHandle<()> {
    let mut command = crate::sys::without_secrets::command(program);
    command
        .args(["--app-name=stsenv", "--hint=string:x-canonical-private-synchronous:stsenv-mfa"])
        .arg(format!("--expire-time={expire_ms}"))
        .args([summary, body])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: setpgid is async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            libc::setpgid(0, 0);
            Ok(())
        });
    }
    let child = command.spawn();
    std::thread::spawn(move || {
        let Ok(mut child) = child else { return };
        let started = Instant::now();
        while started.elapsed() < NOTIFY_LIMIT {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        // SAFETY: a signal to the group of our own child, not yet reaped.
        unsafe {
            libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
        }
        let _ = child.wait();
    })
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
        // SAFETY: tcsetpgrp on an open descriptor, to this process's own group.
        with_sigttou_blocked(|| unsafe { libc::tcsetpgrp(fd, libc::getpgrp()) });
    }
}

/// A duration as seconds for a message: `30`, `0.5`.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{s:.0}") } else { format!("{s}") }
}
