//! Rotating an account's access key so that a working key is on disk at every moment:
//! CreateAccessKey; keep the old pair as NAME.access_key.old / NAME.secret_key.old; write the
//! new pair (atomic renames); check the new key with GetCallerIdentity (IAM takes a few seconds
//! to make a new key usable everywhere); then DeleteAccessKey the old one and drop the `.old`
//! files. If the new key never works, the old files come back and the new key is deleted.
//!
//! One rotation of an account at a time: the whole rotation holds `.NAME.rotate.lock` in the key
//! directory, so the "one old key at a time" checks and the changes they allow are one step. Each
//! change of the pair (new pair in, old pair back) holds the pair's exclusive lock, which readers
//! take shared (`KeyDir::keys`): a concurrent ec2switch or ec2mfa reads the old pair or the new,
//! never one key of each. Key files that are symlinks keep being links (their targets are
//! written), with their mode and owner.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::aws::iam::Iam;
use crate::aws::sts::Sts;
use crate::base::credentials::{Credentials, Secret};
use crate::base::error::{self, Result};
use crate::engine::context::Context;
use crate::engine::target::Target;
use crate::sys::atomic;

/// How long to wait for a new key to work (IAM's eventual consistency).
pub const VERIFY_FOR: Duration = Duration::from_secs(10);

/// The key IDs before and after.
pub struct Rotated {
    pub old_id: String,
    pub new_id: String,
}

pub fn rotate(ctx: &Context, target: &Target) -> Result<Rotated> {
    // stsenv cannot put a new key into a password manager: refused before any IAM call.
    if let Some(argv) = target.accounts.find(&target.name).and_then(|a| a.key_process.as_deref()) {
        return Err(error::usage(format!(
            "account {} takes its keys from key_process `{}`, and stsenv cannot write a new key there: make the new key with aws iam create-access-key, store it in your password manager, check it with stsenv doctor {}, then delete the old one with aws iam delete-access-key",
            target.name,
            argv.join(" "),
            target.name
        )));
    }
    let dir = ctx.key_dir();
    let timeout = crate::sys::lock::timeout(&ctx.env)?;
    let _rotating = rotation_lock(&dir.path, &target.name, timeout)?;
    let old = target.keys(ctx)?;
    let old_id = old.access_key_id.as_str().unwrap_or_default().to_owned();
    let iam = Iam::new(&old, &target.region, &ctx.env)?;
    let keys = iam.access_keys()?;
    if keys.len() >= 2 {
        let others: Vec<&str> = keys.iter().map(|k| k.id.as_str()).filter(|id| *id != old_id).collect();
        let listed: Vec<String> = keys
            .iter()
            .map(|k| {
                let used = if k.id == old_id { ", the one in the key directory" } else { "" };
                format!("{} ({}{used})", k.id, k.status)
            })
            .collect();
        let other = others.first().copied().unwrap_or("ID");
        return Err(error::usage(format!(
            "the IAM user already has two access keys, the most IAM allows: {}; delete the unused one first (aws iam get-access-key-last-used --access-key-id {other}; aws iam delete-access-key --access-key-id {other}), then rotate again",
            listed.join(", ")
        )));
    }
    let files = Files {
        access: dir.file(&target.name, "access_key"),
        secret: dir.file(&target.name, "secret_key"),
        dir: &dir,
        name: &target.name,
        timeout,
    };
    for path in [&files.access, &files.secret] {
        let old = files.old(path);
        if old.exists() {
            return Err(error::usage(format!(
                "{} is left from an unfinished rotation: check which key works (stsenv doctor {}), keep that one in {}, remove the .old file, then rotate again",
                old.display(),
                target.name,
                path.display()
            )));
        }
    }
    let new = iam.create_access_key()?;
    let written = files.replace(&new.id, &new.secret);
    let new_credentials = Credentials {
        access_key_id: Secret::new(new.id.clone()),
        secret_access_key: Secret::new(new.secret.clone()),
        session_token: None,
        expiration: None,
    };
    let verified = written.and_then(|()| verify(&new_credentials, &target.region, ctx));
    if let Err(e) = verified {
        let restored = files.restore();
        let deleted = iam.delete_access_key(&new.id);
        let mut message =
            format!("the new access key {} could not be put in place or did not work: {e}", new.id);
        match restored {
            Ok(()) => message.push_str("; the old key files are back in place"),
            Err(r) => message.push_str(&format!(
                "; putting the old key files back failed ({r}): they are in {} and {}",
                files.old(&files.access).display(),
                files.old(&files.secret).display()
            )),
        }
        match deleted {
            Ok(()) => message.push_str(" and the new key was deleted"),
            Err(d) => message.push_str(&format!(
                "; deleting the new key failed ({d}): delete it with: aws iam delete-access-key --access-key-id {}",
                new.id
            )),
        }
        return Err(error::aws(message));
    }
    let deleted = iam.delete_access_key(&old_id);
    files.drop_old();
    if let Err(e) = deleted {
        return Err(error::aws(format!(
            "the new access key {} is in the key directory and works, but deleting the old key {old_id} failed: {e}; delete it with: aws iam delete-access-key --access-key-id {old_id}",
            new.id
        )));
    }
    Ok(Rotated { old_id, new_id: new.id })
}

