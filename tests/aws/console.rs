//! `stsenv console`: a console sign-in link through a local fake of the AWS federation endpoint
//! (`STSENV_SIGNIN_URL`), with STS from the fault server. What the endpoint receives (the
//! session JSON), the link made from its token, the browser it is handed to, and the errors.

use std::collections::BTreeMap;

use stsenv::store::slot::Slot;
use time::OffsetDateTime;

use crate::util::fault::{Fault, Mode};
use crate::util::fixtures::{CACHED_TOKEN, sts_home};
use crate::util::record::form;
use crate::util::run::QUICK;
use crate::util::{ACCESS_KEY, Home, SECRET_KEY, script};

const SIGNIN_TOKEN: &str = "SIGNINTOKEN-abc/def+ghi=";

const ACCOUNTS: &str = r#"{
  "personal": {"arn": "arn:aws:iam::123456789012:", "user": "jbrowne", "region": "eu-west-1",
               "roles": {"admin": "arn:aws:iam::123456789012:role/Admin", "ro": "ReadOnly"}},
  "china": {"arn": "arn:aws-cn:iam::123456789012:", "user": "jbrowne",
            "roles": {"admin": "Admin"}}
}"#;

struct Setup {
    sts: Fault,
    signin: Fault,
    home: Home,
}

/// STS answering AssumeRole, a fake federation endpoint, and a home with an MFA session cached
/// for both accounts (roles are chained from it, without a code).
fn setup(signin: Mode) -> Setup {
    let sts = Fault::start(Mode::ok());
    let signin = Fault::start(signin);
    let mut home = sts_home(&sts.url);
    home.keys("china", ACCESS_KEY, SECRET_KEY).accounts(ACCOUNTS);
    home.set("STSENV_SIGNIN_URL", format!("{}/federation", signin.url));
    let expiration = OffsetDateTime::now_utc() + time::Duration::hours(6);
    for account in ["personal", "china"] {
        home.cache_session(account, Slot::Mfa, CACHED_TOKEN, expiration);
    }
    Setup { sts, signin, home }
}

/// The query of a URL, decoded.
fn query(url: &str) -> BTreeMap<String, String> {
    form(url.split_once('?').map_or("", |(_, q)| q))
}

/// The session JSON of the federation request number `n`.
fn session_sent(signin: &Fault, n: usize) -> serde_json::Value {
    let request = &signin.requests()[n];
    let line = request.head.lines().next().unwrap();
    let target = line.split(' ').nth(1).unwrap();
    assert!(target.starts_with("/federation?"), "{line}");
    let q = query(target);
    assert_eq!(q["Action"], "getSigninToken");
    serde_json::from_str(&q["Session"]).unwrap()
}

/// No secret of the test on stderr: keys, tokens, the sign-in token.
fn no_secret(stderr: &str) {
    for secret in
        [ACCESS_KEY, SECRET_KEY, CACHED_TOKEN, "FAULTTOKEN", "faultsecret", "SIGNINTOKEN", "shellsecret"]
    {
        assert!(!stderr.contains(secret), "a secret on stderr: {stderr}");
    }
}

#[test]
fn print_gives_a_link_made_from_the_role_credentials() {
    let s = setup(Mode::Signin { token: SIGNIN_TOKEN });
    let run = s.home.run(&["console", "personal", "--role", "admin", "--print"], QUICK);
    assert!(run.status.success(), "{}", run.stderr);
    no_secret(&run.stderr);
    // One AssumeRole, chained from the MFA session.
    let sts = s.sts.requests();
    assert_eq!(sts.len(), 1);
    assert!(sts[0].body.contains("Action=AssumeRole"), "{}", sts[0].body);
    assert!(sts[0].head.contains(&CACHED_TOKEN[..20]), "signed with the MFA session");
    // The federation endpoint got the role's credentials (the fault server's first ones).
    let session = session_sent(&s.signin, 0);
    assert_eq!(session["sessionId"], "ASIAFAULT00000000001");
    assert!(session["sessionKey"].as_str().unwrap().starts_with("faultsecret/00000001/"));
    assert!(session["sessionToken"].as_str().unwrap().starts_with("FAULTTOKEN00000001ZZZ"));
    assert_eq!(session.as_object().unwrap().len(), 3);
    // The link: the same endpoint, the token, the console of the account's region.
    let link = run.stdout.strip_suffix('\n').unwrap();
    assert!(!link.contains('\n'));
    assert!(link.starts_with(&format!("{}/federation?Action=login&", s.signin.url)), "{link}");
    let q = query(link);
    assert_eq!(q["Issuer"], "stsenv");
    assert_eq!(q["SigninToken"], SIGNIN_TOKEN);
    assert_eq!(q["Destination"], "https://console.aws.amazon.com/console/home?region=eu-west-1");
    eprintln!("link: {}", link.replace(SIGNIN_TOKEN, "<token>"));
    eprintln!("{}", run.stderr.trim_end());
    // A service page in another region; the role comes from the cache this time.
    let run = s.home.run(
        &["console", "personal", "--role", "admin", "--service", "ec2", "--region", "us-west-2", "--print"],
        QUICK,
    );
    assert!(run.status.success(), "{}", run.stderr);
    assert_eq!(s.sts.count(), 1, "the cached role credentials were used");
    assert_eq!(session_sent(&s.signin, 1)["sessionId"], "ASIAFAULT00000000001");
    assert_eq!(
        query(run.stdout.trim_end())["Destination"],
        "https://console.aws.amazon.com/ec2/home?region=us-west-2"
    );
    let run = s.home.run(
        &[
            "console",
            "personal",
            "--role",
            "admin",
            "--destination",
            "https://console.aws.amazon.com/s3/buckets",
            "--print",
        ],
        QUICK,
    );
    assert_eq!(query(run.stdout.trim_end())["Destination"], "https://console.aws.amazon.com/s3/buckets");
}

