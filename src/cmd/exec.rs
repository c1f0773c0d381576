//! `stsenv exec ACCOUNT [--role ROLE] [--server] -- COMMAND [ARGS]`: run a command with the
//! account's MFA session (or role) credentials in its environment, escalating first when needed,
//! for scripts and cron jobs that cannot eval. stsenv replaces itself with the command (exec), so
//! its exit status and signals are the command's own, and stdout is the command's alone.
//!
//! With `--server` the command gets no credentials in its environment but the address and token
//! of a credential server (`crate::server`) that renews them; stsenv stays beside it until it
//! ends (`crate::supervise`), then ends the same way.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use time::{Duration, OffsetDateTime};

use super::Context;
use super::mfa::{self, SessionRequest};
use super::role::{self, RoleRequest};
use crate::cache::{Entry, MARGIN};
use crate::cli::Exec;
use crate::credentials::Kind;
use crate::emit;
use crate::error::{self, Result};
use crate::escalate::Target;
use crate::server::{self, Renewer, Server};

/// What the child of `--server` never gets: credentials, and the variables that would make its
/// SDK prefer other credentials to the server's (another container endpoint or token file, a
/// profile).
const NOT_WITH_SERVER: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "AWS_DELEGATION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "STSENV_EXPIRES",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
];

/// Credentials from one escalation, and what the child's variables say about them.
struct Escalated {
    entry: Entry,
    kind: Kind,
    role_name: Option<String>,
    target: Target,
}

/// What `exec` asked for, owned, so the server can escalate again later.
#[derive(Clone)]
struct Want {
    account: String,
    role: Option<String>,
    code: Option<String>,
    duration: Option<u32>,
}

impl Want {
    /// Escalate at `now` to credentials with more than `window` left (the cache's margin when
    /// the window is smaller), reporting new ones on stderr.
    fn escalate(&self, ctx: &Context, now: OffsetDateTime, window: Duration) -> Result<Escalated> {
        // The cache's check, `expiration - MARGIN > now`, at this later time asks for more
        // than `window` left.
        let shifted = now + (window - MARGIN).max(Duration::ZERO);
        let at = |now| Context {
            env: ctx.env.clone(),
            config: ctx.config.clone(),
            creds_dir: ctx.creds_dir.clone(),
            now,
        };
        let (asking, telling) = (at(shifted), at(now));
        let code = self.code.as_deref();
        match &self.role {
            Some(role) => {
                let req = RoleRequest {
                    role,
                    account: Some(&self.account),
                    code,
                    duration: self.duration,
                    session_name: None,
                    external_id: None,
                    force: false,
                };
                let assumed = role::assume(&req, &asking)?;
                if assumed.fresh {
                    assumed.report(&telling);
                }
                Ok(Escalated {
                    entry: assumed.entry,
                    kind: Kind::Role,
                    role_name: Some(assumed.role_name),
                    target: assumed.target,
                })
            }
            None => {
                let req = SessionRequest {
                    account: Some(&self.account),
                    code,
                    force: false,
                    duration: self.duration,
                };
                let session = mfa::session(&req, &asking)?;
                if session.fresh {
                    session.report(&telling);
                }
                Ok(Escalated {
                    entry: session.entry,
                    kind: session.kind,
                    role_name: None,
                    target: session.target,
                })
            }
        }
    }

    /// The same request for a renewal hours later: a code given once (`-c`, STSENV_TOKEN_CODE)
    /// is spent by then, so the code comes from mfa_process, NAME.totp or the terminal; `skip`
    /// stays.
    fn for_renewal(&self, ctx: &Context) -> (Want, Context) {
        let skip = |c: &str| c.eq_ignore_ascii_case("skip");
        let mut env = ctx.env.clone();
        if !env.get("STSENV_TOKEN_CODE").is_some_and(skip) {
            env.remove("STSENV_TOKEN_CODE");
        }
        let code = self.code.as_deref().filter(|c| skip(c)).map(str::to_owned);
        let ctx = Context { env, config: ctx.config.clone(), creds_dir: ctx.creds_dir.clone(), now: ctx.now };
        (Want { code, ..self.clone() }, ctx)
    }
}

pub fn run(args: &Exec, ctx: &Context) -> Result<String> {
    let Some((program, rest)) = args.command.split_first() else {
        return Err(error::usage(
            "which command? Put it after --, like: stsenv exec personal -- aws sts get-caller-identity",
        ));
    };
    // A missing command fails before any MFA prompt or STS call.
    let resolved = find_program(program, ctx.env.get_os("PATH"))?;
    let want = Want {
        account: args.account.clone(),
        role: args.role.clone(),
        code: args.code.clone(),
        duration: args.duration,
    };
    if args.server {
        return run_with_server(&want, ctx, &resolved, program, rest);
    }
    let Escalated { entry, kind, role_name, target } = want.escalate(ctx, ctx.now, Duration::ZERO)?;
    let switch = emit::Switch {
        account: &target.name,
        kind,
        role: role_name.as_deref(),
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
    Err(cannot_run(program, &e))
}

/// `--server`: escalate (so a prompt comes before the command starts), start the server, run
/// the command beside it, and end as the command ended.
fn run_with_server(
    want: &Want,
    ctx: &Context,
    resolved: &Path,
    program: &OsStr,
    rest: &[OsString],
) -> Result<String> {
    let now = OffsetDateTime::now_utc();
    let Escalated { entry, kind, role_name, target } = want.escalate(ctx, now, server::WINDOW)?;
    let server = Server::bind()?;
    let url = server.url()?;
    let (renewal, renewal_ctx) = want.for_renewal(ctx);
    let renewer = Renewer::new(
        move |now, window| renewal.escalate(&renewal_ctx, now, window).map(|e| e.entry),
        server::WINDOW,
    );
    // Before any thread starts, so that only this one ever takes them.
    let signals = crate::supervise::Signals::block()?;
    let switch = emit::Switch {
        account: &target.name,
        kind,
        role: role_name.as_deref(),
        credentials: &entry.credentials,
        region: target.account_region(),
    };
    let mut command = Command::new(resolved);
    command.arg0(program).args(rest);
    for (name, value) in emit::assignments(&switch, &ctx.env) {
        match value {
            Some(value) if !NOT_WITH_SERVER.contains(&name) => command.env(name, OsStr::from_bytes(&value)),
            _ => command.env_remove(name),
        };
    }
    for name in NOT_WITH_SERVER {
        command.env_remove(name);
    }
    command.env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &url);
    command.env("AWS_CONTAINER_AUTHORIZATION_TOKEN", server.token());
    renewer.hold(entry, now);
    server.spawn(renewer)?;
    let mut child = signals.spawn(&mut command).map_err(|e| cannot_run(program, &e))?;
    let status = signals.wait(&mut child)?;
    crate::supervise::end_like(status)
}

fn cannot_run(program: &OsStr, e: &std::io::Error) -> error::Error {
    error::usage(format!("cannot run {}: {}", Path::new(program).display(), crate::accounts::io_reason(e)))
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
