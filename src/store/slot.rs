//! Which credentials a cache file holds (`Slot`, `RoleSlot`): its file name, digest and lock message.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::aws::assume_role::AssumeRole;
use crate::base::credentials::Kind;

/// Which credentials of an account a cache file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Slot {
    /// GetSessionToken with MFA.
    Mfa,
    /// GetSessionToken without MFA.
    Session,
    /// AssumeRole of a role, with these parameters.
    Role(RoleSlot),
}

/// A role's cache slot: the role ARN and every other parameter that changes the credentials
/// AssumeRole gives (not the duration), so that two requests that differ in any of them never
/// share an entry. Stored in the entry and compared when it is read; its digest names the file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleSlot {
    pub arn: String,
    pub session_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_identity: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitive_tags: Vec<String>,
    /// Whether the credentials were asked for with MFA (not `-c skip`).
    pub mfa: bool,
}

impl RoleSlot {
    /// 16 hex digits of FNV-1a over the slot's JSON: a short, stable file name part. (Two slots
    /// with the same digest share a file, but never an entry: the slot is compared on reading.)
    fn digest(&self) -> String {
        let text = serde_json::to_string(self).unwrap_or_default();
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in text.bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{hash:016x}")
    }
}

impl Slot {
    /// The cache slot of an AssumeRole call, asked for with MFA or without: every parameter but
    /// the duration tells two entries apart.
    pub fn role(call: &AssumeRole, mfa: bool) -> Slot {
        Slot::Role(RoleSlot {
            arn: call.arn.clone(),
            session_name: call.session_name.clone(),
            external_id: call.external_id.clone(),
            source_identity: call.source_identity.clone(),
            tags: call.tags.clone(),
            transitive_tags: call.transitive_tags.clone(),
            mfa,
        })
    }

    pub fn kind(&self) -> Kind {
        match self {
            Slot::Mfa => Kind::Mfa,
            Slot::Session => Kind::Session,
            Slot::Role(_) => Kind::Role,
        }
    }

    /// The file name stem: `personal.mfa`, `personal.session`, `personal.role.<encoded ARN>.<digest>`.
    pub(super) fn stem(&self, account: &str) -> String {
        let account = account.to_ascii_lowercase();
        match self {
            Slot::Mfa => format!("{account}.mfa"),
            Slot::Session => format!("{account}.session"),
            Slot::Role(role) => {
                format!("{account}.role.{}.{}", crate::base::percent::encode(&role.arn), role.digest())
            }
        }
    }

    /// What a process holding this slot's lock does, for the waiting message:
    /// `escalating personal`, `escalating personal to role Admin`.
    pub(super) fn doing(&self, account: &str) -> String {
        match self {
            Slot::Role(role) => {
                format!("escalating {account} to role {}", crate::aws::arn::role_name(&role.arn))
            }
            _ => format!("escalating {account}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_encode_uniquely() {
        let slot =
            |arn: &str| RoleSlot { arn: arn.to_owned(), session_name: "s".into(), ..RoleSlot::default() };
        let stem = |role: RoleSlot| Slot::Role(role).stem("Personal");
        let a = stem(slot("arn:aws:iam::1:role/a/b"));
        assert!(a.starts_with("personal.role.arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%2Fb."), "{a}");
        assert_eq!(a.rsplit('.').next().unwrap().len(), 16);
        assert_ne!(stem(slot("role/a_b")), stem(slot("role/a/b")));
        // Every parameter makes its own file.
        let base = slot("arn:aws:iam::1:role/R");
        let variants = [
            RoleSlot { session_name: "t".into(), ..base.clone() },
            RoleSlot { external_id: Some("x".into()), ..base.clone() },
            RoleSlot { source_identity: Some("x".into()), ..base.clone() },
            RoleSlot { tags: [("k".to_owned(), "v".to_owned())].into(), ..base.clone() },
            RoleSlot { transitive_tags: vec!["k".into()], ..base.clone() },
            RoleSlot { mfa: true, ..base.clone() },
        ];
        for v in variants {
            assert_ne!(stem(v.clone()), stem(base.clone()), "{v:?}");
        }
    }
}
