//! Who may change a file stsenv trusts, decided as ssh's StrictModes decides it: the file and
//! every directory above it, up to the home directory (else up to `/`), must belong to this user
//! (or to root, where a file root shares is fine) and must not be writable by group or others.
//! One exception: a directory *above* the file's own one that belongs to root and has the sticky
//! bit (`/tmp`, 1777) may be writable by others, since nobody else can rename or remove what is
//! in it; the file's own directory may not (others could add files beside it). A symlink is
//! followed: both the directories of the path as written and those of the file it resolves to
//! are checked.
//!
//! The one place for these rules: the cache (`store::trust`, this user's only), and the files
//! that are code or secrets (`read`: the accounts file, which names commands; key files; TOTP
//! seeds). `read` opens without blocking (a FIFO cannot hang it) and checks what it opened
//! (`fstat`) before it reads a byte.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

use super::atomic::{Stat, euid};

/// Whose files may be trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owners {
    /// This user's only (the cache, which stsenv makes for itself).
    Mine,
    /// This user's or root's (root may share a file, like `/etc/stsenv/accounts.json`).
    MineOrRoot,
}

/// Who other than the user could change a file or directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writer {
    /// Its owner, another user (this uid).
    Owner(u32),
    /// Its group or others (its permission bits).
    GroupOrOthers(u32),
}

/// Who other than this user (or root, with `Owners::MineOrRoot`) could change what `st` is.
pub fn other_writer(st: &Stat, owners: Owners) -> Option<Writer> {
    let owner_ok = st.uid == euid() || (owners == Owners::MineOrRoot && st.uid == 0);
    if !owner_ok {
        Some(Writer::Owner(st.uid))
    } else if st.mode & 0o022 != 0 {
        Some(Writer::GroupOrOthers(st.mode))
    } else {
        None
    }
}

/// A file another user could change: the path that lets them (the file or a directory above
/// it) and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Untrusted {
    /// The file as it was named.
    pub file: PathBuf,
    /// The file it resolves to, when that is not `file` and `culprit` is above it.
    pub via: Option<PathBuf>,
    /// The file, or the directory above it, that another user could change.
    pub culprit: PathBuf,
    /// Whether `culprit` is a directory (and how far above the file: 1 is its own).
    pub depth: usize,
    pub writer: Writer,
    /// The culprit's owner.
    pub owner: u32,
}

impl Untrusted {
    /// `X is writable by group or others (mode 666)`, `X is in DIR, which belongs to another user
    /// (uid 1001)`.
    pub fn what(&self) -> String {
        let why = match self.writer {
            Writer::Owner(uid) => format!("belongs to another user (uid {uid})"),
            Writer::GroupOrOthers(mode) => format!("is writable by group or others (mode {mode:o})"),
        };
        let file = match &self.via {
            Some(real) => format!("{} (a link to {})", self.file.display(), real.display()),
            None => self.file.display().to_string(),
        };
        match self.depth {
            0 => format!("{file} {why}"),
            1 => format!("{file} is in {}, which {why}", self.culprit.display()),
            _ => format!("{file} is under {}, which {why}", self.culprit.display()),
        }
    }

    /// The command (or step) that fixes it.
    pub fn fix(&self) -> String {
        let culprit = self.culprit.display();
        match self.writer {
            Writer::Owner(_) => {
                format!("if you trust what is in it, make it yours with: sudo chown {} {culprit}", euid())
            }
            Writer::GroupOrOthers(_) if self.owner == euid() => format!("fix it with: chmod go-w {culprit}"),
            // Root's shared directory (like /tmp): the file belongs elsewhere.
            Writer::GroupOrOthers(_) => {
                format!("move {} to a directory only you can write", self.file.display())
            }
        }
    }
}

