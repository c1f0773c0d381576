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
use crate::sts::{self, Sts};

/// AssumeRole's allowed durations, in seconds.
pub const ROLE_DURATION: std::ops::RangeInclusive<u32> = 900..=43_200;
/// The most AWS allows for a role assumed with session credentials (role chaining).
pub const CHAINED_MAX: u32 = 3600;

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
    if let Some(d) = req.duration
        && !ROLE_DURATION.contains(&d)
    {
        return Err(error::usage(format!(
            "--duration {d} is out of range: AssumeRole allows 900 to 43200 seconds"
        )));
    }
    if let Some(name) = req.session_name {
        check_session_name(name)?;
    }
    let target = Target::resolve(ctx, req.account, "ec2role --account")?;
    let account = target.account("ec2role")?;
    let role_arn = account.role_arn(req.role);
    let role_name = role_arn.rsplit('/').next().unwrap_or(&role_arn).to_owned();
    let session_name = req.session_name.map_or_else(|| default_session_name(&target.user), str::to_owned);
    let cache = ctx.cache();
    let keys = ctx.key_dir();
    let source = source.or_automatic(Some(account), &keys, &target.name, &ctx.env)?;
    let slot = Slot::Role(role_arn.clone());
    let (entry, fresh) = cached_or_fetch(&cache, &target.name, &slot, req.force, ctx.now, || {
        if let Some(session) = cache.valid(&target.name, &Slot::Mfa, ctx.now) {
            let duration = req.duration.unwrap_or(CHAINED_MAX);
            if duration > CHAINED_MAX {
                say(format!(
                    "Assuming {role_name} from the MFA session of {} (role chaining): AWS allows at most 3600 s, not {duration}",
                    target.name
                ));
            }
            let sts = Sts::new(&session.credentials, &target.region, &ctx.env)?;
            sts.assume_role(&role_arn, &session_name, duration.min(CHAINED_MAX), req.external_id, None)
        } else {
            let long_term = target.keys(ctx)?;
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
            let duration = req.duration.unwrap_or(CHAINED_MAX);
            let sts = Sts::new(&long_term, &target.region, &ctx.env)?;
            sts.assume_role(&role_arn, &session_name, duration, req.external_id, mfa).map_err(|e| {
                match &device {
                    Some(device) => device.explain(e, &target.name),
                    None => e,
                }
            })
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

fn check_session_name(name: &str) -> Result<()> {
    let ok = crate::names::is_iam_name(name, 2..=64);
    if ok {
        Ok(())
    } else {
        Err(error::usage(format!(
            "--session-name '{}' is not allowed: use 2 to 64 letters, digits and +=,.@_-",
            name.escape_default()
        )))
    }
}
