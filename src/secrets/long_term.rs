//! The long-term keys of an account, wherever they come from.

use crate::base::credentials::Credentials;
use crate::base::env::Env;
use crate::base::error::Result;
use crate::config::accounts::Account;
use crate::config::key_dir::KeyDir;

/// The long-term keys of an account: from its `key_process` when the accounts file names one,
/// else from its key files. Every command that signs with the long-term keys gets them here.
/// `to_terminal`: the process's messages go to the terminal (stsenv's stderr is captured).
pub fn keys(
    dir: &KeyDir,
    account: Option<&Account>,
    name: &str,
    env: &Env,
    to_terminal: bool,
) -> Result<Credentials> {
    match account.and_then(|a| a.key_process.as_deref()) {
        Some(argv) => crate::secrets::key_process::run(argv, env, to_terminal),
        None => dir.keys(name),
    }
}
