//! `stsenv mfa-device list` (which devices the keys' IAM user has, and which one stsenv uses)
//! and `stsenv mfa-device enroll` (a new virtual device, enabled with two consecutive codes,
//! recorded in the accounts file) and `stsenv mfa-device resync` (a device whose clock drifted,
//! resynchronised with two consecutive codes).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;

use super::Context;
use crate::aws::iam::{Iam, VirtualDevice};
use crate::aws::mfa_devices::{self, Caller};
use crate::base::error::{self, Result, say};
use crate::cli::{MfaDevice, MfaDeviceEnroll, MfaDeviceList, MfaDeviceResync};
use crate::config::accounts::Accounts;
use crate::config::accounts_edit;
use crate::engine::target::Target;
use crate::secrets::totp;

pub fn run(args: &MfaDevice, ctx: &Context) -> Result<String> {
    match args {
        MfaDevice::List(args) => list(args, ctx),
        MfaDevice::Enroll(args) => enroll(args, ctx),
        MfaDevice::Resync(args) => resync(args, ctx),
    }
}

/// Two codes given with --code1 and --code2: six digits each, not the same.
fn check_codes(code1: &Option<String>, code2: &Option<String>) -> Result<()> {
    for (code, flag) in [(code1, "--code1"), (code2, "--code2")] {
        if let Some(code) = code {
            crate::secrets::code_form::check(code, flag)?;
        }
    }
    if let (Some(a), Some(b)) = (code1, code2)
        && a == b
    {
        return Err(error::usage("--code1 and --code2 must be two consecutive codes, 30 seconds apart"));
    }
    Ok(())
}

fn resync(args: &MfaDeviceResync, ctx: &Context) -> Result<String> {
    check_codes(&args.code1, &args.code2)?;
    let target = Target::resolve(ctx, args.account.as_deref(), "stsenv mfa-device resync")?;
    let keys = target.keys(ctx)?;
    // The IAM user from AWS (not a guess), and the device: the accounts file's, else the one IAM lists.
    let caller = Caller::of(&keys, &target.region, &ctx.env)?;
    let user = caller.require_user("resynchronising an MFA device")?.to_owned();
    let iam = Iam::new(&keys, &target.region, &ctx.env)?;
    let serial = match target.accounts.find(&target.name).and_then(|a| a.mfa_serial.clone()) {
        Some(serial) => serial,
        None => mfa_devices::pick(&target.name, &user, &iam.mfa_devices(Some(&user))?)?,
    };
    let (code1, code2) = match (&args.code1, &args.code2) {
        (Some(a), Some(b)) => (a.clone(), b.clone()),
        _ => {
            say(format!("Resynchronising MFA device {serial} of IAM user {user}"));
            ask_two("no terminal to ask for the two codes on: pass --code1 and --code2")?
        }
    };
    iam.resync_mfa_device(&user, &serial, &code1, &code2).map_err(|e| {
        codes_rejected(e, &format!("enter two consecutive codes of the device {serial}, 30 seconds apart"))
    })?;
    say(format!("Resynchronised MFA device {serial} of IAM user {user}; ec2mfa accepts its codes again"));
    Ok(format!("{serial}\n"))
}

fn list(args: &MfaDeviceList, ctx: &Context) -> Result<String> {
    let target = Target::resolve(ctx, args.account.as_deref(), "stsenv mfa-device list")?;
    let keys = target.keys(ctx)?;
    let (caller, devices) = mfa_devices::devices(&keys, &target.region, &ctx.env)?;
    let user = caller.user.clone().unwrap_or_default();
    let configured = target.accounts.find(&target.name).and_then(|a| target.mfa_serial(a));
    let mut out = String::new();
    for device in &devices {
        out.push_str(&device.serial);
        out.push('\n');
    }
    if devices.is_empty() {
        say(format!(
            "IAM user {user} has no MFA device: enroll one with: stsenv mfa-device enroll {}",
            target.name
        ));
        return Ok(out);
    }
    match configured {
        Some((serial, from)) if devices.iter().any(|d| d.serial == serial) => {
            say(format!("stsenv uses {serial} ({from})"))
        }
        Some((serial, from)) => say(format!(
            "stsenv would use {serial} ({from}), which is not one of these: set \"mfa_serial\": \"{}\" in the accounts file's entry for {}",
            devices[0].serial, target.name
        )),
        None if devices.len() == 1 => say(format!("stsenv mfa finds and uses {}", devices[0].serial)),
        None => say(format!(
            "several devices: pick one with \"mfa_serial\": \"{}\" in the accounts file's entry for {}",
            devices[0].serial, target.name
        )),
    }
    Ok(out)
}

