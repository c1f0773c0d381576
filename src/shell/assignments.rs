//! What the emitted code sets: the variables of a switch or escalation, in a fixed order, with
//! those that do not apply unset. All values go through `quote`.

use crate::base::credentials::{Credentials, Kind};
use crate::base::env::Env;
use crate::base::error::{Result, usage};
use crate::base::times::rfc3339;
use crate::base::variables::VARIABLES;
use crate::config::region::{region, stsenv_region_in_place, user_region};
use crate::shell::Shell;
use crate::shell::quote;

/// Credentials to put in the shell.
pub struct Switch<'a> {
    /// The account's name as the user keeps it.
    pub account: &'a str,
    pub kind: Kind,
    /// The role's name, for `Kind::Role`.
    pub role: Option<&'a str>,
    pub credentials: &'a Credentials,
    /// The account's own region from the accounts file.
    pub region: Option<&'a str>,
}

/// One variable's new value: `None` unsets it.
pub type Assignment = (&'static str, Option<Vec<u8>>);

/// The shell code that sets every variable of a switch and unsets those that do not apply.
pub fn switch(shell: Shell, sw: &Switch, env: &Env) -> Result<String> {
    render(shell, &assignments(sw, env))
}

/// Every variable of a switch, in `VARIABLES` order: its value, or `None` for one that does
/// not apply and must be unset. The shell code and `stsenv exec`'s child environment both
/// come from this.
pub fn assignments(sw: &Switch, env: &Env) -> Vec<Assignment> {
    let c = sw.credentials;
    let token = c.session_token.as_ref().map(|t| t.expose().to_vec());
    let expiration = c.expiration.map(|t| rfc3339(t).into_bytes());
    let expires = c.expiration.map(|t| t.unix_timestamp().to_string().into_bytes());
    let user_region = user_region(env);
    let region = region(sw.region, env);
    let text = |s: &str| Some(s.as_bytes().to_vec());
    vec![
        ("AWS_ACCESS_KEY_ID", Some(c.access_key_id.expose().to_vec())),
        ("AWS_SECRET_ACCESS_KEY", Some(c.secret_access_key.expose().to_vec())),
        ("AWS_SESSION_TOKEN", token.clone()),
        ("AWS_SECURITY_TOKEN", token.clone()),
        ("AWS_ACCESS_KEY", Some(c.access_key_id.expose().to_vec())),
        ("AWS_SECRET_KEY", Some(c.secret_access_key.expose().to_vec())),
        ("AWS_DELEGATION_TOKEN", token),
        ("AWS_CREDENTIAL_EXPIRATION", expiration.clone()),
        // The same time under the name prompt themes and older tools read.
        ("AWS_SESSION_EXPIRATION", expiration),
        ("AWS_REGION", text(&region)),
        ("AWS_DEFAULT_REGION", text(&region)),
        ("STSENV_ACCOUNT", text(sw.account)),
        ("STSENV_KIND", text(sw.kind.as_str())),
        ("STSENV_ROLE", sw.role.and_then(text)),
        ("STSENV_EXPIRES", expires),
        ("STSENV_REGION", text(&region)),
        ("STSENV_USER_REGION", user_region.as_deref().and_then(text)),
    ]
}

/// The shell code that removes every variable stsenv set, giving back the user's own region.
pub fn unset(shell: Shell, env: &Env) -> Result<String> {
    let ours_in_place = stsenv_region_in_place(env);
    let assignments: Vec<Assignment> = VARIABLES
        .iter()
        .filter_map(|&name| match name {
            "AWS_REGION" | "AWS_DEFAULT_REGION" if !ours_in_place => None,
            "AWS_REGION" | "AWS_DEFAULT_REGION" => {
                Some((name, env.stsenv_user_region().map(|r| r.as_bytes().to_vec())))
            }
            _ => Some((name, None)),
        })
        .collect();
    render(shell, &assignments)
}

/// The code for `shell`; for nushell, whose `$env` holds only UTF-8 strings, a value that is not
/// valid UTF-8 (only a key file can hold one) is an error, before anything is printed.
fn render(shell: Shell, assignments: &[Assignment]) -> Result<String> {
    debug_assert!(
        assignments
            .iter()
            .map(|a| a.0)
            .eq(VARIABLES.iter().copied().filter(|v| assignments.iter().any(|a| a.0 == *v)))
    );
    if shell == Shell::Nu
        && let Some((name, _)) =
            assignments.iter().find(|(_, v)| v.as_deref().is_some_and(|v| !quote::nu_holds(v)))
    {
        return Err(usage(format!(
            "the value for {name} is not valid UTF-8, which nushell's $env cannot hold: AWS keys are plain \
             ASCII, so check the key files (stsenv doctor), or use bash, zsh or fish"
        )));
    }
    let statements: Vec<(&str, Option<&[u8]>)> =
        assignments.iter().map(|(name, value)| (*name, value.as_deref())).collect();
    Ok(quote::statements(shell, &statements))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::credentials::Secret;

    #[test]
    fn the_credential_variables_are_those_that_hold_the_credentials() {
        let credentials = Credentials {
            access_key_id: Secret::new("ASIAKEYID"),
            secret_access_key: Secret::new("secretkey"),
            session_token: Some(Secret::new("sessiontoken")),
            expiration: Some(time::macros::datetime!(2030-01-02 03:04:05 UTC)),
        };
        let sw =
            Switch { account: "work", kind: Kind::Mfa, role: None, credentials: &credentials, region: None };
        let from_credentials: Vec<&str> = assignments(&sw, &Env::from_pairs::<&str, &str>([]))
            .into_iter()
            .filter(|(_, value)| {
                let value = String::from_utf8(value.clone().unwrap_or_default()).unwrap();
                ["ASIAKEYID", "secretkey", "sessiontoken", "2030-01-02T03:04:05Z"].contains(&value.as_str())
            })
            .map(|(name, _)| name)
            .collect();
        assert_eq!(from_credentials, crate::base::variables::CREDENTIAL_VARIABLES);
    }
}
