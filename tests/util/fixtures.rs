//! Shared fixtures: the accounts files several suites use, the homes built on them (keys,
//! accounts, STS at a fault server or moto), the commands they run, and the STS error table.

use stsenv::aws::client::MAX_ATTEMPTS;

use super::moto::{Moto, User};
use super::{ACCESS_KEY, Home, SECRET_KEY};

/// Account personal, with its IAM user.
pub const ACCOUNTS_PERSONAL: &str =
    r#"{"personal": {"arn": "arn:aws:iam::123456789012:", "user": "jbrowne"}}"#;

/// Account personal with its IAM user and the role `admin` (Admin).
pub const ACCOUNTS_PERSONAL_ADMIN: &str = r#"{
  "personal": {"arn": "arn:aws:iam::123456789012:", "user": "jbrowne",
               "roles": {"admin": "arn:aws:iam::123456789012:role/Admin"}}
}"#;

/// Temporary credentials put in the cache by some tests: no more to be shown than the keys.
pub const CACHED_TOKEN: &str = "CACHEDTOKENCACHEDTOKENCACHEDTOKEN";

/// An MFA session of personal, with a code.
pub const MFA: &[&str] = &["mfa", "personal", "-c", "123456"];
/// The role Admin of personal, with a code.
pub const ROLE: &[&str] = &["role", "Admin", "-a", "personal", "-c", "123456"];

/// A home with account personal's keys (`ACCESS_KEY`, `SECRET_KEY`) and no accounts file.
pub fn home() -> Home {
    let home = Home::new();
    home.keys("personal", ACCESS_KEY, SECRET_KEY);
    home
}

/// Keys and an accounts entry for "personal" (`ACCOUNTS_PERSONAL`), STS at `url` (a fault
/// server, or an address where nothing answers).
pub fn sts_home(url: &str) -> Home {
    let mut home = home();
    home.accounts(ACCOUNTS_PERSONAL);
    home.set("AWS_ENDPOINT_URL_STS", url);
    home
}

/// A home with the moto user's keys as account "personal" (role "admin":
/// `ACCOUNTS_PERSONAL_ADMIN`).
pub fn moto_home(moto: &Moto) -> (Home, User) {
    Home::with_moto_user(moto, ACCOUNTS_PERSONAL_ADMIN)
}

/// An STS error answer and what stsenv must say about it.
pub struct ServiceError {
    pub status: u16,
    pub code: &'static str,
    pub message: &'static str,
    /// The key phrase for `mfa` (GetSessionToken with MFA).
    pub mfa: &'static str,
    /// The key phrase for `role` (AssumeRole with the long-term keys and MFA).
    pub role: &'static str,
    /// Requests the server sees per command: 2 for what the SDK retries.
    pub requests: usize,
}

pub const SERVICE_ERRORS: &[ServiceError] = &[
    ServiceError {
        status: 403,
        code: "AccessDenied",
        message: "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
        mfa: "the MFA code was rejected",
        role: "the MFA code was rejected",
        requests: 1,
    },
    ServiceError {
        status: 403,
        code: "AccessDenied",
        message: "User: arn:aws:iam::123456789012:user/jbrowne is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/Admin",
        mfa: "the MFA code was rejected",
        role: "AWS denied AssumeRole",
        requests: 1,
    },
    ServiceError {
        status: 403,
        code: "InvalidClientTokenId",
        message: "The security token included in the request is invalid.",
        mfa: "the access key is not valid",
        role: "the access key is not valid",
        requests: 1,
    },
    ServiceError {
        status: 403,
        code: "SignatureDoesNotMatch",
        message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        mfa: "the secret key does not match",
        role: "the secret key does not match",
        requests: 1,
    },
    ServiceError {
        status: 400,
        code: "ExpiredToken",
        message: "The security token included in the request is expired",
        mfa: "expired",
        role: "expired",
        requests: 1,
    },
    ServiceError {
        status: 400,
        code: "ValidationError",
        message: "1 validation error detected:\n  Value '1' at 'durationSeconds' failed to satisfy constraint.\n",
        mfa: "GetSessionToken failed",
        role: "AssumeRole failed",
        requests: 1,
    },
    ServiceError {
        status: 400,
        code: "Throttling",
        message: "Rate exceeded",
        mfa: "throttling",
        role: "throttling",
        requests: MAX_ATTEMPTS as usize,
    },
];
