//! Talking to AWS IAM for the caller's own MFA devices and access keys, with the same client
//! settings as STS (`client::Session`). The endpoint is `$AWS_ENDPOINT_URL_IAM`, else
//! `$AWS_ENDPOINT_URL`, else IAM's global endpoint.

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

use crate::aws::client::{Service, Session};
use crate::base::credentials::Credentials;
use crate::base::env::Env;
use crate::base::error::{self, Result};

/// An MFA device enabled for a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub serial: String,
    pub user: String,
}

/// A new virtual MFA device, not yet enabled.
pub struct VirtualDevice {
    pub serial: String,
    /// The Base32 seed (a secret).
    pub seed: String,
}

/// An access key of the user: its ID and whether it is Active or Inactive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    pub id: String,
    pub status: String,
}

/// A new access key.
pub struct NewKey {
    pub id: String,
    pub secret: String,
}

pub struct Iam {
    session: Session,
    client: aws_sdk_iam::Client,
    service: Service,
}

impl Iam {
    /// A client signing with `credentials` (IAM is global; `region` only signs).
    pub fn new(credentials: &Credentials, region: &str, env: &Env) -> Result<Iam> {
        let service = Service::new(
            "IAM",
            "AWS_ENDPOINT_URL_IAM",
            env.aws_endpoint_url_iam(),
            crate::aws::partition::Partition::iam_host(region),
            env,
        )?;
        let session = Session::new(credentials, region, &service)?;
        let client = aws_sdk_iam::Client::new(&session.config);
        Ok(Iam { session, client, service })
    }

    /// ListMFADevices of `user` (None: the caller's own).
    pub fn mfa_devices(&self, user: Option<&str>) -> Result<Vec<Device>> {
        let call = self.client.list_mfa_devices().set_user_name(user.map(str::to_owned));
        let out =
            self.session.runtime.block_on(call.send()).map_err(|e| self.describe(e, "ListMFADevices"))?;
        Ok(out
            .mfa_devices
            .into_iter()
            .map(|d| Device { serial: d.serial_number, user: d.user_name })
            .collect())
    }

    /// CreateVirtualMFADevice `name` at path `/`.
    pub fn create_virtual_mfa_device(&self, name: &str) -> Result<VirtualDevice> {
        let call = self.client.create_virtual_mfa_device().virtual_mfa_device_name(name).path("/");
        let out = self
            .session
            .runtime
            .block_on(call.send())
            .map_err(|e| self.describe(e, "CreateVirtualMFADevice"))?;
        let device = out
            .virtual_mfa_device
            .ok_or_else(|| error::aws("IAM answered CreateVirtualMFADevice without the device"))?;
        // The seed is Base32 text (the SDK has already undone the Base64 of the wire).
        let seed = device
            .base32_string_seed
            .and_then(|b| String::from_utf8(b.into_inner()).ok())
            .map(|s| s.trim().to_owned())
            .filter(|s| {
                !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
            })
            .ok_or_else(|| error::aws("IAM answered CreateVirtualMFADevice without a Base32 seed"))?;
        Ok(VirtualDevice { serial: device.serial_number, seed })
    }

    /// EnableMFADevice with two consecutive codes.
    pub fn enable_mfa_device(&self, user: &str, serial: &str, code1: &str, code2: &str) -> Result<()> {
        let call = self
            .client
            .enable_mfa_device()
            .user_name(user)
            .serial_number(serial)
            .authentication_code1(code1)
            .authentication_code2(code2);
        self.session.runtime.block_on(call.send()).map_err(|e| self.describe(e, "EnableMFADevice"))?;
        Ok(())
    }

    /// ResyncMFADevice with two consecutive codes.
    pub fn resync_mfa_device(&self, user: &str, serial: &str, code1: &str, code2: &str) -> Result<()> {
        let call = self
            .client
            .resync_mfa_device()
            .user_name(user)
            .serial_number(serial)
            .authentication_code1(code1)
            .authentication_code2(code2);
        self.session.runtime.block_on(call.send()).map_err(|e| self.describe(e, "ResyncMFADevice"))?;
        Ok(())
    }

    /// DeleteVirtualMFADevice (of a device not enabled).
    pub fn delete_virtual_mfa_device(&self, serial: &str) -> Result<()> {
        let call = self.client.delete_virtual_mfa_device().serial_number(serial);
        self.session.runtime.block_on(call.send()).map_err(|e| self.describe(e, "DeleteVirtualMFADevice"))?;
        Ok(())
    }

    /// ListAccessKeys of the caller.
    pub fn access_keys(&self) -> Result<Vec<KeyInfo>> {
        let out = self
            .session
            .runtime
            .block_on(self.client.list_access_keys().send())
            .map_err(|e| self.describe(e, "ListAccessKeys"))?;
        Ok(out
            .access_key_metadata
            .into_iter()
            .filter_map(|k| {
                Some(KeyInfo {
                    id: k.access_key_id?,
                    status: k.status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                })
            })
            .collect())
    }

    /// CreateAccessKey for the caller.
    pub fn create_access_key(&self) -> Result<NewKey> {
        let out = self
            .session
            .runtime
            .block_on(self.client.create_access_key().send())
            .map_err(|e| self.describe(e, "CreateAccessKey"))?;
        let key = out.access_key.ok_or_else(|| error::aws("IAM answered CreateAccessKey without a key"))?;
        Ok(NewKey { id: key.access_key_id, secret: key.secret_access_key })
    }

    /// DeleteAccessKey of the caller.
    pub fn delete_access_key(&self, id: &str) -> Result<()> {
        let call = self.client.delete_access_key().access_key_id(id);
        self.session.runtime.block_on(call.send()).map_err(|e| self.describe(e, "DeleteAccessKey"))?;
        Ok(())
    }

    fn describe<E>(&self, e: SdkError<E, HttpResponse>, operation: &str) -> error::Error
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.service.describe(e, operation, |code, _| {
            Some(match code {
                "InvalidClientTokenId" => {
                    "the access key is not valid: check the account's .access_key file in the key directory"
                        .to_owned()
                }
                "SignatureDoesNotMatch" => {
                    "the secret key does not match the access key: check the account's .secret_key file in the key directory"
                        .to_owned()
                }
                "AccessDenied" | "AccessDeniedException" => format!(
                    "AWS denied {operation}: the IAM user needs iam:{operation} on itself (stsenv policy self-service-mfa prints a policy that allows it: docs/mfa.md#starter-iam-policies-stsenv-policy); some policies allow it only with MFA"
                ),
                "EntityAlreadyExists" => format!("{operation}: it already exists"),
                "LimitExceeded" => format!("{operation}: an IAM limit is reached"),
                "NoSuchEntity" => format!("{operation}: IAM does not know it"),
                _ => return None,
            })
        })
    }
}
