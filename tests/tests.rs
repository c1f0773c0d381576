//! Integration tests: the built binary in a temporary home, and real bash, zsh, fish and
//! nushell. The folders follow src/'s layers; cross/ holds the suites that cut across them.

mod util; // helpers only (no tests): homes, fixtures, the one command builder and runner, servers
mod admin; // setting up accounts (add, import, key_process), MFA devices, key rotation, doctor
pub(crate) mod aws; // what reaches AWS: STS and its errors, roles, TLS and endpoints, console sign-in, policies
mod cli; // the command line as a whole: help, the man page, the terminal refusal, a new user's hour
mod config; // the accounts file and the key directory through the binary, `list`
mod cross; // cross-cutting: secret hygiene, crash safety, trust, the bad-input matrix
mod engine; // escalation without a shell: credential-process, its window, `clear`
mod secrets; // MFA codes without a prompt (mfa_process, NAME.totp) and `exec`
pub(crate) mod serve; // the credential server of `exec --server`, with the AWS CLI, boto3 and the JS SDK
mod shell; // the wrappers in real shells: scenarios, init, completions, prompts, `now`
mod store; // the cache and the shared credentials file: permissions, validity, --write-profile
