//! Changing one account of the accounts file while keeping the rest of the file as the user
//! wrote it: other accounts, field order, spacing and the old string form of other entries.
//! A small scanner finds the byte spans of the top-level members; only the account's own
//! value is rewritten (or a member is added), and the result is parsed again before use.

use std::path::Path;

use crate::base::error::{self, Result};
use crate::config::accounts::Accounts;

/// Set `mfa_serial` of account `name` (matched ignoring case) in the accounts file's text.
/// A string entry becomes `{"arn": ..., "mfa_serial": ...}`; a missing account is added with
/// `arn`. Returns the new text, checked to parse with the serial in place.
pub fn set_mfa_serial(
    text: &str,
    name: &str,
    arn: &str,
    serial: &str,
) -> std::result::Result<String, String> {
    let top = scan_object(text, skip_ws(text, 0)).ok_or("the file is not a JSON object")?;
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let member = top.members.iter().find(|m| m.key.eq_ignore_ascii_case(name));
    let new = match member {
        Some(m) if text[m.value.0..].starts_with('"') => {
            let old_arn: String =
                serde_json::from_str(&text[m.value.0..m.value.1]).map_err(|e| e.to_string())?;
            let object = format!("{{\"arn\": {}, \"mfa_serial\": {}}}", quote(&old_arn), quote(serial));
            splice(text, m.value, &object)
        }
        Some(m) => {
            let inner = scan_object(text, m.value.0).ok_or("the account's entry is not an object")?;
            match inner.members.iter().find(|f| f.key == "mfa_serial") {
                Some(field) => splice(text, field.value, &quote(serial)),
                None => insert_member(text, &inner, "mfa_serial", &quote(serial)),
            }
        }
        None => {
            let object = format!("{{\"arn\": {}, \"mfa_serial\": {}}}", quote(arn), quote(serial));
            insert_member(text, &top, name, &object)
        }
    };
    let parsed = Accounts::parse(&new)?;
    match parsed.find(name) {
        Some(a) if a.mfa_serial.as_deref() == Some(serial) => Ok(new),
        _ => Err("the rewritten file does not have the serial".to_owned()),
    }
}

/// Rewrite the accounts file at `path` (or create it) with `mfa_serial` set for `name`,
/// atomically and keeping its mode.
pub fn write_mfa_serial(path: &Path, name: &str, arn: &str, serial: &str) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let (text, mode) = match std::fs::read_to_string(path) {
        Ok(text) => (text, std::fs::metadata(path).map(|m| m.mode() & 0o777).unwrap_or(0o644)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => ("{\n}\n".to_owned(), 0o644),
        Err(e) => {
            return Err(error::usage(format!(
                "cannot read the accounts file {}: {}",
                path.display(),
                crate::base::error::io_reason(&e)
            )));
        }
    };
    let new = set_mfa_serial(&text, name, arn, serial).map_err(|e| {
        error::usage(format!(
            "cannot add the MFA serial to {} ({e}); add \"mfa_serial\": \"{serial}\" to account '{name}' by hand",
            path.display()
        ))
    })?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| error::usage(format!("cannot create {}: {e}", dir.display())))?;
    }
    crate::sys::atomic::write(path, new.as_bytes(), mode).map_err(|e| {
        error::usage(format!(
            "cannot write the accounts file {}: {}; add \"mfa_serial\": \"{serial}\" to account '{name}' by hand",
            path.display(),
            crate::base::error::io_reason(&e)
        ))
    })
}

/// A change to one field of an account's entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Set the field to this JSON value (already serialised).
    Set(String),
    /// Remove the field, if it is there.
    Remove,
}

/// A JSON string, serialised.
pub fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// A JSON array of strings on one line: `["op", "read", "op://aws/key"]`.
pub fn json_strings(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|i| json_string(i)).collect::<Vec<_>>().join(", "))
}

