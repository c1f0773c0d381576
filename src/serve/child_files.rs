//! What the command of `exec --server` sees of the user's AWS files. The SDKs' default chains
//! take a profile's credentials before the container endpoint, so the command would silently
//! run under other (possibly long-term) credentials: its shared credentials file is an empty one
//! (`/dev/null`, which botocore and the JavaScript SDK read as no profiles), and when the config
//! file's default profile has a credential source, its config file is a copy without it (the
//! region, the output and the other profiles kept), 0600 in a 0700 directory of its own in the
//! private directory `stsenv console` uses too (`$XDG_RUNTIME_DIR/stsenv` when
//! `$XDG_RUNTIME_DIR` is this user's, else the cache directory), removed when the command ends.

use std::path::PathBuf;
use std::process::Command;

use crate::base::env::Env;
use crate::base::error::{self, Result, io_reason};
use crate::config::aws_files;
use crate::sys::handoff;
use crate::sys::private_dir::PrivateDir;

/// The shared credentials file the command gets: empty.
pub const EMPTY_CREDENTIALS_FILE: &str = "/dev/null";

/// The files of the command's environment; the filtered config (if any) is removed when this is
/// dropped.
pub struct ChildFiles {
    config: Option<(PrivateDir, PathBuf)>,
}

impl ChildFiles {
    /// Read the user's config file and, when its default profile has a credential source, write
    /// the command's copy without it (saying so on stderr, once). Before any prompt: a copy that
    /// cannot be written is a usage error naming the profile, the keys and the fix. `cache_dir`
    /// is where the copy goes when `$XDG_RUNTIME_DIR` cannot hold it (`handoff::directory`).
    pub fn prepare(env: &Env, cache_dir: impl FnOnce() -> Result<PathBuf>) -> Result<ChildFiles> {
        let path = aws_files::config_path(env);
        // A file the user cannot read, the command cannot read either.
        let Ok(text) = std::fs::read(&path) else { return Ok(ChildFiles { config: None }) };
        let (filtered, removed) = aws_files::without_default_credentials(&text);
        if removed.is_empty() {
            return Ok(ChildFiles { config: None });
        }
        let keys = removed.join(", ");
        let shown = path.display();
        let refuse = |why: String| {
            error::usage(format!(
                "the default profile of {shown} has {keys}, which the command's SDK would use instead of the server, and stsenv cannot write the command a copy without it: {why}; fix that, move {keys} to a named profile, or set XDG_RUNTIME_DIR to a private directory of yours"
            ))
        };
        let base = handoff::directory(env, cache_dir()?);
        handoff::private_dir(&base).map_err(refuse)?;
        let cannot =
            |e: std::io::Error| refuse(format!("cannot write in {}: {}", base.display(), io_reason(&e)));
        let mut dir = PrivateDir::create_in(&base, "exec").map_err(cannot)?;
        let copy = dir.write("config", &filtered).map_err(cannot)?;
        error::say(format!(
            "The command's AWS config is a copy of {shown} without {keys} in its default profile, so that its SDK uses the server (removed when the command ends)"
        ));
        Ok(ChildFiles { config: Some((dir, copy)) })
    }

    /// Point the command at the empty credentials file and at the copy of the config, if any.
    pub fn apply(&self, command: &mut Command) {
        command.env("AWS_SHARED_CREDENTIALS_FILE", EMPTY_CREDENTIALS_FILE);
        if let Some((_, copy)) = &self.config {
            command.env("AWS_CONFIG_FILE", copy);
        }
    }
}
