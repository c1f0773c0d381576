//! `stsenv policy`: starter IAM policies that make long-term keys useless without MFA (after
//! awsmfa's starter kit, aws2fa's explicit deny and the AWS documentation), filled in for an
//! account ID and IAM user. One KIND prints that policy document alone; `all` prints one JSON
//! object keyed by kind.

use super::Context;
use crate::aws::arn::{is_account_id, is_arn, prefix_account_id, prefix_of};
use crate::base::error::{self, Result, say};
use crate::cli::{Policy, PolicyKind};
use crate::engine::target::{env_user, iam_user};

/// What a user may do with long-term keys alone: set up their MFA device, manage their own
/// access keys, see who they are, and get an MFA session.
const SELF_SERVICE_ACTIONS: &[&str] = &[
    "iam:CreateVirtualMFADevice",
    "iam:DeleteVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "iam:GetUser",
    "iam:CreateAccessKey",
    "iam:DeleteAccessKey",
    "iam:UpdateAccessKey",
    "iam:ListAccessKeys",
    "sts:GetCallerIdentity",
    "sts:GetSessionToken",
];

/// The IAM policy variable for the calling user's name.
const USERNAME_VARIABLE: &str = "${aws:username}";

/// What the policies are filled in with.
struct Subject {
    /// `arn:aws:iam::123456789012:` (the partition kept).
    arn: String,
    user: String,
    /// The MFA device's ARN.
    mfa_arn: String,
}

impl Subject {
    fn account_id(&self) -> &str {
        prefix_account_id(&self.arn)
    }
}

/// A JSON string literal.
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// A policy document of these statements (JSON objects, indented as in the document).
fn document(statements: &str) -> String {
    format!("{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n{statements}\n  ]\n}}\n")
}

fn self_service(s: &Subject) -> String {
    let user_arn = q(&format!("{}user/{}", s.arn, s.user));
    let mfa_arn = q(&s.mfa_arn);
    document(&format!(
        r#"    {{
      "Sid": "ManageOwnVirtualMFADevice",
      "Effect": "Allow",
      "Action": ["iam:CreateVirtualMFADevice", "iam:DeleteVirtualMFADevice"],
      "Resource": {mfa_arn}
    }},
    {{
      "Sid": "SetUpOwnMFA",
      "Effect": "Allow",
      "Action": ["iam:EnableMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice", "iam:GetUser"],
      "Resource": {user_arn}
    }},
    {{
      "Sid": "DeactivateOwnMFAOnlyWithMFA",
      "Effect": "Allow",
      "Action": "iam:DeactivateMFADevice",
      "Resource": {user_arn},
      "Condition": {{"Bool": {{"aws:MultiFactorAuthPresent": "true"}}}}
    }},
    {{
      "Sid": "ListVirtualMFADevices",
      "Effect": "Allow",
      "Action": "iam:ListVirtualMFADevices",
      "Resource": "*"
    }},
    {{
      "Sid": "ManageOwnAccessKeys",
      "Effect": "Allow",
      "Action": ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:UpdateAccessKey", "iam:ListAccessKeys"],
      "Resource": {user_arn}
    }},
    {{
      "Sid": "GetCallerIdentity",
      "Effect": "Allow",
      "Action": "sts:GetCallerIdentity",
      "Resource": "*"
    }}"#
    ))
}

/// Denies everything but the self-service actions and GetSessionToken to requests without MFA.
/// AWS leaves `aws:MultiFactorAuthPresent` out of every request signed with long-term keys, even
/// an AssumeRole that carries an MFA code (`BoolIfExists` makes absent count as false), so the
/// keys alone can only get an MFA session, and roles are assumed from that session (chained, at
/// most 1 h). `allow_assume_role` also leaves `sts:AssumeRole` to the long-term keys, for roles
/// longer than that; the roles' trust policies must then require MFA themselves.
fn deny_without_mfa(allow_assume_role: bool) -> String {
    let extra: &[&str] = if allow_assume_role { &["sts:AssumeRole"] } else { &[] };
    let actions: Vec<String> =
        SELF_SERVICE_ACTIONS.iter().chain(extra).map(|a| format!("        {}", q(a))).collect();
    document(&format!(
        r#"    {{
      "Sid": "DenyAllButSelfServiceWithoutMFA",
      "Effect": "Deny",
      "NotAction": [
{}
      ],
      "Resource": "*",
      "Condition": {{"BoolIfExists": {{"aws:MultiFactorAuthPresent": "false"}}}}
    }}"#,
        actions.join(",\n")
    ))
}

