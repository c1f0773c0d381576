//! Failures, against a fault-injecting server (tests/util/fault.rs) for the answers moto cannot
//! give: each is exit 1 (AWS or the network said no) or 2 (usage, nothing sent), stdout empty,
//! one `stsenv: ` line on stderr saying what went wrong with no secret in it, and the cache as
//! it was.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use stsenv::aws::client::{MAX_ATTEMPTS, OPERATION_TIMEOUT};
use stsenv::store::slot::Slot;
use time::OffsetDateTime;

use crate::util::fault::{Fault, Mode};
use crate::util::{ACCESS_KEY, Home, SECRET_KEY, bin};

pub(crate) const ACCOUNTS: &str = r#"{"personal": {"arn": "arn:aws:iam::123456789012:", "user": "jbrowne"}}"#;
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/Admin";

const MFA: &[&str] = &["mfa", "personal", "-c", "123456"];
const ROLE: &[&str] = &["role", "Admin", "-a", "personal", "-c", "123456"];
/// Longer than role chaining allows: AssumeRole with the long-term keys and MFA.
const LONG_ROLE: &[&str] = &["role", "Admin", "-a", "personal", "-c", "123456", "--duration", "7200"];

/// Temporary credentials put in the cache by some tests: no more to be shown than the keys.
pub(crate) const CACHED_TOKEN: &str = "CACHEDTOKENCACHEDTOKENCACHEDTOKEN";

/// Keys and an accounts entry for "personal", STS at `url`.
pub(crate) fn home(url: &str) -> Home {
    let mut home = Home::new();
    home.keys("personal", ACCESS_KEY, SECRET_KEY).accounts(ACCOUNTS);
    home.set("AWS_ENDPOINT_URL_STS", url);
    home
}

/// The cache directory's files and their bytes, lock files aside (taking a slot's lock creates
/// its empty lock file, which holds no credentials).
fn cache_files(home: &Home) -> BTreeMap<PathBuf, Vec<u8>> {
    let Ok(dir) = std::fs::read_dir(home.cache_dir()) else { return BTreeMap::new() };
    dir.map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_none_or(|e| e != "lock"))
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

pub(crate) struct Run {
    pub what: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Run a command to its end, killing it (and failing) after `limit`.
pub(crate) fn run_command(mut cmd: Command, what: String, limit: Duration) -> Run {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?}; stderr: {}", stderr.join().unwrap());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    Run { what, status, stdout: stdout.join().unwrap(), stderr: stderr.join().unwrap(), elapsed }
}

/// `stsenv ARGS` in `home`, stdin null.
pub(crate) fn stsenv(home: &Home, args: &[&str], limit: Duration) -> Run {
    let program = if home.run_as.is_some() { crate::util::other_user_bin() } else { bin() };
    let mut cmd = home.command(program);
    cmd.args(args);
    run_command(cmd, format!("stsenv {}", args.join(" ")), limit)
}

/// The same in a new session under `setsid -w`: no controlling terminal, so /dev/tty cannot
/// be opened either.
pub(crate) fn detached(home: &Home, args: &[&str], limit: Duration) -> Run {
    let mut cmd = Command::new("setsid");
    home.apply(&mut cmd);
    cmd.arg("-w").arg(bin()).args(args);
    run_command(cmd, format!("setsid -w stsenv {}", args.join(" ")), limit)
}

/// Long enough for anything but a hang.
pub(crate) const QUICK: Duration = Duration::from_secs(20);

impl Run {
    /// Failed with `exit`, nothing on stdout, one `stsenv: ` line on stderr with `phrase` in it
    /// and no secret.
    pub(crate) fn failed(&self, exit: i32, phrase: &str) -> &Self {
        let what = &self.what;
        let err = &self.stderr;
        assert_eq!(self.status.code(), Some(exit), "{what}: exit status; stderr: {err}");
        assert_eq!(self.stdout, "", "{what}: stdout; stderr: {err}");
        assert!(err.starts_with("stsenv: "), "{what}: {err}");
        assert!(err.ends_with('\n') && err.lines().count() == 1, "{what}: not one line: {err}");
        assert!(err.contains(phrase), "{what}: no '{phrase}' in: {err}");
        for secret in [ACCESS_KEY, SECRET_KEY, CACHED_TOKEN, "tmpsecret/"] {
            assert!(!err.contains(secret), "{what}: a secret in: {err}");
        }
        self
    }
}

