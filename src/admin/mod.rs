//! Changing an account: setting one up from its keys, rotating its keys.

pub(crate) mod account_setup;
pub(crate) mod rotate;
