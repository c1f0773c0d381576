//! The escalation engine: every command that needs temporary credentials (`mfa`, `role`,
//! `exec`, `credential-process`, the credential server) asks `Engine::credentials` for an
//! account's MFA session, its session without MFA, or a role. The engine answers from the cache
//! while the entry has more than the request's window left; otherwise it takes the slot's lock,
//! looks at the cache again (another process may have just written it), gets an MFA code from
//! its sources only when one is needed, calls STS, explains a refusal, and caches the result.
//! Concurrent processes thus make one STS call and show one prompt.
//!
//! The engine reads no clock: the time comes with each call, so a long-running process (the
//! credential server) calls it again and again with the time of each request.

use time::{Duration, OffsetDateTime};

use crate::aws::assume_role::{AssumeRole, RoleSettings, Written};
use crate::aws::sts::{self, Sts};
use crate::base::credentials::{Credentials, Kind};
use crate::base::error::{self, Result, say};
use crate::base::times::format_left;
use crate::config::accounts::{Account, DEFAULT_SESSION_DURATION, SESSION_DURATION};
use crate::engine::context::Context;
use crate::engine::target::{Device, Target};
use crate::secrets::mfa_code::{Asked, Asking, Source};
use crate::secrets::totp;
use crate::store::cache::{self, Cache};
use crate::store::entry::Entry;
use crate::store::sent_codes::SentCodes;
use crate::store::slot::Slot;

use crate::aws::assume_role::CHAINED_MAX;

/// What credentials to get.
#[derive(Clone, Debug)]
pub struct Request {
    /// The account as typed; None: `$STSENV_ACCOUNT`, the one the shell switched to.
    pub account: Option<String>,
    pub want: Want,
    /// Where an MFA code comes from when one is needed (`Source::from_args` of `-c` and
    /// `$STSENV_TOKEN_CODE`; the account's `mfa_process` and `NAME.totp` are added here).
    /// `Source::Skip` turns `Want::Mfa` into a session without MFA.
    pub code: Source,
    /// The session length asked for; None: the account's `duration_seconds` for a session,
    /// 3600 s for a role.
    pub duration: Option<u32>,
    /// Ignore valid cached credentials and get new ones.
    pub force: bool,
    /// Cached credentials with less than this left are renewed; new ones with less are an
    /// error (a window longer than STS grants).
    pub window: Duration,
    /// Where the prompt and `mfa_process`'s messages go, and what to say without a terminal.
    pub asking: Asking,
}

impl Request {
    /// A request for `want` with the defaults: no duration asked, no force, the cache's margin.
    pub fn new(account: Option<String>, want: Want, code: Source) -> Request {
        Request {
            account,
            want,
            code,
            duration: None,
            force: false,
            window: cache::MARGIN,
            asking: Asking::Shell,
        }
    }
}

/// Which credentials of the account.
// One per request, never kept in bulk: a box would only add noise where requests are made.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Want {
    /// GetSessionToken with an MFA code (without one when the code source is `Skip`).
    Mfa,
    /// AssumeRole of the role the settings name (`arn`: an ARN, a key of `roles` or a role
    /// name), with the flags' settings over the accounts file's ([`RoleSettings::over`]).
    Role(RoleSettings),
}

impl Want {
    /// What a `--role ROLE` flag asks for: that role with the accounts file's settings, or
    /// without the flag the MFA session.
    pub fn of_role_flag(role: Option<&str>) -> Want {
        match role {
            Some(role) => Want::Role(RoleSettings { arn: role.to_owned(), ..RoleSettings::default() }),
            None => Want::Mfa,
        }
    }
}

/// Credentials the engine got, cached or new.
pub struct Granted {
    pub target: Target,
    /// `Mfa`, `Session` or `Role`.
    pub kind: Kind,
    /// The role's name (the last part of its ARN), for `Kind::Role`.
    pub role_name: Option<String>,
    pub entry: Entry,
    /// Whether STS was called (else the cache had them).
    pub fresh: bool,
    /// The MFA session made on the way to a role (the role was chained from it), if one was.
    pub new_session: Option<Entry>,
}

