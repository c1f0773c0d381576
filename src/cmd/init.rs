//! `stsenv init SHELL`: print the wrapper functions. Without a shell: the shells it takes and
//! the line to add to each one's startup file, the user's own shell first, on stderr, then a
//! one-line error (exit 2, so that an `eval "$(stsenv init)"` changes nothing).

use super::Context;
use crate::base::error::{Result, say, usage};
use crate::cli::Init;
use crate::shell::Shell;
use crate::sys::parent_process;

pub fn run(args: &Init, ctx: &Context) -> Result<String> {
    match args.shell {
        Some(shell) => Ok(shell.init_script().to_owned()),
        None => {
            let users = Shell::of_user(parent_process::program_name().as_deref(), ctx.env.login_shell());
            say(shells(users));
            Err(usage(
                "init: name the shell: stsenv init bash, zsh, fish or nu (its line above goes in its startup file)",
            ))
        }
    }
}

/// One line per shell, `users` first: the startup file and the line to add to it.
fn shells(users: Shell) -> String {
    let mut order = vec![users];
    order.extend([Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Nu].into_iter().filter(|s| *s != users));
    let mut out =
        String::from("The shells stsenv init takes, and the line to add to each one's startup file:");
    for shell in order {
        let (file, line) = match shell {
            Shell::Bash => ("~/.bashrc", "eval \"$(stsenv init bash)\""),
            Shell::Zsh => ("~/.zshrc", "eval \"$(stsenv init zsh)\""),
            Shell::Fish => ("~/.config/fish/config.fish", "stsenv init fish | source"),
            Shell::Nu => (
                "config.nu",
                "source stsenv.nu   (made once by: stsenv init nu | save -f ($nu.default-config-dir | path join stsenv.nu))",
            ),
        };
        let yours = if shell == users { "   (your shell)" } else { "" };
        out.push_str(&format!("\n  {:<5} {file}: {line}{yours}", shell.name()));
    }
    out
}
