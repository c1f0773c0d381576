//! What stsenv sends to AWS and how it reads the answers (src/aws).

// `stsenv console`: the federation sign-in link, against a fake endpoint.
mod console;
// STS failures from the fault server: one line each, the cache left as it was.
mod errors;
// `stsenv policy`: the IAM policy documents, accepted by moto's IAM.
mod policy;
// AssumeRole as sent (a recording proxy before moto): fields, flags, role cache keys.
mod roles;
// Session policies as sent (a recording proxy before moto): role fields, flags, cache keys,
// limits, and the console of a user without roles (GetFederationToken).
mod session_policies;
// Against moto: ec2mfa and ec2role used by the AWS CLI, concurrency, signature checks.
mod sts;
// HTTPS to the endpoint (moto with a test CA), and the host the endpoint settings pick.
mod tls;
