//! Failures, against a fault-injecting server (tests/util/fault.rs) for the answers moto cannot
//! give: each is exit 1 (AWS or the network said no) or 2 (usage, nothing sent), stdout empty,
//! one `stsenv: ` line on stderr saying what went wrong with no secret in it, and the cache as
//! it was.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use stsenv::aws::client::{OPERATION_TIMEOUT, names_operation};
use stsenv::store::slot::Slot;
use time::OffsetDateTime;

use crate::util::fault::{Fault, Mode};
use crate::util::fixtures::{CACHED_TOKEN, MFA, ROLE, SERVICE_ERRORS, ServiceError, sts_home};
use crate::util::run::QUICK;
use crate::util::{ACCESS_KEY, Home, SECRET_KEY};

const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/Admin";

/// Longer than role chaining allows: AssumeRole with the long-term keys and MFA.
const LONG_ROLE: &[&str] = &["role", "Admin", "-a", "personal", "-c", "123456", "--duration", "7200"];

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

/// One service error: `mfa` and `role` with an empty cache create no cache file; with `--force`
/// over valid cached credentials they leave them byte for byte.
fn service_error(case: &ServiceError) {
    let fault = Fault::start(Mode::error(case.status, case.code, case.message));
    let home = sts_home(&fault.url);
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
        let run = home.run(&args, QUICK);
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
                let home = sts_home(&fault.url);
                let expiration = OffsetDateTime::now_utc() + time::Duration::hours(6);
                home.cache_session("personal", Slot::Mfa, CACHED_TOKEN, expiration);
                let before = cache_files(&home);
                let run = home.run(ROLE, QUICK);
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
    let home = sts_home(&fault.url);
    for args in [MFA, ROLE] {
        let sent = fault.count();
        let run = home.run(args, QUICK);
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
    let home = sts_home("http://127.0.0.1:1");
    for args in [MFA, ROLE] {
        let run = home.run(args, QUICK);
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
    let home = sts_home(&fault.url);
    let bound = OPERATION_TIMEOUT + Duration::from_secs(2);
    let run = home.run(MFA, bound + Duration::from_secs(10));
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
    let mut home = sts_home(&fault.url);
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
        home.run(args, QUICK).failed(2, phrase);
        home.vars.truncate(before);
        assert_eq!(fault.count(), 0, "stsenv {}: a request was sent", args.join(" "));
    }
    assert!(!home.cache_dir().exists(), "usage errors create no cache directory");
}

#[test]
fn no_code_and_no_terminal_is_exit_2_at_once() {
    let fault = Fault::start(Mode::error(403, "AccessDenied", "nothing may reach the server"));
    let home = sts_home(&fault.url);
    for args in [&["mfa", "personal"][..], &["role", "Admin", "-a", "personal"]] {
        // Every child of the suite runs without a controlling terminal (util::run::command).
        let run = home.run(args, Duration::from_secs(10));
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
        phrases: &["this machine's clock is 15m00s behind AWS's", "fix the clock (timedatectl"],
    },
    Explained {
        code: "SignatureDoesNotMatch",
        message: CLOCK_EXPIRED,
        cached: None,
        args: ROLE,
        phrases: &["clock is 15m00s behind", "the keys are fine"],
    },
    Explained {
        code: "SignatureDoesNotMatch",
        message: CLOCK_AHEAD,
        cached: Some(Slot::Mfa),
        args: ROLE,
        phrases: &["this machine's clock is 15m00s ahead of AWS's"],
    },
];

#[test]
fn role_and_clock_answers_say_what_to_do() {
    std::thread::scope(|s| {
        for case in EXPLAINED {
            s.spawn(move || {
                let fault = Fault::start(Mode::error(403, case.code, case.message));
                let home = sts_home(&fault.url);
                if let Some(slot) = &case.cached {
                    home.cache_session(
                        "personal",
                        slot.clone(),
                        CACHED_TOKEN,
                        OffsetDateTime::now_utc() + time::Duration::hours(6),
                    );
                }
                let before = cache_files(&home);
                let run = home.run(case.args, QUICK);
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
    let home = sts_home(&fault.url);
    let now = OffsetDateTime::now_utc();
    let entry = home.cache_session("personal", Slot::Mfa, CACHED_TOKEN, now + time::Duration::hours(7));
    // Made five hours ago (and ten seconds, which round to 5h00m), as ec2mfa records it.
    let entry =
        stsenv::store::entry::Entry { issued: Some(now - time::Duration::seconds(5 * 3600 + 10)), ..entry };
    {
        let cache = home.cache();
        let _lock = cache.lock("personal", &Slot::Mfa).unwrap();
        cache.write(&Slot::Mfa, &entry).unwrap();
    }
    let run = home.run(ROLE, QUICK);
    run.failed(1, "aws:MultiFactorAuthAge");
    assert!(run.stderr.trim_end().ends_with("; the MFA session was made 5h00m ago"), "{}", run.stderr);
    eprintln!("{}", run.stderr.trim_end());
}

/// A machine whose clock is minutes off: AWS's own time comes from the `Date` of its answer
/// (the fault server's clock set off), said to the second, for the signature refusal and for
/// a refused MFA code (codes from a TOTP seed are wrong then); `doctor` says it for each
/// account it checks.
#[test]
fn a_wrong_clock_is_said_to_the_second_from_the_date_of_the_answer() {
    let expired = "Signature expired: 20261207T200000Z is now earlier than 20261207T200212Z (20261207T200712Z - 5 min.)";
    let invalid_code = "MultiFactorAuthentication failed with invalid MFA one time pass code.";
    let cases: &[(i64, Mode, &str)] = &[
        (
            432,
            Mode::error(403, "SignatureDoesNotMatch", expired),
            "this machine's clock is 7m12s behind AWS's, so AWS refuses the request's signature: fix the clock (timedatectl set-ntp true, or ntpdate) and try again",
        ),
        (
            -3720,
            Mode::error(400, "RequestExpired", "Request has expired."),
            "this machine's clock is 1h02m ahead of AWS's",
        ),
        (
            125,
            Mode::error(403, "AccessDenied", invalid_code),
            "the MFA code was rejected: wait for the next code and try again, and check the MFA serial; also, this machine's clock is 2m05s behind AWS's (codes from a TOTP seed are wrong then): fix the clock",
        ),
    ];
    for (skew, mode, phrase) in cases {
        let fault = Fault::start_skewed(mode.clone(), *skew);
        let home = sts_home(&fault.url);
        let before = cache_files(&home);
        let run = home.run(MFA, QUICK);
        // The Date header is to the second: the span may be one less.
        let less_one = phrase.replace("7m12s", "7m11s").replace("2m05s", "2m04s");
        assert!(run.stderr.contains(phrase) || run.stderr.contains(&less_one), "{skew}: {}", run.stderr);
        run.failed(1, "clock");
        assert_eq!(cache_files(&home), before, "nothing cached");
    }
    // Without a skew, a refused code says nothing of the clock.
    let fault = Fault::start(Mode::error(403, "AccessDenied", invalid_code));
    let run = sts_home(&fault.url).run(MFA, QUICK);
    run.failed(1, "the MFA code was rejected");
    assert!(!run.stderr.contains("clock"), "{}", run.stderr);
    // doctor: GetCallerIdentity's answer tells how far off the clock is.
    for (skew, line) in [
        (
            -600,
            "FAIL  personal: this machine's clock is 10m00s ahead of AWS's (by STS's answer): codes from a TOTP seed are wrong",
        ),
        (0, "ok    personal: this machine's clock agrees with AWS's (within "),
    ] {
        let fault = Fault::start_skewed(Mode::ok(), skew);
        let mut home = sts_home(&fault.url);
        home.set("AWS_ENDPOINT_URL_IAM", &fault.url);
        let out = home.stsenv(&["doctor", "personal"]);
        // The report is on stdout, or on stderr when it has a FAIL.
        let report =
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
                .replace("10m01s ahead", "10m00s ahead");
        assert!(report.contains(line), "{skew}: {report:?}\n{line:?}");
    }
}

/// Every STS and IAM operation stsenv calls.
const OPERATIONS: &[&str] = &[
    "GetSessionToken",
    "AssumeRole",
    "GetCallerIdentity",
    "ListMFADevices",
    "CreateVirtualMFADevice",
    "EnableMFADevice",
    "ResyncMFADevice",
    "DeleteVirtualMFADevice",
    "ListAccessKeys",
    "CreateAccessKey",
    "DeleteAccessKey",
];

/// An operation a line names twice ("ListMFADevices: ListMFADevices: ..."). A policy's name for
/// it (`iam:ListMFADevices`, `sts:AssumeRole`) is a permission, not the operation, and not counted.
fn named_twice(line: &str) -> Option<&'static str> {
    OPERATIONS.iter().copied().find(|op| {
        let named = line.match_indices(op).filter(|(at, _)| {
            let before = line[..*at].chars().next_back();
            let after = line[at + op.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == ':')
                && !after.is_some_and(char::is_alphanumeric)
        });
        named.count() > 1
    })
}

#[test]
fn named_twice_finds_the_doubled_operation_only() {
    assert_eq!(
        named_twice("personal: ListMFADevices: ListMFADevices: IAM does not know it"),
        Some("ListMFADevices")
    );
    assert_eq!(named_twice("x (ListMFADevices): cannot reach IAM (ListMFADevices)"), Some("ListMFADevices"));
    assert_eq!(named_twice("AWS denied ListMFADevices: the IAM user needs iam:ListMFADevices"), None);
    assert_eq!(named_twice("AWS denied AssumeRole of R: allow sts:AssumeRole on it"), None);
}

/// Each answer the fault server can give to STS and to IAM (errors with and without advice of
/// their own, a body that is not XML, a refused connection), for each command that calls them:
/// exit 1 or 2, the operation asked for reached the server, and no line of the output names an
/// operation twice (doctor said "ListMFADevices: ListMFADevices: IAM does not know it").
#[test]
fn no_message_names_an_operation_twice() {
    let modes: Vec<(&str, Option<Mode>)> = [
        (404, "NoSuchEntity", "The user with name jbrowne cannot be found."),
        (
            403,
            "AccessDenied",
            "User: arn:aws:iam::123456789012:user/jbrowne is not authorized to perform this",
        ),
        (409, "EntityAlreadyExists", "MFADevice entity at the same path and name already exists."),
        (409, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2"),
        (403, "InvalidClientTokenId", "The security token included in the request is invalid."),
        (403, "SignatureDoesNotMatch", "The request signature we calculated does not match"),
        (400, "ExpiredToken", "The security token included in the request is expired"),
        (400, "ValidationError", "1 validation error detected"),
        (400, "RequestExpired", "Request has expired."),
        (400, "Throttling", "Rate exceeded"),
        (500, "ServiceFailure", "Internal failure"),
        (403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code."),
    ]
    .into_iter()
    .map(|(status, code, message)| (code, Some(Mode::error(status, code, message))))
    .chain([
        ("HTTP 500 without XML", Some(Mode::Raw { status: 500, body: "<html>Bad gateway</html>" })),
        ("refused connection", None),
    ])
    .collect();
    let accounts = r#"{"personal": {"arn": "arn:aws:iam::123456789012:", "user": "jbrowne",
      "mfa_serial": "arn:aws:iam::123456789012:mfa/jbrowne"}}"#;
    // (command, the service that fails, the operation it fails in)
    let commands: &[(&[&str], &str, &str)] = &[
        (MFA, "STS", "GetSessionToken"),
        (LONG_ROLE, "STS", "AssumeRole"),
        (&["doctor", "personal"], "STS", "GetCallerIdentity"),
        (&["mfa-device", "list", "personal"], "STS", "GetCallerIdentity"),
        (&["import", "newacct"], "STS", "GetCallerIdentity"),
        (&["doctor", "personal"], "IAM", "ListMFADevices"),
        (&["mfa-device", "list", "personal"], "IAM", "ListMFADevices"),
        (
            &["mfa-device", "resync", "personal", "--code1", "111111", "--code2", "222222"],
            "IAM",
            "ResyncMFADevice",
        ),
        (&["mfa-device", "enroll", "personal", "--store-seed"], "IAM", "CreateVirtualMFADevice"),
        (&["rotate-keys", "personal"], "IAM", "ListAccessKeys"),
    ];
    let runs = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for (what, mode) in &modes {
            let runs = &runs;
            s.spawn(move || {
                let failing = mode.clone().map(Fault::start);
                let ok = Fault::start(Mode::ok());
                let failing_url = failing.as_ref().map_or("http://127.0.0.1:1".to_owned(), |f| f.url.clone());
                for (args, service, operation) in commands {
                    let mut home = sts_home(&failing_url);
                    home.accounts(accounts);
                    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
                    std::fs::write(
                        home.path().join(".aws/credentials"),
                        format!("[newacct]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n"),
                    )
                    .unwrap();
                    let (sts, iam) = if *service == "STS" { (&failing_url, &failing_url) } else { (&ok.url, &failing_url) };
                    home.set("AWS_ENDPOINT_URL_STS", sts).set("AWS_ENDPOINT_URL_IAM", iam);
                    let sent = failing.as_ref().map_or(0, Fault::count);
                    let run = home.run(args, QUICK);
                    let context = format!("{} ({service} answering {what})", run.what);
                    assert!(matches!(run.status.code(), Some(1 | 2)), "{context}: {}", run.stderr);
                    if let Some(failing) = &failing {
                        let asked = failing.requests()[sent..].iter().any(|r| r.body.contains(&format!("Action={operation}&")));
                        assert!(asked, "{context}: no {operation} reached the server: {}", run.stderr);
                    }
                    for line in run.stdout.lines().chain(run.stderr.lines()) {
                        if let Some(op) = named_twice(line) {
                            panic!("{context}: {op} named twice in: {line}");
                        }
                    }
                    // ...and names it once (but where stsenv says what to do instead: a
                    // device of that name is left from an unfinished enrolment).
                    let failed = run.stderr.lines().filter(|l| names_operation(l, operation)).count();
                    let own_words = *operation == "CreateVirtualMFADevice" && *what == "EntityAlreadyExists";
                    assert_eq!(failed, usize::from(!own_words), "{context}: which operation failed: {}", run.stderr);
                    runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            });
        }
    });
    assert_eq!(runs.into_inner(), modes.len() * commands.len());
}
