//! Where secrets come from: key_process, MFA code sources (typed, a process, a TOTP seed) and TOTP.

pub mod key_process;
pub mod mfa_code;
pub mod totp;
