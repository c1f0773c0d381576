//! A shell run with `set -v` (as some CI jobs and debugging sessions are, their stderr kept in a
//! log) never echoes the code the functions eval: the secret key and token stay out of stderr.

use crate::util::fixtures::moto_home;
use crate::util::moto::Moto;
use crate::util::run::{QUICK, finish};
use crate::util::{require_tool, stderr, stdout};

#[test]
fn set_v_does_not_echo_the_credentials_in_bash_or_zsh() {
    let moto = Moto::start(false);
    let (home, _) = moto_home(&moto);
    for shell in ["bash", "zsh"] {
        if !require_tool(shell) {
            continue;
        }
        let file = home.path().join(format!("verbose.{shell}"));
        std::fs::write(
            &file,
            format!(
                "eval \"$(stsenv init {shell})\"\nset -v\nec2mfa personal -c 123456\n\
                 case $- in *v*) on=yes ;; *) on=no ;; esac\nset +v\n\
                 printf '%s\\n' \"verbose=$on\" \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\"\n"
            ),
        )
        .unwrap();
        let mut cmd = home.command(shell);
        cmd.arg(&file);
        let (out, _) = finish(cmd, &format!("{shell} with set -v"), QUICK);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let printed = stdout(&out);
        let lines: Vec<&str> = printed.lines().collect();
        assert_eq!(lines.len(), 3, "{shell}: {printed}");
        assert_eq!(lines[0], "verbose=yes", "{shell}: set -v is back on after ec2mfa");
        let (secret, token) = (lines[1], lines[2]);
        assert!(secret.len() > 10 && token.len() > 10, "{shell}: a session was set: {printed}");
        let err = stderr(&out);
        // set -v echoed the script's own lines: it was on.
        assert!(err.contains("ec2mfa personal -c 123456"), "{shell}: {err}");
        assert!(!err.contains(secret), "{shell}: the secret key was echoed to stderr: {err}");
        assert!(!err.contains(token), "{shell}: the session token was echoed to stderr: {err}");
    }
}
