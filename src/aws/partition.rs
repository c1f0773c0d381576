//! AWS partitions: what differs between the commercial regions (`arn:aws:`), China
//! (`arn:aws-cn:`) and GovCloud (`arn:aws-us-gov:`): host names, the console, the sign-in
//! (federation) endpoint and a region to fall back on. Taken from an account's ARN prefix.

/// One AWS partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Partition {
    Aws,
    China,
    GovCloud,
}

impl Partition {
    /// The partition of an ARN (`arn:PARTITION:...`); anything unknown is the commercial one.
    pub fn of_arn(arn: &str) -> Partition {
        match super::arn::partition(arn) {
            Some("aws-cn") => Partition::China,
            Some("aws-us-gov") => Partition::GovCloud,
            _ => Partition::Aws,
        }
    }

    /// The partition a region belongs to (`cn-north-1`, `us-gov-west-1`, `eu-west-1`).
    pub fn of_region(region: &str) -> Partition {
        if region.starts_with("cn-") {
            Partition::China
        } else if region.starts_with("us-gov-") {
            Partition::GovCloud
        } else {
            Partition::Aws
        }
    }

    /// As ARNs write it: `aws`, `aws-cn`, `aws-us-gov`.
    pub fn name(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::China => "aws-cn",
            Partition::GovCloud => "aws-us-gov",
        }
    }

    /// The region used when neither the account nor the user names one of this partition.
    pub fn default_region(self) -> &'static str {
        match self {
            Partition::Aws => "us-east-1",
            Partition::China => "cn-north-1",
            Partition::GovCloud => "us-gov-west-1",
        }
    }

    /// `region` if it belongs to this partition, else the partition's default region.
    pub fn region_or_default(self, region: &str) -> String {
        if Partition::of_region(region) == self {
            region.to_owned()
        } else {
            self.default_region().to_owned()
        }
    }

    /// The domain of service endpoints.
    pub fn dns_suffix(self) -> &'static str {
        match self {
            Partition::China => "amazonaws.com.cn",
            Partition::Aws | Partition::GovCloud => "amazonaws.com",
        }
    }

    /// The host of the federation endpoint (`https://HOST/federation`).
    pub fn signin_host(self) -> &'static str {
        match self {
            Partition::Aws => "signin.aws.amazon.com",
            Partition::China => "signin.amazonaws.cn",
            Partition::GovCloud => "signin.amazonaws-us-gov.com",
        }
    }

    /// The host of the management console.
    pub fn console_host(self) -> &'static str {
        match self {
            Partition::Aws => "console.aws.amazon.com",
            Partition::China => "console.amazonaws.cn",
            Partition::GovCloud => "console.amazonaws-us-gov.com",
        }
    }

    /// The regional STS host for `region` (`sts.cn-north-1.amazonaws.com.cn`).
    pub fn sts_host(region: &str) -> String {
        format!("sts.{region}.{}", Partition::of_region(region).dns_suffix())
    }

    /// The IAM host of the partition `region` is in (IAM has one endpoint per partition).
    pub fn iam_host(region: &str) -> String {
        match Partition::of_region(region) {
            Partition::Aws => "iam.amazonaws.com".to_owned(),
            Partition::China => "iam.cn-north-1.amazonaws.com.cn".to_owned(),
            Partition::GovCloud => "iam.us-gov.amazonaws.com".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_arns_and_regions() {
        for (arn, region, partition) in [
            ("arn:aws:iam::123456789012:", "eu-west-1", Partition::Aws),
            ("arn:aws-cn:iam::123456789012:", "cn-northwest-1", Partition::China),
            ("arn:aws-us-gov:iam::123456789012:", "us-gov-east-1", Partition::GovCloud),
        ] {
            assert_eq!(Partition::of_arn(arn), partition);
            assert_eq!(Partition::of_region(region), partition);
            assert_eq!(partition.region_or_default(region), region);
            assert!(arn.starts_with(&format!("arn:{}:", partition.name())));
        }
        assert_eq!(Partition::China.region_or_default("us-east-1"), "cn-north-1");
        assert_eq!(Partition::GovCloud.region_or_default("eu-west-1"), "us-gov-west-1");
        assert_eq!(Partition::Aws.region_or_default("cn-north-1"), "us-east-1");
        assert_eq!(Partition::sts_host("cn-north-1"), "sts.cn-north-1.amazonaws.com.cn");
        assert_eq!(Partition::sts_host("us-gov-west-1"), "sts.us-gov-west-1.amazonaws.com");
        assert_eq!(Partition::iam_host("cn-north-1"), "iam.cn-north-1.amazonaws.com.cn");
        assert_eq!(Partition::iam_host("us-gov-west-1"), "iam.us-gov.amazonaws.com");
        assert_eq!(Partition::China.signin_host(), "signin.amazonaws.cn");
        assert_eq!(Partition::GovCloud.console_host(), "console.amazonaws-us-gov.com");
    }
}
