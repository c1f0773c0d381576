//! Changing an account: setting one up from its keys, rotating its keys.

pub mod account_setup;
pub mod rotate;
