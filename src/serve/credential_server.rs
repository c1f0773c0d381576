//! The local credential server of `stsenv exec --server`: an HTTP endpoint on a random loopback
//! port that answers the container-credentials protocol the AWS SDKs and the AWS CLI speak
//! (`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`), so a
//! long-running child gets credentials that renew themselves instead of variables that die
//! with the session.
//!
//! - A request must carry the exact token (at least 128 random bits from the OS, compared in
//!   constant time) in its one `Authorization` header: none is 401, a wrong one 403, and neither
//!   says anything about credentials.
//! - Credentials are held in memory and renewed, through the escalation the caller gives, when
//!   they have less than the window left; renewals are one at a time, so concurrent requests
//!   make one STS call (and at most one prompt).
//! - Another user of the machine, who can connect but has no token, cannot starve the child:
//!   at most [`MAX_CONNECTIONS`] are served at once and, at that cap, the oldest connection that
//!   has not shown the token is closed for a new one; headers must come within 1.5 s; the
//!   descriptor limit is raised to the hard one while the child keeps its own.
//! - The server binds 127.0.0.1 only and lives as long as the stsenv process (which exits with
//!   the child).

use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::base::credentials::Secret;
use crate::base::error::{self, Result};
use crate::base::times::rfc3339;
use crate::store::cache::MARGIN;
use crate::store::entry::Entry;

/// Credentials with less than this left are renewed (the SDKs refresh container credentials
/// inside their own window: botocore 15 and 10 minutes before expiry, the JavaScript SDK 5).
pub const WINDOW: Duration = Duration::minutes(15);

/// The path credentials are served at.
pub const PATH: &str = "/credentials";

/// How many random bytes the token has (256 bits).
const TOKEN_BYTES: usize = 32;

/// Credentials held in memory and renewed when they come inside the window.
///
/// `fetch(now, window)` must return credentials with more than `window` left at `now` when
/// STS can give them (from the cache, by chaining, or with an MFA code); a session shorter than
/// the window is then used until the cache's margin before its expiry, not renewed on every
/// request.
pub struct Renewer<F> {
    fetch: F,
    window: Duration,
    held: Mutex<Option<Held>>,
}

struct Held {
    entry: Entry,
    /// Served until this time, then renewed.
    until: OffsetDateTime,
}

impl<F> Renewer<F>
where
    F: Fn(OffsetDateTime, Duration) -> Result<Entry>,
{
    pub fn new(fetch: F, window: Duration) -> Renewer<F> {
        Renewer { fetch, window, held: Mutex::new(None) }
    }

    /// Start with credentials got at `now` (by the first escalation, before the child starts).
    pub fn hold(&self, entry: Entry, now: OffsetDateTime) {
        let until = self.until(&entry, now);
        *self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Held { entry, until });
    }

    /// When credentials got at `now` are to be renewed: at the window before their expiry, or,
    /// for a session shorter than the window, at the cache's margin.
    fn until(&self, entry: &Entry, now: OffsetDateTime) -> OffsetDateTime {
        if entry.expiration - now > self.window {
            entry.expiration - self.window
        } else {
            entry.expiration - MARGIN
        }
    }

    /// Credentials valid for more than the window at `now` (or the freshest STS gives), renewed
    /// first when the held ones are not. One renewal at a time: a caller that waited for another
    /// one's renewal uses its result.
    pub fn credentials(&self, now: OffsetDateTime) -> Result<Entry> {
        let mut held = self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(h) = held.as_ref()
            && now < h.until
        {
            return Ok(h.entry.clone());
        }
        let entry = (self.fetch)(now, self.window)?;
        let until = self.until(&entry, now);
        *held = Some(Held { entry: entry.clone(), until });
        Ok(entry)
    }
}

/// A bound server, not yet serving.
pub struct Server {
    listener: TcpListener,
    token: String,
}

