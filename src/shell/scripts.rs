//! The shells stsenv emits code for, and every script stsenv prints for them, embedded from
//! `shell/`: the wrapper functions (`stsenv init`) and the completion hooks.
//! bash, zsh and fish `eval` what stsenv prints; nushell, which cannot, applies it as data.

use clap::ValueEnum;

/// A shell whose wrapper functions apply what stsenv prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Nu,
}

impl Shell {
    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
            Shell::Nu => "nu",
        }
    }

    /// The shell a program name (`bash`, `-zsh` for a login shell, `/usr/bin/fish`) is, if any.
    pub fn of_program(program: &str) -> Option<Shell> {
        let name = program.rsplit('/').next().unwrap_or(program).trim_start_matches('-');
        match name {
            "bash" => Some(Shell::Bash),
            "zsh" => Some(Shell::Zsh),
            "fish" => Some(Shell::Fish),
            "nu" => Some(Shell::Nu),
            _ => None,
        }
    }

    /// The shell the user is typing in: the parent process when it is one of the four shells,
    /// else the login shell (`$SHELL`), else bash.
    pub fn of_user(parent: Option<&str>, login_shell: Option<&str>) -> Shell {
        parent
            .and_then(Shell::of_program)
            .or_else(|| login_shell.and_then(Shell::of_program))
            .unwrap_or(Shell::Bash)
    }
}

impl Shell {
    /// The wrapper functions for this shell (from `shell/`, embedded).
    pub fn init_script(self) -> &'static str {
        match self {
            Shell::Bash => include_str!("../../shell/stsenv.bash"),
            Shell::Zsh => include_str!("../../shell/stsenv.zsh"),
            Shell::Fish => include_str!("../../shell/stsenv.fish"),
            Shell::Nu => include_str!("../../shell/stsenv.nu"),
        }
    }
}

/// The hooks `stsenv completions` appends to clap's script, templates from `shell/completion/`
/// (`@WORD@`, `@VALUES@`, `@GLOBALS@` and `@ACCOUNTS@` are filled in by `stsenv completions`).
pub mod completion {
    /// The body of the bash and zsh hooks' loop over the words before the cursor (the same in
    /// both shells): take one as the value of the option before it, or as an option, the
    /// subcommand or a positional argument.
    pub const WORD: &str = include_str!("../../shell/completion/word-loop.sh");
    pub const BASH_HOOK: &str = include_str!("../../shell/completion/hook.bash");
    pub const ZSH_HOOK: &str = include_str!("../../shell/completion/hook.zsh");
    pub const FISH_HOOK: &str = include_str!("../../shell/completion/hook.fish");
}
