//! Test helpers: a temporary home with a key directory and accounts file, the built binary
//! run with a clean environment, and the real shells.

#![allow(dead_code)]

pub mod fault;
pub mod moto;
pub mod record;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use stsenv::cache::{Cache, Entry, Slot};
use stsenv::credentials::{Credentials, Secret};
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

pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
}

/// The shells to run scenarios in: all three; a missing one fails in CI, else is skipped loudly.
pub fn shells() -> Vec<&'static str> {
    let mut found = Vec::new();
    for shell in ["bash", "zsh", "fish"] {
        if on_path(shell) {
            found.push(shell);
        } else if shells_required() {
            panic!("{shell} is not installed, and CI requires every shell (apt-get install zsh fish)");
        } else {
            eprintln!("SKIPPING {shell}: not installed (CI fails here instead)");
        }
    }
    found
}

/// A temporary home: `~/aws-creds`, `~/.config/stsenv/accounts.json`, `~/.cache/stsenv`.
pub struct Home {
    pub dir: tempfile::TempDir,
    /// Extra variables for every command run in this home.
    pub vars: Vec<(String, OsString)>,
    /// Directories put on PATH after the binary's.
    pub extra_path: Vec<PathBuf>,
}

impl Home {
    pub fn new() -> Home {
        let dir = tempfile::Builder::new().prefix("stsenv-test").tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("aws-creds")).unwrap();
        Home { dir, vars: Vec::new(), extra_path: Vec::new() }
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

    /// Key files for an account from a moto user.
    pub fn user_keys(&self, account: &str, user: &moto::User) -> &Self {
        self.keys(account, &user.access_key, &user.secret_key)
    }

    pub fn cache(&self) -> Cache {
        Cache { dir: self.cache_dir() }
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

    /// The environment every command gets: nothing of the developer's.
    pub fn apply(&self, cmd: &mut Command) {
        let bin_dir = bin().parent().unwrap().to_owned();
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

    /// The stsenv binary with these arguments, in this home.
    pub fn stsenv(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(bin());
        self.apply(&mut cmd);
        cmd.args(args).output().unwrap()
    }

    /// Run a scenario in a real shell: load the wrappers, then run each step (the same text
    /// in every shell) and record after each one the exported environment and the status.
    pub fn scenario(&self, shell: &str, steps: &[&str]) -> Vec<Step> {
        let out = self.path().join(format!("scenario-{shell}"));
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).unwrap();
        let (load, status) = match shell {
            "fish" => ("stsenv init fish | source", "$status"),
            _ => ("eval \"$(stsenv init SHELL)\"", "$?"),
        };
        let mut script = load.replace("SHELL", shell) + "\n";
        for (i, step) in steps.iter().enumerate() {
            let dir = out.display();
            script.push_str(&format!(
                "{step} >{dir}/{i}.out 2>{dir}/{i}.err\necho {status} >{dir}/{i}.status\nenv -0 >{dir}/{i}.env\n"
            ));
        }
        let mut cmd = match shell {
            "bash" => {
                let mut c = Command::new("bash");
                c.args(["--noprofile", "--norc", "-u", "-c", &script]);
                c
            }
            "zsh" => {
                let mut c = Command::new("zsh");
                c.args(["--no-rcs", "-u", "-c", &script]);
                c
            }
            "fish" => {
                let mut c = Command::new("fish");
                c.args(["--no-config", "--private", "-c", &script]);
                c
            }
            other => panic!("unknown shell {other}"),
        };
        self.apply(&mut cmd);
        let result = cmd.output().unwrap();
        assert!(
            result.status.success(),
            "{shell} scenario failed: {}\n{}",
            String::from_utf8_lossy(&result.stderr),
            script
        );
        (0..steps.len())
            .map(|i| {
                let read = |ext: &str| std::fs::read(out.join(format!("{i}.{ext}"))).unwrap();
                let status = String::from_utf8(read("status")).unwrap().trim().parse().unwrap();
                let env = read("env")
                    .split(|b| *b == 0)
                    .filter(|kv| !kv.is_empty())
                    .filter_map(|kv| {
                        let eq = kv.iter().position(|b| *b == b'=')?;
                        Some((String::from_utf8_lossy(&kv[..eq]).into_owned(), kv[eq + 1..].to_vec()))
                    })
                    .collect();
                Step {
                    shell: shell.to_owned(),
                    step: steps[i].to_owned(),
                    status,
                    stdout: String::from_utf8_lossy(&read("out")).into_owned(),
                    stderr: String::from_utf8_lossy(&read("err")).into_owned(),
                    env,
                }
            })
            .collect()
    }
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
        stsenv::emit::VARIABLES.iter().copied().filter(|v| self.env.contains_key(*v)).collect()
    }
}

/// The cache slot of a role assumed with the defaults (no flags, with MFA) by user jbrowne, the
/// `USER` of every test home.
pub fn role_slot(arn: &str) -> Slot {
    Slot::Role(stsenv::cache::RoleSlot {
        arn: arn.to_owned(),
        session_name: "stsenv-jbrowne".to_owned(),
        mfa: true,
        ..Default::default()
    })
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
    let dir = std::env::var_os("STSENV_NODE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".node"));
    assert!(
        dir.join("node_modules/@aws-sdk/credential-providers").is_dir(),
        "no npm packages in {}: run scripts/test (it installs them), or set STSENV_NODE",
        dir.display()
    );
    dir
}

/// The official `nu` binary from the npm package `nushell` (its platform package holds it).
pub fn nu_bin() -> Option<PathBuf> {
    let dir = std::env::var_os("STSENV_NODE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".node"));
    let modules = dir.join("node_modules/@nushell");
    std::fs::read_dir(modules).ok()?.flatten().map(|e| e.path().join("bin/nu")).find(|p| p.is_file())
}