impl Server {
    /// Bind a random free port on 127.0.0.1 and make a new token.
    pub fn bind() -> Result<Server> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| error::usage(format!("cannot start the credential server on 127.0.0.1: {e}")))?;
        let token = new_token()
            .map_err(|e| error::usage(format!("cannot get random bytes for the server's token: {e}")))?;
        Ok(Server { listener, token })
    }

    /// `http://127.0.0.1:PORT/credentials`, for `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub fn url(&self) -> Result<String> {
        let addr = self.addr()?;
        Ok(format!("http://{addr}{PATH}"))
    }

    fn addr(&self) -> Result<SocketAddr> {
        self.listener
            .local_addr()
            .map_err(|e| error::usage(format!("cannot read the credential server's address: {e}")))
    }

    /// The token, for `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Serve on a thread of its own (with its own runtime) until the process exits. Renewals
    /// run on the runtime's blocking threads, so a prompt or an STS call never stalls the
    /// answers to other requests.
    pub fn spawn<F>(self, renewer: Renewer<F>) -> Result<()>
    where
        F: Fn(OffsetDateTime, Duration) -> Result<Entry> + Send + Sync + 'static,
    {
        self.listener
            .set_nonblocking(true)
            .map_err(|e| error::usage(format!("cannot start the credential server: {e}")))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| error::usage(format!("cannot start the credential server's runtime: {e}")))?;
        let state = Arc::new(State { token: self.token, renewer });
        let listener = self.listener;
        std::thread::Builder::new()
            .name("stsenv-server".to_owned())
            .spawn(move || runtime.block_on(serve(listener, state)))
            .map_err(|e| error::usage(format!("cannot start the credential server's thread: {e}")))?;
        Ok(())
    }
}

struct State<F> {
    token: String,
    renewer: Renewer<F>,
}

async fn serve<F>(listener: TcpListener, state: Arc<State<F>>)
where
    F: Fn(OffsetDateTime, Duration) -> Result<Entry> + Send + Sync + 'static,
{
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(e) => {
            error::warn(format_args!("the credential server cannot listen: {e}"));
            return;
        }
    };
    let connections = Arc::new(Connections::default());
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of descriptors, say: try again shortly rather than spin.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        // At the cap, the oldest connection that has not shown the token makes room; if every
        // one has, the new one is closed.
        if !connections.make_room() {
            continue;
        }
        let trusted = Arc::new(AtomicBool::new(false));
        let id = connections.next_id();
        let state = Arc::clone(&state);
        let flag = Arc::clone(&trusted);
        let done = Arc::clone(&connections);
        let task = tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let state = Arc::clone(&state);
                let flag = Arc::clone(&flag);
                async move { Ok::<_, Infallible>(answer(&request, state, &flag).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
            done.remove(id);
        });
        connections.add(id, task.abort_handle(), trusted);
    }
}

/// The most connections served at once: far more than a child opens, and far fewer than the
/// descriptors the server may hold (see [`raise_descriptor_limit`]).
const MAX_CONNECTIONS: usize = 512;

/// How long a connection may take to send a request's headers, or stay idle between requests.
/// The SDKs send theirs at once; a connection that sends nothing is closed soon.
const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(1500);

/// The open connections, oldest first, each with whether it has sent the token.
#[derive(Default)]
struct Connections {
    open: Mutex<std::collections::VecDeque<(u64, tokio::task::AbortHandle, Arc<AtomicBool>)>>,
    ids: std::sync::atomic::AtomicU64,
}

impl Connections {
    fn next_id(&self) -> u64 {
        self.ids.fetch_add(1, Ordering::Relaxed)
    }

    fn add(&self, id: u64, handle: tokio::task::AbortHandle, trusted: Arc<AtomicBool>) {
        self.lock().push_back((id, handle, trusted));
    }

    fn remove(&self, id: u64) {
        self.lock().retain(|(open, _, _)| *open != id);
    }