fn enroll(args: &MfaDeviceEnroll, ctx: &Context) -> Result<String> {
    check_codes(&args.code1, &args.code2)?;
    // The new seed is shown on the terminal only; without one (and without --store-seed) no
    // device is made whose seed nobody could see.
    let tty = if args.store_seed {
        None
    } else {
        Some(crate::secrets::prompt::terminal(
            "no terminal to show the new MFA device's secret key on (never on stderr, which may be a log): run stsenv mfa-device enroll on a terminal, or use --store-seed to keep the seed in ACCOUNT.totp for a service user",
        )?)
    };
    let target = Target::resolve(ctx, args.account.as_deref(), "stsenv mfa-device enroll")?;
    let totp_path = ctx.key_dir().file(&target.name, "totp");
    if args.store_seed && totp_path.exists() {
        return Err(error::usage(format!(
            "{} exists already (the seed of another device?): move it away first",
            totp_path.display()
        )));
    }
    let keys = target.keys(ctx)?;
    let caller = Caller::of(&keys, &target.region, &ctx.env)?;
    let user = caller.require_user("enrolling an MFA device")?.to_owned();
    check_same_account(&target, &caller)?;
    let accounts_path = accounts_path(&target, ctx)?;
    let name = args.name.clone().unwrap_or_else(|| user.clone());
    let iam = Iam::new(&keys, &target.region, &ctx.env)?;
    let device = create_device(&iam, &name, &caller)?;
    // From here on a failure deletes the device, so that enrolling again works.
    let enabled = two_codes(args, ctx, tty.as_ref(), &device, &user, &target.name, &totp_path)
        .and_then(|(code1, code2)| enable_device(&iam, &user, &device, &code1, &code2));
    if let Err(e) = enabled {
        if args.store_seed {
            let _ = std::fs::remove_file(&totp_path);
        }
        return Err(delete_device(&iam, &device, e));
    }
    say(format!("Enabled MFA device {} for IAM user {user}", device.serial));
    accounts_edit::write_mfa_serial(&accounts_path, &target.name, &caller.arn_prefix(), &device.serial)?;
    say(format!("Recorded it as mfa_serial of {} in {}", target.name, accounts_path.display()));
    Ok(format!("{}\n", device.serial))
}

/// The keys belong to the account the accounts file says, if it says one.
fn check_same_account(target: &Target, caller: &Caller) -> Result<()> {
    if let Some(account) = target.accounts.find(&target.name)
        && account.account_id() != caller.account_id
    {
        return Err(error::usage(format!(
            "the keys of {} belong to account {}, but the accounts file says {}: fix the key files or the accounts file first",
            target.name,
            caller.account_id,
            account.account_id()
        )));
    }
    Ok(())
}

/// Where the new serial is recorded: the accounts file, else where a new one goes.
fn accounts_path(target: &Target, ctx: &Context) -> Result<PathBuf> {
    match &target.accounts.path {
        Some(path) => Ok(path.clone()),
        None => Accounts::default_path(&ctx.env)
            .ok_or_else(|| error::usage("no accounts file and no config directory: pass --config PATH")),
    }
}

/// CreateVirtualMFADevice, with what to do when one of that name is left over.
fn create_device(iam: &Iam, name: &str, caller: &Caller) -> Result<VirtualDevice> {
    iam.create_virtual_mfa_device(name).map_err(|e| {
        if e.code.as_deref() == Some("EntityAlreadyExists") {
            error::usage(format!(
                "a virtual MFA device named {name} already exists in account {} (left from an unfinished enrollment?): pick another name with --name, or delete it with: aws iam delete-virtual-mfa-device --serial-number {}mfa/{name}",
                caller.account_id,
                caller.arn_prefix()
            ))
        } else {
            e
        }
    })
}

/// The two codes that enable the device: made from the seed stored with --store-seed, else
/// from the flags or asked for, after showing the seed on the terminal `tty`.
fn two_codes(
    args: &MfaDeviceEnroll,
    ctx: &Context,
    tty: Option<&File>,
    device: &VirtualDevice,
    user: &str,
    account: &str,
    totp_path: &Path,
) -> Result<(String, String)> {
    let Some(tty) = tty.filter(|_| !args.store_seed) else {
        return stored_seed_codes(ctx, device, totp_path);
    };
    show(tty, &device.seed, user, account)
        .map_err(|e| error::usage(format!("cannot show the secret key on the terminal: {e}")))?;
    match (&args.code1, &args.code2) {
        (Some(a), Some(b)) => Ok((a.clone(), b.clone())),
        _ => ask_two(
            "no terminal to ask for the two codes on: pass --code1 and --code2, or use --store-seed for a service user",
        ),
    }
}

