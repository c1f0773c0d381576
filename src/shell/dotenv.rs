//! The dotenv file of `stsenv export --format env`: `NAME=value` lines as `docker run
//! --env-file`, docker compose's `env_file` and CI systems read them. No quotes and no `export`:
//! docker takes everything after the `=` to the end of the line as the value, quotes included.
//! So a value must be one line of printable ASCII without spaces (AWS's keys, tokens, times and
//! regions always are); anything else is refused, never written in a form that reads back as
//! something else.

/// The lines, or the name of the first variable whose value cannot be written.
pub fn render<'a>(vars: &[(&'a str, &str)]) -> Result<String, &'a str> {
    let mut out = String::new();
    for &(name, value) in vars {
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(name);
        }
        out.push_str(&format!("{name}={value}\n"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_each_and_nothing_that_reads_back_otherwise() {
        assert_eq!(
            render(&[("AWS_ACCESS_KEY_ID", "ASIA1"), ("AWS_SECRET_ACCESS_KEY", "a/b+c=")]).unwrap(),
            "AWS_ACCESS_KEY_ID=ASIA1\nAWS_SECRET_ACCESS_KEY=a/b+c=\n"
        );
        for bad in ["two\nlines", "cr\r", " leading", "trailing ", "tab\t", "", "é"] {
            assert_eq!(render(&[("AWS_SESSION_TOKEN", bad)]), Err("AWS_SESSION_TOKEN"), "{bad:?}");
        }
    }
}
