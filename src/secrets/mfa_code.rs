//! Where an MFA code comes from, first that applies: `-c CODE` or `$STSENV_TOKEN_CODE`; the
//! account's `mfa_process` (a command that prints the code: a YubiKey, a password manager);
//! `NAME.totp` in the key directory (a TOTP seed, for service users); else a prompt on the
//! terminal (never stdout, which the shell evals). `skip` asks for a session without MFA.
//!
//! The code is fetched only when it is needed, inside the cache-or-STS step under the lock.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::base::env::Env;
use crate::base::error::{self, Result, io_reason};
use crate::config::accounts::Account;
use crate::config::key_dir::{self, KeyDir};

/// How long `mfa_process` may run (it may wait for a YubiKey touch) before it is killed.
pub const DEFAULT_PROCESS_TIMEOUT: Duration = Duration::from_secs(30);

/// The most of `mfa_process`'s output that is read.
const PROCESS_OUTPUT_LIMIT: u64 = 64 * 1024;

/// What the user asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A code given on the command line or in the environment (already checked).
    Given(String),
    /// No MFA: a session without it (`-c skip`).
    Skip,
    /// Run the account's `mfa_process` (argv, no shell) and read the code from its stdout.
    Process { argv: Vec<String>, timeout: Duration },
    /// Generate the current code from the TOTP seed in this file (`NAME.totp`).
    Totp(PathBuf),
    /// Ask on the terminal when a code is needed.
    Ask,
}

impl Source {
    /// From `-c`, else `$STSENV_TOKEN_CODE`, else ask; a given code is checked now, before any
    /// network call.
    pub fn from_args(flag: Option<&str>, env: &Env) -> Result<Source> {
        let (code, origin) = match (flag, env.get("STSENV_TOKEN_CODE")) {
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
        if let Some(argv) = account.and_then(|a| a.mfa_process.clone()) {
            return Ok(Source::Process { argv, timeout: process_timeout(env)? });
        }
        let seed = keys.file(name, "totp");
        if std::fs::symlink_metadata(&seed).is_ok() {
            return Ok(Source::Totp(seed));
        }
        Ok(Source::Ask)
    }

    /// The code to use now: the given one, one from `mfa_process` or `NAME.totp`, or one typed
    /// at the terminal.
    pub fn code(&self, user: &str, asking: &Asking) -> Result<Option<String>> {
        match self {
            Source::Given(code) => Ok(Some(code.clone())),
            Source::Skip => Ok(None),
            Source::Process { argv, timeout } => {
                run_process(argv, *timeout, matches!(asking, Asking::Captured { .. })).map(Some)
            }
            Source::Totp(path) => totp_file(path).map(Some),
            Source::Ask => match asking {
                Asking::Shell => ask(user).map(Some),
                Asking::Captured { no_terminal } => ask_code(&prompt(user), no_terminal).map(Some),
            },
        }
    }
}

/// Where the user is when a code is needed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Asking {
    /// A command of the user's shell: the prompt on the terminal, `mfa_process`'s messages on
    /// stderr; without a terminal, the advice to pass -c or `$STSENV_TOKEN_CODE`.
    Shell,
    /// A process whose stdout and stderr another program reads (a `credential_process` of the
    /// AWS CLI or an SDK): the prompt and `mfa_process`'s messages ("touch your YubiKey") on
    /// the terminal, `/dev/tty`, when there is one; without one, this one-line error.
    Captured { no_terminal: String },
}

/// `$STSENV_MFA_PROCESS_TIMEOUT` (seconds, fractions allowed), else 30 s.
pub fn process_timeout(env: &Env) -> Result<Duration> {
    timeout_from(env, "STSENV_MFA_PROCESS_TIMEOUT")
}

/// A timeout in seconds (fractions allowed) from the variable `name`, else 30 s.
pub fn timeout_from(env: &Env, name: &str) -> Result<Duration> {
    let Some(text) = env.get(name) else {
        return Ok(DEFAULT_PROCESS_TIMEOUT);
    };
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| {
            error::usage(format!("{name} '{}' is not a number of seconds above 0", text.escape_default()))
        })
}

