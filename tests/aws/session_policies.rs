//! Session policies (a role's `policy` and `policy_arns`, `--policy` and `--policy-arn`) against
//! moto through a recording proxy (tests/util/record.rs): what reaches AssumeRole (and, for the
//! console of an IAM user without roles, GetFederationToken) as it was sent, the role cache
//! keyed on them, and every limit refused before any request with nothing cached.

use std::os::unix::fs::PermissionsExt;

use crate::util::fault::{Fault, Mode};
use crate::util::moto::Moto;
use crate::util::record::{Recorded, Recorder, form};
use crate::util::run::QUICK;
use crate::util::{Home, stderr, stdout};

/// The policy file of role `scoped`, beside the accounts file, as a user writes it.
const FILE_POLICY: &str = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::my bucket/*\"}\n  ]\n}\n";
/// The same, packed: what AWS is sent.
const FILE_POLICY_SENT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::my bucket/*"}]}"#;
const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
const TEAM_POLICY: &str = "arn:aws:iam::123456789012:policy/team/S3Read";

const ACCOUNTS: &str = r#"{
  "personal": {"arn": "arn:aws:iam::123456789012:", "user": "jbrowne",
    "mfa_serial": "arn:aws:iam::123456789012:mfa/jbrowne", "duration_seconds": 129600,
    "roles": {
      "admin": "arn:aws:iam::123456789012:role/Admin",
      "scoped": {"arn": "Admin", "policy": "@policies/s3-read.json",
                 "policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::123456789012:policy/team/S3Read"]},
      "inline": {"arn": "Admin", "policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}}
    }}
}"#;

struct Setup {
    _moto: Moto,
    recorder: Recorder,
    home: Home,
    user: crate::util::moto::User,
}

/// moto behind a recording proxy, a home whose STS is the proxy, and the policy file of role
/// `scoped` in `policies/` beside the accounts file.
fn setup() -> Setup {
    let moto = Moto::start(false);
    let user = moto.user("jbrowne");
    let recorder = Recorder::start(&moto.url);
    let mut home = Home::new();
    home.user_keys("personal", &user).accounts(ACCOUNTS);
    home.set("AWS_ENDPOINT_URL_STS", &recorder.url);
    let dir = home.accounts_path().parent().unwrap().join("policies");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("s3-read.json"), FILE_POLICY).unwrap();
    Setup { _moto: moto, recorder, home, user }
}

fn ok(home: &Home, args: &[&str]) -> std::process::Output {
    let out = home.stsenv(args);
    assert!(out.status.success(), "stsenv {}: {}", args.join(" "), stderr(&out));
    out
}

fn last(recorder: &Recorder, action: &str) -> Recorded {
    recorder.actions(action).pop().unwrap_or_else(|| panic!("no {action} request: {:?}", recorder.requests()))
}

/// The `PolicyArns.member.N.arn` fields of a request, in order, and that nothing else of the
/// list was sent.
fn policy_arns(sent: &Recorded) -> Vec<String> {
    let arns: Vec<String> = (1..=10)
        .map_while(|n| sent.field(&format!("PolicyArns.member.{n}.arn")).map(str::to_owned))
        .collect();
    let fields = sent.form.keys().filter(|k| k.starts_with("PolicyArns")).count();
    assert_eq!(fields, arns.len(), "{:?}", sent.form);
    arns
}

#[test]
fn policies_of_the_role_object_and_the_flags_reach_assume_role_as_sent() {
    let s = setup();
    ok(&s.home, &["mfa", "personal", "-c", "123456"]);
    // The role object: a file beside the accounts file, and two ARNs.
    ok(&s.home, &["role", "scoped", "-a", "personal"]);
    let sent = last(&s.recorder, "AssumeRole");
    assert_eq!(sent.field("RoleArn"), Some("arn:aws:iam::123456789012:role/Admin"));
    assert_eq!(sent.field("Policy"), Some(FILE_POLICY_SENT));
    assert_eq!(policy_arns(&sent), [READ_ONLY, TEAM_POLICY]);
    eprintln!("AssumeRole of scoped (file): {:?}", sent.form);
    // An object in the accounts file.
    ok(&s.home, &["role", "inline", "-a", "personal"]);
    let sent = last(&s.recorder, "AssumeRole");
    assert_eq!(
        sent.field("Policy"),
        Some(r#"{"Statement":[{"Action":"iam:*","Effect":"Deny","Resource":"*"}],"Version":"2012-10-17"}"#)
    );
    assert_eq!(policy_arns(&sent), Vec::<String>::new());
    // The flags replace the role's: inline JSON as typed, whitespace out, and one ARN.
    let typed = r#"{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*" } ] }"#;
    ok(&s.home, &["role", "scoped", "-a", "personal", "--policy", typed, "--policy-arn", READ_ONLY]);
    let sent = last(&s.recorder, "AssumeRole");
    assert_eq!(sent.field("Policy"), Some(typed.replace(' ', "").as_str()));
    assert_eq!(policy_arns(&sent), [READ_ONLY]);
    // A flag's @FILE is taken from the current directory (the home, where stsenv runs).
    std::fs::write(s.home.path().join("mine.json"), r#"{"Version": "2012-10-17", "Statement": []}"#).unwrap();
    ok(&s.home, &["role", "admin", "-a", "personal", "--policy", "@mine.json"]);
    let sent = last(&s.recorder, "AssumeRole");
    assert_eq!(sent.field("Policy"), Some(r#"{"Version":"2012-10-17","Statement":[]}"#));
    // credential-process --role and exec --role use the role object's policies too.
    for args in [
        &["credential-process", "personal", "--role", "inline"][..],
        &["exec", "personal", "--role", "scoped", "--", "true"],
    ] {
        ok(&s.home, &["clear", "personal"]);
        ok(&s.home, &["mfa", "personal", "-c", "123456"]);
        ok(&s.home, args);
        let sent = last(&s.recorder, "AssumeRole");
        assert!(sent.field("Policy").is_some(), "{args:?}: {:?}", sent.form);
    }
    assert_eq!(policy_arns(&last(&s.recorder, "AssumeRole")), [READ_ONLY, TEAM_POLICY]);
    eprintln!("AssumeRole calls: {}", s.recorder.actions("AssumeRole").len());
}

#[test]
fn the_role_cache_keys_on_the_session_policies() {
    let s = setup();
    ok(&s.home, &["mfa", "personal", "-c", "123456"]);
    let assumed = |args: &[&str]| -> (usize, String) {
        let before = s.recorder.actions("AssumeRole").len();
        let out = ok(&s.home, &[&["role", "admin", "-a", "personal"][..], args].concat());
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        (s.recorder.actions("AssumeRole").len() - before, json["session_token"].as_str().unwrap().to_owned())
    };
    let policy =
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#;
    let (calls, plain) = assumed(&[]);
    assert_eq!(calls, 1);
    let (calls, scoped) = assumed(&["--policy", policy]);
    assert_eq!(calls, 1, "the role with a policy must be assumed again, not the plain one reused");
    assert_ne!(scoped, plain);
    // The same policy again, written otherwise (whitespace, key order): cached.
    let reordered = r#"{"Statement":[{"Resource":"*","Action":"s3:*","Effect":"Allow"}],
        "Version":"2012-10-17"}"#;
    for again in [policy, reordered] {
        let (calls, token) = assumed(&["--policy", again]);
        assert_eq!((calls, token.as_str()), (0, scoped.as_str()), "{again}");
    }
    let (calls, token) = assumed(&[]);
    assert_eq!((calls, token.as_str()), (0, plain.as_str()));
    // Another policy, and policy ARNs (in any order, the same entry).
    let (calls, _) = assumed(&["--policy", r#"{"Version":"2012-10-17","Statement":[]}"#]);
    assert_eq!(calls, 1);
    let (calls, arns) = assumed(&["--policy-arn", READ_ONLY, "--policy-arn", TEAM_POLICY]);
    assert_eq!(calls, 1);
    let (calls, token) = assumed(&["--policy-arn", TEAM_POLICY, "--policy-arn", READ_ONLY]);
    assert_eq!((calls, token.as_str()), (0, arns.as_str()));
    eprintln!("AssumeRole calls in all: {}", s.recorder.actions("AssumeRole").len());
}

#[test]
fn policies_beyond_what_aws_takes_are_refused_before_any_request() {
    let s = setup();
    let home = &s.home;
    let big = format!(r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{}"}}]}}"#, "x".repeat(2000));
    let arns: Vec<String> = (1..=11).map(|i| format!("arn:aws:iam::aws:policy/P{i}")).collect();
    let eleven: Vec<&str> = arns.iter().flat_map(|a| ["--policy-arn", a.as_str()]).collect();
    std::fs::write(home.path().join("open.json"), "{}").unwrap();
    std::fs::set_permissions(home.path().join("open.json"), PermissionsExt::from_mode(0o666)).unwrap();
    std::fs::write(home.path().join("broken.json"), "{\"Version\": ").unwrap();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (vec!["--policy", "{\"Version\": "], "--policy is not a JSON policy document (EOF".into()),
        (vec!["--policy", "[]"], "--policy is not a JSON policy document (an object".into()),
        (
            vec!["--policy", &big],
            "--policy is 2049 characters without its whitespace, but AWS takes at most 2048".into(),
        ),
        (vec!["--policy", "@"], "--policy '@' names no file".into()),
        (vec!["--policy", "@missing.json"], "--policy @missing.json: cannot read".into()),
        (vec!["--policy", "@broken.json"], "--policy @broken.json is not a JSON policy document".into()),
        (
            vec!["--policy", "@open.json"],
            "--policy @open.json: not using a policy file others can change".into(),
        ),
        (eleven, "--policy-arn: 11 policy ARNs, but AWS takes at most 10".into()),
        (
            vec!["--policy-arn", "ReadOnlyAccess"],
            "--policy-arn 'ReadOnlyAccess' is not a managed policy ARN".into(),
        ),
        (
            vec!["--policy-arn", "arn:aws-cn:iam::aws:policy/ReadOnlyAccess"],
            "is of partition aws-cn, but the call is in partition aws".into(),
        ),
    ];
    for (flags, phrase) in &cases {
        let args = [&["role", "admin", "-a", "personal", "-c", "123456"][..], flags].concat();
        let run = home.run(&args, QUICK);
        run.failed(2, phrase);
        assert!(!run.stderr.contains("xxxxxxxx"), "the policy in the message: {}", run.stderr);
    }
    // 2048 characters pass the check (the whitespace does not count).
    let fits = format!(r#"{{"Version":"2012-10-17",  "Statement":[{{"Sid":"{}"}}]}}"#, "x".repeat(1999));
    ok(home, &["role", "admin", "-a", "personal", "-c", "123456", "--policy", &fits]);
    let fits_sent = last(&s.recorder, "AssumeRole");
    assert_eq!(fits_sent.field("Policy").map(str::len), Some(2048));
    let requests = s.recorder.requests().len();
    // The role object's file: refused when others may write it, named with the account and role.
    let file = home.accounts_path().parent().unwrap().join("policies/s3-read.json");
    std::fs::set_permissions(&file, PermissionsExt::from_mode(0o646)).unwrap();
    home.run(&["role", "scoped", "-a", "personal", "-c", "123456"], QUICK).failed(
        2,
        "account 'personal': role Admin: policy @policies/s3-read.json: not using a policy file others can change",
    );
    std::fs::remove_file(&file).unwrap();
    home.run(&["credential-process", "personal", "--role", "scoped"], QUICK)
        .failed(2, "policy @policies/s3-read.json: cannot read");
    // A --policy replaces the role's, whose file is then not read.
    home.run(&["role", "scoped", "-a", "personal", "-c", "123456", "--policy", "@missing.json"], QUICK)
        .failed(2, "--policy @missing.json: cannot read");
    assert_eq!(s.recorder.requests().len(), requests, "a request was sent");
    // Nothing was cached but the one that fit (and its MFA session).
    let mut cached: Vec<String> = std::fs::read_dir(home.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    cached.sort();
    assert_eq!(cached.len(), 2, "{cached:?}");
    // A bad policy in the accounts file: one line naming the field, for every command.
    home.accounts(
        r#"{"personal": {"arn": "arn:aws:iam::123456789012:", "roles": {"a": {"arn": "A", "policy": "{nope"}}}}"#,
    );
    home.run(&["role", "a", "-a", "personal"], QUICK)
        .failed(2, "account 'personal': role 'a': policy is not a JSON policy document");
    assert_eq!(s.recorder.requests().len(), requests);
}

#[test]
fn the_console_of_a_user_without_roles_signs_in_with_a_federation_token() {
    let s = setup();
    let signin = Fault::start(Mode::Signin { token: "SIGNINTOKEN-fed" });
    let mut home = s.home;
    home.set("STSENV_SIGNIN_URL", format!("{}/federation", signin.url));
    let run = home.run(&["console", "personal", "--print"], QUICK);
    assert!(run.status.success(), "{}", run.stderr);
    // One call: GetFederationToken signed with the long-term key, no MFA, no session.
    let requests = s.recorder.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let sent = last(&s.recorder, "GetFederationToken");
    assert_eq!(sent.signed_by(), s.user.access_key);
    assert!(!sent.head.to_ascii_lowercase().contains("x-amz-security-token"));
    assert_eq!(sent.field("Name"), Some("jbrowne"));
    // The account's 129600 s, cut to the console's 12 hours.
    assert_eq!(sent.field("DurationSeconds"), Some("43200"));
    assert_eq!(
        sent.field("Policy"),
        Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#)
    );
    assert_eq!(sent.field("TokenCode"), None);
    eprintln!("GetFederationToken: {:?}", sent.form);
    // The sign-in endpoint got the federated user's temporary credentials, not the keys.
    let head = &signin.requests()[0].head;
    let target = head.lines().next().unwrap().split(' ').nth(1).unwrap();
    let session: serde_json::Value =
        serde_json::from_str(&form(target.split_once('?').unwrap().1)["Session"]).unwrap();
    let id = session["sessionId"].as_str().unwrap();
    // Exactly the credentials STS answered GetFederationToken with.
    let answer = s.recorder.answer(0).expect("GetFederationToken's answer");
    let element = |name: &str| -> String {
        let start = answer.find(&format!("<{name}>")).unwrap_or_else(|| panic!("no {name}: {answer}"));
        let rest = &answer[start + name.len() + 2..];
        rest[..rest.find('<').unwrap()].to_owned()
    };
    assert_eq!(id, element("AccessKeyId"));
    assert_eq!(session["sessionKey"].as_str().unwrap(), element("SecretAccessKey"));
    assert_eq!(session["sessionToken"].as_str().unwrap(), element("SessionToken"));
    assert_ne!(id, s.user.access_key);
    assert_eq!(session.as_object().unwrap().len(), 3);
    let link = run.stdout.trim_end();
    assert_eq!(form(link.split_once('?').unwrap().1)["SigninToken"], "SIGNINTOKEN-fed");
    assert!(
        run.stderr.contains("Console sign-in link for federated user jbrowne (your IAM user, through GetFederationToken) in account personal"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("lasts 12h00m and has your user's own permissions (the session policy allows everything), without IAM and STS"), "{}", run.stderr);
    assert!(run.stderr.contains("aws:MultiFactorAuthPresent"), "{}", run.stderr);
    for secret in [s.user.secret_key.as_str(), id, "SIGNINTOKEN"] {
        assert!(!run.stderr.contains(secret), "a secret on stderr: {}", run.stderr);
    }
    eprintln!("{}", run.stderr.trim_end());
    // --policy (a file) and --policy-arn scope it down: the allow-all policy is not sent.
    std::fs::write(home.path().join("console.json"), FILE_POLICY).unwrap();
    let run = home.run(
        &["console", "personal", "--policy", "@console.json", "--policy-arn", READ_ONLY, "--print"],
        QUICK,
    );
    assert!(run.status.success(), "{}", run.stderr);
    let sent = last(&s.recorder, "GetFederationToken");
    assert_eq!(sent.field("Policy"), Some(FILE_POLICY_SENT));
    assert_eq!(policy_arns(&sent), [READ_ONLY]);
    assert!(
        run.stderr.contains("what both your user's policies and the session policies allow"),
        "{}",
        run.stderr
    );
    // Only ARNs: no inline policy at all.
    ok(&home, &["console", "personal", "--policy-arn", READ_ONLY, "--print"]);
    let sent = last(&s.recorder, "GetFederationToken");
    assert_eq!((sent.field("Policy"), policy_arns(&sent)), (None, vec![READ_ONLY.to_owned()]));
    // Never cached: each sign-in gets its own token; nothing was written to the cache.
    assert_eq!(s.recorder.actions("GetFederationToken").len(), 3);
    assert!(std::fs::read_dir(home.cache_dir()).map_or(true, |d| d.count() == 0));
    // --role with --policy: the role is assumed with it (an MFA code, as ec2role would ask).
    ok(
        &home,
        &["console", "personal", "--role", "admin", "--policy", "@console.json", "-c", "123456", "--print"],
    );
    assert_eq!(last(&s.recorder, "AssumeRole").field("Policy"), Some(FILE_POLICY_SENT));
    // A bad policy is refused before any call.
    let before = (s.recorder.requests().len(), signin.count());
    home.run(&["console", "personal", "--policy", "{", "--print"], QUICK)
        .failed(2, "--policy is not a JSON policy document");
    home.run(&["console", "personal", "--policy-arn", "arn:aws-cn:iam::aws:policy/X", "--print"], QUICK)
        .failed(2, "is of partition aws-cn");
    assert_eq!((s.recorder.requests().len(), signin.count()), before);
}

#[test]
fn a_refused_federated_sign_in_says_why_mfa_policies_deny_it() {
    // GetFederationToken denied (an MFA-enforcing policy denies it: no MFA can be sent).
    let sts = Fault::start(Mode::error(
        403,
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/jbrowne is not authorized to perform: sts:GetFederationToken with an explicit deny",
    ));
    let signin = Fault::start(Mode::Signin { token: "SIGNINTOKEN-x" });
    let mut home = crate::util::fixtures::sts_home(&sts.url);
    home.set("STSENV_SIGNIN_URL", format!("{}/federation", signin.url));
    let run = home.run(&["console", "personal", "--print"], QUICK);
    run.failed(1, "AWS denied GetFederationToken with the long-term keys");
    assert!(
        run.stderr.contains("aws:MultiFactorAuthPresent") && run.stderr.contains("--role ROLE"),
        "{}",
        run.stderr
    );
    assert_eq!(signin.count(), 0);
    eprintln!("{}", run.stderr.trim_end());
    // The sign-in endpoint refusing the federation token.
    let sts = Fault::start(Mode::ok());
    let signin = Fault::start(Mode::Raw { status: 400, body: "<html>Bad Request</html>" });
    let mut home = crate::util::fixtures::sts_home(&sts.url);
    home.set("STSENV_SIGNIN_URL", format!("{}/federation", signin.url));
    let run = home.run(&["console", "personal", "--print"], QUICK);
    run.failed(1, "refused the federation token of your IAM user (HTTP 400)");
    assert!(run.stderr.contains("aws:MultiFactorAuthPresent"), "{}", run.stderr);
    assert!(!run.stderr.contains("FAULTTOKEN") && !run.stderr.contains("faultsecret"), "{}", run.stderr);
    eprintln!("{}", run.stderr.trim_end());
}