    /// Room for one more: true when there is, after closing the oldest connection without the
    /// token if the server is at its cap.
    fn make_room(&self) -> bool {
        let mut open = self.lock();
        if open.len() < MAX_CONNECTIONS {
            return true;
        }
        match open.iter().position(|(_, _, trusted)| !trusted.load(Ordering::Relaxed)) {
            Some(at) => {
                if let Some((_, handle, _)) = open.remove(at) {
                    handle.abort();
                }
                true
            }
            None => false,
        }
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::VecDeque<(u64, tokio::task::AbortHandle, Arc<AtomicBool>)>>
    {
        self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The descriptor soft limit raised to the hard one, so that connections another user opens
/// cannot take the descriptors the server and stsenv need; returns the limit as it was, which
/// the child gets back ([`restore_descriptor_limit`]).
pub fn raise_descriptor_limit() -> Option<libc::rlimit> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit on this process, with a valid struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
        (libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0).then_some(limit)
    }
}

/// Give a child the descriptor limit stsenv started with (a program may use select(), which
/// breaks above 1024).
pub fn restore_descriptor_limit(command: &mut std::process::Command, limit: libc::rlimit) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe.
    unsafe {
        command.pre_exec(move || {
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
            Ok(())
        });
    }
}

async fn answer<B, F>(
    request: &Request<B>,
    state: Arc<State<F>>,
    trusted: &AtomicBool,
) -> Response<Full<Bytes>>
where
    F: Fn(OffsetDateTime, Duration) -> Result<Entry> + Send + Sync + 'static,
{
    let mut given = request.headers().get_all(AUTHORIZATION).iter();
    match (given.next(), given.next()) {
        (None, _) => return plain(StatusCode::UNAUTHORIZED, "no Authorization header"),
        (Some(token), None) if same(token.as_bytes(), state.token.as_bytes()) => {
            trusted.store(true, Ordering::Relaxed);
        }
        _ => return plain(StatusCode::FORBIDDEN, "wrong token"),
    }
    if request.uri().path() != PATH {
        return plain(StatusCode::NOT_FOUND, "not found");
    }
    if request.method() != Method::GET {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "only GET");
    }
    let renewed =
        tokio::task::spawn_blocking(move || state.renewer.credentials(OffsetDateTime::now_utc())).await;
    match renewed {
        Ok(Ok(entry)) => respond(StatusCode::OK, credentials_json(&entry)),
        Ok(Err(e)) => {
            eprintln!("stsenv: the credential server could not renew the credentials: {e}");
            let body = json!({"Code": "CredentialsUnavailable", "Message": e.message});
            respond(StatusCode::INTERNAL_SERVER_ERROR, body.to_string())
        }
        Err(_) => plain(StatusCode::INTERNAL_SERVER_ERROR, "the renewal failed"),
    }
}

/// The container-credentials JSON.
pub fn credentials_json(entry: &Entry) -> String {
    let c = &entry.credentials;
    json!({
        "AccessKeyId": c.access_key_id.text(),
        "SecretAccessKey": c.secret_access_key.text(),
        "Token": c.session_token.as_ref().map(Secret::text),
        "Expiration": rfc3339(entry.expiration),
    })
    .to_string()
}

fn plain(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    let body = json!({"Code": status.as_u16().to_string(), "Message": message});
    respond(status, body.to_string())
}