/// Check the directories above `file` (see the module's rules), stopping after `home`.
pub fn check_dirs(file: &Path, home: &Path) -> Result<(), Untrusted> {
    let absolute = match file.is_absolute() {
        true => file.to_owned(),
        false => std::env::current_dir().map(|d| d.join(file)).unwrap_or_else(|_| file.to_owned()),
    };
    let real_home = std::fs::canonicalize(home).unwrap_or_else(|_| home.to_owned());
    let mut chains = Vec::new();
    // The path as written (unless `..` makes its parents mean something else)...
    if !absolute.components().any(|c| c == Component::ParentDir) {
        chains.push(absolute.clone());
    }
    // ...and the file it resolves to.
    if let Ok(real) = std::fs::canonicalize(&absolute)
        && !chains.contains(&real)
    {
        chains.push(real);
    }
    for chain in &chains {
        let via = (*chain != absolute).then(|| chain.clone());
        let mut depth = 1;
        let mut dir = chain.parent();
        while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(meta) = std::fs::metadata(d) {
                let st = Stat::of(&meta);
                if let Some(writer) = dir_writer(&st, depth) {
                    let culprit = d.to_owned();
                    let file = file.to_owned();
                    return Err(Untrusted { file, via, culprit, depth, writer, owner: st.uid });
                }
            }
            if d == home || d == real_home {
                break;
            }
            depth += 1;
            dir = d.parent();
        }
    }
    Ok(())
}

/// Who other than this user or root could change a directory `depth` levels above a file (1:
/// its own): none for root's sticky directories above its own (like /tmp).
fn dir_writer(st: &Stat, depth: usize) -> Option<Writer> {
    match other_writer(st, Owners::MineOrRoot) {
        Some(Writer::GroupOrOthers(_)) if depth > 1 && st.uid == 0 && st.mode & 0o1000 != 0 => None,
        writer => writer,
    }
}

/// Why `read` refused a file.
#[derive(Debug)]
pub enum Refusal {
    /// It could not be opened or read.
    Io(io::Error),
    /// A FIFO, a device, a directory: not a file to read.
    NotRegular,
    /// Over the limit (in bytes).
    TooLarge(u64),
    /// Another user could change it.
    Untrusted(Untrusted),
}

/// A file read by `read`: its bytes and what `fstat` said of it (for the warning of a file
/// others can read).
pub struct Trusted {
    pub bytes: Vec<u8>,
    pub stat: Stat,
}

/// Read a file that is code or a secret: opened following a symlink but without blocking (and
/// without becoming the controlling terminal), then, before a byte is read, refused unless it
/// is a regular file of at most `limit` bytes that only this user or root can change, in
/// directories only they can change (`check_dirs`, up to `home`).
pub fn read(path: &Path, home: &Path, limit: Option<u64>) -> Result<Trusted, Refusal> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC)
        .open(path)
        .map_err(Refusal::Io)?;
    let meta = file.metadata().map_err(Refusal::Io)?;
    let stat = Stat::of(&meta);
    if !stat.regular {
        return Err(Refusal::NotRegular);
    }
    if let Some(writer) = other_writer(&stat, Owners::MineOrRoot) {
        let file = path.to_owned();
        return Err(Refusal::Untrusted(Untrusted {
            culprit: file.clone(),
            file,
            via: None,
            depth: 0,
            writer,
            owner: stat.uid,
        }));
    }
    check_dirs(path, home).map_err(Refusal::Untrusted)?;
    let limit = limit.unwrap_or(u64::MAX);
    if meta.len() > limit {
        return Err(Refusal::TooLarge(limit));
    }
    let mut bytes = Vec::new();
    read_blocking(file).take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(Refusal::Io)?;
    if bytes.len() as u64 > limit {
        return Err(Refusal::TooLarge(limit));
    }
    Ok(Trusted { bytes, stat })
}

