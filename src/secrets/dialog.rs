//! The MFA prompt as a dialog of the desktop, for programs without a terminal (an IDE or a GUI
//! tool running `credential_process`): zenity, else kdialog, else osascript (macOS), found in
//! PATH's absolute entries, as aws-vault's prompt drivers do. The dialog names the account and
//! the MFA device; its arguments hold no secret (the code comes back on its stdout, and is read
//! as a typed code is). A cancelled dialog is one line and exit 1.

use std::path::PathBuf;
use std::time::Duration;

use crate::base::env::Env;
use crate::base::error::{self, Result};
use crate::secrets::asking::{Asked, PROMPT_ATTEMPTS};
use crate::secrets::code_form::normalize;
use crate::sys::helper::{self, Helper};

/// The dialog programs, in the order they are looked for.
pub const PROGRAMS: [&str; 3] = ["zenity", "kdialog", "osascript"];

/// How long a dialog waits for an answer before it is closed.
pub const DIALOG_TIMEOUT: Duration = Duration::from_secs(120);

/// A dialog program: which one (a name of `PROGRAMS`) and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub name: &'static str,
    pub path: PathBuf,
}

/// The first of zenity, kdialog and osascript on PATH (absolute entries only).
pub fn find(env: &Env) -> Option<Program> {
    PROGRAMS
        .iter()
        .find_map(|name| crate::sys::program_path::find(name, env.path()).map(|path| Program { name, path }))
}

/// The dialog's title: `stsenv: MFA code for ACCOUNT` (what a test or a window rule finds it by).
pub fn title(account: &str) -> String {
    format!("stsenv: MFA code for {account}")
}

/// The dialog's text: the account and the device (never a secret).
pub fn text(asked: &Asked) -> String {
    format!("Enter the MFA code for account {} (MFA device {})", asked.account, asked.serial)
}

/// Ask in a dialog of `program`; what is not a code is asked again (up to `PROMPT_ATTEMPTS`
/// times). Cancelled: exit 1, one line.
pub fn ask(program: &Program, asked: &Asked) -> Result<String> {
    let title = title(asked.account);
    let mut text = text(asked);
    for attempt in 1..=PROMPT_ATTEMPTS {
        let argv = argv(program, &title, &text);
        let output = helper::output(&Helper {
            field: "the MFA dialog",
            argv: &argv,
            timeout: DIALOG_TIMEOUT,
            slow: "nobody answered it",
            missing: "no MFA code",
            quiet: true,
            ..Helper::default()
        })?;
        match output.status.code() {
            Some(0) => {}
            // zenity, kdialog and osascript all say "cancelled" with 1 (zenity also when it
            // cannot open the display, which its stderr tells).
            Some(1) if !no_display(&output.stderr) => {
                return Err(error::aws(format!(
                    "the MFA dialog for account {} was cancelled: no code, so no credentials",
                    asked.account
                )));
            }
            _ if no_display(&output.stderr) => {
                return Err(error::usage(format!(
                    "the MFA dialog ({}) cannot open the display{}; set STSENV_PROMPT=terminal, or pass -c CODE or STSENV_TOKEN_CODE",
                    program.path.display(),
                    asked
                        .env
                        .display()
                        .or(asked.env.wayland_display())
                        .map(|d| format!(" {d}"))
                        .unwrap_or_default()
                )));
            }
            _ => {
                return Err(error::usage(format!(
                    "the MFA dialog ({}) failed ({}); set STSENV_PROMPT=terminal, or pass -c CODE or STSENV_TOKEN_CODE",
                    program.path.display(),
                    output.status
                )));
            }
        }
        let answer = String::from_utf8_lossy(&output.stdout);
        if let Some(code) = normalize(answer.trim()) {
            return Ok(code);
        }
        let left = PROMPT_ATTEMPTS - attempt;
        text = format!(
            "That is not the 6 digits your device shows; try again ({left} {} left).\n{}",
            if left == 1 { "try" } else { "tries" },
            self::text(asked)
        );
    }
    Err(error::usage(format!(
        "the MFA code from the dialog must be the 6 digits your device shows ({PROMPT_ATTEMPTS} tries)"
    )))
}

/// Whether a dialog's stderr says that it could not reach the desktop (GTK: `cannot open
/// display`, Qt: `could not connect to display`).
fn no_display(stderr: &[u8]) -> bool {
    let text = String::from_utf8_lossy(stderr).to_ascii_lowercase();
    text.contains("cannot open display") || text.contains("could not connect to display")
}

/// The program's arguments: a hidden entry with the title and text.
pub fn argv(program: &Program, title: &str, text: &str) -> Vec<String> {
    let path = program.path.display().to_string();
    match program.name {
        // zenity reads `_` as a mnemonic and backslashes as escapes in --text.
        "zenity" => vec![
            path,
            "--entry".into(),
            "--hide-text".into(),
            "--title".into(),
            title.into(),
            "--text".into(),
            text.replace('\\', "\\\\").replace('_', "__"),
        ],
        "kdialog" => vec![path, "--title".into(), title.into(), "--password".into(), text.into()],
        _ => {
            let quoted = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
            vec![
                path,
                "-e".into(),
                format!(
                    "display dialog {} default answer \"\" with hidden answer with title {} buttons {{\"Cancel\", \"OK\"}} default button \"OK\" cancel button \"Cancel\"",
                    quoted(text),
                    quoted(title)
                ),
                "-e".into(),
                "text returned of result".into(),
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_name_the_account_and_device_and_escape_markup() {
        let zenity = Program { name: "zenity", path: "/usr/bin/zenity".into() };
        let argv = argv(&zenity, "stsenv: MFA code for my_acct", "device arn:aws:iam::1:mfa/j_b");
        assert_eq!(
            &argv[..5],
            ["/usr/bin/zenity", "--entry", "--hide-text", "--title", "stsenv: MFA code for my_acct"]
        );
        assert_eq!(argv[6], "device arn:aws:iam::1:mfa/j__b");
        let osa = Program { name: "osascript", path: "/usr/bin/osascript".into() };
        let argv = self::argv(&osa, "t", "say \"hi\"");
        assert!(
            argv[2].starts_with("display dialog \"say \\\"hi\\\"\" default answer \"\" with hidden answer"),
            "{}",
            argv[2]
        );
        let kdialog = Program { name: "kdialog", path: "/usr/bin/kdialog".into() };
        assert_eq!(self::argv(&kdialog, "t", "x")[3..], ["--password", "x"]);
    }
}
