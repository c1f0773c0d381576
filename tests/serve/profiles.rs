//! `stsenv exec --server`: the command runs under the server's credentials even where the SDKs'
//! default chains would find others first (web-identity variables, the `[default]` profile of
//! the shared credentials file, a credential source in the config's default profile), with the
//! AWS CLI, boto3 and the AWS SDK for JavaScript v3, against moto; the filtered copy of the
//! config it gets, and when stsenv refuses to run it.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use stsenv::store::slot::Slot;
use time::OffsetDateTime;

use crate::util::fixtures::moto_home;
use crate::util::moto::{As, CALLER_ARN, Moto, User, aws};
use crate::util::{Home, node_dir, other_user, script, stderr, stdout};

/// What the clients in the command saw.
struct Seen {
    /// moto's answer for the server's session credentials.
    server_arn: String,
    /// The runs of the command, for their stderr.
    outputs: Vec<Output>,
}

fn repo_file(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join(name).display().to_string()
}

/// `stsenv exec personal --server -- ARGS...` (with a code for the first escalation), which must
/// succeed.
fn exec(home: &Home, args: &[&str]) -> Output {
    let out = run(home, args);
    assert!(out.status.success(), "{args:?}: {:?}\n{}\n{}", out.status, stdout(&out), stderr(&out));
    out
}

fn run(home: &Home, args: &[&str]) -> Output {
    home.stsenv(&[&["exec", "personal", "-c", "123456", "--server", "--"][..], args].concat())
}

/// The AWS CLI (`get-caller-identity`, `configure list`), boto3's default chain and the
/// JavaScript SDK's default chain, each run by `stsenv exec personal --server`, use the
/// server's credentials: the container provider, the cached session's key, and moto's answer
/// for it. (All four are run before the comparison, so a failure shows what each one used.)
fn clients_use_the_server(home: &mut Home) -> Seen {
    home.set("NODE_PATH", node_dir().join("node_modules")).set("NODE_NO_WARNINGS", "1");
    let outputs = vec![
        run(home, &[&["aws"][..], CALLER_ARN].concat()),
        run(home, &["aws", "configure", "list"]),
        run(home, &["python", &repo_file("server_client.py"), "boto3"]),
        run(home, &["node", &repo_file("sts_identity.js"), "chain"]),
    ];
    let session = home.cache().valid("personal", &Slot::Mfa, OffsetDateTime::now_utc()).unwrap();
    let text = |s: &stsenv::base::credentials::Secret| String::from_utf8(s.expose().to_vec()).unwrap();
    let session_key = text(&session.credentials.access_key_id);
    let asked = aws(home, As::Keys(&session_key, &text(&session.credentials.secret_access_key)), CALLER_ARN);
    let server_arn = stdout(&asked).trim().to_owned();
    assert!(server_arn.starts_with("arn:aws:"), "{}", stderr(&asked));
    // What each client used, in words.
    let json = |out: &Output| serde_json::from_str::<serde_json::Value>(stdout(out).trim()).ok();
    let used = |i: usize, what: &dyn Fn(&Output) -> Option<String>| {
        let out = &outputs[i];
        match what(out) {
            Some(used) if out.status.success() => used,
            _ => format!("failed ({:?}): {} {}", out.status, stdout(out).trim(), stderr(out).trim()),
        }
    };
    let seen = [
        used(0, &|out| Some(stdout(out).trim().to_owned())),
        // `access_key  ****ABCD  TYPE  LOCATION`
        used(1, &|out| {
            let line = stdout(out).lines().find(|l| l.trim_start().starts_with("access_key"))?.to_owned();
            line.split_whitespace().nth(2).map(str::to_owned)
        }),
        used(2, &|out| {
            let seen = json(out)?;
            Some(format!("{} {} {}", seen["method"], seen["arn"], seen["access_key"]))
        }),
        used(3, &|out| {
            let seen = json(out)?;
            Some(format!("{} {}", seen["arn"], seen["accessKeyId"]))
        }),
    ];
    let expected = [
        server_arn.clone(),
        "container-role".to_owned(),
        format!("\"container-role\" \"{server_arn}\" \"{session_key}\""),
        format!("\"{server_arn}\" \"{session_key}\""),
    ];
    assert_eq!(
        seen,
        expected,
        "what the AWS CLI, its configure list, boto3 and the JavaScript SDK used (stderr: {})",
        stderr(&outputs[0])
    );
    Seen { server_arn, outputs }
}

