//! What an MFA code looks like: six digits, typed as authenticator apps show them.

use crate::base::error::{self, Result};

/// An MFA code is six digits.
pub fn check(code: &str, origin: &str) -> Result<()> {
    if is_code(code) { Ok(()) } else { Err(wrong_form(origin)) }
}

/// A code as people type it, as authenticator apps show it: `123456`, `123 456`, `123-456`
/// are the code `123456`; anything else is an error naming where it came from.
pub fn parse(code: &str, origin: &str) -> Result<String> {
    normalize(code).ok_or_else(|| wrong_form(origin))
}

/// The six digits of `code` once spaces and hyphens are left out, if that is a code.
pub fn normalize(code: &str) -> Option<String> {
    let digits: String = code.chars().filter(|c| !matches!(c, ' ' | '\t' | '-')).collect();
    is_code(&digits).then_some(digits)
}

fn wrong_form(origin: &str) -> error::Error {
    error::usage(format!(
        "the MFA code from {origin} must be the 6 digits your device shows (or 'skip' for a session without MFA)"
    ))
}

fn is_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}
