//! A fault-injecting HTTP server on a free loopback port, for the answers moto cannot give: an
//! STS error of any status and code, a body that is not XML, or no answer at all. It reads
//! each whole request (headers and Content-Length body) and records it, answers with
//! `Connection: close` and a `Date` (its own clock, or one set off by `start_skewed`), and
//! stops (its threads joined) when dropped.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often blocked threads look at the stop flag.
const POLL: Duration = Duration::from_millis(25);

/// What the server does with each request.
#[derive(Clone, Debug)]
pub enum Mode {
    /// An STS error in the query protocol's XML.
    Error { status: u16, code: &'static str, message: &'static str },
    /// Any status with this body as text/plain.
    Raw { status: u16, body: &'static str },
    /// Read the request, then never answer (the connection stays open until the drop).
    Hang,
    /// Succeed: GetSessionToken, AssumeRole and GetFederationToken answer with new credentials (GetCallerIdentity
    /// with user jbrowne of 123456789012, IAM's ResyncMFADevice with its empty answer) (unique values per
    /// request, `FAULTTOKEN<n>...`, a token of a real one's size), after `delay` when the request is signed with `slow_key`
    /// (every request when it is None).
    Ok { delay: Duration, slow_key: Option<&'static str> },
    /// The AWS federation endpoint: `GET ...?Action=getSigninToken&Session=...` answers
    /// `{"SigninToken": token}`; anything else 400.
    Signin { token: &'static str },
}

impl Mode {
    pub fn error(status: u16, code: &'static str, message: &'static str) -> Mode {
        Mode::Error { status, code, message }
    }

    /// Succeed at once.
    pub fn ok() -> Mode {
        Mode::Ok { delay: Duration::ZERO, slow_key: None }
    }
}

/// One request received, whole.
#[derive(Clone, Debug)]
pub struct Request {
    /// The request line and headers.
    pub head: String,
    pub body: String,
}

struct Shared {
    mode: Mode,
    /// How far the `Date` of each answer is ahead of this machine's clock (seconds).
    skew: i64,
    stop: AtomicBool,
    requests: Mutex<Vec<Request>>,
    connections: Mutex<Vec<JoinHandle<()>>>,
}

pub struct Fault {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl Fault {
    pub fn start(mode: Mode) -> Fault {
        Fault::start_skewed(mode, 0)
    }

    /// A server whose clock (the `Date` of its answers) is `skew` seconds ahead of this
    /// machine's: AWS's, as a machine with a wrong clock sees it.
    pub fn start_skewed(mode: Mode, skew: i64) -> Fault {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            mode,
            skew,
            stop: AtomicBool::new(false),
            requests: Mutex::new(Vec::new()),
            connections: Mutex::new(Vec::new()),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || accept(listener, shared))
        };
        Fault { url, shared, acceptor: Some(acceptor) }
    }

    /// How many whole requests have arrived.
    pub fn count(&self) -> usize {
        self.shared.requests.lock().unwrap().len()
    }

    /// The requests that have arrived, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().unwrap().clone()
    }
}

impl Drop for Fault {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        let connections = std::mem::take(&mut *self.shared.connections.lock().unwrap());
        for connection in connections {
            let _ = connection.join();
        }
    }
}

fn accept(listener: TcpListener, shared: Arc<Shared>) {
    while !shared.stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let shared2 = Arc::clone(&shared);
                let handle = std::thread::spawn(move || serve(stream, &shared2));
                shared.connections.lock().unwrap().push(handle);
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(POLL),
            Err(_) => std::thread::sleep(POLL),
        }
    }
}

