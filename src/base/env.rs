//! The process environment as a map, so logic never reads the real one directly and tests
//! can pass their own (a developer's `AWS_*` never leaks into a test); and every variable
//! stsenv reads, one function each, so that "which variables does it read" is this file.
//! (The HTTP client reads `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` itself, and
//! the system's CA store `SSL_CERT_FILE` and `SSL_CERT_DIR`, in the AWS client; `stsenv exec` passes the environment on to its command.)

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: HashMap<OsString, OsString>,
}

impl Env {
    /// A snapshot of this process's environment.
    pub fn from_process() -> Env {
        Env { vars: std::env::vars_os().collect() }
    }

    /// Only the named variables of this process's environment (for `now`, on every prompt).
    pub fn from_process_names(names: &[&str]) -> Env {
        Env { vars: names.iter().filter_map(|n| Some((OsString::from(n), std::env::var_os(n)?))).collect() }
    }

    /// An environment made of the given pairs (for tests).
    pub fn from_pairs<K: Into<OsString>, V: Into<OsString>>(pairs: impl IntoIterator<Item = (K, V)>) -> Env {
        Env { vars: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect() }
    }

    /// The raw value of a variable, if set (possibly empty).
    fn get_os(&self, name: &str) -> Option<&OsStr> {
        self.vars.get(OsStr::new(name)).map(OsString::as_os_str)
    }

    /// The value of a variable if it is set, non-empty and valid UTF-8.
    fn get(&self, name: &str) -> Option<&str> {
        self.get_os(name).and_then(OsStr::to_str).filter(|v| !v.is_empty())
    }
}

/// Every variable stsenv reads (set, not empty, UTF-8), one function each.
impl Env {
    /// `HOME`: The home directory.
    pub fn home_var(&self) -> Option<&str> {
        self.get("HOME")
    }

    /// `USER`: The local user's name, taken as the IAM user's when nothing else names one.
    pub fn user(&self) -> Option<&str> {
        self.get("USER")
    }

    /// `LOGNAME`: The local user's name where `USER` is not set.
    pub fn logname(&self) -> Option<&str> {
        self.get("LOGNAME")
    }

    /// `SHELL`: The user's login shell, named in a hint when the parent process is no shell.
    pub fn login_shell(&self) -> Option<&str> {
        self.get("SHELL")
    }

    /// `BROWSER`: The browser command(s) for `stsenv console`, `:`-separated.
    pub fn browser(&self) -> Option<&str> {
        self.get("BROWSER")
    }

    /// `XDG_CONFIG_HOME`: Where the accounts file is looked for (`stsenv/accounts.json`).
    pub fn xdg_config_home(&self) -> Option<&str> {
        self.get("XDG_CONFIG_HOME")
    }

    /// `XDG_RUNTIME_DIR`: Where `stsenv console` puts the page it hands the browser, and
    /// `exec --server` its command's filtered AWS config (`stsenv/`), when it is a directory of
    /// the user's that nobody else can write.
    pub fn xdg_runtime_dir(&self) -> Option<&str> {
        self.get("XDG_RUNTIME_DIR")
    }

    /// `XDG_CACHE_HOME`: Where the cache goes (`stsenv/`) unless `STSENV_CACHE_DIR` says.
    pub fn xdg_cache_home(&self) -> Option<&str> {
        self.get("XDG_CACHE_HOME")
    }

    /// `STSENV_CONFIG`: The accounts file.
    pub fn stsenv_config(&self) -> Option<&str> {
        self.get("STSENV_CONFIG")
    }

    /// `STSENV_CREDS_DIR`: The key directory.
    pub fn stsenv_creds_dir(&self) -> Option<&str> {
        self.get("STSENV_CREDS_DIR")
    }

    /// `STSENV_CACHE_DIR`: The cache directory.
    pub fn stsenv_cache_dir(&self) -> Option<&str> {
        self.get("STSENV_CACHE_DIR")
    }

    /// `STSENV_TOKEN_CODE`: An MFA code given in the environment (`-c` wins).
    pub fn stsenv_token_code(&self) -> Option<&str> {
        self.get("STSENV_TOKEN_CODE")
    }

    /// `STSENV_MFA_PROCESS_TIMEOUT`: Seconds `mfa_process` may run.
    pub fn stsenv_mfa_process_timeout(&self) -> Option<&str> {
        self.get("STSENV_MFA_PROCESS_TIMEOUT")
    }

    /// `STSENV_KEY_PROCESS_TIMEOUT`: Seconds `key_process` may run.
    pub fn stsenv_key_process_timeout(&self) -> Option<&str> {
        self.get("STSENV_KEY_PROCESS_TIMEOUT")
    }

    /// `STSENV_PROMPT`: Where an MFA code is asked for when no source gives one: `terminal`,
    /// `dialog` (zenity, kdialog or osascript) or `none`; unset, the terminal, else a dialog in a
    /// desktop session. A value that is none of these is an error (exit 2).
    pub fn stsenv_prompt(&self) -> Option<&str> {
        self.get("STSENV_PROMPT")
    }

    /// `DISPLAY`: An X11 desktop session (a dialog may ask for the MFA code there).
    pub fn display(&self) -> Option<&str> {
        self.get("DISPLAY")
    }

    /// `WAYLAND_DISPLAY`: A Wayland desktop session (as `DISPLAY`).
    pub fn wayland_display(&self) -> Option<&str> {
        self.get("WAYLAND_DISPLAY")
    }

    /// Whether this is a desktop session: `DISPLAY` or `WAYLAND_DISPLAY` is set.
    pub fn in_desktop_session(&self) -> bool {
        self.display().is_some() || self.wayland_display().is_some()
    }

