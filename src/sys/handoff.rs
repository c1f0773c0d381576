//! A secret handed to another program of the user's as a file instead of an argument (which every
//! local user can read in `ps` and `/proc/PID/cmdline`): `stsenv console` gives the browser a
//! `file://` URL of a page that forwards to the sign-in link.
//!
//! The file is made 0600 with `O_EXCL` in a 0700 directory of the user's (checked through its
//! descriptor), and removed once it has been read: on Linux when inotify has seen it opened and
//! closed again and nothing more for a moment; elsewhere after a fixed time. It is removed too
//! when the `Handoff` is dropped (an error, the time limit) and when stsenv is ended by SIGINT,
//! SIGTERM, SIGHUP or SIGQUIT meanwhile: a handler removes it, then stsenv dies of the signal.

use std::ffi::{CString, OsStr, OsString};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, AtomicPtr, Ordering};
use std::time::{Duration, Instant};

use crate::base::env::Env;
use crate::sys::atomic::{Dir, euid};

/// After the last close, how long no other open must come before the file counts as read (a
/// program that looks at the file first, like a MIME sniffer, hands it on to the browser).
pub const READ_QUIET: Duration = Duration::from_secs(2);

/// Where inotify cannot tell (not Linux, or no inotify), how long the file is left to be read.
pub const FIXED_WAIT: Duration = Duration::from_secs(10);

/// The signals that remove the file before stsenv dies of them.
const SIGNALS: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

/// `$XDG_RUNTIME_DIR/stsenv` when `XDG_RUNTIME_DIR` is an absolute path of a directory that
/// this user owns and group and others cannot write; else `fallback`.
pub fn directory(env: &Env, fallback: PathBuf) -> PathBuf {
    let runtime = env.xdg_runtime_dir().map(Path::new).filter(|d| d.is_absolute());
    if let Some(runtime) = runtime
        && let Ok(dir) = Dir::open(runtime)
        && let Ok(st) = dir.stat()
        && st.uid == euid()
        && st.mode & 0o022 == 0
    {
        return runtime.join("stsenv");
    }
    fallback
}

/// The file while it exists. Dropping it removes the file.
pub struct Handoff {
    dir: Dir,
    /// The directory once more, for the signal handler's `unlinkat`.
    handler_dir: std::fs::File,
    name: CString,
    path: PathBuf,
    /// The signal handlers replaced, to put back.
    replaced: Vec<(libc::c_int, libc::sigaction)>,
}

/// The directory and name the signal handler removes (-1: none).
static DIR_FD: AtomicI32 = AtomicI32::new(-1);
static NAME: AtomicPtr<libc::c_char> = AtomicPtr::new(std::ptr::null_mut());

extern "C" fn remove_and_die(signal: libc::c_int) {
    let fd = DIR_FD.load(Ordering::SeqCst);
    let name = NAME.load(Ordering::SeqCst);
    // SAFETY: unlinkat, signal and raise are async-signal-safe; `name` is the NUL-terminated
    // name the live Handoff owns (it clears both before freeing it).
    unsafe {
        if fd >= 0 && !name.is_null() {
            libc::unlinkat(fd, name, 0);
        }
        libc::signal(signal, libc::SIG_DFL);
        // Delivered when the handler returns (the signal is blocked while it runs): stsenv
        // ends as the signal says.
        libc::raise(signal);
    }
}

