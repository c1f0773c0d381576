//! `stsenv doctor [ACCOUNT]`: one line per finding, each problem with the command or edit that
//! fixes it. Exit 0 when everything is fine, 1 when something is wrong.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::Context;
use crate::aws::iam::Iam;
use crate::aws::mfa_devices::Caller;
use crate::base::credentials::Credentials;
use crate::base::error::{self, Result};
use crate::base::names;
use crate::base::times::format_left;
use crate::cli::Doctor;
use crate::config::accounts::{Account, Accounts};
use crate::config::key_dir::{KeyDir, looks_like_access_key_id, read_secret_quietly};
use crate::engine::target::{Target, UserSource};
use crate::store::entry::State;
use crate::store::slot::Slot;

struct Report {
    lines: String,
    problems: usize,
}

/// Each line as a person may see it (`names::shown`): names, paths, commands and messages from
/// files and the environment never put a raw control character on the terminal.
impl Report {
    fn ok(&mut self, text: impl AsRef<str>) {
        self.lines.push_str(&format!("ok    {}\n", names::shown(text.as_ref())));
    }

    fn fail(&mut self, text: impl AsRef<str>) {
        self.problems += 1;
        self.lines.push_str(&format!("FAIL  {}\n", names::shown(text.as_ref())));
    }

    /// A FAIL when group or others can use the path, naming the chmod.
    fn private(&mut self, path: &Path, what: &str, mode: u32) -> bool {
        match std::fs::metadata(path) {
            Ok(meta) if meta.mode() & 0o077 != 0 => {
                self.fail(format!(
                    "{what} {} is open to group or others ({:o}): chmod {mode:o} {}",
                    path.display(),
                    meta.mode() & 0o777,
                    path.display()
                ));
                false
            }
            Ok(_) => true,
            Err(e) => {
                self.fail(format!("{what} {}: {}", path.display(), crate::base::error::io_reason(&e)));
                false
            }
        }
    }

    /// An ok line, when there is one.
    fn ok_if(&mut self, text: Option<String>) {
        if let Some(text) = text {
            self.ok(text);
        }
    }
}

pub fn run(args: &Doctor, ctx: &Context) -> Result<String> {
    let mut r = Report { lines: String::new(), problems: 0 };
    let key_dir = ctx.key_dir();
    key_directory(&mut r, ctx, &key_dir);
    let accounts = accounts_file(&mut r, ctx);
    cache_directory(&mut r, ctx)?;
    for name in account_names(&mut r, args, ctx, &key_dir, &accounts) {
        account(&mut r, ctx, name, &accounts);
    }
    verdict(r)
}

/// Whether some account gets its keys from a key_process (and so needs no key directory).
fn with_process(accounts: &Accounts) -> bool {
    accounts.accounts.iter().any(|a| a.key_process.is_some())
}

/// The key directory: there (unless the accounts with a key_process need none), and not
/// writable by group or others.
fn key_directory(r: &mut Report, ctx: &Context, key_dir: &KeyDir) {
    if !key_dir.path.is_dir() && ctx.accounts().is_ok_and(|a| with_process(&a)) {
        r.ok(format!(
            "key directory {} does not exist (the accounts with a key_process need none)",
            key_dir.path.display()
        ));
    } else if !key_dir.path.is_dir() {
        r.fail(format!(
            "key directory {} does not exist: mkdir -m 700 {} and put NAME.access_key and NAME.secret_key in it",
            key_dir.path.display(),
            key_dir.path.display()
        ));
    } else {
        // Others may list the directory (the files are 0600), but not replace files in it.
        match std::fs::metadata(&key_dir.path) {
            Ok(meta) if meta.mode() & 0o022 != 0 => r.fail(format!(
                "key directory {} is writable by group or others ({:o}), who could replace the key files: chmod go-w {}",
                key_dir.path.display(),
                meta.mode() & 0o777,
                key_dir.path.display()
            )),
            _ => r.ok(format!("key directory {}", key_dir.path.display())),
        }
    }
}

