//! Credentials in memory: secrets that never print themselves, and the kinds of credentials.

use std::fmt;

use time::OffsetDateTime;

/// A secret value (bytes, as read from a key file or returned by STS). Its `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Secret {
        Secret(bytes.into())
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The value as text, when it is valid UTF-8 (the AWS SDK needs text).
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// The value as text for JSON (credential_process, the credential server): invalid UTF-8
    /// replaced, as JSON can hold text only.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// What the shell's credentials are: `STSENV_KIND`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Long-term keys from the key directory.
    Keys,
    /// A GetSessionToken session with MFA.
    Mfa,
    /// A GetSessionToken session without MFA (`-c skip`).
    Session,
    /// AssumeRole credentials.
    Role,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Keys => "keys",
            Kind::Mfa => "mfa",
            Kind::Session => "session",
            Kind::Role => "role",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Keys, Kind::Mfa, Kind::Session, Kind::Role].into_iter().find(|k| k.as_str() == s)
    }

    /// The old tool's account label: `personal`, `personal-MFA-STS`, `personal-STS`,
    /// `personal-role-Admin`.
    pub fn label(self, account: &str, role: Option<&str>) -> String {
        match self {
            Kind::Keys => account.to_owned(),
            Kind::Mfa => format!("{account}-MFA-STS"),
            Kind::Session => format!("{account}-STS"),
            Kind::Role => format!("{account}-role-{}", role.unwrap_or("?")),
        }
    }
}

/// A set of AWS credentials: long-term keys, or temporary ones with a token and an expiry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: Secret,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
    pub expiration: Option<OffsetDateTime>,
}

impl Credentials {
    /// Long-term keys: an access key ID and its secret, without a token or an expiry.
    pub fn long_term(
        access_key_id: impl Into<Vec<u8>>,
        secret_access_key: impl Into<Vec<u8>>,
    ) -> Credentials {
        Credentials {
            access_key_id: Secret::new(access_key_id),
            secret_access_key: Secret::new(secret_access_key),
            session_token: None,
            expiration: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("AKIAVERYSECRET");
        assert_eq!(format!("{s:?}"), "Secret(***)");
    }
}
