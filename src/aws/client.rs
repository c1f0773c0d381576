//! What every AWS client of stsenv shares: the async runtime (started only by commands that
//! call AWS), credentials from the key files (never the SDK's default chain, no profile file),
//! an explicit region, bounded time and retries, and one-line error messages.
//! Endpoints come from the standard `AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL`.

use std::time::Duration;

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::SdkConfig;
use aws_types::region::Region;

use crate::aws::trust::{Trust, is_plain_http, root_cause};
use crate::base::credentials::{Credentials, Secret};
use crate::base::env::Env;
use crate::base::error::{self, Result};

/// How long to wait for a TCP (and TLS) connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long one attempt may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(4);
/// How long a call may take, retries included.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(9);
/// At most two attempts (one retry of a throttled or transient failure).
pub const MAX_ATTEMPTS: u32 = 2;

/// A runtime and the SDK configuration for one set of credentials in one region.
pub struct Session {
    pub runtime: tokio::runtime::Runtime,
    pub config: SdkConfig,
    /// Signing with session credentials (a cached MFA session), not the long-term keys.
    pub temporary: bool,
}

impl Session {
    /// A runtime and configuration for `service` (whose endpoint picks the HTTP client).
    pub fn new(credentials: &Credentials, region: &str, service: &Service) -> Result<Session> {
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
        // The configuration is built here rather than by aws-config's loader, which would read
        // the profile files stsenv never uses (and cost a tenth of a clean build in crates only
        // it needs): region and credentials are explicit, and of the AWS_* settings the
        // endpoint and the FIPS and dual-stack switches come from Service (see Service::new).
        let plain = is_plain_http(&service.endpoint);
        let mut config = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(http_client(plain, service.trust.clone()))
            .region(Region::new(region.to_owned()))
            .credentials_provider(SharedCredentialsProvider::new(provided))
            .use_fips(service.fips)
            .use_dual_stack(service.dual_stack)
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .read_timeout(ATTEMPT_TIMEOUT)
                    .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                    .operation_timeout(OPERATION_TIMEOUT)
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
        config.set_endpoint_url(service.endpoint_url.clone());
        let config = config.build();
        Ok(Session { runtime, config, temporary: credentials.session_token.is_some() })
    }
}

/// The SDK's default HTTP client (hyper with rustls), with ring as rustls's cryptography
/// instead of the SDK's default aws-lc, whose C build was a third of a clean build's time; for
/// an `http://` endpoint (a local emulator or a plain-HTTP VPC proxy), the same client without
/// TLS. The TLS configuration reads and parses every certificate of the system store (146
/// files on Debian, or `SSL_CERT_FILE` / `SSL_CERT_DIR`) before the first request, which was
/// most of stsenv's own time in `mfa` against a local endpoint that needs no TLS. Like the
/// SDK's default client it takes connect and read timeouts from the SDK config and honours
/// HTTP_PROXY, HTTPS_PROXY and NO_PROXY. (`build_with_connector_fn` and `build` are what
/// aws-smithy-runtime's own default client is made with.)
fn http_client(plain: bool, trust: Trust) -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::{Builder, ConnectorBuilder};
    Builder::new().build_with_connector_fn(move |settings, components| {
        let mut connector = ConnectorBuilder::default();
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector_for(connector, plain, &trust)
    })
}

/// The connector of every stsenv HTTP client (the SDK's and the console sign-in's): proxies
/// from the environment, and rustls with ring trusting `trust`'s CAs unless the endpoint is
/// plain `http://`.
pub(crate) fn connector_for(
    mut connector: aws_smithy_http_client::ConnectorBuilder,
    plain: bool,
    trust: &Trust,
) -> aws_smithy_http_client::Connector {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    connector.set_proxy_config(Some(ProxyConfig::from_env()));
    if plain {
        connector.build_http()
    } else {
        let mut connector = connector.tls_provider(Provider::Rustls(CryptoMode::Ring));
        if let Some(context) = trust.context() {
            connector.set_tls_context(context.clone());
        }
        connector.build()
    }
}

/// Which service a client talks to, and where, for messages.
pub struct Service {
    /// "STS", "IAM".
    pub name: &'static str,
    /// The variable that overrides its endpoint: "AWS_ENDPOINT_URL_STS".
    pub variable: &'static str,
    /// The endpoint, as the messages show it.
    pub endpoint: String,
    /// The endpoint set by the environment (None: the SDK's own for the region).
    endpoint_url: Option<String>,
    /// `AWS_USE_FIPS_ENDPOINT` and `AWS_USE_DUALSTACK_ENDPOINT` (for the SDK's own endpoint).
    fips: bool,
    dual_stack: bool,
    /// The CAs trusted for HTTPS (`AWS_CA_BUNDLE`, else the system's).
    pub trust: Trust,
}

