//! The HTTPS client that real AWS endpoints need: against moto serving TLS on 127.0.0.1 with a
//! certificate from a test CA, stsenv completes the handshake and the call when the system
//! trust store (here `SSL_CERT_FILE`, which it honours) holds that CA, and refuses the server,
//! sending nothing, when it does not.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use crate::util::fault::{Fault, Mode};
use crate::util::moto::{free_port, venv};
use crate::util::run::command;
use crate::util::{Home, stderr, stdout};

/// A CA and a server certificate for 127.0.0.1 signed by it, and a second, unrelated CA.
const MAKE_CERTS: &str = r#"
import datetime, ipaddress, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

out = sys.argv[1]
now = datetime.datetime.now(datetime.timezone.utc)

def name(text):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

def pem(path, data):
    with open(out + "/" + path, "wb") as f:
        f.write(data)

def ca(common_name):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(name(common_name)).issuer_name(name(common_name))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert

ca_key, ca_cert = ca("stsenv test CA")
_, other_cert = ca("another CA")
key = ec.generate_private_key(ec.SECP256R1())
cert = (x509.CertificateBuilder().subject_name(name("127.0.0.1")).issuer_name(ca_cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256()))
pem("ca.pem", ca_cert.public_bytes(serialization.Encoding.PEM))
pem("other-ca.pem", other_cert.public_bytes(serialization.Encoding.PEM))
pem("server.pem", cert.public_bytes(serialization.Encoding.PEM))
pem("server.key", key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
"#;

/// Waits until the server at argv[1] answers moto's own API over TLS trusting argv[2].
const READY: &str = r#"
import json, ssl, sys, time, urllib.request
context = ssl.create_default_context(cafile=sys.argv[2])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context))
end = time.monotonic() + 30
while time.monotonic() < end:
    try:
        with opener.open(sys.argv[1] + "/moto-api/data.json", timeout=2) as answer:
            if answer.status == 200 and isinstance(json.load(answer), dict):
                sys.exit(0)
    except Exception:
        time.sleep(0.05)
sys.exit(1)
"#;

/// moto_server over TLS (no signature checks: the handshake is what is tested).
struct TlsMoto {
    child: Child,
    url: String,
    log: PathBuf,
}

impl TlsMoto {
    fn start(dir: &Path) -> TlsMoto {
        let python = venv().join("bin/python");
        let made = command(&python).arg("-c").arg(MAKE_CERTS).arg(dir).output().unwrap();
        assert!(made.status.success(), "making the certificates failed: {}", stderr(&made));
        let log = dir.join("moto.log");
        for _ in 0..3 {
            let port = free_port();
            let mut child = command(venv().join("bin/moto_server"))
                .args(["-H", "127.0.0.1", "-p", &port.to_string(), "--ssl-cert"])
                .arg(dir.join("server.pem"))
                .arg("--ssl-key")
                .arg(dir.join("server.key"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).unwrap())
                .spawn()
                .unwrap();
            let url = format!("https://127.0.0.1:{port}");
            let ready = command(&python)
                .arg("-c")
                .arg(READY)
                .arg(&url)
                .arg(dir.join("ca.pem"))
                .env("NO_PROXY", "*")
                .status()
                .unwrap();
            // Another server may have taken the port; then moto has exited.
            if ready.success() && matches!(child.try_wait(), Ok(None)) {
                return TlsMoto { child, url, log };
            }
            crate::util::run::kill(&mut child);
        }
        let mut text = String::new();
        let _ = std::fs::File::open(&log).and_then(|mut f| f.read_to_string(&mut text));
        panic!("moto did not start with TLS: {text}");
    }

    fn requests(&self) -> usize {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("\"POST "))
            .count()
    }
}

impl Drop for TlsMoto {
    fn drop(&mut self) {
        crate::util::run::kill(&mut self.child);
    }
}

#[test]
fn https_endpoint_handshake_and_certificate_check() {
    let certs = tempfile::tempdir().unwrap();
    let moto = TlsMoto::start(certs.path());

    let mut trusted = Home::new();
    trusted.keys("personal", crate::util::ACCESS_KEY, crate::util::SECRET_KEY);
    trusted.set("AWS_ENDPOINT_URL", &moto.url).set("SSL_CERT_FILE", certs.path().join("ca.pem"));
    let out = trusted.stsenv(&["mfa", "personal", "-c", "skip", "--shell", "bash"]);
    assert!(out.status.success(), "mfa over TLS failed: {}", stderr(&out));
    assert!(stdout(&out).contains("export AWS_SESSION_TOKEN="), "{}", stdout(&out));
    assert_eq!(moto.requests(), 1, "one GetSessionToken over TLS");

    // A store without the server's CA: the handshake fails, no request is made, nothing is set.
    let mut untrusted = Home::new();
    untrusted.keys("personal", crate::util::ACCESS_KEY, crate::util::SECRET_KEY);
    untrusted.set("AWS_ENDPOINT_URL", &moto.url).set("SSL_CERT_FILE", certs.path().join("other-ca.pem"));
    let out = untrusted.stsenv(&["mfa", "personal", "-c", "skip", "--shell", "bash"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let message = stderr(&out);
    assert!(message.contains(&format!("cannot reach STS at {}", moto.url)), "{message}");
    assert!(message.to_lowercase().contains("certificate"), "says why: {message}");
    assert_eq!(message.lines().count(), 1, "{message}");
    assert_eq!(moto.requests(), 1, "no request to an unverified server");
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
