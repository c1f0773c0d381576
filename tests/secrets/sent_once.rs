//! A TOTP code is never sent twice: AWS refuses a code it has already seen for a device, so a
//! second escalation within one 30-second step waits for the next code. Through the recording
//! proxy in front of moto, to see each `TokenCode` sent.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::util::fixtures::moto_home;
use crate::util::moto::Moto;
use crate::util::record::Recorder;
use crate::util::run::QUICK;

const WAITING: &str = "s for the next code: AWS refuses a code it has already seen";

fn unix_now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
}

/// Sleep until the clock is between `from` and `to` seconds into a 30-second step.
fn wait_for_second_of_step(from: f64, to: f64) {
    let into = unix_now() % 30.0;
    if (from..to).contains(&into) {
        return;
    }
    let wait = if into < from { from - into } else { 30.0 - into + from };
    std::thread::sleep(Duration::from_secs_f64(wait));
}

#[test]
fn two_escalations_in_one_step_send_two_different_codes() {
    let moto = Moto::start(false);
    let (mut home, user) = moto_home(&moto);
    let proxy = Recorder::start(&moto.url);
    home.set("AWS_ENDPOINT_URL_STS", &proxy.url);
    home.write_secret("personal.totp", user.seed.as_bytes());
    // Late in a step, so that both runs start in it and the second waits a few seconds only.
    wait_for_second_of_step(22.0, 26.0);
    let args = ["mfa", "personal", "--force", "--shell", "bash"];
    let step = |t: f64| (t / 30.0) as u64;
    let first_started = unix_now();
    let first = home.run(&args, QUICK);
    let second_started = unix_now();
    let second = home.run(&args, QUICK);
    for run in [&first, &second] {
        assert!(run.status.success(), "{}: {}", run.what, run.stderr);
        assert!(run.stdout.contains("STSENV_KIND='mfa'"), "{}", run.stdout);
        assert!(run.stderr.contains("New session for account personal"), "{}", run.stderr);
    }
    let codes: Vec<String> = proxy
        .actions("GetSessionToken")
        .iter()
        .map(|r| r.field("TokenCode").expect("a TokenCode").to_owned())
        .collect();
    assert_eq!(codes.len(), 2, "one GetSessionToken per run: {codes:?}");
    assert_ne!(codes[0], codes[1], "the same code sent twice");
    assert!(!first.stderr.contains(WAITING), "{}", first.stderr);
    assert!(
        step(first_started) == step(second_started),
        "the runs fell in two steps; the machine is too slow"
    );
    // The second said once that it waits, and did, until the next step.
    assert_eq!(second.stderr.matches(WAITING).count(), 1, "{}", second.stderr);
    let waited = second.stderr.lines().find(|l| l.contains(WAITING)).unwrap();
    let seconds: u64 = waited.strip_prefix("waiting ").unwrap().split('s').next().unwrap().parse().unwrap();
    assert!((1..=12).contains(&seconds), "{waited}");
    assert!(second.elapsed >= Duration::from_secs(seconds - 1), "{:?} for {waited}", second.elapsed);
    assert!(step(unix_now()) > step(first_started));
    // What stsenv keeps: the last code per device, the user's alone.
    let kept = home.cache_dir().join("sent-codes.json");
    assert_eq!(crate::util::mode(&kept), 0o600);
    let text = std::fs::read_to_string(&kept).unwrap();
    assert!(text.contains(&user.serial) && text.contains(&codes[1]), "{text}");
}