fn serve(mut stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(POLL));
    let Some(request) = read_request(&mut stream, &shared.stop) else { return };
    // A probe of `Moto::start` in another test, whose just-released port this server took: not
    // a request of this test (counting it made a bad-input case see "unexpected requests").
    if request.head.starts_with("GET /moto-api/") {
        let _ = stream.write_all(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        return;
    }
    let number = {
        let mut requests = shared.requests.lock().unwrap();
        requests.push(request.clone());
        requests.len()
    };
    let (status, content_type, body) = match &shared.mode {
        Mode::Ok { delay, slow_key } => {
            if slow_key.is_none_or(|key| request.head.contains(key)) {
                let until = std::time::Instant::now() + *delay;
                while std::time::Instant::now() < until {
                    if shared.stop.load(Ordering::SeqCst) {
                        return;
                    }
                    std::thread::sleep(POLL.min(until - std::time::Instant::now()));
                }
            }
            match success_xml(&request.body, number) {
                Some(xml) => (200, "text/xml", xml),
                None => (
                    400,
                    "text/xml",
                    error_xml(400, "InvalidAction", "not an STS action the fault server knows"),
                ),
            }
        }
        Mode::Error { status, code, message } => (*status, "text/xml", error_xml(*status, code, message)),
        Mode::Raw { status, body } => (*status, "text/plain", (*body).to_owned()),
        Mode::Signin { token } => {
            let line = request.head.lines().next().unwrap_or_default();
            if line.starts_with("GET ")
                && line.contains("Action=getSigninToken")
                && line.contains("&Session=")
            {
                (200, "application/json", format!("{{\"SigninToken\":\"{token}\"}}"))
            } else {
                (400, "text/plain", "not a getSigninToken request".to_owned())
            }
        }
        Mode::Hang => {
            while !shared.stop.load(Ordering::SeqCst) {
                std::thread::sleep(POLL);
            }
            return;
        }
    };
    let date = (time::OffsetDateTime::now_utc() + time::Duration::seconds(shared.skew))
        .format(time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ))
        .unwrap();
    let reply = format!(
        "HTTP/1.1 {status} {}\r\nDate: {date}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nx-amzn-RequestId: {REQUEST_ID}\r\nConnection: close\r\n\r\n{body}",
        reason(status),
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes());
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Write);
}

const REQUEST_ID: &str = "c6104cbe-af31-11e0-8154-cbc7ccf896c7";

/// The query protocol's error document.
fn error_xml(status: u16, code: &str, message: &str) -> String {
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{REQUEST_ID}</RequestId></ErrorResponse>"
    )
}

/// The answer of GetSessionToken, AssumeRole or GetFederationToken (from the form body's `Action`), with credentials
/// unique to request `n`, valid for the `DurationSeconds` asked (default 43200).
fn success_xml(body: &str, n: usize) -> Option<String> {
    let field = |name: &str| {
        body.split('&')
            .find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')).map(str::to_owned))
    };
    let action = field("Action")?;
    if action == "GetCallerIdentity" {
        return Some(format!(
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/jbrowne</Arn><UserId>AIDAFAULTFAULTFAULT</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>{REQUEST_ID}</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
        ));
    }
    if action == "ResyncMFADevice" {
        // IAM's answer: nothing but the request ID.
        return Some(format!(
            "<ResyncMFADeviceResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ResponseMetadata><RequestId>{REQUEST_ID}</RequestId></ResponseMetadata></ResyncMFADeviceResponse>"
        ));
    }
    let seconds: i64 = field("DurationSeconds").and_then(|d| d.parse().ok()).unwrap_or(43_200);
    let expiration = (time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds))
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let credentials = format!(
        "<Credentials><AccessKeyId>ASIAFAULT{n:011}</AccessKeyId><SecretAccessKey>faultsecret/{n:08}/abcdefghijklmnopqrstuvwx</SecretAccessKey><SessionToken>FAULTTOKEN{n:08}{}</SessionToken><Expiration>{expiration}</Expiration></Credentials>",
        "Z".repeat(600)
    );
    let (result, extra) = match action.as_str() {
        "GetSessionToken" => ("GetSessionToken", String::new()),
        "AssumeRole" => (
            "AssumeRole",
            "<AssumedRoleUser><AssumedRoleId>AROAFAULT:stsenv</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/Admin/stsenv</Arn></AssumedRoleUser>".to_owned(),
        ),
        "GetFederationToken" => (
            "GetFederationToken",
            "<FederatedUser><FederatedUserId>123456789012:jbrowne</FederatedUserId><Arn>arn:aws:sts::123456789012:federated-user/jbrowne</Arn></FederatedUser>".to_owned(),
        ),
        _ => return None,
    };
    Some(format!(
        "<{result}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{result}Result>{credentials}{extra}</{result}Result><ResponseMetadata><RequestId>{REQUEST_ID}</RequestId></ResponseMetadata></{result}Response>"
    ))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// The whole request: headers up to the blank line, then Content-Length bytes of body. None
/// when the client goes away first or the server stops.
pub(crate) fn read_request(stream: &mut TcpStream, stop: &AtomicBool) -> Option<Request> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let mut needed: Option<usize> = None;
    loop {
        if needed.is_none()
            && let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n")
        {
            let head = String::from_utf8_lossy(&data[..end]).into_owned();
            let length = head
                .lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            needed = Some(end + 4 + length);
        }
        if let Some(total) = needed
            && data.len() >= total
        {
            let end = data.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
            return Some(Request {
                head: String::from_utf8_lossy(&data[..end]).into_owned(),
                body: String::from_utf8_lossy(&data[end + 4..total]).into_owned(),
            });
        }
        if stop.load(Ordering::SeqCst) {
            return None;
        }
        match stream.read(&mut buf) {
            Ok(0) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) => {}
            Err(_) => return None,
        }
    }
}
