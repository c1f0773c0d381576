//! The local credential server of `exec --server` (src/serve).

// The server's credentials over the profiles and web identity the SDKs would take first.
mod profiles;
// The AWS SDK for JavaScript with the variables, credential_process and the server.
mod sdk_js;
// The server with the AWS CLI and boto3: token, renewal, exit status and signals.
mod server;
// Another user's idle connections do not starve the child's requests.
mod availability;
