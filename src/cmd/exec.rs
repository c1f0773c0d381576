//! `stsenv exec ACCOUNT [--role ROLE] -- COMMAND [ARGS]`: run a command with the account's MFA
//! session (or role) credentials in its environment, escalating first when needed, for scripts
//! and cron jobs that cannot eval. stsenv replaces itself with the command (exec), so its exit
//! status and signals are the command's own, and stdout is the command's alone.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::Context;
use crate::cli::Exec;
use crate::emit;
use crate::engine::{Engine, Request, RoleParams, Want};
use crate::error::{self, Result, say};
use crate::mfa_code::Source;

pub fn run(args: &Exec, ctx: &Context) -> Result<String> {
    let Some((program, rest)) = args.command.split_first() else {
        return Err(error::usage(
            "which command? Put it after --, like: stsenv exec personal -- aws sts get-caller-identity",
        ));
    };
    // A missing command fails before any MFA prompt or STS call.
    let resolved = find_program(program, ctx.env.get_os("PATH"))?;
    let code = Source::from_args(args.code.as_deref(), &ctx.env)?;
    let want = match &args.role {
        Some(role) => Want::Role(RoleParams { role: role.clone(), ..RoleParams::default() }),
        None => Want::Mfa,
    };
    let mut req = Request::new(Some(args.account.clone()), want, code);
    req.duration = args.duration;
    let granted = Engine::new(ctx).credentials(&req, ctx.now)?;
    if let Some(made) = granted.new_session_summary(ctx.now) {
        say(made);
    }
    if granted.fresh {
        say(granted.summary(ctx.now));
    }
    let (target, entry) = (&granted.target, &granted.entry);
    let switch = emit::Switch {
        account: &target.name,
        kind: granted.kind,
        role: granted.role_name.as_deref(),
        credentials: &entry.credentials,
        region: target.account_region(),
    };
    // The path found above (not a second search), with the name the user typed as argv[0].
    let mut command = Command::new(&resolved);
    command.arg0(program).args(rest);
    // Credentials only in the environment, never in the arguments (which others can read).
    for (name, value) in emit::assignments(&switch, &ctx.env) {
        match value {
            Some(value) => command.env(name, OsStr::from_bytes(&value)),
            None => command.env_remove(name),
        };
    }
    // Only returns on failure.
    let e = command.exec();
    Err(error::usage(format!("cannot run {}: {}", Path::new(program).display(), crate::error::io_reason(&e))))
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
        return if is_executable(&candidate) {
            Ok(candidate)
        } else if candidate.exists() {
            Err(error::usage(format!("cannot run {shown}: it is not an executable file")))
        } else {
            Err(error::usage(format!("cannot run {shown}: it does not exist")))
        };
    }
    let path = path.map(OsString::from).unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir }.join(program))
        .find(|candidate| is_executable(candidate))
        .ok_or_else(|| error::usage(format!("command not found: {shown} (it is not on PATH)")))
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
