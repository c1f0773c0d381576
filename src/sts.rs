//! Talking to AWS STS: GetSessionToken and AssumeRole with credentials built from the key
//! files (never the SDK's default chain), an explicit region, the endpoint from
//! `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL`, bounded time and errors in one clear line.
//! The async runtime starts here only, never for `now` or `switch`.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use time::OffsetDateTime;

use crate::credentials::{Credentials, Secret};
use crate::env::Env;
use crate::error::{self, Result};

/// How long to wait for a TCP (and TLS) connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long one attempt may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(4);
/// How long a call may take, retries included.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(9);
/// At most two attempts (one retry of a throttled or transient failure).
pub const MAX_ATTEMPTS: u32 = 2;

/// An MFA device and the code it shows.
pub struct Mfa<'a> {
    pub serial: &'a str,
    pub code: &'a str,
}

/// An STS client for one set of credentials.
pub struct Sts {
    runtime: tokio::runtime::Runtime,
    client: aws_sdk_sts::Client,
    endpoint: String,
    /// Signing with session credentials (a cached MFA session), not the long-term keys.
    temporary: bool,
}

/// The SDK's default HTTP client without TLS, for an `http://` endpoint (a local emulator or a
/// plain-HTTP VPC proxy). The default client builds its TLS configuration, reading and parsing
/// every certificate of the system store (146 files on Debian), before the first request even
/// when the endpoint needs no TLS; that was most of stsenv's own time in `mfa` against a local
/// endpoint. Like the default client it takes connect and read timeouts from the SDK config and
/// honours HTTP_PROXY and NO_PROXY. (`build_with_connector_fn` and `build_http` are the
/// functions aws-config's own default client is made with.)
fn plain_http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::{Builder, ConnectorBuilder};
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector = ConnectorBuilder::default();
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build_http()
    })
}

