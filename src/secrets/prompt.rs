//! The MFA prompt on the terminal (`/dev/tty`, never stdout, which the shell evals), or, without
//! a terminal in a desktop session, in a dialog (`secrets::dialog`). `STSENV_PROMPT` chooses.

use std::io::{BufRead, BufReader, Write};

use crate::base::env::Env;
use crate::base::error::{self, Result};
use crate::secrets::asking::{Asked, Asking, PROMPT_ATTEMPTS};
use crate::secrets::code_form::normalize;
use crate::secrets::dialog;

/// Where a code is asked for: `STSENV_PROMPT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Unset: the terminal when there is one, else a dialog in a desktop session.
    Automatic,
    /// `terminal`: only the terminal.
    Terminal,
    /// `dialog`: a dialog (zenity, kdialog, osascript), even with a terminal.
    Dialog,
    /// `none`: never asked (a code must come from -c, STSENV_TOKEN_CODE, mfa_process or a seed).
    None,
}

impl Mode {
    /// `STSENV_PROMPT`: a value that is not `terminal`, `dialog` or `none` is an error (exit 2).
    pub fn from_env(env: &Env) -> Result<Mode> {
        let Some(value) = env.stsenv_prompt() else { return Ok(Mode::Automatic) };
        match value.trim().to_ascii_lowercase().as_str() {
            "terminal" => Ok(Mode::Terminal),
            "dialog" => Ok(Mode::Dialog),
            "none" => Ok(Mode::None),
            _ => Err(error::usage(format!(
                "STSENV_PROMPT '{}' is not terminal, dialog or none; unset it to ask on the terminal, else in a dialog",
                value.escape_default()
            ))),
        }
    }
}

/// Ask for the code where `STSENV_PROMPT` says (see `Mode`). Without a terminal and without a
/// dialog, the error of `asked.asking` (today's advice).
pub fn ask_for(asked: &Asked) -> Result<String> {
    let no_terminal = match asked.asking {
        Asking::Shell => NO_TERMINAL,
        Asking::Captured { no_terminal } => no_terminal.as_str(),
    };
    let prompt = for_user(asked.user);
    match Mode::from_env(asked.env)? {
        Mode::Terminal => ask_code(&prompt, no_terminal),
        Mode::None => Err(error::usage(
            "no MFA code, and STSENV_PROMPT=none says not to ask for one: pass -c CODE, set STSENV_TOKEN_CODE, or give the account an mfa_process (or unset STSENV_PROMPT)",
        )),
        Mode::Dialog => {
            let program = dialog::find(asked.env).ok_or_else(|| {
                error::usage("STSENV_PROMPT=dialog, but none of zenity, kdialog or osascript is on PATH; install zenity, or unset STSENV_PROMPT")
            })?;
            dialog::ask(&program, asked)
        }
        Mode::Automatic => match open_terminal() {
            Some(tty) => ask_code_on(&tty, &prompt),
            None => match asked.env.in_desktop_session().then(|| dialog::find(asked.env)).flatten() {
                Some(program) => dialog::ask(&program, asked),
                None => Err(error::usage(no_terminal)),
            },
        },
    }
}

/// The advice without a terminal, for a command of the user's shell.
const NO_TERMINAL: &str = "no MFA code and no terminal to ask on: pass -c CODE or set STSENV_TOKEN_CODE";

/// The terminal, for reading and writing, if this process has one.
fn open_terminal() -> Option<std::fs::File> {
    std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty").ok()
}

/// `Enter MFA code for user NAME: `, or `for MFA device ARN: ` when given the device's serial.
pub fn for_user(user: &str) -> String {
    let whose = if user.starts_with("arn:") { format!("MFA device {user}") } else { format!("user {user}") };
    format!("Enter MFA code for {whose}: ")
}

/// The terminal (`/dev/tty`), for what only the person at it may see (a new MFA device's
/// secret): never stderr, which may be a log or a pipe. `no_terminal` is the error without one.
pub fn terminal(no_terminal: &str) -> Result<std::fs::File> {
    std::fs::OpenOptions::new().write(true).open("/dev/tty").map_err(|_| error::usage(no_terminal))
}

/// Write one line on the terminal, if there is one (a hint between two prompts).
pub fn tell(line: &str) {
    if let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") {
        let _ = writeln!(tty, "{line}").and_then(|()| tty.flush());
    }
}

/// Whether there is a terminal to ask on (`/dev/tty` opens for reading and writing).
pub fn has_terminal() -> bool {
    open_terminal().is_some()
}

/// Ask `question` (ending in `[y/N]`) on the terminal: Some(true) for `y` or `yes` (any case),
/// Some(false) for anything else or the end of input, None when there is no terminal.
pub fn confirm(question: &str) -> Result<Option<bool>> {
    let Some(tty) = open_terminal() else { return Ok(None) };
    let line = ask_line_on(&tty, &format!("{question} "))?;
    Ok(Some(matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes")))
}

/// Write `prompt` on the terminal `tty` and read one line typed there, shown as typed (nothing
/// secret: a yes or no, an access key ID).
pub fn ask_line_on(tty: &std::fs::File, prompt: &str) -> Result<String> {
    let mut writer = tty;
    write!(writer, "{prompt}")
        .and_then(|()| writer.flush())
        .map_err(|e| error::usage(format!("cannot write to the terminal: {e}")))?;
    let mut line = String::new();
    BufReader::new(tty)
        .read_line(&mut line)
        .map_err(|e| error::usage(format!("cannot read from the terminal: {e}")))?;
    Ok(line)
}

/// Write `prompt` on the terminal and read a 6-digit code there (`123 456` and `123-456` too);
/// something else is asked again, up to `PROMPT_ATTEMPTS` times. `no_terminal` is the error
/// when there is no terminal.
pub fn ask_code(prompt: &str, no_terminal: &str) -> Result<String> {
    let tty = open_terminal().ok_or_else(|| error::usage(no_terminal))?;
    ask_code_on(&tty, prompt)
}

/// `ask_code` on the terminal `tty`.
fn ask_code_on(tty: &std::fs::File, prompt: &str) -> Result<String> {
    let mut writer = tty;
    let mut reader = BufReader::new(tty);
    for attempt in 1..=PROMPT_ATTEMPTS {
        write!(writer, "{prompt}")
            .and_then(|()| writer.flush())
            .map_err(|e| error::usage(format!("cannot write to the terminal: {e}")))?;
        let mut line = String::new();
        let read = reader
            .read_line(&mut line)
            .map_err(|e| error::usage(format!("cannot read from the terminal: {e}")))?;
        if read == 0 {
            // End of input (Ctrl-D): the user gave up.
            return Err(error::usage("no MFA code entered"));
        }
        if let Some(code) = normalize(line.trim()) {
            return Ok(code);
        }
        if attempt < PROMPT_ATTEMPTS {
            let left = PROMPT_ATTEMPTS - attempt;
            let _ = writeln!(
                writer,
                "That is not the 6 digits your device shows; try again ({left} {} left)",
                if left == 1 { "try" } else { "tries" }
            );
        }
    }
    Err(error::usage(format!(
        "the MFA code from the terminal must be the 6 digits your device shows ({PROMPT_ATTEMPTS} tries)"
    )))
}
