//! The local credential server of `exec --server`, and what its command sees of the AWS files.

pub(crate) mod child_files;
pub(crate) mod credential_server;
