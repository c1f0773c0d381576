//! Where the MFA code and the keys come from (src/secrets).

// Mfa_process and NAME.totp (the TokenCode sent), and `stsenv exec`.
mod sources;
// The helper processes: stopped whole at the timeout, done once exited, too much output named.
mod helpers;
// A code made from a seed or mfa_process is never sent twice in one 30 s step.
mod sent_once;
// A slow mfa_process (a key waiting for a touch) is named on the terminal or by notify-send.
mod touch;
// Without a terminal in a desktop session, a dialog asks (Xvfb, zenity, xdotool; the AWS CLI).
mod dialog;
