//! `stsenv credential-process ACCOUNT [--role ROLE] [--window DURATION]`: the
//! `credential_process` JSON (Version 1) of the account's MFA session or a role, so SDKs and the
//! AWS CLI use them through `~/.aws/config`. It escalates by itself: a role is assumed from a
//! valid MFA session without asking; without one, the MFA code comes from `STSENV_TOKEN_CODE`,
//! `mfa_process` or `NAME.totp`, else from a prompt on the terminal (`/dev/tty`: the SDK reads
//! stdout and stderr). Credentials with less than the window left are renewed, since SDKs call
//! the process again only when theirs are about to expire.

use super::Context;
use crate::base::error::{self, Result};
use crate::base::names;
use crate::cli::CredentialProcess;
use crate::engine::escalation::{Engine, Request, Want};
use crate::secrets::mfa_code::{Asking, Source};

pub fn run(args: &CredentialProcess, ctx: &Context) -> Result<String> {
    if !names::is_valid(&args.account) {
        return Err(error::usage(names::invalid_message(&args.account)));
    }
    let name = &args.account;
    let want = Want::of_role_flag(args.role.as_deref());
    let what = match &args.role {
        Some(role) => format!("credentials for role {role} of account {name}"),
        None => format!("session for account {name}"),
    };
    let mut req = Request::new(Some(name.clone()), want, Source::from_args(None, &ctx.env)?);
    req.window = args.window;
    // Never a command that prints credentials on the terminal.
    req.asking = Asking::Captured {
        no_terminal: format!(
            "no valid cached {what}, and no MFA code (STSENV_TOKEN_CODE, mfa_process or {name}.totp) or terminal to ask for one; run: ec2mfa {name} (roles are then assumed from that session without asking)"
        ),
    };
    let granted = Engine::new(ctx).credentials(&req, ctx.now)?;
    Ok(format!("{}\n", granted.entry.credential_process_json()))
}
