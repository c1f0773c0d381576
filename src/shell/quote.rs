//! Quoting of values for the shell code that the wrapper functions `eval`.
//!
//! This module is a security boundary: every value that stsenv prints for a
//! shell to evaluate goes through [`quote`], and the shell's parser must yield
//! exactly the input bytes, never run anything. The emitted text is always
//! printable ASCII, so it can't smuggle control sequences to a terminal and is
//! read the same in every locale.
//!
//! * bash and zsh: a value made only of printable ASCII (0x20-0x7e) goes in
//!   single quotes, with `'` written as `'\''`. Anything else goes in ANSI-C
//!   quotes `$'...'`, where `\` and `'` are escaped and every byte outside
//!   printable ASCII is written `\xHH`.
//! * fish: runs of printable ASCII go in single quotes (where only `\'` and
//!   `\\` are escapes) and every other byte is an unquoted `\XHH`, with no
//!   space in between, e.g. `'abc'\X1B'def'`. `\XHH` is a raw byte in all fish
//!   versions; before fish 3.6.0, `\xHH` failed for HH > 7f. fish (3.6) joins
//!   consecutive byte escapes that form valid UTF-8 into characters and keeps
//!   the rest (invalid UTF-8, and the code points it reserves internally such
//!   as U+F600-U+F6FF and U+FDD0-U+FDEF) as raw bytes, so the variable's
//!   bytes, as printed or exported, are exactly the input bytes.
//! * nushell: it cannot `eval` text, so it gets data: one JSON object (see
//!   [`statements`]) whose strings are JSON string literals with every
//!   character outside printable ASCII written `\uXXXX` (UTF-16, as JSON
//!   says). nushell's `$env` holds UTF-8 strings only, so a value that is not
//!   valid UTF-8 cannot reach it: callers check [`nu_holds`] first.

use std::fmt::Write as _;

use crate::shell::Shell;

/// Quote one value so that `shell`'s parser yields exactly these bytes.
///
/// The result is a single shell word made only of printable ASCII.
///
/// # Panics
///
/// If `value` contains a NUL byte: no shell variable or environment entry
/// can hold one. Callers must reject such values first.
pub fn quote(shell: Shell, value: &[u8]) -> String {
    assert!(!value.contains(&0), "stsenv::shell::quote: value contains a NUL byte, which no shell can hold");
    match shell {
        Shell::Bash | Shell::Zsh => quote_posix(value),
        Shell::Fish => quote_fish(value),
        Shell::Nu => {
            quote_json(std::str::from_utf8(value).expect("stsenv::shell::quote: nushell holds only UTF-8"))
        }
    }
}

/// One word of a command line that is split the POSIX shell way but never evaluated as a
/// script: the `credential_process` of `~/.aws/config`, which botocore splits with `shlex` and
/// the JavaScript and Go SDKs run with `sh -c`. A word of only `A-Za-z0-9` and `/._+:@%,=-` is
/// left bare; any other printable ASCII goes in single quotes (`'` as `'\''`), which both read
/// alike. None for a word with a byte outside printable ASCII (`shlex` has no `$'...'`), and
/// for an empty word.
pub fn posix_word(word: &str) -> Option<String> {
    if word.is_empty() || !word.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return None;
    }
    let bare = word.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._+:@%,=-".contains(&b));
    Some(if bare { word.to_owned() } else { quote_posix(word.as_bytes()) })
}

/// Whether nushell's `$env` can hold this value byte for byte: valid UTF-8 without NUL.
pub fn nu_holds(value: &[u8]) -> bool {
    !value.contains(&0) && std::str::from_utf8(value).is_ok()
}

/// The whole change for `shell`, in the given order: `Some(value)` sets and exports the
/// variable, `None` removes it. bash, zsh and fish: one statement a line ([`set_var`],
/// [`unset_var`]). nushell: one line, `{"set":{"NAME":"value",...},"unset":["NAME",...]}`, which
/// its functions apply with `load-env` and `hide-env`.
///
/// # Panics
///
/// As [`quote`]: a value with a NUL byte, or for nushell one that is not valid UTF-8.
pub fn statements(shell: Shell, assignments: &[(&str, Option<&[u8]>)]) -> String {
    if shell != Shell::Nu {
        return assignments
            .iter()
            .map(|(name, value)| match value {
                Some(value) => set_var(shell, name, value),
                None => unset_var(shell, name),
            })
            .collect();
    }
    let set: Vec<String> = assignments
        .iter()
        .filter_map(|(name, value)| {
            debug_assert!(is_name(name), "invalid variable name {name:?}");
            Some(format!("\"{name}\":{}", quote(shell, (*value)?)))
        })
        .collect();
    let unset: Vec<String> = assignments
        .iter()
        .filter(|(_, value)| value.is_none())
        .map(|(name, _)| format!("\"{name}\""))
        .collect();
    format!("{{\"set\":{{{}}},\"unset\":[{}]}}\n", set.join(","), unset.join(","))
}

