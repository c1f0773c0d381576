//! `stsenv now` / `ec2now`: which keys are set, read from the environment alone (no files, no
//! network), as text, a prompt segment or JSON.

use serde_json::json;
use time::OffsetDateTime;

use super::Context;
use crate::base::credentials::Kind;
use crate::base::env::Env;
use crate::base::error::Result;
use crate::base::names;
use crate::base::times::{format_left, rfc3339};
use crate::cli::{Now, NowFormat};

/// What the environment says about the shell's credentials.
#[derive(Debug, PartialEq, Eq)]
pub struct Status {
    /// Whether `AWS_ACCESS_KEY_ID` is set.
    pub keys_set: bool,
    pub account: Option<String>,
    pub kind: Option<String>,
    pub role: Option<String>,
    pub region: Option<String>,
    /// The expiry as Unix seconds.
    pub expires: Option<i64>,
}

/// The variables `now` reads, and the only ones its fast path takes from the environment.
pub const VARIABLES: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "STSENV_ACCOUNT",
    "STSENV_KIND",
    "STSENV_ROLE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "STSENV_EXPIRES",
];

impl Status {
    /// The one rule, which the bash and zsh `stsenv_prompt` functions follow too (they run no
    /// process): a variable set to the empty string is not set; `STSENV_EXPIRES` counts only
    /// as 1 to 15 digits (anything else shows no time left).
    pub fn read(env: &Env) -> Status {
        let expires = env
            .stsenv_expires()
            .filter(|e| e.len() <= 15 && e.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|e| e.parse().ok());
        Status {
            keys_set: env.aws_access_key_id().is_some(),
            account: env.stsenv_account().map(str::to_owned),
            kind: env.stsenv_kind().map(str::to_owned),
            role: env.stsenv_role().map(str::to_owned),
            region: env.aws_region().or_else(|| env.aws_default_region()).map(str::to_owned),
            expires,
        }
    }

    /// The same, each value as a person may see it (`names::shown`): the variables can hold
    /// anything, and text and prompt go to the terminal (JSON escapes by itself).
    fn shown(&self) -> Status {
        let shown = |value: &Option<String>| value.as_deref().map(|v| names::shown(v).into_owned());
        Status {
            keys_set: self.keys_set,
            account: shown(&self.account),
            kind: shown(&self.kind),
            role: shown(&self.role),
            region: shown(&self.region),
            expires: self.expires,
        }
    }

    /// The account label of the old tool (`personal-MFA-STS`).
    fn label(&self, account: &str) -> String {
        match self.kind.as_deref().and_then(Kind::parse) {
            Some(kind) => kind.label(account, self.role.as_deref()),
            None => account.to_owned(),
        }
    }

    /// `personal:mfa 11h58m`, `work:keys`, `personal:role/Admin expired`; empty when nothing is set.
    pub fn prompt(&self, now: OffsetDateTime) -> String {
        let (true, Some(account)) = (self.keys_set, &self.account) else {
            return String::new();
        };
        let mut kind = self.kind.clone().unwrap_or_else(|| "keys".to_owned());
        if kind == "role"
            && let Some(role) = &self.role
        {
            kind = format!("role/{role}");
        }
        match self.expires {
            None => format!("{account}:{kind}\n"),
            Some(expires) => {
                let left = expires - now.unix_timestamp();
                let left = if left <= 0 { "expired".to_owned() } else { format_left(left) };
                format!("{account}:{kind} {left}\n")
            }
        }
    }

    pub fn text(&self, now: OffsetDateTime) -> String {
        if !self.keys_set {
            return "No keys set\n".to_owned();
        }
        let mut out = match &self.account {
            Some(account) => format!("Keys set for {} AWS account\n", self.label(account)),
            None => "Keys set, not by stsenv\n".to_owned(),
        };
        match &self.region {
            Some(region) => out.push_str(&format!("Region is {region}\n")),
            None => out.push_str("No region set\n"),
        }
        if let (Some(_), Some(expires)) = (&self.account, self.expires) {
            let at = OffsetDateTime::from_unix_timestamp(expires).map(rfc3339).unwrap_or_default();
            let left = expires - now.unix_timestamp();
            if left > 0 {
                out.push_str(&format!("Expires in {} (at {at})\n", format_left(left)));
            } else {
                out.push_str(&format!("Expired {} ago (at {at}); run ec2mfa to renew\n", format_left(-left)));
            }
        }
        out
    }

    pub fn json(&self, now: OffsetDateTime) -> String {
        let stsenv = self.keys_set && self.account.is_some();
        let expires = self.expires.filter(|_| stsenv);
        let value = json!({
            "keys_set": self.keys_set,
            "account": self.account.as_ref().filter(|_| stsenv),
            "kind": self.kind.as_ref().filter(|_| stsenv),
            "role": self.role.as_ref().filter(|_| stsenv),
            "region": self.region,
            "expiration": expires.and_then(|e| OffsetDateTime::from_unix_timestamp(e).ok()).map(rfc3339),
            "seconds_left": expires.map(|e| e - now.unix_timestamp()),
        });
        format!("{value}\n")
    }
}

pub fn run(args: &Now, ctx: &Context) -> Result<String> {
    Ok(output(args, &ctx.env, ctx.now))
}

/// What `now` prints; it cannot fail.
pub fn output(args: &Now, env: &Env, now: OffsetDateTime) -> String {
    let status = Status::read(env);
    match args.format {
        NowFormat::Text => status.shown().text(now),
        NowFormat::Prompt => status.shown().prompt(now),
        NowFormat::Json => status.json(now),
    }
}
