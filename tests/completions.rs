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
fn wrappers_complete_account_names() {
    let home = Home::new();
    for name in ["personal", "perf-test", "work"] {
        home.keys(name, "AKIAIOSFODNN7EXAMPLE", "secret");
    }
    for shell in shells() {
        // Each shell's own completion machinery: bash's COMPREPLY, zsh's compadd (recorded),
        // fish's `complete -C`.
        let step = match shell {
            "bash" => {
                "COMP_WORDS=(ec2switch pe); COMP_CWORD=1; __stsenv_complete_accounts; printf '%s\\n' \"${COMPREPLY[@]}\""
            }
            "zsh" => {
                "compadd() { shift; print -rl -- \"$@\" | grep '^pe'; }; CURRENT=2; __stsenv_complete_accounts"
            }
            _ => "complete -C 'ec2switch pe'",
        };
        let steps = home.scenario(shell, &[step]);
        let mut got: Vec<&str> = steps[0].stdout.lines().map(|l| l.split('\t').next().unwrap()).collect();
        got.sort();
        assert_eq!(got, ["perf-test", "personal"], "{shell}: {}", steps[0].stderr);
    }
}
