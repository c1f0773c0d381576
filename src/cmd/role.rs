//! `stsenv role` / `ec2role`: AssumeRole, chained from a valid MFA session when there is one,
//! else with the long-term keys and an MFA code; cached per account and role.

use serde_json::json;

use super::Context;
use crate::cache::{Slot, rfc3339};
use crate::cli::{Role, RoleFormat};
use crate::credentials::{Kind, format_left};
use crate::emit;
use crate::error::{self, Result, say};
use crate::escalate::{Target, cached_or_fetch};
use crate::mfa_code::Source;
use crate::sts::{self, Sts};

/// AssumeRole's allowed durations, in seconds.
pub const ROLE_DURATION: std::ops::RangeInclusive<u32> = 900..=43_200;
/// The most AWS allows for a role assumed with session credentials (role chaining).
pub const CHAINED_MAX: u32 = 3600;

pub fn run(args: &Role, ctx: &Context) -> Result<String> {
    let source = Source::from_args(args.code.as_deref(), &ctx.env)?;
    if let Some(d) = args.duration
        && !ROLE_DURATION.contains(&d)
    {
        return Err(error::usage(format!(
            "--duration {d} is out of range: AssumeRole allows 900 to 43200 seconds"
        )));
    }
    if let Some(name) = &args.session_name {
        check_session_name(name)?;
    }
    let target = Target::resolve(ctx, args.account.as_deref(), "ec2role --account")?;
    let account = target.account("ec2role")?;
    let role_arn = account.role_arn(&args.role);
    let role_name = role_arn.rsplit('/').next().unwrap_or(&role_arn).to_owned();
    let session_name = args.session_name.clone().unwrap_or_else(|| default_session_name(&target.user));
    let profile = ctx.profile_request(&args.profile)?;
    let cache = ctx.cache();
    let keys = ctx.key_dir();
    let slot = Slot::Role(role_arn.clone());
    let (creds, fresh) = cached_or_fetch(&cache, &target.name, &slot, args.force, ctx.now, || {
        if let Some(session) = cache.valid(&target.name, &Slot::Mfa, ctx.now) {
            let duration = args.duration.unwrap_or(CHAINED_MAX);
            if duration > CHAINED_MAX {
                say(format!(
                    "Assuming {role_name} from the MFA session of {} (role chaining): AWS allows at most 3600 s, not {duration}",
                    target.name
                ));
            }
            let sts = Sts::new(&session.credentials, &target.region, &ctx.env)?;
            sts.assume_role(
                &role_arn,
                &session_name,
                duration.min(CHAINED_MAX),
                args.external_id.as_deref(),
                None,
            )
        } else {
            let long_term = keys.keys(&target.name)?;
            let code = source.code(&target.user)?;
            let serial = account.mfa_serial(&target.user);
            let mfa = code.as_deref().map(|code| sts::Mfa { serial: &serial, code });
            let duration = args.duration.unwrap_or(CHAINED_MAX);
            let sts = Sts::new(&long_term, &target.region, &ctx.env)?;
            sts.assume_role(&role_arn, &session_name, duration, args.external_id.as_deref(), mfa)
        }
    })?;
    let left = format_left(creds.seconds_left(ctx.now));
    if fresh {
        say(format!("Assumed role {role_name} in account {}, valid for {left}", target.name));
    } else {
        say(format!("Cache is valid for role {role_name} in account {} ({left} left)", target.name));
    }
    let description = format!("role {role_name} of stsenv account {}", target.name);
    super::write_profile(profile.as_ref(), &creds, &description)?;
    let c = &creds.credentials;
    match args.format {
        RoleFormat::Json => {
            let text = |s: &crate::credentials::Secret| String::from_utf8_lossy(s.expose()).into_owned();
            let value = json!({
                "access_key": text(&c.access_key_id),
                "secret_key": text(&c.secret_access_key),
                "session_token": c.session_token.as_ref().map(text),
                "expiration": rfc3339(creds.expiration),
            });
            Ok(format!("{}\n", serde_json::to_string_pretty(&value).unwrap_or_default()))
        }
        RoleFormat::Shell => {
            let region = account.region.as_deref();
            let switch = emit::Switch {
                account: &target.name,
                kind: Kind::Role,
                role: Some(&role_name),
                credentials: c,
                region,
            };
            let code = emit::switch(args.shell.shell, &switch, &ctx.env);
            say(format!("Set keys for {} AWS account", Kind::Role.label(&target.name, Some(&role_name))));
            Ok(code)
        }
    }
}

/// `stsenv-<user>`, kept to the characters and length AWS allows.
fn default_session_name(user: &str) -> String {
    let name: String = format!("stsenv-{user}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "+=,.@_-".contains(c) { c } else { '_' })
        .take(64)
        .collect();
    name
}

fn check_session_name(name: &str) -> Result<()> {
    let ok = (2..=64).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(error::usage(format!(
            "--session-name '{}' is not allowed: use 2 to 64 letters, digits and +=,.@_-",
            name.escape_default()
        )))
    }
}