/// A statement that sets and exports `name` (which must match
/// `[A-Z_][A-Z0-9_]*`; it is not quoted) to `value`, ending with a newline.
///
/// bash and zsh: `builtin export NAME=...;`, fish: `set -gx NAME ...;` (`builtin`, so that a
/// user's alias or function named `export` changes nothing; fish reserves `set`). nushell has
/// no statements: see [`statements`].
pub fn set_var(shell: Shell, name: &str, value: &[u8]) -> String {
    debug_assert!(is_name(name), "invalid variable name {name:?}");
    if shell == Shell::Nu {
        return statements(shell, &[(name, Some(value))]);
    }
    let value = quote(shell, value);
    match shell {
        Shell::Fish => format!("set -gx {name} {value};\n"),
        _ => format!("builtin export {name}={value};\n"),
    }
}

/// A statement that removes `name` (which must match `[A-Z_][A-Z0-9_]*`),
/// ending with a newline. It prints nothing and leaves status 0 when the
/// variable is not set.
///
/// bash and zsh: `builtin unset NAME;`, fish: `set -e -g NAME; or true;` (only the global stsenv set, never a universal variable of the user's; fish's
/// `set -e` silently returns a non-zero status for a missing variable).
pub fn unset_var(shell: Shell, name: &str) -> String {
    debug_assert!(is_name(name), "invalid variable name {name:?}");
    match shell {
        Shell::Bash | Shell::Zsh => format!("builtin unset {name};\n"),
        Shell::Fish => format!("set -e -g {name}; or true;\n"),
        Shell::Nu => statements(shell, &[(name, None)]),
    }
}

fn is_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_uppercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

fn is_printable(b: u8) -> bool {
    (0x20..=0x7e).contains(&b)
}

fn quote_posix(value: &[u8]) -> String {
    let mut out = String::with_capacity(value.len() + 3);
    if value.iter().copied().all(is_printable) {
        out.push('\'');
        for &b in value {
            if b == b'\'' {
                out.push_str(r"'\''");
            } else {
                out.push(char::from(b));
            }
        }
        out.push('\'');
    } else {
        out.push_str("$'");
        for &b in value {
            match b {
                b'\\' => out.push_str(r"\\"),
                b'\'' => out.push_str(r"\'"),
                _ if is_printable(b) => out.push(char::from(b)),
                _ => write!(out, r"\x{b:02X}").expect("writing to a String"),
            }
        }
        out.push('\'');
    }
    out
}

fn quote_fish(value: &[u8]) -> String {
    if value.is_empty() {
        return "''".to_owned();
    }
    let mut out = String::with_capacity(value.len() + 2);
    let mut in_quotes = false;
    for &b in value {
        if is_printable(b) {
            if !in_quotes {
                out.push('\'');
                in_quotes = true;
            }
            match b {
                b'\\' => out.push_str(r"\\"),
                b'\'' => out.push_str(r"\'"),
                _ => out.push(char::from(b)),
            }
        } else {
            if in_quotes {
                out.push('\'');
                in_quotes = false;
            }
            write!(out, r"\X{b:02X}").expect("writing to a String");
        }
    }
    if in_quotes {
        out.push('\'');
    }
    out
}