impl Handoff {
    /// Write `bytes` to a new file `PREFIX-RANDOM.EXTENSION` (0600) in the directory `dir`,
    /// which is made 0700 if missing (its missing parents too). Err: why it cannot be made
    /// there, for a message.
    pub fn create(dir: &Path, prefix: &str, extension: &str, bytes: &[u8]) -> Result<Handoff, String> {
        let dir = private_dir(dir)?;
        let shown = dir.path.display().to_string();
        let handler_dir = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
            .open(&dir.path)
            .map_err(|e| format!("cannot open {shown}: {}", crate::base::error::io_reason(&e)))?;
        let mut replaced = Vec::new();
        for signal in SIGNALS {
            // SAFETY: sigaction with a null new action only reads the current one.
            let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
            if unsafe { libc::sigaction(signal, std::ptr::null(), &mut old) } != 0
                || old.sa_sigaction == libc::SIG_IGN
            {
                // An ignored signal (nohup) stays ignored.
                continue;
            }
            // SAFETY: a handler that makes only async-signal-safe calls.
            let mut new: libc::sigaction = unsafe { std::mem::zeroed() };
            new.sa_sigaction = remove_and_die as *const () as libc::sighandler_t;
            new.sa_flags = libc::SA_RESTART;
            // SAFETY: as above; sigemptyset initialises the mask.
            unsafe {
                libc::sigemptyset(&mut new.sa_mask);
                if libc::sigaction(signal, &new, std::ptr::null_mut()) == 0 {
                    replaced.push((signal, old));
                }
            }
        }
        let mut tries = 0;
        loop {
            let name = format!("{prefix}-{:016x}.{extension}", random());
            let file = dir.open_file(OsStr::new(&name), libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL, 0o600);
            let mut file = match file {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && tries < 10 => {
                    tries += 1;
                    continue;
                }
                Err(e) => {
                    restore(&replaced);
                    return Err(format!(
                        "cannot make a file in {shown}: {}",
                        crate::base::error::io_reason(&e)
                    ));
                }
            };
            let path = dir.path.join(&name);
            let handoff =
                Handoff { name: CString::new(name).unwrap_or_default(), path, dir, handler_dir, replaced };
            // From here a signal removes it (and so does Drop).
            DIR_FD.store(std::os::fd::AsRawFd::as_raw_fd(&handoff.handler_dir), Ordering::SeqCst);
            NAME.store(handoff.name.as_ptr().cast_mut(), Ordering::SeqCst);
            if let Err(e) = file.write_all(bytes).and_then(|()| file.sync_all()) {
                return Err(format!("cannot write a file in {shown}: {}", crate::base::error::io_reason(&e)));
            }
            return Ok(handoff);
        }
    }

    /// The `file://` URL of the file (its path percent-encoded).
    pub fn url(&self) -> String {
        let mut url = String::from("file://");
        for &b in self.path.as_os_str().as_bytes() {
            if b.is_ascii_alphanumeric() || b"/._-~".contains(&b) {
                url.push(char::from(b));
            } else {
                url.push_str(&format!("%{b:02X}"));
            }
        }
        url
    }

    /// Start watching for the file to be read: before handing it over, so no open is missed.
    pub fn watch(&self) -> Watch {
        Watch::new(&self.path)
    }
}

impl Drop for Handoff {
    fn drop(&mut self) {
        // Removed first, while the handlers still would; then the handlers' names cleared and the
        // old handlers put back.
        let _ = self.dir.remove(&OsString::from(OsStr::from_bytes(self.name.as_bytes())));
        DIR_FD.store(-1, Ordering::SeqCst);
        NAME.store(std::ptr::null_mut(), Ordering::SeqCst);
        restore(&self.replaced);
    }
}

fn restore(replaced: &[(libc::c_int, libc::sigaction)]) {
    for (signal, old) in replaced {
        // SAFETY: putting back the action sigaction gave.
        unsafe {
            libc::sigaction(*signal, old, std::ptr::null_mut());
        }
    }
}

/// A name part nobody guesses in advance (the directory is private anyway): the clock, the pid
/// and a counter, mixed.
fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicI32 = AtomicI32::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos(),
    );
    h.write_u32(std::process::id());
    h.write_i32(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.finish()
}

/// The directory `path`, made 0700 if missing (missing parents too, 0700, not the umask's),
/// opened and checked: this user's, a directory, and then tightened to 0700 if group or others
/// have any access (stsenv made it). Its parent must be this user's or root's, and not writable
/// by group or others, unless sticky (as /run/user is root's). Err: why not.
pub fn private_dir(path: &Path) -> Result<Dir, String> {
    let shown = path.display();
    if let Some(parent) = path.parent()
        && !parent.exists()
    {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(parent).map_err(|e| {
            format!("cannot make {}: {}", parent.display(), crate::base::error::io_reason(&e))
        })?;
    }
    if let Some(parent) = path.parent() {
        let st = Dir::open(parent).and_then(|d| d.stat()).map_err(|e| {
            format!("cannot open {}: {}", parent.display(), crate::base::error::io_reason(&e))
        })?;
        if st.uid != euid() && st.uid != 0 {
            return Err(format!("{} belongs to another user (uid {})", parent.display(), st.uid));
        }
        if st.mode & 0o022 != 0 && st.mode & 0o1000 == 0 {
            return Err(format!("{} is writable by group or others", parent.display()));
        }
    }
    match std::fs::DirBuilder::new().mode(0o700).create(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("cannot make {shown}: {}", crate::base::error::io_reason(&e))),
    }
    // A symlink is not followed: the directory must be this one.
    if std::fs::symlink_metadata(path).is_ok_and(|m| !m.is_dir()) {
        return Err(format!("{shown} is not a directory"));
    }
    let dir =
        Dir::open(path).map_err(|e| format!("cannot open {shown}: {}", crate::base::error::io_reason(&e)))?;
    let st = dir.stat().map_err(|e| format!("cannot open {shown}: {}", crate::base::error::io_reason(&e)))?;
    if st.uid != euid() {
        return Err(format!("{shown} belongs to another user (uid {})", st.uid));
    }
    // Made 0700 above; one that was there already keeps its mode, and is not used if others
    // may look in.
    if st.mode & 0o077 != 0 {
        return Err(format!("{shown} is open to group or others (make it private with: chmod 700 {shown})"));
    }
    Ok(dir)
}

