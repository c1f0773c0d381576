//! Setting up and keeping accounts (src/admin, and the commands on it).

mod iam; // against moto's IAM: MFA device discovery and enrollment, key rotation, doctor
mod onboard; // `stsenv add`, key_process accounts, `stsenv import`, `mfa-device resync`
