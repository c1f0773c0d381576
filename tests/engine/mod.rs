//! Escalation outside the shell functions (src/engine).

// Credential-process for the AWS CLI: by itself, its window, `clear`.
mod credential_process;
