//! Integration tests: the built binary in a temporary home, and real bash, zsh, fish and
//! nushell. The folders follow src/'s layers; cross/ holds the suites that cut across them.

// Helpers only (no tests): homes, fixtures, the one command builder and runner, servers.
#[macro_use]
mod util;
// Setting up accounts (add, import, key_process), MFA devices, key rotation, doctor.
mod admin;
// What reaches AWS: STS and its errors, roles, TLS and endpoints, console sign-in, policies.
mod aws;
// The command line as a whole: help, the man page, the terminal refusal, a new user's hour.
mod cli;
// The accounts file and the key directory through the binary, `list`.
mod config;
// Cross-cutting: secret hygiene, crash safety, trust, the bad-input matrix.
mod cross;
// Escalation without a shell: credential-process, its window, `clear`.
mod engine;
// MFA codes without a prompt (mfa_process, NAME.totp) and `exec`.
mod secrets;
// The credential server of `exec --server`, with the AWS CLI, boto3 and the JS SDK.
mod serve;
// The wrappers in real shells: scenarios, init, completions, prompts, `now`.
mod shell;
// The cache and the shared credentials file: permissions, validity, --write-profile.
mod store;
