//! `stsenv console [ACCOUNT] [--role ROLE] [--policy JSON|@FILE] [--policy-arn ARN]
//! [--region R] [--service S | --destination URL] [--print]` / `ec2console`: the AWS console
//! signed in through the federation endpoint. Federation refuses GetSessionToken credentials,
//! so the link is made from role credentials (the role asked for, else the role the shell is
//! in), else, for an IAM user without roles, from a federated user's (GetFederationToken with
//! the long-term keys, as aws-vault does: `engine::federation`). The link holds a sign-in
//! token (a secret for 15 minutes): `--print` puts it on stdout, otherwise the browser gets a
//! private page that forwards to it (never the link in its arguments, which `ps` shows) and
//! stderr shows nothing of it.

use std::process::Stdio;
use std::time::{Duration, Instant};

use super::Context;
use crate::aws::assume_role::RoleSettings;
use crate::aws::partition::Partition;
use crate::aws::session_policy::PolicySource;
use crate::aws::signin::{self, Federation, LINK_LIFETIME};
use crate::base::credentials::{Credentials, Secret};
use crate::base::error::{self, Result, say};
use crate::base::times::format_left;
use crate::cli::Console;
use crate::engine::escalation::{Engine, Request, Want};
use crate::engine::federation::{self, Federated};
use crate::engine::target::Target;
use crate::secrets::mfa_code::Source;
use crate::store::cache::Cache;
use crate::sys::handoff::{self, Handoff};

/// How long to watch the browser command for a failure before leaving it to run (when it is
/// given the link itself).
const BROWSER_WAIT: Duration = Duration::from_secs(5);

/// How long the page waits to be read by the browser before it is removed.
const READ_WAIT: Duration = Duration::from_secs(60);