/// Apply `edits` to account `name` (matched ignoring case), keeping the rest of the file: a
/// string entry becomes an object with its `arn`; a missing account is added (the edits must
/// then set `arn`). Returns the new text, checked to parse.
pub fn set_fields(text: &str, name: &str, edits: &[(&str, Edit)]) -> std::result::Result<String, String> {
    let mut text = text.to_owned();
    let top = scan_object(&text, skip_ws(&text, 0)).ok_or("the file is not a JSON object")?;
    let set: Vec<(&str, &str)> = edits
        .iter()
        .filter_map(|(k, e)| match e {
            Edit::Set(v) => Some((*k, v.as_str())),
            Edit::Remove => None,
        })
        .collect();
    let object = |arn: Option<String>| {
        let mut fields: Vec<String> = Vec::new();
        let new_arn = set.iter().find(|(k, _)| *k == "arn").map(|(_, v)| (*v).to_owned());
        if let Some(arn) = new_arn.or(arn) {
            fields.push(format!("\"arn\": {arn}"));
        }
        fields
            .extend(set.iter().filter(|(k, _)| *k != "arn").map(|(k, v)| format!("{}: {v}", json_string(k))));
        format!("{{{}}}", fields.join(", "))
    };
    match top.members.iter().find(|m| m.key.eq_ignore_ascii_case(name)) {
        None => text = insert_member(&text, &top, name, &object(None)),
        Some(m) if text[m.value.0..].starts_with('"') => {
            let old = text[m.value.0..m.value.1].to_owned();
            text = splice(&text, m.value, &object(Some(old)));
        }
        Some(m) => {
            let start = m.value.0;
            for (key, edit) in edits {
                let inner = scan_object(&text, start).ok_or("the account's entry is not an object")?;
                let at = inner.members.iter().position(|f| f.key == *key);
                text = match (at, edit) {
                    (Some(i), Edit::Set(value)) => splice(&text, inner.members[i].value, value),
                    (None, Edit::Set(value)) => insert_member(&text, &inner, key, value),
                    (Some(i), Edit::Remove) => remove_member(&text, &inner, i),
                    (None, Edit::Remove) => text,
                };
            }
        }
    }
    Accounts::parse(&text)?;
    Ok(text)
}

/// Take account `name` (matched ignoring case, every spelling of it) out of the accounts file's
/// text, keeping every other byte: the comma that joined it goes with it, and a file left
/// without accounts is `{}` with its line breaks. Returns the new text, checked to parse
/// without the account; None when the account is not in it.
pub fn remove_account(text: &str, name: &str) -> std::result::Result<Option<String>, String> {
    let mut text = text.to_owned();
    let mut removed = false;
    loop {
        let top = scan_object(&text, skip_ws(&text, 0)).ok_or("the file is not a JSON object")?;
        let Some(i) = top.members.iter().position(|m| m.key.eq_ignore_ascii_case(name)) else { break };
        text = if top.members.len() == 1 {
            let inside = &text[top.start + 1..top.end - 1];
            let keep = if inside.contains('\n') { "\n" } else { "" };
            splice(&text, (top.start + 1, top.end - 1), keep)
        } else {
            remove_member(&text, &top, i)
        };
        removed = true;
    }
    if !removed {
        return Ok(None);
    }
    match Accounts::parse(&text)?.find(name) {
        None => Ok(Some(text)),
        Some(_) => Err("the rewritten file still has the account".to_owned()),
    }
}

/// The text without member `i` of the object, and the comma that joined it.
fn remove_member(text: &str, object: &Object, i: usize) -> String {
    let members = &object.members;
    let span = if i > 0 {
        (members[i - 1].value.1, members[i].value.1)
    } else if let Some(next) = members.get(1) {
        (members[0].key_start, next.key_start)
    } else {
        (members[0].key_start, members[0].value.1)
    };
    splice(text, span, "")
}

fn splice(text: &str, span: (usize, usize), with: &str) -> String {
    format!("{}{}{}", &text[..span.0], with, &text[span.1..])
}

/// Add `"key": value` as the object's last member, indented like its last member (or on one
/// line after `{` when it is empty).
fn insert_member(text: &str, object: &Object, key: &str, value: &str) -> String {
    let key = serde_json::to_string(key).unwrap_or_default();
    match object.members.last() {
        Some(last) => {
            // The whitespace before the last member's key: "\n    " or " ".
            let before = &text[..last.key_start];
            let ws_start = before.trim_end_matches([' ', '\t', '\n', '\r']).len();
            let ws = &text[ws_start..last.key_start];
            let ws = if ws.is_empty() { " " } else { ws };
            splice(text, (last.value.1, last.value.1), &format!(",{ws}{key}: {value}"))
        }
        None => {
            let close = object.end - 1;
            let inside = &text[object.start + 1..close];
            if inside.contains('\n') {
                splice(text, (object.start + 1, close), &format!("\n  {key}: {value}\n"))
            } else {
                splice(text, (object.start + 1, close), &format!("{key}: {value}"))
            }
        }
    }
}

struct Member {
    key: String,
    key_start: usize,
    /// The value's byte span.
    value: (usize, usize),
}

struct Object {
    start: usize,
    /// One past the closing brace.
    end: usize,
    members: Vec<Member>,
}

