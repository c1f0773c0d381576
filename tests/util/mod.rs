//! Test helpers: a temporary home with a key directory and accounts file, the built binary
//! run with a clean environment, and the real shells.

#![allow(dead_code)]

/// Assert that a command's stderr (of an `Output`) contains `needle`; the failure shows the
/// needle and the whole stderr, after `context` (format arguments) when given.
#[allow(unused_macros)] // (not in the quoting binary)
macro_rules! assert_stderr_contains {
    ($out:expr, $needle:expr $(,)?) => {{
        let err = $crate::util::stderr(&$out);
        let needle = $needle;
        assert!(err.contains(needle), "no {needle:?} in stderr: {err}");
    }};
    ($out:expr, $needle:expr, $($context:tt)+) => {{
        let err = $crate::util::stderr(&$out);
        let needle = $needle;
        assert!(err.contains(needle), "{}: no {needle:?} in stderr: {err}", format_args!($($context)+));
    }};
}

/// The opposite: `needle` is not on the command's stderr (which the failure shows).
#[allow(unused_macros)]
macro_rules! assert_stderr_lacks {
    ($out:expr, $needle:expr $(,)?) => {{
        let err = $crate::util::stderr(&$out);
        let needle = $needle;
        assert!(!err.contains(needle), "{needle:?} in stderr: {err}");
    }};
    ($out:expr, $needle:expr, $($context:tt)+) => {{
        let err = $crate::util::stderr(&$out);
        let needle = $needle;
        assert!(!err.contains(needle), "{}: {needle:?} in stderr: {err}", format_args!($($context)+));
    }};
}

pub mod fault;
pub mod fixtures;
pub mod moto;
pub mod record;
pub mod run;
pub mod tls;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use stsenv::base::credentials::{Credentials, Secret};
use stsenv::store::cache::Cache;
use stsenv::store::entry::Entry;
use stsenv::store::slot::Slot;
use time::OffsetDateTime;

pub const ACCESS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
pub const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_stsenv"))
}

/// Whether a missing shell fails the test (CI) instead of skipping it.
pub fn shells_required() -> bool {
    std::env::var_os("STSENV_REQUIRE_SHELLS").is_some_and(|v| v == "1") || std::env::var_os("CI").is_some()
}

/// Where `program` is on PATH, if it is.
pub fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(program)).find(|p| p.is_file())
}

pub fn on_path(program: &str) -> bool {
    find_on_path(program).is_some()
}

/// Whether `tool` is installed; if not, a failure in CI, else a loud skip (false).
pub fn require_tool(tool: &str) -> bool {
    if on_path(tool) {
        return true;
    }
    assert!(!shells_required(), "{tool} is not installed, and CI requires it");
    eprintln!("SKIPPING: {tool} is not installed");
    false
}

/// The shells to run scenarios in: bash, zsh, fish and nushell; a missing one fails in CI, else
/// is skipped loudly. nushell is `nu_bin()` (npm), the others are found on PATH.
pub fn shells() -> Vec<&'static str> {
    let mut found = Vec::new();
    for shell in ["bash", "zsh", "fish", "nu"] {
        let present = if shell == "nu" { nu_bin().is_some() } else { on_path(shell) };
        if present {
            found.push(shell);
        } else if shells_required() {
            panic!(
                "{shell} is not installed, and CI requires every shell (apt-get install zsh fish; \
                 nushell: scripts/node-deps, STSENV_NODE)"
            );
        } else {
            eprintln!("SKIPPING {shell}: not installed (CI fails here instead)");
        }
    }
    found
}

/// The program of a shell of `shells()`.
pub fn shell_program(shell: &str) -> PathBuf {
    match shell {
        "nu" => nu_bin().expect("nu is installed"),
        other => PathBuf::from(other),
    }
}

/// Options and definitions of a hostile user (one line), set before the functions are loaded: the scenario
/// table runs again under them in bash and zsh (and fish, with a function named `source`), and
/// must give the same results. Aliases (a function in fish) named like the builtins the functions
/// and the emitted code use would print HIJACKED.
pub fn hostile_prelude(shell: &str) -> Option<&'static str> {
    match shell {
        "bash" => Some(
            "set -euo pipefail; shopt -s nullglob failglob extglob expand_aliases; \
             alias export='echo HIJACKED' unset='echo HIJACKED' command='echo HIJACKED' eval='echo HIJACKED'",
        ),
        "zsh" => Some(
            "setopt KSH_ARRAYS SH_WORD_SPLIT NO_UNSET WARN_CREATE_GLOBAL ERR_EXIT PIPE_FAIL NO_FUNCTION_ARGZERO; \
             alias export='echo HIJACKED' unset='echo HIJACKED' command='echo HIJACKED' eval='echo HIJACKED'",
        ),
        "fish" => Some("function source; echo HIJACKED; end"),
        _ => None,
    }
}