fn role_trust(s: &Subject, max_age: Option<u32>) -> String {
    let root = q(&format!("{}root", s.arn));
    let age = match max_age {
        Some(age) => format!(",\n        \"NumericLessThan\": {{\"aws:MultiFactorAuthAge\": \"{age}\"}}"),
        None => String::new(),
    };
    document(&format!(
        r#"    {{
      "Sid": "AssumeRoleOnlyWithMFA",
      "Effect": "Allow",
      "Principal": {{"AWS": {root}}},
      "Action": "sts:AssumeRole",
      "Condition": {{
        "Bool": {{"aws:MultiFactorAuthPresent": "true"}}{age}
      }}
    }}"#
    ))
}

fn check_account_id(id: &str) -> Result<()> {
    if is_account_id(id) {
        Ok(())
    } else {
        Err(error::usage(format!("--account-id '{}' is not a 12-digit AWS account ID", id.escape_default())))
    }
}

/// IAM user names: 1 to 64 of letters, digits and `+=,.@_-`; or the policy variable.
fn check_user(user: &str) -> Result<()> {
    let ok = user == USERNAME_VARIABLE || crate::base::names::is_iam_name(user, 1..=64);
    if ok {
        Ok(())
    } else {
        Err(error::usage(format!(
            "'{}' is not an IAM user name (1 to 64 letters, digits and +=,.@_-); pass --user NAME, or --user '{USERNAME_VARIABLE}' for a group policy",
            user.escape_default()
        )))
    }
}

/// The account ID and user, from `--account-id` or the accounts file, and the user as
/// elsewhere: `--user`, the account's `user`, `NAME.user`, `$USER`.
fn subject(args: &Policy, ctx: &Context) -> Result<Subject> {
    let (arn, user, mfa_serial) = if let Some(id) = &args.account_id {
        check_account_id(id)?;
        let partition = args.partition.as_deref().unwrap_or("aws");
        (prefix_of(partition, id), args.user.clone().or_else(|| env_user(&ctx.env).map(|(u, _)| u)), None)
    } else {
        let Some(name) = args.account.as_deref().or_else(|| ctx.env.stsenv_account()) else {
            return Err(error::usage(
                "which account? Pass --account NAME (an account of the accounts file) or --account-id 123456789012",
            ));
        };
        let accounts = ctx.accounts()?;
        let account = accounts.require(name, "stsenv policy")?;
        let user = match args.user.clone() {
            Some(user) => Some(user),
            None => iam_user(Some(account), &ctx.key_dir(), &account.name, &ctx.env)?.map(|(u, _)| u),
        };
        (account.arn.clone(), user, account.mfa_serial.clone())
    };
    let user = user.ok_or_else(|| error::usage("which IAM user? Pass --user NAME"))?;
    check_user(&user)?;
    // An explicit serial that is a virtual device's ARN names the device; otherwise (and for
    // a group policy) the device is stsenv's default, <arn>mfa/<user>.
    let mfa_arn = match mfa_serial {
        Some(serial) if is_arn(&serial) && user != USERNAME_VARIABLE => serial,
        _ => format!("{arn}mfa/{user}"),
    };
    Ok(Subject { arn, user, mfa_arn })
}

