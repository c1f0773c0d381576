//! The local credential server of `exec --server`.

pub(crate) mod credential_server;
