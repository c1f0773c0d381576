//! The prompt recipes of docs/prompt.md, run as written in interactive bash and zsh: the prompt
//! they draw is the one their comment shows, and ten prompts start no process (strace counts
//! clone, fork, vfork and execve).

use std::process::Stdio;

use time::{Duration, OffsetDateTime};

use crate::util::run::command;
use crate::util::{Home, hostile_prelude, require_tool, shells};

/// The lines of docs/prompt.md's fenced block in `lang` that contains `marker`, and the prompt its
/// comment shows (after `# ` on the line that sets the prompt).
fn readme_recipe(lang: &str, marker: &str) -> (String, String) {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/prompt.md"))
            .unwrap();
    let fence = format!("```{lang}\n");
    let block = readme
        .split(&fence)
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        .find(|block| block.contains(marker))
        .unwrap_or_else(|| panic!("docs/prompt.md has no ```{lang} block with {marker}"));
    let shown = block
        .lines()
        .find(|l| l.starts_with("PS1=") || l.starts_with("PROMPT="))
        .and_then(|l| l.rsplit_once("  # "))
        .map(|(_, shown)| shown.trim().to_owned())
        .unwrap_or_else(|| panic!("the prompt line of the {lang} recipe shows no output:\n{block}"));
    (block.to_owned(), shown)
}

