//! Shell code printed to a terminal shows the secret key instead of setting it: run directly on a
//! terminal, `switch`, `mfa` and `role --format shell` print nothing, say what to run instead,
//! and stop (exit 2) before any prompt or STS call. So does `credential-process`, whose JSON is
//! for the AWS CLI and SDKs (they read it through a pipe), and `export` unless
//! `--force-terminal` (its output is a file of secrets). Through a pipe (the functions, `eval`,
//! `| source`, an SDK) nothing changes. The line to run by hand is in the form of the user's
//! shell (`--shell` when given, else the parent process, else `$SHELL`).

use std::io::IsTerminal;

use crate::base::env::Env;
use crate::base::error::{self, Result};
use crate::base::names;
use crate::cli::{Command, RoleFormat};
use crate::shell::Shell;
use crate::sys::parent_process;

/// Refuse a command that prints shell code when stdout is a terminal.
pub fn check(command: &Command, env: &Env) -> Result<()> {
    if !std::io::stdout().is_terminal() || refusal(command, None).is_none() {
        return Ok(());
    }
    // `--shell` as typed wins; without it (its default is bash), the shell the user is in.
    let typed = std::env::args_os().any(|a| a == "--shell" || a.to_string_lossy().starts_with("--shell="));
    let users =
        (!typed).then(|| Shell::of_user(parent_process::program_name().as_deref(), env.login_shell()));
    match refusal(command, users) {
        Some(message) => Err(error::usage(message)),
        None => Ok(()),
    }
}

/// The message for a command that would print shell code, with what to run instead, in the
/// form of `users` shell (else the command's `--shell`).
pub fn refusal(command: &Command, users: Option<Shell>) -> Option<String> {
    let (function, args, shell) = match command {
        Command::CredentialProcess(a) => return Some(credential_process(&a.account, a.role.as_deref())),
        Command::Export(a) if !a.force_terminal => return Some(export(a)),
        // Without an account, switch lists the accounts on stderr: nothing secret.
        Command::Switch(a) => {
            ("ec2switch", format!("switch {}", shown_account(a.account.as_deref()?)), a.shell.shell)
        }
        Command::Mfa(a) => {
            let account = a.account.as_deref().map(shown_account);
            (
                "ec2mfa",
                ["mfa".to_owned()].into_iter().chain(account).collect::<Vec<_>>().join(" "),
                a.shell.shell,
            )
        }
        Command::Role(a) if a.format == RoleFormat::Shell => {
            let mut args = format!("role {}", shown_role(a.role.as_deref()?));
            if let Some(account) = &a.account {
                args.push_str(&format!(" --account {}", shown_account(account)));
            }
            ("ec2role", args, a.shell.shell)
        }
        _ => return None,
    };
    let shell = users.unwrap_or(shell);
    // `ec2switch personal` for `switch personal`: the function takes the same arguments.
    let call = args.split_once(' ').map_or(function.to_owned(), |(_, rest)| format!("{function} {rest}"));
    let format_shell = if function == "ec2role" { " --format shell" } else { "" };
    let by_hand = match shell {
        Shell::Fish => format!("stsenv {args}{format_shell} --shell fish | source"),
        Shell::Bash | Shell::Zsh => {
            format!("eval \"$(stsenv {args}{format_shell} --shell {})\"", shell.name())
        }
        Shell::Nu => format!(
            "let c = (stsenv {args}{format_shell} --shell nu | from json); hide-env --ignore-errors ...$c.unset; load-env $c.set"
        ),
    };
    let instead = format!("{call} (or: {by_hand})");
    Some(format!(
        "stdout is a terminal: the shell code would show the secret key instead of setting it; use the function: {instead}"
    ))
}

/// `credential-process` on a terminal: what it is for, and the function that gives this shell
/// the same credentials.
fn credential_process(account: &str, role: Option<&str>) -> String {
    let account = shown_account(account);
    let (line, function) = match role {
        Some(role) => {
            let role = shown_role(role);
            (format!("{account} --role {role}"), format!("ec2role {role} --account {account}"))
        }
        None => (account.clone(), format!("ec2mfa {account}")),
    };
    format!(
        "stdout is a terminal: credential-process would show the secret key; it is for the AWS CLI and SDKs, through `credential_process = stsenv credential-process {line}` in ~/.aws/config; for this shell use the function: {function}"
    )
}

/// `export` on a terminal: where its output should go instead.
fn export(args: &crate::cli::Export) -> String {
    let account = shown_account(&args.account);
    let (line, file) = match &args.role {
        Some(role) => {
            let role = shown_role(role);
            (format!("{account} --role {role}"), format!("{account}-{role}"))
        }
        None => (account.clone(), account.clone()),
    };
    let file = file.replace(['/', ':'], "-");
    let (format, ext) = match args.format {
        crate::cli::ExportFormat::Env => ("", "env"),
        crate::cli::ExportFormat::Json => (" --format json", "json"),
    };
    format!(
        "stdout is a terminal: export would show the secret key on the screen; send it to a file only you can read, like: (umask 077; stsenv export {line}{format} > {file}.{ext}), or pass --force-terminal"
    )
}

/// An account name as typed, when it is one (a message never repeats anything else).
fn shown_account(typed: &str) -> String {
    if names::is_valid(typed) { typed.to_owned() } else { "ACCOUNT".to_owned() }
}

/// A role as typed, when it is made of the characters of role names and ARNs.
fn shown_role(typed: &str) -> String {
    let ok = !typed.is_empty()
        && !typed.starts_with('-')
        && typed.chars().all(|c| names::is_iam_char(c) || matches!(c, ':' | '/'));
    if ok { typed.to_owned() } else { "ROLE".to_owned() }
}
