//! Crash safety: processes killed with SIGKILL at random points of an escalation never leave a
//! partial or unparsable cache file; temp files of killed writers do not pile up; a corrupt
//! cache file is ignored with a warning and replaced by the next escalation.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use stsenv::store::slot::Slot;

use crate::util::fault::{Fault, Mode};
use crate::util::fixtures::sts_home;
use crate::util::{ACCESS_KEY, bin, stderr, stdout};

const MFA_FORCE: &[&str] = &["mfa", "personal", "-c", "123456", "--force", "--shell", "bash"];

/// How many processes are killed.
const RUNS: usize = 300;

/// Every `*.json` in the cache directory is whole: valid JSON with every field, 0600, and read
/// by stsenv as a valid entry. Returns the names of the temp files present.
fn check_cache(dir: &Path, context: &str) -> Vec<String> {
    let mut temps = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return temps };
    for entry in entries {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{context}: {name} is {mode:o}");
        if name.ends_with(".lock") {
            continue;
        }
        if name.starts_with('.') && name.ends_with(".tmp") {
            temps.push(name);
            continue;
        }
        assert!(name.ends_with(".json"), "{context}: unexpected file {name}");
        let bytes = std::fs::read(entry.path()).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!("{context}: {name} is not JSON ({e}): {}", String::from_utf8_lossy(&bytes))
        });
        for field in [
            "version",
            "account",
            "kind",
            "access_key_id",
            "secret_access_key",
            "session_token",
            "expiration",
        ] {
            assert!(
                json[field].as_str().is_some_and(|s| !s.is_empty()) || json[field].is_u64(),
                "{context}: {name} lacks {field}: {json}"
            );
        }
        let cache = stsenv::store::cache::Cache::new(dir.to_owned());
        let now = time::OffsetDateTime::now_utc();
        assert!(cache.valid("personal", &Slot::Mfa, now).is_some(), "{context}: {name} is not a valid entry");
    }
    temps
}

#[test]
fn sigkill_at_random_points_never_leaves_a_partial_cache_file() {
    let fault = Fault::start(Mode::ok());
    let home = sts_home(&fault.url);
    let spawn = || {
        let mut cmd = home.command(bin());
        cmd.args(MFA_FORCE).stdout(Stdio::null()).stderr(Stdio::null());
        cmd.spawn().unwrap()
    };
    // How long a whole run takes here: kills are spread over that (at least 0-30 ms).
    let mut times: Vec<Duration> = (0..7)
        .map(|_| {
            let started = Instant::now();
            assert!(spawn().wait().unwrap().success());
            started.elapsed()
        })
        .collect();
    times.sort();
    let typical = times[times.len() / 2];
    let window = typical.mul_f64(1.2).max(Duration::from_millis(30));
    let mut rng = fastrand::Rng::with_seed(0x5eed);
    let (mut killed, mut finished, mut most_temps) = (0, 0, 0);
    // Temp files seen: each is a writer killed between creating and renaming it.
    let mut seen_temps = std::collections::BTreeSet::new();
    let requests_before = fault.count();
    let started = Instant::now();
    for run in 0..RUNS {
        let mut child = spawn();
        std::thread::sleep(window.mul_f64(rng.f64()));
        // SIGKILL: no destructor, no cleanup.
        let status = crate::util::run::kill(&mut child);
        if status.success() {
            finished += 1
        } else {
            killed += 1
        }
        let temps = check_cache(&home.cache_dir(), &format!("run {run}"));
        most_temps = most_temps.max(temps.len());
        for temp in temps {
            seen_temps.insert(temp);
        }
    }
    let temps = check_cache(&home.cache_dir(), "after the kills");
    eprintln!(
        "crash: {RUNS} runs killed after 0-{window:?} (a whole run takes {typical:?}): {killed} killed ({} while writing the cache), {finished} finished first, {} STS answers, {:?}; temp files left: at most {most_temps} at once, {} at the end: {temps:?}",
        seen_temps.len(),
        fault.count() - requests_before,
        started.elapsed(),
        temps.len()
    );
    assert!(killed >= RUNS / 4 && finished >= 1, "the kills did not spread over the run");
    // A killed writer's temp file is removed by the next write of its slot.
    assert!(most_temps <= 1, "temp files pile up: {most_temps}");
    // A run to the end afterwards: a valid entry, and no temp file left.
    let out = home.stsenv(MFA_FORCE);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(check_cache(&home.cache_dir(), "after a whole run"), Vec::<String>::new());
}

/// Set a file's modification time `age` ago.
fn age(path: &Path, age: Duration) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - age).unwrap();
}

#[test]
fn stale_temp_files_are_removed_by_the_next_write() {
    let fault = Fault::start(Mode::ok());
    let home = sts_home(&fault.url);
    let dir = home.cache_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let write = |name: &str, minutes: u64| {
        let path = dir.join(name);
        std::fs::write(&path, "{\"version\": 1, \"acc").unwrap();
        age(&path, Duration::from_secs(minutes * 60));
        path
    };
    // Another slot's temp files: removed when older than a minute, kept when fresh (a writer
    // of that slot may be between its write and its rename).
    let stale_other = write(".work.mfa.json.4242.0.tmp", 2);
    let fresh_other = write(".work.mfa.json.4243.0.tmp", 0);
    // This slot's: the writer holds the slot's lock, so any other is a dead writer's.
    let own = write(".personal.mfa.json.4244.3.tmp", 0);
    // Not stsenv's temp files: never touched.
    let unrelated = [write("notes.tmp", 5), write(".personal.mfa.json.bak", 5), write(".hidden", 5)];
    let out = home.stsenv(MFA_FORCE);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stale_other.exists(), "a temp file older than a minute is removed");
    assert!(fresh_other.exists(), "another slot's fresh temp file is kept");
    assert!(!own.exists(), "the slot's own dead temp file is removed");
    for path in &unrelated {
        assert!(path.exists(), "{} was removed", path.display());
    }
}

#[test]
fn a_corrupt_cache_file_is_absent_with_a_warning_and_replaced() {
    let fault = Fault::start(Mode::ok());
    let home = sts_home(&fault.url);
    let file = home.cache().path("personal", &Slot::Mfa);
    let out = home.stsenv(&["mfa", "personal", "-c", "123456"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let good = std::fs::read(&file).unwrap();
    let corruptions: [&[u8]; 5] =
        [&good[..good.len() / 2], b"", b"{}", b"\xff\xfe garbage", &b"{\"version\": 1}"[..]];
    for bad in corruptions {
        std::fs::write(&file, bad).unwrap();
        let warning = format!("stsenv: warning: the cache file {} is corrupt; ignoring it", file.display());
        // ec2switch: the long-term keys, with the warning.
        let out = home.stsenv(&["switch", "personal", "--shell", "bash"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stderr(&out).starts_with(&warning), "{}", stderr(&out));
        assert_stderr_contains!(out, "Cache not present for account personal");
        assert!(stdout(&out).contains(ACCESS_KEY), "the long-term keys");
        // ec2mfa without --force: a new session replaces the file.
        let sent = fault.count();
        let out = home.stsenv(&["mfa", "personal", "-c", "123456", "--shell", "bash"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stderr(&out).starts_with(&warning), "{}", stderr(&out));
        assert_stderr_contains!(out, "New session for account personal");
        assert_eq!(fault.count(), sent + 1);
        check_cache(&home.cache_dir(), "replaced");
        // And it is used again, without a warning.
        let out = home.stsenv(&["switch", "personal"]);
        assert_stderr_lacks!(out, "warning");
        assert_stderr_contains!(out, "Cache is valid");
    }
}
