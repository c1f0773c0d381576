//! Where the MFA code and the keys come from (src/secrets).

mod sources; // mfa_process and NAME.totp (the TokenCode sent), and `stsenv exec`