impl Sts {
    /// A client signing with `credentials` in `region`.
    pub fn new(credentials: &Credentials, region: &str, env: &Env) -> Result<Sts> {
        let text = |s: &Secret, what: &str| {
            s.as_str().map(str::to_owned).ok_or_else(|| {
                error::usage(format!("the {what} is not valid UTF-8 text; check the key files"))
            })
        };
        let provided = aws_credential_types::Credentials::new(
            text(&credentials.access_key_id, "access key")?,
            text(&credentials.secret_access_key, "secret key")?,
            credentials.session_token.as_ref().map(|t| text(t, "session token")).transpose()?,
            None,
            "stsenv",
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| error::aws(format!("cannot start the network runtime: {e}")))?;
        // No profile file is read: region and credentials are explicit; the endpoint and other
        // standard settings still come from the AWS_* environment.
        let no_profiles = EnvConfigFiles::builder()
            .include_default_config_file(false)
            .include_default_credentials_file(false)
            .with_contents(EnvConfigFileKind::Config, "")
            .build();
        let endpoint = env
            .get("AWS_ENDPOINT_URL_STS")
            .or_else(|| env.get("AWS_ENDPOINT_URL"))
            .map(str::to_owned)
            .unwrap_or_else(|| format!("sts.{region}.amazonaws.com"));
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if endpoint.get(..7).is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://")) {
            loader = loader.http_client(plain_http_client());
        }
        let config = runtime.block_on(
            loader
                .profile_files(no_profiles)
                .region(aws_config::Region::new(region.to_owned()))
                .credentials_provider(SharedCredentialsProvider::new(provided))
                .timeout_config(
                    TimeoutConfig::builder()
                        .connect_timeout(CONNECT_TIMEOUT)
                        .read_timeout(ATTEMPT_TIMEOUT)
                        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                        .operation_timeout(OPERATION_TIMEOUT)
                        .build(),
                )
                .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
                .load(),
        );
        let temporary = credentials.session_token.is_some();
        Ok(Sts { runtime, client: aws_sdk_sts::Client::new(&config), endpoint, temporary })
    }

    /// GetSessionToken, with MFA or without.
    pub fn get_session_token(&self, duration: u32, mfa: Option<Mfa>) -> Result<Credentials> {
        let mut call = self.client.get_session_token().duration_seconds(duration as i32);
        if let Some(mfa) = &mfa {
            call = call.serial_number(mfa.serial).token_code(mfa.code);
        }
        let out = self
            .runtime
            .block_on(call.send())
            .map_err(|e| self.describe(e, "GetSessionToken", mfa.is_some()))?;
        convert(out.credentials)
    }

    /// AssumeRole, with an MFA code when the caller uses long-term keys.
    pub fn assume_role(
        &self,
        role_arn: &str,
        session_name: &str,
        duration: u32,
        external_id: Option<&str>,
        mfa: Option<Mfa>,
    ) -> Result<Credentials> {
        let mut call = self
            .client
            .assume_role()
            .role_arn(role_arn)
            .role_session_name(session_name)
            .duration_seconds(duration as i32)
            .set_external_id(external_id.map(str::to_owned));
        if let Some(mfa) = &mfa {
            call = call.serial_number(mfa.serial).token_code(mfa.code);
        }
        let out =
            self.runtime.block_on(call.send()).map_err(|e| self.describe(e, "AssumeRole", mfa.is_some()))?;
        convert(out.credentials)
    }

    /// GetCallerIdentity: the ARN the credentials belong to.
    pub fn caller_arn(&self) -> Result<String> {
        let out = self
            .runtime
            .block_on(self.client.get_caller_identity().send())
            .map_err(|e| self.describe(e, "GetCallerIdentity", false))?;
        Ok(out.arn.unwrap_or_default())
    }

    /// One line saying what went wrong and what to do.
    fn describe<E>(&self, e: SdkError<E, HttpResponse>, operation: &str, with_mfa: bool) -> error::Error
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let endpoint = &self.endpoint;
        match &e {
            SdkError::ServiceError(service) => {
                let err = service.err();
                let status = service.raw().status().as_u16();
                // Some emulators wrap the error in <Errors> (EC2 style), which the SDK's parser
                // misses: read the code and message from the body then.
                let body = service.raw().body().bytes().map(String::from_utf8_lossy).unwrap_or_default();
                let code = err.code().or_else(|| xml_text(&body, "Code"));
                let message = err.message().or_else(|| xml_text(&body, "Message"));
                let Some(code) = code else {
                    return error::aws(if status >= 500 {
                        format!(
                            "STS at {endpoint} failed {operation} with HTTP {status} and no error code: try again in a minute, and check AWS_ENDPOINT_URL_STS"
                        )
                    } else {
                        format!(
                            "STS at {endpoint} refused {operation} without saying why (HTTP {status}); check AWS_ENDPOINT_URL_STS"
                        )
                    });
                };
                // AWS's own words, kept on one line.
                let detail = message.unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ");
                let detail = detail.trim_end_matches('.');
                // AWS says "MultiFactorAuthentication failed with invalid MFA one time pass
                // code" for a wrong code, on AssumeRole as on GetSessionToken.
                let mfa_failed = with_mfa
                    && (operation == "GetSessionToken" || detail.contains("MultiFactorAuthentication"));
                let temporary = self.temporary;
                let advice = match code {
                    "InvalidClientTokenId" | "SignatureDoesNotMatch" | "ExpiredToken" if temporary => {
                        "the MFA session's credentials are no longer valid (the session expired or was revoked): run ec2mfa --force for a new session"
                            .to_owned()
                    }
                    "InvalidClientTokenId" => {
                        "the access key is not valid: check the account's .access_key file in the key directory, or make a new key in the IAM console"
                            .to_owned()
                    }
                    "SignatureDoesNotMatch" => {
                        "the secret key does not match the access key: check the account's .secret_key file in the key directory"
                            .to_owned()
                    }
                    "AccessDenied" if mfa_failed => {
                        "the MFA code was rejected: wait for the next code and try again, and check the MFA serial"
                            .to_owned()
                    }
                    "AccessDenied" => format!("AWS denied {operation}: check the IAM policies and the role's trust policy"),
                    "ExpiredToken" => {
                        "AWS says the credentials have expired: check the account's key files, or make a new key in the IAM console"
                            .to_owned()
                    }
                    "Throttling" | "ThrottlingException" | "RequestLimitExceeded" => {
                        "AWS is throttling requests: wait a minute and try again".to_owned()
                    }
                    "RegionDisabledException" => {
                        "STS is not enabled in this region: set the account's region or enable it".to_owned()
                    }
                    _ => format!("{operation} failed"),
                };
                error::aws(format!("{advice} ({code}: {detail})"))
            }
            SdkError::TimeoutError(_) => self.no_answer(operation),
            // The connector's own timeouts (connect, read) come as dispatch failures.
            SdkError::DispatchFailure(failure) if failure.is_timeout() => self.no_answer(operation),
            SdkError::DispatchFailure(_) => error::aws(format!(
                "cannot reach STS at {endpoint} ({operation}): {}; check the network or AWS_ENDPOINT_URL_STS",
                root_cause(&e)
            )),
            _ => error::aws(format!(
                "STS at {endpoint} sent an answer stsenv cannot read ({operation}): {}",
                causes(&e)
            )),
        }
    }

    fn no_answer(&self, operation: &str) -> error::Error {
        error::aws(format!(
            "STS at {} did not answer within {} s ({operation}); check the network or AWS_ENDPOINT_URL_STS",
            self.endpoint,
            OPERATION_TIMEOUT.as_secs()
        ))
    }
}

/// The error's chain of causes on one line, each said once: the SDK's own message for a
/// refused connection is only "dispatch failure".
fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(e);
    while let Some(err) = next {
        let text = err.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = err.source();
    }
    parts.join(": ")
}

/// The innermost cause, the one a user can act on ("Connection refused", "failed to lookup
/// address information"), without the SDK's layers around it.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last = e;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string().split_whitespace().collect::<Vec<_>>().join(" ")
}

fn convert(credentials: Option<aws_sdk_sts::types::Credentials>) -> Result<Credentials> {
    let c = credentials.ok_or_else(|| error::aws("STS answered without credentials"))?;
    let expiration = OffsetDateTime::from_unix_timestamp(c.expiration.secs())
        .map_err(|_| error::aws("STS answered with an impossible expiry time"))?;
    Ok(Credentials {
        access_key_id: Secret::new(c.access_key_id),
        secret_access_key: Secret::new(c.secret_access_key),
        session_token: Some(Secret::new(c.session_token)),
        expiration: Some(expiration),
    })
}

/// The text of the first `<TAG>...</TAG>` in an XML body (error codes and messages are plain).
fn xml_text<'a>(body: &'a str, tag: &str) -> Option<&'a str> {
    let start = body.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + body[start..].find(&format!("</{tag}>"))?;
    Some(body[start..end].trim()).filter(|t| !t.is_empty())
}
