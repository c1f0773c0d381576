//! Talking to AWS STS: GetSessionToken, AssumeRole and GetCallerIdentity, with the shared
//! client settings of `aws` (credentials from the key files, explicit region, bounded time),
//! the endpoint from `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL`, and errors in one clear line.
//! The async runtime starts here only, never for `now` or `switch`.

use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sts::types::{PolicyDescriptorType, Tag};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use time::OffsetDateTime;

use crate::aws::assume_role::AssumeRole;
use crate::aws::client::{Service, Session};
use crate::aws::partition::Partition;
use crate::base::credentials::{Credentials, Secret};
use crate::base::env::Env;
use crate::base::error::{self, Result};

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
        let service = Service::new(
            "STS",
            "AWS_ENDPOINT_URL_STS",
            env.aws_endpoint_url_sts(),
            Partition::sts_host(region),
            env,
        )?;
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
        let what = Call { operation: "GetSessionToken", mfa: mfa.is_some(), role: None, duration };
        let out = self.send(call.send(), &what)?;
        convert(out.credentials)
    }

    /// AssumeRole with every parameter of `role`, with an MFA code when the caller uses
    /// long-term keys.
    pub fn assume_role(&self, role: &AssumeRole, mfa: Option<Mfa>) -> Result<Credentials> {
        let mut call = self
            .client
            .assume_role()
            .role_arn(&role.arn)
            .role_session_name(&role.session_name)
            .duration_seconds(role.duration as i32)
            .set_external_id(role.external_id.clone())
            .set_source_identity(role.source_identity.clone());
        for (key, value) in &role.tags {
            let tag = Tag::builder()
                .key(key)
                .value(value)
                .build()
                .map_err(|e| error::usage(format!("cannot send the tag {key}: {e}")))?;
            call = call.tags(tag);
        }
        for key in &role.transitive_tags {
            call = call.transitive_tag_keys(key);
        }
        call = call.set_policy(role.policy.clone());
        for arn in &role.policy_arns {
            call = call.policy_arns(PolicyDescriptorType::builder().arn(arn).build());
        }
        if let Some(mfa) = &mfa {
            call = call.serial_number(mfa.serial).token_code(mfa.code);
        }
        let what = Call {
            operation: "AssumeRole",
            mfa: mfa.is_some(),
            role: Some(&role.arn),
            duration: role.duration,
        };
        let out = self.send(call.send(), &what)?;
        convert(out.credentials)
    }

    /// GetFederationToken (signed with the long-term keys: AWS refuses session credentials):
    /// a federated user `name`'s credentials, with the session policies given, for `duration`.
    pub fn get_federation_token(&self, federation: &FederationToken) -> Result<Credentials> {
        let mut call = self
            .client
            .get_federation_token()
            .name(&federation.name)
            .duration_seconds(federation.duration as i32)
            .set_policy(federation.policy.clone());
        for arn in &federation.policy_arns {
            call = call.policy_arns(PolicyDescriptorType::builder().arn(arn).build());
        }
        let what =
            Call { operation: "GetFederationToken", mfa: false, role: None, duration: federation.duration };
        let out = self.send(call.send(), &what)?;
        convert(out.credentials)
    }

    /// GetCallerIdentity: the ARN the credentials belong to.
    pub fn caller_arn(&self) -> Result<String> {
        Ok(self.caller()?.0)
    }

    /// GetCallerIdentity: the ARN the credentials belong to, and how far AWS's clock is ahead
    /// of this machine's (seconds, from the answer's `Date`).
    pub fn caller(&self) -> Result<(String, Option<i64>)> {
        let what = Call { operation: "GetCallerIdentity", mfa: false, role: None, duration: 0 };
        let clock = crate::aws::client::ClockReader::default();
        let call = self.client.get_caller_identity().customize().interceptor(clock.clone()).send();
        let out = self.send(call, &what)?;
        Ok((out.arn.unwrap_or_default(), clock.skew()))
    }

    /// Run one call to its end on the runtime, its error described in one line.
    fn send<T, E>(
        &self,
        call: impl std::future::Future<Output = std::result::Result<T, SdkError<E, HttpResponse>>>,
        what: &Call,
    ) -> Result<T>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.session.runtime.block_on(call).map_err(|e| self.describe(e, what))
    }

    /// One line saying what went wrong and what to do.
    fn describe<E>(&self, e: SdkError<E, HttpResponse>, what: &Call) -> error::Error
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let temporary = self.session.temporary;
        let operation = what.operation;
        self.service.describe(e, operation, |code, detail| {
            // AWS says "MultiFactorAuthentication failed with invalid MFA one time pass
            // code" for a wrong code, on AssumeRole as on GetSessionToken.
            let mfa_failed =
                what.mfa && (operation == "GetSessionToken" || detail.contains("MultiFactorAuthentication"));
            let role = what.role.unwrap_or("the role");
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
                // Chained from an MFA session: AWS says no more than "not authorized" when the
                // session is older than the trust policy's aws:MultiFactorAuthAge allows.
                "AccessDenied" if operation == "AssumeRole" && temporary => format!(
                    "AWS denied AssumeRole of {role} with the MFA session (MFA sent: yes, from the session's sign-in): if the role's trust policy limits aws:MultiFactorAuthAge, the session is older than it allows, so run ec2mfa --force and assume the role again; else the trust policy does not let your user in"
                ),
                "AccessDenied" if operation == "AssumeRole" && what.mfa => format!(
                    "AWS denied AssumeRole of {role} (MFA sent: yes, a code with the long-term keys): the role's trust policy must let your user in (stsenv policy role-trust-mfa prints one), and your user's policies must allow sts:AssumeRole on it"
                ),
                "AccessDenied" if operation == "AssumeRole" => format!(
                    "AWS denied AssumeRole of {role} (MFA sent: no): a trust policy that asks for aws:MultiFactorAuthPresent refuses it, so assume it with an MFA code (not -c skip); else the trust policy does not let your user in"
                ),
                "AccessDenied" if operation == "GetFederationToken" => {
                    "AWS denied GetFederationToken with the long-term keys: your user's policies must allow sts:GetFederationToken, and a policy that denies everything without MFA (aws:MultiFactorAuthPresent) denies it too, since it cannot be called with an MFA session; sign in through a role instead: stsenv console --role ROLE"
                        .to_owned()
                }
                "AccessDenied" => format!("AWS denied {operation}: check the IAM policies and the role's trust policy"),
                "MalformedPolicyDocument" => format!(
                    "AWS refused the session policy of {operation} as malformed ({}): check the policy (--policy, or the role's \"policy\")",
                    detail.trim_end_matches(['.', ' '])
                ),
                "PackedPolicyTooLarge" => format!(
                    "AWS says the session policies and tags of {operation} are too large once packed ({}): shorten the policy, or use fewer policy ARNs or tags",
                    detail.trim_end_matches(['.', ' '])
                ),
                "ValidationError" if detail.contains("role chaining") => format!(
                    "AWS refused {} s: a role assumed with session credentials (role chaining) lasts at most 1 hour, so pass --duration 3600 or less",
                    what.duration
                ),
                "ValidationError" if detail.contains("MaxSessionDuration") => format!(
                    "{role} allows sessions shorter than the {} s asked: pass a smaller --duration (or the role's duration_seconds), or raise the role's limit: aws iam update-role --role-name {} --max-session-duration {}",
                    what.duration,
                    crate::aws::arn::role_name(role),
                    what.duration
                ),
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

/// Everything GetFederationToken is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FederationToken {
    /// The federated user's name: 2 to 32 of the characters IAM allows in names.
    pub name: String,
    /// Seconds, 900 to 129600 (the console takes 43200 at most).
    pub duration: u32,
    /// The inline session policy, as sent.
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
}

/// What a call was, for its error message.
struct Call<'a> {
    operation: &'static str,
    /// Whether an MFA code was sent with it.
    mfa: bool,
    /// The role ARN, for AssumeRole.
    role: Option<&'a str>,
    /// The duration asked, in seconds.
    duration: u32,
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
