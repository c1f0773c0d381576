//! `stsenv credential-process ACCOUNT [--role ROLE]`: the `credential_process` JSON (Version 1)
//! of a valid cached session, so SDKs and the AWS CLI use it through `~/.aws/config`.

use serde_json::json;

use super::Context;
use crate::cache::Slot;
use crate::cli::CredentialProcess;
use crate::engine::{Engine, RoleParams};
use crate::error::{self, Result};
use crate::names;
use crate::times::rfc3339;

pub fn run(args: &CredentialProcess, ctx: &Context) -> Result<String> {
    if !names::is_valid(&args.account) {
        return Err(error::usage(names::invalid_message(&args.account)));
    }
    let name = &args.account;
    let (slot, command) = match &args.role {
        Some(role) => {
            let params = RoleParams { role: role.clone(), ..RoleParams::default() };
            let slot = Engine::new(ctx).role_slot(Some(name), &params, true)?;
            (slot, format!("stsenv role --account {name} {role}"))
        }
        None => (Slot::Mfa, format!("ec2mfa {name}")),
    };
    let Some(entry) = ctx.cache().valid(name, &slot, ctx.now) else {
        return Err(error::usage(format!(
            "no valid cached session for account {name}{}; run: {command}",
            args.role.as_deref().map(|r| format!(" and role {r}")).unwrap_or_default()
        )));
    };
    let c = &entry.credentials;
    let text = |s: &crate::credentials::Secret| String::from_utf8_lossy(s.expose()).into_owned();
    let value = json!({
        "Version": 1,
        "AccessKeyId": text(&c.access_key_id),
        "SecretAccessKey": text(&c.secret_access_key),
        "SessionToken": c.session_token.as_ref().map(text),
        "Expiration": rfc3339(entry.expiration),
    });
    Ok(format!("{value}\n"))
}
