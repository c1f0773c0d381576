//! What stsenv keeps: the credential cache and the shared credentials file.

pub mod cache;
mod clear;
pub mod entry;
pub mod sent_codes;
pub(crate) mod shared_credentials;
pub mod slot;
mod trust;