/// A URL from the variable `from` must be http(s) with a host and no space or control
/// character: else a configuration error (exit 2) saying so, before any network call.
pub fn check_url(from: &str, url: &str) -> Result<()> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    let host_ok = rest.is_some_and(|r| {
        !r.is_empty()
            && !r.starts_with('/')
            && !r.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    });
    if host_ok {
        Ok(())
    } else {
        Err(error::usage(format!(
            "{from}={} is not an http:// or https:// URL; fix or unset it",
            url.escape_default()
        )))
    }
}

impl Service {
    /// The endpoint from `variable` (`AWS_ENDPOINT_URL_<SERVICE>`), else `AWS_ENDPOINT_URL`,
    /// else `default` (the host the SDK picks for the region), as the AWS SDKs read them:
    /// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` ignores both variables. One that is not an
    /// http(s) URL is a configuration error (exit 2) before any network call, not a failure to
    /// reach it; so is a bad `AWS_CA_BUNDLE` (for an https endpoint).
    /// `own` is the value of `variable`.
    pub fn new(
        name: &'static str,
        variable: &'static str,
        own: Option<&str>,
        default: String,
        env: &Env,
    ) -> Result<Service> {
        let configured = [(variable, own), ("AWS_ENDPOINT_URL", env.aws_endpoint_url())]
            .into_iter()
            .filter(|_| !env.aws_ignore_configured_endpoint_urls())
            .find_map(|(v, url)| url.map(|url| (v, url)));
        if let Some((from, url)) = configured {
            check_url(from, url)?;
        }
        let endpoint_url = configured.map(|(_, url)| url.to_owned());
        let endpoint = endpoint_url.clone().unwrap_or(default);
        let trust = Trust::for_url(&endpoint, env)?;
        Ok(Service {
            name,
            variable,
            endpoint,
            endpoint_url,
            fips: env.aws_use_fips_endpoint(),
            dual_stack: env.aws_use_dualstack_endpoint(),
            trust,
        })
    }

    /// One line saying what went wrong and what to do. `advice` gives the service's own advice
    /// for an error code and AWS's message (None: "OPERATION failed").
    pub fn describe<E>(
        &self,
        e: SdkError<E, HttpResponse>,
        operation: &str,
        advice: impl FnOnce(&str, &str) -> Option<String>,
    ) -> error::Error
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let Service { name, variable, endpoint, .. } = self;
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
                    return error::aws(if (200..300).contains(&status) {
                        format!(
                            "{name} at {endpoint} answered {operation} with HTTP {status} but not in a form stsenv can read; check {variable}"
                        )
                    } else if status >= 500 {
                        format!(
                            "{name} at {endpoint} failed {operation} with HTTP {status} and no error code: try again in a minute, and check {variable}"
                        )
                    } else {
                        format!(
                            "{name} at {endpoint} refused {operation} without saying why (HTTP {status}); check {variable}"
                        )
                    });
                };
                // AWS's own words, kept on one line.
                let detail = message.unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ");
                let detail = detail.trim_end_matches('.');
                let skew = skew_of(service.raw());
                let advice = if is_clock_error(code, detail) {
                    clock_advice(skew, detail)
                } else {
                    let advice = advice(code, detail).unwrap_or_else(|| match code {
                        "Throttling" | "ThrottlingException" | "RequestLimitExceeded" => {
                            "AWS is throttling requests: wait a minute and try again".to_owned()
                        }
                        _ => format!("{operation} failed"),
                    });
                    // A clock this far off also makes the codes computed from a TOTP seed wrong.
                    match skew.filter(|s| s.abs() >= NOTED_SKEW) {
                        Some(skew) => format!(
                            "{advice}; also, {} (codes from a TOTP seed are wrong then): fix the clock",
                            clock_off(skew)
                        ),
                        None => advice,
                    }
                };
                // The operation is named once: by the advice, else beside AWS's words.
                let mut err = if names_operation(&advice, operation) {
                    error::aws(format!("{advice} ({code}: {detail})"))
                } else {
                    error::aws(format!("{advice} ({code} from {operation}: {detail})"))
                };
                err.code = Some(code.to_owned());
                err
            }
            SdkError::TimeoutError(_) => self.no_answer(operation),
            // The connector's own timeouts (connect, read) come as dispatch failures.
            SdkError::DispatchFailure(failure) if failure.is_timeout() => self.no_answer(operation),
            SdkError::DispatchFailure(_) => error::aws(
                self.trust.explain(&e, &format!("{name} at {endpoint}"), variable).unwrap_or_else(|| {
                    format!(
                        "cannot reach {name} at {endpoint} ({operation}): {}; check the network or {variable}",
                        root_cause(&e)
                    )
                }),
            ),
            _ => error::aws(format!(
                "{name} at {endpoint} sent an answer stsenv cannot read ({operation}): {}",
                causes(&e)
            )),
        }
    }

    fn no_answer(&self, operation: &str) -> error::Error {
        error::aws(format!(
            "{} at {} did not answer within {} s ({operation}); check the network or {}",
            self.name,
            self.endpoint,
            OPERATION_TIMEOUT.as_secs(),
            self.variable
        ))
    }
}

