//! Where secrets come from: key_process, MFA code sources (typed, a dialog, a process, a TOTP seed) and TOTP.

pub(crate) mod asking;
pub(crate) mod code_form;
pub(crate) mod dialog;
pub(crate) mod key_process;
pub(crate) mod long_term;
pub(crate) mod mfa_code;
pub(crate) mod prompt;
pub(crate) mod totp;
