//! The process environment as a map, so logic never reads the real one directly and tests
//! can pass their own (a developer's `AWS_*` never leaks into a test).

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: HashMap<OsString, OsString>,
}

impl Env {
    /// A snapshot of this process's environment.
    pub fn from_process() -> Env {
        Env { vars: std::env::vars_os().collect() }
    }

    /// Only the named variables of this process's environment (for `now`, on every prompt).
    pub fn from_process_names(names: &[&str]) -> Env {
        Env { vars: names.iter().filter_map(|n| Some((OsString::from(n), std::env::var_os(n)?))).collect() }
    }

    /// An environment made of the given pairs (for tests).
    pub fn from_pairs<K: Into<OsString>, V: Into<OsString>>(pairs: impl IntoIterator<Item = (K, V)>) -> Env {
        Env { vars: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect() }
    }

    /// The raw value of a variable, if set (possibly empty).
    pub fn get_os(&self, name: &str) -> Option<&OsStr> {
        self.vars.get(OsStr::new(name)).map(OsString::as_os_str)
    }

    /// The value of a variable if it is set, non-empty and valid UTF-8.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.get_os(name).and_then(OsStr::to_str).filter(|v| !v.is_empty())
    }
}

/// The user's home directory from the environment passed in.
pub fn home(env: &Env) -> PathBuf {
    env.get("HOME")
        .map(PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().to_owned()))
        .unwrap_or_else(|| PathBuf::from("/"))
}
