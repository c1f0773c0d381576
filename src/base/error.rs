//! The error type: a one-line message and the exit code it maps to.

use std::fmt;

/// What kind of failure, which decides the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Bad usage or configuration: exit 2.
    Usage,
    /// AWS or the network said no: exit 1.
    Aws,
}

/// A failure with the message shown to the user (never holding a secret).
#[derive(Debug)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    /// AWS's error code, when AWS refused (`EntityAlreadyExists`), for callers that react to it.
    pub code: Option<String>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            Kind::Usage => 2,
            Kind::Aws => 1,
        }
    }
}

/// The message as a person sees it: one line, with any control character that came from a file
/// or the environment escaped (`names::shown`).
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::base::names::shown(&self.message))
    }
}

impl std::error::Error for Error {}

/// A usage or configuration error (exit 2).
pub fn usage(message: impl Into<String>) -> Error {
    Error { kind: Kind::Usage, message: message.into(), code: None }
}

/// An error from AWS or the network (exit 1).
pub fn aws(message: impl Into<String>) -> Error {
    Error { kind: Kind::Aws, message: message.into(), code: None }
}

/// Print a warning on stderr.
pub fn warn(message: impl fmt::Display) {
    // One write, so the line reaches a log or a terminal whole; a name in it shown escaped.
    let line = format!("stsenv: warning: {}\n", crate::base::names::shown(&message.to_string()));
    let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
}

/// Print a human message on stderr (stdout carries only shell code or JSON).
pub fn say(message: impl fmt::Display) {
    eprintln!("{message}");
}

/// The reason of an I/O error in words a user acts on ("it does not exist").
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "it does not exist".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => e.to_string(),
    }
}
