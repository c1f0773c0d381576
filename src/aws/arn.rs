//! ARNs (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`): every place stsenv reads one apart.

use crate::base::names;

/// Written as an ARN (`arn:...`) rather than as a name.
pub fn is_arn(text: &str) -> bool {
    text.starts_with("arn:")
}

/// The partition field (`aws-cn` of `arn:aws-cn:iam::123456789012:`), whatever it says.
pub fn partition(arn: &str) -> Option<&str> {
    arn.split(':').nth(1)
}

/// The account ID of an ARN, when its account field has the length of one.
pub fn account_from_arn(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| a.len() == 12)
}

/// The account ID of an ARN prefix (`arn:aws:iam::123456789012:`): its last field.
pub fn prefix_account_id(prefix: &str) -> &str {
    prefix.trim_end_matches(':').rsplit(':').next().unwrap_or_default()
}

/// `arn:PARTITION:iam::ACCOUNT_ID:`, the accounts file's `arn`.
pub fn prefix_of(partition: &str, account_id: &str) -> String {
    format!("arn:{partition}:iam::{account_id}:")
}

/// The accounts file's `arn`: `arn:PARTITION:iam::ACCOUNTID:` (a missing trailing colon is
/// added), else `None`.
pub fn arn_prefix(arn: &str) -> Option<String> {
    let arn = arn.trim();
    let parts: Vec<&str> = arn.trim_end_matches(':').split(':').collect();
    let ok = parts.len() == 5 && parts[0] == "arn" && is_iam_account(&parts);
    ok.then(|| format!("{}:", arn.trim_end_matches(':')))
}

/// `arn:PARTITION:iam::ACCOUNTID:role/[PATH/]NAME`.
pub fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && is_iam_account(&parts)
        && parts[5].strip_prefix("role/").is_some_and(|name| {
            !name.is_empty()
                && !name.ends_with('/')
                && name.chars().all(|c| names::is_iam_char(c) || c == '/')
        })
}

/// `arn:PARTITION:iam::ACCOUNTID:policy/[PATH/]NAME`, or an AWS managed policy
/// (`arn:PARTITION:iam::aws:policy/...`): a managed policy a session policy may name.
pub fn is_policy_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && arn.len() <= 2048
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && (is_account_id(parts[4]) || parts[4] == "aws")
        && parts[5].strip_prefix("policy/").is_some_and(|name| {
            !name.is_empty()
                && !name.starts_with('/')
                && !name.ends_with('/')
                && !name.contains("//")
                && name.chars().all(|c| names::is_iam_char(c) || c == '/')
        })
}

/// Parts 1 to 4 of a split ARN name an IAM account: an `aws` partition, `iam`, no region and a
/// 12-digit account ID.
fn is_iam_account(parts: &[&str]) -> bool {
    parts[1].starts_with("aws") && parts[2] == "iam" && parts[3].is_empty() && is_account_id(parts[4])
}

/// 12 digits.
pub fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// The user name in an IAM user ARN (`arn:aws:iam::123456789012:user/path/jbrowne` → jbrowne).
pub fn user_from_arn(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let rest = resource.strip_prefix("user/")?;
    rest.rsplit('/').next().filter(|n| !n.is_empty())
}

/// A role's name: the last part of its ARN (`Admin` of `arn:aws:iam::123456789012:role/Admin`).
pub fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns() {
        assert_eq!(user_from_arn("arn:aws:iam::123456789012:user/jbrowne"), Some("jbrowne"));
        assert_eq!(user_from_arn("arn:aws:iam::123456789012:user/ops/team/jb"), Some("jb"));
        assert_eq!(user_from_arn("arn:aws:iam::123456789012:root"), None);
        assert_eq!(user_from_arn("arn:aws:sts::123456789012:assumed-role/R/s"), None);
        assert_eq!(account_from_arn("arn:aws:iam::123456789012:user/jbrowne"), Some("123456789012"));
        for ok in [
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
            "arn:aws-cn:iam::123456789012:policy/team/S3Read",
        ] {
            assert!(is_policy_arn(ok), "{ok}");
        }
        for bad in [
            "arn:aws:iam::aws:role/ReadOnlyAccess",
            "arn:aws:iam::123:policy/X",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::aws:policy/",
            "arn:aws:iam::aws:policy/a b",
            "arn:aws:iam:us-east-1:aws:policy/X",
            "ReadOnlyAccess",
        ] {
            assert!(!is_policy_arn(bad), "{bad}");
        }
    }
}