/// A JSON string literal made only of printable ASCII: `"` and `\\` escaped, everything else
/// outside 0x20-0x7e as `\uXXXX` (a surrogate pair above U+FFFF).
fn quote_json(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            _ => {
                for unit in c.encode_utf16(&mut [0; 2]) {
                    write!(out, "\\u{unit:04x}").expect("writing to a String");
                }
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            assert_eq!(quote(shell, b""), "''");
        }
        assert_eq!(quote(Shell::Nu, b""), "\"\"");
    }

    #[test]
    fn nu_json() {
        let q = |v: &str| quote(Shell::Nu, v.as_bytes());
        assert_eq!(q("it's \\ \"$x\" (y)"), r#""it's \\ \"$x\" (y)""#);
        assert_eq!(q("a\nb\x1b\x7f"), r#""a\u000ab\u001b\u007f""#);
        assert_eq!(q("é€😀"), r#""\u00e9\u20ac\ud83d\ude00""#);
        assert!(nu_holds("é".as_bytes()));
        assert!(!nu_holds(b"\xff"));
        assert!(!nu_holds(b"a\0b"));
    }

    #[test]
    fn nu_statements_are_one_object() {
        let out = statements(
            Shell::Nu,
            &[("A", Some(b"x".as_slice())), ("B", None), ("C", Some(b"'")), ("D", None)],
        );
        assert_eq!(out, "{\"set\":{\"A\":\"x\",\"C\":\"'\"},\"unset\":[\"B\",\"D\"]}\n");
        assert_eq!(statements(Shell::Nu, &[]), "{\"set\":{},\"unset\":[]}\n");
        assert_eq!(
            statements(Shell::Bash, &[("A", Some(b"x".as_slice())), ("B", None)]),
            "builtin export A='x';\nbuiltin unset B;\n"
        );
    }

    #[test]
    fn posix_printable_uses_single_quotes() {
        for shell in [Shell::Bash, Shell::Zsh] {
            assert_eq!(quote(shell, b"abc"), "'abc'");
            assert_eq!(quote(shell, b"it's"), r"'it'\''s'");
            assert_eq!(
                quote(shell, b"$(touch x) `y` \\ \"z\" ~ * {a,b} %1 !!"),
                "'$(touch x) `y` \\ \"z\" ~ * {a,b} %1 !!'"
            );
            assert_eq!(quote(shell, b"'"), r"''\'''");
        }
    }

    #[test]
    fn posix_other_bytes_use_ansi_c_quotes() {
        for shell in [Shell::Bash, Shell::Zsh] {
            assert_eq!(quote(shell, b"a\nb"), r"$'a\x0Ab'");
            assert_eq!(quote(shell, b"\x1b[31m'\\\x7f"), r"$'\x1B[31m\'\\\x7F'");
            assert_eq!(quote(shell, "é\u{f600}".as_bytes()), r"$'\xC3\xA9\xEF\x98\x80'");
            assert_eq!(quote(shell, b"\xff$x"), r"$'\xFF$x'");
        }
    }

    #[test]
    fn fish() {
        let q = |v: &[u8]| quote(Shell::Fish, v);
        assert_eq!(q(b"abc"), "'abc'");
        assert_eq!(q(b"it's \\ $x (y) *"), r"'it\'s \\ $x (y) *'");
        assert_eq!(q(b"abc\x1bdef"), r"'abc'\X1B'def'");
        assert_eq!(q(b"\n"), r"\X0A");
        assert_eq!(q(b"\xff\x80a\x7f"), r"\XFF\X80'a'\X7F");
        assert_eq!(q("€".as_bytes()), r"\XE2\X82\XAC");
    }

    #[test]
    fn single_statements() {
        assert_eq!(set_var(Shell::Bash, "AWS_PROFILE", b"dev"), "builtin export AWS_PROFILE='dev';\n");
        assert_eq!(set_var(Shell::Zsh, "AWS_PROFILE", b"a\tb"), "builtin export AWS_PROFILE=$'a\\x09b';\n");
        assert_eq!(set_var(Shell::Fish, "AWS_PROFILE", b"-e"), "set -gx AWS_PROFILE '-e';\n");
        assert_eq!(
            set_var(Shell::Nu, "AWS_PROFILE", b"a\"b"),
            "{\"set\":{\"AWS_PROFILE\":\"a\\\"b\"},\"unset\":[]}\n"
        );
        assert_eq!(unset_var(Shell::Nu, "AWS_PROFILE"), "{\"set\":{},\"unset\":[\"AWS_PROFILE\"]}\n");
        assert_eq!(unset_var(Shell::Bash, "AWS_PROFILE"), "builtin unset AWS_PROFILE;\n");
        assert_eq!(unset_var(Shell::Zsh, "AWS_PROFILE"), "builtin unset AWS_PROFILE;\n");
        assert_eq!(unset_var(Shell::Fish, "AWS_PROFILE"), "set -e -g AWS_PROFILE; or true;\n");
    }

    #[test]
    fn output_is_printable_ascii() {
        let all: Vec<u8> = (1..=255).collect();
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let q = quote(shell, &all);
            assert!(q.bytes().all(is_printable), "{shell:?}: {q}");
        }
        let text: String = (1..0x3000).filter_map(char::from_u32).chain(['\u{10ffff}']).collect();
        let q = quote(Shell::Nu, text.as_bytes());
        assert!(q.bytes().all(is_printable), "nu: {q}");
    }

    #[test]
    #[should_panic(expected = "NUL")]
    fn nul_panics() {
        quote(Shell::Bash, b"a\0b");
    }
}
