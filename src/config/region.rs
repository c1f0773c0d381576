//! Region rules: the account's region, else the user's own, else the default.

use crate::base::env::Env;

/// The default region when neither the account nor the user sets one.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The region for an account: its own, else the user's own, else `us-east-1`.
pub fn region(account_region: Option<&str>, env: &Env) -> String {
    account_region
        .map(str::to_owned)
        .or_else(|| user_region(env))
        .unwrap_or_else(|| DEFAULT_REGION.to_owned())
}

/// Whether the region in the shell is still the one stsenv set.
pub fn stsenv_region_in_place(env: &Env) -> bool {
    let current = env.aws_region().or_else(|| env.aws_default_region());
    current.is_some() && current == env.stsenv_region()
}

/// The user's own region: the one in the shell, unless stsenv set it, then the one stsenv
/// remembered from before.
pub fn user_region(env: &Env) -> Option<String> {
    if stsenv_region_in_place(env) {
        env.stsenv_user_region().map(str::to_owned)
    } else {
        env.aws_region().or_else(|| env.aws_default_region()).map(str::to_owned)
    }
}
