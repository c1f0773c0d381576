//! `stsenv role` / `ec2role`: AssumeRole, chained from a valid MFA session (made first when
//! there is none); cached per account and role.

use serde_json::json;

use super::Context;
use crate::aws::assume_role::RoleSettings;
use crate::aws::session_policy::PolicySource;
use crate::base::credentials::Kind;
use crate::base::error::{Result, say};
use crate::base::times::{format_left, rfc3339};
use crate::cli::{Role, RoleFormat};
use crate::engine::escalation::{Engine, Granted, Request, Want};
use crate::engine::target::Target;
use crate::secrets::mfa_code::Source;
use crate::shell::assignments;

pub fn run(args: &Role, ctx: &Context) -> Result<String> {
    let Some(role) = args.role.as_deref() else { return list(args, ctx) };
    // A profile that cannot be written is refused before any prompt or STS call.
    let profile = super::profile_request(ctx, &args.profile)?;
    let code = Source::from_args(args.code.as_deref(), &ctx.env)?;
    let mut flags = RoleSettings {
        arn: role.to_owned(),
        session_name: args.session_name.clone(),
        external_id: args.external_id.clone(),
        source_identity: args.source_identity.clone(),
        transitive_tags: args.transitive_tags.clone(),
        policy: args.policies.policy.as_deref().map(PolicySource::parse),
        policy_arns: args.policies.policy_arns.clone(),
        ..RoleSettings::default()
    };
    flags.add_tag_flags(&args.tags).map_err(crate::base::error::usage)?;
    let mut req = Request::new(args.account.clone(), Want::Role(flags), code);
    req.force = args.force;
    req.duration = args.duration;
    let assumed = Engine::new(ctx).credentials(&req, ctx.now)?;
    if let Some(made) = assumed.new_session_summary(ctx.now) {
        say(made);
    }
    say(assumed.summary(ctx.now));
    shorter_than_asked(&assumed, role, args, ctx);
    let (target, entry) = (&assumed.target, &assumed.entry);
    let role_name = assumed.role_name.as_deref().unwrap_or_default();
    let description = format!("role {role_name} of stsenv account {}", target.name);
    super::write_profile(profile.as_ref(), entry, &description)?;
    let c = &entry.credentials;
    match args.format {
        RoleFormat::Json => {
            let value = json!({
                "access_key": c.access_key_id.text(),
                "secret_key": c.secret_access_key.text(),
                "session_token": c.session_token.as_ref().map(crate::base::credentials::Secret::text),
                "expiration": rfc3339(entry.expiration),
            });
            Ok(format!("{}\n", serde_json::to_string_pretty(&value).unwrap_or_default()))
        }
        RoleFormat::Shell => {
            let switch = assignments::Switch {
                account: &target.name,
                kind: Kind::Role,
                role: Some(role_name),
                credentials: c,
                region: target.account_region(),
            };
            let code = assignments::switch(args.shell.shell, &switch, &ctx.env)?;
            say(format!("Set keys for {} AWS account", Kind::Role.label(&target.name, Some(role_name))));
            Ok(code)
        }
    }
}

/// `ec2role` alone: the account's roles, as `Possible accounts` lists the accounts.
fn list(args: &Role, ctx: &Context) -> Result<String> {
    let target = Target::resolve(ctx, args.account.as_deref(), "ec2role --account")?;
    let account = target.account("ec2role")?;
    let roles = account.describe_roles();
    if roles.is_empty() {
        say(format!(
            "Possible roles of account {}: none in the accounts file; ec2role NAME assumes {}role/NAME, or name them in \"roles\": {{\"admin\": \"arn:...:role/Admin\"}}",
            target.name, account.arn
        ));
    } else {
        say(format!("Possible roles of account {}: {}", target.name, roles.join(", ")));
    }
    Ok(String::new())
}

/// Cached credentials reused although `--duration` asked for more than they have left: say so,
/// and how to get new ones.
fn shorter_than_asked(assumed: &Granted, typed: &str, args: &Role, ctx: &Context) {
    let Some(duration) = args.duration else { return };
    let left = assumed.entry.seconds_left(ctx.now);
    if assumed.fresh || left >= i64::from(duration) {
        return;
    }
    let role = assumed.role_name.as_deref().unwrap_or(typed);
    say(format!(
        "Reusing the cached credentials of role {role} ({} left, less than --duration {duration}); ec2role {typed} --force --duration {duration} gets new ones",
        format_left(left)
    ));
}