/// An STS error answer and what stsenv must say about it.
pub(crate) struct ServiceError {
    pub status: u16,
    pub code: &'static str,
    pub message: &'static str,
    /// The key phrase for `mfa` (GetSessionToken with MFA).
    pub mfa: &'static str,
    /// The key phrase for `role` (AssumeRole with the long-term keys and MFA).
    role: &'static str,
    /// Requests the server sees per command: 2 for what the SDK retries.
    requests: usize,
}

pub(crate) const SERVICE_ERRORS: &[ServiceError] = &[
    ServiceError {
        status: 403,
        code: "AccessDenied",
        message: "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
        mfa: "the MFA code was rejected",
        role: "the MFA code was rejected",
        requests: 1,
    },
    ServiceError {
        status: 403,
        code: "AccessDenied",
        message: "User: arn:aws:iam::123456789012:user/jbrowne is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/Admin",
        mfa: "the MFA code was rejected",
        role: "AWS denied AssumeRole",
        requests: 1,
    },
    ServiceError {
        status: 403,
        code: "InvalidClientTokenId",
        message: "The security token included in the request is invalid.",
        mfa: "the access key is not valid",
        role: "the access key is not valid",
        requests: 1,
    },
    ServiceError {
        status: 403,
        code: "SignatureDoesNotMatch",
        message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        mfa: "the secret key does not match",
        role: "the secret key does not match",
        requests: 1,
    },
    ServiceError {
        status: 400,
        code: "ExpiredToken",
        message: "The security token included in the request is expired",
        mfa: "expired",
        role: "expired",
        requests: 1,
    },
    ServiceError {
        status: 400,
        code: "ValidationError",
        message: "1 validation error detected:\n  Value '1' at 'durationSeconds' failed to satisfy constraint.\n",
        mfa: "GetSessionToken failed",
        role: "AssumeRole failed",
        requests: 1,
    },
    ServiceError {
        status: 400,
        code: "Throttling",
        message: "Rate exceeded",
        mfa: "throttling",
        role: "throttling",
        requests: MAX_ATTEMPTS as usize,
    },
];