/// Whether `message` names `operation` (as a word; a policy's `iam:ListMFADevices` is a
/// permission, not the operation). Every message of `Service::describe` names its operation
/// exactly once, so a caller adds no "ListMFADevices: " of its own.
pub fn names_operation(message: &str, operation: &str) -> bool {
    message.match_indices(operation).any(|(at, _)| {
        let before = message[..at].chars().next_back();
        let after = message[at + operation.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == ':') && !after.is_some_and(char::is_alphanumeric)
    })
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

/// The text of the first `<TAG>...</TAG>` in an XML body (error codes and messages are plain).
fn xml_text<'a>(body: &'a str, tag: &str) -> Option<&'a str> {
    let start = body.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + body[start..].find(&format!("</{tag}>"))?;
    Some(body[start..end].trim()).filter(|t| !t.is_empty())
}

/// How far off this machine's clock may be before a failure's message mentions it: a TOTP code
/// is good for 30 s.
pub const NOTED_SKEW: i64 = 30;

/// How far AWS's clock is ahead of this machine's, in seconds (negative: behind), from the
/// `Date` header of an answer (to the second).
pub fn skew_of(response: &HttpResponse) -> Option<i64> {
    use aws_smithy_types::date_time::{DateTime, Format};
    let date = response.headers().get("date")?;
    let aws = DateTime::from_str(date.trim(), Format::HttpDate).ok()?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(aws.secs() - now.as_secs() as i64)
}

/// `this machine's clock is 7m12s behind AWS's` (AWS's clock `skew` seconds ahead).
pub fn clock_off(skew: i64) -> String {
    let way = if skew > 0 { "behind" } else { "ahead of" };
    format!("this machine's clock is {} {way} AWS's", crate::base::times::span(skew.unsigned_abs()))
}

/// The errors of a request signed at a time too far from AWS's.
fn is_clock_error(code: &str, detail: &str) -> bool {
    match code {
        "RequestExpired" | "RequestTimeTooSkewed" => true,
        "SignatureDoesNotMatch" | "InvalidSignatureException" => {
            detail.starts_with("Signature expired") || detail.starts_with("Signature not yet current")
        }
        _ => false,
    }
}

/// AWS refuses a request signed more than a few minutes away from its own time: say how far
/// off the clock is, from the answer's `Date` header, else from the times AWS's message holds
/// ("Signature expired: 20261201T200000Z is now earlier than 20261201T201000Z (20261201T201500Z
/// - 5 min.)": the first is the request's time, the last AWS's).
fn clock_advice(skew: Option<i64>, detail: &str) -> String {
    let stamps: Vec<i64> = detail
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter_map(|word| {
            time::PrimitiveDateTime::parse(
                word,
                time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"),
            )
            .ok()
            .map(|t| t.assume_utc().unix_timestamp())
        })
        .collect();
    let from_message = match (stamps.first(), stamps.last()) {
        (Some(signed), Some(aws)) if stamps.len() >= 3 => Some(aws - signed),
        _ => None,
    };
    let off = match skew.filter(|s| s.abs() >= NOTED_SKEW).or(from_message) {
        Some(skew) => clock_off(skew),
        None => "this machine's clock is off".to_owned(),
    };
    format!(
        "{off}, so AWS refuses the request's signature: fix the clock (timedatectl set-ntp true, or ntpdate) and try again; the keys are fine"
    )
}

/// Keeps what the `Date` header of the last answer said of the clock (see `skew_of`).
#[derive(Clone, Debug, Default)]
pub struct ClockReader(std::sync::Arc<std::sync::Mutex<Option<i64>>>);

impl ClockReader {
    /// How far AWS's clock was ahead of this machine's at the last answer.
    pub fn skew(&self) -> Option<i64> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl aws_smithy_runtime_api::client::interceptors::Intercept for ClockReader {
    fn name(&self) -> &'static str {
        "stsenv::ClockReader"
    }

    fn read_after_transmit(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef<'_>,
        _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> std::result::Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        if let Some(skew) = skew_of(context.response()) {
            *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(skew);
        }
        Ok(())
    }
}
