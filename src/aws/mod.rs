//! Talking to AWS: the SDK client, the CAs it trusts, partitions, ARNs, STS, IAM, the console sign-in endpoint, MFA device discovery, the AssumeRole parameters and session policies.

pub(crate) mod arn;
pub(crate) mod assume_role;
pub mod client;
pub(crate) mod iam;
pub(crate) mod mfa_devices;
pub(crate) mod partition;
pub(crate) mod session_policy;
pub(crate) mod signin;
pub(crate) mod sts;
pub(crate) mod trust;
