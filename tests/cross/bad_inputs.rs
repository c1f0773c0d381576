//! The bad-input matrix: malformed and misspelt accounts files, bad account names, broken key
//! files, bad codes and durations, unknown shells, no terminal, an unusable or full cache, every
//! STS error, an unreachable and a hung endpoint. Each case runs in its own temporary home and
//! must fail with exit 1 or 2, nothing on stdout, one `stsenv: ` line on stderr with the key
//! phrase and no secret, and no file of the home changed (names, modes, bytes; lock files aside,
//! and the empty cache directory that taking a lock makes). The measured time of each case is
//! printed as a table.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use stsenv::aws::client::OPERATION_TIMEOUT;
use stsenv::store::slot::Slot;
use time::OffsetDateTime;

use crate::util::fault::{Fault, Mode};
use crate::util::fixtures::{CACHED_TOKEN, MFA, ROLE, SERVICE_ERRORS, ServiceError, sts_home};
use crate::util::run::{QUICK, Run, command, run};
use crate::util::{Home, bin};

/// What answers STS for a case.
#[derive(Clone, Copy)]
enum Server {
    /// A server no request may reach (the case fails before any network call).
    None,
    /// Success: the case fails after STS answered.
    Ok,
    Error(&'static ServiceError),
    Raw(u16, &'static str),
    Hang,
    /// Port 1, where nothing listens (a free ephemeral port could be taken meanwhile by another
    /// test's server).
    Unreachable,
}

/// How the binary is started.
#[derive(Clone, Copy)]
enum How {
    /// As every child of the suite: in a new session, without a controlling terminal
    /// (`util::run::command`).
    Plain,
    /// `sh -c SCRIPT`, with the binary and the arguments as `"$0" "$@"`.
    Sh(&'static str),
}

type Setup = Box<dyn Fn(&mut Home) + Send + Sync>;

struct Case {
    name: String,
    args: Vec<String>,
    setup: Setup,
    server: Server,
    how: How,
    exit: i32,
    phrase: String,
    /// Run as the second user when the tests run as root, for whom permissions do not stop
    /// reads (CI): never skipped.
    needs_non_root: bool,
    /// The most it may take.
    limit: Duration,
}

fn case(name: &str, args: &[&str], exit: i32, phrase: &str) -> Case {
    Case {
        name: name.to_owned(),
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        setup: Box::new(|_| {}),
        server: Server::None,
        how: How::Plain,
        exit,
        phrase: phrase.to_owned(),
        needs_non_root: false,
        limit: QUICK,
    }
}

impl Case {
    fn setup(mut self, f: impl Fn(&mut Home) + Send + Sync + 'static) -> Case {
        self.setup = Box::new(f);
        self
    }
    fn server(mut self, server: Server) -> Case {
        self.server = server;
        self
    }
    fn how(mut self, how: How) -> Case {
        self.how = how;
        self
    }
    fn non_root(mut self) -> Case {
        self.needs_non_root = true;
        self
    }
    fn limit(mut self, limit: Duration) -> Case {
        self.limit = limit;
        self
    }
}

/// Replace the accounts file.
fn accounts(json: &'static [u8]) -> impl Fn(&mut Home) + Send + Sync {
    move |home| std::fs::write(home.accounts_path(), json).unwrap()
}

/// Replace a file of the key directory (0600).
fn key_file(file: &'static str, content: &'static [u8]) -> impl Fn(&mut Home) + Send + Sync {
    move |home| {
        home.write_secret(file, content);
    }
}

fn set_var(name: &'static str, value: &'static str) -> impl Fn(&mut Home) + Send + Sync {
    move |home| {
        home.set(name, value);
    }
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A valid MFA session in the cache, which a failing `--force` must leave as it was.
fn cached_session(home: &mut Home) {
    home.cache_session(
        "personal",
        Slot::Mfa,
        CACHED_TOKEN,
        OffsetDateTime::now_utc() + time::Duration::hours(6),
    );
}

fn cases() -> Vec<Case> {
    let six = "must be the 6 digits your device shows";
    let range = "is out of range";
    let json = "accounts.json:";
    let mut cases = vec![
        // The accounts file.
        case("accounts: trailing comma", MFA, 2, "accounts.json:1:")
            .setup(accounts(br#"{"personal": "arn:aws:iam::123456789012:",}"#)),
        case("accounts: misspelt field", MFA, 2, "unknown field `regoin` (did you mean `region`?)").setup(
            accounts(br#"{"personal": {"arn": "arn:aws:iam::123456789012:", "regoin": "eu-west-1"}}"#),
        ),
        case("accounts: an array", MFA, 2, "expected an object mapping account names")
            .setup(accounts(br#"["personal"]"#)),
        case("accounts: empty file", MFA, 2, json).setup(accounts(b"")),
        case("accounts: NUL byte", MFA, 2, json).setup(accounts(b"{\"personal\": \"arn:aws:iam::1:\0\"}")),
        case("accounts: wrong type", MFA, 2, "invalid type: string \"12h\"").setup(accounts(
            br#"{"personal": {"arn": "arn:aws:iam::123456789012:", "duration_seconds": "12h"}}"#,
        )),
        case("accounts: duration out of range", MFA, 2, "duration_seconds 100 is out of range").setup(
            accounts(br#"{"personal": {"arn": "arn:aws:iam::123456789012:", "duration_seconds": 100}}"#),
        ),
        case("accounts: not an ARN prefix", MFA, 2, "must be an IAM ARN prefix")
            .setup(accounts(br#"{"personal": "hello"}"#)),
        case(
            "accounts: --config missing",
            &["mfa", "personal", "-c", "123456", "--config", "/nonexistent/a.json"],
            2,
            "does not exist",
        ),
        case(
            "accounts: --config a directory",
            &["mfa", "personal", "-c", "123456", "--config", "/"],
            2,
            "is a directory",
        ),
        case(
            "accounts: account not in it",
            &["mfa", "other", "-c", "123456"],
            2,
            "account 'other' is not in the accounts file",
        )
        .setup(|h| {
            h.keys("other", crate::util::ACCESS_KEY, crate::util::SECRET_KEY);
        }),
        // Account names.
        case("name: ../x", &["switch", "../x"], 2, "is not a valid account name"),
        case("name: a/b", &["mfa", "a/b", "-c", "123456"], 2, "is not a valid account name"),
        case("name: -- -rf", &["switch", "--", "-rf"], 2, "is not a valid account name"),
        case("name: -rf (an option)", &["switch", "-rf"], 2, "unexpected argument '-r' found"),
        case("name: empty", &["switch", ""], 2, "is not a valid account name"),
        case("name: unicode", &["switch", "pérsonal"], 2, "is not a valid account name"),
        case("name: newline", &["switch", "a\nb"], 2, "'a\\nb' is not a valid account name"),
        case("name: typo", &["switch", "persnal"], 2, "did you mean 'personal'?"),
        case("name: from STSENV_ACCOUNT", &["mfa", "-c", "123456"], 2, "is not a valid account name")
            .setup(set_var("STSENV_ACCOUNT", "../../etc/passwd")),
        case(
            "name: role account",
            &["role", "Admin", "-a", "../x", "-c", "123456"],
            2,
            "is not a valid account name",
        ),
        // Key files.
        case("keys: secret missing", MFA, 2, "personal.secret_key: it does not exist")
            .setup(|h| std::fs::remove_file(h.creds().join("personal.secret_key")).unwrap()),
        case(
            "keys: access missing",
            &["switch", "personal"],
            2,
            "personal.access_key does not exist; add them with",
        )
        .setup(|h| std::fs::remove_file(h.creds().join("personal.access_key")).unwrap()),
        case("keys: access empty", &["switch", "personal"], 2, "personal.access_key is empty")
            .setup(key_file("personal.access_key", b"")),
        case("keys: secret whitespace", MFA, 2, "personal.secret_key is empty")
            .setup(key_file("personal.secret_key", b" \n\t\n")),
        case("keys: NUL in access", &["switch", "personal"], 2, "contains a NUL byte")
            .setup(key_file("personal.access_key", b"AKIAIOSFODNN7\0EXAMPLE")),
        case("keys: NUL in secret", MFA, 2, "contains a NUL byte")
            .setup(key_file("personal.secret_key", b"abc\0def")),
        case("keys: secret not UTF-8", MFA, 2, "not valid UTF-8")
            .setup(key_file("personal.secret_key", b"\xff\xfe\xfd")),
        case("keys: secret unreadable (chmod 000)", MFA, 2, "personal.secret_key: permission denied")
            .setup(|h| chmod(&h.creds().join("personal.secret_key"), 0o000))
            .non_root(),
        case("keys: secret is a directory", MFA, 2, "personal.secret_key").setup(|h| {
            let path = h.creds().join("personal.secret_key");
            std::fs::remove_file(&path).unwrap();
            std::fs::create_dir(&path).unwrap();
        }),
        case(
            "keys: no key directory",
            &["switch", "personal", "--creds-dir", "/nonexistent/creds"],
            2,
            "cannot read the key directory",
        ),
        case("keys: NUL in NAME.user", MFA, 2, "personal.user contains a NUL byte").setup(|h| {
            std::fs::write(h.accounts_path(), r#"{"personal": "arn:aws:iam::123456789012:"}"#).unwrap();
            h.write_secret("personal.user", b"jb\0rowne");
        }),
        // MFA codes.
        case("code: 5 digits", &["mfa", "personal", "-c", "12345"], 2, six),
        case("code: letters", &["mfa", "personal", "-c", "abcdef"], 2, six),
        case("code: 7 digits", &["mfa", "personal", "-c", "1234567"], 2, six),
        case("code: empty", &["mfa", "personal", "-c", ""], 2, six),
        case(
            "code: STSENV_TOKEN_CODE",
            &["mfa", "personal"],
            2,
            "from STSENV_TOKEN_CODE must be the 6 digits",
        )
        .setup(set_var("STSENV_TOKEN_CODE", "12 345")),
        case("code: role", &["role", "Admin", "-a", "personal", "-c", "12ab56"], 2, six),
        // Durations and other values.
        case("duration: mfa 899", &["mfa", "personal", "-c", "123456", "--duration", "899"], 2, range),
        case("duration: mfa 129601", &["mfa", "personal", "-c", "123456", "--duration", "129601"], 2, range),
        case(
            "duration: role 899",
            &["role", "Admin", "-a", "personal", "-c", "123456", "--duration", "899"],
            2,
            range,
        ),
        case(
            "duration: role 43201",
            &["role", "Admin", "-a", "personal", "-c", "123456", "--duration", "43201"],
            2,
            range,
        ),
        case(
            "duration: negative",
            &["mfa", "personal", "-c", "123456", "--duration", "-5"],
            2,
            "unexpected argument '-5'",
        ),
        case(
            "duration: not a number",
            &["mfa", "personal", "-c", "123456", "--duration", "12h"],
            2,
            "invalid value '12h'",
        ),
        case(
            "role: bad session name",
            &["role", "Admin", "-a", "personal", "-c", "123456", "--session-name", "a b"],
            2,
            "--session-name",
        ),
        case("role: no role and no account", &["role"], 2, "which account?"),
        case("command: unknown", &["frobnicate"], 2, "unrecognized subcommand 'frobnicate'"),
        // Shells and formats.
        case("shell: init powershell", &["init", "powershell"], 2, "invalid value 'powershell'"),
        case(
            "shell: switch --shell tcsh",
            &["switch", "personal", "--shell", "tcsh"],
            2,
            "invalid value 'tcsh'",
        ),
        case("shell: completions nushell", &["completions", "nushell"], 2, "invalid value 'nushell'"),
        case("format: now --format xml", &["now", "--format", "xml"], 2, "invalid value 'xml'"),
        // No terminal and no code.
        case("terminal: mfa", &["mfa", "personal"], 2, "no terminal"),
        case("terminal: role", &["role", "Admin", "-a", "personal"], 2, "no terminal"),
        // The cache.
        case("cache: a regular file", MFA, 2, "is not a directory").setup(|h| {
            let file = h.path().join("cache-file");
            std::fs::write(&file, "not a directory").unwrap();
            h.set("STSENV_CACHE_DIR", file);
        }),
        case("cache: under a regular file", MFA, 2, "cache-file is not a directory").setup(|h| {
            let file = h.path().join("cache-file");
            std::fs::write(&file, "not a directory").unwrap();
            h.set("STSENV_CACHE_DIR", file.join("stsenv"));
        }),
        // 0500: a read-only directory of the user's own (stsenv never changes its mode).
        case("cache: read-only directory (chmod 500)", MFA, 2, "cannot write the cache")
            .setup(|h| {
                std::fs::create_dir_all(h.cache_dir()).unwrap();
                chmod(&h.cache_dir(), 0o500);
            })
            .non_root(),
        // A full disk: every write past 0 bytes fails (EFBIG, as ENOSPC would) after STS answered;
        // the cached session stays whole.
        case(
            "cache: full (ulimit -f 0)",
            &["mfa", "personal", "-c", "123456", "--force"],
            2,
            "File too large",
        )
        .setup(cached_session)
        .server(Server::Ok)
        .how(How::Sh("trap '' XFSZ; ulimit -f 0; exec \"$0\" \"$@\"")),
        case(
            "cache: full, 512 bytes (ulimit -f 1)",
            &["mfa", "personal", "-c", "123456", "--force"],
            2,
            "File too large",
        )
        .setup(cached_session)
        .server(Server::Ok)
        .how(How::Sh("trap '' XFSZ; ulimit -f 1; exec \"$0\" \"$@\"")),
        case(
            "credential-process: no session",
            &["credential-process", "personal"],
            2,
            "run: ec2mfa personal",
        ),
        case("export: no session", &["export", "personal"], 2, "no MFA code"),
        case(
            "export: unknown format",
            &["export", "personal", "--format", "yaml"],
            2,
            "invalid value 'yaml'",
        ),
        case("aws-config: no accounts file", &["aws-config"], 2, "no accounts to write profiles for")
            .setup(|home: &mut Home| std::fs::remove_file(home.accounts_path()).unwrap()),
        case("aws-config: broken block", &["aws-config"], 2, "without its end").setup(|home: &mut Home| {
            let config = home.path().join(".aws/config");
            std::fs::create_dir_all(config.parent().unwrap()).unwrap();
            std::fs::write(
                &config,
                "[default]\n# >>> stsenv aws-config: managed block\n[profile personal]\n",
            )
            .unwrap();
        }),
        case(
            "aws-config: config writable by others",
            &["aws-config", "--remove"],
            2,
            "writable by group or others",
        )
        .setup(|home: &mut Home| {
            let config = home.path().join(".aws/config");
            std::fs::create_dir_all(config.parent().unwrap()).unwrap();
            std::fs::write(&config, "[default]\n").unwrap();
            chmod(&config, 0o666);
        }),
        // The endpoint.
        case("endpoint: not a URL", MFA, 2, "is not an http:// or https:// URL")
            .setup(set_var("AWS_ENDPOINT_URL_STS", "not a url")),
        case("endpoint: unreachable", MFA, 1, "cannot reach STS")
            .server(Server::Unreachable)
            .limit(Duration::from_secs(5)),
        case("endpoint: unreachable (role)", ROLE, 1, "cannot reach STS")
            .server(Server::Unreachable)
            .limit(Duration::from_secs(5)),
        case("endpoint: hung", MFA, 1, "did not answer")
            .server(Server::Hang)
            .limit(OPERATION_TIMEOUT + Duration::from_secs(2)),
        case("endpoint: HTTP 500 not XML", MFA, 1, "HTTP 500 and no error code")
            .server(Server::Raw(500, "<html>Bad gateway</html>")),
        case("endpoint: HTTP 200 not XML", MFA, 1, "not in a form stsenv can read")
            .server(Server::Raw(200, "hello")),
    ];
    // Every STS error, with and without a cached session to keep.
    for error in SERVICE_ERRORS {
        cases.push(
            case(
                &format!("sts: {} ({})", error.code, &error.message[..30.min(error.message.len())]),
                MFA,
                1,
                error.mfa,
            )
            .server(Server::Error(error)),
        );
        cases.push(
            case(
                &format!("sts: {} over a cached session", error.code),
                &["mfa", "personal", "-c", "123456", "--force"],
                1,
                error.mfa,
            )
            .setup(cached_session)
            .server(Server::Error(error)),
        );
    }
    cases
}

/// Every entry under `root` but lock files: its mode, and a file's bytes or a link's target.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (u32, Vec<u8>)> {
    let mut found = BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "lock") {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let content = if meta.is_dir() {
                stack.push(path.clone());
                b"<dir>".to_vec()
            } else if meta.file_type().is_symlink() {
                std::fs::read_link(&path).unwrap().into_os_string().into_encoded_bytes()
            } else {
                std::fs::read(&path).unwrap_or_else(|_| b"<unreadable>".to_vec())
            };
            found.insert(
                path.strip_prefix(root).unwrap().to_owned(),
                (meta.permissions().mode() & 0o7777, content),
            );
        }
    }
    found
}

struct Outcome {
    name: String,
    run: Run,
    requests: usize,
}

fn run_case(case: &Case) -> Outcome {
    let fault = match case.server {
        Server::None => Some(Fault::start(Mode::error(403, "AccessDenied", "nothing may reach the server"))),
        Server::Ok => Some(Fault::start(Mode::ok())),
        Server::Error(e) => Some(Fault::start(Mode::error(e.status, e.code, e.message))),
        Server::Raw(status, body) => Some(Fault::start(Mode::Raw { status, body })),
        Server::Hang => Some(Fault::start(Mode::Hang)),
        Server::Unreachable => None,
    };
    let url = match &fault {
        Some(f) => f.url.clone(),
        None => "http://127.0.0.1:1".to_owned(),
    };
    let mut home = sts_home(&url);
    (case.setup)(&mut home);
    if case.needs_non_root && crate::util::is_root() {
        let user = crate::util::other_user().expect("root can make the second user");
        home.become_user(&user);
    }
    let before = snapshot(home.path());
    let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
    let limit = case.limit + Duration::from_secs(10);
    let run = match case.how {
        How::Plain => home.run(&args, limit),
        How::Sh(script) => {
            let mut cmd = command("sh");
            home.apply(&mut cmd);
            cmd.arg("-c").arg(script).arg(bin()).args(&args);
            run(cmd, format!("sh -c '{script}' stsenv {}", args.join(" ")), limit)
        }
    };
    let what = format!("[{}] {}", case.name, run.what);
    run.failed(case.exit, &case.phrase);
    assert!(run.elapsed < case.limit, "{what}: took {:?}, more than {:?}", run.elapsed, case.limit);
    // A case's home is its own: put back what the setup took away, for the snapshot and the drop.
    let after = snapshot(home.path());
    let changed: Vec<String> = before
        .keys()
        .chain(after.keys())
        .filter(|p| before.get(*p) != after.get(*p))
        // Taking a slot's lock makes the cache directory (the lock files themselves are aside).
        .filter(|p| before.contains_key(*p) || after.get(*p).is_none_or(|(_, c)| c != b"<dir>"))
        .map(|p| p.display().to_string())
        .collect();
    assert!(changed.is_empty(), "{what}: files changed: {changed:?}; stderr: {}", run.stderr);
    let requests = fault.as_ref().map_or(0, Fault::count);
    if matches!(case.server, Server::None) {
        assert_eq!(requests, 0, "{what}: a request reached STS");
    }
    // Let the temp dir be removed.
    for dir in [home.creds(), home.cache_dir()] {
        if dir.is_dir() {
            chmod(&dir, 0o700);
        }
    }
    let user = if home.run_as.is_some() { " (as the second user)" } else { "" };
    Outcome { name: format!("{}{user}", case.name), run, requests }
}

#[test]
fn bad_inputs_fail_cleanly_and_change_nothing() {
    let cases = cases();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    let outcomes: Vec<Outcome> = std::thread::scope(|s| {
        let handles: Vec<_> = cases.iter().map(|case| s.spawn(move || run_case(case))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let mut table = String::new();
    for o in &outcomes {
        let run = &o.run;
        table.push_str(&format!(
            "{:<44} exit {} {:>9.1?} {} req  {}\n",
            o.name,
            run.status.code().unwrap_or(-1),
            run.elapsed,
            o.requests,
            run.stderr.trim_end()
        ));
    }
    eprintln!("bad inputs: {} cases, all run\n{table}", outcomes.len());
}
