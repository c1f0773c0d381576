//! Where an MFA code comes from: `-c CODE`, `$STSENV_TOKEN_CODE`, or a prompt on the terminal
//! (never stdout, which the shell evals). `skip` asks for a session without MFA.

use std::io::{BufRead, BufReader, Write};

use crate::env::Env;
use crate::error::{self, Result};

/// What the user asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A code given on the command line or in the environment (already checked).
    Given(String),
    /// No MFA: a session without it (`-c skip`).
    Skip,
    /// Ask on the terminal when a code is needed.
    Ask,
}

impl Source {
    /// From `-c`, else `$STSENV_TOKEN_CODE`, else ask; a given code is checked now, before any
    /// network call.
    pub fn from_args(flag: Option<&str>, env: &Env) -> Result<Source> {
        let (code, origin) = match (flag, env.get("STSENV_TOKEN_CODE")) {
            (Some(code), _) => (code, "-c"),
            (None, Some(code)) => (code, "STSENV_TOKEN_CODE"),
            (None, None) => return Ok(Source::Ask),
        };
        if code.eq_ignore_ascii_case("skip") {
            return Ok(Source::Skip);
        }
        check(code, origin)?;
        Ok(Source::Given(code.to_owned()))
    }

    /// The code to use now: the given one, or one typed at the terminal.
    pub fn code(&self, user: &str) -> Result<Option<String>> {
        match self {
            Source::Given(code) => Ok(Some(code.clone())),
            Source::Skip => Ok(None),
            Source::Ask => ask(user).map(Some),
        }
    }
}

/// An MFA code is six digits.
pub fn check(code: &str, origin: &str) -> Result<()> {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(error::usage(format!(
            "the MFA code from {origin} must be the 6 digits your device shows (or 'skip' for a session without MFA)"
        )))
    }
}

/// Prompt `Enter MFA code for user NAME:` on the terminal and read the answer there.
pub fn ask(user: &str) -> Result<String> {
    ask_code(
        &format!("Enter MFA code for user {user}: "),
        "no MFA code and no terminal to ask on: pass -c CODE or set STSENV_TOKEN_CODE",
    )
}

/// Write `prompt` on the terminal and read a 6-digit code there; `no_terminal` is the error
/// when there is no terminal.
pub fn ask_code(prompt: &str, no_terminal: &str) -> Result<String> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| error::usage(no_terminal))?;
    let mut writer = &tty;
    write!(writer, "{prompt}")
        .and_then(|()| writer.flush())
        .map_err(|e| error::usage(format!("cannot write to the terminal: {e}")))?;
    let mut line = String::new();
    BufReader::new(&tty)
        .read_line(&mut line)
        .map_err(|e| error::usage(format!("cannot read from the terminal: {e}")))?;
    let code = line.trim();
    if code.is_empty() {
        return Err(error::usage("no MFA code entered"));
    }
    check(code, "the terminal")?;
    Ok(code.to_owned())
}
