//! Changing an account: setting one up from its keys, rotating its keys, removing it.

pub(crate) mod account_removal;
pub(crate) mod account_setup;
pub(crate) mod rotate;
