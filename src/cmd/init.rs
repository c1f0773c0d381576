//! `stsenv init SHELL`: print the wrapper functions.

use crate::base::error::Result;
use crate::cli::Init;

pub fn run(args: &Init) -> Result<String> {
    Ok(args.shell.init_script().to_owned())
}