/// The file, blocking again for its reads (O_NONBLOCK was for the open; a regular file never
/// blocks, but a read of one must not fail with EAGAIN either).
fn read_blocking(file: File) -> File {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: F_GETFL and F_SETFL on a descriptor `file` owns.
    unsafe {
        let status = libc::fcntl(fd, libc::F_GETFL);
        if status != -1 {
            libc::fcntl(fd, libc::F_SETFL, status & !libc::O_NONBLOCK);
        }
    }
    file
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn dir(uid: u32, mode: u32) -> Stat {
        Stat { uid, gid: 0, mode, regular: false, links: 2 }
    }

    #[test]
    fn root_sticky_directories_are_fine_above_the_files_own_only() {
        let me = euid();
        let other = me.wrapping_add(4242);
        assert_eq!(dir_writer(&dir(0, 0o1777), 2), None, "/tmp above");
        assert_eq!(dir_writer(&dir(0, 0o1777), 1), Some(Writer::GroupOrOthers(0o1777)), "/tmp as its own");
        assert_eq!(dir_writer(&dir(0, 0o755), 1), None, "root's, shared");
        assert_eq!(dir_writer(&dir(me, 0o700), 1), None);
        assert_eq!(dir_writer(&dir(me, 0o775), 3), Some(Writer::GroupOrOthers(0o775)));
        assert_eq!(dir_writer(&dir(other, 0o755), 2), Some(Writer::Owner(other)));
        assert_eq!(dir_writer(&dir(other, 0o1777), 2), Some(Writer::Owner(other)), "sticky, not root's");
        assert_eq!(other_writer(&dir(0, 0o755), Owners::Mine), (me != 0).then_some(Writer::Owner(0)));
    }

    #[test]
    fn files_and_directories_checked_up_to_home() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        let mine = home.join("mine");
        std::fs::create_dir_all(&mine).unwrap();
        chmod(&home, 0o700);
        chmod(&mine, 0o700);
        let file = mine.join("f");
        std::fs::write(&file, "x").unwrap();
        chmod(&file, 0o600);
        assert_eq!(check_dirs(&file, &home), Ok(()));
        // Above home is not looked at.
        chmod(tmp.path(), 0o777);
        assert_eq!(check_dirs(&file, &home), Ok(()));
        chmod(&home, 0o770);
        let refused = check_dirs(&file, &home).unwrap_err();
        assert_eq!((&refused.culprit, refused.depth), (&home, 2));
        assert_eq!(
            refused.what(),
            format!(
                "{} is under {}, which is writable by group or others (mode 770)",
                file.display(),
                home.display()
            )
        );
        assert_eq!(refused.fix(), format!("fix it with: chmod go-w {}", home.display()));
        chmod(&home, 0o700);
        chmod(tmp.path(), 0o700);
        assert!(read(&file, &home, Some(1)).is_ok());
        assert!(matches!(read(&file, &home, Some(0)), Err(Refusal::TooLarge(0))));
        assert!(matches!(read(&mine, &home, None), Err(Refusal::NotRegular)));
        chmod(&file, 0o620);
        match read(&file, &home, None) {
            Err(Refusal::Untrusted(u)) => assert_eq!((u.depth, u.writer), (0, Writer::GroupOrOthers(0o620))),
            _ => panic!("a file others can write is refused"),
        }
    }

    #[test]
    fn a_symlink_is_checked_where_it_leads() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        let open = tmp.path().join("open");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&open).unwrap();
        chmod(&open, 0o777);
        let target = open.join("f");
        std::fs::write(&target, "x").unwrap();
        let link = home.join("f");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let refused = check_dirs(&link, &home).unwrap_err();
        assert_eq!((&refused.culprit, refused.depth), (&open, 1));
        let real = std::fs::canonicalize(&target).unwrap();
        assert!(refused.what().starts_with(&format!(
            "{} (a link to {}) is in ",
            link.display(),
            real.display()
        )));
        chmod(&open, 0o755);
        assert_eq!(check_dirs(&link, &home), Ok(()));
    }
}
