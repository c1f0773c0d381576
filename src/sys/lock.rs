//! Waiting for a lock another stsenv holds (another terminal sits at the MFA prompt, or rotates
//! the keys): said at once on stderr, and bounded, so a forgotten prompt elsewhere is a clear
//! error instead of a hang.

use std::fs::{File, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::base::env::Env;
use crate::base::error::{self, Result};

/// How long stsenv waits for a lock before giving up.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// How often a waiting process tries the lock again.
const POLL: Duration = Duration::from_millis(50);

/// A lock held this briefly (another process writing a cache file) is waited for silently.
const QUIET: Duration = Duration::from_millis(200);

/// `$STSENV_LOCK_TIMEOUT` (seconds, fractions allowed), else 120 s.
pub fn timeout(env: &Env) -> Result<Duration> {
    let Some(text) = env.stsenv_lock_timeout() else { return Ok(DEFAULT_TIMEOUT) };
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| *s >= 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| {
            error::usage(format!(
                "STSENV_LOCK_TIMEOUT '{}' is not a number of seconds (how long to wait for another stsenv)",
                text.escape_default()
            ))
        })
}

/// Shared (readers) or exclusive (a writer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Shared,
    Exclusive,
}

/// Lock `file`. When another process holds it, say `waiting for another stsenv DOING...` at
/// once (after 0.2 s, so a lock held only to write a file is not announced), and give up after
/// `timeout`. Returns how long it waited (so a caller that read the
/// clock before can read it again).
pub fn acquire(file: &File, mode: Mode, doing: &str, path: &Path, timeout: Duration) -> Result<Duration> {
    let attempt = || match mode {
        Mode::Shared => file.try_lock_shared(),
        Mode::Exclusive => file.try_lock(),
    };
    let failed = |e: std::io::Error| {
        error::usage(format!("cannot lock {}: {}", path.display(), crate::base::error::io_reason(&e)))
    };
    match attempt() {
        Ok(()) => return Ok(Duration::ZERO),
        Err(TryLockError::Error(e)) => return Err(failed(e)),
        Err(TryLockError::WouldBlock) => {}
    }
    let started = Instant::now();
    let mut said = false;
    loop {
        if !said && started.elapsed() >= QUIET {
            error::say(format!("waiting for another stsenv {doing}..."));
            said = true;
        }
        std::thread::sleep(POLL.min(timeout.saturating_sub(started.elapsed())).max(Duration::from_millis(1)));
        match attempt() {
            Ok(()) => return Ok(started.elapsed()),
            Err(TryLockError::Error(e)) => return Err(failed(e)),
            Err(TryLockError::WouldBlock) if started.elapsed() >= timeout => {
                return Err(error::aws(format!(
                    "gave up after {} s waiting for another stsenv {doing} (it holds {}): finish or stop it (is it waiting for an MFA code in another terminal?), or wait longer with STSENV_LOCK_TIMEOUT=SECONDS",
                    seconds(timeout),
                    path.display()
                )));
            }
            Err(TryLockError::WouldBlock) => {}
        }
    }
}

/// A duration as seconds for a message: `120`, `0.5`.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{s:.0}") } else { format!("{s}") }
}

/// An exclusive lock on the lock file `.NAME.stsenv.lock` beside the file `NAME` in `dir` (made
/// 0600, never opened through a symlink), held until the file is dropped: how stsenv edits a
/// file other programs also write (`~/.aws/config`, `~/.aws/credentials`). On failure, the lock
/// file's path and the error.
pub fn beside(
    dir: &Path,
    file_name: &str,
) -> std::result::Result<File, (std::path::PathBuf, std::io::Error)> {
    use std::os::unix::fs::OpenOptionsExt;
    let lock_path = dir.join(format!(".{file_name}.stsenv.lock"));
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&lock_path)
        .map_err(|e| (lock_path.clone(), e))?;
    lock.lock().map_err(|e| (lock_path, e))?;
    Ok(lock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_then_gives_up_naming_what_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let holder = File::create(&path).unwrap();
        holder.lock().unwrap();
        let other = File::open(&path).unwrap();
        let started = Instant::now();
        let e = acquire(&other, Mode::Shared, "escalating x", &path, Duration::from_millis(200)).unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(200));
        assert!(e.message.starts_with("gave up after 0.2 s waiting for another stsenv escalating x"), "{e}");
        drop(holder);
        assert_eq!(acquire(&other, Mode::Shared, "x", &path, Duration::ZERO).unwrap(), Duration::ZERO);
        let env = Env::from_pairs([("STSENV_LOCK_TIMEOUT", "later")]);
        assert_eq!(timeout(&env).unwrap_err().exit_code(), 2);
        assert_eq!(timeout(&Env::default()).unwrap(), DEFAULT_TIMEOUT);
    }
}
