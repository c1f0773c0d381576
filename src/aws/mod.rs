//! Talking to AWS: the SDK client, partitions, ARNs, STS, IAM, the console sign-in endpoint, MFA device discovery and the AssumeRole parameters.

pub mod arn;
pub mod assume_role;
pub mod client;
pub mod iam;
pub mod mfa_devices;
pub mod partition;
pub mod signin;
pub mod sts;
