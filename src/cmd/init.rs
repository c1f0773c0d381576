//! `stsenv init SHELL`: print the wrapper functions.

use crate::cli::Init;
use crate::error::Result;

pub fn run(args: &Init) -> Result<String> {
    Ok(args.shell.init_script().to_owned())
}