fn skip_ws(text: &str, mut i: usize) -> usize {
    let b = text.as_bytes();
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// The object starting at `i` (which must be `{`).
fn scan_object(text: &str, i: usize) -> Option<Object> {
    let b = text.as_bytes();
    if b.get(i) != Some(&b'{') {
        return None;
    }
    let mut members = Vec::new();
    let mut j = skip_ws(text, i + 1);
    if b.get(j) == Some(&b'}') {
        return Some(Object { start: i, end: j + 1, members });
    }
    loop {
        let key_start = j;
        let key_end = scan_string(text, j)?;
        let key: String = serde_json::from_str(&text[key_start..key_end]).ok()?;
        j = skip_ws(text, key_end);
        if b.get(j) != Some(&b':') {
            return None;
        }
        let value_start = skip_ws(text, j + 1);
        let value_end = scan_value(text, value_start)?;
        members.push(Member { key, key_start, value: (value_start, value_end) });
        j = skip_ws(text, value_end);
        match b.get(j)? {
            b',' => j = skip_ws(text, j + 1),
            b'}' => return Some(Object { start: i, end: j + 1, members }),
            _ => return None,
        }
    }
}

/// One past the end of the string starting at `i`.
fn scan_string(text: &str, i: usize) -> Option<usize> {
    let b = text.as_bytes();
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

/// One past the end of the value starting at `i`.
fn scan_value(text: &str, i: usize) -> Option<usize> {
    let b = text.as_bytes();
    match b.get(i)? {
        b'"' => scan_string(text, i),
        b'{' => scan_object(text, i).map(|o| o.end),
        b'[' => {
            let mut j = skip_ws(text, i + 1);
            if b.get(j) == Some(&b']') {
                return Some(j + 1);
            }
            loop {
                j = skip_ws(text, scan_value(text, j)?);
                match b.get(j)? {
                    b',' => j = skip_ws(text, j + 1),
                    b']' => return Some(j + 1),
                    _ => return None,
                }
            }
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERIAL: &str = "arn:aws:iam::012123456789:mfa/jbrowne";
    const FILE: &str = r#"{
  "personal": "arn:aws:iam::987654321012:",
  "work": {
    "arn": "arn:aws:iam::012123456789:",
    "user": "jbrowne",
    "roles": { "admin": "arn:aws:iam::012123456789:role/Admin", "list": ["x", {"y": 1}] }
  },
  "other": "arn:aws:iam::111122223333:"
}
"#;

    #[test]
    fn adds_a_field_to_an_object_keeping_the_rest() {
        let new = set_mfa_serial(FILE, "WORK", "", SERIAL).unwrap_err();
        // "list" is not a valid roles value: the check after the rewrite catches a bad file.
        assert!(new.contains("invalid type"), "{new}");
        let file = FILE.replace(r#", "list": ["x", {"y": 1}]"#, "");
        let new = set_mfa_serial(&file, "WORK", "", SERIAL).unwrap();
        let expected = file.replace(
            "role/Admin\" }\n  },",
            &format!("role/Admin\" }},\n    \"mfa_serial\": \"{SERIAL}\"\n  }},"),
        );
        assert_eq!(new, expected);
    }

    #[test]
    fn replaces_an_existing_serial() {
        let file =
            r#"{"w": {"arn": "arn:aws:iam::012123456789:", "mfa_serial": "old", "region": "eu-west-1"}}"#;
        let new = set_mfa_serial(file, "w", "", SERIAL).unwrap();
        assert_eq!(new, file.replace("\"old\"", &format!("\"{SERIAL}\"")));
    }

    #[test]
    fn string_form_becomes_an_object_for_this_account_only() {
        let file = FILE.replace(r#", "list": ["x", {"y": 1}]"#, "");
        let new = set_mfa_serial(&file, "personal", "", SERIAL).unwrap();
        assert_eq!(
            new,
            file.replace(
                r#""personal": "arn:aws:iam::987654321012:","#,
                &format!(r#""personal": {{"arn": "arn:aws:iam::987654321012:", "mfa_serial": "{SERIAL}"}},"#)
            )
        );
        assert!(new.contains(r#""other": "arn:aws:iam::111122223333:""#));
    }

    #[test]
    fn adds_a_missing_account() {
        let file = "{\n  \"a\": \"arn:aws:iam::987654321012:\"\n}\n";
        let new = set_mfa_serial(file, "b", "arn:aws:iam::012123456789:", SERIAL).unwrap();
        assert_eq!(
            new,
            format!(
                "{{\n  \"a\": \"arn:aws:iam::987654321012:\",\n  \"b\": {{\"arn\": \"arn:aws:iam::012123456789:\", \"mfa_serial\": \"{SERIAL}\"}}\n}}\n"
            )
        );
        let new = set_mfa_serial("{\n}\n", "b", "arn:aws:iam::012123456789:", SERIAL).unwrap();
        assert!(Accounts::parse(&new).unwrap().find("b").is_some(), "{new}");
        let new = set_mfa_serial("{}", "b", "arn:aws:iam::012123456789:", SERIAL).unwrap();
        assert!(new.starts_with("{\"b\": {"), "{new}");
    }

    #[test]
    fn remove_account_keeps_every_other_byte() {
        let file = FILE.replace(r#", "list": ["x", {"y": 1}]"#, "");
        // In the middle (an object spanning lines), first, last.
        let new = remove_account(&file, "WORK").unwrap().unwrap();
        let work = &file[file.find("  \"work\"").unwrap()..file.find("  \"other\"").unwrap()];
        assert_eq!(new, file.replace(work, ""));
        let new = remove_account(&file, "personal").unwrap().unwrap();
        assert_eq!(new, file.replace("\"personal\": \"arn:aws:iam::987654321012:\",\n  ", ""));
        let new = remove_account(&file, "other").unwrap().unwrap();
        assert_eq!(new, file.replace(",\n  \"other\": \"arn:aws:iam::111122223333:\"", ""));
        // The only one: an empty object, its line breaks kept; on one line, `{}`.
        let one = "{\n  \"a\": \"arn:aws:iam::987654321012:\"\n}\n";
        assert_eq!(remove_account(one, "A").unwrap().unwrap(), "{\n}\n");
        assert_eq!(remove_account(r#"{"a": "arn:aws:iam::987654321012:"}"#, "a").unwrap().unwrap(), "{}");
        // Not there: nothing to do; not an object: an error.
        assert_eq!(remove_account(&file, "nosuch").unwrap(), None);
        assert!(remove_account("[]", "a").is_err());
    }

    #[test]
    fn set_fields_adds_replaces_and_removes_keeping_the_rest() {
        let file = FILE.replace(r#", "list": ["x", {"y": 1}]"#, "");
        let arn = json_string("arn:aws:iam::222233334444:");
        let edits = [
            ("arn", Edit::Set(arn.clone())),
            ("user", Edit::Set(json_string("jb2"))),
            ("mfa_serial", Edit::Remove),
            ("key_process", Edit::Set(json_strings(&["op".into(), "read".into(), "op://a b".into()]))),
        ];
        // An object: its fields change in place, the others stay.
        let new = set_fields(&file, "Work", &edits).unwrap();
        let want = file
            .replace("012123456789:\",\n    \"user\": \"jbrowne\"", "222233334444:\",\n    \"user\": \"jb2\"")
            .replace(
                "role/Admin\" }\n  },",
                "role/Admin\" },\n    \"key_process\": [\"op\", \"read\", \"op://a b\"]\n  },",
            );
        assert_eq!(new, want);
        // The string form becomes an object, others untouched.
        let new = set_fields(&file, "personal", &edits).unwrap();
        assert!(
            new.contains(
                r#""personal": {"arn": "arn:aws:iam::222233334444:", "user": "jb2", "key_process": ["op", "read", "op://a b"]},"#
            ),
            "{new}"
        );
        assert!(new.contains(r#""other": "arn:aws:iam::111122223333:""#));
        // A new account at the end.
        let new = set_fields(&file, "new", &edits).unwrap();
        assert!(new.ends_with("  \"new\": {\"arn\": \"arn:aws:iam::222233334444:\", \"user\": \"jb2\", \"key_process\": [\"op\", \"read\", \"op://a b\"]}\n}\n"), "{new}");
        assert!(new.starts_with(&file[..file.len() - 3]));
        // Removing the first, a middle and the only member.
        let one = r#"{"w": {"mfa_serial": "s", "arn": "arn:aws:iam::012123456789:", "user": "u"}}"#;
        let new = set_fields(one, "w", &[("mfa_serial", Edit::Remove), ("user", Edit::Remove)]).unwrap();
        assert_eq!(new, r#"{"w": {"arn": "arn:aws:iam::012123456789:"}}"#);
        assert!(
            set_fields(one, "w", &[("arn", Edit::Remove)]).is_err(),
            "an entry without arn does not parse"
        );
    }

    #[test]
    fn escaped_strings_and_broken_files() {
        let file = r#"{"q\"x": "a\\b", "w": "arn:aws:iam::012123456789:"}"#;
        assert!(set_mfa_serial(file, "w", "", SERIAL).is_err(), "q\"x is not a valid name");
        assert!(set_mfa_serial("[1]", "w", "", SERIAL).is_err());
        assert!(set_mfa_serial("{\"w\": ", "w", "", SERIAL).is_err());
    }
}
