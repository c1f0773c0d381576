//! `stsenv clear [ACCOUNT] [--role ROLE]` (`ec2clear`): remove cached sessions, an account's,
//! one role's, or all, under their locks. When the shell's own session (its `STSENV_ACCOUNT`,
//! `STSENV_KIND` and `STSENV_ROLE`) is among them, `--shell SHELL` (the function `ec2clear`)
//! prints the code that unsets it, as `ec2unset` does; without it, stsenv says the shell's
//! variables stay until `ec2unset`.

use super::Context;
use crate::aws::arn;
use crate::base::env::Env;
use crate::base::error::{self, Result, say};
use crate::base::names;
use crate::cli::Clear;
use crate::shell::assignments;
use crate::store::slot::{RoleSlot, Slot};

/// What was cleared: every account's sessions, one account's, or one role's (by ARN).
enum Cleared<'a> {
    All,
    Account(&'a str),
    Role(&'a str, String),
}

impl Cleared<'_> {
    /// Whether the session the shell holds (from its variables) is among the cleared ones.
    fn holds(&self, env: &Env) -> Option<String> {
        env.aws_access_key_id()?;
        let account = env.stsenv_account()?;
        let kind = env.stsenv_kind()?;
        if kind != "mfa" && kind != "role" {
            return None;
        }
        let ours = match self {
            Cleared::All => true,
            Cleared::Account(name) => *name == account,
            Cleared::Role(name, role_arn) => {
                *name == account && kind == "role" && env.stsenv_role() == Some(arn::role_name(role_arn))
            }
        };
        ours.then(|| account.to_owned())
    }
}

pub fn run(args: &Clear, ctx: &Context) -> Result<String> {
    let cache = ctx.cache()?;
    let (removed, whose, cleared) = match &args.account {
        None => (cache.clear(None, None)?, "any account".to_owned(), Cleared::All),
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
                    let slot = Slot::Role(RoleSlot { arn: arn.clone(), ..RoleSlot::default() });
                    (
                        cache.clear(Some(name), Some(&slot))?,
                        format!("role {role} of account {name}"),
                        Cleared::Role(name, arn),
                    )
                }
                None => (cache.clear(Some(name), None)?, format!("account {name}"), Cleared::Account(name)),
            }
        }
    };
    match removed.len() {
        0 => say(format!("No cached sessions of {whose} in {}", cache.dir.display())),
        1 => say(format!("Removed 1 cached session of {whose}")),
        n => say(format!("Removed {n} cached sessions of {whose}")),
    }
    // The shell's own session was cleared: the function unsets it; run directly, say so.
    let Some(account) = cleared.holds(&ctx.env) else {
        return Ok(String::new());
    };
    match args.shell {
        Some(shell) => {
            let code = assignments::unset(shell, &ctx.env)?;
            say(format!("Keys unset: this shell held the cleared session of account {account}"));
            Ok(code)
        }
        None => {
            say(format!(
                "This shell's variables (the session of account {account}) stay until ec2unset; the function ec2clear unsets them too"
            ));
            Ok(String::new())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shells_own_session_is_the_cleared_one() {
        let env = |kind: &str, role: &str| {
            Env::from_pairs([
                ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"),
                ("STSENV_ACCOUNT", "work"),
                ("STSENV_KIND", kind),
                ("STSENV_ROLE", role),
            ])
        };
        let admin = "arn:aws:iam::123456789012:role/ops/Admin".to_owned();
        let role = Cleared::Role("work", admin.clone());
        assert_eq!(role.holds(&env("role", "Admin")).as_deref(), Some("work"));
        assert_eq!(role.holds(&env("role", "ReadOnly")), None);
        assert_eq!(role.holds(&env("mfa", "")), None, "a role's clearing leaves the MFA session");
        assert_eq!(Cleared::Role("personal", admin).holds(&env("role", "Admin")), None);
        assert_eq!(Cleared::Account("work").holds(&env("role", "Admin")).as_deref(), Some("work"));
        assert_eq!(Cleared::Account("personal").holds(&env("mfa", "")), None);
        assert_eq!(Cleared::All.holds(&env("mfa", "")).as_deref(), Some("work"));
        assert_eq!(Cleared::All.holds(&env("keys", "")), None, "long-term keys are no session");
        assert_eq!(
            Cleared::All.holds(&Env::from_pairs([("STSENV_ACCOUNT", "work"), ("STSENV_KIND", "mfa")])),
            None
        );
    }
}
