//! Escalation outside the shell functions (src/engine).

mod credential_process; // credential-process for the AWS CLI: by itself, its window, `clear`
