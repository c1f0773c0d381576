//! A federated session of the IAM user itself (GetFederationToken), for the console of a user
//! without roles, as aws-vault signs one in: signed with the long-term keys (AWS refuses session
//! credentials for this call, so no MFA session is made or used, and no code asked), never
//! cached (each sign-in gets its own, like a console link). The session has the intersection of
//! the user's own policies and the session policies sent: the one given, else one that allows
//! everything (with no policy at all a federated session may do nothing).

use crate::aws::assume_role::{RoleSettings, Written};
use crate::aws::session_policy::{self, ALLOW_ALL};
use crate::aws::sts::{FederationToken, Sts};
use crate::base::credentials::Credentials;
use crate::base::error::{self, Result};
use crate::config::accounts::DEFAULT_SESSION_DURATION;
use crate::engine::context::Context;
use crate::engine::target::{Target, UserSource};

/// The longest console session AWS gives a federated user (12 hours), although
/// GetFederationToken itself allows 36.
pub const CONSOLE_MAX: u32 = 43_200;

/// A federated session of the account's IAM user.
pub struct Federated {
    pub credentials: Credentials,
    /// What was asked for (the name, the duration, the policies sent).
    pub call: FederationToken,
    /// Whether the policy is the allow-all default (none was given).
    pub default_policy: bool,
}

/// GetFederationToken with the account's long-term keys, scoped by `policies` (their `policy`
/// and `policy_arns`; a `@FILE` from the current directory), for the account's
/// `duration_seconds` (else 12 hours) up to [`CONSOLE_MAX`]. Everything is checked before the
/// keys are read or a call is made.
pub fn federation_token(ctx: &Context, target: &Target, policies: &RoleSettings) -> Result<Federated> {
    let call = request(ctx, target, policies)?;
    let long_term = target.keys(ctx)?;
    let sts = Sts::new(&long_term, &target.region, &ctx.env)?;
    let credentials = sts.get_federation_token(&call)?;
    let default_policy = policies.policy.is_none() && policies.policy_arns.is_empty();
    Ok(Federated { credentials, call, default_policy })
}

/// The call: the federated user's name, the duration and the session policies, checked.
fn request(ctx: &Context, target: &Target, policies: &RoleSettings) -> Result<FederationToken> {
    let mut policies = policies.clone();
    policies.check(Written::Flags).map_err(error::usage)?;
    let (home, cwd) = ctx.home_and_cwd();
    policies.load_policy(Written::Flags, &cwd, &home).map_err(error::usage)?;
    let account = target.accounts.find(&target.name);
    let partition = account.map(|a| a.partition().name());
    session_policy::check_arns(&policies.policy_arns, partition, "--policy-arn").map_err(error::usage)?;
    let policy = match policies.policy {
        Some(crate::aws::session_policy::PolicySource::Json(text)) => Some(text),
        Some(_) => return Err(error::usage("the --policy file was not read")),
        None if policies.policy_arns.is_empty() => Some(ALLOW_ALL.to_owned()),
        None => None,
    };
    let duration = account.and_then(|a| a.duration_seconds).unwrap_or(DEFAULT_SESSION_DURATION);
    Ok(FederationToken {
        name: federated_name(&target.user, target.user_source),
        duration: duration.clamp(900, CONSOLE_MAX),
        policy,
        policy_arns: policies.policy_arns,
    })
}

/// The federated user's name, shown by the console and in CloudTrail: the IAM user's name (else
/// `stsenv`), in the characters and at most the 32 of them that AWS allows.
fn federated_name(user: &str, source: UserSource) -> String {
    let name: String = match source {
        UserSource::None => "stsenv".to_owned(),
        _ => {
            user.chars().map(|c| if crate::base::names::is_iam_char(c) { c } else { '_' }).take(32).collect()
        }
    };
    if name.len() < 2 { format!("stsenv-{name}") } else { name }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_aws_takes() {
        assert_eq!(federated_name("jbrowne", UserSource::Accounts), "jbrowne");
        assert_eq!(federated_name("j", UserSource::Accounts), "stsenv-j");
        assert_eq!(federated_name("a b/c", UserSource::Env("USER")), "a_b_c");
        assert_eq!(federated_name(&"x".repeat(40), UserSource::File).len(), 32);
        assert_eq!(federated_name("unknown", UserSource::None), "stsenv");
    }
}
