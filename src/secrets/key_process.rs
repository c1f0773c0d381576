//! `key_process`: an account's long-term keys from a command (a password manager such as
//! `op read`, `pass show`, a keyring CLI) that prints AWS `credential_process` JSON
//! (`{"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ...}`), instead of key files.
//!
//! The command runs as `mfa_process` does (`crate::sys::helper::run`): no shell, none of the
//! credential variables in its environment, stdin the terminal, stderr passed through, stopped
//! after `$STSENV_KEY_PROCESS_TIMEOUT` (default 30 s). Its output is never shown: an error names
//! the field that is wrong, never a value.

use serde_json::Value;

use crate::base::credentials::{Credentials, Secret};
use crate::base::env::Env;
use crate::base::error::{self, Result};
use crate::sys::helper::{self, Helper};

/// The variable that bounds how long `key_process` may run.
pub const TIMEOUT_VARIABLE: &str = "STSENV_KEY_PROCESS_TIMEOUT";

/// Run the account's `key_process` and read the long-term keys it prints.
/// `to_terminal`: its stderr to the terminal when there is one (stsenv's own is captured).
pub fn run(argv: &[String], env: &Env, to_terminal: bool) -> Result<Credentials> {
    let timeout = helper::timeout_from(env.stsenv_key_process_timeout(), TIMEOUT_VARIABLE)?;
    let output = helper::run(&Helper {
        field: "key_process",
        argv,
        timeout,
        slow: "waiting for your password manager to be unlocked? STSENV_KEY_PROCESS_TIMEOUT sets the limit",
        missing: "no access key",
        to_terminal,
        ..Helper::default()
    })
    .map(Secret::new)?;
    parse(&output, &argv.join(" "))
}

/// The long-term keys in `credential_process` JSON. Temporary credentials (a `SessionToken`)
/// are refused: GetSessionToken and AssumeRole with MFA need the long-term keys.
pub fn parse(output: &Secret, shown: &str) -> Result<Credentials> {
    let bad = |why: &str| {
        error::usage(format!(
            "key_process `{shown}` {why} (its output is not shown); it must print credential_process JSON like {{\"Version\": 1, \"AccessKeyId\": \"AKIA...\", \"SecretAccessKey\": \"...\"}}"
        ))
    };
    if output.expose().trim_ascii().is_empty() {
        return Err(bad("printed nothing"));
    }
    // serde_json's own messages may quote the input: never shown.
    let value: Value = serde_json::from_slice(output.expose()).map_err(|_| bad("did not print JSON"))?;
    let object = value.as_object().ok_or_else(|| bad("did not print a JSON object"))?;
    if object.get("Version").and_then(Value::as_u64) != Some(1) {
        return Err(bad("printed no \"Version\": 1"));
    }
    if object.get("SessionToken").is_some_and(|t| !t.is_null()) {
        return Err(bad(
            "printed a \"SessionToken\": stsenv needs the long-term access key (AKIA...), not temporary credentials",
        ));
    }
    let field = |name: &str| -> Result<Secret> {
        let text = object.get(name).and_then(Value::as_str).map(str::trim).unwrap_or_default();
        if text.is_empty() {
            return Err(bad(&format!("printed no \"{name}\"")));
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad(&format!("printed a \"{name}\" with spaces or control characters")));
        }
        Ok(Secret::new(text))
    };
    Ok(Credentials {
        access_key_id: field("AccessKeyId")?,
        secret_access_key: field("SecretAccessKey")?,
        session_token: None,
        expiration: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<Credentials> {
        parse(&Secret::new(text), "op read x")
    }

    #[test]
    fn reads_the_long_term_keys() {
        let c = parsed(
            r#" {"Version": 1, "AccessKeyId": " AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "wJalr/K7+x", "Expiration": null}
"#,
        )
        .unwrap();
        assert_eq!(c.access_key_id.expose(), b"AKIAIOSFODNN7EXAMPLE");
        assert_eq!(c.secret_access_key.expose(), b"wJalr/K7+x");
        assert_eq!(c.session_token, None);
    }

    #[test]
    fn bad_output_is_named_never_shown() {
        for (text, why) in [
            ("", "printed nothing"),
            ("hunter2", "did not print JSON"),
            ("[\"hunter2\"]", "did not print a JSON object"),
            (r#"{"AccessKeyId": "hunter2", "SecretAccessKey": "hunter2"}"#, "no \"Version\": 1"),
            (r#"{"Version": "hunter2", "AccessKeyId": "AKIA", "SecretAccessKey": "s"}"#, "no \"Version\": 1"),
            (r#"{"Version": 1, "SecretAccessKey": "hunter2"}"#, "no \"AccessKeyId\""),
            (r#"{"Version": 1, "AccessKeyId": "AKIA", "SecretAccessKey": 5}"#, "no \"SecretAccessKey\""),
            (r#"{"Version": 1, "AccessKeyId": "AKIA", "SecretAccessKey": "hunter 2"}"#, "with spaces"),
            (
                r#"{"Version": 1, "AccessKeyId": "ASIA", "SecretAccessKey": "s", "SessionToken": "hunter2"}"#,
                "not temporary credentials",
            ),
        ] {
            let e = parsed(text).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{text}");
            assert!(e.message.contains(why), "{text}: {}", e.message);
            assert!(e.message.starts_with("key_process `op read x` "), "{}", e.message);
            assert!(!e.message.contains("hunter"), "{}", e.message);
        }
    }
}
