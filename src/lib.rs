//! stsenv: switch AWS accounts and escalate to MFA sessions in bash, zsh and fish.

pub mod accounts;
pub mod accounts_edit;
pub mod atomic;
pub mod aws;
pub mod cache;
pub mod cli;
pub mod cmd;
pub mod credentials;
pub mod discover;
pub mod emit;
pub mod env;
pub mod error;
pub mod escalate;
pub mod iam;
pub mod keys;
pub mod mfa_code;
pub mod names;
pub mod partition;
pub mod profile;
pub mod quote;
pub mod role_params;
pub mod rotate;
pub mod shell;
pub mod signin;
pub mod sts;
pub mod totp;
