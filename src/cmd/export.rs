//! `stsenv export ACCOUNT [--role ROLE] [--format env|json]`: the account's MFA session (or a
//! role's credentials) on stdout, escalating first when none are valid, for programs that read
//! credentials from a file: a dotenv file for `docker run --env-file` and CI systems, or the
//! `credential_process` JSON. The output is a file of secrets: refused on a terminal unless
//! `--force-terminal` (`terminal_refusal`), and a file others can read gets a warning.

use super::Context;
use crate::base::error::{self, Result};
use crate::base::times::rfc3339;
use crate::cli::{Export, ExportFormat};
use crate::config::region::user_region;
use crate::engine::escalation::{Engine, Request, Want};
use crate::secrets::mfa_code::Source;
use crate::shell::dotenv;

pub fn run(args: &Export, ctx: &Context) -> Result<String> {
    let code = Source::from_args(args.code.as_deref(), &ctx.env)?;
    let want = Want::of_role_flag(args.role.as_deref());
    let mut req = Request::new(Some(args.account.clone()), want, code);
    req.duration = args.duration;
    let granted = Engine::new(ctx).credentials(&req, ctx.now)?;
    granted.report_made(ctx.now);
    let (entry, c) = (&granted.entry, &granted.entry.credentials);
    let token = c.session_token.as_ref().ok_or_else(|| error::aws("STS returned no session token"))?;
    let out = match args.format {
        ExportFormat::Json => {
            format!(
                "{}\n",
                serde_json::to_string_pretty(&entry.credential_process_json()).unwrap_or_default()
            )
        }
        ExportFormat::Env => {
            let text = |s: &crate::base::credentials::Secret, name: &'static str| {
                s.as_str().map(str::to_owned).ok_or_else(|| unwritable(name))
            };
            let expiration = rfc3339(entry.expiration);
            // The account's region, else the user's own: a region only when one is known.
            let region = granted.target.account_region().map(str::to_owned).or_else(|| user_region(&ctx.env));
            let mut vars: Vec<(&str, String)> = vec![
                ("AWS_ACCESS_KEY_ID", text(&c.access_key_id, "AWS_ACCESS_KEY_ID")?),
                ("AWS_SECRET_ACCESS_KEY", text(&c.secret_access_key, "AWS_SECRET_ACCESS_KEY")?),
                ("AWS_SESSION_TOKEN", text(token, "AWS_SESSION_TOKEN")?),
                ("AWS_CREDENTIAL_EXPIRATION", expiration.clone()),
                ("AWS_SESSION_EXPIRATION", expiration),
            ];
            if let Some(region) = region {
                vars.push(("AWS_REGION", region.clone()));
                vars.push(("AWS_DEFAULT_REGION", region));
            }
            let pairs: Vec<(&str, &str)> = vars.iter().map(|(n, v)| (*n, v.as_str())).collect();
            dotenv::render(&pairs).map_err(|name| {
                if name.ends_with("REGION") {
                    error::usage(format!(
                        "the region '{}' cannot be written to a dotenv file (a space or a control character in it); set the account's region in the accounts file, or AWS_REGION",
                        region_shown(&vars, name)
                    ))
                } else {
                    unwritable(name)
                }
            })?
        }
    };
    warn_if_stdout_is_readable();
    Ok(out)
}

fn region_shown(vars: &[(&str, String)], name: &str) -> String {
    vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.escape_default().to_string()).unwrap_or_default()
}

fn unwritable(name: &str) -> error::Error {
    error::aws(format!(
        "STS returned a value for {name} that is not one line of printable characters, which a dotenv file cannot hold; use --format json"
    ))
}

/// A file of secrets that group or others can read (a shell's `>` makes it with the umask,
/// often 0644): say so, with the fix. Nothing for a pipe or a terminal.
fn warn_if_stdout_is_readable() {
    use std::os::fd::AsFd;
    use std::os::unix::fs::PermissionsExt;
    let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() else { return };
    let Ok(meta) = std::fs::File::from(fd).metadata() else { return };
    let mode = meta.permissions().mode() & 0o777;
    if meta.file_type().is_file() && mode & 0o077 != 0 {
        crate::base::error::warn(format!(
            "the file stdout goes to is readable by group or others (mode {mode:o}) and now holds the secret key: chmod 600 it, and make the next one with (umask 077; stsenv export ... > FILE)"
        ));
    }
}
