//! Where the MFA code and the keys come from (src/secrets).

// Mfa_process and NAME.totp (the TokenCode sent), and `stsenv exec`.
mod sources;
// The helper processes: stopped whole at the timeout, done once exited, too much output named.
mod helpers;
