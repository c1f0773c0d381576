//! Account names and role keys: what is allowed, the closest match for a typo, and how a name
//! from a file or the environment is shown to a person ([`shown`]).

use std::borrow::Cow;

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

/// The error text for a key of an account's `roles` that is not allowed (the same rule as
/// account names: role keys are typed, completed and listed like them).
pub fn invalid_role_key_message(account: &str, key: &str) -> String {
    format!(
        "account '{account}': role key '{}' is not allowed: use letters, digits, '.', '_' and '-', starting with a letter or digit",
        key.escape_default()
    )
}

/// Text from a file or the environment as a person sees it (a table, a report, a prompt, a
/// message): control characters (ESC, newline, carriage return, ...) and the invisible ones that
/// reorder or hide text (bidirectional overrides, zero-width characters) escaped as `\u{1b}`,
/// `\n`; everything else as it is. The terminal then never gets a raw escape sequence.
pub fn shown(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A character a terminal does not show as itself: a control character, or a format
/// character that reorders or hides text.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{ad}' | '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
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
    fn shown_escapes_what_a_terminal_would_act_on() {
        assert_eq!(shown("personal"), "personal");
        assert!(matches!(shown("ä-work"), Cow::Borrowed("ä-work")));
        assert_eq!(shown("\u{1b}[31mred\r\n"), "\\u{1b}[31mred\\r\\n");
        assert_eq!(shown("a\u{202e}b\u{7f}"), "a\\u{202e}b\\u{7f}");
    }

    #[test]
    fn closest_finds_typos_only() {
        let names = ["personal", "work", "staging"];
        assert_eq!(closest("persnal", names), Some("personal"));
        assert_eq!(closest("WROK", names), Some("work"));
        assert_eq!(closest("production", names), None);
    }
}
