//! HTTPS as users have it (tests/util/tls.rs: a test CA no system store holds, and fronts that
//! serve moto or the fault server with its certificates): `AWS_CA_BUNDLE` trusted for every
//! call as the AWS CLI trusts it, the system store (`SSL_CERT_FILE`) otherwise, and each way a
//! TLS connection fails said in one line with its fix; and the host the endpoint settings pick.

use std::os::unix::fs::PermissionsExt;

use crate::util::fault::{Fault, Mode};
use crate::util::fixtures::{ACCOUNTS_PERSONAL_ADMIN, sts_home};
use crate::util::moto::{As, CALLER_ARN, Moto, aws};
use crate::util::run::QUICK;
use crate::util::tls::TlsFront;
use crate::util::{Home, stderr, stdout};

/// The cache's files (none after a refusal).
fn cached(home: &Home) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(home.cache_dir()) else { return Vec::new() };
    dir.flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with(".lock"))
        .collect()
}

#[test]
fn the_system_store_from_ssl_cert_file_is_used_without_aws_ca_bundle() {
    let moto = Moto::start(false);
    let front = TlsFront::start(&moto.url);
    let mut trusted = Home::new();
    trusted.keys("personal", crate::util::ACCESS_KEY, crate::util::SECRET_KEY);
    trusted.set("AWS_ENDPOINT_URL", &front.good).set("SSL_CERT_FILE", &front.ca);
    let out = trusted.stsenv(&["mfa", "personal", "-c", "skip", "--shell", "bash"]);
    assert!(out.status.success(), "mfa over TLS failed: {}", stderr(&out));
    assert!(stdout(&out).contains("export AWS_SESSION_TOKEN="), "{}", stdout(&out));
    assert_eq!(moto.requests(), 1, "one GetSessionToken over TLS");

    // A store without the server's CA: the handshake fails, no request is made, nothing is set.
    let mut untrusted = Home::new();
    untrusted.keys("personal", crate::util::ACCESS_KEY, crate::util::SECRET_KEY);
    untrusted.set("AWS_ENDPOINT_URL", &front.good).set("SSL_CERT_FILE", &front.other_ca);
    let run = untrusted.run(&["mfa", "personal", "-c", "skip", "--shell", "bash"], QUICK);
    run.failed(
        1,
        &format!("the certificate of STS at {} is signed by a CA this machine does not trust", front.good),
    );
    assert!(run.stderr.contains("set AWS_CA_BUNDLE to its CA's PEM file"), "{}", run.stderr);
    assert_eq!(moto.requests(), 1, "no request to an unverified server");

    // SSL_CERT_DIR: every file of the directory.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&front.ca, dir.path().join("test-ca.pem")).unwrap();
    let mut by_dir = Home::new();
    by_dir.keys("personal", crate::util::ACCESS_KEY, crate::util::SECRET_KEY);
    by_dir.set("AWS_ENDPOINT_URL", &front.good).set("SSL_CERT_DIR", dir.path());
    let out = by_dir.stsenv(&["mfa", "personal", "-c", "skip", "--shell", "bash"]);
    assert!(out.status.success(), "SSL_CERT_DIR: {}", stderr(&out));
    assert_eq!(moto.requests(), 2);

    // AWS_CA_BUNDLE, when set, is the whole trust: the system store (here SSL_CERT_FILE) is not
    // added to it, as for the AWS CLI.
    for (bundle, store, works) in [(&front.ca, &front.other_ca, true), (&front.other_ca, &front.ca, false)] {
        let mut home = Home::new();
        home.keys("personal", crate::util::ACCESS_KEY, crate::util::SECRET_KEY);
        home.set("AWS_ENDPOINT_URL", &front.good).set("AWS_CA_BUNDLE", bundle).set("SSL_CERT_FILE", store);
        let out = home.stsenv(&["mfa", "personal", "-c", "skip", "--shell", "bash"]);
        assert_eq!(
            out.status.success(),
            works,
            "AWS_CA_BUNDLE={bundle:?} SSL_CERT_FILE={store:?}: {}",
            stderr(&out)
        );
    }
    assert_eq!(moto.requests(), 3);
}

