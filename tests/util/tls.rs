//! TLS as users meet it, on loopback (tests/tls_front.py): a test CA that no system store
//! holds, a front that serves an HTTP server (moto, the fault server) over HTTPS with a
//! certificate it signed, fronts with an expired certificate and one for another host, and a
//! proxy that refuses every CONNECT. The process is killed when this is dropped.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Stdio};

pub struct TlsFront {
    child: Child,
    /// Kept open: the script's stdout.
    _stdout: BufReader<ChildStdout>,
    /// The test CA's PEM file, and a CA that signed nothing here.
    pub ca: PathBuf,
    pub other_ca: PathBuf,
    /// The good certificate and its key (PEM), for a server of its own.
    pub good_pem: PathBuf,
    /// `https://127.0.0.1:PORT` of each front.
    pub good: String,
    pub expired: String,
    pub wrong_host: String,
    /// `http://127.0.0.1:PORT` of the proxy that refuses CONNECT.
    pub refusing_proxy: String,
    _dir: tempfile::TempDir,
}

impl TlsFront {
    /// Fronts to `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str) -> TlsFront {
        let dir = tempfile::tempdir().unwrap();
        let mut child = super::run::command(super::moto::venv().join("bin/python"))
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tls_front.py"))
            .arg(upstream)
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        let Ok(ports) = serde_json::from_str::<serde_json::Value>(&line) else {
            super::run::kill(&mut child);
            panic!("tests/tls_front.py did not start: {line:?}");
        };
        let url = |scheme: &str, key: &str| format!("{scheme}://127.0.0.1:{}", ports[key]);
        let path = |key: &str| PathBuf::from(ports[key].as_str().unwrap());
        TlsFront {
            ca: path("ca"),
            other_ca: path("other_ca"),
            good_pem: path("good_pem"),
            good: url("https", "good"),
            expired: url("https", "expired"),
            wrong_host: url("https", "wrong_host"),
            refusing_proxy: url("http", "refusing_proxy"),
            child,
            _stdout: stdout,
            _dir: dir,
        }
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        super::run::kill(&mut self.child);
    }
}
