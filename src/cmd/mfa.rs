//! `stsenv mfa` / `ec2mfa`: escalate to an MFA session (GetSessionToken with the long-term
//! keys), reusing a valid cached one, and switch the shell to it.

use super::Context;
use crate::admin::rotate;
use crate::base::credentials::Kind;
use crate::base::error::{self, Result, say};
use crate::cli::Mfa;
use crate::engine::escalation::{Engine, Request, Want};
use crate::secrets::mfa_code::Source;
use crate::shell::assignments;

pub fn run(args: &Mfa, ctx: &Context) -> Result<String> {
    // A profile that cannot be written is refused before any prompt or STS call.
    let profile = super::profile_request(ctx, &args.profile)?;
    let code = Source::from_args(args.code.as_deref(), &ctx.env)?;
    let mut req = Request::new(args.account.clone(), Want::Mfa, code);
    req.force = args.force;
    req.duration = args.duration;
    let session = Engine::new(ctx).credentials(&req, ctx.now)?;
    say(session.summary(ctx.now));
    let (target, entry, kind) = (&session.target, &session.entry, session.kind);
    let description = match kind {
        Kind::Mfa => format!("MFA session of stsenv account {}", target.name),
        _ => format!("session without MFA of stsenv account {}", target.name),
    };
    super::write_profile(profile.as_ref(), entry, &description)?;
    let switch = assignments::Switch {
        account: &target.name,
        kind,
        role: None,
        credentials: &entry.credentials,
        region: target.account_region(),
    };
    let code = assignments::switch(args.shell.shell, &switch, &ctx.env)?;
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
