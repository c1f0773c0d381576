//! The wrapper scripts: embedded as they are in `shell/`, loaded under strict flags without a
//! sound, shellcheck-clean (bash), `zsh -n`-clean, kept in lockstep (the same functions, asked of
//! each shell itself, with the same comments in the same order), and the golden output of
//! `switch`.

use stsenv::store::slot::Slot;
use time::macros::datetime;

use crate::util::run::command;
use crate::util::{ACCESS_KEY, Home, SECRET_KEY, require_tool, shell_program, shells};

fn shell_file(shell: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shell").join(format!("stsenv.{shell}"));
    // (nushell's file is stsenv.nu.)
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn init_prints_the_shell_files() {
    let home = Home::new();
    for shell in ["bash", "zsh", "fish", "nu"] {
        let out = home.stsenv(&["init", shell]);
        assert!(out.status.success());
        assert_eq!(String::from_utf8(out.stdout).unwrap(), shell_file(shell));
    }
    let out = home.stsenv(&["init", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn init_without_a_shell_lists_the_shells_and_their_lines() {
    // Each shell's line, as listed, loads the functions in that shell.
    let expected = [
        ("bash", "~/.bashrc: eval \"$(stsenv init bash)\""),
        ("zsh", "~/.zshrc: eval \"$(stsenv init zsh)\""),
        ("fish", "~/.config/fish/config.fish: stsenv init fish | source"),
        (
            "nu",
            "config.nu: source stsenv.nu   (made once by: stsenv init nu | save -f ($nu.default-config-dir | path join stsenv.nu))",
        ),
    ];
    let mut home = Home::new();
    // Started by a program that is no shell: the login shell is named first.
    home.set("SHELL", "/usr/bin/fish");
    let out = home.stsenv(&["init"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty(), "an eval of it changes nothing");
    let err = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 6, "{err}");
    assert_eq!(lines[0], "The shells stsenv init takes, and the line to add to each one's startup file:");
    assert_eq!(lines[1], format!("  fish  {}   (your shell)", expected[2].1), "{err}");
    for (shell, line) in expected {
        if shell != "fish" {
            assert!(lines.contains(&format!("  {shell:<5} {line}").as_str()), "{shell}: {err}");
        }
    }
    assert_eq!(
        lines[5],
        "stsenv: init: name the shell: stsenv init bash, zsh, fish or nu (its line above goes in its startup file)"
    );
    // Typed in zsh (the parent process), zsh comes first whatever $SHELL says.
    let out = home.command("zsh").args(["-f", "-c", "stsenv init; true"]).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err.lines().nth(1),
        Some(format!("  zsh   {}   (your shell)", expected[1].1).as_str()),
        "{err}"
    );
    // The listed lines work as written.
    for (shell, check) in [
        ("bash", "type ec2switch >/dev/null"),
        ("zsh", "whence -w ec2switch >/dev/null"),
        ("fish", "functions -q ec2switch"),
    ] {
        let line = expected.iter().find(|(s, _)| *s == shell).unwrap().1.split_once(": ").unwrap().1;
        let args: &[&str] = match shell {
            "bash" => &["--noprofile", "--norc", "-c"],
            "zsh" => &["-f", "-c"],
            _ => &["--no-config", "--private", "-c"],
        };
        let out = home.command(shell).args(args).arg(format!("{line}; {check}")).output().unwrap();
        assert!(out.status.success(), "{shell}: {line}: {out:?}");
    }
}

#[test]
fn wrappers_load_silently_under_strict_flags() {
    let home = Home::new();
    let module = home.path().join("stsenv.nu");
    std::fs::write(&module, home.stsenv(&["init", "nu"]).stdout).unwrap();
    for shell in shells() {
        let mut cmd = command(shell_program(shell));
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
            "fish" => cmd.args([
                "--no-config",
                "--private",
                "-c",
                "stsenv init fish | source; and functions -q ec2switch ec2now ec2unset stsenv_prompt",
            ]),
            _ => cmd.args([
                "--no-config-file",
                "-c",
                &format!(
                    "source '{}'; help ec2switch | ignore; help stsenv_prompt | ignore",
                    module.display()
                ),
            ]),
        };
        home.apply(&mut cmd);
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{shell}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{shell} printed: {out:?}");
    }
}

#[test]
fn shellcheck_passes_on_the_bash_wrapper() {
    if !require_tool("shellcheck") {
        return;
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shell/stsenv.bash");
    let out = command("shellcheck").args(["--enable=all", "--shell=bash"]).arg(path).output().unwrap();
    assert!(out.status.success(), "stsenv.bash:\n{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn the_zsh_wrapper_parses_as_zsh() {
    // shellcheck has no zsh mode; zsh itself checks the syntax.
    if !require_tool("zsh") {
        return;
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shell/stsenv.zsh");
    let out = command("zsh").arg("-n").arg(path).output().unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "zsh -n: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn fish_wrapper_is_formatted() {
    if !require_tool("fish_indent") {
        return;
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shell/stsenv.fish");
    let out = command("fish_indent").arg("--check").arg(path).output().unwrap();
    assert!(out.status.success(), "fish_indent would change shell/stsenv.fish");
}

/// The functions a shell defines when it loads the wrappers, asked of the shell itself (its
/// function table after loading, less the one before).
fn defined_functions(home: &Home, shell: &str) -> Vec<String> {
    let list = match shell {
        "bash" => "compgen -A function",
        "zsh" => "emulate zsh -c 'print -rl -- ${(k)functions}'",
        "fish" => "functions --all --names | string split ,",
        _ => "scope commands | where type == custom | get name | str join (char nl)",
    };
    let steps = home.scenario(shell, &[list]);
    let after: Vec<String> = steps[0]
        .stdout
        .split([',', '\n'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let mut cmd = command(shell_program(shell));
    match shell {
        "bash" => cmd.args(["--noprofile", "--norc", "-c", list]),
        "zsh" => cmd.args(["--no-rcs", "-c", list]),
        "fish" => cmd.args(["--no-config", "--private", "-c", list]),
        _ => cmd.args(["--no-config-file", "-c", list]),
    };
    home.apply(&mut cmd);
    let before = String::from_utf8(cmd.output().unwrap().stdout).unwrap();
    let before: Vec<&str> = before.split([',', '\n']).map(str::trim).collect();
    let mut ours: Vec<String> = after.into_iter().filter(|f| !before.contains(&f.as_str())).collect();
    ours.sort();
    ours
}

#[test]
fn every_shell_defines_the_same_functions() {
    let home = Home::new();
    let user =
        ["ec2clear", "ec2console", "ec2mfa", "ec2now", "ec2role", "ec2switch", "ec2unset", "stsenv_prompt"];
    for shell in shells() {
        let ours = defined_functions(&home, shell);
        let public: Vec<&str> = ours.iter().map(String::as_str).filter(|f| !f.starts_with("__")).collect();
        // stsenv_prompt_update is the no-fork prompt of bash and zsh; fish's and nushell's
        // prompts call functions in-process.
        let mut want = user.to_vec();
        if shell == "bash" || shell == "zsh" {
            want.push("stsenv_prompt_update");
        }
        assert_eq!(public, want, "{shell} defines {ours:?}");
        // And the one helper every shell has: it applies stsenv's output.
        assert!(ours.iter().any(|f| f == "__stsenv_eval"), "{shell} has no __stsenv_eval: {ours:?}");
    }
}

#[test]
fn the_four_wrappers_are_in_lockstep() {
    // In each file, in the same order: the functions users call, each with the same comment.
    let outline = |shell: &str| -> Vec<(String, String)> {
        let text = shell_file(shell);
        let lines: Vec<&str> = text.lines().collect();
        let mut out = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let name = match shell {
                "fish" => line.strip_prefix("function ").map(|l| l.split(' ').next().unwrap()),
                "nu" => line.strip_prefix("def ").and_then(|l| l.split(' ').find(|w| !w.starts_with("--"))),
                _ => line.strip_suffix("() {"),
            };
            let Some(name) = name.filter(|n| !n.starts_with("__") || *n == "__stsenv_eval") else { continue };
            if name == "stsenv_prompt_update" {
                continue;
            }
            let comment = i.checked_sub(1).map(|j| lines[j]).unwrap_or_default();
            let comment = comment.replace(" (fish asks the binary)", ", without starting a process");
            out.push((name.to_owned(), comment));
        }
        out
    };
    let bash = outline("bash");
    assert_eq!(bash.len(), 9, "{bash:?}");
    for shell in ["zsh", "fish", "nu"] {
        assert_eq!(outline(shell), bash, "{shell} drifted from bash");
    }
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
    for shell in ["bash", "zsh", "fish", "nu"] {
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