/// A temporary home: `~/aws-creds`, `~/.config/stsenv/accounts.json`, `~/.cache/stsenv`.
pub struct Home {
    pub dir: tempfile::TempDir,
    /// Extra variables for every command run in this home.
    pub vars: Vec<(String, OsString)>,
    /// Directories put on PATH after the binary's.
    pub extra_path: Vec<PathBuf>,
    /// The second user commands run as (`Home::become_user`), if not the test's own.
    pub run_as: Option<OtherUser>,
}

impl Home {
    pub fn new() -> Home {
        let dir = tempfile::Builder::new().prefix("stsenv-test").tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("aws-creds")).unwrap();
        Home { dir, vars: Vec::new(), extra_path: Vec::new(), run_as: None }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn creds(&self) -> PathBuf {
        self.path().join("aws-creds")
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.path().join(".cache").join("stsenv")
    }

    pub fn accounts_path(&self) -> PathBuf {
        self.path().join(".config").join("stsenv").join("accounts.json")
    }

    /// Write `NAME.access_key` and `NAME.secret_key` (0600).
    pub fn keys(&self, name: &str, access: &str, secret: &str) -> &Self {
        self.write_secret(&format!("{name}.access_key"), access.as_bytes());
        self.write_secret(&format!("{name}.secret_key"), secret.as_bytes());
        self
    }

    pub fn write_secret(&self, file: &str, content: &[u8]) -> PathBuf {
        let path = self.creds().join(file);
        std::fs::write(&path, content).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        path
    }

    /// `~/.aws/config` with two credential_process profiles: `personal-mfa` (the MFA session)
    /// and `personal-admin` (the role `admin`), both in us-east-1.
    pub fn credential_process_profiles(&self) {
        let config = self.path().join(".aws/config");
        std::fs::create_dir_all(config.parent().unwrap()).unwrap();
        std::fs::write(
            &config,
            "[profile personal-mfa]\ncredential_process = stsenv credential-process personal\nregion = us-east-1\n\
             [profile personal-admin]\ncredential_process = stsenv credential-process personal --role admin\nregion = us-east-1\n",
        )
        .unwrap();
    }

    pub fn accounts(&self, json: &str) -> &Self {
        std::fs::create_dir_all(self.accounts_path().parent().unwrap()).unwrap();
        std::fs::write(self.accounts_path(), json).unwrap();
        self
    }

    pub fn set(&mut self, name: &str, value: impl Into<OsString>) -> &mut Self {
        self.vars.push((name.to_owned(), value.into()));
        self
    }

    /// Point STS and the AWS CLI at moto, and put the venv's `aws` on PATH.
    pub fn use_moto(&mut self, moto: &moto::Moto) -> &mut Self {
        self.set("AWS_ENDPOINT_URL_STS", &moto.url);
        self.set("AWS_ENDPOINT_URL", &moto.url);
        self.extra_path.push(moto::venv().join("bin"));
        self
    }

    /// A home against `moto` holding a new moto user `jbrowne`'s keys as account `personal`,
    /// with `accounts` as its accounts file.
    pub fn with_moto_user(moto: &moto::Moto, accounts: &str) -> (Home, moto::User) {
        let user = moto.user("jbrowne");
        let mut home = Home::new();
        home.user_keys("personal", &user).accounts(accounts);
        home.use_moto(moto);
        (home, user)
    }

    /// Key files for an account from a moto user.
    pub fn user_keys(&self, account: &str, user: &moto::User) -> &Self {
        self.keys(account, &user.access_key, &user.secret_key)
    }

    pub fn cache(&self) -> Cache {
        Cache::new(self.cache_dir())
    }

