//! Key files as files: what stsenv opens to read a key (a FIFO, a huge file) is refused at once,
//! before it could hang or be read whole.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use crate::util::fixtures::sts_home;

#[test]
fn a_fifo_or_a_huge_key_file_is_refused_at_once() {
    let mut home = sts_home("http://127.0.0.1:1");
    home.set("STSENV_TOKEN_CODE", "123456");
    let secret = home.creds().join("personal.secret_key");
    let quick = Duration::from_secs(1);
    // A FIFO nobody writes to: opening it to read would wait for a writer forever.
    std::fs::remove_file(&secret).unwrap();
    let c = std::ffi::CString::new(secret.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let run = home.run(&["credential-process", "personal"], Duration::from_secs(10));
    run.failed(
        2,
        &format!(
            "the key file {} is not a regular file (a FIFO, a device or a directory); put the value in a plain file of at most 64 KiB",
            secret.display()
        ),
    );
    assert!(run.elapsed < quick, "{:?}", run.elapsed);
    // 300 MB (sparse: no disk used), which would be read whole.
    std::fs::remove_file(&secret).unwrap();
    let file = std::fs::File::create(&secret).unwrap();
    file.set_len(300 << 20).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let run = home.run(&["credential-process", "personal"], Duration::from_secs(10));
    run.failed(
        2,
        &format!(
            "the key file {} is larger than 64 KiB, too large for a key; put only the value in it",
            secret.display()
        ),
    );
    assert!(run.elapsed < quick, "{:?}", run.elapsed);
}