/// The accounts file: found and valid; when it is not, a FAIL and no accounts.
fn accounts_file(r: &mut Report, ctx: &Context) -> Accounts {
    match Accounts::locate(ctx.accounts_flag.as_deref(), &ctx.env) {
        // Who may write it first (a FAIL naming the chmod or chown), then the JSON.
        Ok(Some(path)) => match Accounts::read_text(&path, &ctx.env) {
            Ok(text) => match Accounts::parse_file(&path, &text) {
                Ok(accounts) => {
                    let n = accounts.accounts.len();
                    r.ok(format!(
                        "accounts file {} ({n} account{})",
                        path.display(),
                        if n == 1 { "" } else { "s" }
                    ));
                    accounts
                }
                Err(e) => {
                    r.fail(format!("accounts file {}: fix the JSON there", e.message));
                    Accounts::default()
                }
            },
            Err(e) => {
                r.fail(e.message);
                Accounts::default()
            }
        },
        Ok(None) => {
            let default =
                Accounts::default_path(&ctx.env).map(|p| p.display().to_string()).unwrap_or_default();
            r.fail(format!(
                "no accounts file: MFA and roles need one; create {default} (see accounts.example.json)"
            ));
            Accounts::default()
        }
        Err(e) => {
            r.fail(e.message);
            Accounts::default()
        }
    }
}

/// The cache directory: the user's own and private, or not made yet. Judged here; the commands
/// that use it refuse it as `refusal` says.
fn cache_directory(r: &mut Report, ctx: &Context) -> Result<()> {
    let cache = crate::store::cache::Cache::configured(&ctx.env)?;
    if cache.dir.is_dir() {
        if let Some(why) = cache.refusal() {
            r.fail(why);
        } else if r.private(&cache.dir, "cache directory", 0o700) {
            r.ok(format!("cache directory {}", cache.dir.display()));
        }
    } else {
        r.ok(format!("cache directory {} (made on the first escalation)", cache.dir.display()));
    }
    Ok(())
}

/// The accounts to look at: the one named (or the shell's), else every account with keys,
/// after a FAIL for each account of the accounts file without them.
fn account_names(
    r: &mut Report,
    args: &Doctor,
    ctx: &Context,
    key_dir: &KeyDir,
    accounts: &Accounts,
) -> Vec<String> {
    match args.account.as_deref().or_else(|| ctx.env.stsenv_account()) {
        Some(typed) => match key_dir.resolve_in(typed, accounts) {
            Ok(name) => vec![name],
            Err(e) => {
                r.fail(e.message);
                Vec::new()
            }
        },
        None if key_dir.path.is_dir() || with_process(accounts) => {
            let names = key_dir.names_with(accounts).unwrap_or_default();
            // Accounts of the accounts file that have no key files (nor a key_process).
            for account in &accounts.accounts {
                if !names.iter().any(|n| n.eq_ignore_ascii_case(&account.name)) {
                    r.fail(format!(
                        "{}: in the accounts file but has no keys: {} does not exist; add them with: stsenv add {}",
                        account.name,
                        key_dir.file(&account.name, "access_key").display(),
                        account.name
                    ));
                }
            }
            names
        }
        None => Vec::new(),
    }
}

/// The findings and the outcome: on stdout when everything is fine, else on stderr with the
/// error.
fn verdict(mut r: Report) -> Result<String> {
    if r.problems > 0 {
        // The findings go to stderr with the error, so that stdout is empty on failure.
        eprint!("{}", r.lines);
        return Err(error::aws(format!(
            "{} problem{} found: fix what the FAIL lines say",
            r.problems,
            if r.problems == 1 { "" } else { "s" }
        )));
    }
    r.lines.push_str("everything looks fine\n");
    Ok(r.lines)
}

/// One account: its keys, its entry in the accounts file, whose keys they are, its MFA device
/// and its cached MFA session.
fn account(r: &mut Report, ctx: &Context, name: String, accounts: &Accounts) {
    let target = match Target::with_accounts(ctx, name.clone(), accounts.clone()) {
        Ok(t) => t,
        Err(e) => return r.fail(format!("{name}: {}", e.message)),
    };
    let values = key_values(r, ctx, &name, accounts);
    let entry = accounts.find(&name);
    entry_line(r, &name, entry);
    let serial = entry.and_then(|a| target.mfa_serial(a));
    // The serial's line waits for GetCallerIdentity, which may show the guess to be wrong.
    let serial_line = serial_line(&name, entry, &serial);
    let [access, secret] = values.as_slice() else {
        return r.ok_if(serial_line);
    };
    let keys = Credentials::long_term(access.clone(), secret.clone());
    let caller = match Caller::of(&keys, &target.region, &ctx.env) {
        Ok(caller) => caller,
        Err(e) => {
            r.ok_if(serial_line);
            // (The message names GetCallerIdentity: see `Service::describe`.)
            return r.fail(format!("{name}: checking the long-term keys: {}", e.message));
        }
    };
    serial_of_user(r, ctx, &target, entry, &serial, serial_line, &caller);
    keys_account(r, &name, entry, &caller);
    clock(r, &name, &caller);
    if let Some(user) = &caller.user {
        mfa_device(r, ctx, &target, &keys, user, &serial);
    }
    cached_session(r, ctx, &name);
}