    /// Put temporary credentials in the cache, as `mfa` will.
    pub fn cache_session(&self, account: &str, slot: Slot, token: &str, expiration: OffsetDateTime) -> Entry {
        let credentials = Credentials {
            access_key_id: Secret::new(format!("ASIA{}", &token[..16.min(token.len())].to_ascii_uppercase())),
            secret_access_key: Secret::new(format!("tmpsecret/{token}")),
            session_token: Some(Secret::new(token)),
            expiration: Some(expiration),
        };
        let entry = Entry::new(account, &slot, credentials).unwrap();
        let _lock = self.cache().lock(account, &slot).unwrap();
        self.cache().write(&slot, &entry).unwrap();
        entry
    }

    /// From now on every command of this home runs as `user`, who is given the home.
    pub fn become_user(&mut self, user: &OtherUser) -> &mut Self {
        user.give(self.path());
        self.run_as = Some(user.clone());
        self
    }

    /// `program` to run in this home, as its user (`become_user`) if it has one.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = match &self.run_as {
            Some(user) => user.command(program),
            None => run::command(program),
        };
        self.apply(&mut cmd);
        cmd
    }

    /// The environment every command gets: nothing of the developer's.
    pub fn apply(&self, cmd: &mut Command) {
        let bin_dir = match self.run_as {
            Some(_) => other_user_bin().parent().unwrap().to_owned(),
            None => bin().parent().unwrap().to_owned(),
        };
        let dirs = std::iter::once(bin_dir)
            .chain(self.extra_path.iter().cloned())
            .chain(["/usr/local/bin", "/usr/bin", "/bin"].map(PathBuf::from));
        let path = std::env::join_paths(dirs).unwrap();
        cmd.env_clear()
            .env("PATH", path)
            .env("HOME", self.path())
            .env("USER", "jbrowne")
            .env("LANG", "C.UTF-8")
            .env("XDG_CONFIG_HOME", self.path().join(".config"))
            .env("XDG_CACHE_HOME", self.path().join(".cache"))
            .env("NO_PROXY", "*")
            .current_dir(self.path())
            .stdin(Stdio::null());
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
    }

    /// The stsenv binary with these arguments, in this home (as its user), to be run.
    pub fn stsenv_command(&self, args: &[&str]) -> Command {
        let program = if self.run_as.is_some() { other_user_bin() } else { bin() };
        let mut cmd = self.command(program);
        cmd.args(args);
        cmd
    }

    /// The stsenv binary with these arguments, in this home, run to its end.
    pub fn stsenv(&self, args: &[&str]) -> Output {
        let what = format!("stsenv {}", args.join(" "));
        run::finish(self.stsenv_command(args), &what, run::HANG).0
    }

    /// The same, as a `Run`: failing the test unless it ends within `limit`, and timed.
    pub fn run(&self, args: &[&str], limit: std::time::Duration) -> run::Run {
        run::run(self.stsenv_command(args), format!("stsenv {}", args.join(" ")), limit)
    }

    /// Run a scenario in a real shell: load the wrappers, then run each step (the same text
    /// in every shell) and record after each one the exported environment and the status.
    pub fn scenario(&self, shell: &str, steps: &[&str]) -> Vec<Step> {
        self.scenario_with(shell, steps, None)
    }

    /// The shared scenario table (tests/scenarios.rs): a scenario, then in bash, zsh and fish
    /// the same steps again under `hostile_prelude`, which must give the same statuses, output
    /// and environment. The steps must leave no state that changes a second run (no STS call,
    /// no cache written).
    pub fn scenario_table(&self, shell: &str, steps: &[&str]) -> Vec<Step> {
        let plain = self.scenario_with(shell, steps, None);
        if let Some(prelude) = hostile_prelude(shell) {
            let hostile = self.scenario_with(shell, steps, Some(prelude));
            for (p, h) in plain.iter().zip(&hostile) {
                let what = format!("{shell}: `{}` under hostile options ({prelude:?})", p.step);
                assert_eq!((p.status, &p.stdout, &p.stderr), (h.status, &h.stdout, &h.stderr), "{what}");
                assert_eq!(p.env, h.env, "{what}: the environment differs");
            }
        }
        plain
    }

    /// One run of a scenario; under `hostile` (errexit on), a failing step ends the shell as it
    /// would the user's: an EXIT trap records that step, and the next steps run in a new shell
    /// with the environment it left.
    fn scenario_with(&self, shell: &str, steps: &[&str], hostile: Option<&str>) -> Vec<Step> {
        let out =
            self.path().join(format!("scenario-{shell}{}", if hostile.is_some() { "-hostile" } else { "" }));
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).unwrap();
        let dir = out.display().to_string();
        let mut start = 0;
        let mut env: Option<Vec<(OsString, OsString)>> = None;
        while start < steps.len() {
            let script = scenario_script(shell, &steps[start..], start, &dir, hostile, self.path());
            let mut cmd = run::command(shell_program(shell));
            match shell {
                "bash" => cmd.args(["--noprofile", "--norc", "-u", "-c", &script]),
                "zsh" => cmd.args(["--no-rcs", "-u", "-c", &script]),
                "fish" => cmd.args(["--no-config", "--private", "-c", &script]),
                "nu" => cmd.args(["--no-config-file", "--no-history", "-c", &script]),
                other => panic!("unknown shell {other}"),
            };
            self.apply(&mut cmd);
            if let Some(env) = &env {
                cmd.env_clear().envs(env.iter().cloned());
            }
            let result = cmd.output().unwrap();
            let done = (start..steps.len()).take_while(|i| out.join(format!("{i}.status")).exists()).count();
            // Under errexit the shell ends with the status of the step that failed.
            let ended_by_errexit = hostile.is_some()
                && done > 0
                && std::fs::read_to_string(out.join(format!("{}.status", start + done - 1)))
                    .is_ok_and(|s| s.trim().parse::<i32>().ok() == result.status.code());
            assert!(
                result.status.success() || ended_by_errexit,
                "{shell} scenario failed: {}\n{}",
                String::from_utf8_lossy(&result.stderr),
                script
            );
            assert!(
                done > 0,
                "{shell} scenario ran no step: {}\n{script}",
                String::from_utf8_lossy(&result.stderr)
            );
            start += done;
            // The environment the shell that ended left, for the next one.
            let last = std::fs::read(out.join(format!("{}.env", start - 1))).unwrap();
            env = Some(
                parse_env(&last)
                    .into_iter()
                    .filter(|(k, _)| !["_", "SHLVL", "OLDPWD"].contains(&k.as_str()))
                    .map(|(k, v)| (OsString::from(k), OsString::from_vec(v)))
                    .collect(),
            );
        }
        (0..steps.len())
            .map(|i| {
                let path = |ext: &str| out.join(format!("{i}.{ext}"));
                let read = |ext: &str| std::fs::read(path(ext)).unwrap();
                let status = String::from_utf8(read("status")).unwrap().trim().parse().unwrap();
                // nushell writes a failed step's output file only when it printed something.
                let read = |ext: &str| {
                    if shell == "nu" { std::fs::read(path(ext)).unwrap_or_default() } else { read(ext) }
                };
                let mut stdout = String::from_utf8_lossy(&read("out")).into_owned();
                // nushell gives a function's value without the line end its REPL would show.
                if shell == "nu" && !stdout.is_empty() && !stdout.ends_with('\n') {
                    stdout.push('\n');
                }
                Step {
                    shell: shell.to_owned(),
                    step: steps[i].to_owned(),
                    status,
                    stdout,
                    stderr: String::from_utf8_lossy(&read("err")).into_owned(),
                    // (nushell exports its own LAST_EXIT_CODE after a failure.)
                    env: parse_env(&read("env"))
                        .into_iter()
                        .filter(|(k, _)| {
                            k != "_" && k != "SHLVL" && !(shell == "nu" && k == "LAST_EXIT_CODE")
                        })
                        .collect(),
                }
            })
            .collect()
    }
}

