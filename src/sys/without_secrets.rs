//! Processes stsenv starts for its own needs (`mfa_process`, `key_process`) get none of the
//! secrets a shell may hold: every credential variable stsenv knows is removed from their
//! environment. The rest stays, since a password manager needs `HOME`, `PATH` and its own agent
//! variables. (`stsenv exec` is different: its command is given credentials on purpose.)

use std::ffi::OsStr;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// A `Command` for `program` with every variable of [`crate::base::variables::secret_variables`] removed from the
/// environment it inherits.
pub fn command(program: impl AsRef<OsStr>) -> Command {
    let mut command = Command::new(program);
    for name in crate::base::variables::secret_variables() {
        command.env_remove(name);
    }
    // With no signal blocked: `exec --server` blocks some in every thread (crate::sys::supervise),
    // and a child inherits the mask, so Ctrl-C would not stop an mfa_process it runs.
    // SAFETY: the closure runs between fork and exec and makes only async-signal-safe calls.
    unsafe {
        command.pre_exec(crate::sys::supervise::unblock_all);
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_credential_variable_is_removed() {
        let command = command("true");
        let removed: Vec<&OsStr> =
            command.get_envs().filter(|(_, value)| value.is_none()).map(|(name, _)| name).collect();
        for name in crate::base::variables::secret_variables() {
            assert!(removed.contains(&OsStr::new(name)), "{name} is not removed");
        }
        // The old EC2 tools' names and the container token too.
        for name in [
            "AWS_SECRET_KEY",
            "AWS_DELEGATION_TOKEN",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN",
            "STSENV_TOKEN_CODE",
        ] {
            assert!(removed.contains(&OsStr::new(name)), "{name} is not removed");
        }
    }
}
