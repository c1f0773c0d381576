//! Integration tests: the built binary in a temporary home, and real bash, zsh and fish.

mod util;

mod accounts_cli;
mod bad_inputs;
mod cache;
mod completions;
mod console;
mod crash;
mod credential_process;
mod errors;
mod first_hour;
mod hygiene;
mod iam;
mod init;
mod man;
mod now;
mod onboard;
mod permissions;
mod policy;
mod profile;
mod prompt;
mod roles;
mod scenarios;
mod sdk_js;
mod server;
mod sources;
mod sts;
mod tls;
mod trust;
