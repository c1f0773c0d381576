//! A child process that stsenv stays beside (for `exec --server`, whose credential server must
//! outlive the `exec` that would replace stsenv): signals sent to stsenv are passed on to the
//! child, and stsenv ends the way the child ended, with its exit status or killed by the same
//! signal, so the caller sees what it would have seen without stsenv in between.
//!
//! The signals are blocked in every thread and taken with `sigwait`, so no signal handler runs
//! and no other thread ever receives them. A signal the terminal sent (Ctrl-C, Ctrl-\) has
//! already reached the child, which is in the same foreground process group: on Linux, where
//! `sigwaitinfo` tells who sent it, only signals sent by a process are passed on, so the child
//! does not get Ctrl-C twice. Elsewhere every signal is passed on.

use std::io;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus};

use crate::base::error::{self, Result};

/// The signals passed on to the child.
const FORWARDED: [libc::c_int; 6] =
    [libc::SIGHUP, libc::SIGINT, libc::SIGQUIT, libc::SIGTERM, libc::SIGUSR1, libc::SIGUSR2];

/// The blocked signals: those passed on, and SIGCHLD, which says the child may have ended.
pub struct Signals {
    set: libc::sigset_t,
}

impl Signals {
    /// Block the signals in this thread, and so in every thread started from it afterwards.
    /// Call before starting any thread; start the child with `spawn`, which unblocks them there.
    pub fn block() -> Result<Signals> {
        // SAFETY: sigemptyset/sigaddset initialise the set; pthread_sigmask only changes this
        // thread's mask; SIGCHLD's default disposition makes waitpid work even when the parent
        // left it ignored.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            for signal in FORWARDED.into_iter().chain([libc::SIGCHLD]) {
                libc::sigaddset(&mut set, signal);
            }
            libc::signal(libc::SIGCHLD, libc::SIG_DFL);
            let rc = libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            if rc != 0 {
                return Err(error::usage(format!(
                    "cannot block signals: {}",
                    io::Error::from_raw_os_error(rc)
                )));
            }
            Ok(Signals { set })
        }
    }

    /// Start the command with none of the signals blocked (a child inherits the mask).
    pub fn spawn(&self, command: &mut Command) -> io::Result<Child> {
        // SAFETY: `unblock_all` runs between fork and exec and is async-signal-safe.
        unsafe {
            command.pre_exec(unblock_all);
        }
        command.spawn()
    }

    /// Wait for the child to end, passing on the signals stsenv gets meanwhile.
    pub fn wait(&self, child: &mut Child) -> Result<ExitStatus> {
        loop {
            if let Some(status) = child.try_wait().map_err(wait_error)? {
                return Ok(status);
            }
            let (signal, from_process) = self.next()?;
            if signal != libc::SIGCHLD && from_process {
                // SAFETY: kill(2) on the child's pid, which is not reaped yet (so not reused).
                unsafe {
                    libc::kill(child.id() as libc::pid_t, signal);
                }
            }
        }
    }

    /// The next blocked signal, and whether a process sent it (not the terminal or the kernel).
    #[cfg(target_os = "linux")]
    fn next(&self) -> Result<(libc::c_int, bool)> {
        loop {
            // SAFETY: siginfo_t is plain data that sigwaitinfo fills in.
            let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
            // SAFETY: the set was initialised in `block`.
            let signal = unsafe { libc::sigwaitinfo(&self.set, &mut info) };
            if signal >= 0 {
                // SI_USER, SI_QUEUE, SI_TKILL...: sent by kill(2) and friends; the kernel's own
                // (SI_KERNEL, a terminal's Ctrl-C) are positive.
                return Ok((signal, info.si_code <= 0));
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(wait_error(e));
            }
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn next(&self) -> Result<(libc::c_int, bool)> {
        loop {
            let mut signal: libc::c_int = 0;
            // SAFETY: the set was initialised in `block`.
            let rc = unsafe { libc::sigwait(&self.set, &mut signal) };
            if rc == 0 {
                return Ok((signal, true));
            }
            if rc != libc::EINTR {
                return Err(wait_error(io::Error::from_raw_os_error(rc)));
            }
        }
    }
}

/// Unblock every signal in this thread; for `pre_exec` (it is async-signal-safe), since a child
/// inherits the mask.
pub fn unblock_all() -> io::Result<()> {
    // SAFETY: sigemptyset initialises the set; pthread_sigmask changes this thread's mask only.
    unsafe {
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        match libc::pthread_sigmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut()) {
            0 => Ok(()),
            rc => Err(io::Error::from_raw_os_error(rc)),
        }
    }
}

fn wait_error(e: io::Error) -> error::Error {
    error::usage(format!("cannot wait for the command: {e}"))
}

/// End stsenv as the child ended: exit with its status, or die of its signal (without a core
/// file, which would hold credentials: main made the process non-dumpable at start).
pub fn end_like(status: ExitStatus) -> ! {
    use std::io::Write;
    let _ = io::stdout().flush();
    if let Some(signal) = status.signal() {
        // SAFETY: process-wide settings changed just before this process ends: the signal's
        // default action, unblocked in this thread, then sent to this thread.
        unsafe {
            libc::signal(signal, libc::SIG_DFL);
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, signal);
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
            libc::raise(signal);
        }
        // A signal whose default is not to end the process.
        std::process::exit(128 + signal);
    }
    std::process::exit(status.code().unwrap_or(1))
}