/// `env -0` output as pairs.
fn parse_env(dump: &[u8]) -> Vec<(String, Vec<u8>)> {
    dump.split(|b| *b == 0)
        .filter(|kv| !kv.is_empty())
        .filter_map(|kv| {
            let eq = kv.iter().position(|b| *b == b'=')?;
            Some((String::from_utf8_lossy(&kv[..eq]).into_owned(), kv[eq + 1..].to_vec()))
        })
        .collect()
}

/// The script of a scenario's steps from `first` on, for one shell. nushell loads the module
/// the README way (saved to a file, then `source`d); a step `NAME=value command` runs the
/// command with that variable (`with-env` in nushell).
fn scenario_script(
    shell: &str,
    steps: &[&str],
    first: usize,
    dir: &str,
    hostile: Option<&str>,
    home: &Path,
) -> String {
    // One line, so that line numbers (in zsh's xtrace) are the same with and without it.
    let nothing = if shell == "nu" { "null" } else { "true" };
    let mut script = format!("{}\n", hostile.unwrap_or(nothing));
    match shell {
        "fish" => script.push_str("stsenv init fish | builtin source\n"),
        "nu" => {
            let module = home.join("stsenv.nu");
            if !module.exists() {
                let out = run::command(bin()).args(["init", "nu"]).output().unwrap();
                assert!(out.status.success());
                std::fs::write(&module, out.stdout).unwrap();
            }
            script.push_str(&format!("source '{}'\n", module.display()));
            script.push_str(
                "def --env __stsenv_test_out [path: string] { let v = $in; $v | default '' | into string | save -f $path }\n",
            );
        }
        // A leading backslash, so that the user's alias for eval does not apply to this line.
        _ => script.push_str(&format!("\\eval \"$(stsenv init {shell})\"\n")),
    }
    if shell == "bash" || shell == "zsh" {
        script.push_str(&format!(
            "trap '__stsenv_s=$?; [ -e \"{dir}/$__stsenv_step.status\" ] || {{ echo \"$__stsenv_s\" >\"{dir}/$__stsenv_step.status\"; env -0 >\"{dir}/$__stsenv_step.env\"; }}' EXIT\n"
        ));
    }
    for (offset, step) in steps.iter().enumerate() {
        let i = first + offset;
        match shell {
            "nu" => {
                let step = match step.split_once(' ') {
                    Some((assignment, rest)) if assignment.contains('=') && !assignment.contains('(') => {
                        let (name, value) = assignment.split_once('=').unwrap();
                        format!("with-env {{{name}: '{value}'}} {{ {rest} }}")
                    }
                    _ => (*step).to_owned(),
                };
                script.push_str(&format!(
                    "let __s = try {{ {step} e> '{dir}/{i}.err' | __stsenv_test_out '{dir}/{i}.out'; 0 }} catch {{|e| if $e.exit_code? == null {{ $e.rendered | save --append '{dir}/{i}.err' }}; $e.exit_code? | default 1 }}\n\
                     $__s | into string | save -f '{dir}/{i}.status'\n^env -0 o> '{dir}/{i}.env'\n"
                ));
            }
            "fish" => script.push_str(&format!(
                "{step} >{dir}/{i}.out 2>{dir}/{i}.err\necho $status >{dir}/{i}.status\nenv -0 >{dir}/{i}.env\n"
            )),
            _ => script.push_str(&format!(
                "__stsenv_step={i}\n{step} >{dir}/{i}.out 2>{dir}/{i}.err\necho $? >{dir}/{i}.status\nenv -0 >{dir}/{i}.env\n"
            )),
        }
    }
    script
}

