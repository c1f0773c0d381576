//! The AWS SDK for JavaScript v3 (npm @aws-sdk/client-sts and @aws-sdk/credential-providers,
//! from scripts/node-deps) calls STS GetCallerIdentity against moto with the credentials stsenv
//! gives it three ways: the variables `ec2switch` and `ec2mfa` set in bash, `credential_process`
//! in ~/.aws/config, and `exec --server`'s credential server. A missing node or npm package
//! fails these tests; they are never skipped.

use std::path::PathBuf;
use std::process::Output;

use stsenv::store::slot::Slot;
use time::OffsetDateTime;

use crate::util::fixtures::moto_home;
use crate::util::moto::Moto;
use crate::util::{Home, node_dir, stderr, stdout};

const ROLE_ARN: &str = "arn:aws:sts::123456789012:assumed-role/Admin/stsenv-jbrowne";

fn script() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sts_identity.js").display().to_string()
}

/// Node finds the SDK through NODE_PATH; its warning about old node versions is not shown.
fn with_node(home: &mut Home) {
    home.set("NODE_PATH", node_dir().join("node_modules"));
    home.set("NODE_NO_WARNINGS", "1");
}

/// The JSON lines `sts_identity.js` printed.
fn identities(out: &Output) -> Vec<serde_json::Value> {
    assert!(out.status.success(), "{:?}: {}", out.status, stderr(out));
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}\n{}", stderr(out))))
        .collect()
}

fn key_of(home: &Home, slot: &Slot) -> String {
    let entry = home.cache().valid("personal", slot, OffsetDateTime::now_utc()).unwrap();
    String::from_utf8(entry.credentials.access_key_id.expose().to_vec()).unwrap()
}

#[test]
fn js_sdk_uses_the_variables_of_ec2switch_and_ec2mfa() {
    let moto = Moto::start(false);
    let (mut home, user) = moto_home(&moto);
    with_node(&mut home);
    let js = script();
    let steps = format!(
        "set -e\neval \"$(stsenv init bash)\"\n\
         ec2switch personal 2>/dev/null\nnode {js} env\nnode {js} chain\n\
         ec2mfa personal -c 123456 2>/dev/null\nnode {js} env\nnode {js} chain\n\
         ec2role admin 2>/dev/null\nnode {js} chain\n"
    );
    let mut bash = home.command("bash");
    bash.args(["--noprofile", "--norc", "-c", &steps]);
    let seen = identities(&bash.output().unwrap());
    assert_eq!(seen.len(), 5, "{seen:?}");
    // The long-term keys: the IAM user itself, no expiry.
    for s in &seen[..2] {
        assert_eq!(s["arn"], "arn:aws:iam::123456789012:user/jbrowne", "{s}");
        assert_eq!(s["accessKeyId"], user.access_key.as_str());
        assert!(s["expiration"].is_null(), "{s}");
    }
    // The MFA session, with its expiry from AWS_CREDENTIAL_EXPIRATION.
    let session = home.cache().valid("personal", &Slot::Mfa, OffsetDateTime::now_utc()).unwrap();
    for s in &seen[2..4] {
        assert_eq!(s["accessKeyId"].as_str().unwrap().as_bytes(), session.credentials.access_key_id.expose());
        let expected = stsenv::base::times::rfc3339(session.expiration).replace('Z', ".000Z");
        assert_eq!(s["expiration"].as_str(), Some(expected.as_str()), "{s}");
    }
    assert_eq!(seen[4]["arn"], ROLE_ARN);
}

#[test]
fn js_sdk_uses_credential_process_in_the_aws_config() {
    let moto = Moto::start(false);
    let (mut home, _) = moto_home(&moto);
    with_node(&mut home);
    home.credential_process_profiles();
    assert!(home.stsenv(&["mfa", "personal", "-c", "123456"]).status.success());
    assert!(home.stsenv(&["role", "admin", "-a", "personal"]).status.success());
    let node = |profile: &str, provider: &[&str]| {
        let mut cmd = home.command("node");
        cmd.arg(script()).args(provider).env("AWS_PROFILE", profile);
        cmd.output().unwrap()
    };
    let mfa_key = key_of(&home, &Slot::Mfa);
    for provider in [&["ini", "personal-mfa"][..], &["chain"]] {
        let seen = identities(&node("personal-mfa", provider));
        assert_eq!(seen[0]["accessKeyId"].as_str(), Some(mfa_key.as_str()), "{provider:?}: {}", seen[0]);
        assert!(seen[0]["expiration"].as_str().unwrap().ends_with('Z'), "{}", seen[0]);
    }
    for provider in [&["ini", "personal-admin"][..], &["chain"]] {
        let seen = identities(&node("personal-admin", provider));
        assert_eq!(seen[0]["arn"], ROLE_ARN, "{provider:?}");
    }
}

#[test]
fn js_sdk_uses_the_credential_server_of_exec() {
    let moto = Moto::start(false);
    let (mut home, _) = moto_home(&moto);
    with_node(&mut home);
    let js = script();
    for provider in ["http", "container", "chain"] {
        let out = home.stsenv(&["exec", "personal", "-c", "123456", "--server", "--", "node", &js, provider]);
        let seen = identities(&out);
        assert_eq!(seen[0]["accessKeyId"].as_str(), Some(key_of(&home, &Slot::Mfa).as_str()), "{provider}");
        assert!(seen[0]["arn"].as_str().unwrap().contains(":123456789012:user/"), "{provider}: {}", seen[0]);
    }
    let out = home.stsenv(&["exec", "personal", "--role", "admin", "--server", "--", "node", &js, "chain"]);
    assert_eq!(identities(&out)[0]["arn"], ROLE_ARN);
}
