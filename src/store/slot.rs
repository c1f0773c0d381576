//! Which credentials a cache file holds (`Slot`, `RoleSlot`): its file name, digest and lock message.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::aws::assume_role::AssumeRole;
use crate::aws::session_policy;
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
    /// The inline session policy in one spelling (`session_policy::canonical`): documents that
    /// say the same share an entry, others never do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The managed session policies, sorted, each once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_arns: Vec<String>,
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
            policy: call.policy.as_deref().map(session_policy::canonical),
            policy_arns: session_policy::sorted_arns(&call.policy_arns),
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

    /// Whether `stem` is a file name stem stsenv gives a slot of some account (see `stem`):
    /// `ACCOUNT.mfa`, `ACCOUNT.session`, `ACCOUNT.role.<encoded ARN>.<digest>` (or, from before
    /// the digest, without it), ACCOUNT a valid name in lower case, the ARN encoded as
    /// `percent::encode` writes it. Only such files (and their locks and temp files) are the
    /// cache's: nothing else in its directory is ever removed.
    pub(super) fn is_stem(stem: &str) -> bool {
        let account_ok =
            |a: &str| crate::base::names::is_valid(a) && !a.bytes().any(|b| b.is_ascii_uppercase());
        let arn_ok = |encoded: &str| {
            crate::base::percent::decode(encoded)
                .is_some_and(|arn| arn.starts_with("arn:") && crate::base::percent::encode(&arn) == encoded)
        };
        if let Some(account) = stem.strip_suffix(".mfa").or_else(|| stem.strip_suffix(".session"))
            && account_ok(account)
        {
            return true;
        }
        stem.match_indices(".role.").any(|(i, sep)| {
            let (account, rest) = (&stem[..i], &stem[i + sep.len()..]);
            let digested = rest.rsplit_once('.').is_some_and(|(encoded, digest)| {
                digest.len() == 16
                    && digest.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                    && arn_ok(encoded)
            });
            account_ok(account) && (digested || arn_ok(rest))
        })
    }

    /// Whether `name` is a cache file name stsenv gives a slot: `STEM.json` (see `is_stem`).
    pub(super) fn is_file_name(name: &str) -> bool {
        name.strip_suffix(".json").is_some_and(Slot::is_stem)
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
            RoleSlot { policy: Some("{}".into()), ..base.clone() },
            RoleSlot { policy_arns: vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()], ..base.clone() },
        ];
        for v in variants {
            assert_ne!(stem(v.clone()), stem(base.clone()), "{v:?}");
        }
    }

    #[test]
    fn only_the_names_stsenv_gives_are_slot_names() {
        let role = Slot::Role(RoleSlot { arn: "arn:aws:iam::1:role/ops.mfa".into(), ..RoleSlot::default() });
        for account in ["Personal", "a.role.b", "x-1_y"] {
            for slot in [Slot::Mfa, Slot::Session, role.clone()] {
                let stem = slot.stem(account);
                assert!(Slot::is_stem(&stem), "{stem}");
                assert!(Slot::is_file_name(&format!("{stem}.json")), "{stem}");
            }
        }
        // A role file from before the digest.
        assert!(Slot::is_stem("personal.role.arn%3Aaws%3Aiam%3A%3A1%3Arole%2FAdmin"));
        for other in [
            "package.json",
            "tsconfig.json",
            "x.json",
            ".personal.mfa.json",
            "personal.mfa",
            "personal.mfa.lock",
            "Personal.mfa.json",
            ".mfa.json",
            "personal.role.json",
            "personal.role.Admin.json",
            "personal.role.arn:aws:iam::1:role%2FAdmin.json",
            "personal.role.arn%3ax.json",
            "per%sonal.mfa.json",
            "personal.mfa.json.123.0.tmp",
        ] {
            assert!(!Slot::is_file_name(other), "{other}");
        }
    }
}