/// --store-seed: write the seed to the totp file, and make the codes of two consecutive
/// windows from it.
fn stored_seed_codes(ctx: &Context, device: &VirtualDevice, totp_path: &Path) -> Result<(String, String)> {
    crate::sys::atomic::write(totp_path, format!("{}\n", device.seed).as_bytes(), 0o600).map_err(|e| {
        error::usage(format!("cannot write {}: {}", totp_path.display(), crate::base::error::io_reason(&e)))
    })?;
    say(format!("Stored the seed in {}", totp_path.display()));
    // Two consecutive windows: the previous one and the current one.
    let now = ctx.now.unix_timestamp().max(totp::STEP as i64) as u64;
    let code = |t| {
        totp::code(device.seed.as_bytes(), t)
            .map_err(|reason| error::aws(format!("IAM returned a seed stsenv cannot use: {reason}")))
    };
    Ok((code(now - totp::STEP)?, code(now)?))
}

/// EnableMFADevice with the two codes.
fn enable_device(iam: &Iam, user: &str, device: &VirtualDevice, code1: &str, code2: &str) -> Result<()> {
    iam.enable_mfa_device(user, &device.serial, code1, code2).map_err(|e| {
        codes_rejected(
            e,
            "enroll again and enter two consecutive codes, and check that the device's clock is right",
        )
    })
}

/// After a failed enrollment: delete the new device, and say whether that worked.
fn delete_device(iam: &Iam, device: &VirtualDevice, e: error::Error) -> error::Error {
    match iam.delete_virtual_mfa_device(&device.serial) {
        Ok(()) => error::Error {
            message: format!("{}; the new device was deleted, so enrolling again starts afresh", e.message),
            ..e
        },
        Err(d) => error::Error {
            message: format!(
                "{}; deleting the new device failed too ({}): delete it with: aws iam delete-virtual-mfa-device --serial-number {}",
                e.message, d.message, device.serial
            ),
            ..e
        },
    }
}

/// AWS's InvalidAuthenticationCode as what to do about it; any other error as it is.
fn codes_rejected(e: error::Error, what_to_do: &str) -> error::Error {
    if matches!(e.code.as_deref(), Some("InvalidAuthenticationCode")) {
        error::aws(format!("AWS rejected the two codes: {what_to_do} ({})", e.message))
    } else {
        e
    }
}

/// The otpauth URI of a virtual device, for authenticator apps.
pub fn otpauth_uri(seed: &str, user: &str, account: &str) -> String {
    format!(
        "otpauth://totp/AWS:{}@{}?secret={seed}&issuer=AWS",
        crate::base::percent::encode(user),
        crate::base::percent::encode(account)
    )
}

/// The QR code and the secret, on the terminal only: never stdout, never stderr (a log, a
/// `2>&1 | tee`).
fn show(mut tty: &File, seed: &str, user: &str, account: &str) -> std::io::Result<()> {
    let uri = otpauth_uri(seed, user, account);
    if let Ok(code) = QrCode::new(uri.as_bytes()) {
        let image = code.render::<Dense1x2>().dark_color(Dense1x2::Light).light_color(Dense1x2::Dark).build();
        writeln!(tty, "{image}")?;
    }
    writeln!(
        tty,
        "Scan the QR code with your authenticator app, or enter this secret key by hand (time-based, 6 digits, 30 s):"
    )?;
    let grouped: Vec<String> =
        seed.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
    writeln!(tty, "  {}", grouped.join(" "))?;
    tty.flush()
}

/// How many times the second code is asked when it is the first one again.
const SECOND_CODE_TRIES: usize = 3;

/// The two codes, asked on the terminal. A second code equal to the first (typed again, or the
/// app had not changed yet) is asked again, saying why, up to `SECOND_CODE_TRIES` times: giving
/// up at once would cost the new device, and with it the entry just scanned into the app.
fn ask_two(no_terminal: &str) -> Result<(String, String)> {
    let first = crate::secrets::prompt::ask_code("Enter the code the app shows now: ", no_terminal)?;
    for attempt in 1..=SECOND_CODE_TRIES {
        let second = crate::secrets::prompt::ask_code(
            "Wait for the next code (up to 30 s) and enter it: ",
            no_terminal,
        )?;
        if second != first {
            return Ok((first, second));
        }
        if attempt < SECOND_CODE_TRIES {
            let left = SECOND_CODE_TRIES - attempt;
            crate::secrets::prompt::tell(&format!(
                "That is the first code again: the second code must be the next one the app shows, not the same: wait for it to change ({left} {} left)",
                if left == 1 { "try" } else { "tries" }
            ));
        }
    }
    Err(error::usage(format!(
        "the second code was the same as the first {SECOND_CODE_TRIES} times: enter two consecutive codes, 30 seconds apart"
    )))
}

#[cfg(test)]
mod tests {
    #[test]
    fn otpauth_uri() {
        assert_eq!(
            super::otpauth_uri("JBSWY3DP", "j.browne+ops@x", "work"),
            "otpauth://totp/AWS:j.browne%2Bops%40x@work?secret=JBSWY3DP&issuer=AWS"
        );
    }
}