    /// `STSENV_LOCK_TIMEOUT`: Seconds to wait for another stsenv escalating the same account.
    pub fn stsenv_lock_timeout(&self) -> Option<&str> {
        self.get("STSENV_LOCK_TIMEOUT")
    }

    /// `STSENV_SIGNIN_URL`: The console federation endpoint (for tests and private endpoints).
    pub fn stsenv_signin_url(&self) -> Option<&str> {
        self.get("STSENV_SIGNIN_URL")
    }

    /// `STSENV_ACCOUNT`: The account the shell switched to (set by stsenv).
    pub fn stsenv_account(&self) -> Option<&str> {
        self.get("STSENV_ACCOUNT")
    }

    /// `STSENV_KIND`: What the shell holds: `mfa`, `session`, `role`, `keys` (set by stsenv).
    pub fn stsenv_kind(&self) -> Option<&str> {
        self.get("STSENV_KIND")
    }

    /// `STSENV_ROLE`: The role the shell holds (set by stsenv).
    pub fn stsenv_role(&self) -> Option<&str> {
        self.get("STSENV_ROLE")
    }

    /// `STSENV_EXPIRES`: When the shell's credentials expire, Unix seconds (set by stsenv).
    pub fn stsenv_expires(&self) -> Option<&str> {
        self.get("STSENV_EXPIRES")
    }

    /// `STSENV_REGION`: The region stsenv set in the shell.
    pub fn stsenv_region(&self) -> Option<&str> {
        self.get("STSENV_REGION")
    }

    /// `STSENV_USER_REGION`: The user's own region from before stsenv set one.
    pub fn stsenv_user_region(&self) -> Option<&str> {
        self.get("STSENV_USER_REGION")
    }

    /// `AWS_REGION`: The region (the SDKs' first choice).
    pub fn aws_region(&self) -> Option<&str> {
        self.get("AWS_REGION")
    }

    /// `AWS_DEFAULT_REGION`: The region (the AWS CLI v1's name).
    pub fn aws_default_region(&self) -> Option<&str> {
        self.get("AWS_DEFAULT_REGION")
    }

    /// `AWS_ACCESS_KEY_ID`: The shell's access key (`now`, `console`).
    pub fn aws_access_key_id(&self) -> Option<&str> {
        self.get("AWS_ACCESS_KEY_ID")
    }

    /// `AWS_SECRET_ACCESS_KEY`: The shell's secret key (`console` of the shell's role).
    pub fn aws_secret_access_key(&self) -> Option<&str> {
        self.get("AWS_SECRET_ACCESS_KEY")
    }

    /// `AWS_SESSION_TOKEN`: The shell's session token (`console` of the shell's role).
    pub fn aws_session_token(&self) -> Option<&str> {
        self.get("AWS_SESSION_TOKEN")
    }

    /// `AWS_SHARED_CREDENTIALS_FILE`: The shared credentials file (`import`, `--write-profile`).
    pub fn aws_shared_credentials_file(&self) -> Option<&str> {
        self.get("AWS_SHARED_CREDENTIALS_FILE")
    }

    /// `AWS_CONFIG_FILE`: The AWS config file (`exec --server` filters its `[default]` profile).
    pub fn aws_config_file(&self) -> Option<&str> {
        self.get("AWS_CONFIG_FILE")
    }

    /// `AWS_ENDPOINT_URL`: Every service's endpoint, under the service's own variable.
    pub fn aws_endpoint_url(&self) -> Option<&str> {
        self.get("AWS_ENDPOINT_URL")
    }

    /// `AWS_ENDPOINT_URL_STS`: STS's endpoint.
    pub fn aws_endpoint_url_sts(&self) -> Option<&str> {
        self.get("AWS_ENDPOINT_URL_STS")
    }

    /// `AWS_ENDPOINT_URL_IAM`: IAM's endpoint.
    pub fn aws_endpoint_url_iam(&self) -> Option<&str> {
        self.get("AWS_ENDPOINT_URL_IAM")
    }

    /// `AWS_CA_BUNDLE`: The PEM file of the CAs trusted for HTTPS, instead of the system's.
    pub fn aws_ca_bundle(&self) -> Option<&str> {
        self.get("AWS_CA_BUNDLE")
    }

    /// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`: `true`: the endpoint variables are ignored.
    pub fn aws_ignore_configured_endpoint_urls(&self) -> bool {
        self.is_true("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
    }

    /// `AWS_USE_FIPS_ENDPOINT`: `true`: FIPS endpoints.
    pub fn aws_use_fips_endpoint(&self) -> bool {
        self.is_true("AWS_USE_FIPS_ENDPOINT")
    }

    /// `AWS_USE_DUALSTACK_ENDPOINT`: `true`: dual-stack endpoints.
    pub fn aws_use_dualstack_endpoint(&self) -> bool {
        self.is_true("AWS_USE_DUALSTACK_ENDPOINT")
    }

    /// `PATH`, as it is (it may hold any bytes): where `stsenv exec` looks for its program.
    pub fn path(&self) -> Option<&OsStr> {
        self.get_os("PATH")
    }

    /// A variable of the SDKs' booleans: `true`, ignoring case and spaces.
    fn is_true(&self, name: &str) -> bool {
        self.get(name).is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
    }
}

/// The user's home directory from the environment passed in.
pub fn home(env: &Env) -> PathBuf {
    env.home_var()
        .map(PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().to_owned()))
        .unwrap_or_else(|| PathBuf::from("/"))
}
