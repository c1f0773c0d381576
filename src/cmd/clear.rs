//! `stsenv clear [ACCOUNT] [--role ROLE]` (`ec2clear`): remove cached sessions, an account's,
//! one role's, or all, under their locks. The shell's own variables stay (`ec2unset` removes
//! them).

use super::Context;
use crate::base::error::{self, Result, say};
use crate::base::names;
use crate::cli::Clear;
use crate::store::slot::{RoleSlot, Slot};

pub fn run(args: &Clear, ctx: &Context) -> Result<String> {
    let cache = ctx.cache()?;
    let (removed, whose) = match &args.account {
        None => (cache.clear(None, None)?, "any account".to_owned()),
        Some(name) => {
            if !names::is_valid(name) {
                return Err(error::usage(names::invalid_message(name)));
            }
            match &args.role {
                Some(role) => {
                    let accounts = ctx.accounts()?;
                    let account = accounts.require(name, "--role")?;
                    account.check_role(role)?;
                    let arn = account.role_arn(role);
                    // Every cached entry of the role, whatever its session name, tags or MFA.
                    let slot = Slot::Role(RoleSlot { arn, ..RoleSlot::default() });
                    (cache.clear(Some(name), Some(&slot))?, format!("role {role} of account {name}"))
                }
                None => (cache.clear(Some(name), None)?, format!("account {name}")),
            }
        }
    };
    match removed.len() {
        0 => say(format!("No cached sessions of {whose} in {}", cache.dir.display())),
        1 => say(format!("Removed 1 cached session of {whose}")),
        n => say(format!("Removed {n} cached sessions of {whose}")),
    }
    Ok(String::new())
}
