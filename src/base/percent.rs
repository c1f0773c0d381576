//! Percent-encoding: bytes outside `[A-Za-z0-9._-]` as `%XX` (cache file names of role ARNs,
//! the names in an otpauth URI), and back.

/// Every byte outside `[A-Za-z0-9._-]` as `%XX` (upper-case hex).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The inverse of `encode` (any `%XX` is decoded); None for a broken escape or non-UTF-8.
pub fn decode(encoded: &str) -> Option<String> {
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for s in ["arn:aws:iam::1:role/a/b", "j.browne+ops@x", "a~b c%", "ünï"] {
            assert_eq!(decode(&encode(s)).as_deref(), Some(s));
        }
        assert_eq!(encode("j.browne+ops@x"), "j.browne%2Bops%40x");
        assert_eq!(decode("%4"), None);
        assert_eq!(decode("%ZZ"), None);
    }
}