/// The result of one scenario step.
#[derive(Debug)]
pub struct Step {
    pub shell: String,
    pub step: String,
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
    pub env: BTreeMap<String, Vec<u8>>,
}

impl Step {
    pub fn var(&self, name: &str) -> Option<&str> {
        self.env.get(name).map(|v| std::str::from_utf8(v).unwrap())
    }

    /// Assert a variable's value (`None`: not set), naming the shell and step.
    pub fn expect(&self, name: &str, value: Option<&str>) {
        assert_eq!(
            self.var(name),
            value,
            "{name} after `{}` in {}; stderr: {}",
            self.step,
            self.shell,
            self.stderr
        );
    }

    /// The variables stsenv manages that are set.
    pub fn managed(&self) -> Vec<&str> {
        stsenv::base::variables::VARIABLES.iter().copied().filter(|v| self.env.contains_key(*v)).collect()
    }
}

/// The cache slot of a role assumed with the defaults (no flags, with MFA) by user jbrowne, the
/// `USER` of every test home.
pub fn role_slot(arn: &str) -> Slot {
    Slot::Role(stsenv::store::slot::RoleSlot {
        arn: arn.to_owned(),
        session_name: "stsenv-jbrowne".to_owned(),
        mfa: true,
        ..Default::default()
    })
}

/// The venv's python running the harness `script` (tests/pty_prompt.py, tests/pty_type.py) in
/// `home`: the program and arguments it is given run on a pseudo-terminal of the harness's own.
pub fn on_pty(home: &Home, script: &str) -> Command {
    let mut cmd = home.command(moto::venv().join("bin/python"));
    cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(script));
    cmd
}

