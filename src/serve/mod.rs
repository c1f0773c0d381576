//! The local credential server of `exec --server`.

pub mod credential_server;