#[test]
fn partitions_name_their_console_and_region() {
    let s = setup(Mode::Signin { token: SIGNIN_TOKEN });
    // An arn:aws-cn: account without a region: China's console in China's default region.
    let run = s.home.run(&["console", "china", "--role", "admin", "--print"], QUICK);
    assert!(run.status.success(), "{}", run.stderr);
    assert_eq!(
        query(run.stdout.trim_end())["Destination"],
        "https://console.amazonaws.cn/console/home?region=cn-north-1"
    );
    let sts = s.sts.requests();
    assert!(
        sts[0].body.contains("RoleArn=arn%3Aaws-cn%3Aiam%3A%3A123456789012%3Arole%2FAdmin"),
        "{}",
        sts[0].body
    );
    // Signed for China's region.
    assert!(sts[0].head.contains("/cn-north-1/sts/aws4_request"), "{}", sts[0].head);
    // A region of another partition is refused before any request.
    let before = (s.sts.count(), s.signin.count());
    let run = s.home.run(&["console", "china", "--role", "admin", "--region", "us-east-1", "--print"], QUICK);
    run.failed(2, "--region us-east-1 is not a region of partition aws-cn");
    assert_eq!((s.sts.count(), s.signin.count()), before);
}

#[test]
fn without_a_role_it_names_role_and_the_accounts_roles() {
    let s = setup(Mode::Signin { token: SIGNIN_TOKEN });
    // Only an MFA session, in a shell switched to it.
    let mut home = s.home;
    home.set("STSENV_ACCOUNT", "personal").set("STSENV_KIND", "mfa");
    let run = home.run(&["console", "--print"], QUICK);
    run.failed(2, "the console needs a role: AWS federation refuses MFA sessions (GetSessionToken)");
    assert!(run.stderr.contains("pass --role ROLE (account personal's roles: admin, ro)"), "{}", run.stderr);
    assert!(run.stderr.contains("ec2role ROLE"), "{}", run.stderr);
    assert_eq!((s.sts.count(), s.signin.count()), (0, 0), "nothing was sent");
    eprintln!("{}", run.stderr.trim_end());
}

#[test]
fn the_shells_role_is_used_without_sts() {
    let s = setup(Mode::Signin { token: SIGNIN_TOKEN });
    let mut home = s.home;
    let expires = (OffsetDateTime::now_utc() + time::Duration::minutes(40)).unix_timestamp();
    home.set("STSENV_ACCOUNT", "personal")
        .set("STSENV_KIND", "role")
        .set("STSENV_ROLE", "Admin")
        .set("STSENV_EXPIRES", expires.to_string())
        .set("AWS_ACCESS_KEY_ID", "ASIASHELLROLE0000001")
        .set("AWS_SECRET_ACCESS_KEY", "shellsecret/abc")
        .set("AWS_SESSION_TOKEN", "SHELLROLETOKEN");
    let run = home.run(&["console", "--print"], QUICK);
    assert!(run.status.success(), "{}", run.stderr);
    no_secret(&run.stderr);
    assert_eq!(s.sts.count(), 0, "no STS call");
    let session = session_sent(&s.signin, 0);
    assert_eq!(session["sessionId"], "ASIASHELLROLE0000001");
    assert_eq!(session["sessionKey"], "shellsecret/abc");
    assert_eq!(session["sessionToken"], "SHELLROLETOKEN");
    assert!(run.stderr.contains("role Admin in account personal"), "{}", run.stderr);
    // Expired: said so, nothing sent.
    home.set("STSENV_EXPIRES", (expires - 3600).to_string());
    let run = home.run(&["console", "--print"], QUICK);
    run.failed(2, "the shell's credentials of role Admin have expired");
    assert_eq!(s.signin.count(), 1);
}