/// HTTP_PROXY for a plain `http://` endpoint: the request goes to the proxy, in absolute form.
#[test]
fn http_proxy_carries_a_plain_http_endpoint() {
    let proxy = Fault::start(Mode::ok());
    let mut home = sts_home("http://sts.example.test");
    home.set("HTTP_PROXY", &proxy.url).set("NO_PROXY", "").set("no_proxy", "");
    let out = home.stsenv(&["mfa", "personal", "-c", "123456", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let requests = proxy.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].head.starts_with("POST http://sts.example.test/ HTTP/1.1"), "{}", requests[0].head);
}

#[test]
fn aws_ca_bundle_is_trusted_for_mfa_roles_credential_process_and_the_server() {
    let moto = Moto::start(false);
    let front = TlsFront::start(&moto.url);
    let (mut home, _user) = Home::with_moto_user(&moto, ACCOUNTS_PERSONAL_ADMIN);
    home.set("AWS_ENDPOINT_URL_STS", &front.good).set("AWS_ENDPOINT_URL", &front.good);
    // What a TLS-inspecting proxy's users have: its CA in AWS_CA_BUNDLE, and nothing else.
    home.set("AWS_CA_BUNDLE", &front.ca);
    let before = moto.requests();
    let out = home.stsenv(&["mfa", "personal", "-c", "123456", "--shell", "bash"]);
    assert!(out.status.success(), "{}\n{}", stderr(&out), moto.log());
    assert!(stdout(&out).contains("export AWS_SESSION_TOKEN="), "{}", stdout(&out));
    let out = home.stsenv(&["role", "admin", "-a", "personal", "--format", "shell", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("export STSENV_ROLE="), "{}", stdout(&out));
    assert_eq!(moto.requests() - before, 2, "GetSessionToken and AssumeRole through the front");
    // The AWS CLI reads AWS_CA_BUNDLE itself: one environment serves both, through
    // credential_process (a role of the cached session) and through the server.
    home.credential_process_profiles();
    let out = aws(&home, As::Profile("personal-admin"), CALLER_ARN);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(":assumed-role/"), "{}", stdout(&out));
    let identity = ["--", "aws", "sts", "get-caller-identity", "--query", "Arn", "--output", "text"];
    let out = home.stsenv(&[&["exec", "personal", "--role", "admin", "--server"][..], &identity].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(":assumed-role/"), "{}", stdout(&out));
}

#[test]
fn without_aws_ca_bundle_each_way_in_is_refused_and_nothing_is_cached() {
    let moto = Moto::start(false);
    let front = TlsFront::start(&moto.url);
    let (mut home, user) = Home::with_moto_user(&moto, ACCOUNTS_PERSONAL_ADMIN);
    home.set("AWS_ENDPOINT_URL_STS", &front.good).set("AWS_ENDPOINT_URL", &front.good);
    home.set("STSENV_TOKEN_CODE", "123456");
    let before = moto.requests();
    let cases: &[&[&str]] = &[
        &["mfa", "personal", "--shell", "bash"],
        &["role", "admin", "-a", "personal", "--shell", "bash"],
        &["credential-process", "personal", "--role", "admin"],
        &["exec", "personal", "--server", "--", "true"],
    ];
    for args in cases {
        let run = home.run(args, QUICK);
        run.failed(1, "is signed by a CA this machine does not trust (UnknownIssuer)");
        assert!(run.stderr.contains("AWS_CA_BUNDLE"), "{}", run.stderr);
    }
    assert_eq!(moto.requests(), before, "no request reached moto");
    assert_eq!(cached(&home), Vec::<String>::new(), "nothing cached");
    // A bundle that is not one: a configuration error, before any connection.
    let bad = home.path().join("not-a-bundle.pem");
    std::fs::write(&bad, "not a certificate\n").unwrap();
    let missing = home.path().join("missing.pem");
    for (path, phrase) in [(&missing, "does not exist"), (&bad, "holds no PEM certificate")] {
        let mut home = Home::new();
        home.user_keys("personal", &user).accounts(ACCOUNTS_PERSONAL_ADMIN);
        home.set("AWS_ENDPOINT_URL_STS", &front.good).set("AWS_CA_BUNDLE", path);
        let run = home.run(&["mfa", "personal", "-c", "123456", "--shell", "bash"], QUICK);
        run.failed(2, &format!("AWS_CA_BUNDLE={} {phrase}", path.display()));
    }
    assert_eq!(moto.requests(), before, "no request reached moto");
}

