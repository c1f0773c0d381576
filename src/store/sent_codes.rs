//! The last MFA code stsenv sent for each device (and AWS accepted), with its 30-second TOTP
//! step: AWS refuses a code it has already seen for a device, so a code that stsenv computes
//! (`NAME.totp`) or reads from `mfa_process` and that equals the last one sent in the same step
//! is not sent again (the engine waits for the next step instead).
//!
//! One file in the cache directory, `sent-codes.json`, written like the cache's entries (0600
//! from creation, atomically, under its own lock `sent-codes.lock`, trusted as they are).
//! It holds the code itself: a used code is worthless to AWS, and a hash of six digits would
//! hide nothing. Entries older than the previous step are dropped on each write.

use std::ffi::OsStr;

use serde::{Deserialize, Serialize};

use crate::base::error::Result;
use crate::store::cache::{Cache, Lock};
use crate::store::trust::read_file;
use crate::sys::atomic::Durability;

/// The file's name in the cache directory (no account's file: those have a slot suffix).
pub const FILE: &str = "sent-codes.json";
const STEM: &str = "sent-codes";

#[derive(Serialize, Deserialize, Default)]
struct Stored {
    version: u32,
    devices: Vec<Sent>,
}

/// A code sent for a device, in a TOTP step (Unix time / 30).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    pub serial: String,
    pub step: u64,
    pub code: String,
}

/// The sent codes of a cache directory.
pub struct SentCodes<'a> {
    cache: &'a Cache,
}

impl<'a> SentCodes<'a> {
    pub fn new(cache: &'a Cache) -> SentCodes<'a> {
        SentCodes { cache }
    }

    /// The exclusive lock of the file: held from reading the last code until the new one is sent
    /// and recorded, so two processes never pick the same code for one device.
    pub fn lock(&self) -> Result<Lock> {
        self.cache.lock_stem(STEM, "sending an MFA code")
    }

    /// The last code sent for the device `serial`, if one is recorded.
    pub fn last(&self, serial: &str) -> Option<Sent> {
        self.read().devices.into_iter().find(|s| s.serial == serial)
    }

    /// Record `code` as sent for `serial` in `step` (call with the lock held).
    pub fn record(&self, serial: &str, step: u64, code: &str) -> Result<()> {
        let mut stored = self.read();
        stored.version = 1;
        stored.devices.retain(|s| s.serial != serial && s.step + 1 >= step);
        stored.devices.push(Sent { serial: serial.to_owned(), step, code: code.to_owned() });
        let text = serde_json::to_string(&stored).unwrap_or_default();
        let dir = self.cache.open_for_writing()?;
        let path = self.cache.dir.join(FILE);
        dir.replace(OsStr::new(FILE), text.as_bytes(), 0o600, None, Durability::Atomic)
            .map_err(|e| self.cache.write_error(&path, &e))
    }

    /// What the file holds; nothing when it is missing, not trusted (warned) or not ours.
    fn read(&self) -> Stored {
        let Some(dir) = crate::store::trust::open_for_reading(&self.cache.dir) else {
            return Stored::default();
        };
        read_file(&dir, &self.cache.dir.join(FILE))
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_the_last_code_per_device_and_forgets_old_steps() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path().join("stsenv"));
        let sent = SentCodes::new(&cache);
        assert_eq!(sent.last("arn:aws:iam::1:mfa/a"), None);
        let _lock = sent.lock().unwrap();
        sent.record("arn:aws:iam::1:mfa/a", 100, "123456").unwrap();
        sent.record("arn:aws:iam::1:mfa/b", 100, "222222").unwrap();
        sent.record("arn:aws:iam::1:mfa/a", 101, "654321").unwrap();
        let a = sent.last("arn:aws:iam::1:mfa/a").unwrap();
        assert_eq!((a.step, a.code.as_str()), (101, "654321"));
        assert_eq!(sent.last("arn:aws:iam::1:mfa/b").unwrap().code, "222222");
        // Two steps later, b's entry is dropped on the next write.
        sent.record("arn:aws:iam::1:mfa/a", 103, "111111").unwrap();
        assert_eq!(sent.last("arn:aws:iam::1:mfa/b"), None);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(cache.dir.join(FILE)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
