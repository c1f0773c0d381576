//! `stsenv mfa` / `ec2mfa`: escalate to an MFA session (GetSessionToken with the long-term
//! keys), reusing a valid cached one, and switch the shell to it.

use super::Context;
use crate::accounts::{DEFAULT_SESSION_DURATION, SESSION_DURATION};
use crate::cache::Slot;
use crate::cli::Mfa;
use crate::credentials::{Kind, format_left};
use crate::discover;
use crate::emit;
use crate::error::{self, Result, say};
use crate::escalate::{Target, cached_or_fetch};
use crate::mfa_code::Source;
use crate::rotate;
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
    // The serial: mfa_serial, else <arn>mfa/<user>, else (no user name at all) asked of IAM.
    let serial = match kind {
        Kind::Mfa => Some(target.mfa_serial(target.account("ec2mfa")?)),
        _ => None,
    };
    let (session, fresh) = cached_or_fetch(&ctx.cache(), &target.name, &slot, args.force, ctx.now, || {
        let long_term = target.keys(ctx)?;
        let mut user = target.user.clone();
        let serial = match &serial {
            Some(Some((serial, from))) => Some((serial.clone(), Some(from.clone()))),
            Some(None) => {
                let (caller, devices) = discover::devices(&long_term, &target.region, &ctx.env)?;
                user = caller.user.unwrap_or_default();
                Some((discover::pick(&target.name, &user, &devices)?, None))
            }
            None => None,
        };
        let code = source.code(&user)?;
        let mfa = match (&serial, &code) {
            (Some((serial, _)), Some(code)) => Some(sts::Mfa { serial, code }),
            _ => None,
        };
        Sts::new(&long_term, &target.region, &ctx.env)?.get_session_token(duration, mfa).map_err(|e| {
            // A rejected code with a guessed serial: the serial may be the problem.
            match &serial {
                Some((serial, Some(from))) if from.starts_with("guessed") && e.message.contains("rejected") => {
                    error::Error {
                        message: format!(
                            "{}; the MFA serial {serial} was {from}: stsenv mfa-device list {} shows the real one",
                            e.message, target.name
                        ),
                        ..e
                    }
                }
                _ => e,
            }
        })
    })?;
    let left = format_left(session.seconds_left(ctx.now));
    if fresh {
        say(format!("New session for account {}, valid for {left}", target.name));
    } else {
        say(format!("Cache is valid for account {} ({left} left; --force gets a new session)", target.name));
    }
    let region = entry.and_then(|a| a.region.as_deref());
    let switch =
        emit::Switch { account: &target.name, kind, role: None, credentials: &session.credentials, region };
    let code = emit::switch(args.shell.shell, &switch, &ctx.env);
    if args.rotate_keys {
        let done = rotate::rotate(ctx, &target).map_err(|e| error::Error {
            message: format!(
                "the MFA session is cached (ec2mfa uses it), but rotating the access key failed: {}",
                e.message
            ),
            ..e
        })?;
        say(format!("Rotated the access key from {} to {}", done.old_id, done.new_id));
    }
    say(format!("Set keys for {} AWS account", kind.label(&target.name, None)));
    Ok(code)
}
