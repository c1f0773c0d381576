//! Roles as the accounts file and the flags of `stsenv role` describe them, against moto through
//! a recording proxy (tests/util/record.rs) that shows each AssumeRole request as it was sent:
//! the role object's fields and the flags reach the request, a role longer than an hour is
//! assumed with the long-term key and an MFA code, and the role cache keys on every parameter.

use crate::util::moto::Moto;
use crate::util::record::{Recorded, Recorder};
use crate::util::{Home, stderr, stdout};

const ACCOUNTS: &str = r#"{
  "personal": {"arn": "arn:aws:iam::123456789012:", "user": "jbrowne",
    "mfa_serial": "arn:aws:iam::123456789012:mfa/jbrowne",
    "roles": {
      "admin": "arn:aws:iam::123456789012:role/Admin",
      "long": {"arn": "arn:aws:iam::123456789012:role/Long", "duration_seconds": 7200},
      "tagged": {"arn": "Tagged", "external_id": "ext-123", "session_name": "from-file",
                 "source_identity": "jbrowne", "tags": {"Team": "ops", "Project": "stsenv"},
                 "transitive_tags": ["Team"]}
    }}
}"#;

/// moto behind a recording proxy, and a home whose STS is the proxy.
fn setup() -> (Moto, Recorder, Home, crate::util::moto::User) {
    let moto = Moto::start(false);
    let user = moto.user("jbrowne");
    let recorder = Recorder::start(&moto.url);
    let mut home = Home::new();
    home.user_keys("personal", &user).accounts(ACCOUNTS);
    home.set("AWS_ENDPOINT_URL_STS", &recorder.url);
    (moto, recorder, home, user)
}

fn ok(home: &Home, args: &[&str]) -> std::process::Output {
    let out = home.stsenv(args);
    assert!(out.status.success(), "stsenv {}: {}", args.join(" "), stderr(&out));
    out
}

fn last(recorder: &Recorder, action: &str) -> Recorded {
    recorder.actions(action).pop().unwrap_or_else(|| panic!("no {action} request: {:?}", recorder.requests()))
}

#[test]
fn a_role_over_an_hour_is_assumed_with_the_long_term_key_and_a_code() {
    let (_moto, recorder, home, user) = setup();
    ok(&home, &["mfa", "personal", "-c", "123456"]);
    let out = ok(&home, &["role", "long", "-a", "personal", "-c", "654321"]);
    let err = stderr(&out);
    assert!(
        err.contains("Asking for an MFA code although account personal has an MFA session: AWS limits a role assumed from a session to 3600 s, and Long asks for 7200 s"),
        "{err}"
    );
    assert!(err.contains("valid for 2h00m"), "{err}");
    let sent = last(&recorder, "AssumeRole");
    assert_eq!(sent.field("RoleArn"), Some("arn:aws:iam::123456789012:role/Long"));
    assert_eq!(sent.field("DurationSeconds"), Some("7200"));
    assert_eq!(sent.field("SerialNumber"), Some("arn:aws:iam::123456789012:mfa/jbrowne"));
    assert_eq!(sent.field("TokenCode"), Some("654321"));
    assert_eq!(sent.signed_by(), user.access_key, "signed with the long-term key");
    assert!(!sent.head.to_ascii_lowercase().contains("x-amz-security-token"), "{}", sent.head);
    eprintln!("AssumeRole of Long: {:?}", sent.form);
    // Cached: the next one asks nothing and sends nothing.
    let before = recorder.requests().len();
    let out = ok(&home, &["role", "long", "-a", "personal"]);
    assert_stderr_contains!(out, "Cache is valid for role Long");
    assert_eq!(recorder.requests().len(), before);
    // A role of an hour or less is still chained from the MFA session, without a code.
    ok(&home, &["role", "admin", "-a", "personal"]);
    let chained = last(&recorder, "AssumeRole");
    assert_eq!(chained.field("TokenCode"), None);
    assert_eq!(chained.field("DurationSeconds"), Some("3600"));
    assert!(
        chained.head.to_ascii_lowercase().contains("x-amz-security-token"),
        "chained from the session: {}",
        chained.head
    );
}

