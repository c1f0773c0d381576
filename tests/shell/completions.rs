//! The completion files in `completions/` are current, and the wrappers complete account names.

use stsenv::shell::Shell;

use crate::util::{Home, shells};

#[test]
fn completion_files_are_current() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for (shell, file) in [(Shell::Bash, "stsenv.bash"), (Shell::Zsh, "_stsenv"), (Shell::Fish, "stsenv.fish")]
    {
        let out = Home::new().stsenv(&["completions", shell.name()]);
        assert!(out.status.success());
        let path = dir.join(file);
        if std::env::var_os("STSENV_UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &out.stdout).unwrap();
        }
        let kept = std::fs::read(&path).unwrap_or_default();
        assert!(
            kept == out.stdout,
            "{} is stale: regenerate with STSENV_UPDATE_GOLDEN=1 cargo test completion_files",
            path.display()
        );
    }
}

#[test]
fn there_is_no_completion_script_for_nushell() {
    // The module of `stsenv init nu` completes the functions; stsenv says so instead of printing
    // another shell's script.
    let out = Home::new().stsenv(&["completions", "nu"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("stsenv init nu") && stderr.lines().count() == 1, "{stderr}");
}

#[test]
fn wrappers_complete_account_names() {
    let home = Home::new();
    for name in ["personal", "perf-test", "work"] {
        home.keys(name, "AKIAIOSFODNN7EXAMPLE", "secret");
    }
    for shell in shells() {
        // Each shell's own completion machinery: bash's COMPREPLY, zsh's compadd (recorded),
        // fish's `complete -C`; nushell: the completer the function's signature names.
        let step = match shell {
            "bash" => {
                "COMP_WORDS=(ec2switch pe); COMP_CWORD=1; __stsenv_complete_accounts; printf '%s\\n' \"${COMPREPLY[@]}\""
            }
            "zsh" => {
                "compadd() { shift; print -rl -- \"$@\" | grep '^pe'; }; CURRENT=2; __stsenv_complete_accounts"
            }
            "fish" => "complete -C 'ec2switch pe'",
            _ => NU_COMPLETE.replace("FUNCTION", "ec2switch").leak(),
        };
        let steps = home.scenario_table(shell, &[step]);
        let mut got: Vec<&str> = steps[0].stdout.lines().map(|l| l.split('\t').next().unwrap()).collect();
        got.sort();
        assert_eq!(got, ["perf-test", "personal"], "{shell}: {}", steps[0].stderr);
    }
}

/// nushell: the completer of FUNCTION's arguments, called as nushell calls it, keeping the
/// candidates that start with "pe" (nushell filters them itself).
const NU_COMPLETE: &str = "let c = (scope commands | where name == FUNCTION | get signatures.0 | values | first \
     | where parameter_name == args | get completion.0); do { match $c { \
     __stsenv_complete_accounts => (__stsenv_complete_accounts 'FUNCTION pe'), \
     __stsenv_complete_roles => (__stsenv_complete_roles 'FUNCTION pe') } } \
     | where $it starts-with pe | str join (char nl)";

#[test]
fn ec2role_completes_the_accounts_role_keys() {
    let mut home = Home::new();
    home.keys("personal", "AKIAIOSFODNN7EXAMPLE", "secret");
    home.accounts(
        r#"{"personal": {"arn": "arn:aws:iam::987654321012:",
            "roles": {"peer-admin": "arn:aws:iam::987654321012:role/Admin", "perf": "Perf", "ro": "ReadOnly"}}}"#,
    );
    home.set("STSENV_ACCOUNT", "personal");
    for shell in shells() {
        let step = match shell {
            "bash" => {
                "COMP_WORDS=(ec2role pe); COMP_CWORD=1; __stsenv_complete_roles; printf '%s\\n' \"${COMPREPLY[@]}\""
            }
            "zsh" => {
                "compadd() { shift; print -rl -- \"$@\" | grep '^pe'; }; CURRENT=2; __stsenv_complete_roles"
            }
            "fish" => "complete -C 'ec2role pe'",
            _ => NU_COMPLETE.replace("FUNCTION", "ec2role").leak(),
        };
        let steps = home.scenario_table(shell, &[step]);
        let mut got: Vec<&str> = steps[0].stdout.lines().map(|l| l.split('\t').next().unwrap()).collect();
        got.sort();
        assert_eq!(got, ["peer-admin", "perf"], "{shell}: {}", steps[0].stderr);
    }
    // The binary: one role key a line, of the named account or $STSENV_ACCOUNT.
    let out = home.stsenv(&["list", "--roles", "PERSONAL"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "peer-admin\nperf\nro\n");
    let out = home.stsenv(&["list", "--roles"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "peer-admin\nperf\nro\n");
}

#[test]
fn a_role_key_that_is_not_a_name_is_never_offered() {
    // A role key holding shell syntax is refused with the whole accounts file, so neither
    // `stsenv role <Tab>` (completions/stsenv.bash) nor `ec2role <Tab>` (the wrapper) offers it.
    if !crate::util::require_tool("bash") {
        return;
    }
    let home = Home::new();
    home.keys("personal", "AKIAIOSFODNN7EXAMPLE", "secret");
    home.accounts(
        r#"{"personal": {"arn": "arn:aws:iam::987654321012:",
            "roles": {"$(touch${IFS}/tmp/x)": "Admin", "\u001b[31mred": "Red", "ro": "ReadOnly"}}}"#,
    );
    let completions = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/stsenv.bash");
    let script = format!(
        "source {}\neval \"$(stsenv init bash)\"\n\
         COMP_WORDS=(stsenv role ''); COMP_CWORD=2; _stsenv_names stsenv '' role; printf '<%s>\\n' \"${{COMPREPLY[@]}}\"\n\
         echo ==\n\
         COMP_WORDS=(ec2role ''); COMP_CWORD=1; STSENV_ACCOUNT=personal __stsenv_complete_roles; printf '<%s>\\n' \"${{COMPREPLY[@]}}\"",
        completions.display()
    );
    let mut cmd = home.command("bash");
    cmd.env("STSENV_ACCOUNT", "personal").args(["--noprofile", "--norc", "-c", &script]);
    let out = cmd.output().unwrap();
    let got = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!got.contains("touch") && !got.contains('\u{1b}') && !got.contains("red"), "offered: {got}");
    assert_eq!(got, "<>\n==\n<>\n", "{}", String::from_utf8_lossy(&out.stderr));
}