pub fn run(args: &Console, ctx: &Context) -> Result<String> {
    if let Some(region) = &args.region
        && (region.is_empty()
            || !region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
    {
        return Err(error::usage(format!(
            "--region '{}' is not a region name like eu-west-1",
            region.escape_default()
        )));
    }
    if let Some(service) = &args.service
        && (service.is_empty()
            || !service.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
    {
        return Err(error::usage(format!(
            "--service '{}' is not a console service name like ec2, s3 or cloudwatch",
            service.escape_default()
        )));
    }
    if let Some(url) = &args.destination
        && !(url.starts_with("https://")
            && url.len() > 8
            && !url.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()))
    {
        return Err(error::usage("--destination must be an https:// URL of the console"));
    }
    let target = Target::resolve(ctx, args.account.as_deref(), "ec2console")?;
    let partition = target.accounts.find(&target.name).map_or(Partition::Aws, |a| a.partition());
    if let Some(region) = &args.region
        && Partition::of_region(region) != partition
    {
        return Err(error::usage(format!(
            "--region {region} is not a region of partition {} (account {} is arn:{}:)",
            partition.name(),
            target.name,
            partition.name()
        )));
    }
    let federation = Federation::new(partition, &ctx.env)?;
    let signer = signer(args, &target, ctx)?;
    let (credentials, federated) = match &signer {
        Signer::Role { credentials, .. } => (credentials, false),
        Signer::Federated(f) => (&f.credentials, true),
    };
    let region = args.region.clone().unwrap_or_else(|| target.region.clone());
    let destination = match &args.destination {
        Some(url) => url.clone(),
        None => signin::destination(partition, &region, args.service.as_deref()),
    };
    let token = federation.signin_token(credentials, federated)?;
    let link = federation.login_link(&token, &destination);
    let minutes = LINK_LIFETIME.as_secs() / 60;
    let who = signer.describe();
    if args.print {
        say(format!(
            "Console sign-in link for {who} in account {} (region {region}); it signs in anyone who has it for {minutes} minutes",
            target.name
        ));
        signer.explain();
        return Ok(format!("{link}\n"));
    }
    let opened = open_browser(&link, ctx)?;
    say(format!("Opened the console as {who} in account {} (region {region}) with {opened}", target.name));
    signer.explain();
    Ok(String::new())
}

/// Whose credentials sign in.
enum Signer {
    /// A role's, with its name.
    Role { credentials: Credentials, name: String },
    /// The IAM user's own, federated.
    Federated(Federated),
}

impl Signer {
    /// `role Admin`, `federated user jbrowne (your IAM user, through GetFederationToken)`.
    fn describe(&self) -> String {
        match self {
            Signer::Role { name, .. } => format!("role {name}"),
            Signer::Federated(f) => {
                format!("federated user {} (your IAM user, through GetFederationToken)", f.call.name)
            }
        }
    }

    /// For a federated user: what the session may do, and why it may be refused.
    fn explain(&self) {
        let Signer::Federated(f) = self else { return };
        let scope = if f.default_policy {
            "your user's own permissions (the session policy allows everything)"
        } else {
            "what both your user's policies and the session policies allow"
        };
        say(format!(
            "The console session lasts {} and has {scope}, without IAM and STS (but GetCallerIdentity); if the console denies everything, your policies may require MFA (aws:MultiFactorAuthPresent), which a federated session never has: sign in through a role with --role ROLE",
            format_left(i64::from(f.call.duration))
        ));
    }
}

/// Who signs in: `--role` (cached, chained or assumed as `ec2role` does, with the session
/// policies), else the shell's own role after `ec2role` (unless session policies are asked
/// for: a role's credentials cannot be scoped down afterwards), else the IAM user itself,
/// federated (`engine::federation`).
fn signer(args: &Console, target: &Target, ctx: &Context) -> Result<Signer> {
    let policies = RoleSettings {
        policy: args.policies.policy.as_deref().map(PolicySource::parse),
        policy_arns: args.policies.policy_arns.clone(),
        ..RoleSettings::default()
    };
    let scoped = policies.policy.is_some() || !policies.policy_arns.is_empty();
    if (args.role.is_some() || !scoped)
        && let Some((credentials, name)) = role_credentials(args, policies.clone(), target, ctx)?
    {
        return Ok(Signer::Role { credentials, name });
    }
    Ok(Signer::Federated(federation::federation_token(ctx, target, &policies)?))
}

/// The role's credentials: `--role` (cached, chained or assumed as `ec2role` does), else the
/// shell's own after `ec2role`, else None.
fn role_credentials(
    args: &Console,
    policies: RoleSettings,
    target: &Target,
    ctx: &Context,
) -> Result<Option<(Credentials, String)>> {
    if let Some(role) = &args.role {
        let code = Source::from_args(args.code.as_deref(), &ctx.env)?;
        let want = Want::Role(RoleSettings { arn: role.clone(), ..policies });
        let req = Request::new(Some(target.name.clone()), want, code);
        let granted = Engine::new(ctx).credentials(&req, ctx.now)?;
        granted.report_made(ctx.now);
        let role_name = granted.role_name.unwrap_or_default();
        return Ok(Some((granted.entry.credentials, role_name)));
    }
    let env = &ctx.env;
    let shell_account = env.stsenv_account().filter(|a| a.eq_ignore_ascii_case(&target.name));
    if env.stsenv_kind() == Some("role")
        && shell_account.is_some()
        && let (Some(id), Some(key), Some(token)) =
            (env.aws_access_key_id(), env.aws_secret_access_key(), env.aws_session_token())
    {
        let role_name = env.stsenv_role().unwrap_or("(the shell's role)").to_owned();
        let expired = env
            .stsenv_expires()
            .and_then(|e| e.parse::<i64>().ok())
            .is_some_and(|expires| expires <= ctx.now.unix_timestamp());
        if expired {
            return Err(error::usage(format!(
                "the shell's credentials of role {role_name} have expired: run ec2role {role_name} again, or pass --role"
            )));
        }
        let credentials = Credentials {
            access_key_id: Secret::new(id),
            secret_access_key: Secret::new(key),
            session_token: Some(Secret::new(token)),
            expiration: None,
        };
        return Ok(Some((credentials, role_name)));
    }
    Ok(None)
}

/// Open the link with `$BROWSER` (a `:`-separated list of commands; `%s` stands for the page,
/// else it is the last argument), else `xdg-open` (`open` on macOS). No shell is involved; the
/// browser gets none of the credential variables and not stsenv's stdout. What it is given is
/// the `file://` URL of a private page that forwards to the link (see `sys::handoff`), removed
/// once read; only when no such page can be made is the link itself the argument, with a
/// warning.
fn open_browser(link: &str, ctx: &Context) -> Result<String> {
    let fallback = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    let commands: Vec<String> = match ctx.env.browser() {
        Some(list) => list.split(':').filter(|c| !c.trim().is_empty()).map(str::to_owned).collect(),
        None => vec![fallback.to_owned()],
    };
    let console_dir = Cache::locate(&ctx.env)?.dir.join("console");
    let dir = handoff::directory(&ctx.env, console_dir);
    let page = match Handoff::create(&dir, "signin", "html", forwarding_page(link).as_bytes()) {
        Ok(page) => Some(page),
        Err(why) => {
            error::warn(format!(
                "cannot make the private page for the browser ({why}), so the browser gets the link as its argument, which other local users can see in ps; fix that, or use stsenv console --print"
            ));
            None
        }
    };
    let given = page.as_ref().map_or_else(|| link.to_owned(), Handoff::url);
    for command in &commands {
        let words: Vec<&str> = command.split_whitespace().collect();
        let Some((program, rest)) = words.split_first() else { continue };
        let mut argv: Vec<String> = rest.iter().map(|w| w.replace("%s", &given)).collect();
        if !command.contains("%s") {
            argv.push(given.clone());
        }
        // Watching before the browser starts, so that no open of the page is missed.
        let mut watch = page.as_ref().map(Handoff::watch);
        let mut child = crate::sys::without_secrets::command(program);
        child.args(&argv).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::inherit());
        let mut child = match child.spawn() {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(error::usage(format!(
                    "cannot run the browser {program}: {}",
                    error::io_reason(&e)
                )));
            }
        };
        // A browser may stay in the foreground, or hand the page to one already running and
        // end: the command is watched for a failure, the page until it has been read.
        let started = Instant::now();
        let mut ended = false;
        loop {
            if !ended {
                match child.try_wait() {
                    Ok(Some(status)) if status.success() => ended = true,
                    Ok(Some(status)) => {
                        return Err(error::usage(format!(
                            "the browser command {program} failed ({status}); run stsenv console --print and open the link yourself"
                        )));
                    }
                    Ok(None) => {}
                    Err(_) => ended = true,
                }
            }
            match &mut watch {
                Some(watch) => {
                    if watch.wait(Duration::from_millis(20)) {
                        return Ok((*program).to_owned());
                    }
                    if started.elapsed() >= READ_WAIT {
                        return Err(error::usage(format!(
                            "the browser {program} did not open the sign-in page within {} s, so it was removed; a browser that cannot read files in {} (a snap or flatpak) needs stsenv console --print and the link pasted",
                            READ_WAIT.as_secs(),
                            dir.display()
                        )));
                    }
                }
                None if ended || started.elapsed() >= BROWSER_WAIT => return Ok((*program).to_owned()),
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }
    let tried = if ctx.env.browser().is_some() { "$BROWSER" } else { fallback };
    Err(error::usage(format!(
        "cannot open a browser: {tried} is not installed; set BROWSER, or run stsenv console --print and open the link yourself"
    )))
}

/// The page the browser is given: it goes on to `link` at once (a meta refresh, and
/// `location.replace` so that the page leaves no entry in the history), with a link to click
/// where neither works.
fn forwarding_page(link: &str) -> String {
    let attribute = link
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let script = serde_json::Value::from(link).to_string().replace('<', "\\u003c");
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta http-equiv=\"refresh\" content=\"0;url={attribute}\">\n\
         <title>AWS console sign-in</title>\n\
         <script>location.replace({script});</script>\n\
         </head><body><p><a href=\"{attribute}\" rel=\"noreferrer\">Sign in to the AWS console</a></p></body></html>\n"
    )
}
