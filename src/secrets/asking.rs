//! Whom an MFA code is asked for and where the user is: what the prompt, the dialog and
//! `mfa_process`'s runner need to know, below all three.

use crate::base::env::Env;

/// How many times the prompt asks when what is typed is not a code.
pub const PROMPT_ATTEMPTS: usize = 3;

/// Where the user is when a code is needed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Asking {
    /// A command of the user's shell: the prompt on the terminal, `mfa_process`'s messages on
    /// stderr; without a terminal, a dialog in a desktop session, else the advice to pass -c or
    /// `$STSENV_TOKEN_CODE`.
    Shell,
    /// A process whose stdout and stderr another program reads (a `credential_process` of the
    /// AWS CLI or an SDK): the prompt and `mfa_process`'s messages ("touch your YubiKey") on
    /// the terminal, `/dev/tty`, when there is one; without one, a dialog in a desktop session,
    /// else this one-line error.
    Captured { no_terminal: String },
}

/// Whom a code is asked for, and where: for the prompt's and the dialog's text.
pub struct Asked<'a> {
    /// The account's name.
    pub account: &'a str,
    /// The user name to ask the code for, or the device's serial when that is only a guess.
    pub user: &'a str,
    /// The MFA device's serial.
    pub serial: &'a str,
    pub asking: &'a Asking,
    pub env: &'a Env,
}
