//! The wrapper scripts: embedded as they are in `shell/`, loaded under strict flags without a
//! sound, shellcheck-clean, kept in lockstep, and the golden output of `switch`.

use std::process::Command;

use stsenv::cache::Slot;
use time::macros::datetime;

use crate::util::{ACCESS_KEY, Home, SECRET_KEY, on_path, shells, shells_required};

fn shell_file(shell: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shell").join(format!("stsenv.{shell}"));
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn init_prints_the_shell_files() {
    let home = Home::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = home.stsenv(&["init", shell]);
        assert!(out.status.success());
        assert_eq!(String::from_utf8(out.stdout).unwrap(), shell_file(shell));
    }
    let out = home.stsenv(&["init", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn wrappers_load_silently_under_strict_flags() {
    let home = Home::new();
    for shell in shells() {
        let mut cmd = Command::new(shell);
        match shell {
            "bash" => cmd.args([
                "--noprofile",
                "--norc",
                "-e",
                "-u",
                "-o",
                "pipefail",
                "-c",
                "eval \"$(stsenv init bash)\"; type ec2switch ec2now ec2unset stsenv_prompt >/dev/null",
            ]),
            "zsh" => cmd.args([
                "--no-rcs",
                "-e",
                "-u",
                "-o",
                "pipefail",
                "-c",
                "eval \"$(stsenv init zsh)\"; whence -w ec2switch ec2now ec2unset stsenv_prompt >/dev/null",
            ]),
            _ => cmd.args([
                "--no-config",
                "--private",
                "-c",
                "stsenv init fish | source; and functions -q ec2switch ec2now ec2unset stsenv_prompt",
            ]),
        };
        home.apply(&mut cmd);
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{shell}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{shell} printed: {out:?}");
    }
}

fn require(tool: &str) -> bool {
    if on_path(tool) {
        return true;
    }
    assert!(!shells_required(), "{tool} is not installed, and CI requires it");
    eprintln!("SKIPPING: {tool} is not installed");
    false
}

#[test]
fn shellcheck_passes_on_bash_and_zsh_wrappers() {
    if !require("shellcheck") {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shell");
    for file in ["stsenv.bash", "stsenv.zsh"] {
        // shellcheck has no zsh mode: the zsh file is written in the syntax both shells share.
        let out = Command::new("shellcheck")
            .args(["--enable=all", "--shell=bash"])
            .arg(dir.join(file))
            .output()
            .unwrap();
        assert!(out.status.success(), "{file}:\n{}", String::from_utf8_lossy(&out.stdout));
    }
}

#[test]
fn fish_wrapper_is_formatted() {
    if !require("fish_indent") {
        return;
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shell/stsenv.fish");
    let out = Command::new("fish_indent").arg("--check").arg(path).output().unwrap();
    assert!(out.status.success(), "fish_indent would change shell/stsenv.fish");
}

#[test]
fn the_three_wrappers_are_in_lockstep() {
    // The same comments, in the same order, naming the same functions.
    let outline = |shell: &str| -> Vec<String> {
        shell_file(shell)
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("# ") && !l.starts_with("# shellcheck") && !l.contains("zsh splits"))
            .map(|l| {
                l.replace(shell, "SHELL")
                    .replace("eval \"$(stsenv init SHELL)\"", "LOAD")
                    .replace("stsenv init SHELL | source", "LOAD")
            })
            .map(|l| l.replace(" (SHELL asks the binary)", ", without starting a process"))
            .filter(|l| !l.contains("a pipe, unlike") && !l.contains("prints its code at once"))
            .collect()
    };
    assert_eq!(outline("bash"), outline("zsh"));
    assert_eq!(outline("bash"), outline("fish"));
    assert!(outline("bash").len() >= 8);
}

#[test]
fn golden_switch_output() {
    let home = Home::new();
    home.keys("personal", ACCESS_KEY, SECRET_KEY);
    home.keys("work", "AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY");
    home.accounts(r#"{"personal": {"arn": "arn:aws:iam::987654321012:", "region": "eu-west-1"}}"#);
    home.cache_session(
        "work",
        Slot::Mfa,
        "FQoGZXIvYXdzEXAMPLE//TOKEN+with/quotes'\"$(x)",
        datetime!(2099-01-01 00:00:00 UTC),
    );
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    for shell in ["bash", "zsh", "fish"] {
        for account in ["personal", "work"] {
            let out = home.stsenv(&["switch", account, "--shell", shell]);
            assert!(out.status.success());
            let path = dir.join(format!("switch-{account}.{shell}"));
            if std::env::var_os("STSENV_UPDATE_GOLDEN").is_some() {
                std::fs::write(&path, &out.stdout).unwrap();
            }
            let golden = std::fs::read_to_string(&path).unwrap_or_default();
            assert_eq!(String::from_utf8(out.stdout).unwrap(), golden, "{}", path.display());
        }
    }
}