impl Granted {
    /// `New session for account personal, valid for 12h00m`, `Assumed role Admin in account
    /// personal, valid for 59m`, or the cache's time left.
    pub fn summary(&self, now: OffsetDateTime) -> String {
        let left = format_left(self.entry.seconds_left(now));
        let name = &self.target.name;
        match (&self.role_name, self.fresh) {
            (Some(role), true) => format!("Assumed role {role} in account {name}, valid for {left}"),
            (Some(role), false) => format!("Cache is valid for role {role} in account {name} ({left} left)"),
            (None, true) => format!("New session for account {name}, valid for {left}"),
            (None, false) => {
                format!("Cache is valid for account {name} ({left} left; --force gets a new session)")
            }
        }
    }

    /// `New session for account personal, valid for 12h00m`, for the MFA session made on the
    /// way to a role.
    pub fn new_session_summary(&self, now: OffsetDateTime) -> Option<String> {
        let session = self.new_session.as_ref()?;
        let left = format_left(session.seconds_left(now));
        Some(format!("New session for account {}, valid for {left}", self.target.name))
    }

    /// What was made, on stderr: the MFA session a role was assumed from, and fresh credentials
    /// (nothing for valid cached ones), for commands whose stdout is not the shell's.
    pub fn report_made(&self, now: OffsetDateTime) {
        if let Some(made) = self.new_session_summary(now) {
            say(made);
        }
        if self.fresh {
            say(self.summary(now));
        }
    }
}

/// The engine, for the paths and environment of one context.
pub struct Engine<'a> {
    ctx: &'a Context,
}