/// A file's mode: its permission bits with setuid, setgid and sticky.
pub fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// An executable script `name` in the home: `#!/bin/sh`, then `body`.
pub fn script(home: &Home, name: &str, body: &str) -> PathBuf {
    let path = home.path().join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The npm packages `scripts/node-deps` installs (`$STSENV_NODE`, else `.node`): nushell's `nu`
/// and the AWS SDK for JavaScript v3; a clear failure when they are missing.
pub fn node_dir() -> PathBuf {
    let dir = node_root();
    assert!(
        dir.join("node_modules/@aws-sdk/credential-providers").is_dir(),
        "no npm packages in {}: run scripts/test (it installs them), or set STSENV_NODE",
        dir.display()
    );
    dir
}

/// The official `nu` binary from the npm package `nushell` (its platform package holds it).
pub fn nu_bin() -> Option<PathBuf> {
    let modules = node_root().join("node_modules/@nushell");
    std::fs::read_dir(modules).ok()?.flatten().map(|e| e.path().join("bin/nu")).find(|p| p.is_file())
}

/// Where scripts/node-deps put the npm packages: `$STSENV_NODE`, else `.node` in the clone.
fn node_root() -> PathBuf {
    std::env::var_os("STSENV_NODE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".node"))
}

/// The second user of the tests about who may read or write a file: the system user
/// `stsenv-test`, made with `useradd` when missing (by any test, in any test process: a
/// concurrent `useradd` that finds it made is fine). Only root can make it and switch to it
/// (`setpriv`); CI runs as root, so there this never fails, and elsewhere it is None.
#[derive(Clone, Debug)]
pub struct OtherUser {
    pub uid: u32,
    pub gid: u32,
}

pub const OTHER_USER: &str = "stsenv-test";

pub fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The second user; None (with a note) when the tests do not run as root, a failure in CI.
pub fn other_user() -> Option<OtherUser> {
    static USER: std::sync::OnceLock<Option<OtherUser>> = std::sync::OnceLock::new();
    USER.get_or_init(|| {
        if !is_root() {
            assert!(
                !shells_required(),
                "CI runs as root, so the tests that need a second user run; this one is not root"
            );
            eprintln!(
                "SKIPPING the second-user part: not root, so no `useradd` and no `setpriv` (CI runs it)"
            );
            return None;
        }
        for tool in ["useradd", "setpriv", "id"] {
            assert!(
                on_path(tool) || Path::new("/usr/sbin").join(tool).is_file(),
                "{tool} is missing: apt-get install passwd util-linux"
            );
        }
        let id = |flag: &str| -> Option<u32> {
            let out = run::command("id").args([flag, OTHER_USER]).output().ok()?;
            String::from_utf8(out.stdout).ok()?.trim().parse().ok()
        };
        for _ in 0..50 {
            if let (Some(uid), Some(gid)) = (id("-u"), id("-g")) {
                return Some(OtherUser { uid, gid });
            }
            // Exit 9: made meanwhile by another test process; 10: /etc/passwd locked by one.
            let _ = run::command("useradd")
                .args(["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OTHER_USER])
                .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
                .stderr(Stdio::null())
                .status();
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("cannot make the test user {OTHER_USER} with useradd");
    })
    .clone()
}

impl OtherUser {
    /// `program` run as this user: `setpriv --reuid --regid --clear-groups`.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = run::command("setpriv");
        cmd.arg(format!("--reuid={}", self.uid))
            .arg(format!("--regid={}", self.gid))
            .arg("--clear-groups")
            .arg("--")
            .arg(program);
        cmd
    }

    /// Make `path` (and everything under it) this user's.
    pub fn give(&self, path: &Path) {
        let status = run::command("chown")
            .args(["-R", "-h", &format!("{}:{}", self.uid, self.gid)])
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success(), "chown -R {}", path.display());
    }
}

/// The stsenv binary where the second user can run it: the built one if every directory above
/// it lets others through, else a copy in a world-readable temp directory (made once).
pub fn other_user_bin() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        let built = bin();
        let open = built
            .ancestors()
            .skip(1)
            .all(|d| std::fs::metadata(d).is_ok_and(|m| m.permissions().mode() & 0o001 != 0));
        if open {
            return built;
        }
        // One copy, replaced by each test process (copy, then rename over it).
        let dir = std::env::temp_dir().join("stsenv-test-bin");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let copy = dir.join("stsenv");
        let tmp = dir.join(format!(".stsenv.{}", std::process::id()));
        std::fs::copy(&built, &tmp).unwrap();
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::rename(&tmp, &copy).unwrap();
        copy
    })
    .clone()
}
