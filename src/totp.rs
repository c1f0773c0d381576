//! TOTP codes (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, as AWS virtual MFA devices use)
//! from a Base32 seed.

use totp_rs::{Builder, Secret};

use crate::error::{self, Result};

/// The length of one TOTP window, in seconds.
pub const STEP: u64 = 30;

/// The 6-digit code of `seed_base32` at `unix_time`. The seed may be lower case, spaced into
/// groups or padded with `=` (as apps and consoles show it).
pub fn code(seed_base32: &str, unix_time: u64) -> Result<String> {
    let normalized: String = seed_base32
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=' && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let secret = Secret::try_from_base32(&normalized)
        .ok()
        .filter(|s| !s.as_ref().is_empty() && !normalized.is_empty())
        .ok_or_else(|| error::usage("the TOTP seed is not Base32 text (letters A-Z and digits 2-7)"))?;
    let totp = Builder::new().with_secret(secret).build_noncompliant();
    Ok(totp.generate(unix_time).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_vectors() {
        // The RFC's SHA-1 key "12345678901234567890", last 6 digits of its 8-digit codes.
        let seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        assert_eq!(code(seed, 59).unwrap(), "287082");
        assert_eq!(code(seed, 1_111_111_109).unwrap(), "081804");
        assert_eq!(code(seed, 1_234_567_890).unwrap(), "005924");
        assert_eq!(code(&seed.to_lowercase(), 2_000_000_000).unwrap(), "279037");
        assert_eq!(code("GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ", 59).unwrap(), "287082");
    }

    #[test]
    fn not_base32() {
        assert!(code("not base32!", 0).is_err());
        assert!(code("", 0).is_err());
    }
}
