//! The credential server of `exec --server` stays available to its child while another user of
//! the machine, who can connect to its port but has no token, holds thousands of idle
//! connections open: the child's request with the token is answered within a second.

use std::os::unix::process::CommandExt;

use crate::util::fixtures::moto_home;
use crate::util::moto::{Moto, venv};
use crate::util::run::{QUICK, finish};
use crate::util::{other_user, stderr, stdout};

/// Run as the second user: open up to COUNT idle connections to HOST:PORT (blocking connects,
/// half a second each, for at most 4 s in all), say how many, then hold them.
const ATTACKER: &str = r#"
import resource, socket, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
held, start = [], time.monotonic()
while len(held) < count and time.monotonic() - start < 4:
    s = socket.socket()
    s.settimeout(0.5)
    try:
        s.connect((host, port))
        held.append(s)
    except OSError:
        s.close()
print(len(held), flush=True)
time.sleep(30)
"#;

/// The child of `stsenv exec --server`: start the attacker (as the second user), wait until it
/// holds its connections, then time one request with the token.
const CHILD: &str = r#"
import os, subprocess, sys, time, urllib.parse, urllib.request
url = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
parsed = urllib.parse.urlparse(url)
uid, gid, attacker = sys.argv[1], sys.argv[2], sys.argv[3]
held = subprocess.Popen(["setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--",
                         sys.executable, attacker, parsed.hostname, str(parsed.port), "3000"],
                        stdout=subprocess.PIPE, text=True)
opened = held.stdout.readline().strip()
start = time.monotonic()
try:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": token}), timeout=10) as r:
        status = r.status
except Exception as e:
    status = repr(e)
took = time.monotonic() - start
held.kill()
held.wait()
print(opened, status, "%.3f" % took)
"#;

#[test]
fn another_users_idle_connections_do_not_starve_the_childs_requests() {
    let user = other_user().expect("CI runs as root: the second user exists");
    let moto = Moto::start(false);
    let (home, _) = moto_home(&moto);
    let attacker = home.path().join("attacker.py");
    std::fs::write(&attacker, ATTACKER).unwrap();
    // The second user reads it from the home: let it through.
    crate::util::run::command("chmod").args(["755", home.path().to_str().unwrap()]).status().unwrap();
    crate::util::run::command("chmod").args(["644", attacker.to_str().unwrap()]).status().unwrap();
    let child = home.path().join("child.py");
    std::fs::write(&child, CHILD).unwrap();
    let python = venv().join("bin/python");
    let (uid, gid) = (user.uid.to_string(), user.gid.to_string());
    let mut cmd = home.stsenv_command(&[
        "exec",
        "personal",
        "-c",
        "123456",
        "--server",
        "--",
        python.to_str().unwrap(),
        child.to_str().unwrap(),
        &uid,
        &gid,
        attacker.to_str().unwrap(),
    ]);
    // A desktop's usual descriptor limit (1,024), with room to raise it.
    // SAFETY: setrlimit is async-signal-safe; it runs in the child before exec.
    unsafe {
        cmd.pre_exec(|| {
            let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
            limit.rlim_cur = 1024.min(limit.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
            Ok(())
        });
    }
    let (out, _) = finish(cmd, "stsenv exec --server with an attacker", QUICK * 2);
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    let fields: Vec<&str> = printed.split_whitespace().collect();
    assert_eq!(fields.len(), 3, "{printed}");
    let opened: usize = fields[0].parse().unwrap();
    let took: f64 = fields[2].parse().unwrap();
    assert!(opened >= 1000, "the attacker held only {opened} connections: {printed}");
    assert_eq!(fields[1], "200", "the child's request: {printed}");
    assert!(took < 1.0, "the child's request took {took} s with {opened} idle connections open");
}