/// AWS_CA_BUNDLE decides whom stsenv trusts with the keys' signatures and the credentials
/// coming back: a bundle another user can change is refused (exit 2, before any connection),
/// as the accounts file would be; the same bundle kept to its owner works. As a second user:
/// CI runs as root, where every file would do.
#[test]
fn a_bundle_another_user_can_change_is_refused() {
    let Some(user) = crate::util::other_user() else { return };
    let moto = Moto::start(false);
    let front = TlsFront::start(&moto.url);
    let (_, keys) = Home::with_moto_user(&moto, ACCOUNTS_PERSONAL_ADMIN);
    let mut home = Home::new();
    home.user_keys("personal", &keys).accounts(ACCOUNTS_PERSONAL_ADMIN);
    let bundle = home.path().join("corporate-ca.pem");
    std::fs::copy(&front.ca, &bundle).unwrap();
    home.set("AWS_ENDPOINT_URL_STS", &front.good).set("AWS_CA_BUNDLE", &bundle);
    home.become_user(&user);
    let before = moto.requests();
    // Writable by others: anyone could add their own CA to it.
    std::fs::set_permissions(&bundle, std::fs::Permissions::from_mode(0o666)).unwrap();
    let run = home.run(&["mfa", "personal", "-c", "123456", "--shell", "bash"], QUICK);
    run.failed(2, &format!("AWS_CA_BUNDLE: {}", bundle.display()));
    assert!(run.stderr.contains("writable by group or others (mode 666)"), "{}", run.stderr);
    // Another user's file (here root's, the test's own).
    std::fs::set_permissions(&bundle, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::os::unix::fs::chown(&bundle, Some(0), Some(0)).unwrap();
    let theirs = home.path().join("their-ca.pem");
    std::fs::copy(&front.ca, &theirs).unwrap();
    std::os::unix::fs::chown(&theirs, Some(12345), Some(12345)).unwrap();
    home.set("AWS_CA_BUNDLE", &theirs);
    let run = home.run(&["mfa", "personal", "-c", "123456", "--shell", "bash"], QUICK);
    run.failed(2, &format!("AWS_CA_BUNDLE: {}", theirs.display()));
    assert!(run.stderr.contains("belongs to another user (uid 12345)"), "{}", run.stderr);
    assert_eq!(moto.requests(), before, "no request reached moto");
    assert_eq!(cached(&home), Vec::<String>::new(), "nothing cached");
    // The user's own bundle, mode 644: trusted.
    user.give(&bundle);
    home.set("AWS_CA_BUNDLE", &bundle);
    let run = home.run(&["mfa", "personal", "-c", "123456", "--shell", "bash"], QUICK);
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    assert_eq!(moto.requests(), before + 1, "one GetSessionToken");
}

/// Each way a TLS connection fails, one line saying what happened and the fix, exit 1, stdout
/// empty, nothing sent (the fronts serve the fault server, which would answer anything).
#[test]
fn tls_failures_say_what_to_do() {
    let fault = Fault::start(Mode::ok());
    let front = TlsFront::start(&fault.url);
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (
            &front.good,
            &[("AWS_CA_BUNDLE", front.other_ca.to_str().unwrap())],
            "is signed by no CA in AWS_CA_BUNDLE=",
        ),
        (
            &front.expired,
            &[("AWS_CA_BUNDLE", front.ca.to_str().unwrap())],
            "has expired or is not valid yet: check this machine's clock",
        ),
        (
            &front.wrong_host,
            &[("AWS_CA_BUNDLE", front.ca.to_str().unwrap())],
            "is for another host name: check AWS_ENDPOINT_URL_STS",
        ),
        (
            "https://sts.example.test",
            &[("HTTPS_PROXY", front.refusing_proxy.as_str()), ("NO_PROXY", ""), ("no_proxy", "")],
            "the proxy refused to connect to STS at https://sts.example.test",
        ),
    ];
    for (endpoint, vars, phrase) in cases {
        let mut home = sts_home(endpoint);
        for (name, value) in vars.iter() {
            home.set(name, value);
        }
        let run = home.run(&["mfa", "personal", "-c", "123456", "--shell", "bash"], QUICK);
        run.failed(1, phrase);
        assert_eq!(cached(&home), Vec::<String>::new(), "{endpoint}: nothing cached");
    }
    assert_eq!(fault.count(), 0, "nothing was sent");
    // The same proxy is gone around for a host NO_PROXY names.
    let mut home = sts_home(&front.good);
    home.set("AWS_CA_BUNDLE", &front.ca)
        .set("HTTPS_PROXY", &front.refusing_proxy)
        .set("NO_PROXY", "127.0.0.1")
        .set("no_proxy", "127.0.0.1");
    let out = home.stsenv(&["mfa", "personal", "-c", "123456", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(fault.count(), 1);
}
/// stsenv builds its SDK configuration itself (no aws-config loader): the standard endpoint
/// settings must still pick the host the AWS SDKs would, seen as the CONNECT a proxy receives
/// (the fault server, refusing every request: nothing goes further).
#[test]
fn endpoint_settings_pick_the_host_the_sdks_would() {
    let proxy = Fault::start(Mode::Raw { status: 403, body: "" });
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[], "sts.us-east-1.amazonaws.com:443"),
        (&[("AWS_USE_FIPS_ENDPOINT", "true")], "sts-fips.us-east-1.amazonaws.com:443"),
        (&[("AWS_USE_DUALSTACK_ENDPOINT", "true")], "sts.us-east-1.api.aws:443"),
        (&[("AWS_ENDPOINT_URL_STS", "https://sts.example.test")], "sts.example.test:443"),
        (&[("AWS_ENDPOINT_URL", "https://all.example.test")], "all.example.test:443"),
        (
            &[
                ("AWS_ENDPOINT_URL_STS", "https://sts.example.test"),
                ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
            ],
            "sts.us-east-1.amazonaws.com:443",
        ),
    ];
    for (vars, host) in cases {
        let mut home = Home::new();
        home.keys("personal", crate::util::ACCESS_KEY, crate::util::SECRET_KEY);
        home.set("AWS_REGION", "us-east-1")
            .set("HTTPS_PROXY", &proxy.url)
            .set("NO_PROXY", "")
            .set("no_proxy", "");
        for (name, value) in vars.iter() {
            home.set(name, value);
        }
        let before = proxy.requests().len();
        let out = home.stsenv(&["mfa", "personal", "-c", "skip", "--shell", "bash"]);
        assert_eq!(out.status.code(), Some(1), "{vars:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{vars:?}");
        let targets: Vec<String> = proxy.requests()[before..]
            .iter()
            .map(|r| r.head.lines().next().unwrap_or("").to_owned())
            .collect();
        assert!(!targets.is_empty(), "{vars:?}: no request reached the proxy: {}", stderr(&out));
        for target in &targets {
            assert_eq!(target, &format!("CONNECT {host} HTTP/1.1"), "{vars:?}");
        }
    }
}
