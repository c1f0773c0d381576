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
