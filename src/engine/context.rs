//! What every command may read: the environment, the global flags and the time the command
//! started; and where the key directory, the accounts file and the cache are.

use std::path::PathBuf;

use time::OffsetDateTime;

use crate::base::env::Env;
use crate::base::error::Result;
use crate::config::accounts::Accounts;
use crate::config::key_dir::KeyDir;
use crate::store::cache::Cache;

#[derive(Clone)]
pub struct Context {
    pub env: Env,
    /// `--config`: the accounts file, over `$STSENV_CONFIG` and the usual places.
    pub accounts_flag: Option<PathBuf>,
    /// `--creds-dir`: the key directory, over `$STSENV_CREDS_DIR` and `~/aws-creds`.
    pub key_dir_flag: Option<PathBuf>,
    /// When the command started (messages, listings). The escalation engine takes the time
    /// with each request instead, for processes that run long.
    pub now: OffsetDateTime,
}

impl Context {
    pub fn key_dir(&self) -> KeyDir {
        KeyDir::locate(self.key_dir_flag.as_deref(), &self.env)
    }

    pub fn accounts(&self) -> Result<Accounts> {
        Accounts::load(self.accounts_flag.as_deref(), &self.env)
    }

    pub fn cache(&self) -> Result<Cache> {
        Cache::locate(&self.env)
    }

    /// The home directory, and where a flag's relative `@FILE` is read from: the current
    /// directory (the home when it cannot be read).
    pub fn home_and_cwd(&self) -> (PathBuf, PathBuf) {
        let home = crate::base::env::home(&self.env);
        let cwd = std::env::current_dir().unwrap_or_else(|_| home.clone());
        (home, cwd)
    }
}