/// moto's answer for the user's own long-term keys: the other identity of these tests.
fn long_term_arn(home: &Home, user: &User) -> String {
    let out = aws(home, As::Keys(&user.access_key, &user.secret_key), CALLER_ARN);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).trim().to_owned()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn server_child_ignores_web_identity_variables() {
    let moto = Moto::start(false);
    let (mut home, _) = moto_home(&moto);
    let token = home.path().join("web-identity-token");
    write(&token, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2lnbmF0dXJl");
    home.set("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/WebIdentity")
        .set("AWS_WEB_IDENTITY_TOKEN_FILE", &token)
        .set("AWS_ROLE_SESSION_NAME", "web-session");
    let seen = clients_use_the_server(&mut home);
    assert!(!seen.server_arn.contains("WebIdentity"), "{}", seen.server_arn);
    // Withheld from the command, as the credential variables are.
    let env = stdout(&exec(&home, &["env"]));
    for name in ["AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME"] {
        assert!(
            !env.lines().any(|l| l.starts_with(&format!("{name}="))),
            "{name} in the command's environment"
        );
    }
}

#[test]
fn server_child_ignores_the_default_keys_of_the_credentials_file() {
    let moto = Moto::start(false);
    let (mut home, user) = moto_home(&moto);
    // The long-term keys themselves, where many users keep them, and a config with a region only.
    let credentials = format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        user.access_key, user.secret_key
    );
    write(&home.path().join(".aws/credentials"), &credentials);
    write(&home.path().join(".aws/config"), "[default]\nregion = us-east-1\n");
    let other = long_term_arn(&home, &user);
    let seen = clients_use_the_server(&mut home);
    assert_ne!(seen.server_arn, other);
    // The config has no credential source: it is the user's own, and nothing is said about it.
    let out = exec(&home, &["sh", "-c", "echo \"$AWS_SHARED_CREDENTIALS_FILE ${AWS_CONFIG_FILE:-unset}\""]);
    assert_eq!(stdout(&out).trim(), "/dev/null unset");
    for out in &seen.outputs {
        assert!(!stderr(out).contains("AWS config"), "{}", stderr(out));
    }
}

