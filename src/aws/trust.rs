//! The CAs stsenv trusts for HTTPS, and what a failed connection means for the user (its
//! innermost cause; the TLS or proxy failure, explained).
//!
//! `AWS_CA_BUNDLE` means what the AWS CLI gives it: the PEM file's certificates are the CAs
//! trusted for every HTTPS call (STS, IAM, the console sign-in endpoint), in place of the
//! system's store; it is how a company's TLS-inspecting proxy is trusted. Without it, the
//! system's store is used (which `SSL_CERT_FILE` / `SSL_CERT_DIR` replace, as for OpenSSL).
//! The bundle is read before any network call to an https endpoint (not for a plain `http://`
//! one, which uses no CA), under the rules of the files stsenv trusts (a CA another user could
//! add to would let them read the session credentials STS sends).

use std::error::Error as StdError;

use aws_smithy_http_client::tls::{TlsContext, TrustStore};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::base::env::Env;
use crate::base::error::{self, Result};
use crate::sys::strict_modes::{self, Refusal};

/// The most a CA bundle may hold (Debian's whole store is about 220 KB).
const BUNDLE_LIMIT: u64 = 16 << 20;

/// The CAs trusted for HTTPS.
#[derive(Clone, Debug, Default)]
pub struct Trust {
    /// `AWS_CA_BUNDLE`'s path and its certificates; None: the system's store.
    bundle: Option<(String, TlsContext)>,
}

impl Trust {
    /// The CAs to trust for `url`: none to read for a plain `http://` one (a local emulator or
    /// proxy), else `from_env`.
    pub fn for_url(url: &str, env: &Env) -> Result<Trust> {
        if is_plain_http(url) { Ok(Trust::default()) } else { Trust::from_env(env) }
    }

    /// `AWS_CA_BUNDLE`'s CAs, else the system's. A bundle that is missing, unreadable, another
    /// user's to change, or holds no certificate (or one that cannot be read) is a
    /// configuration error naming the variable and the path.
    pub fn from_env(env: &Env) -> Result<Trust> {
        let Some(path) = env.aws_ca_bundle() else {
            return Ok(Trust::default());
        };
        let shown = path.escape_default().to_string();
        let bad = |why: String| error::usage(format!("AWS_CA_BUNDLE={shown} {why}"));
        let home = crate::base::env::home(env);
        let trusted =
            strict_modes::read(std::path::Path::new(path), &home, Some(BUNDLE_LIMIT)).map_err(|refusal| {
                match refusal {
                    Refusal::Io(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        bad("does not exist: set it to your CA's PEM file, or unset it".to_owned())
                    }
                    Refusal::Io(e) => bad(format!(
                        "cannot be read ({}): fix its permissions, or unset it",
                        crate::base::error::io_reason(&e)
                    )),
                    Refusal::NotRegular => bad("is not a file: set it to your CA's PEM file".to_owned()),
                    Refusal::TooLarge(limit) => {
                        bad(format!("is larger than {} MiB: it is not a CA bundle", limit >> 20))
                    }
                    Refusal::Untrusted(u) => error::usage(format!(
                        "AWS_CA_BUNDLE: {}, who could then read what STS sends; {}",
                        u.what(),
                        u.fix()
                    )),
                }
            })?;
        let mut roots = rustls::RootCertStore::empty();
        let mut count = 0;
        for (n, cert) in CertificateDer::pem_slice_iter(&trusted.bytes).enumerate() {
            let readable = cert.ok().is_some_and(|der| roots.add(der).is_ok());
            if !readable {
                return Err(bad(format!(
                    "has a certificate that cannot be read (the {}): fix or remove it",
                    ordinal(n + 1)
                )));
            }
            count += 1;
        }
        if count == 0 {
            return Err(bad(
                "holds no PEM certificate (-----BEGIN CERTIFICATE-----): set it to your CA's PEM file"
                    .to_owned(),
            ));
        }
        let store = TrustStore::empty().with_native_roots(false).with_pem_certificate(trusted.bytes);
        let context = TlsContext::builder()
            .with_trust_store(store)
            .build()
            .map_err(|e| bad(format!("cannot be used ({e})")))?;
        Ok(Trust { bundle: Some((shown, context)) })
    }

