//! TOTP codes (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, as AWS virtual MFA devices use)
//! from a Base32 seed: `NAME.totp` files and `mfa-device enroll --store-seed`.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::base::error::{self, Result};
use crate::config::key_dir;

/// The length of one TOTP window, in seconds.
pub const STEP: u64 = 30;

/// The RFC 6238 code (HMAC-SHA1, 30 s steps, 6 digits, as AWS virtual MFA devices use) of a
/// base32 seed at a Unix time. Spaces, `=` padding and lower case are accepted.
pub fn code(seed: &[u8], unix: u64) -> std::result::Result<String, &'static str> {
    let text = std::str::from_utf8(seed).map_err(|_| "it is not text")?;
    let cleaned: String =
        text.chars().filter(|c| !c.is_whitespace() && *c != '=').map(|c| c.to_ascii_uppercase()).collect();
    let secret = totp_rs::Secret::try_from_base32(&cleaned)
        .map_err(|_| "it is not base32 (the letters A to Z and digits 2 to 7)")?;
    let totp = totp_rs::Builder::new()
        .with_secret(secret)
        .build()
        .map_err(|_| "it is shorter than 128 bits (26 base32 characters)")?;
    Ok(totp.generate(unix).to_string())
}

/// The time now, in Unix seconds (the clock TOTP codes are made from).
pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

/// The code of a `NAME.totp` file at the Unix time `now`: read as a key file is (refused unless
/// trusted up to `home`, a warning when group or others can read it).
pub fn code_from_file_at(path: &Path, home: &Path, now: u64) -> Result<String> {
    let seed = key_dir::read_secret(path, home, "TOTP seed")?.ok_or_else(|| {
        error::usage(format!("cannot read the TOTP seed {}: it does not exist", path.display()))
    })?;
    let seed = key_dir::checked_value(path, seed)?;
    code(&seed, now).map_err(|reason| {
        error::usage(format!(
            "{} is not a usable TOTP seed: {reason}; put the base32 seed of the MFA device in it (its Base32StringSeed)",
            path.display()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1, seed "12345678901234567890", the last 6 of the 8 digits.
    #[test]
    fn rfc_6238_vectors() {
        let seed = b"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        for (time, expected) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(code(seed, time).unwrap(), expected, "at {time}");
        }
        assert_eq!(code(b"gezd gnbv gy3t qojq gezd gnbv gy3t qojq====", 59).unwrap(), "287082");
    }

    #[test]
    fn bad_seeds() {
        assert!(code(b"not base32!", 0).unwrap_err().contains("not base32"));
        assert!(code(b"GEZDGNBV", 0).unwrap_err().contains("shorter than 128 bits"));
        assert!(code(&[0xff, 0xfe], 0).unwrap_err().contains("not text"));
    }
}
