//! One file per subcommand; `run` dispatches. Each returns what goes to stdout, printed only
//! once the whole command has succeeded, so on any error stdout stays empty.

mod add;
mod aws_config;
mod clear;
mod completions;
mod console;
mod credential_process;
mod doctor;
mod exec;
mod export;
mod import;
mod init;
mod list;
mod mfa;
mod mfa_device;
mod now;
mod policy;
mod remove;
mod role;
mod rotate_keys;
mod switch;
mod terminal_refusal;
mod unset;

use time::OffsetDateTime;

use crate::base::env::Env;
use crate::base::error::{Result, say};
use crate::cli::{Cli, Command, WriteProfile};
use crate::store::entry::Entry;
use crate::store::shared_credentials;

pub use crate::engine::context::Context;

/// `--write-profile`, checked before any STS call or prompt: the name, the file's permissions,
/// and that the section is stsenv's to replace.
fn profile_request<'a>(
    ctx: &Context,
    args: &'a WriteProfile,
) -> Result<Option<shared_credentials::Request<'a>>> {
    let Some(name) = args.write_profile.as_deref() else { return Ok(None) };
    let request = shared_credentials::Request {
        name,
        force: args.force_profile,
        path: shared_credentials::locate(&ctx.env),
    };
    request.check()?;
    Ok(Some(request))
}

/// Write the credentials of `entry` as the requested profile, if one was requested.
pub fn write_profile(
    request: Option<&shared_credentials::Request>,
    entry: &Entry,
    description: &str,
) -> Result<()> {
    if let Some(request) = request {
        request.write(&shared_credentials::Content {
            credentials: &entry.credentials,
            expiration: entry.expiration,
            description,
        })?;
        say(format!("Wrote profile {} to {}", request.name, request.path.display()));
    }
    Ok(())
}

/// What `stsenv now` reads of the environment.
pub use now::VARIABLES as NOW_VARIABLES;

/// `stsenv now`, for the fast path of main that skips clap: it reads the environment alone.
pub fn now(args: &crate::cli::Now, env: Env, now: OffsetDateTime) -> String {
    now::output(args, &env, now)
}

/// Run a parsed command line; the result is what to print on stdout.
pub fn run(cli: Cli, env: Env, now: OffsetDateTime) -> Result<String> {
    // Before any prompt or STS call: shell code is not for a terminal.
    terminal_refusal::check(&cli.command, &env)?;
    let ctx = Context { env, accounts_flag: cli.config, key_dir_flag: cli.creds_dir, now };
    match cli.command {
        Command::Init(args) => init::run(&args, &ctx),
        Command::Switch(args) => switch::run(&args, &ctx),
        Command::Mfa(args) => mfa::run(&args, &ctx),
        Command::Role(args) => role::run(&args, &ctx),
        Command::Now(args) => now::run(&args, &ctx),
        Command::Unset(args) => unset::run(&args, &ctx),
        Command::List(args) => list::run(&args, &ctx),
        Command::Exec(args) => exec::run(&args, &ctx),
        Command::CredentialProcess(args) => credential_process::run(&args, &ctx),
        Command::Policy(args) => policy::run(&args, &ctx),
        Command::MfaDevice(args) => mfa_device::run(&args, &ctx),
        Command::RotateKeys(args) => rotate_keys::run(&args, &ctx),
        Command::Doctor(args) => doctor::run(&args, &ctx),
        Command::Completions(args) => completions::run(&args),
        Command::Clear(args) => clear::run(&args, &ctx),
        Command::Add(args) => add::run(&args, &ctx),
        Command::Import(args) => import::run(&args, &ctx),
        Command::Remove(args) => remove::run(&args, &ctx),
        Command::Console(args) => console::run(&args, &ctx),
        Command::AwsConfig(args) => aws_config::run(&args, &ctx),
        Command::Export(args) => export::run(&args, &ctx),
    }
}
