//! Escalation outside the shell functions (src/engine).

// Credential-process for the AWS CLI: by itself, its window, `clear`.
mod credential_process;
// export: the credentials as a dotenv file or JSON; refused on a terminal.
mod export;
