//! What stsenv keeps: the credential cache and the shared credentials file.

pub mod cache;
mod clear;
pub mod entry;
pub(crate) mod shared_credentials;
pub mod sent_codes;
pub mod slot;
mod trust;
