//! Every command-line type, in one file (completions are generated from it).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::shell::Shell;

#[derive(Debug, Parser)]
#[command(
    name = "stsenv",
    version,
    about = "Switch AWS accounts and escalate to MFA sessions in bash, zsh and fish",
    after_help = "Load the shell functions with: eval \"$(stsenv init bash)\" (or zsh), or: stsenv init fish | source"
)]
pub struct Cli {
    /// The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json,
    /// /etc/default/aws-sts-helpers/accounts.json)
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)
    #[arg(long = "creds-dir", global = true, value_name = "DIR")]
    pub creds_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the shell functions (ec2switch, ec2mfa, ec2role, ec2now, ec2unset, stsenv_prompt)
    Init(Init),
    /// Set an account's cached MFA session if valid, else its long-term keys (ec2switch)
    Switch(Switch),
    /// Show which keys are set, from the environment alone (ec2now)
    Now(Now),
    /// Remove every variable stsenv sets (ec2unset)
    Unset(Unset),
    /// List the accounts, their keys and cached sessions
    List(List),
    /// Print the completion script of the stsenv command
    Completions(Completions),
}

#[derive(Debug, Args)]
pub struct Init {
    /// The shell to print the functions for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The shell whose code to print (the wrappers pass it).
#[derive(Debug, Args)]
pub struct ShellArg {
    /// The shell that evaluates the output
    #[arg(long, value_enum, default_value = "bash")]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct Switch {
    /// The account to switch to; without it, list the accounts
    pub account: Option<String>,
    #[command(flatten)]
    pub shell: ShellArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NowFormat {
    /// Sentences for a person
    Text,
    /// A short segment for a prompt, like `personal:mfa 11h58m` (empty when nothing is set)
    Prompt,
    /// A JSON object for scripts
    Json,
}

#[derive(Debug, Args)]
pub struct Now {
    #[arg(long, value_enum, default_value = "text")]
    pub format: NowFormat,
}

#[derive(Debug, Args)]
pub struct Unset {
    #[command(flatten)]
    pub shell: ShellArg,
}

#[derive(Debug, Args)]
pub struct List {
    /// One account name a line (for completion)
    #[arg(long)]
    pub names: bool,
}

#[derive(Debug, Args)]
pub struct Completions {
    /// The shell to print the completion script for
    #[arg(value_enum)]
    pub shell: Shell,
}
