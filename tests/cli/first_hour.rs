//! What a new user meets in the first hour: no secret on a terminal, MFA codes as people type
//! them, doctor's user mismatch, role names like account names, an account without key files,
//! and the help.

use time::{Duration, OffsetDateTime};

use crate::util::fault::{Fault, Mode};
use crate::util::fixtures::sts_home;
use crate::util::moto::Moto;
use crate::util::{ACCESS_KEY, Home, SECRET_KEY, mode, on_pty, script, shells, stderr, stdout};

const ACCOUNTS: &str = r#"{
  "personal": {"arn": "arn:aws:iam::123456789012:", "user": "jbrowne",
               "roles": {"admin": "arn:aws:iam::123456789012:role/Admin", "readonly": "ReadOnly"}},
  "work": "arn:aws:iam::012123456789:"
}"#;

/// A home with keys for `personal` only (`work` is in the accounts file without key files),
/// STS at `url`.
fn new_home(url: &str) -> Home {
    let mut home = sts_home(url);
    home.accounts(ACCOUNTS);
    home.set("AWS_ENDPOINT_URL", url);
    home
}

/// `stsenv ARGS` with a pseudo-terminal as its controlling terminal (and, with `stdout_too`, as
/// its stdout and stderr, as when typed at a prompt), typing `answers` at its prompts.
fn on_terminal(home: &Home, args: &[&str], answers: &[&str], stdout_too: bool) -> serde_json::Value {
    let mut cmd = on_pty(home, "pty_prompt.py");
    cmd.arg(crate::util::bin()).args(args);
    cmd.env("PTY_ANSWERS", serde_json::to_string(answers).unwrap());
    if stdout_too {
        cmd.env("PTY_STDOUT", "1");
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn text(report: &serde_json::Value, field: &str) -> String {
    report[field].as_str().unwrap().replace("\r\n", "\n")
}

#[test]
fn shell_code_on_a_terminal_is_refused_without_a_secret() {
    let fault = Fault::start(Mode::ok());
    let home = new_home(&fault.url);
    // `stsenv switch personal` typed at a prompt: nothing secret on the screen, one line saying
    // what to run, exit 2.
    let report = on_terminal(&home, &["switch", "personal"], &[], true);
    let screen = text(&report, "terminal");
    assert_eq!(report["status"], 2, "{report}");
    assert!(!screen.contains(SECRET_KEY) && !screen.contains(ACCESS_KEY), "{screen}");
    assert!(!screen.contains("export") && !screen.contains("Set keys"), "{screen}");
    assert_eq!(
        screen.trim_end(),
        "stsenv: stdout is a terminal: the shell code would show the secret key instead of setting it; use the function: ec2switch personal (or: eval \"$(stsenv switch personal --shell bash)\")"
    );
    // mfa and role --format shell: refused before the prompt or any STS call; fish's form.
    for (args, instead) in [
        (&["mfa", "personal"][..], "ec2mfa personal (or: eval \"$(stsenv mfa personal --shell bash)\")"),
        (
            &["role", "admin", "--format", "shell", "-a", "personal", "--shell", "fish"][..],
            "ec2role admin --account personal (or: stsenv role admin --account personal --format shell --shell fish | source)",
        ),
    ] {
        let report = on_terminal(&home, args, &[], true);
        let screen = text(&report, "terminal");
        assert_eq!(report["status"], 2, "{args:?}: {report}");
        assert!(screen.trim_end().ends_with(instead), "{args:?}: {screen}");
        assert!(!screen.contains("Enter MFA code"), "{args:?}: no prompt: {screen}");
        assert_eq!(screen.trim().lines().count(), 1, "{screen}");
    }
    assert_eq!(fault.count(), 0, "no STS call");
    // Through a pipe (the functions, eval) nothing changes: the code and its message.
    let out = home.stsenv(&["switch", "personal"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(SECRET_KEY), "{}", stdout(&out));
    assert_stderr_contains!(out, "Set keys for personal AWS account");
    // A command that prints no shell code still runs on a terminal: switch alone lists.
    let report = on_terminal(&home, &["switch"], &[], true);
    assert_eq!(report["status"], 0, "{report}");
    assert!(text(&report, "terminal").contains("Possible accounts: personal"), "{report}");
}

#[test]
fn the_prompt_asks_again_and_takes_codes_as_apps_show_them() {
    let fault = Fault::start(Mode::ok());
    let home = new_home(&fault.url);
    // A wrong code, then one in two halves: asked again, then accepted as 123456.
    let report = on_terminal(&home, &["mfa", "personal", "--shell", "bash"], &["12ab", "123 456"], false);
    let screen = text(&report, "terminal");
    assert_eq!(report["status"], 0, "{report}");
    assert_eq!(screen.matches("Enter MFA code for user jbrowne: ").count(), 2, "{screen}");
    assert!(
        screen.contains("That is not the 6 digits your device shows; try again (2 tries left)"),
        "{screen}"
    );
    assert!(text(&report, "stdout").contains("STSENV_KIND"), "{report}");
    let requests = fault.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].body.contains("TokenCode=123456"), "{}", requests[0].body);
    // Three wrong codes: exit 2, nothing on stdout, no STS call.
    let report =
        on_terminal(&home, &["mfa", "personal", "--force", "--shell", "bash"], &["1", "", "12345"], false);
    let screen = text(&report, "terminal");
    assert_eq!(report["status"], 2, "{report}");
    assert_eq!(screen.matches("Enter MFA code").count(), 3, "{screen}");
    assert!(screen.contains("(1 try left)"), "{screen}");
    assert_eq!(report["stdout"], "");
    assert!(text(&report, "stderr").contains("must be the 6 digits your device shows (3 tries)"), "{report}");
    assert_eq!(fault.count(), 1);
    // -c and $STSENV_TOKEN_CODE take `123 456` and `123-456` too.
    let out = home.stsenv(&["mfa", "personal", "--force", "-c", "123 456"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut dashed = new_home(&fault.url);
    dashed.set("STSENV_TOKEN_CODE", "654-321");
    let out = dashed.stsenv(&["mfa", "personal", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bodies: Vec<String> = fault.requests().into_iter().map(|r| r.body).collect();
    assert!(bodies[1].contains("TokenCode=123456") && bodies[2].contains("TokenCode=654321"), "{bodies:?}");
    let out = home.stsenv(&["mfa", "personal", "--force", "-c", "123 45"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(fault.count(), 3);
}

#[test]
fn the_prompt_names_the_device_when_the_user_name_is_only_a_guess() {
    let fault = Fault::start(Mode::ok());
    let home = new_home(&fault.url);
    home.accounts(r#"{"personal": {"arn": "arn:aws:iam::123456789012:", "mfa_serial": "arn:aws:iam::123456789012:mfa/phone"}}"#);
    let report = on_terminal(&home, &["mfa", "personal", "--shell", "bash"], &["123456"], false);
    assert_eq!(report["status"], 0, "{report}");
    let screen = text(&report, "terminal");
    assert!(
        screen.contains("Enter MFA code for MFA device arn:aws:iam::123456789012:mfa/phone: "),
        "{screen}"
    );
    assert!(!screen.contains("user jbrowne"), "$USER is not the device's user: {screen}");
}

#[test]
fn doctor_fails_a_serial_made_from_another_user_name() {
    let moto = Moto::start(false);
    let user = moto.user("jbrowne");
    let mut home = Home::new();
    home.user_keys("personal", &user).accounts(r#"{"personal": "arn:aws:iam::123456789012:"}"#);
    home.use_moto(&moto);
    // The login name is not the IAM user's.
    home.set("USER", "jb-laptop");
    let out = home.stsenv(&["doctor", "personal"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stderr(&out);
    let user_file = home.creds().join("personal.user");
    assert!(text.contains("(1 account)"), "{text}");
    assert!(
        text.contains(&format!(
            "FAIL  personal: MFA serial arn:aws:iam::123456789012:mfa/jb-laptop is made from the user name jb-laptop (guessed from $USER), but the keys are IAM user jbrowne's: put jbrowne in {}, or set \"user\": \"jbrowne\" in the accounts file (or \"mfa_serial\" with the device's ARN)",
            user_file.display()
        )),
        "{text}"
    );
    // The fix it names: that line is ok, and says where the name came from.
    std::fs::write(&user_file, "jbrowne\n").unwrap();
    let out = home.stsenv(&["doctor", "personal"]);
    let text = stdout(&out) + &stderr(&out);
    assert!(
        text.contains(
            "ok    personal: MFA serial arn:aws:iam::123456789012:mfa/jbrowne (from personal.user)"
        ),
        "{text}"
    );
    // A wrong `user` in the accounts file names that fix.
    home.accounts(r#"{"personal": {"arn": "arn:aws:iam::123456789012:", "user": "jb"}}"#);
    let text = stderr(&home.stsenv(&["doctor", "personal"]));
    assert!(
        text.contains("is made from the user name jb (from `user` in the accounts file), but the keys are IAM user jbrowne's: set \"user\": \"jbrowne\" in the accounts file"),
        "{text}"
    );
    home.accounts(r#"{"personal": {"arn": "arn:aws:iam::123456789012:", "user": "jbrowne"}}"#);
    let out = home.stsenv(&["doctor", "personal"]);
    let text = stdout(&out) + &stderr(&out);
    assert!(text.contains("(from `user` in the accounts file)"), "{text}");
    assert!(!text.contains("FAIL  personal: MFA serial"), "{text}");
}

#[test]
fn roles_get_what_accounts_get() {
    let fault = Fault::start(Mode::ok());
    let home = new_home(&fault.url);
    // A typo of a key of `roles`: the key it meant, no STS call, no role/amdin assumed.
    let out = home.stsenv(&["role", "amdin", "-a", "personal", "-c", "123456"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "stsenv: 'amdin' is not a role of account personal (did you mean admin?); for the role of that name, type role/amdin\n"
    );
    assert_eq!(stdout(&out), "");
    // Wherever a role is named: credential-process and clear too.
    for args in [
        &["credential-process", "personal", "--role", "amdin"][..],
        &["clear", "personal", "--role", "amdin"],
    ] {
        let out = home.stsenv(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_stderr_contains!(out, "(did you mean admin?)", "{args:?}");
    }
    assert_eq!(fault.count(), 0);
    // The same in the functions, in every shell; ec2role alone lists the roles.
    for shell in shells() {
        let steps = home.scenario(shell, &["ec2switch personal", "ec2role", "ec2role amdin"]);
        assert_eq!(steps[1].status, 0, "{shell}: {}", steps[1].stderr);
        assert_eq!(
            steps[1].stderr,
            "Possible roles of account personal: admin (Admin), readonly (ReadOnly)\n"
        );
        assert_eq!(steps[2].status, 2, "{shell}");
        assert!(steps[2].stderr.contains("(did you mean admin?)"), "{shell}: {}", steps[2].stderr);
        steps[2].expect("STSENV_KIND", Some("keys"));
    }
    assert_eq!(fault.count(), 0);
    // stsenv list: the keys the user types, the role name beside when it differs, time left.
    let now = OffsetDateTime::now_utc();
    let admin = "arn:aws:iam::123456789012:role/Admin";
    home.cache_session(
        "personal",
        crate::util::role_slot(admin),
        "admintoken0123456789",
        now + Duration::seconds(30 * 60 + 20),
    );
    let deploy = "arn:aws:iam::123456789012:role/Deploy";
    home.cache_session(
        "personal",
        crate::util::role_slot(deploy),
        "deploytoken012345678",
        now + Duration::seconds(20 * 60 + 20),
    );
    let list = stdout(&home.stsenv(&["list"]));
    let row = list.lines().find(|l| l.starts_with("personal")).unwrap();
    // (The time left rounds to the nearest minute: 30m, or 29m on a very slow machine.)
    let row = row.replace("29m", "30m").replace("19m", "20m");
    assert!(row.ends_with("admin (Admin, 30m left), readonly (ReadOnly), Deploy (20m left)"), "{list}");
    // A longer --duration than the cached credentials have left: reused, and how to renew.
    let out = home.stsenv(&["role", "admin", "-a", "personal", "--duration", "7200"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).replace("29m", "30m").contains(
            "Reusing the cached credentials of role Admin (30m left, less than --duration 7200); ec2role admin --force --duration 7200 gets new ones\n"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(fault.count(), 0);
    let out = home.stsenv(&["role", "admin", "-a", "personal", "--duration", "900"]);
    assert_stderr_lacks!(out, "Reusing");
}

#[test]
fn an_account_without_key_files_says_which_file_and_how_to_add_it() {
    let fault = Fault::start(Mode::ok());
    let home = new_home(&fault.url);
    let expected = format!(
        "stsenv: account 'work' is in the accounts file but has no keys: {} does not exist; add them with: stsenv add work\n",
        home.creds().join("work.access_key").display()
    );
    for args in [&["switch", "work"][..], &["mfa", "work", "-c", "123456"], &["role", "admin", "-a", "WORK"]]
    {
        let out = home.stsenv(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&out), expected, "{args:?}");
    }
    // A name in neither place is still unknown.
    let out = home.stsenv(&["switch", "nosuch"]);
    assert_stderr_contains!(out, "unknown account 'nosuch'");
    // A typo of a name only in the accounts file gets it as the hint, like one of the key directory.
    for args in [&["switch", "wrok"][..], &["mfa", "wokr", "-c", "123456"], &["doctor", "Wrok"]] {
        let out = home.stsenv(args);
        assert_stderr_contains!(out, "(did you mean 'work'?)", "{args:?}");
    }
    // A missing secret key file: which one, and how to add it.
    std::fs::remove_file(home.creds().join("personal.secret_key")).unwrap();
    let out = home.stsenv(&["mfa", "personal", "-c", "123456"]);
    assert_stderr_contains!(
        out,
        "personal.secret_key: it does not exist; put the secret access key in it (mode 600), or add both keys with: stsenv add personal"
    );
    // doctor lists it too.
    let out = home.stsenv(&["doctor"]);
    assert_stderr_contains!(out, "FAIL  work: in the accounts file but has no keys:");
    assert_eq!(fault.count(), 0);
}

#[test]
fn help_puts_the_global_options_last_and_not_on_now() {
    let home = Home::new();
    for command in ["switch", "mfa", "role", "list", "doctor"] {
        let help = stdout(&home.stsenv(&[command, "--help"]));
        let own = help.find("\nOptions:\n").unwrap_or_else(|| panic!("{command}: {help}"));
        let global = help.find("\nGlobal options:\n").unwrap_or_else(|| panic!("{command}: {help}"));
        assert!(own < global, "{command}: {help}");
        let tail = &help[global..];
        assert!(tail.contains("--config <PATH>") && tail.contains("--creds-dir <DIR>"), "{command}: {help}");
        assert!(!help[..global].contains("--config"), "{command}: {help}");
    }
    let help = stdout(&home.stsenv(&["now", "--help"]));
    assert!(
        !help.contains("--config") && !help.contains("--creds-dir") && !help.contains("Global"),
        "{help}"
    );
    // The global options still work before or after the command.
    let out = home.stsenv(&["switch", "--creds-dir", home.creds().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = home.stsenv(&["--creds-dir", "/nonexistent", "list", "--names"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// The first fenced block of `kind` after `heading` in `file` (README.md, or a docs/ file).
fn readme_block(file: &str, heading: &str, kind: &str) -> String {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
    let section = &readme[readme.find(heading).unwrap_or_else(|| panic!("no {heading} in {file}"))..];
    let start = section.find(&format!("```{kind}\n")).unwrap() + kind.len() + 4;
    let end = start + section[start..].find("```").unwrap();
    section[start..end].to_owned()
}

#[test]
fn readme_aws_config_recipe_works_after_ec2unset() {
    let moto = Moto::start(false);
    let user = moto.user("jbrowne");
    let mut home = Home::new();
    home.user_keys("personal", &user).accounts(ACCOUNTS);
    home.use_moto(&moto);
    // The recipe as written, as ~/.aws/config.
    let recipe = readme_block("docs/programs.md", "## AWS CLI and SDKs through `~/.aws/config`", "ini");
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(home.path().join(".aws/config"), &recipe).unwrap();
    for shell in shells() {
        let steps = home.scenario(
            shell,
            &[
                "ec2mfa personal -c 123456",
                "ec2role admin",
                "ec2unset",
                "aws sts get-caller-identity --profile personal-mfa --query Account --output text",
                "aws sts get-caller-identity --profile personal-admin --query Arn --output text",
            ],
        );
        assert_eq!(steps[1].status, 0, "{shell}: {}", steps[1].stderr);
        // ec2unset leaves no region behind: the profile's own `region` is what the CLI uses.
        assert_eq!(steps[2].stderr, "Keys unset\n", "{shell}");
        steps[2].expect("AWS_REGION", None);
        steps[2].expect("AWS_DEFAULT_REGION", None);
        assert_eq!(steps[3].status, 0, "{shell}: {}", steps[3].stderr);
        assert_eq!(steps[3].stdout.trim(), "123456789012", "{shell}");
        assert_eq!(steps[4].status, 0, "{shell}: {}", steps[4].stderr);
        assert_eq!(steps[4].stdout.trim(), "arn:aws:sts::123456789012:assumed-role/Admin/stsenv-jbrowne");
    }
    // The README's transcript shows what ec2unset prints.
    let transcript = readme_block("README.md", "## Using it", "console");
    assert!(transcript.contains("$ ec2unset\nKeys unset\n"), "{transcript}");
}

/// The README's "Using it" transcript shows the times stsenv prints: right after `ec2mfa`, the
/// 12-hour session is `12h00m` in `ec2mfa`'s line and in `ec2now`, and the one-hour role is
/// `1h00m` (time left rounds to the nearest minute), so the transcript is what a user sees.
#[test]
fn readme_transcript_times_are_what_stsenv_prints() {
    let moto = Moto::start(false);
    let user = moto.user("jbrowne");
    let mut home = Home::new();
    home.user_keys("personal", &user).accounts(ACCOUNTS);
    home.use_moto(&moto);
    let steps = home.scenario("bash", &["ec2mfa personal -c 123456", "ec2now", "ec2role admin"]);
    for step in &steps {
        assert_eq!(step.status, 0, "`{}`: {}", step.step, step.stderr);
    }
    let transcript = readme_block("README.md", "## Using it", "console");
    // What each step printed, each line as the README must show it (`ec2now`'s `(at ...)` is
    // the time of this run).
    let printed: Vec<String> = steps
        .iter()
        .flat_map(|s| format!("{}{}", s.stdout, s.stderr).lines().map(str::to_owned).collect::<Vec<_>>())
        .map(|line| line.split(" (at ").next().unwrap().to_owned())
        .collect();
    for wanted in [
        "New session for account personal, valid for 12h00m",
        "Expires in 12h00m",
        "Assumed role Admin in account personal, valid for 1h00m",
    ] {
        assert!(printed.iter().any(|l| l == wanted), "stsenv printed no `{wanted}`: {printed:?}");
        assert!(
            transcript.contains(&format!("{wanted}\n")) || transcript.contains(&format!("{wanted} (at ")),
            "README: no `{wanted}` in {transcript}"
        );
    }
}

/// "Trying it without AWS" as written (on a free port instead of 5055), in bash with the
/// functions loaded: it starts moto, adds an account from moto's user, gets an MFA session with a
/// made-up code and a role, and keeps all of it out of the user's own files; moto is stopped after.
#[test]
fn readme_trying_it_without_aws_works_as_written() {
    if !crate::util::require_tool("curl") {
        return;
    }
    let venv = crate::util::moto::venv();
    let home = Home::new();
    let port = crate::util::moto::free_port().to_string();
    let recipe = readme_block("README.md", "## Trying it without AWS", "sh");
    assert!(recipe.contains("AWS_ENDPOINT_URL_STS=http://127.0.0.1:5055"), "{recipe}");
    let pid_file = home.path().join("moto.pid");
    let script = format!(
        "trap 'kill \"${{moto-}}\" 2>/dev/null; wait' EXIT\neval \"$(stsenv init bash)\"\n{}\necho \"$moto\" >{}\n",
        recipe.replace("5055", &port),
        pid_file.display()
    );
    let mut cmd = home.command("bash");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).env("STSENV_VENV", &venv).env("TMPDIR", home.path()).args([
        "--noprofile",
        "--norc",
        "-c",
        &script,
    ]);
    let (out, _) = crate::util::run::finish(cmd, "the README's recipe", std::time::Duration::from_secs(180));
    let err = stderr(&out);
    let pid = std::fs::read_to_string(&pid_file).unwrap_or_default();
    let closed = std::net::TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap())).is_err();
    if !closed && let Ok(pid) = pid.trim().parse::<i32>() {
        // SAFETY: kill(2) of the moto the recipe started, which the trap should have ended.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    assert!(out.status.success(), "{err}");
    for line in [
        "Added account try: IAM user jbrowne of account 123456789012, keys in the key directory",
        "MFA device arn:aws:iam::123456789012:mfa/jbrowne\n",
        "Set keys for try AWS account\n",
        "New session for account try, valid for ",
        "Assumed role Admin in account try, valid for ",
        "Set keys for try-role-Admin AWS account\n",
    ] {
        assert!(err.contains(line), "missing {line:?} in:\n{err}");
    }
    // ec2now, the recipe's last line.
    assert!(stdout(&out).contains("Keys set for try-role-Admin AWS account\n"), "{}", stdout(&out));
    // The account went to the recipe's own directory (mktemp -d), not the user's files.
    let made: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("accounts.json").is_file() && p.join("aws-creds/try.access_key").is_file())
        .collect();
    assert_eq!(made.len(), 1, "{made:?}");
    assert!(!home.accounts_path().exists() && !home.creds().join("try.access_key").exists());
    assert!(!home.cache_dir().exists());
    assert!(closed, "moto is still listening on port {port} after the recipe's shell ended");
}

#[test]
fn readme_first_setup_by_hand_makes_private_files() {
    let moto = Moto::start(false);
    let user = moto.user("jbrowne");
    let mut home = Home::new();
    home.use_moto(&moto);
    std::fs::remove_dir_all(home.creds()).unwrap();
    // An "editor" that pastes the right key into the file it is given.
    let editor = script(
        &home,
        "paste",
        &format!(
            "case \"$1\" in\n  *.access_key) printf '%s\\n' '{}' >\"$1\" ;;\n  *.secret_key) printf '%s\\n' '{}' >\"$1\" ;;\nesac",
            user.access_key, user.secret_key
        ),
    );
    let recipe = readme_block("docs/accounts.md", "## First setup by hand", "sh");
    let mut cmd = home.command("bash");
    cmd.env("EDITOR", &editor).args(["--noprofile", "--norc", "-u", "-c", &format!("umask 022\n{recipe}")]);
    let out = cmd.output().unwrap();
    assert_eq!(mode(&home.creds()), 0o700);
    for file in ["personal.access_key", "personal.secret_key"] {
        assert_eq!(mode(&home.creds().join(file)), 0o600, "{file}");
    }
    // doctor, the recipe's last line: the files, the accounts file and the keys are all fine.
    let report = stdout(&out) + &stderr(&out);
    for line in [
        format!("ok    key directory {}", home.creds().display()),
        format!("ok    accounts file {} (1 account)", home.accounts_path().display()),
        format!("ok    {}", home.creds().join("personal.secret_key").display()),
        "ok    personal: in the accounts file, account 123456789012".to_owned(),
        "ok    personal: the keys work: arn:aws:iam::123456789012:user/jbrowne".to_owned(),
    ] {
        assert!(report.contains(&line), "missing {line:?} in\n{report}");
    }
    assert!(!report.contains("open to group"), "{report}");
    let out = home.stsenv(&["switch", "personal"]);
    assert!(out.status.success() && !stderr(&out).contains("warning"), "{}", stderr(&out));
}

#[test]
fn zsh_functions_complete_only_when_loaded_after_compinit() {
    if !crate::util::on_path("zsh") && !crate::util::shells_required() {
        eprintln!("SKIPPING: zsh is not installed");
        return;
    }
    let home = Home::new();
    let script = r#"eval "$(stsenv init zsh)"
print -r -- "before compinit: ${_comps[ec2switch]-none}"
autoload -Uz compinit && compinit -u -D
eval "$(stsenv init zsh)"
print -r -- "after compinit: ${_comps[ec2switch]-none}""#;
    let mut cmd = home.command("zsh");
    cmd.args(["--no-rcs", "-c", script]);
    let out = cmd.output().unwrap();
    assert_eq!(
        stdout(&out),
        "before compinit: none\nafter compinit: __stsenv_complete_accounts\n",
        "{}",
        stderr(&out)
    );
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.contains("with the\nline before it `ec2switch <Tab>` and `ec2mfa <Tab>` offer file names"),
        "README says why"
    );
}

#[test]
fn stsenv_command_completes_account_and_role_names_in_real_shells() {
    let mut home = Home::new();
    home.keys("personal", ACCESS_KEY, SECRET_KEY).keys("work", ACCESS_KEY, SECRET_KEY).accounts(ACCOUNTS);
    home.set("TERM", "dumb").set("STSENV_ACCOUNT", "personal");
    // STS is never reached: each completed line, run on the terminal, is refused with a message
    // naming what was completed.
    home.set("AWS_ENDPOINT_URL", "http://127.0.0.1:1");
    let completions = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let typed = [
        ("stsenv switch pe\t", " --shell bash\n", "use the function: ec2switch personal ("),
        ("stsenv --creds-dir ~/aws-creds mfa w\t", "\n", "use the function: ec2mfa work ("),
        ("stsenv role ad\t", " --format shell\n", "use the function: ec2role admin ("),
        (
            "stsenv role --account personal re\t",
            " --format shell\n",
            "use the function: ec2role readonly --account personal (",
        ),
    ];
    for shell in shells() {
        if shell == "fish" {
            // fish's own completion machinery, on the checked-in file.
            let script = format!(
                "source {}/stsenv.fish; complete -C 'stsenv switch pe'; echo ==; complete -C 'stsenv role '; echo ==; complete -C 'stsenv role -a personal r'; echo ==; complete -C 'stsenv mfa --duration 900 w'",
                completions.display()
            );
            let mut cmd = home.command("fish");
            cmd.args(["--no-config", "--private", "-c", &script]);
            let out = cmd.output().unwrap();
            assert_eq!(
                stdout(&out),
                "personal\n==\nadmin\nreadonly\n==\nreadonly\n==\nwork\n",
                "{}",
                stderr(&out)
            );
            continue;
        }
        // bash and zsh interactive on a terminal, a Tab typed as a person does.
        let (argv, load): (&[&str], String) = match shell {
            "bash" => (
                &["bash", "--noprofile", "--norc", "-i"],
                format!("source {}/stsenv.bash\n", completions.display()),
            ),
            _ => (
                &["zsh", "-f", "-i"],
                format!("fpath=({} $fpath); autoload -Uz compinit; compinit -u -D\n", completions.display()),
            ),
        };
        let mut keys = vec![load];
        for (line, rest, _) in typed {
            keys.push(line.to_owned());
            keys.push(rest.to_owned());
        }
        keys.push("exit\n".to_owned());
        let mut cmd = on_pty(&home, "pty_type.py");
        cmd.args(argv).env("PTY_KEYS", serde_json::to_string(&keys).unwrap());
        let screen = stdout(&cmd.output().unwrap());
        for (line, _, completed) in typed {
            assert!(screen.contains(completed), "{shell}: `{line}` not completed:\n{screen}");
        }
    }
}

#[test]
fn the_functions_still_switch_in_an_interactive_shell_on_a_terminal() {
    // The refusal is for stsenv run directly: the functions capture its output, so on a
    // terminal they switch as before.
    let mut home = new_home("http://127.0.0.1:1");
    home.set("TERM", "dumb");
    for shell in shells() {
        let (argv, load): (&[&str], &str) = match shell {
            "bash" => (&["bash", "--noprofile", "--norc", "-i"], "eval \"$(stsenv init bash)\"\n"),
            "zsh" => (&["zsh", "-f", "-i"], "eval \"$(stsenv init zsh)\"\n"),
            _ => (&["fish", "--no-config", "--private", "-i"], "stsenv init fish | source\n"),
        };
        let keys = [load, "ec2switch personal\n", "echo ACCOUNT=$STSENV_ACCOUNT\n", "exit\n"];
        let mut cmd = on_pty(&home, "pty_type.py");
        cmd.args(argv).env("PTY_KEYS", serde_json::to_string(&keys).unwrap());
        let screen = stdout(&cmd.output().unwrap()).replace('\r', "");
        assert!(screen.contains("\nSet keys for personal AWS account\n"), "{shell}:\n{screen}");
        assert!(screen.contains("\nACCOUNT=personal\n"), "{shell}:\n{screen}");
        assert!(
            !screen.contains("stdout is a terminal") && !screen.contains(SECRET_KEY),
            "{shell}:\n{screen}"
        );
    }
}

#[test]
fn the_hint_on_a_terminal_is_in_the_form_of_the_shell_the_user_is_in() {
    // `stsenv switch personal` typed in each shell: the refusal's line to run by hand is that
    // shell's form, and typing it sets the account (in fish, bash's `eval "$(...)"` line gave 16
    // "Unknown builtin 'export'" errors).
    let mut home = new_home("http://127.0.0.1:1");
    home.set("TERM", "dumb");
    // The login shell says otherwise: the parent process wins.
    home.set("SHELL", "/bin/sh");
    for shell in shells() {
        let program = crate::util::shell_program(shell);
        let program = program.to_str().unwrap();
        let (argv, by_hand, show): (Vec<&str>, &str, &str) = match shell {
            "bash" => (
                vec!["bash", "--noprofile", "--norc", "-i"],
                "eval \"$(stsenv switch personal --shell bash)\"",
                "echo ACCOUNT=$STSENV_ACCOUNT\n",
            ),
            "zsh" => (
                vec!["zsh", "-f", "-i"],
                "eval \"$(stsenv switch personal --shell zsh)\"",
                "echo ACCOUNT=$STSENV_ACCOUNT\n",
            ),
            "fish" => (
                vec!["fish", "--no-config", "--private", "-i"],
                "stsenv switch personal --shell fish | source",
                "echo ACCOUNT=$STSENV_ACCOUNT\n",
            ),
            _ => (
                vec![program, "--no-config-file", "--no-history"],
                "let c = (stsenv switch personal --shell nu | from json); hide-env --ignore-errors ...$c.unset; load-env $c.set",
                "print $\"ACCOUNT=($env.STSENV_ACCOUNT)\"\n",
            ),
        };
        let keys = [
            "stsenv switch personal\n".to_owned(),
            format!("{by_hand}\n"),
            show.to_owned(),
            "exit\n".to_owned(),
        ];
        let mut cmd = on_pty(&home, "pty_type.py");
        cmd.args(&argv).env("PTY_KEYS", serde_json::to_string(&keys).unwrap());
        let screen = stdout(&cmd.output().unwrap()).replace('\r', "");
        // (nushell's line editor redraws the line at every key: the screen is long.)
        let tail = &screen[screen.len().saturating_sub(1500)..];
        let hint = format!(
            "stsenv: stdout is a terminal: the shell code would show the secret key instead of setting it; use the function: ec2switch personal (or: {by_hand})\n"
        );
        assert!(screen.contains(&hint), "{shell}: no {hint:?} in:\n{tail}");
        assert!(screen.contains("ACCOUNT=personal\n"), "{shell}: the hint's line did not switch:\n{tail}");
        assert!(!screen.contains("Unknown builtin") && !screen.contains("rror:"), "{shell}:\n{tail}");
        assert!(!screen.contains(SECRET_KEY), "{shell}:\n{tail}");
    }
    // Started by a program that is no shell (here the test's pty harness): the login shell.
    for (login, form) in [
        ("/usr/bin/fish", "stsenv switch personal --shell fish | source"),
        ("/bin/zsh", "eval \"$(stsenv switch personal --shell zsh)\""),
        ("/bin/sh", "eval \"$(stsenv switch personal --shell bash)\""),
    ] {
        home.set("SHELL", login);
        let report = on_terminal(&home, &["switch", "personal"], &[], true);
        let screen = text(&report, "terminal");
        assert!(screen.trim_end().ends_with(&format!("(or: {form})")), "SHELL={login}: {screen}");
    }
}

#[test]
fn stsenv_completes_after_the_init_line_alone() {
    // No completion file installed: the init line registers a stub that loads `stsenv
    // completions SHELL` on the first Tab, in bash, zsh and fish, typed on a terminal.
    let mut home = Home::new();
    home.keys("personal", ACCESS_KEY, SECRET_KEY).keys("work", ACCESS_KEY, SECRET_KEY).accounts(ACCOUNTS);
    home.set("TERM", "dumb");
    home.set("AWS_ENDPOINT_URL", "http://127.0.0.1:1");
    for shell in shells().into_iter().filter(|s| *s != "nu") {
        let (argv, load, registered): (&[&str], &str, &str) = match shell {
            "bash" => (
                &["bash", "--noprofile", "--norc", "-i"],
                "eval \"$(stsenv init bash)\"\n",
                "complete -p stsenv\n",
            ),
            "zsh" => (
                &["zsh", "-f", "-i"],
                "autoload -Uz compinit; compinit -u -D; eval \"$(stsenv init zsh)\"\n",
                "print -r -- stub=$_comps[stsenv]\n",
            ),
            _ => (
                &["fish", "--no-config", "--private", "-i"],
                "stsenv init fish | source\n",
                "complete -c stsenv\n",
            ),
        };
        // Before any Tab: only the stub (no stsenv process has run for it).
        // `stsenv sw<Tab>` completes the subcommand, `pe<Tab>` the account; run on the terminal,
        // the line is refused with a message naming what was completed.
        let keys = [load, registered, "stsenv sw\t", "pe\t", "\n", registered, "exit\n"];
        let mut cmd = on_pty(&home, "pty_type.py");
        cmd.args(argv).env("PTY_KEYS", serde_json::to_string(&keys).unwrap());
        let screen = stdout(&cmd.output().unwrap()).replace('\r', "");
        assert!(screen.contains("__stsenv_complete_lazy"), "{shell}: no stub registered:\n{screen}");
        assert!(
            screen.contains("use the function: ec2switch personal ("),
            "{shell}: `stsenv sw<Tab> pe<Tab>` not completed:\n{screen}"
        );
        // After the first Tab, stsenv's own completion is in place of the stub.
        let after = screen.rsplit("use the function: ec2switch personal (").next().unwrap();
        let loaded = match shell {
            "bash" => "_stsenv_names",
            "zsh" => "stub=_stsenv",
            _ => "__fish_stsenv",
        };
        assert!(after.contains(loaded), "{shell}: completion not loaded after the first Tab:\n{after}");
    }
}