/// GetCallerIdentity with the new key until it works, for up to `VERIFY_FOR`.
fn verify(credentials: &Credentials, region: &str, ctx: &Context) -> Result<()> {
    let sts = Sts::new(credentials, region, &ctx.env)?;
    let started = Instant::now();
    loop {
        match sts.caller_arn() {
            Ok(_) => return Ok(()),
            Err(_) if started.elapsed() + Duration::from_secs(1) < VERIFY_FOR => {
                std::thread::sleep(Duration::from_secs(1));
            }
            Err(e) => return Err(e),
        }
    }
}

/// The exclusive lock of rotating an account's keys, held for the whole rotation.
fn rotation_lock(dir: &Path, name: &str, timeout: Duration) -> Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(format!(".{name}.rotate.lock"));
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&path)
        .map_err(|e| {
            error::usage(format!("cannot lock {}: {}", path.display(), crate::base::error::io_reason(&e)))
        })?;
    crate::sys::lock::acquire(
        &file,
        crate::sys::lock::Mode::Exclusive,
        &format!("rotating the keys of {name}"),
        &path,
        timeout,
    )?;
    Ok(file)
}

struct Files<'a> {
    access: PathBuf,
    secret: PathBuf,
    dir: &'a crate::config::key_dir::KeyDir,
    name: &'a str,
    timeout: Duration,
}

impl Files<'_> {
    fn old(&self, path: &Path) -> PathBuf {
        let mut name = path.as_os_str().to_owned();
        name.push(".old");
        PathBuf::from(name)
    }

    /// Copy the current pair to `.old`, then write the new pair, each file atomically, the
    /// pair under its exclusive lock.
    fn replace(&self, id: &str, secret: &str) -> Result<()> {
        let io = |path: &Path, e: std::io::Error| {
            error::usage(format!("cannot write {}: {}", path.display(), crate::base::error::io_reason(&e)))
        };
        for path in [&self.access, &self.secret] {
            let bytes = std::fs::read(path).map_err(|e| io(path, e))?;
            atomic::write(&self.old(path), &bytes, 0o600).map_err(|e| io(&self.old(path), e))?;
        }
        let _pair = self.dir.pair_lock(self.name, crate::sys::lock::Mode::Exclusive, self.timeout)?;
        atomic::write(&self.access, format!("{id}\n").as_bytes(), 0o600).map_err(|e| io(&self.access, e))?;
        atomic::write(&self.secret, format!("{secret}\n").as_bytes(), 0o600).map_err(|e| io(&self.secret, e))
    }

    /// Put the `.old` pair back (those that exist) under the pair's exclusive lock, writing
    /// through a symlink as `replace` did, then remove the `.old` files.
    fn restore(&self) -> std::io::Result<()> {
        let _pair = self
            .dir
            .pair_lock(self.name, crate::sys::lock::Mode::Exclusive, self.timeout)
            .map_err(|e| std::io::Error::other(e.message))?;
        for path in [&self.access, &self.secret] {
            let old = self.old(path);
            if old.exists() {
                atomic::write(path, &std::fs::read(&old)?, 0o600)?;
            }
        }
        self.drop_old();
        Ok(())
    }

    fn drop_old(&self) {
        for path in [&self.access, &self.secret] {
            let _ = std::fs::remove_file(self.old(path));
        }
    }
}
