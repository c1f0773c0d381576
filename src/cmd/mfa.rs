//! `stsenv mfa` / `ec2mfa`: escalate to an MFA session (GetSessionToken with the long-term
//! keys), reusing a valid cached one, and switch the shell to it.

use super::Context;
use crate::accounts::{DEFAULT_SESSION_DURATION, SESSION_DURATION};
use crate::cache::{Entry, Slot};
use crate::cli::Mfa;
use crate::credentials::{Kind, format_left};
use crate::emit;
use crate::error::{self, Result, say};
use crate::escalate::{Target, cached_or_fetch};
use crate::mfa_code::Source;
use crate::rotate;
use crate::sts::{self, Sts};

/// What `ec2mfa` and `stsenv exec` ask for.
pub struct SessionRequest<'a> {
    /// The account (default: `$STSENV_ACCOUNT`).
    pub account: Option<&'a str>,
    /// `-c`: a code, or `skip`.
    pub code: Option<&'a str>,
    pub force: bool,
    pub duration: Option<u32>,
}

/// A valid session of an account, cached or new.
pub struct Session {
    pub target: Target,
    pub entry: Entry,
    /// `Mfa`, or `Session` for `-c skip`.
    pub kind: Kind,
    /// Whether STS was called (else the cache was valid).
    pub fresh: bool,
}

impl Session {
    /// `New session for account personal, valid for 12h00m` (or the cache's time left).
    pub fn report(&self, ctx: &Context) {
        let left = format_left(self.entry.seconds_left(ctx.now));
        let name = &self.target.name;
        if self.fresh {
            say(format!("New session for account {name}, valid for {left}"));
        } else {
            say(format!("Cache is valid for account {name} ({left} left; --force gets a new session)"));
        }
    }
}

/// The account's session: a valid cached one (unless `force`), else GetSessionToken with the
/// long-term keys and an MFA code from wherever `mfa_code` finds one.
pub fn session(req: &SessionRequest, ctx: &Context) -> Result<Session> {
    // Everything the user typed is checked before any network call.
    let source = Source::from_args(req.code, &ctx.env)?;
    let target = Target::resolve(ctx, req.account, "ec2mfa")?;
    let entry = target.accounts.find(&target.name);
    let duration =
        req.duration.or(entry.and_then(|a| a.duration_seconds)).unwrap_or(DEFAULT_SESSION_DURATION);
    if !SESSION_DURATION.contains(&duration) {
        return Err(error::usage(format!(
            "--duration {duration} is out of range: GetSessionToken allows 900 to 129600 seconds"
        )));
    }
    let (slot, kind) = match source {
        Source::Skip => (Slot::Session, Kind::Session),
        _ => (Slot::Mfa, Kind::Mfa),
    };
    // An MFA session needs the account's entry (its ARN, maybe its serial).
    let account = match kind {
        Kind::Mfa => Some(target.account("ec2mfa")?),
        _ => None,
    };
    let keys = ctx.key_dir();
    let source = source.or_automatic(entry, &keys, &target.name, &ctx.env)?;
    let (session, fresh) = cached_or_fetch(&ctx.cache(), &target.name, &slot, req.force, ctx.now, || {
        let long_term = target.keys(ctx)?;
        let device = account.map(|account| target.device(account, &long_term, ctx)).transpose()?;
        let code = source.code(device.as_ref().map_or(&target.user, |d| &d.user))?;
        let mfa = match (&device, &code) {
            (Some(device), Some(code)) => Some(sts::Mfa { serial: &device.serial, code }),
            _ => None,
        };
        Sts::new(&long_term, &target.region, &ctx.env)?.get_session_token(duration, mfa).map_err(|e| {
            match &device {
                Some(device) => device.explain(e, &target.name),
                None => e,
            }
        })
    })?;
    Ok(Session { target, entry: session, kind, fresh })
}

pub fn run(args: &Mfa, ctx: &Context) -> Result<String> {
    // A profile that cannot be written is refused before any prompt or STS call.
    let profile = ctx.profile_request(&args.profile)?;
    let req = SessionRequest {
        account: args.account.as_deref(),
        code: args.code.as_deref(),
        force: args.force,
        duration: args.duration,
    };
    let session = session(&req, ctx)?;
    session.report(ctx);
    let Session { target, entry, kind, .. } = &session;
    let description = match kind {
        Kind::Mfa => format!("MFA session of stsenv account {}", target.name),
        _ => format!("session without MFA of stsenv account {}", target.name),
    };
    super::write_profile(profile.as_ref(), entry, &description)?;
    let switch = emit::Switch {
        account: &target.name,
        kind: *kind,
        role: None,
        credentials: &entry.credentials,
        region: target.account_region(),
    };
    let code = emit::switch(args.shell.shell, &switch, &ctx.env)?;
    if args.rotate_keys {
        let done = rotate::rotate(ctx, target).map_err(|e| error::Error {
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
