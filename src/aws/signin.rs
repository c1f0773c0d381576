//! The AWS federation endpoint (`https://signin.aws.amazon.com/federation` and its China and
//! GovCloud twins): trading role credentials for a sign-in token, and the console link made
//! from it. The request goes through the SDK's own HTTP client (hyper, rustls), bounded in
//! time like the STS calls. `STSENV_SIGNIN_URL` replaces the endpoint (a proxy, or a local fake
//! in the tests).

use std::time::Duration;

use aws_smithy_http_client::Connector;
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::byte_stream::ByteStream;

use crate::aws::client::{ATTEMPT_TIMEOUT, CONNECT_TIMEOUT, OPERATION_TIMEOUT};
use crate::aws::partition::Partition;
use crate::aws::trust::{Trust, root_cause};
use crate::base::credentials::Credentials;
use crate::base::env::Env;
use crate::base::error::{self, Result};

/// What the console link says issued it (shown by AWS when the console session ends).
pub const ISSUER: &str = "stsenv";
/// The most of the answer read: a sign-in token is a few kilobytes.
const ANSWER_LIMIT: usize = 64 * 1024;

/// The federation endpoint: `$STSENV_SIGNIN_URL`, else the partition's.
pub struct Federation {
    pub url: String,
    /// Where the URL came from, for messages.
    from: &'static str,
    /// The CAs trusted for HTTPS (`AWS_CA_BUNDLE`, else the system's).
    trust: Trust,
}

impl Federation {
    pub fn new(partition: Partition, env: &Env) -> Result<Federation> {
        let (url, from) = match env.stsenv_signin_url() {
            Some(url) => {
                crate::aws::client::check_url("STSENV_SIGNIN_URL", url)?;
                (url.to_owned(), "STSENV_SIGNIN_URL")
            }
            None => (format!("https://{}/federation", partition.signin_host()), "the partition"),
        };
        let trust = Trust::for_url(&url, env)?;
        Ok(Federation { url, from, trust })
    }

    /// The URL with these query parameters, each percent-encoded.
    fn with_query(&self, params: &[(&str, &str)]) -> String {
        let query: Vec<String> =
            params.iter().map(|(k, v)| format!("{k}={}", crate::base::percent::encode(v))).collect();
        let join = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{join}{}", self.url, query.join("&"))
    }

    /// The sign-in token for role credentials, or a federated user's (`federated`: from
    /// GetFederationToken) (`Action=getSigninToken`).
    pub fn signin_token(&self, credentials: &Credentials, federated: bool) -> Result<String> {
        let text = |s: &crate::base::credentials::Secret| s.as_str().map(str::to_owned);
        let token = credentials.session_token.as_ref().and_then(text);
        let (Some(id), Some(key), Some(token)) =
            (text(&credentials.access_key_id), text(&credentials.secret_access_key), token)
        else {
            return Err(error::usage("the console needs temporary role credentials with a session token"));
        };
        let session =
            serde_json::json!({"sessionId": id, "sessionKey": key, "sessionToken": token}).to_string();
        let url = self.with_query(&[("Action", "getSigninToken"), ("Session", &session)]);
        let (status, body) = self.get(&url)?;
        let host = self.host();
        if status != 200 && federated {
            let hint = if status == 400 || status == 403 {
                format!(": {FEDERATED_HINT}")
            } else {
                ": try again in a minute".to_owned()
            };
            return Err(error::aws(format!(
                "the sign-in endpoint {host} refused the federation token of your IAM user (HTTP {status}){hint}"
            )));
        }
        if status != 200 {
            let hint = if status == 400 || status == 403 {
                ": it takes only role credentials (AssumeRole), not an MFA session; check that the role's credentials are still valid"
            } else {
                ": try again in a minute"
            };
            return Err(error::aws(format!(
                "the sign-in endpoint {host} refused the role's credentials (HTTP {status}){hint}"
            )));
        }
        let answer: serde_json::Value = serde_json::from_slice(&body).map_err(|_| {
            error::aws(format!(
                "the sign-in endpoint {host} answered with something that is not JSON; check {}",
                self.from
            ))
        })?;
        match answer.get("SigninToken").and_then(|t| t.as_str()) {
            Some(token) if !token.is_empty() => Ok(token.to_owned()),
            _ => Err(error::aws(format!("the sign-in endpoint {host} answered without a SigninToken"))),
        }
    }

    /// The console link (`Action=login`) that signs in with `token` and opens `destination`.
    pub fn login_link(&self, token: &str, destination: &str) -> String {
        self.with_query(&[
            ("Action", "login"),
            ("Issuer", ISSUER),
            ("Destination", destination),
            ("SigninToken", token),
        ])
    }

    /// The host and port of the endpoint, for messages (never the query: it holds secrets).
    fn host(&self) -> &str {
        let rest = self.url.split_once("://").map_or(self.url.as_str(), |(_, r)| r);
        rest.split(['/', '?']).next().unwrap_or(rest)
    }