/// Whether the file has been read.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub struct Watch {
    started: Instant,
    #[cfg(target_os = "linux")]
    inotify: Option<std::os::fd::OwnedFd>,
    /// Opens seen, and how many are still open.
    opens: u64,
    open_now: u64,
    last_close: Option<Instant>,
}

impl Watch {
    #[cfg(target_os = "linux")]
    fn new(path: &Path) -> Watch {
        use std::os::fd::{FromRawFd, OwnedFd};
        let inotify = (|| {
            let c = CString::new(path.as_os_str().as_bytes()).ok()?;
            // SAFETY: inotify_init1 makes a new descriptor, owned here from now on.
            let fd = unsafe { libc::inotify_init1(libc::IN_CLOEXEC | libc::IN_NONBLOCK) };
            if fd < 0 {
                return None;
            }
            // SAFETY: as above.
            let fd = unsafe { OwnedFd::from_raw_fd(fd) };
            let mask = libc::IN_OPEN | libc::IN_CLOSE_WRITE | libc::IN_CLOSE_NOWRITE;
            // SAFETY: a valid descriptor and a NUL-terminated path.
            let wd =
                unsafe { libc::inotify_add_watch(std::os::fd::AsRawFd::as_raw_fd(&fd), c.as_ptr(), mask) };
            (wd >= 0).then_some(fd)
        })();
        Watch { started: Instant::now(), inotify, opens: 0, open_now: 0, last_close: None }
    }

    #[cfg(not(target_os = "linux"))]
    fn new(_path: &Path) -> Watch {
        Watch { started: Instant::now(), opens: 0, open_now: 0, last_close: None }
    }

    /// Wait up to `step` for news of the file; whether it has been read by now.
    pub fn wait(&mut self, step: Duration) -> bool {
        #[cfg(target_os = "linux")]
        if let Some(fd) = self.inotify.as_ref().map(std::os::fd::AsRawFd::as_raw_fd) {
            let mut poll = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
            let ms = libc::c_int::try_from(step.as_millis()).unwrap_or(libc::c_int::MAX);
            // SAFETY: one valid pollfd.
            if unsafe { libc::poll(&mut poll, 1, ms) } > 0 {
                let mut buf = [0u8; 4096];
                loop {
                    // SAFETY: reading into a buffer of its length.
                    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
                    let Ok(n) = usize::try_from(n) else { break };
                    if n == 0 {
                        break;
                    }
                    self.events(&buf[..n]);
                }
            }
            return self.opens > 0
                && self.open_now == 0
                && self.last_close.is_some_and(|t| t.elapsed() >= READ_QUIET);
        }
        std::thread::sleep(step);
        self.started.elapsed() >= FIXED_WAIT
    }

    /// Count the opens and closes of inotify events (`struct inotify_event`, then its name).
    #[cfg(target_os = "linux")]
    fn events(&mut self, mut bytes: &[u8]) {
        const HEADER: usize = std::mem::size_of::<libc::inotify_event>();
        while bytes.len() >= HEADER {
            // SAFETY: HEADER bytes of the kernel's inotify_event, read unaligned.
            let event: libc::inotify_event = unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast()) };
            if event.mask & libc::IN_OPEN != 0 {
                self.opens += 1;
                self.open_now += 1;
            }
            if event.mask & (libc::IN_CLOSE_WRITE | libc::IN_CLOSE_NOWRITE) != 0 {
                self.open_now = self.open_now.saturating_sub(1);
                self.last_close = Some(Instant::now());
            }
            let len = HEADER + event.len as usize;
            bytes = bytes.get(len..).unwrap_or_default();
        }
    }
}
