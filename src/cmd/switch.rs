//! `stsenv switch` / `ec2switch`: list the accounts, or set an account's cached MFA session when
//! valid, else its long-term keys.

use super::Context;
use crate::base::credentials::Kind;
use crate::base::error::{Result, say};
use crate::base::times::format_left;
use crate::cli::Switch;
use crate::shell::assignments;
use crate::store::entry::State;
use crate::store::slot::Slot;

pub fn run(args: &Switch, ctx: &Context) -> Result<String> {
    let keys = ctx.key_dir();
    let Some(typed) = &args.account else {
        // The accounts with a key_process are accounts too (a broken accounts file is reported
        // by the commands that need it).
        let names = keys.names_with(&ctx.accounts().unwrap_or_default())?;
        if names.is_empty() {
            say(format!(
                "Possible accounts: none yet; add NAME.access_key and NAME.secret_key to {}",
                keys.path.display()
            ));
        } else {
            say(format!("Possible accounts: {}", names.join(" ")));
        }
        return Ok(String::new());
    };
    let accounts = ctx.accounts()?;
    let name = keys.resolve_in(typed, &accounts)?;
    let region = accounts.find(&name).and_then(|a| a.region.as_deref());
    let shell = args.shell.shell;

    // Everything that can fail happens before any message, so an error is one line.
    let (credentials, kind, cache_message) = match ctx.cache()?.state(&name, &Slot::Mfa, ctx.now) {
        State::Valid(entry) => {
            let left = format_left(entry.seconds_left(ctx.now));
            (entry.credentials, Kind::Mfa, format!("Cache is valid for account {name} ({left} left)"))
        }
        state => {
            let what = if matches!(state, State::Expired(_)) { "expired" } else { "not present" };
            let long_term =
                crate::secrets::long_term::keys(&keys, accounts.find(&name), &name, &ctx.env, false)?;
            (long_term, Kind::Keys, format!("Cache {what} for account {name}"))
        }
    };
    let switch = assignments::Switch { account: &name, kind, role: None, credentials: &credentials, region };
    let code = assignments::switch(shell, &switch, &ctx.env)?;
    say(cache_message);
    say(format!("Set keys for {} AWS account", kind.label(&name, None)));
    Ok(code)
}
