//! The local credential server of `exec --server` (src/serve).

mod sdk_js; // the AWS SDK for JavaScript with the variables, credential_process and the server
pub(crate) mod server; // the server with the AWS CLI and boto3: token, renewal, exit status and signals
