//! What stsenv sends to AWS and how it reads the answers (src/aws).

mod console; // `stsenv console`: the federation sign-in link, against a fake endpoint
pub(crate) mod errors; // STS failures from the fault server: one line each, the cache left as it was
mod policy; // `stsenv policy`: the IAM policy documents, accepted by moto's IAM
mod roles; // AssumeRole as sent (a recording proxy before moto): fields, flags, role cache keys
mod sts; // against moto: ec2mfa and ec2role used by the AWS CLI, concurrency, signature checks
mod tls; // HTTPS to the endpoint (moto with a test CA), and the host the endpoint settings pick
