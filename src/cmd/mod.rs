//! One file per subcommand; `run` dispatches. Each returns what goes to stdout, printed only
//! once the whole command has succeeded, so on any error stdout stays empty.

mod completions;
mod credential_process;
mod init;
mod list;
mod mfa;
mod now;
mod role;
mod switch;
mod unset;

use std::path::PathBuf;

use time::OffsetDateTime;

use crate::accounts::Accounts;
use crate::cache::Cache;
use crate::cli::{Cli, Command};
use crate::env::Env;
use crate::error::Result;
use crate::keys::KeyDir;

/// What every command may read: the environment, the global flags and the time.
pub struct Context {
    pub env: Env,
    pub config: Option<PathBuf>,
    pub creds_dir: Option<PathBuf>,
    pub now: OffsetDateTime,
}

impl Context {
    pub fn key_dir(&self) -> KeyDir {
        KeyDir::locate(self.creds_dir.as_deref(), &self.env)
    }

    pub fn accounts(&self) -> Result<Accounts> {
        Accounts::load(self.config.as_deref(), &self.env)
    }

    pub fn cache(&self) -> Cache {
        Cache::locate(&self.env)
    }
}

/// `stsenv now`, for the fast path of main that skips clap: it reads the environment alone.
pub fn now(args: &crate::cli::Now, env: Env, now: OffsetDateTime) -> String {
    now::output(args, &env, now)
}

/// Run a parsed command line; the result is what to print on stdout.
pub fn run(cli: Cli, env: Env, now: OffsetDateTime) -> Result<String> {
    let ctx = Context { env, config: cli.config, creds_dir: cli.creds_dir, now };
    match cli.command {
        Command::Init(args) => init::run(&args),
        Command::Switch(args) => switch::run(&args, &ctx),
        Command::Mfa(args) => mfa::run(&args, &ctx),
        Command::Role(args) => role::run(&args, &ctx),
        Command::Now(args) => now::run(&args, &ctx),
        Command::Unset(args) => unset::run(&args, &ctx),
        Command::List(args) => list::run(&args, &ctx),
        Command::CredentialProcess(args) => credential_process::run(&args, &ctx),
        Command::Completions(args) => completions::run(&args),
    }
}