    /// GET `url` with the SDK's HTTP client (TLS for https), within the STS calls' time bounds.
    fn get(&self, url: &str) -> Result<(u16, Vec<u8>)> {
        let host = self.host().to_owned();
        let from = self.from;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| error::aws(format!("cannot start the network runtime: {e}")))?;
        let settings = HttpConnectorSettings::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(ATTEMPT_TIMEOUT)
            .build();
        let request = HttpRequest::get(url)
            .map_err(|_| error::usage(format!("the sign-in URL of {from} is not a valid URL")))?;
        let no_answer = {
            let host = host.clone();
            move || {
                error::aws(format!(
                    "the sign-in endpoint {host} did not answer within {} s; check the network or {from}",
                    OPERATION_TIMEOUT.as_secs()
                ))
            }
        };
        let trust = &self.trust;
        let unreachable = move |e: &(dyn std::error::Error + 'static)| {
            error::aws(trust.explain(e, &format!("the sign-in endpoint {host}"), from).unwrap_or_else(|| {
                format!(
                    "cannot reach the sign-in endpoint {host}: {}; check the network or {from}",
                    root_cause(e)
                )
            }))
        };
        let plain = crate::aws::trust::is_plain_http(url);
        runtime.block_on(async move {
            // The connector is made inside the runtime: its timers are tokio's.
            let connector = crate::aws::client::connector_for(
                Connector::builder().connector_settings(settings),
                plain,
                trust,
            );
            let exchange = async {
                let response = connector
                    .call(request)
                    .await
                    .map_err(|e| if e.is_timeout() { no_answer() } else { unreachable(&e) })?;
                let status = response.status().as_u16();
                let body = ByteStream::new(response.into_body())
                    .collect()
                    .await
                    .map_err(|e| unreachable(&e))?
                    .into_bytes();
                Ok((status, body.to_vec()))
            };
            match tokio::time::timeout(OPERATION_TIMEOUT, exchange).await {
                Ok(Ok((status, body))) if body.len() <= ANSWER_LIMIT => Ok((status, body)),
                Ok(Ok(_)) => Err(error::aws("the sign-in endpoint answered with more than 64 KiB")),
                Ok(Err(e)) => Err(e),
                Err(_) => Err(no_answer()),
            }
        })
    }
}

/// The console page to open: `https://CONSOLE/SERVICE/home?region=REGION` (`console` for the
/// home page) on the partition's console host.
pub fn destination(partition: Partition, region: &str, service: Option<&str>) -> String {
    format!("https://{}/{}/home?region={region}", partition.console_host(), service.unwrap_or("console"))
}

/// Why a federated user's console session may be refused, and what to do instead.
pub const FEDERATED_HINT: &str = "a federated session (GetFederationToken) has no MFA, so if your user's policies deny everything without aws:MultiFactorAuthPresent, they deny it too; sign in through a role with --role ROLE";

/// How long a console link may be used to sign in (AWS's rule for sign-in tokens).
pub const LINK_LIFETIME: Duration = Duration::from_secs(15 * 60);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_per_partition() {
        let env = Env::default();
        for (partition, signin, console) in [
            (Partition::Aws, "https://signin.aws.amazon.com/federation", "https://console.aws.amazon.com/"),
            (Partition::China, "https://signin.amazonaws.cn/federation", "https://console.amazonaws.cn/"),
            (
                Partition::GovCloud,
                "https://signin.amazonaws-us-gov.com/federation",
                "https://console.amazonaws-us-gov.com/",
            ),
        ] {
            let f = Federation::new(partition, &env).unwrap();
            assert_eq!(f.url, signin);
            let dest = destination(partition, partition.default_region(), Some("ec2"));
            assert!(dest.starts_with(console), "{dest}");
            assert!(dest.ends_with(&format!("/ec2/home?region={}", partition.default_region())), "{dest}");
            let link = f.login_link("TOKEN/+=", &dest);
            assert!(
                link.starts_with(&format!("{signin}?Action=login&Issuer=stsenv&Destination=https%3A%2F%2F"))
            );
            assert!(link.ends_with("&SigninToken=TOKEN%2F%2B%3D"), "{link}");
        }
        let env = Env::from_pairs([("STSENV_SIGNIN_URL", "http://127.0.0.1:9/federation?x=1")]);
        let f = Federation::new(Partition::Aws, &env).unwrap();
        assert!(f.login_link("t", "d").starts_with("http://127.0.0.1:9/federation?x=1&Action=login"));
        assert_eq!(f.host(), "127.0.0.1:9");
        let env = Env::from_pairs([("STSENV_SIGNIN_URL", "file:///etc/passwd")]);
        assert!(Federation::new(Partition::Aws, &env).is_err());
    }
}