#[test]
fn without_print_the_browser_gets_the_link_and_no_credentials() {
    let s = setup(Mode::Signin { token: SIGNIN_TOKEN });
    let mut home = s.home;
    let args_file = home.path().join("browser.args");
    let env_file = home.path().join("browser.env");
    let script = script(
        &home,
        "browser",
        &format!(
            "printf '%s\\n' \"$@\" > '{}'\nenv > '{}'\necho 'browser output'",
            args_file.display(),
            env_file.display()
        ),
    );
    home.set("BROWSER", script.as_os_str()).set("AWS_SESSION_TOKEN", "SHELLTOKENOFTHEUSER");
    let run = home.run(&["console", "personal", "--role", "admin"], QUICK);
    assert!(run.status.success(), "{}", run.stderr);
    assert_eq!(run.stdout, "", "nothing on stdout, not even the browser's");
    no_secret(&run.stderr);
    assert!(
        run.stderr.contains("Opened the console as role Admin in account personal (region eu-west-1) with "),
        "{}",
        run.stderr
    );
    let args = std::fs::read_to_string(&args_file).unwrap();
    let link = args.strip_suffix('\n').unwrap();
    assert!(!link.contains('\n'), "one argument: {args}");
    assert!(link.starts_with(&format!("{}/federation?Action=login&", s.signin.url)));
    assert_eq!(query(link)["SigninToken"], SIGNIN_TOKEN);
    let env = std::fs::read_to_string(&env_file).unwrap();
    for name in ["AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
        assert!(!env.contains(&format!("{name}=")), "the browser got {name}");
    }
    // `%s` places the link; a failing browser is a clear error.
    home.set("BROWSER", format!("{} --new-window %s", script.display()));
    let run = home.run(&["console", "personal", "--role", "admin"], QUICK);
    assert!(run.status.success(), "{}", run.stderr);
    let args = std::fs::read_to_string(&args_file).unwrap();
    assert!(args.starts_with("--new-window\nhttp://"), "{args}");
    home.set("BROWSER", "false");
    home.run(&["console", "personal", "--role", "admin"], QUICK)
        .failed(2, "the browser command false failed");
    home.set("BROWSER", "/nonexistent/browser");
    home.run(&["console", "personal", "--role", "admin"], QUICK).failed(2, "cannot open a browser");
}

#[test]
fn federation_failures_are_one_line_and_bounded() {
    // The role is cached first, so that the error is the only line.
    let cached = |s: Setup| -> Setup {
        let run = s.home.run(&["role", "admin", "-a", "personal"], QUICK);
        assert!(run.status.success(), "{}", run.stderr);
        s
    };
    let s = cached(setup(Mode::Raw { status: 400, body: "<html>Bad Request</html>" }));
    let run = s.home.run(&["console", "personal", "--role", "admin", "--print"], QUICK);
    run.failed(1, "refused the role's credentials (HTTP 400)");
    no_secret(&run.stderr);
    let s = cached(setup(Mode::Raw { status: 200, body: "not json" }));
    s.home.run(&["console", "personal", "--role", "admin", "--print"], QUICK).failed(1, "not JSON");
    let s = cached(setup(Mode::Hang));
    let run = s.home.run(&["console", "personal", "--role", "admin", "--print"], QUICK);
    run.failed(1, "did not answer within");
    assert!(
        run.elapsed < stsenv::aws::client::OPERATION_TIMEOUT + std::time::Duration::from_secs(2),
        "{:?}",
        run.elapsed
    );
    let mut home = cached(setup(Mode::Signin { token: SIGNIN_TOKEN })).home;
    home.set("STSENV_SIGNIN_URL", "http://127.0.0.1:1/federation");
    home.run(&["console", "personal", "--role", "admin", "--print"], QUICK)
        .failed(1, "cannot reach the sign-in endpoint 127.0.0.1:1");
    home.set("STSENV_SIGNIN_URL", "ftp://example");
    home.run(&["console", "personal", "--role", "admin", "--print"], QUICK).failed(2, "STSENV_SIGNIN_URL");
}