/// One service error: `mfa` and `role` with an empty cache create no cache file; with `--force`
/// over valid cached credentials they leave them byte for byte.
fn service_error(case: &ServiceError) {
    let fault = Fault::start(Mode::error(case.status, case.code, case.message));
    let home = home(&fault.url);
    let force = |args: &[&'static str]| -> Vec<&'static str> { [args, &["--force"]].concat() };
    let expiration = OffsetDateTime::now_utc() + time::Duration::hours(6);
    let steps: [(Vec<&str>, &str, &str, Option<Slot>); 5] = [
        (MFA.to_vec(), case.mfa, "GetSessionToken", None),
        // No MFA session: ec2role gets one first, to chain from it.
        (ROLE.to_vec(), case.mfa, "GetSessionToken", None),
        (LONG_ROLE.to_vec(), case.role, "AssumeRole", None),
        // Only a role entry: the role is still assumed with the long-term keys and MFA.
        (force(LONG_ROLE), case.role, "AssumeRole", Some(crate::util::role_slot(ROLE_ARN))),
        (force(MFA), case.mfa, "GetSessionToken", Some(Slot::Mfa)),
    ];
    for (args, phrase, action, cached) in steps {
        if let Some(slot) = cached {
            home.cache_session("personal", slot, CACHED_TOKEN, expiration);
        }
        let before = cache_files(&home);
        let sent = fault.count();
        let run = stsenv(&home, &args, QUICK);
        run.failed(1, phrase);
        assert!(run.stderr.contains(case.code), "{}: the code AWS gave: {}", run.what, run.stderr);
        assert_eq!(cache_files(&home), before, "{}: the cache changed", run.what);
        let requests = fault.requests();
        assert_eq!(requests.len() - sent, case.requests, "{}: requests ({})", run.what, case.code);
        for request in &requests[sent..] {
            assert!(request.body.contains(&format!("Action={action}")), "{}: {}", run.what, request.body);
            assert!(request.body.contains("TokenCode=123456"), "{}: {}", run.what, request.body);
        }
        eprintln!("{} ({}): {:?}: {}", run.what, case.code, run.elapsed, run.stderr.trim_end());
    }
}

#[test]
fn sts_errors_are_one_line_saying_what_to_do_and_leave_the_cache() {
    // Each case its own server and home, all at once.
    std::thread::scope(|s| {
        for case in SERVICE_ERRORS {
            s.spawn(|| service_error(case));
        }
    });
}

#[test]
fn a_role_chained_from_a_revoked_mfa_session_says_to_renew_it() {
    let cases = [
        (
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
            "run ec2mfa --force",
        ),
        (400, "ExpiredToken", "The security token included in the request is expired", "expired"),
        (
            403,
            "AccessDenied",
            "User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: sts:AssumeRole",
            "AWS denied AssumeRole",
        ),
    ];
    std::thread::scope(|s| {
        for (status, code, message, phrase) in cases {
            s.spawn(move || {
                let fault = Fault::start(Mode::error(status, code, message));
                let home = home(&fault.url);
                let expiration = OffsetDateTime::now_utc() + time::Duration::hours(6);
                home.cache_session("personal", Slot::Mfa, CACHED_TOKEN, expiration);
                let before = cache_files(&home);
                let run = stsenv(&home, ROLE, QUICK);
                run.failed(1, phrase);
                assert_eq!(cache_files(&home), before, "{}: the cache changed", run.what);
                let requests = fault.requests();
                assert_eq!(requests.len(), 1, "{}: requests ({code})", run.what);
                // Signed with the session, so no MFA code is sent.
                assert!(!requests[0].body.contains("TokenCode"), "{}: {}", run.what, requests[0].body);
                assert!(
                    requests[0].head.contains(&CACHED_TOKEN[..20]),
                    "{}: not the session's token",
                    run.what
                );
                eprintln!("{} ({code}): {}", run.what, run.stderr.trim_end());
            });
        }
    });
}

#[test]
fn a_500_without_xml_is_one_line() {
    let fault = Fault::start(Mode::Raw { status: 500, body: "<html><body>\nBad gateway\n</body></html>\n" });
    let home = home(&fault.url);
    for args in [MFA, ROLE] {
        let sent = fault.count();
        let run = stsenv(&home, args, QUICK);
        run.failed(1, "HTTP 500 and no error code: try again");
        assert!(fault.count() > sent, "{}: nothing sent", run.what);
        eprintln!(
            "{}: {} requests, {:?}: {}",
            run.what,
            fault.count() - sent,
            run.elapsed,
            run.stderr.trim_end()
        );
    }
    assert_eq!(cache_files(&home), BTreeMap::new());
}

#[test]
fn an_unreachable_endpoint_fails_fast() {
    // Port 1, where nothing listens: the connection is refused. (A free ephemeral port, bound
    // and released, could be taken meanwhile by a fault server of a test running alongside.)
    let home = home("http://127.0.0.1:1");
    for args in [MFA, ROLE] {
        let run = stsenv(&home, args, QUICK);
        run.failed(1, "cannot reach STS");
        assert!(run.stderr.contains("Connection refused"), "{}: the reason: {}", run.what, run.stderr);
        assert!(run.elapsed < Duration::from_secs(5), "{}: took {:?}", run.what, run.elapsed);
        eprintln!("{}: {:?}: {}", run.what, run.elapsed, run.stderr.trim_end());
    }
    assert_eq!(cache_files(&home), BTreeMap::new());
}

#[test]
fn a_hung_endpoint_fails_within_the_operation_timeout() {
    let fault = Fault::start(Mode::Hang);
    let home = home(&fault.url);
    let bound = OPERATION_TIMEOUT + Duration::from_secs(2);
    let run = stsenv(&home, MFA, bound + Duration::from_secs(10));
    run.failed(1, "did not answer");
    // A bound on hanging, not a speed test.
    assert!(run.elapsed < bound, "{}: took {:?}, more than {bound:?}", run.what, run.elapsed);
    assert!(fault.count() >= 1, "{}: nothing sent", run.what);
    assert_eq!(cache_files(&home), BTreeMap::new());
    eprintln!("{}: {} requests, {:?}: {}", run.what, fault.count(), run.elapsed, run.stderr.trim_end());
}

type UsageCase = (&'static [&'static str], &'static [(&'static str, &'static str)], &'static str);

