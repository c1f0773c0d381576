//! stsenv: switch AWS accounts and escalate to MFA sessions in bash, zsh, fish and nushell.
//!
//! The folders are layers, each importing only those listed above it (CONTRIBUTING.md).

pub mod admin;
pub mod aws;
pub mod base;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod engine;
pub mod secrets;
pub mod serve;
pub mod shell;
pub mod store;
pub mod sys;