/// Indent every line but the first by `by` spaces (to nest a document).
fn nest(doc: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    doc.trim_end()
        .lines()
        .enumerate()
        .map(|(i, l)| if i == 0 { l.to_owned() } else { format!("{pad}{l}") })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn run(args: &Policy, ctx: &Context) -> Result<String> {
    if args.max_mfa_age == Some(0) {
        return Err(error::usage("--max-mfa-age must be at least 1 second"));
    }
    let allow = args.allow_assume_role_with_mfa;
    if allow && matches!(args.kind, PolicyKind::SelfServiceMfa | PolicyKind::RoleTrustMfa) {
        return Err(error::usage(
            "--allow-assume-role-with-mfa changes only deny-without-mfa (or all); drop it, or ask for that policy",
        ));
    }
    if allow {
        say(
            "With --allow-assume-role-with-mfa the long-term keys alone may call sts:AssumeRole: every role these users may assume must require MFA in its trust policy (stsenv policy role-trust-mfa), or the keys reach it without MFA",
        );
    }
    match args.kind {
        PolicyKind::DenyWithoutMfa => {
            say("Attach it to the users (or their group) whose long-term keys must be useless without MFA");
            Ok(deny_without_mfa(allow))
        }
        PolicyKind::SelfServiceMfa => {
            let s = subject(args, ctx)?;
            say(format!(
                "For user {} in account {}; attach it to the user: aws iam put-user-policy --user-name {} --policy-name stsenv-self-service-mfa --policy-document file://policy.json",
                s.user,
                s.account_id(),
                s.user
            ));
            Ok(self_service(&s))
        }
        PolicyKind::RoleTrustMfa => {
            let s = subject(args, ctx)?;
            say(format!(
                "Trust policy for a role in account {}: aws iam create-role --role-name NAME --assume-role-policy-document file://trust.json",
                s.account_id()
            ));
            Ok(role_trust(&s, args.max_mfa_age))
        }
        PolicyKind::All => {
            let s = subject(args, ctx)?;
            say(format!(
                "Policies for user {} in account {}, as one JSON object; print one alone with: stsenv policy KIND",
                s.user,
                s.account_id()
            ));
            Ok(format!(
                "{{\n  \"self-service-mfa\": {},\n  \"deny-without-mfa\": {},\n  \"role-trust-mfa\": {}\n}}\n",
                nest(&self_service(&s), 2),
                nest(&deny_without_mfa(allow), 2),
                nest(&role_trust(&s, args.max_mfa_age), 2)
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(user: &str) -> Subject {
        Subject {
            arn: "arn:aws:iam::123456789012:".into(),
            user: user.into(),
            mfa_arn: format!("arn:aws:iam::123456789012:mfa/{user}"),
        }
    }

    #[test]
    fn documents_are_json() {
        for user in ["jbrowne", USERNAME_VARIABLE] {
            let s = subject(user);
            for doc in
                [self_service(&s), deny_without_mfa(false), deny_without_mfa(true), role_trust(&s, None)]
            {
                let v: serde_json::Value =
                    serde_json::from_str(&doc).unwrap_or_else(|e| panic!("{e}: {doc}"));
                assert_eq!(v["Version"], "2012-10-17");
            }
        }
        let v: serde_json::Value = serde_json::from_str(&role_trust(&subject("x"), Some(900))).unwrap();
        let condition = &v["Statement"][0]["Condition"];
        assert_eq!(condition["NumericLessThan"]["aws:MultiFactorAuthAge"], "900");
        assert_eq!(condition["Bool"]["aws:MultiFactorAuthPresent"], "true");
        assert_eq!(v["Statement"][0]["Principal"]["AWS"], "arn:aws:iam::123456789012:root");
    }

    #[test]
    fn users() {
        check_user("jbrowne").unwrap();
        check_user("a.b+c=d,e@f_g-h").unwrap();
        check_user(USERNAME_VARIABLE).unwrap();
        for bad in ["", "a b", "a\"b", "${aws:userid}", &"x".repeat(65)] {
            assert!(check_user(bad).is_err(), "{bad}");
        }
        check_account_id("012345678901").unwrap();
        assert!(check_account_id("1234").is_err());
    }
}
