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
fn without_a_role_the_iam_user_signs_in_federated() {
    let s = setup(Mode::Signin { token: SIGNIN_TOKEN });
    // Only an MFA session, in a shell switched to it: federation refuses it, so the IAM user
    // signs in itself (GetFederationToken with the long-term keys), without a code.
    let mut home = s.home;
    home.set("STSENV_ACCOUNT", "personal").set("STSENV_KIND", "mfa");
    let run = home.run(&["console", "--print"], QUICK);
    assert!(run.status.success(), "{}", run.stderr);
    no_secret(&run.stderr);
    let sts = s.sts.requests();
    assert_eq!(sts.len(), 1);
    let sent = form(&sts[0].body);
    assert_eq!(sent["Action"], "GetFederationToken");
    assert_eq!(sent["Name"], "jbrowne");
    assert!(sts[0].head.contains(&format!("Credential={ACCESS_KEY}/")), "signed with the long-term key");
    assert!(!sts[0].head.contains(&CACHED_TOKEN[..20]), "not with the MFA session");
    let session = session_sent(&s.signin, 0);
    assert_eq!(session["sessionId"], "ASIAFAULT00000000001");
    assert_eq!(query(run.stdout.trim_end())["SigninToken"], SIGNIN_TOKEN);
    assert!(run.stderr.contains("federated user jbrowne"), "{}", run.stderr);
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

/// A fake browser: records its arguments, its environment, and for a `file://` argument the
/// modes of the file and its directory and what the file holds (in the home, `browser.*`).
fn fake_browser(home: &Home) -> std::path::PathBuf {
    let out = home.path().display().to_string();
    script(
        home,
        "browser",
        &format!(
            "printf '%s\\n' \"$@\" > '{out}/browser.args'\nenv > '{out}/browser.env'\n\
             for a in \"$@\"; do case \"$a\" in file://*) f=\"${{a#file://}}\";; esac; done\n\
             if [ -n \"$f\" ]; then\n\
               stat -c '%a' \"$f\" \"$(dirname \"$f\")\" > '{out}/browser.modes'\n\
               cat \"$f\" > '{out}/browser.page'\n\
             fi\n\
             echo 'browser output'"
        ),
    )
}

fn read(home: &Home, name: &str) -> String {
    std::fs::read_to_string(home.path().join(name)).unwrap_or_default()
}

/// The path of the page a `file://` URL names (the test paths need no percent-decoding).
fn page_path(url: &str) -> std::path::PathBuf {
    let path = url.strip_prefix("file://").unwrap_or_else(|| panic!("not a file:// URL: {url}"));
    assert!(!path.contains('%'), "{url}");
    std::path::PathBuf::from(path)
}

/// The link a forwarding page goes on to (its `location.replace`), checked against its meta refresh.
fn forwarded_link(page: &str) -> String {
    let script =
        page.split_once("location.replace(").unwrap_or_else(|| panic!("no location.replace: {page}")).1;
    let json = &script[..script.find(')').unwrap()];
    let link: String = serde_json::from_str(json).unwrap();
    assert!(page.contains(&format!("content=\"0;url={}\"", link.replace('&', "&amp;"))), "{page}");
    link
}

#[test]
fn without_print_the_browser_gets_a_private_page_not_the_link() {
    let s = setup(Mode::Signin { token: SIGNIN_TOKEN });
    let mut home = s.home;
    let browser = fake_browser(&home);
    home.set("BROWSER", browser.as_os_str()).set("AWS_SESSION_TOKEN", "SHELLTOKENOFTHEUSER");
    let run = home.run(&["console", "personal", "--role", "admin"], QUICK);
    assert!(run.status.success(), "{}", run.stderr);
    assert_eq!(run.stdout, "", "nothing on stdout, not even the browser's");
    no_secret(&run.stderr);
    assert!(
        run.stderr.contains("Opened the console as role Admin in account personal (region eu-west-1) with "),
        "{}",
        run.stderr
    );
    // Its one argument is the page, which `ps` may show: no sign-in token in it.
    let args = read(&home, "browser.args");
    let url = args.strip_suffix('\n').unwrap();
    assert!(!url.contains('\n'), "one argument: {args}");
    assert!(!url.contains("SIGNINTOKEN") && !url.contains("SigninToken"), "the token in argv: {url}");
    let page = page_path(url);
    let console_dir = home.cache_dir().join("console");
    assert_eq!(page.parent().unwrap(), console_dir, "{url}");
    assert!(url.ends_with(".html"), "{url}");
    // The page was 0600 in a 0700 directory, and goes on to the link.
    assert_eq!(read(&home, "browser.modes"), "600\n700\n");
    let link = forwarded_link(&read(&home, "browser.page"));
    assert!(link.starts_with(&format!("{}/federation?Action=login&", s.signin.url)), "{link}");
    assert_eq!(query(&link)["SigninToken"], SIGNIN_TOKEN);
    assert_eq!(query(&link)["Destination"], "https://console.aws.amazon.com/console/home?region=eu-west-1");
    // Gone once stsenv has ended; the directory stays, empty.
    assert!(!page.exists(), "the page is left: {}", page.display());
    assert_eq!(std::fs::read_dir(&console_dir).unwrap().count(), 0);
    let env = read(&home, "browser.env");
    for name in ["AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
        assert!(!env.contains(&format!("{name}=")), "the browser got {name}");
    }
    eprintln!("argv: {url}");

    // $XDG_RUNTIME_DIR, when it is the user's and private: its stsenv/ directory.
    let runtime = home.path().join("run");
    std::fs::create_dir(&runtime).unwrap();
    std::fs::set_permissions(&runtime, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    home.set("XDG_RUNTIME_DIR", runtime.as_os_str());
    let run = home.run(&["console", "personal", "--role", "admin"], QUICK);
    assert!(run.status.success(), "{}", run.stderr);
    let page = page_path(read(&home, "browser.args").trim_end());
    assert_eq!(page.parent().unwrap(), runtime.join("stsenv"));
    assert_eq!(read(&home, "browser.modes"), "600\n700\n");
    assert_eq!(query(&forwarded_link(&read(&home, "browser.page")))["SigninToken"], SIGNIN_TOKEN);
    assert!(!page.exists());
    // One that others may write is not used.
    std::fs::set_permissions(&runtime, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let run = home.run(&["console", "personal", "--role", "admin"], QUICK);
    assert!(run.status.success(), "{}", run.stderr);
    assert_eq!(page_path(read(&home, "browser.args").trim_end()).parent().unwrap(), console_dir);
}

#[test]
fn the_browser_command_placement_and_failures() {
    let s = setup(Mode::Signin { token: SIGNIN_TOKEN });
    let mut home = s.home;
    let browser = fake_browser(&home);
    let console_dir = home.cache_dir().join("console");
    // `%s` places the page.
    home.set("BROWSER", format!("{} --new-window %s", browser.display()));
    let run = home.run(&["console", "personal", "--role", "admin"], QUICK);
    assert!(run.status.success(), "{}", run.stderr);
    let args = read(&home, "browser.args");
    assert!(args.starts_with("--new-window\nfile:///"), "{args}");
    assert!(!args.contains("SIGNINTOKEN"), "{args}");
    // A failing browser is a clear error, and the page is removed.
    home.set("BROWSER", "false");
    home.run(&["console", "personal", "--role", "admin"], QUICK)
        .failed(2, "the browser command false failed");
    assert_eq!(std::fs::read_dir(&console_dir).unwrap().count(), 0);
    home.set("BROWSER", "/nonexistent/browser");
    home.run(&["console", "personal", "--role", "admin"], QUICK).failed(2, "cannot open a browser");
    assert_eq!(std::fs::read_dir(&console_dir).unwrap().count(), 0);
    // Where no private page can be made, the link is the argument, and a warning says so.
    std::fs::remove_dir(&console_dir).unwrap();
    std::fs::write(&console_dir, "").unwrap();
    home.set("BROWSER", browser.as_os_str());
    let run = home.run(&["console", "personal", "--role", "admin"], QUICK);
    assert!(run.status.success(), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "stsenv: warning: cannot make the private page for the browser ({} is not a directory), so the browser gets the link as its argument, which other local users can see in ps",
            console_dir.display()
        )),
        "{}",
        run.stderr
    );
    no_secret(&run.stderr);
    assert_eq!(query(read(&home, "browser.args").trim_end())["SigninToken"], SIGNIN_TOKEN);
}

#[test]
fn a_signal_while_waiting_for_the_browser_removes_the_page() {
    let s = setup(Mode::Signin { token: SIGNIN_TOKEN });
    let mut home = s.home;
    // A browser that never reads the page.
    let browser = script(&home, "slow-browser", "exec sleep 30");
    home.set("BROWSER", browser.as_os_str());
    let mut cmd = home.stsenv_command(&["console", "personal", "--role", "admin"]);
    cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let console_dir = home.cache_dir().join("console");
    let started = std::time::Instant::now();
    let page = loop {
        let found =
            std::fs::read_dir(&console_dir).ok().and_then(|mut d| d.next()).map(|e| e.unwrap().path());
        if let Some(page) = found {
            break page;
        }
        if started.elapsed() > QUICK {
            crate::util::run::kill(&mut child);
            panic!("no page was made");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    // SAFETY: kill(2) on our own child, not yet reaped.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let status = child.wait().unwrap();
    // The browser is left in stsenv's process group: end it too.
    // SAFETY: as above, the group our child led.
    unsafe {
        libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
    }
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(libc::SIGTERM), "{status}");
    assert!(!page.exists(), "the page is left: {}", page.display());
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
