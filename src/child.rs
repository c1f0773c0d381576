//! Processes stsenv starts for its own needs (`mfa_process`, `key_process`) get none of the
//! secrets a shell may hold: every credential variable stsenv knows is removed from their
//! environment. The rest stays, since a password manager needs `HOME`, `PATH` and its own agent
//! variables. (`stsenv exec` is different: its command is given credentials on purpose.)

use std::ffi::OsStr;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// The variables that hold a secret or belong to one: the AWS credential variables, the old EC2
/// tools' names, the container credential token, and stsenv's own MFA code variable.
pub const SECRET_VARIABLES: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "AWS_DELEGATION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "STSENV_TOKEN_CODE",
];

/// A `Command` for `program` with every variable of [`SECRET_VARIABLES`] removed from the
/// environment it inherits.
pub fn command(program: impl AsRef<OsStr>) -> Command {
    let mut command = Command::new(program);
    for name in SECRET_VARIABLES {
        command.env_remove(name);
    }
    // With no signal blocked: `exec --server` blocks some in every thread (crate::supervise),
    // and a child inherits the mask, so Ctrl-C would not stop an mfa_process it runs.
    // SAFETY: the closure runs between fork and exec and makes only async-signal-safe calls.
    unsafe {
        command.pre_exec(crate::supervise::unblock_all);
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
        for name in SECRET_VARIABLES {
            assert!(removed.contains(&OsStr::new(name)), "{name} is not removed");
        }
        // Every credential variable the emitted code sets is in the list.
        for name in crate::emit::VARIABLES.iter().filter(|n| n.starts_with("AWS_") && !n.ends_with("REGION"))
        {
            assert!(SECRET_VARIABLES.contains(name), "{name} is emitted but not removed from children");
        }
    }
}
