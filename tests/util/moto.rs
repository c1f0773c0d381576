//! The moto server (STS and IAM emulator) on a free loopback port, from the venv that
//! `scripts/test` makes (`$STSENV_VENV`, else `.venv`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

/// The venv with moto and the AWS CLI; a clear failure when it is missing.
pub fn venv() -> PathBuf {
    let venv = std::env::var_os("STSENV_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv"));
    assert!(
        venv.join("bin/moto_server").is_file() && venv.join("bin/aws").is_file(),
        "no moto and AWS CLI in {}: run scripts/test (it makes the venv), or set STSENV_VENV",
        venv.display()
    );
    venv
}

/// An IAM user made in moto.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct User {
    pub access_key: String,
    pub secret_key: String,
    pub serial: String,
    pub seed: String,
    pub account: String,
}

pub struct Moto {
    child: Child,
    pub url: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// A free loopback port (bound and released; moto takes it a moment later).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn is_moto(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if stream.write_all(b"GET /moto-api/data.json HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").is_err() {
        return false;
    }
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    let answer = String::from_utf8_lossy(&bytes);
    answer.split_whitespace().nth(1) == Some("200")
        && answer.contains("Werkzeug")
        && answer.trim_end().ends_with('}')
}

impl Moto {
    /// Start moto; with `auth`, every request after the setup of one user must be signed with
    /// real keys (moto's INITIAL_NO_AUTH_ACTION_COUNT).
    pub fn start(auth: bool) -> Moto {
        let venv = venv();
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("moto.log");
        for _ in 0..3 {
            let port = free_port();
            let mut cmd = super::run::command(venv.join("bin/moto_server"));
            cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env_remove("AWS_ACCESS_KEY_ID")
                .env_remove("AWS_SECRET_ACCESS_KEY")
                .env_remove("AWS_SESSION_TOKEN")
                .env_remove("AWS_PROFILE")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).unwrap());
            if auth {
                cmd.env("INITIAL_NO_AUTH_ACTION_COUNT", "4");
            }
            let mut child = cmd.spawn().unwrap();
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(30) {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                // moto answers its own API; another server that took the port does not.
                if is_moto(port) && matches!(child.try_wait(), Ok(None)) {
                    return Moto { child, url: format!("http://127.0.0.1:{port}"), log, _dir: dir };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = super::run::kill(&mut child);
        }
        let mut text = String::new();
        let _ = std::fs::File::open(&log).and_then(|mut f| f.read_to_string(&mut text));
        panic!("moto did not start: {text}");
    }

    /// Make an IAM user with a key and a virtual MFA device (4 IAM calls).
    pub fn user(&self, name: &str) -> User {
        let out = super::run::command(venv().join("bin/python"))
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/moto_setup.py"))
            .args([&self.url, name])
            .env("NO_PROXY", "*")
            .output()
            .unwrap();
        assert!(out.status.success(), "moto setup failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// moto's log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// How many API calls moto has answered (each is a POST; its log has one line per request).
    pub fn requests(&self) -> usize {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("\"POST "))
            .count()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = super::run::kill(&mut self.child);
    }
}

/// `aws sts get-caller-identity` printing the caller's ARN alone.
pub const CALLER_ARN: &[&str] = &["sts", "get-caller-identity", "--query", "Arn", "--output", "text"];

/// Whose credentials the AWS CLI (`aws`) uses.
#[derive(Clone, Copy)]
pub enum As<'a> {
    /// moto's default test identity (moto without auth accepts it); no config or credentials file.
    Moto,
    /// These keys; no config or credentials file.
    Keys(&'a str, &'a str),
    /// `--profile PROFILE` of the home's own `~/.aws/config` and shared credentials file.
    Profile(&'a str),
}

/// The venv's AWS CLI in `home` with `args`, in moto's region (us-east-1), as `who`, without a
/// terminal.
pub fn aws(home: &super::Home, who: As, args: &[&str]) -> Output {
    let mut cmd = home.command(venv().join("bin/aws"));
    cmd.env("AWS_DEFAULT_REGION", "us-east-1").args(args);
    let keys = match who {
        As::Moto => Some(("testing", "testing")),
        As::Keys(access, secret) => Some((access, secret)),
        As::Profile(profile) => {
            cmd.args(["--profile", profile]);
            None
        }
    };
    if let Some((access, secret)) = keys {
        cmd.env("AWS_ACCESS_KEY_ID", access)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    }
    super::run::finish(cmd, &format!("aws {}", args.join(" ")), super::run::HANG).0
}

/// Enable moto's virtual MFA device `serial` for `user` (any two codes do).
pub fn enable_mfa(home: &super::Home, user: &str, serial: &str) {
    let out = aws(
        home,
        As::Moto,
        &[
            "iam",
            "enable-mfa-device",
            "--user-name",
            user,
            "--serial-number",
            serial,
            "--authentication-code1",
            "123456",
            "--authentication-code2",
            "234567",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
