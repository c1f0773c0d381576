//! `stsenv mfa` / `ec2mfa`: escalate to an MFA session (GetSessionToken with the long-term
//! keys), reusing a valid cached one, and switch the shell to it.

use super::Context;
use crate::accounts::{DEFAULT_SESSION_DURATION, SESSION_DURATION};
use crate::cache::Slot;
use crate::cli::Mfa;
use crate::credentials::{Kind, format_left};
use crate::emit;
use crate::error::{self, Result, say};
use crate::escalate::{Target, cached_or_fetch};
use crate::mfa_code::Source;
use crate::sts::{self, Sts};

pub fn run(args: &Mfa, ctx: &Context) -> Result<String> {
    // Everything the user typed is checked before any network call.
    let source = Source::from_args(args.code.as_deref(), &ctx.env)?;
    let target = Target::resolve(ctx, args.account.as_deref(), "ec2mfa")?;
    let entry = target.accounts.find(&target.name);
    let duration =
        args.duration.or(entry.and_then(|a| a.duration_seconds)).unwrap_or(DEFAULT_SESSION_DURATION);
    if !SESSION_DURATION.contains(&duration) {
        return Err(error::usage(format!(
            "--duration {duration} is out of range: GetSessionToken allows 900 to 129600 seconds"
        )));
    }
    let (slot, kind) = match source {
        Source::Skip => (Slot::Session, Kind::Session),
        _ => (Slot::Mfa, Kind::Mfa),
    };
    let serial = match kind {
        Kind::Mfa => Some(target.account("ec2mfa")?.mfa_serial(&target.user)),
        _ => None,
    };
    let profile = ctx.profile_request(&args.profile)?;
    let keys = ctx.key_dir();
    let (session, fresh) = cached_or_fetch(&ctx.cache(), &target.name, &slot, args.force, ctx.now, || {
        let long_term = keys.keys(&target.name)?;
        let code = source.code(&target.user)?;
        let mfa = match (&serial, &code) {
            (Some(serial), Some(code)) => Some(sts::Mfa { serial, code }),
            _ => None,
        };
        Sts::new(&long_term, &target.region, &ctx.env)?.get_session_token(duration, mfa)
    })?;
    let left = format_left(session.seconds_left(ctx.now));
    if fresh {
        say(format!("New session for account {}, valid for {left}", target.name));
    } else {
        say(format!("Cache is valid for account {} ({left} left; --force gets a new session)", target.name));
    }
    let description = match kind {
        Kind::Mfa => format!("MFA session of stsenv account {}", target.name),
        _ => format!("session without MFA of stsenv account {}", target.name),
    };
    super::write_profile(profile.as_ref(), &session, &description)?;
    let region = entry.and_then(|a| a.region.as_deref());
    let switch =
        emit::Switch { account: &target.name, kind, role: None, credentials: &session.credentials, region };
    let code = emit::switch(args.shell.shell, &switch, &ctx.env);
    say(format!("Set keys for {} AWS account", kind.label(&target.name, None)));
    Ok(code)
}
