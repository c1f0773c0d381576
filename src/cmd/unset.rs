//! `stsenv unset` / `ec2unset`: remove every variable stsenv sets.

use super::Context;
use crate::base::error::{Result, say};
use crate::cli::Unset;
use crate::shell::assignments;

pub fn run(args: &Unset, ctx: &Context) -> Result<String> {
    let code = assignments::unset(args.shell.shell, &ctx.env)?;
    say("Keys unset");
    Ok(code)
}
