//! Finding the MFA device of an account's keys: GetCallerIdentity says which IAM user the keys
//! belong to, ListMFADevices lists that user's devices.

use crate::aws::arn;
use crate::aws::iam::{Device, Iam};
use crate::aws::sts::Sts;
use crate::base::credentials::Credentials;
use crate::base::env::Env;
use crate::base::error::{self, Result};

/// Who the keys belong to.
pub struct Caller {
    pub arn: String,
    /// The IAM user name, when the keys are an IAM user's.
    pub user: Option<String>,
    pub account_id: String,
    /// How far AWS's clock was ahead of this machine's (seconds), when STS's answer said.
    pub skew: Option<i64>,
}

impl Caller {
    /// GetCallerIdentity with these credentials.
    pub fn of(credentials: &Credentials, region: &str, env: &Env) -> Result<Caller> {
        let (arn, skew) = Sts::new(credentials, region, env)?.caller()?;
        Ok(Caller { skew, ..Caller::from_arn(arn) })
    }

    pub fn from_arn(arn: String) -> Caller {
        let user = arn::user_from_arn(&arn).map(str::to_owned);
        let account_id = arn::account_from_arn(&arn).unwrap_or_default().to_owned();
        Caller { arn, user, account_id, skew: None }
    }

    /// The IAM user name, or an error saying these are not an IAM user's keys.
    pub fn require_user(&self, what: &str) -> Result<&str> {
        self.user.as_deref().ok_or_else(|| {
            error::usage(format!("{what} needs an IAM user's access keys, but these belong to {}", self.arn))
        })
    }

    /// `arn:PARTITION:iam::ACCOUNT_ID:`, the accounts file's `arn`.
    pub fn arn_prefix(&self) -> String {
        arn::prefix_of(arn::partition(&self.arn).unwrap_or("aws"), &self.account_id)
    }
}

/// The caller and its MFA devices.
pub fn devices(credentials: &Credentials, region: &str, env: &Env) -> Result<(Caller, Vec<Device>)> {
    let caller = Caller::of(credentials, region, env)?;
    let user = caller.require_user("finding the MFA device")?.to_owned();
    let devices = Iam::new(credentials, region, env)?.mfa_devices(Some(&user))?;
    Ok((caller, devices))
}

/// The one device, or a configuration error saying what to do with none or several.
pub fn pick(account: &str, user: &str, devices: &[Device]) -> Result<String> {
    match devices {
        [one] => Ok(one.serial.clone()),
        [] => Err(error::usage(format!(
            "IAM user {user} has no MFA device: enroll one with: stsenv mfa-device enroll {account}"
        ))),
        several => Err(error::usage(format!(
            "IAM user {user} has {} MFA devices ({}): pick one in the accounts file's entry for {account}, like \"mfa_serial\": \"{}\"",
            several.len(),
            several.iter().map(|d| d.serial.as_str()).collect::<Vec<_>>().join(", "),
            several[0].serial
        ))),
    }
}