#[test]
fn usage_errors_are_exit_2_before_any_request() {
    let fault = Fault::start(Mode::error(403, "AccessDenied", "nothing may reach the server"));
    let mut home = home(&fault.url);
    // Keys for an account the accounts file does not have.
    home.keys("other", ACCESS_KEY, SECRET_KEY);
    let six_digits = "must be the 6 digits your device shows";
    let out_of_range = "is out of range";
    // The arguments, extra variables, and the key phrase.
    let cases: &[UsageCase] = &[
        (&["mfa", "personal", "-c", "12345"], &[], six_digits),
        (&["mfa", "personal", "-c", "abcdef"], &[], six_digits),
        (&["mfa", "personal", "-c", "1234567"], &[], six_digits),
        (
            &["mfa", "personal"],
            &[("STSENV_TOKEN_CODE", "12 345")],
            "from STSENV_TOKEN_CODE must be the 6 digits",
        ),
        (&["role", "Admin", "-a", "personal", "-c", "12345"], &[], six_digits),
        (&["mfa", "personal", "-c", "123456", "--duration", "899"], &[], out_of_range),
        (&["mfa", "personal", "-c", "123456", "--duration", "129601"], &[], out_of_range),
        (&["role", "Admin", "-a", "personal", "-c", "123456", "--duration", "899"], &[], out_of_range),
        (&["role", "Admin", "-a", "personal", "-c", "123456", "--duration", "43201"], &[], out_of_range),
        (&["mfa", "other", "-c", "123456"], &[], "account 'other' is not in the accounts file"),
        (
            &["role", "Admin", "-a", "other", "-c", "123456"],
            &[],
            "account 'other' is not in the accounts file",
        ),
    ];
    for (args, vars, phrase) in cases {
        let before = home.vars.len();
        for (k, v) in *vars {
            home.set(k, *v);
        }
        stsenv(&home, args, QUICK).failed(2, phrase);
        home.vars.truncate(before);
        assert_eq!(fault.count(), 0, "stsenv {}: a request was sent", args.join(" "));
    }
    assert!(!home.cache_dir().exists(), "usage errors create no cache directory");
}

#[test]
fn no_code_and_no_terminal_is_exit_2_at_once() {
    let fault = Fault::start(Mode::error(403, "AccessDenied", "nothing may reach the server"));
    let home = home(&fault.url);
    for args in [&["mfa", "personal"][..], &["role", "Admin", "-a", "personal"]] {
        let run = detached(&home, args, Duration::from_secs(10));
        run.failed(2, "no terminal");
        assert!(
            run.stderr.contains("-c CODE") && run.stderr.contains("STSENV_TOKEN_CODE"),
            "{}: {}",
            run.what,
            run.stderr
        );
        eprintln!("{}: {:?}", run.what, run.elapsed);
    }
    assert_eq!(fault.count(), 0, "a request was sent");
    assert_eq!(cache_files(&home), BTreeMap::new());
}

/// An STS answer of AssumeRole or GetSessionToken that stsenv explains, and how it was made.
struct Explained {
    code: &'static str,
    message: &'static str,
    /// What is cached first (an MFA session: the role is chained from it).
    cached: Option<Slot>,
    args: &'static [&'static str],
    /// Phrases the one line must hold.
    phrases: &'static [&'static str],
}

const CLOCK_EXPIRED: &str =
    "Signature expired: 20261201T200000Z is now earlier than 20261201T201000Z (20261201T201500Z - 5 min.)";
const CLOCK_AHEAD: &str = "Signature not yet current: 20261201T203000Z is still later than 20261201T202000Z (20261201T201500Z + 5 min.)";

