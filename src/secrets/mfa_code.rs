//! Where an MFA code comes from, first that applies: `-c CODE` or `$STSENV_TOKEN_CODE`; the
//! account's `mfa_process` (a command that prints the code: a YubiKey, a password manager);
//! `NAME.totp` in the key directory (a TOTP seed, for service users); else a prompt on the
//! terminal (never stdout, which the shell evals), or without one in a desktop session a dialog
//! (`STSENV_PROMPT` chooses; see `prompt`). `skip` asks for a session without MFA.
//!
//! The code is fetched only when it is needed, inside the cache-or-STS step under the lock.

pub use crate::secrets::asking::{Asked, Asking};
use crate::secrets::code_form::{normalize, parse};
use crate::secrets::prompt;
use crate::sys::helper::Helper;
use std::path::PathBuf;
use std::time::Duration;

use crate::base::env::Env;
use crate::base::error::{self, Result};
use crate::config::accounts::Account;
use crate::config::key_dir::KeyDir;

/// What the user asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A code given on the command line or in the environment (already checked).
    Given(String),
    /// No MFA: a session without it (`-c skip`).
    Skip,
    /// Run the account's `mfa_process` (argv, no shell) and read the code from its stdout.
    /// `notify_send`: where `notify-send` is, in a desktop session, to say without a terminal
    /// that stsenv waits for it (a security key's touch).
    Process { argv: Vec<String>, timeout: Duration, notify_send: Option<PathBuf> },
    /// Generate the current code from the TOTP seed in this file (`NAME.totp`), a key file
    /// trusted up to `home`.
    Totp { seed: PathBuf, home: PathBuf },
    /// Ask on the terminal when a code is needed.
    Ask,
}

impl Source {
    /// From `-c`, else `$STSENV_TOKEN_CODE`, else ask; a given code is checked now, before any
    /// network call.
    pub fn from_args(flag: Option<&str>, env: &Env) -> Result<Source> {
        let (code, origin) = match (flag, env.stsenv_token_code()) {
            (Some(code), _) => (code, "-c"),
            (None, Some(code)) => (code, "STSENV_TOKEN_CODE"),
            (None, None) => return Ok(Source::Ask),
        };
        if code.eq_ignore_ascii_case("skip") {
            return Ok(Source::Skip);
        }
        Ok(Source::Given(parse(code, origin)?))
    }

    /// When no code was given: the account's `mfa_process`, else its `NAME.totp`, else the
    /// terminal prompt. A given code or `skip` stays as it is.
    pub fn or_automatic(
        self,
        account: Option<&Account>,
        keys: &KeyDir,
        name: &str,
        env: &Env,
    ) -> Result<Source> {
        if self != Source::Ask {
            return Ok(self);
        }
        // A bad STSENV_PROMPT is an error before anything else happens.
        prompt::Mode::from_env(env)?;
        if let Some(argv) = account.and_then(|a| a.mfa_process.clone()) {
            let notify_send = env
                .in_desktop_session()
                .then(|| crate::sys::program_path::find("notify-send", env.path()))
                .flatten();
            return Ok(Source::Process { argv, timeout: process_timeout(env)?, notify_send });
        }
        let seed = keys.file(name, "totp");
        if std::fs::symlink_metadata(&seed).is_ok() {
            return Ok(Source::Totp { seed, home: keys.home.clone() });
        }
        Ok(Source::Ask)
    }

    /// The code to use now (`unix`: the time, for a TOTP seed): the given one, one from
    /// `mfa_process` or `NAME.totp`, or one typed at the terminal or in a dialog.
    pub fn code(&self, asked: &Asked, unix: u64) -> Result<Option<String>> {
        match self {
            Source::Given(code) => Ok(Some(code.clone())),
            Source::Skip => Ok(None),
            Source::Process { argv, timeout, notify_send } => run_process(
                argv,
                *timeout,
                matches!(asked.asking, Asking::Captured { .. }),
                notify_send.as_deref(),
            )
            .map(Some),
            Source::Totp { seed, home } => {
                crate::secrets::totp::code_from_file_at(seed, home, unix).map(Some)
            }
            Source::Ask => prompt::ask_for(asked).map(Some),
        }
    }

    /// Whether the code is made by a program (`NAME.totp`, `mfa_process`), not a person, so
    /// that the same code may come again within one TOTP step (and must not be sent twice).
    pub fn is_generated(&self) -> bool {
        matches!(self, Source::Totp { .. } | Source::Process { .. })
    }
}

