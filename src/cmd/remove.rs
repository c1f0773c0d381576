//! `stsenv remove ACCOUNT [--yes]`: take an account out of stsenv. Its entry leaves the
//! accounts file (every other byte kept), its key files and lock files leave the key directory
//! (listed first, asked on the terminal; `--yes` without one), its cached sessions the cache.
//! What stays is said: the MFA device and the access key in AWS, profiles of the AWS files.

use super::Context;
use crate::admin::account_removal;
use crate::admin::account_setup::Place;
use crate::base::error::{self, Result, say};
use crate::cli::Remove;

pub fn run(args: &Remove, ctx: &Context) -> Result<String> {
    let place = Place::locate(ctx.key_dir(), ctx.accounts_flag.as_deref(), &ctx.env)?;
    let plan = account_removal::plan(place, &args.account)?;
    let name = &plan.name;
    // Refused before anything is shown: one line, nothing changed.
    if !args.yes && !crate::secrets::prompt::has_terminal() {
        return Err(error::usage(format!(
            "no terminal to ask on: pass --yes to remove account {name} without asking (nothing was changed)"
        )));
    }
    say(format!("Removing account {name}:"));
    match &plan.rewrite {
        Some(_) => say(format!("  its entry in {}", plan.accounts_path.display())),
        None => say(format!("  (it has no entry in {})", plan.accounts_path.display())),
    }
    let files: Vec<_> = plan.removable().collect();
    if !files.is_empty() {
        say(format!("  its files in {}:", plan.key_dir.path.display()));
        for file in &files {
            say(format!("    {}", file.path.display()));
        }
    }
    say("  its cached sessions");
    if !args.yes {
        let question = match files.len() {
            0 => format!("Remove account {name}? [y/N]"),
            1 => "Remove this file? [y/N]".to_owned(),
            n => format!("Remove these {n} files? [y/N]"),
        };
        match crate::secrets::prompt::confirm(&question)? {
            Some(true) => {}
            Some(false) => return Err(error::usage(format!("not removed: account {name} is as it was"))),
            None => {
                return Err(error::usage(format!(
                    "no terminal to ask on: pass --yes to remove account {name} without asking (nothing was changed)"
                )));
            }
        }
    }
    let done = account_removal::carry_out(&plan, ctx.cache())?;
    let mut what = Vec::new();
    if done.entry {
        what.push("its accounts entry".to_owned());
    }
    what.push(count(done.files, "file"));
    what.push(count(done.sessions, "cached session"));
    say(format!("Removed account {name}: {}", what.join(", ")));
    for line in account_removal::left(&plan, &ctx.env) {
        say(format!("Left: {line}"));
    }
    Ok(String::new())
}

fn count(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}
