//! A recording proxy in front of moto: each whole request is kept (head and body) and passed on
//! unchanged, so that tests see exactly what stsenv sent (moto's log has no bodies). The Host
//! header stays the proxy's, which the client signed, so moto's signature checks still pass.
//! One request per connection (`Connection: close` both ways); stops when dropped.

use std::collections::BTreeMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::fault::{Request, read_request};

struct Shared {
    upstream: String,
    stop: AtomicBool,
    requests: Mutex<Vec<Request>>,
    /// Each request's answer as it came back (by the index of the request), for the tests that
    /// check stsenv used what STS gave.
    answers: Mutex<Vec<(usize, String)>>,
}

pub struct Recorder {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl Recorder {
    /// A proxy to `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str) -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.strip_prefix("http://").unwrap().trim_end_matches('/').to_owned();
        let shared = Arc::new(Shared {
            upstream,
            stop: AtomicBool::new(false),
            requests: Mutex::new(Vec::new()),
            answers: Mutex::new(Vec::new()),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                while !shared.stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let shared = Arc::clone(&shared);
                            std::thread::spawn(move || forward(stream, &shared));
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_millis(10))
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            })
        };
        Recorder { url, shared, acceptor: Some(acceptor) }
    }

    /// The requests passed on so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// The answer to request number `n` (of `requests`), whole (status line, headers, body).
    pub fn answer(&self, n: usize) -> Option<String> {
        self.shared.answers.lock().unwrap().iter().find(|(i, _)| *i == n).map(|(_, a)| a.clone())
    }

    /// The form fields of the requests whose `Action` is `action`.
    pub fn actions(&self, action: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .map(|r| Recorded { form: form(&r.body), head: r.head })
            .filter(|r| r.form.get("Action").map(String::as_str) == Some(action))
            .collect()
    }
}

/// A recorded request: its head, and its body's form fields decoded.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub head: String,
    pub form: BTreeMap<String, String>,
}

impl Recorded {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form.get(name).map(String::as_str)
    }

    /// The access key ID the request was signed with (from `Authorization: ... Credential=ID/...`).
    pub fn signed_by(&self) -> String {
        let at = self.head.find("Credential=").expect("an unsigned request") + "Credential=".len();
        self.head[at..].split('/').next().unwrap().to_owned()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn forward(mut client: TcpStream, shared: &Shared) {
    let _ = client.set_nonblocking(false);
    let _ = client.set_read_timeout(Some(Duration::from_millis(25)));
    let Some(request) = read_request(&mut client, &shared.stop) else { return };
    let index = {
        let mut requests = shared.requests.lock().unwrap();
        requests.push(request.clone());
        requests.len() - 1
    };
    let Ok(mut upstream) = TcpStream::connect(&shared.upstream) else { return };
    let head: Vec<&str> =
        request.head.lines().filter(|l| !l.to_ascii_lowercase().starts_with("connection:")).collect();
    let sent = format!("{}\r\nConnection: close\r\n\r\n{}", head.join("\r\n"), request.body);
    if upstream.write_all(sent.as_bytes()).is_err() {
        return;
    }
    let mut answer = Vec::new();
    let _ = upstream.read_to_end(&mut answer);
    shared.answers.lock().unwrap().push((index, String::from_utf8_lossy(&answer).into_owned()));
    let _ = client.write_all(&answer);
    let _ = client.flush();
    let _ = client.shutdown(std::net::Shutdown::Both);
}

/// `application/x-www-form-urlencoded` (or a query string) decoded: `+` is a space, `%XX` a byte.
pub fn form(body: &str) -> BTreeMap<String, String> {
    body.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}
