//! Against moto's IAM and STS: MFA device discovery and enrollment, key rotation, doctor.

use std::os::unix::fs::PermissionsExt;
use std::process::Output;

use crate::util::moto::{As, Moto, User, aws, enable_mfa};
use crate::util::{Home, mode, stderr, stdout};

const OTHERS: &str = r#"{
  "work": {"arn": "arn:aws:iam::012123456789:", "user": "jb", "region": "eu-west-1"},
  "personal": "arn:aws:iam::123456789012:",
  "old": "arn:aws:iam::111122223333:"
}
"#;

fn setup(moto: &Moto, accounts: &str) -> (Home, User) {
    Home::with_moto_user(moto, accounts)
}

#[test]
fn enroll_with_store_seed_enables_the_device_and_records_it() {
    let moto = Moto::start(false);
    let (home, _user) = setup(&moto, OTHERS);
    std::fs::set_permissions(home.accounts_path(), std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = home.stsenv(&["mfa-device", "enroll", "personal", "--store-seed", "--name", "svc"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let serial = "arn:aws:iam::123456789012:mfa/svc";
    assert_eq!(stdout(&out), format!("{serial}\n"));
    // Moto has it enabled for the user.
    let listed = aws(&home, As::Moto, &["iam", "list-mfa-devices", "--user-name", "jbrowne"]);
    assert!(stdout(&listed).contains(serial), "{}", stdout(&listed));
    // The seed, 0600, from which the codes come.
    let totp = home.creds().join("personal.totp");
    assert_eq!(mode(&totp), 0o600);
    let seed = std::fs::read_to_string(&totp).unwrap();
    assert!(seed.trim().len() >= 16 && seed.trim().bytes().all(|b| b.is_ascii_alphanumeric()), "{seed}");
    assert!(!stderr(&out).contains(seed.trim()), "the seed is not shown with --store-seed");
    // The accounts file: this account in object form, the rest as it was, same mode.
    let text = std::fs::read_to_string(home.accounts_path()).unwrap();
    assert_eq!(
        text,
        OTHERS.replace(
            r#""personal": "arn:aws:iam::123456789012:","#,
            &format!(r#""personal": {{"arn": "arn:aws:iam::123456789012:", "mfa_serial": "{serial}"}},"#)
        )
    );
    assert_eq!(mode(&home.accounts_path()), 0o640);
    // Doctor agrees, and ec2mfa uses the serial.
    let doctor = home.stsenv(&["doctor", "personal"]);
    assert_eq!(doctor.status.code(), Some(0), "{}{}", stdout(&doctor), stderr(&doctor));
    assert!(stdout(&doctor).contains(&format!("MFA device {serial} is enabled")), "{}", stdout(&doctor));
    // Enrolling the same name again: a clear message, nothing changed.
    std::fs::remove_file(&totp).unwrap();
    let again = home.stsenv(&["mfa-device", "enroll", "personal", "--store-seed", "--name", "svc"]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert_stderr_contains!(again, "already exists");
    assert!(!totp.exists());
}

#[test]
fn enroll_shows_the_seed_on_the_terminal_and_not_in_a_redirected_stderr() {
    let moto = Moto::start(false);
    let (home, _user) = setup(&moto, "{}");
    // On a terminal of its own, with stderr going to a log file (as `2>enroll.log` would).
    let log = home.path().join("enroll.log");
    let mut cmd = crate::util::on_pty(&home, "pty_prompt.py");
    // Nothing is typed: the codes are flags (an answer typed at the "...30 s):" line would be
    // echoed among the lines this test reads).
    cmd.env("PTY_ANSWERS", "[]");
    cmd.args(["/bin/sh", "-c", "exec \"$0\" \"$@\" 2>\"$HOME/enroll.log\""]).arg(crate::util::bin()).args([
        "mfa-device",
        "enroll",
        "personal",
        "--name",
        "laptop",
        "--code1",
        "123456",
        "--code2",
        "654321",
    ]);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let logged = std::fs::read_to_string(&log).unwrap();
    assert_eq!(report["status"], 0, "{report}\n{logged}");
    assert_eq!(report["stdout"], "arn:aws:iam::123456789012:mfa/laptop\n", "{report}");
    // The terminal has the QR code and the secret key, grouped by four.
    let terminal = report["terminal"].as_str().unwrap().replace('\r', "");
    let qr = |text: &str| text.contains('▀') || text.contains('▄') || text.contains('█');
    assert!(qr(&terminal), "a QR code on the terminal: {terminal}");
    let (_, after) = terminal.split_once("enter this secret key by hand").expect("the secret key's line");
    let grouped = after.lines().nth(1).unwrap_or_default().trim().to_owned();
    let seed = grouped.replace(' ', "");
    assert!(seed.len() >= 16 && seed.bytes().all(|b| b.is_ascii_alphanumeric()), "{grouped:?}");
    // The log has what was done, but neither the QR code nor the secret.
    assert!(logged.contains("Enabled MFA device arn:aws:iam::123456789012:mfa/laptop"), "{logged}");
    assert!(!qr(&logged) && !logged.contains("secret key"), "{logged}");
    assert!(!logged.contains(&grouped) && !logged.contains(&seed), "the seed in the log: {logged}");
    // A missing account was added with its ARN.
    let accounts = std::fs::read_to_string(home.accounts_path()).unwrap();
    assert!(
        accounts.contains(
            r#""personal": {"arn": "arn:aws:iam::123456789012:", "mfa_serial": "arn:aws:iam::123456789012:mfa/laptop"}"#
        ),
        "{accounts}"
    );
}

/// Enrol on a terminal of its own, typing `answers` (the first at the line before the first
/// prompt, which ends in ':' too): the report of tests/pty_prompt.py.
fn enroll_typing(home: &Home, name: &str, answers: &[&str]) -> serde_json::Value {
    let mut cmd = crate::util::on_pty(home, "pty_prompt.py");
    cmd.env("PTY_ANSWERS", serde_json::to_string(answers).unwrap());
    cmd.arg(crate::util::bin()).args(["mfa-device", "enroll", "personal", "--name", name]);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The same code typed twice (moto checks no code: the check is stsenv's): the second code is
/// asked again, saying why, and the device is kept; three times the same, and enrolment gives
/// up and deletes the device, as before.
#[test]
fn enroll_asks_again_when_the_second_code_is_the_first() {
    let moto = Moto::start(false);
    let (home, _user) = setup(&moto, "{}");
    let why = "the second code must be the next one the app shows, not the same: wait for it to change";
    // One slip, then the next code.
    let report = enroll_typing(&home, "phone", &["111111", "111111", "222222"]);
    let terminal = report["terminal"].as_str().unwrap().replace('\r', "");
    assert_eq!(report["status"], 0, "{report}");
    assert_eq!(report["stdout"], "arn:aws:iam::123456789012:mfa/phone\n", "{report}");
    assert_eq!(terminal.matches(why).count(), 1, "{terminal}");
    assert!(terminal.contains("2 tries left"), "{terminal}");
    let listed = aws(&home, As::Moto, &["iam", "list-mfa-devices", "--user-name", "jbrowne"]);
    assert!(stdout(&listed).contains("mfa/phone"), "enabled: {}", stdout(&listed));
    let accounts = std::fs::read_to_string(home.accounts_path()).unwrap();
    assert!(accounts.contains("mfa/phone"), "{accounts}");
    // The same code three more times: given up, the new device deleted, nothing recorded.
    let before = std::fs::read_to_string(home.accounts_path()).unwrap();
    let report = enroll_typing(&home, "tablet", &["333333"; 5]);
    let terminal = report["terminal"].as_str().unwrap().replace('\r', "");
    assert_eq!(report["status"], 2, "{report}");
    assert_eq!(report["stdout"], "", "{report}");
    assert_eq!(terminal.matches(why).count(), 2, "{terminal}");
    let err = report["stderr"].as_str().unwrap();
    assert!(err.contains("the second code was the same as the first 3 times"), "{err}");
    assert!(err.contains("the new device was deleted"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let devices = aws(&home, As::Moto, &["iam", "list-virtual-mfa-devices"]);
    assert!(!stdout(&devices).contains("mfa/tablet"), "{}", stdout(&devices));
    assert_eq!(std::fs::read_to_string(home.accounts_path()).unwrap(), before);
}

#[test]
fn enroll_without_a_terminal_or_store_seed_makes_no_device() {
    let moto = Moto::start(false);
    let (home, _user) = setup(&moto, "{}");
    let requests = moto.requests();
    // No terminal (the suite's children have none), with and without the two codes: refused
    // before CreateVirtualMFADevice, so no seed is made that nobody could see.
    for args in [
        &["mfa-device", "enroll", "personal", "--name", "phone"][..],
        &["mfa-device", "enroll", "personal", "--name", "phone", "--code1", "123456", "--code2", "654321"],
    ] {
        let run = home.run(args, crate::util::run::QUICK);
        run.failed(2, "no terminal to show the new MFA device's secret key on");
        assert!(
            run.stderr.contains("run stsenv mfa-device enroll on a terminal, or use --store-seed"),
            "{}",
            run.stderr
        );
        assert_eq!(moto.requests(), requests, "{}: no request at all", run.what);
    }
    let devices = aws(&home, As::Moto, &["iam", "list-virtual-mfa-devices"]);
    assert!(devices.status.success(), "{}", stderr(&devices));
    assert!(!stdout(&devices).contains("mfa/phone"), "{}", stdout(&devices));
    assert_eq!(std::fs::read_to_string(home.accounts_path()).unwrap(), "{}");
}

#[test]
fn serial_discovery_with_zero_one_and_two_devices() {
    let moto = Moto::start(false);
    let (home, user) =
        setup(&moto, r#"{"personal": {"arn": "arn:aws:iam::123456789012:", "region": "eu-west-1"}}"#);
    // Without any user name, ec2mfa asks IAM.
    let mfa_without_user = |home: &Home| {
        let mut cmd = home.command(crate::util::bin());
        cmd.env_remove("USER").env_remove("LOGNAME").args(["mfa", "personal", "-c", "123456", "--force"]);
        cmd.output().unwrap()
    };
    let list = home.stsenv(&["mfa-device", "list", "personal"]);
    assert_eq!(list.status.code(), Some(0), "{}", stderr(&list));
    assert_eq!(stdout(&list), "");
    assert_stderr_contains!(list, "has no MFA device: enroll one with: stsenv mfa-device enroll personal");
    let mfa = mfa_without_user(&home);
    assert_eq!(mfa.status.code(), Some(2), "{}", stderr(&mfa));
    assert_stderr_contains!(mfa, "no MFA device");

    enable_mfa(&home, "jbrowne", &user.serial);
    let list = home.stsenv(&["mfa-device", "list", "personal"]);
    assert_eq!(stdout(&list), format!("{}\n", user.serial));
    // $USER is jbrowne here: the guess is the device.
    assert_stderr_contains!(list, &format!("stsenv uses {}", user.serial));
    let mfa = mfa_without_user(&home);
    assert_eq!(mfa.status.code(), Some(0), "{}", stderr(&mfa));

    let png = home.path().join("qr.png");
    let second = aws(
        &home,
        As::Moto,
        &[
            "iam",
            "create-virtual-mfa-device",
            "--virtual-mfa-device-name",
            "backup",
            "--outfile",
            png.to_str().unwrap(),
            "--bootstrap-method",
            "QRCodePNG",
        ],
    );
    assert!(second.status.success(), "{}", stderr(&second));
    enable_mfa(&home, "jbrowne", "arn:aws:iam::123456789012:mfa/backup");
    let list = home.stsenv(&["mfa-device", "list", "personal"]);
    assert_eq!(stdout(&list).lines().count(), 2, "{}", stdout(&list));
    let mfa = mfa_without_user(&home);
    assert_eq!(mfa.status.code(), Some(2), "{}", stderr(&mfa));
    let err = stderr(&mfa);
    assert!(err.contains("has 2 MFA devices"), "{err}");
    assert!(err.contains(&user.serial) && err.contains("mfa/backup"), "{err}");
    assert!(err.contains("\"mfa_serial\": \""), "{err}");
    assert_eq!(stdout(&mfa), "");
}

#[test]
fn rotation_replaces_the_key_and_the_old_one_stops_working() {
    let moto = Moto::start(true);
    let (home, user) = setup(&moto, OTHERS);
    // Sessions made with the old key are removed; another account's stay.
    let later = time::OffsetDateTime::now_utc() + time::Duration::hours(6);
    home.cache_session("personal", stsenv::store::slot::Slot::Mfa, "OLDKEYSESSIONTOKEN", later);
    home.cache_session("other", stsenv::store::slot::Slot::Mfa, "OTHERSESSIONTOKEN", later);
    let out = home.stsenv(&["rotate-keys", "personal"]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stderr(&out), moto.log());
    assert_stderr_contains!(out, "Removed 1 cached session made with the old key");
    assert!(!home.cache().path("personal", &stsenv::store::slot::Slot::Mfa).exists());
    assert!(home.cache().path("other", &stsenv::store::slot::Slot::Mfa).exists());
    let new_id = stdout(&out).trim().to_owned();
    assert!(new_id.starts_with("AKIA") && new_id != user.access_key, "{new_id}");
    assert_stderr_contains!(out, &format!("from {} to {new_id}", user.access_key));
    let access = std::fs::read_to_string(home.creds().join("personal.access_key")).unwrap();
    let secret = std::fs::read_to_string(home.creds().join("personal.secret_key")).unwrap();
    assert_eq!(access.trim(), new_id);
    assert!(!stdout(&out).contains(secret.trim()) && !stderr(&out).contains(secret.trim()));
    for file in ["personal.access_key", "personal.secret_key"] {
        assert_eq!(mode(&home.creds().join(file)), 0o600);
        assert!(!home.creds().join(format!("{file}.old")).exists());
    }
    // moto checks signatures: the new key works with the AWS CLI, the old one no longer.
    let new = aws(&home, As::Keys(access.trim(), secret.trim()), &["sts", "get-caller-identity"]);
    assert!(new.status.success(), "{}", stderr(&new));
    assert!(stdout(&new).contains("user/jbrowne"), "{}", stdout(&new));
    let old = aws(&home, As::Keys(&user.access_key, &user.secret_key), &["sts", "get-caller-identity"]);
    assert!(!old.status.success());
    assert_stderr_contains!(old, "InvalidClientTokenId");
    // ec2mfa --rotate-keys: a session, then another rotation.
    let out = home.stsenv(&["mfa", "personal", "-c", "123456", "--rotate-keys"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("AWS_SESSION_TOKEN"), "{}", stdout(&out));
    let rotated = std::fs::read_to_string(home.creds().join("personal.access_key")).unwrap();
    assert_ne!(rotated.trim(), new_id);
    assert_stderr_contains!(out, &format!("from {new_id} to {}", rotated.trim()));
}

#[test]
fn rotation_refuses_when_the_user_has_two_keys() {
    let moto = Moto::start(false);
    let (home, user) = setup(&moto, OTHERS);
    let second = aws(&home, As::Moto, &["iam", "create-access-key", "--user-name", "jbrowne"]);
    assert!(second.status.success(), "{}", stderr(&second));
    let second: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    let second_id = second["AccessKey"]["AccessKeyId"].as_str().unwrap();
    let out = home.stsenv(&["rotate-keys", "personal"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(err.contains("already has two access keys"), "{err}");
    assert!(err.contains(&user.access_key) && err.contains(second_id), "{err}");
    assert!(err.contains(&format!("aws iam delete-access-key --access-key-id {second_id}")), "{err}");
    let access = std::fs::read_to_string(home.creds().join("personal.access_key")).unwrap();
    assert_eq!(access, user.access_key);
    let keys = aws(&home, As::Moto, &["iam", "list-access-keys", "--user-name", "jbrowne"]);
    assert_eq!(stdout(&keys).matches("AccessKeyId").count(), 2);
}

#[test]
fn doctor_names_each_problem_and_its_fix() {
    let moto = Moto::start(true);
    let (home, user) = setup(&moto, r#"{"work": "arn:aws:iam::012123456789:"}"#);
    // A loose key file, an account missing from the accounts file, a bad key, a loose cache.
    std::fs::set_permissions(
        home.creds().join("personal.secret_key"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    home.keys("broken", "AKIAAAAAAAAAAAAAAAAA", "nope");
    std::fs::create_dir_all(home.cache_dir()).unwrap();
    std::fs::set_permissions(home.cache_dir(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = home.stsenv(&["doctor"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stderr(&out);
    let secret = home.creds().join("personal.secret_key");
    for needle in [
        format!(
            "FAIL  key file {} is open to group or others (644): chmod 600 {}",
            secret.display(),
            secret.display()
        ),
        "FAIL  personal: not in the accounts file".to_owned(),
        "FAIL  personal: the keys are arn:aws:iam::123456789012:user/jbrowne: add \"personal\": \"arn:aws:iam::123456789012:\""
            .to_owned(),
        "FAIL  broken: checking the long-term keys: the access key is not valid".to_owned(),
        format!("chmod 700 {}", home.cache_dir().display()),
    ] {
        assert!(text.contains(&needle), "missing {needle:?} in\n{text}");
    }
    assert_stderr_contains!(out, "problems found");
    assert!(!text.contains(&user.secret_key));
    // A key directory others can write: it, and each key file in it (which is not used).
    std::fs::set_permissions(home.creds(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = home.stsenv(&["doctor", "personal"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stderr(&out);
    let creds = home.creds();
    for needle in [
        format!("FAIL  key directory {} is writable by group or others (777)", creds.display()),
        format!("chmod go-w {}", creds.display()),
        format!(
            "FAIL  not using the key file: {} is in {}, which is writable by group or others (mode 777); fix it with: chmod go-w {}",
            secret.display(),
            creds.display(),
            creds.display()
        ),
    ] {
        assert!(text.contains(&needle), "missing {needle:?} in\n{text}");
    }
    std::fs::set_permissions(home.creds(), std::fs::Permissions::from_mode(0o700)).unwrap();
    // A bad accounts file and an unknown account.
    home.accounts("{\"personal\": \"arn:aws:iam::123456789012:\",}");
    let out = home.stsenv(&["doctor", "nosuch"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    assert!(text.contains("FAIL  accounts file ") && text.contains(":1:"), "{text}");
    assert!(text.contains("FAIL  unknown account 'nosuch'"), "{text}");
}

/// Move `path` to `target` and leave a symlink to it in its place.
fn move_behind_link(path: &std::path::Path, target: &std::path::Path) {
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::rename(path, target).unwrap();
    std::os::unix::fs::symlink(target, path).unwrap();
}

fn owner(path: &std::path::Path) -> (u32, u32) {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).unwrap();
    (meta.uid(), meta.gid())
}

#[test]
fn enroll_and_rotation_write_through_symlinks_keeping_mode_and_owner() {
    let moto = Moto::start(false);
    let (home, user) = setup(&moto, OTHERS);
    // The accounts file kept in a dotfiles checkout, the key files in a secret store, linked.
    let dotfiles = home.path().join("dotfiles/accounts.json");
    move_behind_link(&home.accounts_path(), &dotfiles);
    std::fs::set_permissions(&dotfiles, std::fs::Permissions::from_mode(0o640)).unwrap();
    let store = home.path().join("store");
    let (access, secret) =
        (home.creds().join("personal.access_key"), home.creds().join("personal.secret_key"));
    for link in [&access, &secret] {
        let target = store.join(link.file_name().unwrap());
        move_behind_link(link, &target);
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o400)).unwrap();
    }
    // Files of another group keep that group (only root can give them one; CI is root). (Not
    // another user's: stsenv refuses an accounts file or key file another user owns.)
    let other = crate::util::other_user();
    if let Some(other) = &other {
        for path in [&dotfiles, &store.join("personal.access_key"), &store.join("personal.secret_key")] {
            std::os::unix::fs::chown(path, None, Some(other.gid)).unwrap();
        }
    }
    let owners = |paths: &[&std::path::Path]| paths.iter().map(|p| owner(p)).collect::<Vec<_>>();
    let store_access = store.join("personal.access_key");
    let store_secret = store.join("personal.secret_key");
    let before = owners(&[&dotfiles, &store_access, &store_secret]);
    // Temp files of writers killed mid-write (no process has PID 4194305).
    let dead = [
        home.path().join("dotfiles/.accounts.json.4194305.0.tmp"),
        store.join(".personal.access_key.4194305.3.tmp"),
        store.join(".personal.secret_key.4194305.4.tmp"),
    ];
    for path in &dead {
        std::fs::write(path, "half").unwrap();
    }

    let out = home.stsenv(&["mfa-device", "enroll", "personal", "--store-seed", "--name", "svc"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(home.accounts_path()).unwrap().file_type().is_symlink());
    assert!(
        std::fs::read_to_string(&dotfiles)
            .unwrap()
            .contains("\"mfa_serial\": \"arn:aws:iam::123456789012:mfa/svc\"")
    );
    assert_eq!(mode(&dotfiles), 0o640);
    assert!(!dead[0].exists(), "the dead writer's temp file is gone");

    let out = home.stsenv(&["rotate-keys", "personal"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let new_id = stdout(&out).trim().to_owned();
    for link in [&access, &secret] {
        assert!(std::fs::symlink_metadata(link).unwrap().file_type().is_symlink(), "{}", link.display());
        assert_eq!(mode(link), 0o400, "{}", link.display());
    }
    assert_eq!(std::fs::read_to_string(&store_access).unwrap().trim(), new_id);
    assert_ne!(std::fs::read_to_string(&store_secret).unwrap().trim(), user.secret_key);
    assert_eq!(owners(&[&dotfiles, &store_access, &store_secret]), before, "owners kept");
    assert!(!dead[1].exists() && !dead[2].exists(), "the dead writers' temp files are gone");
    let mut left: Vec<String> =
        std::fs::read_dir(&store).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    left.sort();
    assert_eq!(left, ["personal.access_key", "personal.secret_key"]);
}

#[test]
fn a_reader_never_sees_half_a_rotation() {
    let moto = Moto::start(false);
    let (home, user) = setup(&moto, OTHERS);
    let read_pair = || {
        let access = std::fs::read_to_string(home.creds().join("personal.access_key")).unwrap();
        let secret = std::fs::read_to_string(home.creds().join("personal.secret_key")).unwrap();
        (access.trim().to_owned(), secret.trim().to_owned())
    };
    let mut pairs = vec![(user.access_key.clone(), user.secret_key.clone())];
    let stop = std::sync::atomic::AtomicBool::new(false);
    let seen: std::sync::Mutex<std::collections::BTreeSet<(String, String)>> = Default::default();
    const ROTATIONS: usize = 25;
    std::thread::scope(|s| {
        // Readers as ec2switch and ec2mfa read: stsenv's own function, back to back (always one
        // of them inside the lock: the rotations still get their turn)...
        for _ in 0..2 {
            s.spawn(|| {
                let keys =
                    stsenv::config::key_dir::KeyDir { path: home.creds(), home: home.path().to_owned() };
                let mut mine = std::collections::BTreeSet::new();
                let mut reads = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let c = keys.keys("personal").unwrap();
                    let text = |s: &stsenv::base::credentials::Secret| s.as_str().unwrap().to_owned();
                    mine.insert((text(&c.access_key_id), text(&c.secret_access_key)));
                    reads += 1;
                }
                eprintln!("reader: {reads} reads");
                seen.lock().unwrap().extend(mine);
            });
        }
        // ...and the binary itself (ec2switch).
        s.spawn(|| {
            let mut runs = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let out = home.stsenv(&["switch", "personal", "--shell", "bash"]);
                assert!(out.status.success(), "{}", stderr(&out));
                let code = stdout(&out);
                let value = |name: &str| {
                    let start = code.find(&format!("export {name}='")).unwrap() + name.len() + 9;
                    code[start..start + code[start..].find('\'').unwrap()].to_owned()
                };
                seen.lock().unwrap().insert((value("AWS_ACCESS_KEY_ID"), value("AWS_SECRET_ACCESS_KEY")));
                runs += 1;
            }
            eprintln!("switch: {runs} runs");
        });
        for _ in 0..ROTATIONS {
            let out = home.stsenv(&["rotate-keys", "personal"]);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            pairs.push(read_pair());
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let seen = seen.into_inner().unwrap();
    for pair in &seen {
        assert!(pairs.contains(pair), "a mixed pair was read: {} with a secret of another rotation", pair.0);
    }
    assert!(seen.len() > 2, "the readers saw the rotations: {}", seen.len());
}

#[test]
fn rotations_at_once_take_turns() {
    let moto = Moto::start(true);
    let (home, _user) = setup(&moto, OTHERS);
    let outs: Vec<Output> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3).map(|_| s.spawn(|| home.stsenv(&["rotate-keys", "personal"]))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for out in &outs {
        assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    }
    // One key left at IAM, the one in the key directory, and it works.
    let access = std::fs::read_to_string(home.creds().join("personal.access_key")).unwrap();
    let secret = std::fs::read_to_string(home.creds().join("personal.secret_key")).unwrap();
    let keys = aws(
        &home,
        As::Keys(access.trim(), secret.trim()),
        &["iam", "list-access-keys", "--query", "AccessKeyMetadata[].AccessKeyId", "--output", "text"],
    );
    assert!(keys.status.success(), "{}", stderr(&keys));
    assert_eq!(stdout(&keys).trim(), access.trim());
    let mut ids: Vec<&str> = outs.iter().map(|o| std::str::from_utf8(&o.stdout).unwrap().trim()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 3, "three rotations, one after the other: {ids:?}");
}
