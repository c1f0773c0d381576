//! Talking to AWS STS: GetSessionToken, AssumeRole and GetCallerIdentity, with the shared
//! client settings of `aws` (credentials from the key files, explicit region, bounded time),
//! the endpoint from `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL`, and errors in one clear line.
//! The async runtime starts here only, never for `now` or `switch`.

use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use time::OffsetDateTime;

use crate::aws::{Service, Session};
use crate::credentials::{Credentials, Secret};
use crate::env::Env;
use crate::error::{self, Result};

/// An MFA device and the code it shows.
pub struct Mfa<'a> {
    pub serial: &'a str,
    pub code: &'a str,
}

/// An STS client for one set of credentials.
pub struct Sts {
    session: Session,
    client: aws_sdk_sts::Client,
    service: Service,
}

impl Sts {
    /// A client signing with `credentials` in `region`.
    pub fn new(credentials: &Credentials, region: &str, env: &Env) -> Result<Sts> {
        let service =
            Service::new("STS", "AWS_ENDPOINT_URL_STS", format!("sts.{region}.amazonaws.com"), env)?;
        let session = Session::new(credentials, region, &service)?;
        let client = aws_sdk_sts::Client::new(&session.config);
        Ok(Sts { session, client, service })
    }

    /// GetSessionToken, with MFA or without.
    pub fn get_session_token(&self, duration: u32, mfa: Option<Mfa>) -> Result<Credentials> {
        let mut call = self.client.get_session_token().duration_seconds(duration as i32);
        if let Some(mfa) = &mfa {
            call = call.serial_number(mfa.serial).token_code(mfa.code);
        }
        let out = self.send(call.send(), "GetSessionToken", mfa.is_some())?;
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
        let out = self.send(call.send(), "AssumeRole", mfa.is_some())?;
        convert(out.credentials)
    }

    /// GetCallerIdentity: the ARN the credentials belong to.
    pub fn caller_arn(&self) -> Result<String> {
        let out = self.send(self.client.get_caller_identity().send(), "GetCallerIdentity", false)?;
        Ok(out.arn.unwrap_or_default())
    }

    /// Run one call to its end on the runtime, its error described in one line.
    fn send<T, E>(
        &self,
        call: impl std::future::Future<Output = std::result::Result<T, SdkError<E, HttpResponse>>>,
        operation: &str,
        with_mfa: bool,
    ) -> Result<T>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.session.runtime.block_on(call).map_err(|e| self.describe(e, operation, with_mfa))
    }

    /// One line saying what went wrong and what to do.
    fn describe<E>(&self, e: SdkError<E, HttpResponse>, operation: &str, with_mfa: bool) -> error::Error
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let temporary = self.session.temporary;
        self.service.describe(e, operation, |code, detail| {
            // AWS says "MultiFactorAuthentication failed with invalid MFA one time pass
            // code" for a wrong code, on AssumeRole as on GetSessionToken.
            let mfa_failed =
                with_mfa && (operation == "GetSessionToken" || detail.contains("MultiFactorAuthentication"));
            Some(match code {
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
                "RegionDisabledException" => {
                    "STS is not enabled in this region: set the account's region or enable it".to_owned()
                }
                _ => return None,
            })
        })
    }
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