/// An MFA code is six digits.
pub fn check(code: &str, origin: &str) -> Result<()> {
    if is_code(code) { Ok(()) } else { Err(wrong_form(origin)) }
}

/// A code as people type it, as authenticator apps show it: `123456`, `123 456`, `123-456`
/// are the code `123456`; anything else is an error naming where it came from.
pub fn parse(code: &str, origin: &str) -> Result<String> {
    normalize(code).ok_or_else(|| wrong_form(origin))
}

/// The six digits of `code` once spaces and hyphens are left out, if that is a code.
pub fn normalize(code: &str) -> Option<String> {
    let digits: String = code.chars().filter(|c| !matches!(c, ' ' | '\t' | '-')).collect();
    is_code(&digits).then_some(digits)
}

fn wrong_form(origin: &str) -> error::Error {
    error::usage(format!(
        "the MFA code from {origin} must be the 6 digits your device shows (or 'skip' for a session without MFA)"
    ))
}

fn is_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// Prompt `Enter MFA code for user NAME:` on the terminal (`for MFA device ARN:` when given the
/// device's serial) and read the answer there.
pub fn ask(user: &str) -> Result<String> {
    ask_code(&prompt(user), "no MFA code and no terminal to ask on: pass -c CODE or set STSENV_TOKEN_CODE")
}

/// `Enter MFA code for user NAME: `, or `for MFA device ARN: ` when given the device's serial.
fn prompt(user: &str) -> String {
    let whose = if user.starts_with("arn:") { format!("MFA device {user}") } else { format!("user {user}") };
    format!("Enter MFA code for {whose}: ")
}

/// How many times the prompt asks when what is typed is not a code.
pub const PROMPT_ATTEMPTS: usize = 3;

/// Write `prompt` on the terminal and read a 6-digit code there (`123 456` and `123-456` too);
/// something else is asked again, up to `PROMPT_ATTEMPTS` times. `no_terminal` is the error
/// when there is no terminal.
pub fn ask_code(prompt: &str, no_terminal: &str) -> Result<String> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| error::usage(no_terminal))?;
    let mut writer = &tty;
    let mut reader = BufReader::new(&tty);
    for attempt in 1..=PROMPT_ATTEMPTS {
        write!(writer, "{prompt}")
            .and_then(|()| writer.flush())
            .map_err(|e| error::usage(format!("cannot write to the terminal: {e}")))?;
        let mut line = String::new();
        let read = reader
            .read_line(&mut line)
            .map_err(|e| error::usage(format!("cannot read from the terminal: {e}")))?;
        if read == 0 {
            // End of input (Ctrl-D): the user gave up.
            return Err(error::usage("no MFA code entered"));
        }
        if let Some(code) = normalize(line.trim()) {
            return Ok(code);
        }
        if attempt < PROMPT_ATTEMPTS {
            let left = PROMPT_ATTEMPTS - attempt;
            let _ = writeln!(
                writer,
                "That is not the 6 digits your device shows; try again ({left} {} left)",
                if left == 1 { "try" } else { "tries" }
            );
        }
    }
    Err(error::usage(format!(
        "the MFA code from the terminal must be the 6 digits your device shows ({PROMPT_ATTEMPTS} tries)"
    )))
}

/// A command of the accounts file (`mfa_process`, `key_process`), run by `run_helper`.
pub struct Helper<'a> {
    /// The field that names it, for messages.
    pub field: &'a str,
    /// The program and its arguments (no shell).
    pub argv: &'a [String],
    pub timeout: Duration,
    /// Why it may take long, and the variable that sets the limit (for the timeout message).
    pub slow: &'a str,
    /// What is missing when it fails (`no MFA code`).
    pub missing: &'a str,
    /// Its stderr to the terminal, when there is one (stsenv's own stderr is captured).
    pub to_terminal: bool,
}

