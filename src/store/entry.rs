//! A cache entry (`Entry`, `State`) and its file format: the JSON a cache file holds, written and parsed.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::base::credentials::{Credentials, Secret};
use crate::base::error::{self, Result};
use crate::base::times::{parse_rfc3339, rfc3339};
use crate::store::slot::{RoleSlot, Slot};

const VERSION: u32 = 1;

/// What a cache file says at a given time.
#[derive(Debug)]
pub enum State {
    Absent,
    Expired(OffsetDateTime),
    Valid(Entry),
}

/// A cached set of temporary credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// When STS made the credentials (as near as stsenv knows: when it asked), if recorded.
    pub issued: Option<OffsetDateTime>,
    pub account: String,
    pub role_arn: Option<String>,
    pub credentials: Credentials,
    pub expiration: OffsetDateTime,
}

impl Entry {
    /// The entry of a slot for temporary credentials: the role ARN from the slot, the expiry
    /// from the credentials (None when they have none).
    pub fn new(account: &str, slot: &Slot, credentials: Credentials) -> Option<Entry> {
        let expiration = credentials.expiration?;
        let role_arn = match slot {
            Slot::Role(role) => Some(role.arn.clone()),
            _ => None,
        };
        Some(Entry { issued: None, account: account.to_owned(), role_arn, credentials, expiration })
    }

    /// The credentials as AWS's `credential_process` JSON (Version 1): what `stsenv
    /// credential-process` prints, and `stsenv export --format json`.
    pub fn credential_process_json(&self) -> serde_json::Value {
        let c = &self.credentials;
        serde_json::json!({
            "Version": 1,
            "AccessKeyId": c.access_key_id.text(),
            "SecretAccessKey": c.secret_access_key.text(),
            "SessionToken": c.session_token.as_ref().map(Secret::text),
            "Expiration": rfc3339(self.expiration),
        })
    }

    pub fn seconds_left(&self, now: OffsetDateTime) -> i64 {
        crate::base::times::seconds_left(self.expiration, now)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OnDisk {
    version: u32,
    account: String,
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role_arn: Option<String>,
    /// A role's parameters (its slot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role: Option<RoleSlot>,
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    expiration: String,
    /// When the credentials were made (RFC 3339): an MFA session's age, for messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    issued: Option<String>,
}

pub(super) fn serialize(slot: &Slot, entry: &Entry) -> Result<String> {
    let text = |s: &Secret| {
        s.as_str()
            .map(str::to_owned)
            .ok_or_else(|| error::aws("STS returned credentials that are not valid text"))
    };
    let c = &entry.credentials;
    let token = c.session_token.as_ref().ok_or_else(|| error::aws("STS returned no session token"))?;
    let disk = OnDisk {
        version: VERSION,
        account: entry.account.clone(),
        kind: slot.kind().as_str().to_owned(),
        role_arn: entry.role_arn.clone(),
        role: match slot {
            Slot::Role(role) => Some(role.clone()),
            _ => None,
        },
        access_key_id: text(&c.access_key_id)?,
        secret_access_key: text(&c.secret_access_key)?,
        session_token: text(token)?,
        expiration: rfc3339(entry.expiration),
        issued: entry.issued.map(rfc3339),
    };
    serde_json::to_string_pretty(&disk).map_err(|e| error::aws(format!("cannot encode the cache entry: {e}")))
}

pub(super) fn parse(bytes: &[u8], slot: &Slot) -> Option<Entry> {
    let disk: OnDisk = serde_json::from_slice(bytes).ok()?;
    if disk.version != VERSION || disk.kind != slot.kind().as_str() {
        return None;
    }
    // A role's entry serves only the very parameters it was made with.
    if let Slot::Role(role) = slot
        && (disk.role.as_ref() != Some(role) || disk.role_arn.as_deref() != Some(role.arn.as_str()))
    {
        return None;
    }
    let expiration = parse_rfc3339(&disk.expiration)?;
    let fields = [&disk.access_key_id, &disk.secret_access_key, &disk.session_token, &disk.account];
    if fields.iter().any(|f| f.is_empty() || f.contains('\0')) {
        return None;
    }
    let credentials = Credentials {
        access_key_id: Secret::new(disk.access_key_id),
        secret_access_key: Secret::new(disk.secret_access_key),
        session_token: Some(Secret::new(disk.session_token)),
        expiration: Some(expiration),
    };
    let issued = disk.issued.as_deref().and_then(parse_rfc3339);
    Entry::new(&disk.account, slot, credentials).map(|entry| Entry { issued, ..entry })
}

/// The role slot a cache file records, if it is a well-formed entry of a role.
pub(super) fn stored_role(bytes: &[u8]) -> Option<RoleSlot> {
    serde_json::from_slice::<OnDisk>(bytes).ok()?.role
}
