//! The cache module: permissions from creation, atomic replacement, validity with the margin,
//! corrupt files treated as absent.

use std::os::unix::fs::PermissionsExt;

use stsenv::store::cache::Cache;
use stsenv::store::entry::State;
use stsenv::store::slot::Slot;
use time::{Duration, OffsetDateTime, macros::datetime};

use crate::util::{Home, mode};

#[test]
fn written_0600_in_a_0700_directory_even_under_umask_000() {
    let home = Home::new();
    let path = home.cache_dir();
    // The umask is process-wide; it is restored at once.
    let old = unsafe { libc_umask(0) };
    let entry = home.cache_session(
        "Personal",
        Slot::Mfa,
        "TOKENTOKENTOKENTOKEN",
        OffsetDateTime::now_utc() + Duration::hours(1),
    );
    unsafe { libc_umask(old) };
    assert_eq!(mode(&path), 0o700);
    let file = home.cache().path("personal", &Slot::Mfa);
    assert_eq!(file, path.join("personal.mfa.json"), "names are stored lower-case");
    assert_eq!(mode(&file), 0o600);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains(&format!("\"expiration\": \"{}\"", stsenv::base::times::rfc3339(entry.expiration))),
        "{text}"
    );
    // No temp file is left behind.
    let names: Vec<_> = std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(names.iter().all(|n| !n.to_string_lossy().contains(".tmp")), "{names:?}");
}

unsafe extern "C" {
    #[link_name = "umask"]
    fn libc_umask(mask: u32) -> u32;
}

#[test]
fn valid_until_five_minutes_before_expiry() {
    let home = Home::new();
    let expiration = datetime!(2030-01-01 12:00:00 UTC);
    home.cache_session("a", Slot::Mfa, "TOKENTOKENTOKENTOKEN", expiration);
    let cache = home.cache();
    assert!(matches!(cache.state("a", &Slot::Mfa, datetime!(2030-01-01 11:54:59 UTC)), State::Valid(_)));
    assert!(matches!(cache.state("A", &Slot::Mfa, datetime!(2030-01-01 11:55:00 UTC)), State::Expired(_)));
    assert!(matches!(cache.state("a", &Slot::Session, datetime!(2029-01-01 0:00 UTC)), State::Absent));
    let role = crate::util::role_slot("arn:aws:iam::012123456789:role/Admin");
    assert!(matches!(cache.state("a", &role, datetime!(2029-01-01 0:00 UTC)), State::Absent));
    home.cache_session("a", role.clone(), "ROLETOKENROLETOKEN", expiration);
    let Some(entry) = cache.valid("a", &role, datetime!(2029-01-01 0:00 UTC)) else { panic!("role entry") };
    assert_eq!(entry.role_arn.as_deref(), Some("arn:aws:iam::012123456789:role/Admin"));
    assert_eq!(cache.role_arns()["a"], vec!["arn:aws:iam::012123456789:role/Admin".to_owned()]);
}

#[test]
fn corrupt_files_are_absent() {
    let home = Home::new();
    let cache = Cache::new(home.cache_dir());
    home.cache_session(
        "a",
        Slot::Mfa,
        "TOKENTOKENTOKENTOKEN",
        OffsetDateTime::now_utc() + Duration::hours(1),
    );
    let file = cache.path("a", &Slot::Mfa);
    let good = std::fs::read(&file).unwrap();
    for bad in [&good[..good.len() / 2], b"", b"{}", &b"\xff\xfe"[..]] {
        std::fs::write(&file, bad).unwrap();
        assert!(matches!(cache.state("a", &Slot::Mfa, OffsetDateTime::now_utc()), State::Absent));
    }
    let with_nul = String::from_utf8(good.clone()).unwrap().replace("TOKENTOKEN", "TOKEN\\u0000TOKEN");
    std::fs::write(&file, with_nul).unwrap();
    assert!(matches!(cache.state("a", &Slot::Mfa, OffsetDateTime::now_utc()), State::Absent));
}

#[test]
fn a_loose_cache_directory_is_tightened() {
    let home = Home::new();
    std::fs::create_dir_all(home.cache_dir()).unwrap();
    std::fs::set_permissions(home.cache_dir(), std::fs::Permissions::from_mode(0o755)).unwrap();
    home.cache_session(
        "a",
        Slot::Mfa,
        "TOKENTOKENTOKENTOKEN",
        OffsetDateTime::now_utc() + Duration::hours(1),
    );
    assert_eq!(mode(&home.cache_dir()), 0o700);
}