/// Run `recipe` in an interactive `shell` (a startup file with the wrappers and the recipe, then
/// ten empty commands on stdin) under strace; the prompts it drew (stderr) and the processes it started.
fn ten_prompts(home: &Home, shell: &str, prelude: &str, recipe: &str) -> (String, usize) {
    let init = home.path().join(format!("init.{shell}"));
    std::fs::write(&init, home.stsenv(&["init", shell]).stdout).unwrap();
    // As from the startup file: the init line's functions, then the recipe.
    let rc = home.path().join(format!("rc.{shell}"));
    std::fs::write(&rc, format!("{prelude}\nsource {}\n{recipe}\n", init.display())).unwrap();
    let input = format!("source {}\n{}", rc.display(), ":\n".repeat(10));
    let trace = home.path().join(format!("{shell}.strace"));
    let mut cmd = command("strace");
    cmd.args(["-f", "-qq", "-e", "trace=execve,clone,clone3,fork,vfork", "-o"]).arg(&trace);
    match shell {
        "bash" => cmd.args(["bash", "--noprofile", "--norc", "-i"]),
        _ => cmd.args(["zsh", "-f", "-i"]),
    };
    home.apply(&mut cmd);
    // 29 s past a minute boundary (time left rounds to the nearest minute): all ten prompts,
    // drawn under strace on a loaded machine, say 11h58m.
    let expires =
        OffsetDateTime::now_utc() + Duration::hours(11) + Duration::minutes(58) + Duration::seconds(29);
    cmd.env("STSENV_ACCOUNT", "personal")
        .env("STSENV_KIND", "mfa")
        .env("AWS_ACCESS_KEY_ID", "ASIAEXAMPLEEXAMPLE")
        .env("STSENV_EXPIRES", expires.unix_timestamp().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let calls = std::fs::read_to_string(&trace).unwrap();
    // The one execve is strace starting the shell.
    let started = calls
        .lines()
        .filter(|l| ["execve(", "clone(", "clone3(", "fork(", "vfork("].iter().any(|c| l.contains(c)))
        .count();
    (String::from_utf8_lossy(&out.stderr).into_owned(), started - 1)
}

#[test]
fn readme_prompt_recipes_draw_what_they_show_without_a_fork() {
    if !require_tool("strace") {
        return;
    }
    let home = Home::new();
    let root = crate::util::is_root();
    for shell in shells().into_iter().filter(|s| *s == "bash" || *s == "zsh") {
        let (recipe, shown) = if shell == "bash" {
            readme_recipe("bash", "PROMPT_COMMAND")
        } else {
            readme_recipe("zsh", "precmd")
        };
        // `\$` and `%#` show `#` for root (CI runs as root).
        let shown = if root { shown.replace(['$', '%'], "#") } else { shown };
        // Also after the hostile user's options and aliases of the scenario tests.
        for prelude in [":", hostile_prelude(shell).unwrap()] {
            let (prompts, started) = ten_prompts(&home, shell, prelude, &recipe);
            let drawn = prompts.matches(&format!("{shown} ")).count();
            assert!(drawn >= 10, "{shell} ({prelude}): {drawn} prompts `{shown} ` in:\n{prompts}");
            assert_eq!(started, 0, "{shell} ({prelude}): the recipe started processes:\n{recipe}");
        }
    }
}

#[test]
fn the_prompt_in_a_command_substitution_forks_at_every_prompt() {
    // The count above can see forks: the simple recipe forks once a prompt.
    if !require_tool("strace") {
        return;
    }
    let home = Home::new();
    for shell in shells().into_iter().filter(|s| *s == "bash" || *s == "zsh") {
        let recipe = match shell {
            "bash" => "PS1='$(stsenv_prompt) \\$ '",
            _ => "setopt PROMPT_SUBST; PROMPT='$(stsenv_prompt) %# '",
        };
        let (prompts, started) = ten_prompts(&home, shell, ":", recipe);
        assert!(prompts.contains("personal:mfa 11h58m "), "{shell}: {prompts}");
        assert!(started >= 10, "{shell}: {started} processes for ten prompts");
    }
}

/// docs/prompt.md's ```lang block, and what its comment shows (after `   # ` on its first line
/// with one).
fn recipe_block(lang: &str) -> (String, String) {
    let docs =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/prompt.md"))
            .unwrap();
    let block = docs
        .split(&format!("```{lang}\n"))
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap_or_else(|| panic!("docs/prompt.md has no ```{lang} block"))
        .to_owned();
    let shown = block
        .lines()
        .find_map(|l| l.rsplit_once("   # "))
        .map(|(_, shown)| shown.trim().to_owned())
        .unwrap_or_else(|| panic!("the {lang} recipe shows no prompt:\n{block}"));
    (block, shown)
}

#[test]
fn fish_and_nushell_prompt_recipes_draw_what_they_show() {
    let mut home = Home::new();
    home.set("TERM", "dumb").set("STSENV_ACCOUNT", "personal").set("STSENV_KIND", "mfa");
    home.set("AWS_ACCESS_KEY_ID", "ASIAEXAMPLEEXAMPLE");
    // 29 s past a minute boundary: every prompt of the run says 11h58m.
    let expires =
        OffsetDateTime::now_utc() + Duration::hours(11) + Duration::minutes(58) + Duration::seconds(29);
    home.set("STSENV_EXPIRES", expires.unix_timestamp().to_string());
    for shell in shells().into_iter().filter(|s| *s == "fish" || *s == "nu") {
        let (recipe, shown) = recipe_block(shell);
        let init = home.path().join(format!("init.{shell}"));
        std::fs::write(&init, home.stsenv(&["init", shell]).stdout).unwrap();
        let rc = home.path().join(format!("rc.{shell}"));
        std::fs::write(&rc, format!("source {}\n{recipe}\n", init.display())).unwrap();
        let trace = home.path().join(format!("{shell}.strace"));
        let program = crate::util::shell_program(shell);
        let mut argv: Vec<String> =
            ["strace", "-f", "-qq", "-e", "trace=execve", "-o"].map(String::from).to_vec();
        argv.push(trace.display().to_string());
        argv.push(program.display().to_string());
        match shell {
            "fish" => argv.extend(["--no-config", "--private", "-i", "-C"].map(String::from)),
            _ => argv.extend(["--no-config-file", "--no-history", "-e"].map(String::from)),
        }
        argv.push(format!("source {}", rc.display()));
        let mut keys = vec!["\n".to_owned(); 10];
        keys.push("exit\n".to_owned());
        let mut cmd = crate::util::on_pty(&home, "pty_type.py");
        cmd.args(&argv).env("PTY_KEYS", serde_json::to_string(&keys).unwrap());
        let screen = String::from_utf8_lossy(&cmd.output().unwrap().stdout).replace('\r', "");
        let tail = &screen[screen.len().saturating_sub(1500)..];
        let drawn = screen.matches(&shown).count();
        assert!(drawn >= 10, "{shell}: {drawn} prompts `{shown}` in:\n{tail}");
        let execs =
            std::fs::read_to_string(&trace).unwrap().lines().filter(|l| l.contains("execve(")).count();
        // The one execve is strace starting the shell; fish's prompt runs the binary each time.
        match shell {
            "nu" => assert_eq!(execs, 1, "nushell's recipe started processes"),
            _ => assert!(execs >= 11, "fish: {execs} execs"),
        }
    }
}
