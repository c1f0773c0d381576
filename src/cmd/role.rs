//! `stsenv role` / `ec2role`: AssumeRole, chained from a valid MFA session when there is one,
//! else with the long-term keys and an MFA code; cached per account and role.

use serde_json::json;

use super::Context;
use crate::cache::{Entry, Slot, rfc3339};
use crate::cli::{Role, RoleFormat};
use crate::credentials::{Kind, format_left};
use crate::emit;
use crate::error::{self, Result, say};
use crate::escalate::{Target, cached_or_fetch};
use crate::mfa_code::Source;
use crate::role_params::{CHAINED_MAX, RoleFlags, RoleParams};
use crate::sts::{self, Sts};

/// What `ec2role` and `stsenv exec --role` ask for.
pub struct RoleRequest<'a> {
    /// A role ARN, a key of `roles`, or a role name.
    pub role: &'a str,
    /// The account (default: `$STSENV_ACCOUNT`).
    pub account: Option<&'a str>,
    /// `-c`: a code for when no MFA session is cached, or `skip`.
    pub code: Option<&'a str>,
    pub duration: Option<u32>,
    pub session_name: Option<&'a str>,
    pub external_id: Option<&'a str>,
    pub source_identity: Option<&'a str>,
    /// `--tag K=V`, repeated.
    pub tags: &'a [String],
    /// `--transitive-tag K`, repeated.
    pub transitive_tags: &'a [String],
    pub force: bool,
}

/// Role credentials, cached or new.
pub struct Assumed {
    pub target: Target,
    /// The role's name (the last part of its ARN).
    pub role_name: String,
    pub entry: Entry,
    /// Whether STS was called (else the cache was valid).
    pub fresh: bool,
}

impl Assumed {
    /// `Assumed role Admin in account personal, valid for 59m` (or the cache's time left).
    pub fn report(&self, ctx: &Context) {
        let left = format_left(self.entry.seconds_left(ctx.now));
        let (role, name) = (&self.role_name, &self.target.name);
        if self.fresh {
            say(format!("Assumed role {role} in account {name}, valid for {left}"));
        } else {
            say(format!("Cache is valid for role {role} in account {name} ({left} left)"));
        }
    }
}

/// The role's credentials: valid cached ones (unless `force`), else AssumeRole chained from a
/// valid MFA session, else with the long-term keys and an MFA code.
pub fn assume(req: &RoleRequest, ctx: &Context) -> Result<Assumed> {
    let source = Source::from_args(req.code, &ctx.env)?;
    let flags = RoleFlags {
        session_name: req.session_name,
        external_id: req.external_id,
        duration: req.duration,
        source_identity: req.source_identity,
        tags: req.tags,
        transitive_tags: req.transitive_tags,
    };
    flags.check().map_err(error::usage)?;
    let target = Target::resolve(ctx, req.account, "ec2role --account")?;
    let account = target.account("ec2role")?;
    let params = RoleParams::new(account.role(req.role), &flags, default_session_name(&target.user))
        .map_err(error::usage)?;
    let role_name = params.role_name().to_owned();
    let cache = ctx.cache();
    let keys = ctx.key_dir();
    let source = source.or_automatic(Some(account), &keys, &target.name, &ctx.env)?;
    let slot = Slot::Role(params.arn.clone());
    let (entry, fresh) = cached_or_fetch(&cache, &target.name, &slot, req.force, ctx.now, || {
        let session = cache.valid(&target.name, &Slot::Mfa, ctx.now);
        match session {
            Some(session) if !params.needs_long_term_keys() => {
                let sts = Sts::new(&session.credentials, &target.region, &ctx.env)?;
                sts.assume_role(&params, None)
            }
            _ => {
                if session.is_some() && !matches!(source, Source::Skip) {
                    say(format!(
                        "Asking for an MFA code although account {} has an MFA session: AWS limits a role assumed from a session to {CHAINED_MAX} s, and {role_name} asks for {} s, so it is assumed with the long-term keys",
                        target.name, params.duration
                    ));
                }
                let long_term = keys.keys(&target.name)?;
                // The same device lookup as ec2mfa's (none for `-c skip`).
                let device = match source {
                    Source::Skip => None,
                    _ => Some(target.device(account, &long_term, ctx)?),
                };
                let code = source.code(device.as_ref().map_or(&target.user, |d| &d.user))?;
                let mfa = match (&device, &code) {
                    (Some(device), Some(code)) => Some(sts::Mfa { serial: &device.serial, code }),
                    _ => None,
                };
                let sts = Sts::new(&long_term, &target.region, &ctx.env)?;
                sts.assume_role(&params, mfa).map_err(|e| match &device {
                    Some(device) => device.explain(e, &target.name),
                    None => e,
                })
            }
        }
    })?;
    Ok(Assumed { target, role_name, entry, fresh })
}

pub fn run(args: &Role, ctx: &Context) -> Result<String> {
    // A profile that cannot be written is refused before any prompt or STS call.
    let profile = ctx.profile_request(&args.profile)?;
    let req = RoleRequest {
        role: &args.role,
        account: args.account.as_deref(),
        code: args.code.as_deref(),
        duration: args.duration,
        session_name: args.session_name.as_deref(),
        external_id: args.external_id.as_deref(),
        source_identity: args.source_identity.as_deref(),
        tags: &args.tags,
        transitive_tags: &args.transitive_tags,
        force: args.force,
    };
    let assumed = assume(&req, ctx)?;
    assumed.report(ctx);
    let Assumed { target, role_name, entry, .. } = &assumed;
    let description = format!("role {role_name} of stsenv account {}", target.name);
    super::write_profile(profile.as_ref(), entry, &description)?;
    let c = &entry.credentials;
    match args.format {
        RoleFormat::Json => {
            let text = |s: &crate::credentials::Secret| String::from_utf8_lossy(s.expose()).into_owned();
            let value = json!({
                "access_key": text(&c.access_key_id),
                "secret_key": text(&c.secret_access_key),
                "session_token": c.session_token.as_ref().map(text),
                "expiration": rfc3339(entry.expiration),
            });
            Ok(format!("{}\n", serde_json::to_string_pretty(&value).unwrap_or_default()))
        }
        RoleFormat::Shell => {
            let switch = emit::Switch {
                account: &target.name,
                kind: Kind::Role,
                role: Some(role_name),
                credentials: c,
                region: target.account_region(),
            };
            let code = emit::switch(args.shell.shell, &switch, &ctx.env);
            say(format!("Set keys for {} AWS account", Kind::Role.label(&target.name, Some(role_name))));
            Ok(code)
        }
    }
}

/// `stsenv-<user>`, kept to the characters and length AWS allows.
fn default_session_name(user: &str) -> String {
    let name: String = format!("stsenv-{user}")
        .chars()
        .map(|c| if crate::names::is_iam_char(c) { c } else { '_' })
        .take(64)
        .collect();
    name
}