/// The two key values: what the key_process prints, else the key files' (none on a FAIL).
fn key_values(r: &mut Report, ctx: &Context, name: &str, accounts: &Accounts) -> Vec<Vec<u8>> {
    let key_process = accounts.find(name).and_then(|a| a.key_process.as_deref());
    if let Some(argv) = key_process {
        return match process_keys(r, ctx, name, argv) {
            Some(keys) => {
                vec![keys.access_key_id.expose().to_vec(), keys.secret_access_key.expose().to_vec()]
            }
            None => Vec::new(),
        };
    }
    let key_dir = ctx.key_dir();
    let mut values = Vec::new();
    for suffix in ["access_key", "secret_key"] {
        if let Some(value) = key_file(r, &key_dir, &key_dir.file(name, suffix), suffix) {
            values.push(value);
        }
    }
    values
}

/// A key file: present, trusted (only you or root can change it or its directories), private,
/// plausible; its value, unless a FAIL made it unusable.
fn key_file(r: &mut Report, key_dir: &KeyDir, path: &Path, suffix: &str) -> Option<Vec<u8>> {
    let bytes = match read_secret_quietly(path, &key_dir.home, "key file") {
        Ok(Some(trusted)) => trusted.bytes,
        Ok(None) => {
            r.fail(format!("{}: it does not exist; put the key in it", path.display()));
            return None;
        }
        Err(e) => {
            r.fail(e.message);
            return None;
        }
    };
    let private = r.private(path, "key file", 0o600);
    // The same checks as every command's (trimmed; not empty; no NUL), as a FAIL line.
    let value = match crate::config::key_dir::checked_value(path, bytes) {
        Ok(value) => value,
        Err(e) => {
            r.fail(e.message);
            return None;
        }
    };
    if suffix == "access_key" && !looks_like_access_key_id(&value) {
        r.fail(format!(
            "{} does not look like an access key ID (AKIA...): are the access and secret key files swapped?",
            path.display()
        ));
    } else if private {
        r.ok(format!("{}", path.display()));
    }
    Some(value)
}

/// Whether the account is in the accounts file, and which account ID it says.
fn entry_line(r: &mut Report, name: &str, entry: Option<&Account>) {
    match entry {
        Some(a) => r.ok(format!("{name}: in the accounts file, account {}", a.account_id())),
        None => r.fail(format!(
            "{name}: not in the accounts file (MFA and roles need it): add \"{name}\": \"arn:aws:iam::ACCOUNT_ID:\""
        )),
    }
}

/// The line about the MFA serial stsenv uses, or about finding it; none without an entry.
fn serial_line(name: &str, entry: Option<&Account>, serial: &Option<(String, String)>) -> Option<String> {
    match serial {
        Some((serial, from)) => Some(format!("{name}: MFA serial {serial} ({from})")),
        None if entry.is_some() => {
            Some(format!("{name}: no user name, so ec2mfa finds the MFA device with ListMFADevices"))
        }
        None => None,
    }
}

/// A serial made from a user name that is not the keys' IAM user is the wrong device: a FAIL
/// instead of the serial's line.
fn serial_of_user(
    r: &mut Report,
    ctx: &Context,
    target: &Target,
    entry: Option<&Account>,
    serial: &Option<(String, String)>,
    serial_line: Option<String>,
    caller: &Caller,
) {
    let name = &target.name;
    let guessed = entry.is_some_and(|a| a.mfa_serial.is_none());
    match (serial, &caller.user) {
        (Some((serial, _)), Some(user)) if guessed && *user != target.user => {
            let fix = match target.user_source {
                UserSource::Accounts => format!("set \"user\": \"{user}\" in the accounts file"),
                _ => format!(
                    "put {user} in {}, or set \"user\": \"{user}\" in the accounts file",
                    ctx.key_dir().file(name, "user").display()
                ),
            };
            r.fail(format!(
                "{name}: MFA serial {serial} is made from the user name {} ({}), but the keys are IAM user {user}'s: {fix} (or \"mfa_serial\" with the device's ARN)",
                target.user,
                target.user_source.describe(name)
            ));
        }
        _ => r.ok_if(serial_line),
    }
}