    /// The TLS configuration for the HTTP client (None: the system's store).
    pub(crate) fn context(&self) -> Option<&TlsContext> {
        self.bundle.as_ref().map(|(_, context)| context)
    }

    /// A failed connection to `what` (`STS at https://...`, whose endpoint `variable` sets)
    /// explained in one line when TLS or the proxy made it fail: None for any other failure.
    pub fn explain(&self, e: &(dyn StdError + 'static), what: &str, variable: &str) -> Option<String> {
        use rustls::CertificateError as C;
        if let Some(tunnel) = causes(e).find(|c| c.to_string().starts_with("CONNECT tunnel failed")) {
            return Some(format!(
                "the proxy refused to connect to {what} ({}): check HTTPS_PROXY, or name the host in NO_PROXY to go around the proxy",
                root_cause(tunnel)
            ));
        }
        let certificate = match tls_error(e)? {
            rustls::Error::InvalidCertificate(c) => c,
            other => {
                return Some(format!(
                    "the TLS connection to {what} failed ({other}): check {variable}, HTTPS_PROXY and AWS_CA_BUNDLE"
                ));
            }
        };
        Some(match certificate {
            C::UnknownIssuer => match &self.bundle {
                Some((path, _)) => format!(
                    "the certificate of {what} is signed by no CA in AWS_CA_BUNDLE={path}: add the CA that signs it (your proxy's) to that file, or check {variable}"
                ),
                None => format!(
                    "the certificate of {what} is signed by a CA this machine does not trust (UnknownIssuer): behind a TLS-inspecting proxy, set AWS_CA_BUNDLE to its CA's PEM file; else check {variable}"
                ),
            },
            C::Expired | C::ExpiredContext { .. } | C::NotValidYet | C::NotValidYetContext { .. } => format!(
                "the certificate of {what} has expired or is not valid yet: check this machine's clock, then the proxy in between (HTTPS_PROXY) and {variable}"
            ),
            C::NotValidForName | C::NotValidForNameContext { .. } => format!(
                "the certificate of {what} is for another host name: check {variable} (its host must be one the certificate names) and HTTPS_PROXY / NO_PROXY"
            ),
            other => format!(
                "the certificate of {what} was refused ({other:?}): check {variable}, HTTPS_PROXY and AWS_CA_BUNDLE"
            ),
        })
    }
}

/// Whether `url` is plain `http://` (a local emulator or proxy: no TLS, no certificate store).
pub(crate) fn is_plain_http(url: &str) -> bool {
    url.get(..7).is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"))
}

/// The innermost cause, the one a user can act on ("Connection refused", "failed to lookup
/// address information"), without the SDK's layers around it.
pub(crate) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last = e;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The error and its causes, outermost first.
fn causes<'a>(e: &'a (dyn StdError + 'static)) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(e), |err: &&'a (dyn StdError + 'static)| (*err).source())
}

/// The TLS error among the causes (an `io::Error` holds it, in another `io::Error` here,
/// without naming it as its source).
fn tls_error<'a>(e: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    causes(e).find_map(|err| {
        let mut err: &(dyn StdError + 'static) = err;
        loop {
            if let Some(tls) = err.downcast_ref::<rustls::Error>() {
                return Some(tls);
            }
            err = err.downcast_ref::<std::io::Error>()?.get_ref()?;
        }
    })
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn ordinals() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 21, 102].into_iter().map(super::ordinal).collect();
        assert_eq!(got, ["1st", "2nd", "3rd", "4th", "11th", "12th", "21st", "102nd"]);
    }
}