/// `$STSENV_MFA_PROCESS_TIMEOUT` (seconds, fractions allowed), else 30 s.
pub fn process_timeout(env: &Env) -> Result<Duration> {
    crate::sys::helper::timeout_from(env.stsenv_mfa_process_timeout(), "STSENV_MFA_PROCESS_TIMEOUT")
}

/// Run `mfa_process` (see `run_helper`); its stdout, trimmed, must be a code as people type it.
fn run_process(
    argv: &[String],
    timeout: Duration,
    to_terminal: bool,
    notify_send: Option<&std::path::Path>,
) -> Result<String> {
    let shown = argv.join(" ");
    let notice = format!("waiting for the MFA process `{shown}` (touch your security key if it blinks)");
    let output = crate::sys::helper::run(&Helper {
        field: "mfa_process",
        argv,
        timeout,
        slow: "waiting for a touch of your YubiKey? STSENV_MFA_PROCESS_TIMEOUT sets the limit",
        missing: "no MFA code",
        to_terminal,
        notice: Some(&notice),
        notify_send,
        ..Helper::default()
    })?;
    let code = std::str::from_utf8(&output).map(str::trim).unwrap_or_default();
    if code.is_empty() {
        return Err(error::usage(format!(
            "mfa_process `{shown}` printed nothing; it must print the 6-digit MFA code on stdout"
        )));
    }
    // Read like a typed code: `123 456` and `123-456` are `123456`.
    normalize(code).ok_or_else(|| {
        error::usage(format!(
            "mfa_process `{shown}` did not print a 6-digit MFA code (its output is not shown); it must print only the code on stdout"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_as_people_type_them() {
        for typed in ["123456", "123 456", "123-456", " 123 456 ", "12 34 56"] {
            assert_eq!(normalize(typed).as_deref(), Some("123456"), "{typed:?}");
            assert_eq!(parse(typed, "-c").unwrap(), "123456");
        }
        for typed in ["12345", "1234567", "123 45a", "", "- -", "123_456", "１２３４５６"] {
            assert_eq!(normalize(typed), None, "{typed:?}");
        }
        let env = Env::from_pairs([("STSENV_TOKEN_CODE", "654-321")]);
        assert_eq!(Source::from_args(None, &env).unwrap(), Source::Given("654321".into()));
        assert_eq!(Source::from_args(Some("123 456"), &env).unwrap(), Source::Given("123456".into()));
        assert!(Source::from_args(Some("123 45"), &env).unwrap_err().message.contains("from -c must be"));
    }

    #[test]
    fn process_precedence_and_timeout() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        let keys = KeyDir { path: dir.clone(), home: dir.clone() };
        std::fs::write(dir.join("svc.totp"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        let account = crate::config::accounts::Accounts::parse(
            r#"{"svc": {"arn": "arn:aws:iam::012123456789:", "mfa_process": "echo 123456"}}"#,
        )
        .unwrap();
        let env = Env::from_pairs([("STSENV_MFA_PROCESS_TIMEOUT", "2.5")]);
        let with = Source::Ask.or_automatic(account.find("svc"), &keys, "svc", &env).unwrap();
        assert_eq!(
            with,
            Source::Process {
                argv: vec!["echo".into(), "123456".into()],
                timeout: Duration::from_millis(2500),
                notify_send: None,
            }
        );
        let asked = Asked {
            account: "svc",
            user: "u",
            serial: "arn:aws:iam::1:mfa/u",
            asking: &Asking::Shell,
            env: &env,
        };
        assert_eq!(with.code(&asked, 0).unwrap().as_deref(), Some("123456"));
        let without = Source::Ask.or_automatic(None, &keys, "svc", &env).unwrap();
        assert_eq!(without, Source::Totp { seed: dir.join("svc.totp"), home: dir.clone() });
        assert_eq!(Source::Ask.or_automatic(None, &keys, "other", &env).unwrap(), Source::Ask);
        let given = Source::Given("654321".into());
        assert_eq!(given.clone().or_automatic(account.find("svc"), &keys, "svc", &env).unwrap(), given);
        assert_eq!(Source::Skip.or_automatic(account.find("svc"), &keys, "svc", &env).unwrap(), Source::Skip);
        let bad = Env::from_pairs([("STSENV_MFA_PROCESS_TIMEOUT", "0")]);
        assert!(Source::Ask.or_automatic(account.find("svc"), &keys, "svc", &bad).is_err());
    }
}
