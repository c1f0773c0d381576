//! Setting up and keeping accounts (src/admin, and the commands on it).

// Against moto's IAM: MFA device discovery and enrollment, key rotation, doctor.
mod iam;
// `stsenv add`, key_process accounts, `stsenv import`, `mfa-device resync`.
mod onboard;
// `stsenv remove`: the accounts entry, the key files, the cached sessions; what is left.
mod remove;