#[test]
fn role_object_fields_and_flags_reach_assume_role() {
    let (_moto, recorder, home, _user) = setup();
    ok(&home, &["mfa", "personal", "-c", "123456"]);
    ok(&home, &["role", "tagged", "-a", "personal"]);
    let sent = last(&recorder, "AssumeRole");
    let expected = [
        ("RoleArn", "arn:aws:iam::123456789012:role/Tagged"),
        ("RoleSessionName", "from-file"),
        ("ExternalId", "ext-123"),
        ("SourceIdentity", "jbrowne"),
        ("Tags.member.1.Key", "Project"),
        ("Tags.member.1.Value", "stsenv"),
        ("Tags.member.2.Key", "Team"),
        ("Tags.member.2.Value", "ops"),
        ("TransitiveTagKeys.member.1", "Team"),
        ("DurationSeconds", "3600"),
    ];
    for (field, value) in expected {
        assert_eq!(sent.field(field), Some(value), "{field} in {:?}", sent.form);
    }
    eprintln!("AssumeRole of tagged (file): {:?}", sent.form);
    // The flags, over a plain role, with its JSON output.
    let out = ok(
        &home,
        &[
            "role",
            "admin",
            "-a",
            "personal",
            "--session-name",
            "flag-name",
            "--external-id",
            "flag-ext",
            "--source-identity",
            "jb-flag",
            "--tag",
            "Cost=42=x",
            "--tag",
            "Env=dev",
            "--transitive-tag",
            "Env",
            "--duration",
            "900",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(json["session_token"].as_str().is_some_and(|t| !t.is_empty()));
    let sent = last(&recorder, "AssumeRole");
    let expected = [
        ("RoleArn", "arn:aws:iam::123456789012:role/Admin"),
        ("RoleSessionName", "flag-name"),
        ("ExternalId", "flag-ext"),
        ("SourceIdentity", "jb-flag"),
        ("Tags.member.1.Key", "Cost"),
        ("Tags.member.1.Value", "42=x"),
        ("Tags.member.2.Key", "Env"),
        ("Tags.member.2.Value", "dev"),
        ("TransitiveTagKeys.member.1", "Env"),
        ("DurationSeconds", "900"),
    ];
    for (field, value) in expected {
        assert_eq!(sent.field(field), Some(value), "{field} in {:?}", sent.form);
    }
    eprintln!("AssumeRole of admin (flags): {:?}", sent.form);
}

#[test]
fn bad_role_settings_are_usage_errors_before_any_request() {
    let (_moto, recorder, home, _user) = setup();
    let cases: &[(&[&str], &str)] = &[
        (&["--tag", "NoEquals"], "--tag 'NoEquals' has no '=': write --tag KEY=VALUE"),
        (&["--tag", "aws:x=1"], "starts with aws:"),
        (&["--transitive-tag", "Team"], "--transitive-tag 'Team' is not one of the session tags"),
        (&["--source-identity", "a b"], "--source-identity 'a b' is not allowed"),
        (&["--session-name", "x"], "--session-name 'x' is not allowed"),
        (&["--external-id", "a b"], "--external-id is not allowed"),
        (&["--duration", "43201"], "--duration 43201 is out of range"),
    ];
    for (flags, phrase) in cases {
        let args = [&["role", "admin", "-a", "personal", "-c", "123456"][..], flags].concat();
        let out = home.stsenv(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
        assert_stderr_contains!(out, phrase, "{args:?}");
        assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    }
    // A misspelt field of a role object: file, line, column and the closest name.
    home.accounts(
        "{\"personal\": {\"arn\": \"arn:aws:iam::123456789012:\",\n  \"roles\": {\"admin\": {\"arn\": \"Admin\",\n    \"sesion_name\": \"x\"}}}}",
    );
    let out = home.stsenv(&["role", "admin", "-a", "personal", "-c", "123456"]);
    assert_eq!(out.status.code(), Some(2));
    let path = home.accounts_path();
    assert_eq!(
        stderr(&out),
        format!(
            "stsenv: {}:3:17: unknown field `sesion_name` (did you mean `session_name`?)\n",
            path.display()
        )
    );
    assert!(recorder.requests().is_empty(), "a request was sent: {:?}", recorder.requests());
}

#[test]
fn the_role_cache_keys_on_every_parameter() {
    let (_moto, recorder, home, _user) = setup();
    ok(&home, &["mfa", "personal", "-c", "123456"]);
    let assumed = |args: &[&str]| -> (usize, String, String) {
        let before = recorder.actions("AssumeRole").len();
        let out = ok(&home, &[&["role", "admin", "-a", "personal"][..], args].concat());
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let calls = recorder.actions("AssumeRole").len() - before;
        (calls, json["session_token"].as_str().unwrap().to_owned(), stderr(&out))
    };
    let (calls_a, token_a, _) = assumed(&["--session-name", "aa"]);
    assert_eq!(calls_a, 1);
    let (calls_b, token_b, err_b) = assumed(&["--session-name", "bb"]);
    assert_eq!(calls_b, 1, "--session-name bb after aa must assume the role again: {err_b}");
    assert_ne!(token_a, token_b);
    assert_eq!(last(&recorder, "AssumeRole").field("RoleSessionName"), Some("bb"));
    // Both stay cached, each for its own parameters.
    let (calls, token, err) = assumed(&["--session-name", "aa"]);
    assert_eq!((calls, token.as_str()), (0, token_a.as_str()), "{err}");
    assert!(err.contains("Cache is valid for role Admin"), "{err}");
    let (calls, token, _) = assumed(&["--session-name", "bb"]);
    assert_eq!((calls, token.as_str()), (0, token_b.as_str()));
    // Any other parameter too.
    for extra in [
        &["--session-name", "aa", "--external-id", "other-id"][..],
        &["--session-name", "aa", "--source-identity", "someone"],
        &["--session-name", "aa", "--tag", "Team=ops"],
        &["--session-name", "aa", "--tag", "Team=ops", "--transitive-tag", "Team"],
    ] {
        let (calls, token, err) = assumed(extra);
        assert_eq!(calls, 1, "{extra:?} must assume the role again: {err}");
        assert_ne!(token, token_a, "{extra:?}");
    }
    // The duration is not a parameter of the credentials: a valid entry serves any.
    let (calls, _, _) = assumed(&["--session-name", "aa", "--duration", "1800"]);
    assert_eq!(calls, 0);
    eprintln!("AssumeRole calls in all: {}", recorder.actions("AssumeRole").len());
}

#[test]
fn a_role_assumed_without_mfa_is_not_reused_when_mfa_is_asked() {
    let (_moto, recorder, home, user) = setup();
    // `-c skip`, no MFA session: the long-term keys sign an AssumeRole without MFA.
    ok(&home, &["role", "admin", "-a", "personal", "-c", "skip"]);
    let skipped = last(&recorder, "AssumeRole");
    assert_eq!(skipped.field("TokenCode"), None);
    assert_eq!(skipped.signed_by(), user.access_key);
    // Asked with MFA: not the cached one; an MFA session is made and the role chained from it.
    let before = recorder.actions("AssumeRole").len();
    let out = ok(&home, &["role", "admin", "-a", "personal", "-c", "123456"]);
    assert_stderr_lacks!(out, "Cache is valid");
    assert_eq!(recorder.actions("AssumeRole").len(), before + 1, "a new AssumeRole");
    let session = last(&recorder, "GetSessionToken");
    assert_eq!(session.field("TokenCode"), Some("123456"));
    let chained = last(&recorder, "AssumeRole");
    assert!(
        chained.head.to_ascii_lowercase().contains("x-amz-security-token"),
        "chained from the MFA session"
    );
    // Each is cached for what it was asked with.
    let before = recorder.requests().len();
    for code in ["skip", "123456"] {
        let out = ok(&home, &["role", "admin", "-a", "personal", "-c", code]);
        assert_stderr_contains!(out, "Cache is valid for role Admin", "-c {code}");
    }
    assert_eq!(recorder.requests().len(), before);
}

#[test]
fn a_role_name_iam_would_refuse_is_refused_before_any_request_or_lock_file() {
    // Each distinct typo used to cost an STS call and leave a lock file behind in the cache
    // directory; now the IAM rule for role names refuses it first, for every command that takes
    // a role.
    let moto = Moto::start(false);
    let (home, _user) = crate::util::fixtures::moto_home(&moto);
    ok(&home, &["mfa", "personal", "-c", "123456"]);
    let files = || {
        let mut names: Vec<String> = std::fs::read_dir(home.cache_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let (before, requests) = (files(), moto.requests());
    for bad in ["bad name!", "role/a b", "x\u{1b}[31m", "arn:aws:iam::123:role/Admin"] {
        for args in [
            &["role", bad, "-a", "personal"][..],
            &["credential-process", "personal", "--role", bad],
            &["exec", "personal", "--role", bad, "--", "true"],
            &["console", "personal", "--role", bad, "--print"],
            &["clear", "personal", "--role", bad],
        ] {
            let run = home.run(args, crate::util::run::QUICK);
            let phrase =
                if bad.starts_with("arn:") { "is not a role ARN like" } else { "is not a role name" };
            run.failed(2, phrase);
            assert!(!run.stderr.contains('\u{1b}'), "{}: {:?}", run.what, run.stderr);
            assert_eq!(moto.requests(), requests, "{}: a request was made", run.what);
            assert_eq!(files(), before, "{}: the cache directory changed", run.what);
        }
    }
}
