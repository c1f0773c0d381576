//! `stsenv add NAME [--key-process CMD] [--force]`: set up an account from its access key. The
//! access key ID is asked on the terminal (shown), the secret access key without echo
//! (`rpassword`); without a terminal on stdin both are read from stdin, one a line; never from
//! an argument. AWS checks the keys before anything is written (see `new_account`).

use std::io::{BufRead, BufReader, IsTerminal};

use super::Context;
use crate::admin::account_setup::{self, NewAccount, Place};
use crate::base::credentials::Credentials;
use crate::base::error::{self, Result, say};
use crate::base::names;
use crate::cli::Add;
use crate::config::key_dir::looks_like_access_key_id;

pub fn run(args: &Add, ctx: &Context) -> Result<String> {
    let name = args.account.as_str();
    if !names::is_valid(name) {
        return Err(error::usage(names::invalid_message(name)));
    }
    let place = Place::locate(ctx.key_dir(), ctx.accounts_flag.as_deref(), &ctx.env)?;
    // Refused before anything is typed.
    if !args.force
        && let Some(why) = account_setup::taken(&place, name)?
    {
        return Err(error::usage(format!("{why}: pass --force to replace it (stsenv add {name} --force)")));
    }
    let key_process: Option<Vec<String>> = match &args.key_process {
        Some(text) => {
            let argv: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
            if argv.is_empty() {
                return Err(error::usage(
                    "--key-process is empty: give the command that prints the keys as credential_process JSON",
                ));
            }
            Some(argv)
        }
        None => None,
    };
    let keys = match &key_process {
        Some(argv) => crate::secrets::key_process::run(argv, &ctx.env, false)?,
        None => read_keys()?,
    };
    let region = place.region(name, &ctx.env);
    let learned = account_setup::learn(&keys, &region, &ctx.env).map_err(refused)?;
    let new = NewAccount {
        name,
        keys: &keys,
        key_process: key_process.as_deref(),
        learned: &learned,
        fallback_serial: None,
        force: args.force,
    };
    account_setup::save(&place, &new)?;
    for line in account_setup::summary(name, &new, &place.accounts) {
        say(line);
    }
    Ok(String::new())
}

/// AWS refused the keys: say which one is wrong, and that nothing was written.
pub fn refused(e: error::Error) -> error::Error {
    let message = match e.code.as_deref() {
        Some("InvalidClientTokenId") => {
            "AWS does not know this access key ID (InvalidClientTokenId from GetCallerIdentity): check it, or make a new key in the IAM console".to_owned()
        }
        Some("SignatureDoesNotMatch") => {
            "the secret access key does not belong to this access key ID (SignatureDoesNotMatch from GetCallerIdentity): check it".to_owned()
        }
        _ => e.message.clone(),
    };
    error::Error { message: format!("{message}; nothing was written"), ..e }
}

/// The access key ID and the secret access key: typed at the terminal when stdin is one, else
/// two lines of stdin.
fn read_keys() -> Result<Credentials> {
    let (access, secret) = if std::io::stdin().is_terminal() {
        let access = ask_shown("Access key ID: ")?;
        let secret = read_secret("Secret access key (typing is not shown): ")?;
        (access, secret)
    } else {
        let mut lines = BufReader::new(std::io::stdin().lock()).lines();
        let mut next = |what: &str| -> Result<String> {
            match lines.next() {
                Some(Ok(line)) => Ok(line),
                Some(Err(e)) => Err(error::usage(format!("cannot read the {what} from stdin: {e}"))),
                None => Err(error::usage(format!(
                    "stdin ended before the {what}: type the keys at a terminal, or give two lines on stdin, the access key ID then the secret access key"
                ))),
            }
        };
        let access = next("access key ID")?;
        (access, next("secret access key")?)
    };
    let access = checked(&access, "access key ID")?;
    let secret = checked(&secret, "secret access key")?;
    if !looks_like_access_key_id(access.as_bytes()) {
        error::warn(format_args!(
            "the access key ID does not look like one (16 or more capital letters and digits, like AKIA...); AWS will say whether it is right"
        ));
    }
    Ok(Credentials::long_term(access, secret))
}

/// The secret, typed without echo. rpassword reads in raw mode and answers Ctrl-C by raising
/// SIGINT, whose default action would end stsenv before the terminal's echo is put back: SIGINT
/// is ignored meanwhile, so the terminal is restored and Ctrl-C is an ordinary error.
fn read_secret(prompt: &str) -> Result<String> {
    // SAFETY: setting and restoring a signal's disposition; stsenv runs no other thread here.
    let before = unsafe { libc::signal(libc::SIGINT, libc::SIG_IGN) };
    let read = rpassword::prompt_password(prompt);
    // SAFETY: as above, putting back what was there.
    unsafe { libc::signal(libc::SIGINT, before) };
    read.map_err(|e| match e.kind() {
        std::io::ErrorKind::Interrupted => error::usage("interrupted; nothing was written"),
        _ => error::usage(format!("cannot read the secret access key from the terminal: {e}")),
    })
}

/// A key as typed: trimmed, not empty, nothing but printable characters without spaces.
fn checked(value: &str, what: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(error::usage(format!("no {what} entered; nothing was written")));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(error::usage(format!(
            "the {what} has spaces or control characters in it; copy it again (nothing was written)"
        )));
    }
    Ok(value.to_owned())
}

/// Ask on the terminal and read the answer there, echoed (the access key ID is not secret).
fn ask_shown(prompt: &str) -> Result<String> {
    let tty =
        std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty").map_err(|e| {
            error::usage(format!("cannot open the terminal to ask for the access key ID: {e}"))
        })?;
    crate::secrets::prompt::ask_line_on(&tty, prompt)
}
