//! `stsenv policy`: valid JSON filled in for the account and user, accepted by IAM (moto).

use std::process::Output;

use serde_json::Value;

use crate::util::moto::{As, Moto, aws};
use crate::util::{Home, stderr, stdout};

const ACCOUNTS: &str = r#"{
  "personal": {"arn": "arn:aws:iam::123456789012:", "user": "jbrowne"},
  "work": "arn:aws:iam::012123456789:",
  "gov": {"arn": "arn:aws-us-gov:iam::111122223333:", "mfa_serial": "arn:aws-us-gov:iam::111122223333:mfa/hw-key"}
}"#;

fn home() -> Home {
    let home = Home::new();
    home.accounts(ACCOUNTS);
    home
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

/// Every Resource and Principal string of a policy document.
fn arns(doc: &Value) -> Vec<String> {
    let mut found = Vec::new();
    for statement in doc["Statement"].as_array().unwrap() {
        for key in ["Resource"] {
            if let Some(r) = statement[key].as_str() {
                found.push(r.to_owned());
            }
        }
        if let Some(p) = statement["Principal"]["AWS"].as_str() {
            found.push(p.to_owned());
        }
    }
    found
}

#[test]
fn all_is_one_object_filled_in_from_the_accounts_file() {
    let home = home();
    let v = json(&home.stsenv(&["policy", "--account", "personal"]));
    let kinds: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(kinds.len(), 3);
    for kind in ["self-service-mfa", "deny-without-mfa", "role-trust-mfa"] {
        assert_eq!(v[kind]["Version"], "2012-10-17", "{kind}");
        // The same document as the KIND alone.
        assert_eq!(v[kind], json(&home.stsenv(&["policy", kind, "--account", "personal"])), "{kind}");
    }
    let self_service = arns(&v["self-service-mfa"]);
    assert!(self_service.contains(&"arn:aws:iam::123456789012:user/jbrowne".to_owned()), "{self_service:?}");
    assert!(self_service.contains(&"arn:aws:iam::123456789012:mfa/jbrowne".to_owned()), "{self_service:?}");
    assert_eq!(arns(&v["role-trust-mfa"]), ["arn:aws:iam::123456789012:root"]);
    let deny = &v["deny-without-mfa"]["Statement"][0];
    assert_eq!(deny["Effect"], "Deny");
    assert_eq!(deny["Condition"]["BoolIfExists"]["aws:MultiFactorAuthPresent"], "false");
    let not: Vec<&str> = deny["NotAction"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    for action in
        ["iam:EnableMFADevice", "iam:CreateVirtualMFADevice", "sts:GetSessionToken", "iam:ListAccessKeys"]
    {
        assert!(not.contains(&action), "{action}");
    }
    assert!(!not.contains(&"iam:DeactivateMFADevice"), "deactivating MFA needs MFA");
}

#[test]
fn the_user_and_account_come_from_the_usual_places() {
    let mut home = home();
    // No user in the accounts file: NAME.user, else $USER.
    let user_of = |home: &Home, args: &[&str]| -> Vec<String> { arns(&json(&home.stsenv(args))) };
    assert!(
        user_of(&home, &["policy", "self-service-mfa", "-a", "work"])
            .contains(&"arn:aws:iam::012123456789:user/jbrowne".into())
    );
    home.write_secret("work.user", b"deploy\n");
    assert!(
        user_of(&home, &["policy", "self-service-mfa", "-a", "work"])
            .contains(&"arn:aws:iam::012123456789:user/deploy".into())
    );
    assert!(
        user_of(&home, &["policy", "self-service-mfa", "-a", "work", "--user", "ci"])
            .contains(&"arn:aws:iam::012123456789:user/ci".into())
    );
    // The partition and an explicit MFA serial are kept.
    let gov = user_of(&home, &["policy", "self-service-mfa", "-a", "gov"]);
    assert!(gov.contains(&"arn:aws-us-gov:iam::111122223333:mfa/hw-key".into()), "{gov:?}");
    // --account-id without an accounts file entry; a group policy with the IAM variable.
    let group = user_of(
        &home,
        &["policy", "self-service-mfa", "--account-id", "444455556666", "--user", "${aws:username}"],
    );
    assert!(group.contains(&"arn:aws:iam::444455556666:user/${aws:username}".into()), "{group:?}");
    assert!(group.contains(&"arn:aws:iam::444455556666:mfa/${aws:username}".into()), "{group:?}");
    // $STSENV_ACCOUNT is the default account.
    home.set("STSENV_ACCOUNT", "personal");
    assert_eq!(user_of(&home, &["policy", "role-trust-mfa"]), ["arn:aws:iam::123456789012:root"]);
    let v = json(&home.stsenv(&["policy", "role-trust-mfa", "--max-mfa-age", "3600"]));
    assert_eq!(v["Statement"][0]["Condition"]["NumericLessThan"]["aws:MultiFactorAuthAge"], "3600");
    assert_eq!(v["Statement"][0]["Condition"]["Bool"]["aws:MultiFactorAuthPresent"], "true");
}

#[test]
fn bad_input_is_exit_2_with_empty_stdout() {
    let home = home();
    for (args, phrase) in [
        (&["policy"][..], "which account?"),
        (&["policy", "-a", "persnal"], "did you mean 'personal'?"),
        (&["policy", "--account-id", "12345"], "not a 12-digit AWS account ID"),
        (&["policy", "-a", "personal", "--user", "j browne"], "not an IAM user name"),
        (&["policy", "-a", "personal", "--account-id", "123456789012"], "cannot be used with"),
        (&["policy", "bogus", "-a", "personal"], "invalid value"),
        (&["policy", "role-trust-mfa", "-a", "personal", "--max-mfa-age", "0"], "at least 1"),
    ] {
        let out = home.stsenv(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{args:?}");
        assert_stderr_contains!(out, phrase, "{args:?}");
    }
    // deny-without-mfa names no account or user, so it needs none.
    let v = json(&home.stsenv(&["policy", "deny-without-mfa"]));
    assert_eq!(v["Statement"][0]["Effect"], "Deny");
}

#[test]
fn iam_accepts_each_policy() {
    let moto = Moto::start(false);
    let mut home = home();
    home.use_moto(&moto);
    // moto validates policy documents: a broken one is refused, so acceptance means something.
    let broken = home.path().join("broken.json");
    std::fs::write(
        &broken,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}"#,
    )
    .unwrap();
    let out = aws(
        &home,
        As::Moto,
        &[
            "iam",
            "create-policy",
            "--policy-name",
            "broken",
            "--policy-document",
            &format!("file://{}", broken.display()),
        ],
    );
    assert!(!out.status.success(), "moto accepted a broken policy");
    assert_stderr_contains!(out, "MalformedPolicyDocument");
    // moto's create-role does not validate the trust policy; update-assume-role-policy does.
    let out = aws(
        &home,
        As::Moto,
        &["iam", "create-role", "--role-name", "Admin", "--assume-role-policy-document", "{}"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let update = |document: &str| {
        aws(
            &home,
            As::Moto,
            &["iam", "update-assume-role-policy", "--role-name", "Admin", "--policy-document", document],
        )
    };
    let out = update(&format!("file://{}", broken.display()));
    assert!(!out.status.success(), "moto accepted a broken trust policy");
    assert_stderr_contains!(out, "MalformedPolicyDocument");

    for (kind, user, extra) in [
        ("self-service-mfa", "jbrowne", None),
        ("self-service-mfa", "${aws:username}", None),
        ("deny-without-mfa", "jbrowne", None),
        ("deny-without-mfa", "${aws:username}", Some("--allow-assume-role-with-mfa")),
        ("role-trust-mfa", "jbrowne", None),
    ] {
        let mut args = vec!["policy", kind, "-a", "personal", "--user", user];
        args.extend(extra);
        if kind == "role-trust-mfa" {
            args.extend(["--max-mfa-age", "3600"]);
        }
        let out = home.stsenv(&args);
        json(&out);
        let file = home.path().join(format!("{kind}.json"));
        std::fs::write(&file, &out.stdout).unwrap();
        let document = format!("file://{}", file.display());
        let created = if kind == "role-trust-mfa" {
            update(&document)
        } else {
            let name = format!("{kind}-{}", if user == "jbrowne" { "user" } else { "group" });
            aws(
                &home,
                As::Moto,
                &["iam", "create-policy", "--policy-name", &name, "--policy-document", &document],
            )
        };
        assert!(created.status.success(), "{kind} ({user}): {}\n{}", stderr(&created), stdout(&out));
    }
}

#[test]
fn china_and_govcloud_accounts_get_their_partitions_arns() {
    let home = home();
    home.accounts(
        r#"{"cn": {"arn": "arn:aws-cn:iam::123456789012:", "user": "jbrowne"},
            "gov": {"arn": "arn:aws-us-gov:iam::111122223333:", "user": "jbrowne"}}"#,
    );
    let cases: [(&[&str], &str); 4] = [
        (&["policy", "-a", "cn"], "arn:aws-cn:iam::123456789012:"),
        (&["policy", "-a", "gov"], "arn:aws-us-gov:iam::111122223333:"),
        (
            &["policy", "--account-id", "123456789012", "--user", "jb", "--partition", "aws-cn"],
            "arn:aws-cn:iam::123456789012:",
        ),
        (&["policy", "--account-id", "123456789012", "--user", "jb"], "arn:aws:iam::123456789012:"),
    ];
    for (args, prefix) in cases {
        let v = json(&home.stsenv(args));
        for kind in ["self-service-mfa", "role-trust-mfa"] {
            let found = arns(&v[kind]);
            let named: Vec<&String> = found.iter().filter(|a| a.starts_with("arn:")).collect();
            assert!(!named.is_empty(), "{args:?} {kind}");
            for arn in named {
                assert!(arn.starts_with(prefix), "{args:?} {kind}: {arn}");
            }
        }
    }
    let out = home.stsenv(&["policy", "--account-id", "123456789012", "--partition", "aws-xx"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn deny_without_mfa_leaves_the_long_term_keys_only_get_session_token_unless_asked() {
    // AWS leaves aws:MultiFactorAuthPresent out of requests signed with long-term keys, even an
    // AssumeRole with an MFA code: under BoolIfExists "false" such a request is denied, so
    // sts:AssumeRole must not be in NotAction by default (ec2role chains from an MFA session).
    let home = home();
    let not_action = |v: &Value| -> Vec<String> {
        v["Statement"][0]["NotAction"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect()
    };
    let out = home.stsenv(&["policy", "deny-without-mfa"]);
    let strict = not_action(&json(&out));
    assert!(strict.contains(&"sts:GetSessionToken".to_owned()), "{strict:?}");
    assert!(!strict.iter().any(|a| a.starts_with("sts:AssumeRole")), "{strict:?}");
    assert_stderr_lacks!(out, "AssumeRole");
    // The opt-in, for roles longer than 1 h from the long-term keys and an MFA code: AssumeRole
    // too, and a warning that the roles' trust policies must require MFA.
    for args in [
        &["policy", "deny-without-mfa", "--allow-assume-role-with-mfa"][..],
        &["policy", "all", "-a", "personal", "--allow-assume-role-with-mfa"],
    ] {
        let out = home.stsenv(args);
        let v = json(&out);
        let doc = if args[1] == "all" { &v["deny-without-mfa"] } else { &v };
        let allowed = not_action(doc);
        assert_eq!(allowed.len(), strict.len() + 1, "{allowed:?}");
        assert!(allowed.contains(&"sts:AssumeRole".to_owned()), "{allowed:?}");
        assert_stderr_contains!(
            out,
            "every role these users may assume must require MFA in its trust policy (stsenv policy role-trust-mfa)"
        );
    }
    // Only deny-without-mfa has it.
    let out = home.stsenv(&["policy", "role-trust-mfa", "-a", "personal", "--allow-assume-role-with-mfa"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    assert_stderr_contains!(out, "--allow-assume-role-with-mfa changes only deny-without-mfa");
}
