//! `stsenv unset` / `ec2unset`: remove every variable stsenv sets.

use super::Context;
use crate::cli::Unset;
use crate::emit;
use crate::error::{Result, say};

pub fn run(args: &Unset, ctx: &Context) -> Result<String> {
    let code = emit::unset(args.shell.shell, &ctx.env)?;
    say("Keys unset");
    Ok(code)
}
