//! Clearing the cache: removing an account's, a slot's or every cached session, each under its lock.

use std::ffi::OsStr;
use std::fs;

use crate::base::error::Result;
use crate::store::cache::Cache;
use crate::store::slot::Slot;
use crate::store::trust;
use crate::sys::atomic::Dir;

impl Cache {
    /// Remove cached sessions: every one (`account` None), an account's, or one slot of it (for
    /// a role slot: every entry of its role ARN, whatever their other parameters);
    /// each under its slot's lock, so an escalation that holds it finishes writing first and
    /// no file is removed halfway. (The lock files stay: removing one another process waits on
    /// would let a third lock a new file beside it.) Returns the file names removed, sorted.
    ///
    /// Only files with the names stsenv gives (`Slot::is_file_name`) are looked at, and of those
    /// only regular files of this user are removed (a symlink is neither followed nor removed;
    /// one warning names each file left and the fix). A directory that is not trusted is an
    /// error (exit 2) and nothing in it is touched; the directory's mode is never changed.
    pub fn clear(&self, account: Option<&str>, slot: Option<&Slot>) -> Result<Vec<String>> {
        let dir = match Dir::open(&self.dir) {
            Ok(dir) => dir,
            Err(e)
                if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) =>
            {
                return Ok(Vec::new());
            }
            Err(e) => return Err(self.write_error(&self.dir, &e)),
        };
        trust::check_for_writing(&dir, &self.dir, |e| self.write_error(&self.dir, e))?;
        let entries = fs::read_dir(&self.dir).map_err(|e| self.write_error(&self.dir, &e))?;
        let wanted = |stem: &str| match (account, slot) {
            (None, _) => true,
            // Every entry of the role (`.<digest>`), and one of a version before the digest.
            (Some(account), Some(Slot::Role(role))) => stem
                .strip_prefix(&format!(
                    "{}.role.{}",
                    account.to_ascii_lowercase(),
                    crate::base::percent::encode(&role.arn)
                ))
                .is_some_and(|rest| {
                    rest.is_empty()
                        || rest.strip_prefix('.').is_some_and(|digest| {
                            digest.len() == 16 && digest.bytes().all(|b| b.is_ascii_hexdigit())
                        })
                }),
            (Some(account), Some(slot)) => stem == slot.stem(account),
            (Some(account), None) => {
                let account = account.to_ascii_lowercase();
                let role = stem
                    .strip_prefix(&format!("{account}.role."))
                    .and_then(crate::base::percent::decode)
                    .is_some_and(|arn| arn.starts_with("arn:"));
                role || [Slot::Mfa, Slot::Session].iter().any(|s| stem == s.stem(&account))
            }
        };
        let mut stems: Vec<String> = entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|file| Slot::is_file_name(file))
            .filter_map(|file| file.strip_suffix(".json").map(str::to_owned))
            .filter(|stem| wanted(stem))
            .collect();
        stems.sort();
        let mut removed = Vec::new();
        for stem in stems {
            let name = format!("{stem}.json");
            let path = self.dir.join(&name);
            // Looked at before the lock (no lock file for a file that stays) and again under it
            // (a writer may have renamed its own file over it meanwhile). The directory is this
            // user's and nobody else may write it, so nobody else can swap the file in between.
            if !self.removable(&dir, &name, &path)? {
                continue;
            }
            let _lock = self.lock_stem(&stem, &format!("writing {name}"))?;
            if !self.removable(&dir, &name, &path)? {
                continue;
            }
            match dir.remove(OsStr::new(&name)) {
                Ok(()) => removed.push(name),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(self.write_error(&path, &e)),
            }
        }
        Ok(removed)
    }

    /// Whether the cache file `name` (at `path`) is there to be removed: a regular file of this
    /// user (`lstat`, so a symlink is looked at, not followed). Else false, with one warning
    /// naming it when it exists.
    fn removable(&self, dir: &Dir, name: &str, path: &std::path::Path) -> Result<bool> {
        let st = match dir.stat_of(OsStr::new(name)) {
            Ok(Some(st)) => st,
            Ok(None) => return Ok(false),
            Err(e) => return Err(self.write_error(path, &e)),
        };
        match trust::why_kept(&st) {
            None => Ok(true),
            Some(why) => {
                let shown = path.display();
                trust::warn_once(
                    path,
                    format_args!(
                        "the cache file {shown} {why}, so stsenv does not remove it; remove it yourself with: rm {shown}"
                    ),
                );
                Ok(false)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use time::{Duration, OffsetDateTime};

    use super::*;
    use crate::base::credentials::{Credentials, Secret};
    use crate::store::entry::Entry;
    use crate::store::slot::RoleSlot;

    #[test]
    fn clear_picks_the_files_of_the_account_asked_for() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path().join("stsenv"));
        let role = |arn: &str| Slot::Role(RoleSlot { arn: arn.to_owned(), ..RoleSlot::default() });
        let later = OffsetDateTime::now_utc() + Duration::hours(1);
        let slots = [
            ("personal", Slot::Mfa),
            ("personal", Slot::Session),
            ("personal", role("arn:aws:iam::1:role/Admin")),
            // A dotted account name that starts like the other, and a role name ending in .mfa.
            ("personal.x", Slot::Mfa),
            ("personal.x", role("arn:aws:iam::1:role/ops.mfa")),
            ("work", Slot::Mfa),
        ];
        let fill = || {
            for (account, slot) in &slots {
                let credentials = Credentials {
                    access_key_id: Secret::new("ASIAEXAMPLE"),
                    secret_access_key: Secret::new("secret"),
                    session_token: Some(Secret::new("token")),
                    expiration: Some(later),
                };
                cache.write(slot, &Entry::new(account, slot, credentials).unwrap()).unwrap();
            }
        };
        let left = || {
            slots
                .iter()
                .filter(|(a, s)| cache.path(a, s).exists())
                .map(|(a, s)| (*a, s.clone()))
                .collect::<Vec<_>>()
        };
        fill();
        assert_eq!(cache.clear(Some("Personal"), None).unwrap().len(), 3);
        assert_eq!(left(), slots[3..].to_vec());
        assert_eq!(
            cache.clear(Some("personal.x"), Some(&role("arn:aws:iam::1:role/ops.mfa"))).unwrap().len(),
            1
        );
        assert_eq!(left(), vec![slots[3].clone(), slots[5].clone()]);
        assert_eq!(cache.clear(None, None).unwrap().len(), 2);
        assert!(left().is_empty());
        assert!(Cache::new(tmp.path().join("none")).clear(None, None).unwrap().is_empty());
    }

    #[test]
    fn clearing_a_role_removes_each_of_its_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path().join("stsenv"));
        let slot = |arn: &str, session: &str, mfa: bool| {
            Slot::Role(RoleSlot {
                arn: arn.to_owned(),
                session_name: session.to_owned(),
                mfa,
                ..RoleSlot::default()
            })
        };
        let later = OffsetDateTime::now_utc() + Duration::hours(1);
        let slots = [
            slot("arn:aws:iam::1:role/Admin", "a", true),
            slot("arn:aws:iam::1:role/Admin", "b", true),
            slot("arn:aws:iam::1:role/Admin", "a", false),
            slot("arn:aws:iam::1:role/AdminX", "a", true),
        ];
        for s in &slots {
            let credentials = Credentials {
                access_key_id: Secret::new("ASIAEXAMPLE"),
                secret_access_key: Secret::new("secret"),
                session_token: Some(Secret::new("token")),
                expiration: Some(later),
            };
            cache.write(s, &Entry::new("personal", s, credentials).unwrap()).unwrap();
        }
        assert_eq!(cache.role_slots()["personal"].len(), 4);
        let admin = Slot::Role(RoleSlot { arn: "arn:aws:iam::1:role/Admin".into(), ..RoleSlot::default() });
        assert_eq!(cache.clear(Some("personal"), Some(&admin)).unwrap().len(), 3);
        assert_eq!(cache.role_slots()["personal"], vec![slots[3].clone()]);
        assert_eq!(cache.role_arns()["personal"], vec!["arn:aws:iam::1:role/AdminX".to_owned()]);
    }
}
