//! The INI scanner of AWS's shared credentials file: its sections, their keys and its line endings, read as botocore reads them.

/// The comment that marks a section as stsenv's to rewrite (`store::shared_credentials` writes it).
pub const MARKER: &str = "managed by stsenv";

/// One section of an INI file: where it is and whether stsenv wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The name in brackets, spaces around it trimmed.
    pub name: String,
    /// 1-based line number of the header.
    pub line: usize,
    /// Byte offset of the header line.
    pub start: usize,
    /// Byte offset just past its last header, key or continuation line (its line ending
    /// included). Comments and blank lines after that stay with what follows.
    pub end: usize,
    /// Whether a `# managed by stsenv` comment is in the section.
    pub managed: bool,
}

/// Strip the line ending (`\n` or `\r\n`) from a line.
pub fn line_text(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The sections of an INI text, in file order. Lines are read the way botocore's
/// `configparser` does: full-line comments start with `#` or `;` after optional whitespace; a
/// section header is `[name]` (stsenv compares the name with surrounding spaces trimmed, as the
/// AWS SDKs do); a line indented deeper than the key before it continues that key's value.
pub fn sections(text: &[u8]) -> Vec<Section> {
    let mut found: Vec<Section> = Vec::new();
    let mut offset = 0;
    // The indentation of the last key line while its value may continue (configparser keeps
    // blank lines inside values, so only a header ends it).
    let mut open_key: Option<usize> = None;
    for (i, line) in text.split_inclusive(|b| *b == b'\n').enumerate() {
        let start = offset;
        offset += line.len();
        let raw = line_text(line);
        let trimmed = raw.trim_ascii();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed[0] == b'#' || trimmed[0] == b';' {
            let text = trimmed[1..].trim_ascii();
            if text.starts_with(MARKER.as_bytes())
                && let Some(section) = found.last_mut()
            {
                section.managed = true;
            }
            continue;
        }
        let indent = raw.len() - raw.trim_ascii_start().len();
        if let Some(level) = open_key
            && indent > level
        {
            if let Some(section) = found.last_mut() {
                section.end = offset;
            }
            continue;
        }
        if trimmed[0] == b'['
            && let Some(close) = trimmed.iter().rposition(|b| *b == b']')
            && close > 1
        {
            let name = String::from_utf8_lossy(trimmed[1..close].trim_ascii()).into_owned();
            found.push(Section { name, line: i + 1, start, end: offset, managed: false });
            open_key = None;
            continue;
        }
        // A key line (or a stray line before any section, which is not ours to judge).
        if let Some(section) = found.last_mut() {
            section.end = offset;
            open_key = Some(indent);
        }
    }
    found
}

/// The line ending the file uses (that of its first line), `\n` for a new file.
pub fn line_ending(text: &[u8]) -> &'static str {
    match text.iter().position(|b| *b == b'\n') {
        Some(i) if i > 0 && text[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// The `key = value` (or `key: value`) lines of a section, keys in lower case, values trimmed
/// (continuation lines are not joined: credentials are one line each).
pub fn values(text: &[u8], section: &Section) -> Vec<(String, String)> {
    let body = &text[section.start..section.end];
    body.split_inclusive(|b| *b == b'\n')
        .skip(1)
        .filter_map(|line| {
            let raw = line_text(line);
            if raw.first().is_some_and(u8::is_ascii_whitespace) {
                return None;
            }
            let line = String::from_utf8_lossy(raw.trim_ascii());
            if line.is_empty() || line.starts_with(['#', ';']) {
                return None;
            }
            let at = line.find(['=', ':'])?;
            Some((line[..at].trim().to_ascii_lowercase(), line[at + 1..].trim().to_owned()))
        })
        .collect()
}

/// The text without the sections named (every one of each name); every other byte is kept.
pub fn without_sections(text: &[u8], names: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    for s in sections(text).into_iter().filter(|s| names.contains(&s.name.as_str())) {
        out.extend_from_slice(&text[at..s.start]);
        at = s.end;
    }
    out.extend_from_slice(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indented_header_inside_a_value_is_not_a_section() {
        let s = sections(b"[a]\nk =\n  [p]\n  v = 1\n[b]\n");
        let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(s[0].end, "[a]\nk =\n  [p]\n  v = 1\n".len());
        // As configparser: blank lines stay inside a value, so an indented header after a
        // key, even past a blank line, continues that key (botocore sees no [p] there).
        let s = sections(b"[a]\nk = 1\n\n  [p]\n[q]\n");
        let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "q"]);
    }

    #[test]
    fn values_and_removing_sections() {
        let text = b"# top\n[a]\naws_access_key_id = AKIA1\n; note\nAWS_Secret_Access_Key:s/1=\n  continued\n\n# about b\n[b]\nx=1\n[a]\ny=2\n";
        let s = sections(text);
        assert_eq!(
            values(text, &s[0]),
            [
                ("aws_access_key_id".to_owned(), "AKIA1".to_owned()),
                ("aws_secret_access_key".to_owned(), "s/1=".to_owned())
            ]
        );
        // Every section of the name goes; comments before a header stay with what follows.
        assert_eq!(without_sections(text, &["a"]), b"# top\n\n# about b\n[b]\nx=1\n");
        assert_eq!(without_sections(text, &["c"]), text);
    }
}