/// The keys belong to the account the accounts file says (or say what to add there).
fn keys_account(r: &mut Report, name: &str, entry: Option<&Account>, caller: &Caller) {
    match entry {
        Some(a) if a.account_id() != caller.account_id => r.fail(format!(
            "{name}: the keys are {}, of account {}, but the accounts file says {}: fix \"arn\" or the key files",
            caller.arn,
            caller.account_id,
            a.account_id()
        )),
        None => r.fail(format!(
            "{name}: the keys are {}: add \"{name}\": \"{}\" to the accounts file",
            caller.arn,
            caller.arn_prefix()
        )),
        _ => r.ok(format!("{name}: the keys work: {}", caller.arn)),
    }
}

/// How far this machine's clock is from AWS's, by the `Date` of STS's answer.
fn clock(r: &mut Report, name: &str, caller: &Caller) {
    use crate::aws::client::{NOTED_SKEW, clock_off};
    match caller.skew {
        Some(skew) if skew.abs() >= NOTED_SKEW => r.fail(format!(
            "{name}: {} (by STS's answer): codes from a TOTP seed are wrong, and past 5 minutes AWS refuses every request: fix the clock (timedatectl set-ntp true, or ntpdate)",
            clock_off(skew)
        )),
        Some(skew) => r.ok(format!(
            "{name}: this machine's clock agrees with AWS's (within {})",
            crate::base::times::span(skew.unsigned_abs().max(1))
        )),
        None => {}
    }
}

/// The IAM user's MFA devices: there is one, and it is the one stsenv uses.
fn mfa_device(
    r: &mut Report,
    ctx: &Context,
    target: &Target,
    keys: &Credentials,
    user: &str,
    serial: &Option<(String, String)>,
) {
    let name = &target.name;
    let devices = Iam::new(keys, &target.region, &ctx.env).and_then(|iam| iam.mfa_devices(Some(user)));
    match devices {
        // The message names ListMFADevices (`Service::describe`): not again here.
        Err(e) => r.fail(format!("{name}: {}", e.message)),
        Ok(devices) if devices.is_empty() => {
            r.fail(format!("{name}: IAM user {user} has no MFA device: stsenv mfa-device enroll {name}"))
        }
        Ok(devices) => {
            let serials: Vec<&str> = devices.iter().map(|d| d.serial.as_str()).collect();
            match serial {
                Some((serial, _)) if serials.contains(&serial.as_str()) => {
                    r.ok(format!("{name}: MFA device {serial} is enabled"))
                }
                Some((serial, _)) => r.fail(format!(
                    "{name}: MFA serial {serial} is not a device of IAM user {user} ({}): set \"mfa_serial\": \"{}\" in the accounts file",
                    serials.join(", "),
                    serials[0]
                )),
                None if serials.len() > 1 => r.fail(format!(
                    "{name}: IAM user {user} has {} MFA devices ({}): pick one with \"mfa_serial\" in the accounts file",
                    serials.len(),
                    serials.join(", ")
                )),
                None => r.ok(format!("{name}: MFA device {} is enabled", serials[0])),
            }
        }
    }
}

/// The account's cached MFA session and the time it has left.
fn cached_session(r: &mut Report, ctx: &Context, name: &str) {
    match ctx.cache().map_or(State::Absent, |cache| cache.state(name, &Slot::Mfa, ctx.now)) {
        State::Valid(entry) => {
            r.ok(format!("{name}: cached MFA session, {} left", format_left(entry.seconds_left(ctx.now))))
        }
        State::Expired(_) => r.ok(format!("{name}: cached MFA session expired (ec2mfa gets a new one)")),
        State::Absent => r.ok(format!("{name}: no cached MFA session")),
    }
}

/// An account with a key_process: the key files are not used (a FAIL when they are there,
/// since the point is no plain-text key on disk), and the command must print the keys.
fn process_keys(r: &mut Report, ctx: &Context, name: &str, argv: &[String]) -> Option<Credentials> {
    let key_dir = ctx.key_dir();
    for suffix in ["access_key", "secret_key"] {
        let path = key_dir.file(name, suffix);
        if std::fs::symlink_metadata(&path).is_ok() {
            r.fail(format!(
                "{}: not used, since {name} has a key_process; delete it so that no plain-text key is on disk",
                path.display()
            ));
        }
    }
    match crate::secrets::key_process::run(argv, &ctx.env, false) {
        Ok(keys) => {
            r.ok(format!("{name}: key_process `{}` printed the keys", argv.join(" ")));
            Some(keys)
        }
        Err(e) => {
            r.fail(format!("{name}: {}", e.message));
            None
        }
    }
}
