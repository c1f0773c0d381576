//! `stsenv exec ACCOUNT [--role ROLE] [--server] -- COMMAND [ARGS]`: run a command with the
//! account's MFA session (or role) credentials in its environment, escalating first when needed,
//! for scripts and cron jobs that cannot eval. stsenv replaces itself with the command (exec), so
//! its exit status and signals are the command's own, and stdout is the command's alone.
//!
//! With `--server` the command gets no credentials in its environment but the address and token
//! of a credential server (`crate::serve::credential_server`) that renews them through the engine; stsenv stays
//! beside it until it ends (`crate::sys::supervise`), then ends the same way.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use time::OffsetDateTime;

use super::Context;
use crate::base::env::Env;
use crate::base::error::{self, Result};
use crate::cli::Exec;
use crate::engine::escalation::{Engine, Granted, Request, Want};
use crate::secrets::mfa_code::Source;
use crate::serve::child_files::ChildFiles;
use crate::serve::credential_server::{self, Renewer, Server};
use crate::shell::assignments;

/// What the child of `--server` never gets besides the credential variables
/// (`assignments::CREDENTIAL_VARIABLES`): the variables that would make its SDK prefer other
/// credentials to the server's (another container endpoint or token file, a profile, a web
/// identity, which the SDKs take before the container endpoint), and the expiry of credentials
/// it does not hold. (Its AWS files: `crate::serve::child_files`.)
const ALSO_NOT_WITH_SERVER: &[&str] = &[
    "STSENV_EXPIRES",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_SESSION_NAME",
];

pub fn run(args: &Exec, ctx: &Context) -> Result<String> {
    let Some((program, rest)) = args.command.split_first() else {
        return Err(error::usage(
            "which command? Put it after --, like: stsenv exec personal -- aws sts get-caller-identity",
        ));
    };
    // A missing command fails before any MFA prompt or STS call.
    let resolved = find_program(program, ctx.env.path())?;
    let code = Source::from_args(args.code.as_deref(), &ctx.env)?;
    let want = Want::of_role_flag(args.role.as_deref());
    let mut req = Request::new(Some(args.account.clone()), want, code);
    req.duration = args.duration;
    if args.server {
        return run_with_server(req, ctx, &resolved, program, rest);
    }
    let granted = Engine::new(ctx).credentials(&req, ctx.now)?;
    granted.report_made(ctx.now);
    let mut command = child_command(&resolved, program, rest, &granted, &ctx.env, &[]);
    // Only returns on failure.
    let e = command.exec();
    Err(cannot_run(program, &e))
}

/// `--server`: escalate (so that a prompt comes before the command starts), start the server,
/// run the command beside it, and end as the command ended.
fn run_with_server(
    mut req: Request,
    ctx: &Context,
    resolved: &Path,
    program: &OsStr,
    rest: &[OsString],
) -> Result<String> {
    req.window = credential_server::WINDOW;
    // Before any prompt: a config the command cannot be given refuses the run.
    let files = ChildFiles::prepare(&ctx.env, || Ok(ctx.cache()?.dir))?;
    let now = OffsetDateTime::now_utc();
    let granted = Engine::new(ctx).credentials(&req, now)?;
    granted.report_made(now);
    let server = Server::bind()?;
    let url = server.url()?;
    // Renewals come hours later, when a code given once (-c, STSENV_TOKEN_CODE) is spent: the
    // code then comes from mfa_process, NAME.totp or the terminal. `skip` stays.
    let mut renewal = req.clone();
    if renewal.code != Source::Skip {
        renewal.code = Source::Ask;
    }
    let renewal_ctx = ctx.clone();
    let renewer = Renewer::new(
        move |now, window| {
            let req = Request { window, ..renewal.clone() };
            let granted = Engine::new(&renewal_ctx).credentials(&req, now)?;
            granted.report_made(now);
            Ok(granted.entry)
        },
        credential_server::WINDOW,
    );
    // Before any thread starts, so that only this one ever takes them.
    let signals = crate::sys::supervise::Signals::block()?;
    let withheld = [crate::base::variables::CREDENTIAL_VARIABLES, ALSO_NOT_WITH_SERVER];
    let mut command = child_command(resolved, program, rest, &granted, &ctx.env, &withheld);
    command.env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &url);
    command.env("AWS_CONTAINER_AUTHORIZATION_TOKEN", server.token());
    files.apply(&mut command);
    if let Some(limit) = credential_server::raise_descriptor_limit() {
        credential_server::restore_descriptor_limit(&mut command, limit);
    }
    renewer.hold(granted.entry, now);
    server.spawn(renewer)?;
    let mut child = signals.spawn(&mut command).map_err(|e| cannot_run(program, &e))?;
    let status = signals.wait(&mut child)?;
    // The copy of the config goes before stsenv ends (which runs no destructor).
    drop(files);
    crate::sys::supervise::end_like(status)
}

