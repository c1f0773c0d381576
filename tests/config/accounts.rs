//! The accounts file and key directory through the binary: lookup order, errors with file and
//! position, warnings, `list`.

use std::os::unix::fs::PermissionsExt;

use crate::util::fixtures::home;
use crate::util::run::command;
use crate::util::{ACCESS_KEY, Home, SECRET_KEY, stderr, stdout};

#[test]
fn misspelt_field_names_file_line_and_column() {
    let home = home();
    home.accounts("{\n  \"personal\": {\n    \"arn\": \"arn:aws:iam::987654321012:\",\n    \"regoin\": \"eu-west-1\"\n  }\n}\n");
    let out = home.stsenv(&["switch", "personal"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    let expected = format!(
        "stsenv: {}:4:12: unknown field `regoin` (did you mean `region`?)\n",
        home.accounts_path().display()
    );
    assert_eq!(stderr(&out), expected);
}

#[test]
fn lookup_order_of_the_accounts_file() {
    let mut home = home();
    home.accounts(r#"{"personal": {"arn": "arn:aws:iam::987654321012:", "region": "eu-west-1"}}"#);
    let region = |home: &Home, extra: &[&str]| {
        let mut args = vec!["switch", "personal"];
        args.extend_from_slice(extra);
        let out = home.stsenv(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        let line =
            stdout(&out).lines().find(|l| l.starts_with("builtin export AWS_REGION=")).unwrap().to_owned();
        line["builtin ".len()..].to_owned()
    };
    // <config dir>/stsenv/accounts.json
    assert_eq!(region(&home, &[]), "export AWS_REGION=eu-west-1;".replace("eu-west-1", "'eu-west-1'"));
    // $STSENV_CONFIG wins over it.
    let other = home.path().join("other.json");
    std::fs::write(&other, r#"{"personal": {"arn": "arn:aws:iam::987654321012:", "region": "sa-east-1"}}"#)
        .unwrap();
    home.set("STSENV_CONFIG", &other);
    assert_eq!(region(&home, &[]), "export AWS_REGION='sa-east-1';");
    // --config wins over both.
    let third = home.path().join("third.json");
    std::fs::write(
        &third,
        r#"{"personal": {"arn": "arn:aws:iam::987654321012:", "region": "ca-central-1"}}"#,
    )
    .unwrap();
    assert_eq!(region(&home, &["--config", third.to_str().unwrap()]), "export AWS_REGION='ca-central-1';");
    // A named file that does not exist is an error.
    let out = home.stsenv(&["switch", "personal", "--config", "/nonexistent/accounts.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains!(out, "/nonexistent/accounts.json (from --config) does not exist");
}

#[test]
fn key_files_warn_about_permissions_and_odd_values() {
    let home = Home::new();
    home.keys("loose", "not-an-access-key", SECRET_KEY);
    let secret = home.creds().join("loose.secret_key");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = home.stsenv(&["switch", "loose"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{} is readable by group or others; fix it with: chmod 600 {}",
            secret.display(),
            secret.display()
        )),
        "{err}"
    );
    assert!(err.contains("loose.access_key does not look like an access key ID"), "{err}");
    assert!(
        !err.contains(SECRET_KEY) && !err.contains("not-an-access-key"),
        "no key value in messages: {err}"
    );
    // A NUL byte is an error.
    home.write_secret("nul.access_key", b"AKIA\0XXXXXXXXXXXXXXX");
    home.write_secret("nul.secret_key", b"x");
    let out = home.stsenv(&["switch", "nul"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains!(out, "contains a NUL byte");
    // A missing secret key file is an error naming it.
    home.write_secret("half.access_key", ACCESS_KEY.as_bytes());
    let out = home.stsenv(&["switch", "half"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    assert_stderr_contains!(out, "half.secret_key: it does not exist");
}

#[test]
fn creds_dir_flag_and_variable() {
    let home = Home::new();
    let elsewhere = home.path().join("keys-elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("x.access_key"), ACCESS_KEY).unwrap();
    std::fs::write(elsewhere.join("x.secret_key"), SECRET_KEY).unwrap();
    let out = home.stsenv(&["switch", "x"]);
    assert_eq!(out.status.code(), Some(2), "not in ~/aws-creds");
    let out = home.stsenv(&["--creds-dir", elsewhere.to_str().unwrap(), "switch", "x"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut home = home;
    home.set("STSENV_CREDS_DIR", &elsewhere);
    let out = home.stsenv(&["switch", "X"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("export STSENV_ACCOUNT='x';"));
    // No key directory at all: a clear error.
    home.set("STSENV_CREDS_DIR", home.path().join("missing"));
    let out = home.stsenv(&["switch"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains!(out, "cannot read the key directory");
}

#[test]
fn list_shows_keys_and_cache_state() {
    use stsenv::store::slot::Slot;
    use time::{Duration, OffsetDateTime};
    let home = home();
    home.keys("work", ACCESS_KEY, SECRET_KEY);
    home.accounts(r#"{"personal": "arn:aws:iam::987654321012:", "staging": "arn:aws:iam::111122223333:"}"#);
    let now = OffsetDateTime::now_utc();
    home.cache_session(
        "personal",
        Slot::Mfa,
        "TOKENTOKENTOKENTOKEN",
        now + Duration::hours(2) + Duration::seconds(20),
    );
    home.cache_session("work", Slot::Mfa, "TOKENTOKENTOKENTOKEN", now - Duration::hours(2));
    home.cache_session(
        "personal",
        crate::util::role_slot("arn:aws:iam::987654321012:role/ops/Admin"),
        "ROLETOKENROLETOKEN",
        now + Duration::minutes(42) + Duration::seconds(20),
    );
    let out = home.stsenv(&["list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "ACCOUNT   KEYS     MFA SESSION        ROLES\n\
         personal  yes      valid, 2h00m left  Admin (42m left)\n\
         staging   missing  none\n\
         work      yes      expired\n"
    );
    let out = home.stsenv(&["list", "--names"]);
    assert_eq!(stdout(&out), "personal\nwork\n");
}

#[test]
fn a_non_utf8_argument_is_a_one_line_usage_error() {
    use std::os::unix::ffi::OsStrExt;
    let home = home();
    let mut cmd = command(crate::util::bin());
    home.apply(&mut cmd);
    let out = cmd.arg("switch").arg(std::ffi::OsStr::from_bytes(b"pers\xffonal")).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("stsenv: ") && err.contains("see stsenv switch --help"), "{err}");
}

#[test]
fn a_role_key_that_is_not_a_name_is_refused_escaped() {
    // Role keys are typed, completed and listed like account names: a key holding a terminal
    // escape sequence or shell syntax is a configuration error naming the account and the key
    // (escaped), never printed raw and never offered for the command line.
    for (key, shown) in
        [("\\u001b[31mred", "'\\u{1b}[31mred'"), ("$(touch${IFS}/tmp/x)", "'$(touch${IFS}/tmp/x)'")]
    {
        let mut home = home();
        home.accounts(&format!(
            r#"{{"personal": {{"arn": "arn:aws:iam::987654321012:", "roles": {{"admin": "Admin", "{key}": "Admin"}}}}}}"#
        ));
        // (doctor asks STS who the keys are: nothing answers there.)
        home.set("AWS_ENDPOINT_URL", "http://127.0.0.1:1");
        for args in [
            &["list"][..],
            &["list", "--roles", "personal"],
            &["role", "-a", "personal"],
            &["switch", "personal"],
        ] {
            let run = home.run(args, crate::util::run::QUICK);
            run.failed(
                2,
                &format!("account 'personal': role key {shown} is not allowed: use letters, digits"),
            );
            assert!(!run.stderr.contains('\u{1b}'), "{}: a raw ESC on stderr: {:?}", run.what, run.stderr);
        }
        // doctor's report names it too, escaped.
        let out = home.stsenv(&["doctor"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_stderr_contains!(out, &format!("FAIL  accounts file {}", home.accounts_path().display()));
        assert_stderr_contains!(out, &format!("role key {shown} is not allowed"));
        assert!(!out.stderr.contains(&0x1b) && !out.stdout.contains(&0x1b), "{}", stderr(&out));
    }
}
