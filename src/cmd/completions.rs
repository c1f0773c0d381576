//! `stsenv completions SHELL`: the clap_complete script for the stsenv command.

use clap::CommandFactory;

use crate::cli::{Cli, Completions};
use crate::error::{Result, usage};
use crate::shell::Shell;

pub fn run(args: &Completions) -> Result<String> {
    if args.shell == Shell::Nu {
        return Err(usage(
            "stsenv completions nu: there is no completion script for nushell; the module of \
             `stsenv init nu` completes the functions' account and role names",
        ));
    }
    Ok(script(args.shell))
}

/// The completion script; `completions/` holds these, checked by a test.
pub fn script(shell: Shell) -> String {
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Nu => unreachable!("no clap_complete generator for nushell"),
    };
    let mut out = Vec::new();
    clap_complete::generate(generator, &mut Cli::command(), "stsenv", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}
