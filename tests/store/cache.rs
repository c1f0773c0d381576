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
fn a_readable_cache_directory_keeps_its_mode() {
    // Open to others for reading only: used (with a warning, which stsenv gives on stderr), but
    // its mode is the user's to set; stsenv changes the mode only of a directory it makes.
    let home = Home::new();
    std::fs::create_dir_all(home.cache_dir()).unwrap();
    std::fs::set_permissions(home.cache_dir(), std::fs::Permissions::from_mode(0o755)).unwrap();
    home.cache_session(
        "a",
        Slot::Mfa,
        "TOKENTOKENTOKENTOKEN",
        OffsetDateTime::now_utc() + Duration::hours(1),
    );
    assert_eq!(mode(&home.cache_dir()), 0o755);
    assert_eq!(mode(&home.cache().path("a", &Slot::Mfa)), 0o600);
    assert!(home.cache().valid("a", &Slot::Mfa, OffsetDateTime::now_utc()).is_some());
}

#[test]
fn clearing_a_project_directory_removes_only_the_sessions() {
    // STSENV_CACHE_DIR set to a project's directory by mistake: its files are not stsenv's,
    // even those named *.json or like a killed writer's temp file, and neither is its mode.
    let mut home = crate::util::fixtures::home();
    let project = home.path().join("project");
    std::fs::create_dir(&project).unwrap();
    std::fs::set_permissions(&project, std::fs::Permissions::from_mode(0o755)).unwrap();
    let files: &[(&str, &[u8])] = &[
        ("package.json", b"{\"name\": \"app\", \"version\": \"1.0.0\"}\n"),
        ("tsconfig.json", b"{\"compilerOptions\": {\"strict\": true}}\n"),
        ("README.md", b"# app\n"),
        // Named like a temp file of a writer that died long ago, but of no cache file.
        (".tsbuildinfo.4194305.0.tmp", b"build state\n"),
    ];
    for (name, bytes) in files {
        std::fs::write(project.join(name), bytes).unwrap();
    }
    let stale =
        std::fs::File::options().write(true).open(project.join(".tsbuildinfo.4194305.0.tmp")).unwrap();
    stale.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600)).unwrap();
    drop(stale);
    // A cached session, written as an escalation writes it (under its lock).
    let cache = Cache::new(project.clone());
    let credentials = stsenv::base::credentials::Credentials {
        access_key_id: stsenv::base::credentials::Secret::new("ASIAPROJECTPROJECT12"),
        secret_access_key: stsenv::base::credentials::Secret::new("project/secret"),
        session_token: Some(stsenv::base::credentials::Secret::new("PROJECTTOKEN")),
        expiration: Some(OffsetDateTime::now_utc() + Duration::hours(1)),
    };
    let entry = stsenv::store::entry::Entry::new("personal", &Slot::Mfa, credentials).unwrap();
    {
        let _lock = cache.lock("personal", &Slot::Mfa).unwrap();
        cache.write(&Slot::Mfa, &entry).unwrap();
    }
    let session = cache.path("personal", &Slot::Mfa);
    assert!(session.is_file());

    home.set("STSENV_CACHE_DIR", &project);
    let out = home.stsenv(&["clear"]);
    assert!(out.status.success(), "{}", crate::util::stderr(&out));
    assert_stderr_contains!(out, "Removed 1 cached session of any account");
    assert!(!session.exists(), "the session is removed");
    for (name, bytes) in files {
        let path = project.join(name);
        assert_eq!(std::fs::read(&path).ok().as_deref(), Some(*bytes), "{name} is kept byte for byte");
    }
    assert_eq!(mode(&project), 0o755, "the project directory keeps its mode");
    // What is left: the project's files and the session's lock file.
    let mut left: Vec<String> =
        std::fs::read_dir(&project).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    left.sort();
    assert_eq!(
        left,
        [".tsbuildinfo.4194305.0.tmp", "README.md", "package.json", "personal.mfa.lock", "tsconfig.json"]
    );
}
