//! The shells stsenv emits code for, and their wrapper scripts (embedded from `shell/`).
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
