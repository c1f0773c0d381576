//! Where secrets come from: key_process, MFA code sources (typed, a process, a TOTP seed) and TOTP.

pub mod code_form;
pub mod key_process;
pub mod long_term;
pub mod mfa_code;
pub mod prompt;
pub mod totp;