#[test]
fn server_child_ignores_the_credential_process_of_the_default_profile() {
    let moto = Moto::start(false);
    let (mut home, user) = moto_home(&moto);
    let keys = format!(
        "echo '{{\"Version\": 1, \"AccessKeyId\": \"{}\", \"SecretAccessKey\": \"{}\"}}'",
        user.access_key, user.secret_key
    );
    let process = script(&home, "other-keys", &keys);
    let config = format!(
        "# mine\n[default]\nregion = us-east-1\ncredential_process = {p}\noutput = json\n\n\
         [profile other]\ncredential_process = {p}\nregion = us-east-1\n",
        p = process.display()
    );
    let config_path = home.path().join(".aws/config");
    write(&config_path, &config);
    let run = home.path().join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
    home.set("XDG_RUNTIME_DIR", &run);
    let other = long_term_arn(&home, &user);
    let seen = clients_use_the_server(&mut home);
    assert_ne!(seen.server_arn, other);
    // Said once per run, in one line.
    for out in &seen.outputs {
        let said = stderr(out).lines().filter(|l| l.contains("AWS config")).count();
        assert_eq!(said, 1, "{}", stderr(out));
        assert_stderr_contains!(
            out,
            &format!(
                "The command's AWS config is a copy of {} without credential_process in its default profile",
                config_path.display()
            )
        );
    }
    // The copy: in a private directory of XDG_RUNTIME_DIR, the default profile's region and
    // output kept, the other profile whole; and the user's file unchanged.
    let show = "echo \"$AWS_CONFIG_FILE\"; stat -c %a \"$AWS_CONFIG_FILE\" \"$(dirname \"$AWS_CONFIG_FILE\")\"; \
                cat \"$AWS_CONFIG_FILE\"";
    let out = exec(&home, &["sh", "-c", show]);
    let text = stdout(&out);
    let mut lines = text.lines();
    let copy = PathBuf::from(lines.next().unwrap());
    assert_eq!(copy.parent().unwrap().parent(), Some(run.join("stsenv").as_path()), "{}", copy.display());
    assert_eq!((lines.next(), lines.next()), (Some("600"), Some("700")), "{text}");
    let rest: Vec<&str> = lines.collect();
    let expected = format!(
        "# mine\n[default]\nregion = us-east-1\noutput = json\n\n[profile other]\ncredential_process = {}\nregion = us-east-1",
        process.display()
    );
    assert_eq!(rest.join("\n"), expected);
    assert_eq!(std::fs::read_to_string(&config_path).unwrap(), config);
    // Gone with the command, and its directory with it.
    assert!(!copy.exists(), "{} is left after the command", copy.display());
    assert!(!copy.parent().unwrap().exists(), "{} is left", copy.parent().unwrap().display());
    assert_eq!(std::fs::read_dir(run.join("stsenv")).unwrap().count(), 0);
    // A named profile is still the user's to choose.
    let out = exec(
        &home,
        &["aws", "--profile", "other", "sts", "get-caller-identity", "--query", "Arn", "--output", "text"],
    );
    assert_eq!(stdout(&out).trim(), other);
}

#[test]
fn server_refuses_a_config_it_cannot_filter_before_any_prompt() {
    let moto = Moto::start(false);
    let (mut home, _) = moto_home(&moto);
    let config = home.path().join("custom-config");
    write(
        &config,
        "[profile default]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n",
    );
    home.set("AWS_CONFIG_FILE", &config);
    // XDG_RUNTIME_DIR is another user's: not used. The cache directory is open to others.
    let cache = home.path().join("cache");
    std::fs::create_dir(&cache).unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o755)).unwrap();
    home.set("STSENV_CACHE_DIR", &cache);
    let theirs = home.path().join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o700)).unwrap();
    let user = other_user().expect("the tests run as root");
    user.give(&theirs);
    home.set("XDG_RUNTIME_DIR", &theirs);
    let before = moto.requests();
    // No code given and no terminal: a prompt would fail; the refusal comes first.
    let out = home.stsenv(&["exec", "personal", "--server", "--", "true"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert_stderr_contains!(
        out,
        &format!(
            "the default profile of {} has sso_session, sso_account_id, sso_role_name",
            config.display()
        )
    );
    assert_stderr_contains!(out, &format!("{} is open to group or others", cache.display()));
    assert_stderr_contains!(
        out,
        "move sso_session, sso_account_id, sso_role_name to a named profile, or set XDG_RUNTIME_DIR"
    );
    assert_eq!(moto.requests(), before, "no STS call");
    assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 0);
    // A cache directory of the user's own holds the copy instead.
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
    let out = exec(&home, &["sh", "-c", "echo \"$AWS_CONFIG_FILE\"; cat \"$AWS_CONFIG_FILE\""]);
    let text = stdout(&out);
    let copy = PathBuf::from(text.lines().next().unwrap());
    assert_eq!(copy.parent().unwrap().parent(), Some(cache.as_path()), "{text}");
    assert_eq!(text.lines().nth(1), Some("[profile default]"), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(!copy.exists());
    assert_eq!(std::fs::read_dir(&theirs).unwrap().count(), 0);
}