fn respond(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Whether two byte strings are equal, in a time that depends on their lengths only.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// A new token: `TOKEN_BYTES` random bytes from the OS, in hex.
fn new_token() -> io::Result<String> {
    let mut bytes = [0u8; TOKEN_BYTES];
    os_random(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Fill `buf` from the kernel's random number generator.
#[cfg(target_os = "linux")]
fn os_random(buf: &mut [u8]) -> io::Result<()> {
    let mut filled = 0;
    while filled < buf.len() {
        let rest = &mut buf[filled..];
        // SAFETY: the pointer and length describe the unfilled part of `buf`.
        let n = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        filled += n as usize;
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn os_random(buf: &mut [u8]) -> io::Result<()> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")?.read_exact(buf)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use time::macros::datetime;

    use super::*;
    use crate::base::credentials::Credentials;
    use crate::store::slot::Slot;

    fn entry(id: &str, expiration: OffsetDateTime) -> Entry {
        let credentials = Credentials {
            access_key_id: Secret::new(id),
            secret_access_key: Secret::new("secret"),
            session_token: Some(Secret::new("token")),
            expiration: Some(expiration),
        };
        Entry::new("personal", &Slot::Mfa, credentials).unwrap()
    }

    const START: OffsetDateTime = datetime!(2026-01-01 12:00 UTC);

    /// Held credentials are served until the window, then renewed once; a session shorter
    /// than the window is kept until the cache's margin, not fetched on every request.
    #[test]
    fn renews_inside_the_window_only() {
        let calls = Cell::new(0);
        let renewer = Renewer::new(
            |now: OffsetDateTime, window: Duration| {
                assert_eq!(window, WINDOW);
                calls.set(calls.get() + 1);
                // A 12-hour session, except the third call gets a 10-minute one.
                let left = if calls.get() == 3 { Duration::minutes(10) } else { Duration::hours(12) };
                Ok(entry(&format!("ASIA{}", calls.get()), now + left))
            },
            WINDOW,
        );
        let id = |e: Entry| e.credentials.access_key_id.as_str().unwrap().to_owned();
        assert_eq!(id(renewer.credentials(START).unwrap()), "ASIA1");
        let almost = START + Duration::hours(12) - WINDOW - Duration::seconds(1);
        assert_eq!(id(renewer.credentials(almost).unwrap()), "ASIA1");
        assert_eq!(calls.get(), 1);
        let inside = START + Duration::hours(12) - WINDOW;
        assert_eq!(id(renewer.credentials(inside).unwrap()), "ASIA2");
        assert_eq!(calls.get(), 2);
        // A short session: kept until 5 minutes before its end.
        let later = inside + Duration::hours(12) - WINDOW;
        assert_eq!(id(renewer.credentials(later).unwrap()), "ASIA3");
        let before_margin = later + Duration::minutes(10) - MARGIN - Duration::seconds(1);
        assert_eq!(id(renewer.credentials(before_margin).unwrap()), "ASIA3");
        assert_eq!(calls.get(), 3);
        assert_eq!(id(renewer.credentials(before_margin + Duration::seconds(1)).unwrap()), "ASIA4");
    }

    /// A failed renewal is an error for that request, and the next request tries again.
    #[test]
    fn a_failed_renewal_is_tried_again() {
        let calls = Cell::new(0);
        let renewer = Renewer::new(
            |now: OffsetDateTime, _| {
                calls.set(calls.get() + 1);
                if calls.get() == 1 { Err(error::usage("no terminal")) } else { Ok(entry("ASIA", now)) }
            },
            WINDOW,
        );
        assert_eq!(renewer.credentials(START).unwrap_err().message, "no terminal");
        assert!(renewer.credentials(START).is_ok());
        assert_eq!(calls.get(), 2);
    }

    #[test]
    fn tokens_are_long_random_and_compared_exactly() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 2 * TOKEN_BYTES);
        assert_ne!(a, b);
        assert!(same(a.as_bytes(), a.clone().as_bytes()));
        assert!(!same(a.as_bytes(), b.as_bytes()));
        assert!(!same(a.as_bytes(), &a.as_bytes()[1..]));
        assert!(!same(b"", a.as_bytes()));
    }

    #[test]
    fn the_json_has_the_four_fields_sdks_require() {
        let json: serde_json::Value =
            serde_json::from_str(&credentials_json(&entry("ASIAX", datetime!(2026-01-01 12:00:00.5 UTC))))
                .unwrap();
        assert_eq!(
            json,
            json!({"AccessKeyId": "ASIAX", "SecretAccessKey": "secret", "Token": "token",
                   "Expiration": "2026-01-01T12:00:00Z"})
        );
    }
}