impl<'a> Engine<'a> {
    pub fn new(ctx: &'a Context) -> Engine<'a> {
        Engine { ctx }
    }

    /// The credentials `req` asks for, valid at `now` for longer than its window.
    /// Everything the user typed is checked before any prompt or network call.
    pub fn credentials(&self, req: &Request, now: OffsetDateTime) -> Result<Granted> {
        let granted = match &req.want {
            Want::Role(flags) => self.assume(req, flags, now)?,
            Want::Mfa => self.session(req, now)?,
        };
        // Only new credentials can have less than the window left (cached ones are renewed).
        if granted.entry.expiration - req.window <= now {
            let what = match &granted.role_name {
                Some(role) => format!("role {role}"),
                None => "the session".to_owned(),
            };
            return Err(error::usage(format!(
                "STS gave {what} of account {} {} only, not more than the window of {}: ask for a shorter window",
                granted.target.name,
                format_left(granted.entry.seconds_left(now)),
                format_left(req.window.whole_seconds())
            )));
        }
        Ok(granted)
    }

    /// The account's MFA session (or session without MFA).
    fn session(&self, req: &Request, now: OffsetDateTime) -> Result<Granted> {
        let ctx = self.ctx;
        let target = Target::resolve(ctx, req.account.as_deref(), "ec2mfa")?;
        let entry = target.accounts.find(&target.name);
        let duration = session_duration(req.duration, entry)?;
        let kind = if req.code == Source::Skip { Kind::Session } else { Kind::Mfa };
        // An MFA session needs the account's entry (its ARN, maybe its serial).
        let (slot, account) = match kind {
            Kind::Mfa => (Slot::Mfa, Some(target.account("ec2mfa")?)),
            _ => (Slot::Session, None),
        };
        let source = req.code.clone().or_automatic(entry, &ctx.key_dir(), &target.name, &ctx.env)?;
        let (entry, fresh) =
            cached_or_fetch(&ctx.cache()?, &target.name, &slot, req.force, now, req.window, |_| {
                self.session_token(&target, account, &source, &req.asking, duration)
            })?;
        Ok(Granted { target, kind, role_name: None, entry, fresh, new_session: None })
    }

    /// The role's credentials: chained from a valid MFA session, else from a new one (one code,
    /// cached as the account's MFA session).
    fn assume(&self, req: &Request, flags: &RoleSettings, now: OffsetDateTime) -> Result<Granted> {
        let ctx = self.ctx;
        let flags = RoleSettings { duration_seconds: req.duration, ..flags.clone() };
        flags.check(Written::Flags).map_err(error::usage)?;
        let target = Target::resolve(ctx, req.account.as_deref(), "ec2role --account")?;
        let account = target.account("ec2role")?;
        account.check_role(&flags.arn)?;
        let call = resolve(ctx, &target, account, &flags)?;
        let role_name = call.role_name().to_owned();
        let cache = ctx.cache()?;
        let source = req.code.clone().or_automatic(Some(account), &ctx.key_dir(), &target.name, &ctx.env)?;
        let slot = Slot::role(&call, source != Source::Skip);
        let mut new_session = None;
        let (entry, fresh) = cached_or_fetch(
            &cache,
            &target.name,
            &slot,
            req.force,
            now,
            req.window,
            |now| {
                let session = cache.valid(&target.name, &Slot::Mfa, now);
                if call.needs_long_term_keys() {
                    // AWS caps a chained role at an hour: a longer one is assumed with the
                    // long-term keys and the MFA device (one code, as aws-vault and awsume do).
                    if session.is_some() && source != Source::Skip {
                        say(format!(
                            "Asking for an MFA code although account {} has an MFA session: AWS limits a role assumed from a session to {CHAINED_MAX} s, and {role_name} asks for {} s, so it is assumed with the long-term keys",
                            target.name, call.duration
                        ));
                    }
                    return self.assume_with_keys(&target, account, &source, &req.asking, &call);
                }
                if let Some(session) = session {
                    return self.chain(&target, &session, &call, now);
                }
                if source == Source::Skip {
                    // No MFA at all (`-c skip`): the long-term keys sign the AssumeRole.
                    return self.assume_with_keys(&target, account, &source, &req.asking, &call);
                }
                // No valid MFA session: get one (one code, cached for the next role and ec2mfa), then
                // chain from it. A policy that denies everything without MFA denies AssumeRole
                // signed by the long-term keys, but not one signed by an MFA session.
                let duration = session_duration(None, Some(account))?;
                let (session, made) =
                    cached_or_fetch(&cache, &target.name, &Slot::Mfa, false, now, cache::MARGIN, |_| {
                        self.session_token(&target, Some(account), &source, &req.asking, duration)
                    })?;
                if made {
                    new_session = Some(session.clone());
                }
                self.chain(&target, &session, &call, now)
            },
        )?;
        Ok(Granted { target, kind: Kind::Role, role_name: Some(role_name), entry, fresh, new_session })
    }

    /// GetSessionToken with the long-term keys, with the MFA device and a code when `account`
    /// is given (an MFA session) and the source is not `Skip`.
    fn session_token(
        &self,
        target: &Target,
        account: Option<&Account>,
        source: &Source,
        asking: &Asking,
        duration: u32,
    ) -> Result<Credentials> {
        let long_term = target.keys_for(self.ctx, asking)?;
        let (mfa, fresh) = match account {
            Some(account) => self.mfa(target, account, &long_term, source, asking)?,
            None => (None, None),
        };
        let sts = Sts::new(&long_term, &target.region, &self.ctx.env)?;
        accepted(fresh, signed(&mfa, &target.name, |m| sts.get_session_token(duration, m)))
    }

    /// AssumeRole signed by a valid MFA session (role chaining: at most 3600 s, which the caller
    /// has made sure of).
    fn chain(
        &self,
        target: &Target,
        session: &Entry,
        call: &AssumeRole,
        now: OffsetDateTime,
    ) -> Result<Credentials> {
        let sts = Sts::new(&session.credentials, &target.region, &self.ctx.env)?;
        sts.assume_role(call, None).map_err(|e| match (e.code.as_deref(), session.issued) {
            // How old the session is, against a trust policy's aws:MultiFactorAuthAge.
            (Some("AccessDenied"), Some(issued)) => error::Error {
                message: format!(
                    "{}; the MFA session was made {} ago",
                    e.message,
                    format_left((now - issued).whole_seconds())
                ),
                ..e
            },
            _ => e,
        })
    }

    /// AssumeRole signed by the long-term keys, with the MFA device and a code unless the
    /// source is `Skip`. (Roles longer than 3600 s come this way: chaining cannot give them.)
    fn assume_with_keys(
        &self,
        target: &Target,
        account: &Account,
        source: &Source,
        asking: &Asking,
        call: &AssumeRole,
    ) -> Result<Credentials> {
        let long_term = target.keys_for(self.ctx, asking)?;
        let (mfa, fresh) = self.mfa(target, account, &long_term, source, asking)?;
        let sts = Sts::new(&long_term, &target.region, &self.ctx.env)?;
        accepted(fresh, signed(&mfa, &target.name, |m| sts.assume_role(call, m)))
    }

    /// The MFA device and a code from the source, read only now that a call needs them; None for
    /// `Skip`. A code a program made comes with its `FreshCode`, to be recorded once AWS took it.
    fn mfa(
        &self,
        target: &Target,
        account: &Account,
        long_term: &Credentials,
        source: &Source,
        asking: &Asking,
    ) -> Result<(Signing, Option<FreshCode>)> {
        if *source == Source::Skip {
            return Ok((None, None));
        }
        let device = target.device(account, long_term, self.ctx)?;
        let asked = Asked {
            account: &target.name,
            user: &device.user,
            serial: &device.serial,
            asking,
            env: &self.ctx.env,
        };
        if !source.is_generated() {
            let code = source.code(&asked, totp::unix_now())?;
            return Ok((code.map(|code| (device, code)), None));
        }
        let (code, fresh) = self.code_not_sent_before(source, &asked)?;
        Ok((Some((device, code)), Some(fresh)))
    }

    /// A code from a program (`NAME.totp`, `mfa_process`) that is not the one last sent for the
    /// device in the same 30-second step: AWS refuses a code it has already seen, so stsenv
    /// waits for the next step (saying so once) and asks again. The sent codes' lock is held
    /// until the code is recorded (`accepted`), so two processes never send one code. (This
    /// reads the clock: the time that passes while it waits is the point.)
    fn code_not_sent_before(&self, source: &Source, asked: &Asked) -> Result<(String, FreshCode)> {
        let cache = self.ctx.cache()?;
        let lock = SentCodes::new(&cache).lock()?;
        let last = SentCodes::new(&cache).last(asked.serial);
        let mut said = false;
        loop {
            let unix = totp::unix_now();
            let code = source.code(asked, unix)?.unwrap_or_default();
            let step = unix / totp::STEP;
            let again = last.as_ref().is_some_and(|last| last.step == step && last.code == code);
            // Once past a step, an equal code is not the clock's doing: send it, AWS judges.
            if !again || said {
                let fresh = FreshCode {
                    cache,
                    _lock: lock,
                    serial: asked.serial.to_owned(),
                    step,
                    code: code.clone(),
                };
                return Ok((code, fresh));
            }
            let wait = totp::STEP - unix % totp::STEP;
            say(format!("waiting {wait}s for the next code: AWS refuses a code it has already seen"));
            said = true;
            // Just past the boundary, so the next code is the next step's.
            std::thread::sleep(std::time::Duration::from_millis(wait * 1000 + 200));
        }
    }
}

/// The MFA device and code an STS call is signed with (None: no MFA).
type Signing = Option<(Device, String)>;

/// A code a program made, not yet known to be sent: recorded as the device's last code when AWS
/// took it (`accepted`), under the sent codes' lock, held until then.
struct FreshCode {
    cache: Cache,
    _lock: cache::Lock,
    serial: String,
    step: u64,
    code: String,
}

/// The result of an STS call made with `fresh`'s code: a success records the code as sent (a
/// failure to record it is a warning; the credentials are good).
fn accepted(fresh: Option<FreshCode>, result: Result<Credentials>) -> Result<Credentials> {
    if let (Some(fresh), Ok(_)) = (&fresh, &result)
        && let Err(e) = SentCodes::new(&fresh.cache).record(&fresh.serial, fresh.step, &fresh.code)
    {
        error::warn(format_args!("{e} (the MFA code just sent is not remembered)"));
    }
    result
}

/// The AssumeRole asked for: the role of the accounts file (its object's settings) with the
/// flags over them, their policy files read (the role's from the accounts file's directory, the
/// flag's from the current one).
fn resolve(ctx: &Context, target: &Target, account: &Account, flags: &RoleSettings) -> Result<AssumeRole> {
    let (home, cwd) = ctx.home_and_cwd();
    let mut role = account.role(&flags.arn);
    if flags.policy.is_some() {
        // Replaced by the flag's: its file is not read.
        role.policy = None;
    }
    let accounts_dir = target.accounts.path.as_deref().and_then(std::path::Path::parent).unwrap_or(&cwd);
    role.load_policy(Written::File, accounts_dir, &home).map_err(|e| {
        error::usage(format!(
            "account '{}': role {}: {e}",
            account.name,
            crate::aws::arn::role_name(&role.arn)
        ))
    })?;
    let mut flags = flags.clone();
    flags.load_policy(Written::Flags, &cwd, &home).map_err(error::usage)?;
    AssumeRole::new(role, &flags, default_session_name(&target.user)).map_err(error::usage)
}

/// An STS call signed with the MFA device and code (if any); a rejected code with a guessed
/// serial says how to find the real one.
fn signed(
    mfa: &Option<(Device, String)>,
    account: &str,
    call: impl FnOnce(Option<sts::Mfa>) -> Result<Credentials>,
) -> Result<Credentials> {
    let arg = mfa.as_ref().map(|(device, code)| sts::Mfa { serial: &device.serial, code });
    call(arg).map_err(|e| match mfa {
        Some((device, _)) => explain(device, e, account),
        None => e,
    })
}

/// A rejected code with a guessed serial: the serial may be the problem, so say how to find the
/// real one.
fn explain(device: &Device, e: error::Error, account: &str) -> error::Error {
    match &device.from {
        Some(from) if from != crate::engine::target::FROM_MFA_SERIAL && e.message.contains("rejected") => {
            error::Error {
                message: format!(
                    "{}; stsenv used the MFA serial {}, made from the user name ({from}), which may not be your device: stsenv mfa-device list {account} shows the real one",
                    e.message, device.serial
                ),
                ..e
            }
        }
        _ => e,
    }
}

/// The session length: asked for, else the account's `duration_seconds`, else 43200 s; in
/// GetSessionToken's range.
fn session_duration(asked: Option<u32>, account: Option<&Account>) -> Result<u32> {
    let duration = asked.or(account.and_then(|a| a.duration_seconds)).unwrap_or(DEFAULT_SESSION_DURATION);
    if !SESSION_DURATION.contains(&duration) {
        return Err(error::usage(format!(
            "--duration {duration} is out of range: GetSessionToken allows 900 to 129600 seconds"
        )));
    }
    Ok(duration)
}

/// A valid cache entry of the slot with more than `window` left (unless `force`), else `fetch`
/// under the slot's lock, after looking again: another process may have just written it while
/// this one waited (the clock read again: `now` plus the wait, also given to `fetch`). Returns
/// the entry and whether it is new.
fn cached_or_fetch(
    cache: &Cache,
    account: &str,
    slot: &Slot,
    force: bool,
    now: OffsetDateTime,
    window: Duration,
    fetch: impl FnOnce(OffsetDateTime) -> Result<Credentials>,
) -> Result<(Entry, bool)> {
    if !force && let Some(entry) = cache.valid_within(account, slot, now, window) {
        return Ok((entry, false));
    }
    let lock = cache.lock(account, slot)?;
    let now = now + lock.waited;
    if !force && let Some(entry) = cache.valid_within(account, slot, now, window) {
        return Ok((entry, false));
    }
    let credentials = fetch(now)?;
    let entry = Entry::new(account, slot, credentials)
        .map(|entry| Entry { issued: Some(now), ..entry })
        .ok_or_else(|| error::aws("STS answered without an expiry time"))?;
    cache.write(slot, &entry)?;
    drop(lock);
    Ok((entry, true))
}

/// `stsenv-<user>`, kept to the characters and length AWS allows.
fn default_session_name(user: &str) -> String {
    format!("stsenv-{user}")
        .chars()
        .map(|c| if crate::base::names::is_iam_char(c) { c } else { '_' })
        .take(64)
        .collect()
}
