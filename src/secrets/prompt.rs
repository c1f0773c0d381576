//! The MFA prompt on the terminal (`/dev/tty`, never stdout, which the shell evals).

use std::io::{BufRead, BufReader, Write};

use crate::base::error::{self, Result};
use crate::secrets::code_form::normalize;

/// Prompt `Enter MFA code for user NAME:` on the terminal (`for MFA device ARN:` when given the
/// device's serial) and read the answer there.
pub fn ask(user: &str) -> Result<String> {
    ask_code(&for_user(user), "no MFA code and no terminal to ask on: pass -c CODE or set STSENV_TOKEN_CODE")
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
    std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty").is_ok()
}

/// Ask `question` (ending in `[y/N]`) on the terminal: Some(true) for `y` or `yes` (any case),
/// Some(false) for anything else or the end of input, None when there is no terminal.
pub fn confirm(question: &str) -> Result<Option<bool>> {
    let Ok(tty) = std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty") else {
        return Ok(None);
    };
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

/// How many times the prompt asks when what is typed is not a code.
pub const PROMPT_ATTEMPTS: usize = 3;

/// Write `prompt` on the terminal and read a 6-digit code there (`123 456` and `123-456` too);
/// something else is asked again, up to `PROMPT_ATTEMPTS` times. `no_terminal` is the error
/// when there is no terminal.
pub fn ask_code(prompt: &str, no_terminal: &str) -> Result<String> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| error::usage(no_terminal))?;
    let mut writer = &tty;
    let mut reader = BufReader::new(&tty);
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
