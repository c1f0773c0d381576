//! The environment variables stsenv sets, and those that hold a secret: what a helper process
//! and the command of `exec --server` never inherit.

/// Every variable stsenv manages, in the order it emits them.
pub const VARIABLES: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "AWS_DELEGATION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_SESSION_EXPIRATION",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "STSENV_ACCOUNT",
    "STSENV_KIND",
    "STSENV_ROLE",
    "STSENV_EXPIRES",
    "STSENV_REGION",
    "STSENV_USER_REGION",
];

/// The variables of [`VARIABLES`] that hold or describe credentials (its first nine): what a
/// process stsenv starts for its own needs (a helper) and the command of `stsenv exec
/// --server` never inherit.
pub const CREDENTIAL_VARIABLES: &[&str] = VARIABLES.split_at(9).0;

/// The variables that hold a secret or belong to one besides the credential variables stsenv
/// emits ([`CREDENTIAL_VARIABLES`]): the container credential token and stsenv's own
/// MFA code variable.
const OTHER_SECRET_VARIABLES: &[&str] = &["AWS_CONTAINER_AUTHORIZATION_TOKEN", "STSENV_TOKEN_CODE"];

/// Every variable a helper process (a child started for stsenv's own needs) does not inherit.
pub fn secret_variables() -> impl Iterator<Item = &'static str> {
    CREDENTIAL_VARIABLES.iter().chain(OTHER_SECRET_VARIABLES).copied()
}
