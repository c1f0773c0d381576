//! Where the accounts file is: `--config`, `$STSENV_CONFIG`, the config directory, the old default.

use std::path::{Path, PathBuf};

use super::Accounts;
use crate::base::env::Env;
use crate::base::error::{self, Result};

/// The old tool's default accounts file.
pub const LEGACY_PATH: &str = "/etc/default/aws-sts-helpers/accounts.json";

impl Accounts {
    /// Find the accounts file: `--config`, `$STSENV_CONFIG`, `<config dir>/stsenv/accounts.json`,
    /// then the old tool's default. An explicitly named file must exist.
    pub fn locate(flag: Option<&Path>, env: &Env) -> Result<Option<PathBuf>> {
        if let Some(path) = flag {
            return must_exist(path, "--config");
        }
        if let Some(path) = env.stsenv_config() {
            return must_exist(Path::new(path), "$STSENV_CONFIG");
        }
        let candidates = config_dir(env)
            .map(|dir| dir.join("stsenv").join("accounts.json"))
            .into_iter()
            .chain(std::iter::once(PathBuf::from(LEGACY_PATH)));
        for path in candidates {
            if path.is_file() {
                return Ok(Some(path));
            }
        }
        Ok(None)
    }

    /// Where a new accounts file goes: `$STSENV_CONFIG`, else `<config dir>/stsenv/accounts.json`.
    pub fn default_path(env: &Env) -> Option<PathBuf> {
        if let Some(path) = env.stsenv_config() {
            return Some(PathBuf::from(path));
        }
        config_dir(env).map(|dir| dir.join("stsenv").join("accounts.json"))
    }
}

fn must_exist(path: &Path, source: &str) -> Result<Option<PathBuf>> {
    if path.is_file() {
        Ok(Some(path.to_owned()))
    } else if path.is_dir() {
        Err(error::usage(format!(
            "the accounts file {} (from {source}) is a directory; point {source} at the JSON file",
            path.display()
        )))
    } else {
        Err(error::usage(format!(
            "the accounts file {} (from {source}) does not exist; create it or point {source} at it",
            path.display()
        )))
    }
}

/// `$XDG_CONFIG_HOME` when set (as the XDG spec says, also on macOS), else the platform's.
fn config_dir(env: &Env) -> Option<PathBuf> {
    if let Some(dir) = env.xdg_config_home().filter(|d| Path::new(d).is_absolute()) {
        return Some(PathBuf::from(dir));
    }
    directories::BaseDirs::new().map(|b| b.config_dir().to_owned())
}
