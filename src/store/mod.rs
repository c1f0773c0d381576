//! What stsenv keeps: the credential cache, the shared credentials file, and its block of the AWS config file.

pub mod aws_config;
pub mod cache;
mod clear;
pub mod entry;
pub mod sent_codes;
pub(crate) mod shared_credentials;
pub mod slot;
mod trust;