/// The command to run: the path found before (not a second search), with the name the user
/// typed as argv[0], and the variables of the switch to `granted` in its environment, except
/// those of the `withheld` lists, which it does not inherit either. Credentials go only in the
/// environment, never in the arguments (which others can read).
fn child_command(
    resolved: &Path,
    program: &OsStr,
    rest: &[OsString],
    granted: &Granted,
    env: &Env,
    withheld: &[&[&str]],
) -> Command {
    let (target, entry) = (&granted.target, &granted.entry);
    let switch = assignments::Switch {
        account: &target.name,
        kind: granted.kind,
        role: granted.role_name.as_deref(),
        credentials: &entry.credentials,
        region: target.account_region(),
    };
    let withheld = || withheld.iter().flat_map(|list| list.iter().copied());
    let mut command = Command::new(resolved);
    command.arg0(program).args(rest);
    for (name, value) in assignments::assignments(&switch, env) {
        match value {
            Some(value) => command.env(name, OsStr::from_bytes(&value)),
            _ => command.env_remove(name),
        };
    }
    for name in withheld() {
        command.env_remove(name);
    }
    command
}

fn cannot_run(program: &OsStr, e: &std::io::Error) -> error::Error {
    error::usage(format!("cannot run {}: {}", Path::new(program).display(), crate::base::error::io_reason(e)))
}

/// The program's path: as given when it has a `/`, else the first executable file of that
/// name on PATH; a usage error when there is none.
fn find_program(program: &OsStr, path: Option<&OsStr>) -> Result<PathBuf> {
    let shown = Path::new(program).display();
    if program.is_empty() {
        return Err(error::usage("the command to run is empty"));
    }
    if program.as_bytes().contains(&b'/') {
        let candidate = PathBuf::from(program);
        return if crate::sys::program_path::is_executable(&candidate) {
            Ok(candidate)
        } else if candidate.exists() {
            Err(error::usage(format!("cannot run {shown}: it is not an executable file")))
        } else {
            Err(error::usage(format!("cannot run {shown}: it does not exist")))
        };
    }
    // With PATH unset, the system's default path, as execvp uses (never the current directory).
    let path = path.map(OsString::from).unwrap_or_else(default_path);
    // An empty or relative entry names a directory by where the user happens to be: a program
    // that gets credentials is never taken from there.
    let mut skipped: Option<PathBuf> = None;
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join(program);
        if dir.is_absolute() {
            if crate::sys::program_path::is_executable(&candidate) {
                if let Some(relative) = &skipped {
                    crate::base::error::warn(format!(
                        "running {} and not {}: PATH's relative entries are skipped for a command that gets credentials",
                        candidate.display(),
                        relative.display()
                    ));
                }
                return Ok(candidate);
            }
        } else if skipped.is_none() {
            let relative = if dir.as_os_str().is_empty() { Path::new(".").join(program) } else { candidate };
            if crate::sys::program_path::is_executable(&relative) {
                skipped = Some(relative);
            }
        }
    }
    Err(error::usage(match skipped {
        Some(relative) => format!(
            "command not found: {shown} (only {} has it, and PATH's relative entries are skipped for a command that gets credentials; give its path to run it)",
            relative.display()
        ),
        None => format!("command not found: {shown} (it is not on PATH)"),
    }))
}

/// The system's default search path (`confstr(_CS_PATH)`), else `/bin:/usr/bin`.
fn default_path() -> OsString {
    let mut buffer = vec![0u8; 256];
    // SAFETY: confstr writes at most buffer.len() bytes, NUL-terminated.
    let needed = unsafe { libc::confstr(libc::_CS_PATH, buffer.as_mut_ptr().cast(), buffer.len()) };
    if needed == 0 || needed > buffer.len() {
        return OsString::from("/bin:/usr/bin");
    }
    buffer.truncate(needed - 1);
    OsStr::from_bytes(&buffer).to_owned()
}
