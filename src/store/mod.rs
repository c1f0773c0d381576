//! What stsenv keeps: the credential cache and the shared credentials file.

pub mod cache;
pub mod shared_credentials;