const EXPLAINED: &[Explained] = &[
    Explained {
        code: "ValidationError",
        message: "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        cached: Some(Slot::Mfa),
        args: ROLE,
        phrases: &[
            "a role assumed with session credentials (role chaining) lasts at most 1 hour",
            "--duration 3600 or less",
        ],
    },
    Explained {
        code: "ValidationError",
        message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        cached: None,
        args: LONG_ROLE,
        phrases: &[
            "arn:aws:iam::123456789012:role/Admin allows sessions shorter than the 7200 s asked",
            "aws iam update-role --role-name Admin --max-session-duration 7200",
        ],
    },
    Explained {
        code: "AccessDenied",
        message: "User: arn:aws:iam::123456789012:user/jbrowne is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/Admin",
        cached: None,
        args: LONG_ROLE,
        phrases: &[
            "AWS denied AssumeRole of arn:aws:iam::123456789012:role/Admin (MFA sent: yes",
            "trust policy",
        ],
    },
    Explained {
        code: "AccessDenied",
        message: "User: arn:aws:iam::123456789012:user/jbrowne is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/Admin",
        cached: None,
        args: &["role", "Admin", "-a", "personal", "-c", "skip"],
        phrases: &[
            "AWS denied AssumeRole of arn:aws:iam::123456789012:role/Admin (MFA sent: no)",
            "not -c skip",
        ],
    },
    Explained {
        code: "AccessDenied",
        message: "User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/Admin",
        cached: Some(Slot::Mfa),
        args: ROLE,
        phrases: &["with the MFA session (MFA sent: yes", "aws:MultiFactorAuthAge", "run ec2mfa --force"],
    },
    Explained {
        code: "SignatureDoesNotMatch",
        message: CLOCK_EXPIRED,
        cached: None,
        args: MFA,
        phrases: &["this computer's clock is off (about 15 min behind AWS's)", "set the clock right"],
    },
    Explained {
        code: "SignatureDoesNotMatch",
        message: CLOCK_EXPIRED,
        cached: None,
        args: ROLE,
        phrases: &["clock is off (about 15 min behind", "the keys are fine"],
    },
    Explained {
        code: "SignatureDoesNotMatch",
        message: CLOCK_AHEAD,
        cached: Some(Slot::Mfa),
        args: ROLE,
        phrases: &["clock is off (about 15 min ahead of AWS's)"],
    },
];

#[test]
fn role_and_clock_answers_say_what_to_do() {
    std::thread::scope(|s| {
        for case in EXPLAINED {
            s.spawn(move || {
                let fault = Fault::start(Mode::error(403, case.code, case.message));
                let home = home(&fault.url);
                if let Some(slot) = &case.cached {
                    home.cache_session(
                        "personal",
                        slot.clone(),
                        CACHED_TOKEN,
                        OffsetDateTime::now_utc() + time::Duration::hours(6),
                    );
                }
                let before = cache_files(&home);
                let run = stsenv(&home, case.args, QUICK);
                run.failed(1, case.phrases[0]);
                for phrase in case.phrases {
                    assert!(run.stderr.contains(phrase), "{}: no '{phrase}' in: {}", run.what, run.stderr);
                }
                assert!(run.stderr.contains(case.code), "{}: {}", run.what, run.stderr);
                // Not the explanations of other causes.
                for wrong in ["the secret key does not match", "no longer valid"] {
                    assert!(!run.stderr.contains(wrong), "{}: {}", run.what, run.stderr);
                }
                assert_eq!(cache_files(&home), before, "{}: the cache changed", run.what);
                assert_eq!(fault.count(), 1, "{}: requests", run.what);
                eprintln!("{} ({}): {}", run.what, case.code, run.stderr.trim_end());
            });
        }
    });
}

#[test]
fn a_role_refused_to_an_old_mfa_session_says_how_old_it_is() {
    let fault = Fault::start(Mode::error(
        403,
        "AccessDenied",
        "User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/Admin",
    ));
    let home = home(&fault.url);
    let now = OffsetDateTime::now_utc();
    let entry = home.cache_session("personal", Slot::Mfa, CACHED_TOKEN, now + time::Duration::hours(7));
    // Made five hours ago (and a minute, so the rounding down shows 5h00m), as ec2mfa records it.
    let entry =
        stsenv::store::entry::Entry { issued: Some(now - time::Duration::seconds(5 * 3600 + 30)), ..entry };
    {
        let cache = home.cache();
        let _lock = cache.lock("personal", &Slot::Mfa).unwrap();
        cache.write(&Slot::Mfa, &entry).unwrap();
    }
    let run = stsenv(&home, ROLE, QUICK);
    run.failed(1, "aws:MultiFactorAuthAge");
    assert!(run.stderr.trim_end().ends_with("; the MFA session was made 5h00m ago"), "{}", run.stderr);
    eprintln!("{}", run.stderr.trim_end());
}