/// Run a helper command without a shell and without the credential variables (`crate::sys::without_secrets`):
/// stdin from the terminal if there is one (a password manager may ask there), else nothing; its
/// stderr passed through, or to the terminal when `to_terminal` and there is one. Killed after
/// its timeout. Returns its stdout, which may be a secret: errors name the command, never its
/// output.
pub fn run_helper(helper: &Helper) -> Result<Vec<u8>> {
    let Helper { field, argv, timeout, slow, missing, to_terminal } = *helper;
    let shown = argv.join(" ");
    let (program, args) =
        argv.split_first().ok_or_else(|| error::usage(format!("{field} is empty in the accounts file")))?;
    let stdin = match std::fs::File::open("/dev/tty") {
        Ok(tty) => Stdio::from(tty),
        Err(_) => Stdio::null(),
    };
    let stderr = match to_terminal.then(|| std::fs::OpenOptions::new().write(true).open("/dev/tty")) {
        Some(Ok(tty)) => Stdio::from(tty),
        _ => Stdio::inherit(),
    };
    let mut child = crate::sys::without_secrets::command(program)
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .map_err(|e| error::usage(format!("cannot run {field} `{shown}`: {}", io_reason(&e))))?;
    // Read stdout on a thread, so a chatty process never blocks on a full pipe.
    let stdout = child.stdout.take();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let read = match stdout {
            Some(out) => out.take(PROCESS_OUTPUT_LIMIT).read_to_end(&mut bytes).map(|_| bytes),
            None => Ok(bytes),
        };
        let _ = sender.send(read);
    });
    let deadline = Instant::now() + timeout;
    let too_slow = || {
        error::usage(format!(
            "{field} `{shown}` did not finish within {} s and was stopped ({slow})",
            seconds(timeout)
        ))
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(too_slow());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(error::usage(format!("cannot wait for {field} `{shown}`: {e}")));
            }
        }
    };
    if !status.success() {
        return Err(error::usage(format!("{field} `{shown}` failed ({status}); {missing}")));
    }
    // A process it left behind may hold stdout open: wait no longer than the deadline.
    let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(100));
    match receiver.recv_timeout(left) {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(error::usage(format!("cannot read the output of {field} `{shown}`: {e}"))),
        Err(_) => Err(too_slow()),
    }
}

/// Run `mfa_process` (see `run_helper`); its stdout, trimmed, must be a code as people type it.
fn run_process(argv: &[String], timeout: Duration, to_terminal: bool) -> Result<String> {
    let shown = argv.join(" ");
    let output = run_helper(&Helper {
        field: "mfa_process",
        argv,
        timeout,
        slow: "waiting for a touch of your YubiKey? STSENV_MFA_PROCESS_TIMEOUT sets the limit",
        missing: "no MFA code",
        to_terminal,
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

/// A duration as seconds for a message: `30`, `0.5`.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{s:.0}") } else { format!("{s}") }
}

/// The current code from a `NAME.totp` file (warning when group or others can read it).
fn totp_file(path: &Path) -> Result<String> {
    let seed = key_dir::read_key_file(path)?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
    crate::secrets::totp::code(&seed, now).map_err(|reason| {
        error::usage(format!(
            "{} is not a usable TOTP seed: {reason}; put the base32 seed of the MFA device in it (its Base32StringSeed)",
            path.display()
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
        let keys = KeyDir { path: dir.clone() };
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
                timeout: Duration::from_millis(2500)
            }
        );
        assert_eq!(with.code("u", &Asking::Shell).unwrap().as_deref(), Some("123456"));
        let without = Source::Ask.or_automatic(None, &keys, "svc", &env).unwrap();
        assert_eq!(without, Source::Totp(dir.join("svc.totp")));
        assert_eq!(Source::Ask.or_automatic(None, &keys, "other", &env).unwrap(), Source::Ask);
        let given = Source::Given("654321".into());
        assert_eq!(given.clone().or_automatic(account.find("svc"), &keys, "svc", &env).unwrap(), given);
        assert_eq!(Source::Skip.or_automatic(account.find("svc"), &keys, "svc", &env).unwrap(), Source::Skip);
        let bad = Env::from_pairs([("STSENV_MFA_PROCESS_TIMEOUT", "0")]);
        assert!(Source::Ask.or_automatic(account.find("svc"), &keys, "svc", &bad).is_err());
    }
}
