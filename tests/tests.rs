//! Integration tests: the built binary in a temporary home, and real bash, zsh and fish.

mod util;

mod accounts_cli;
mod cache;
mod completions;
mod errors;
mod iam;
mod init;
mod now;
mod policy;
mod profile;
mod scenarios;
mod sources;
mod sts;
