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
    pub config: Option<PathBuf>,
    pub creds_dir: Option<PathBuf>,
    /// When the command started (messages, listings). The escalation engine takes the time
    /// with each request instead, for processes that run long.
    pub now: OffsetDateTime,
}

impl Context {
    pub fn key_dir(&self) -> KeyDir {
        KeyDir::locate(self.creds_dir.as_deref(), &self.env)
    }

    pub fn accounts(&self) -> Result<Accounts> {
        Accounts::load(self.config.as_deref(), &self.env)
    }

    pub fn cache(&self) -> Result<Cache> {
        Cache::locate(&self.env)
    }
}
