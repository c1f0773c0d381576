//! Account names: what is allowed, and the closest match for a typo.

/// Whether `name` matches `[A-Za-z0-9][A-Za-z0-9._-]*`.
pub fn is_valid(name: &str) -> bool {
    let mut bytes = name.bytes();
    match bytes.next() {
        Some(first) if first.is_ascii_alphanumeric() => {}
        _ => return false,
    }
    bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Whether `c` may stand in an IAM name (user names, role session names): letters, digits and
/// `+=,.@_-`.
pub fn is_iam_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

/// Whether `name` is an IAM name of an allowed length.
pub fn is_iam_name(name: &str, lengths: std::ops::RangeInclusive<usize>) -> bool {
    lengths.contains(&name.len()) && name.chars().all(is_iam_char)
}

/// The error text for a name that is not allowed.
pub fn invalid_message(name: &str) -> String {
    format!(
        "'{}' is not a valid account name: use letters, digits, '.', '_' and '-', starting with a letter or digit",
        name.escape_default()
    )
}

/// The candidate closest to `typed` (case-insensitive), if any is close enough to be a typo.
pub fn closest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let typed = typed.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&typed, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names() {
        for ok in ["personal", "work-2", "a.b_c", "X", "9lives"] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in ["", ".hidden", "-x", "a/b", "../etc", "a b", "ä", "_x"] {
            assert!(!is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn closest_finds_typos_only() {
        let names = ["personal", "work", "staging"];
        assert_eq!(closest("persnal", names), Some("personal"));
        assert_eq!(closest("WROK", names), Some("work"));
        assert_eq!(closest("production", names), None);
    }
}
