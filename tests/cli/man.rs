//! The man page `man/stsenv.1`: generated here from the clap definitions (clap_mangen, a
//! dev-dependency, so the binary carries none of it) and the shell functions of
//! shell/stsenv.bash, kept in git like the completions, and checked for staleness.
//! Regenerate with: STSENV_UPDATE_GOLDEN=1 cargo test --test tests man_page

use std::path::Path;

use crate::util::run::command;
use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, italic, roman};

const PAGE: &str = "man/stsenv.1";

/// A shell function of shell/stsenv.bash: the comment `# NAME ARGS: what it does` (one or more
/// lines) above `NAME() {`.
struct Function {
    synopsis: String,
    what: String,
    /// The stsenv subcommand it runs, if any, and whether it applies the output to the shell.
    runs: Option<(String, bool)>,
}

fn shell_functions() -> Vec<Function> {
    let script =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("shell/stsenv.bash")).unwrap();
    let lines: Vec<&str> = script.lines().collect();
    let mut functions = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(name) = line.strip_suffix("() {") else { continue };
        if name.starts_with("__") {
            continue;
        }
        // The comment block right above, joined into one paragraph.
        let comment: Vec<&str> = lines[..i].iter().rev().map_while(|l| l.strip_prefix("# ")).collect();
        let comment = comment.into_iter().rev().collect::<Vec<_>>().join(" ");
        let Some((synopsis, what)) = comment.split_once(": ") else {
            panic!("shell/stsenv.bash: {name}() needs a comment line `# {name} ARGS: what it does` above it");
        };
        assert!(
            synopsis == name || synopsis.starts_with(&format!("{name} ")),
            "shell/stsenv.bash: the comment above {name}() names {synopsis}"
        );
        let body = lines[i + 1..].iter().take_while(|l| **l != "}");
        let runs = body.filter_map(|l| {
            let word = |marker: &str| Some(l.split_once(marker)?.1.split_whitespace().next()?.to_owned());
            match word("__stsenv_eval ") {
                Some(command) => Some((command, true)),
                None => word("command stsenv ").map(|command| (command, false)),
            }
        });
        functions.push(Function { synopsis: synopsis.to_owned(), what: what.to_owned(), runs: runs.last() });
    }
    functions
}

/// Roff of one of clap_mangen's sections without its `.SH` heading.
fn body(render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    render(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    text.lines().filter(|l| !l.starts_with(".SH")).map(|l| format!("{l}\n")).collect()
}

/// Each command that runs something (nested ones like `mfa-device list` included), in order.
fn leaves(cmd: &clap::Command, out: &mut Vec<clap::Command>) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        if sub.has_subcommands() {
            leaves(sub, out);
        } else {
            out.push(sub.clone());
        }
    }
}

fn text(roff: &mut Roff, paragraph: &str) {
    roff.text([roman(paragraph)]);
}

pub fn page() -> String {
    let mut cli = stsenv::cli::Cli::command();
    cli.build();
    let version = cli.get_version().unwrap_or_default().to_owned();
    let man = Man::new(cli.clone()).date("").source(format!("stsenv {version}")).manual("User Commands");
    let mut page = String::new();
    page.push_str(&body(|w| man.render_title(w)));
    page.push_str(&format!(".SH NAME\n{}", body(|w| man.render_name_section(w))));
    page.push_str(&format!(".SH SYNOPSIS\n{}", body(|w| man.render_synopsis_section(w))));
    let mut roff = Roff::new();
    roff.control("SH", ["DESCRIPTION"]);
    text(
        &mut roff,
        "stsenv keeps long-lived AWS access keys useless without MFA. It switches between the accounts of a key \
         directory and an accounts file, escalates to MFA sessions (STS GetSessionToken) and roles (AssumeRole), \
         caches the temporary credentials safely, and prints shell code that the shell functions below evaluate.",
    );
    roff.control("PP", []);
    text(
        &mut roff,
        "The commands print nothing on stdout when they fail, so the shell is left unchanged; the one-line message on stderr says what was wrong and what to do. Exit status 0 is success, 1 means AWS or the network refused, 2 a usage or configuration error.",
    );
    page.push_str(&roff.to_roff());
    page.push_str(&format!(".SH OPTIONS\n{}", body(|w| man.render_options_section(w))));

    page.push_str(".SH COMMANDS\n");
    let mut commands = Vec::new();
    leaves(&cli, &mut commands);
    for sub in commands {
        let name = sub.get_bin_name().unwrap_or(sub.get_name()).to_owned();
        // The global options and --help are in OPTIONS above.
        let sub = sub
            .mut_args(|a| if a.is_global_set() || a.get_id() == "help" { a.hide(true) } else { a })
            .disable_help_flag(true);
        let man = Man::new(sub.clone());
        page.push_str(&format!(".SS \"{name}\"\n"));
        page.push_str(&body(|w| man.render_synopsis_section(w)));
        page.push_str(".PP\n");
        page.push_str(&body(|w| man.render_description_section(w)));
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            page.push_str(".RS\n");
            page.push_str(&body(|w| man.render_options_section(w)));
            page.push_str(".RE\n");
        }
        if sub.get_after_help().is_some() {
            page.push_str(".PP\n");
            page.push_str(&body(|w| man.render_extra_section(w)));
        }
    }

    let mut roff = Roff::new();
    roff.control("SH", ["SHELL FUNCTIONS"]);
    text(&mut roff, "Load them in the shell's startup file: ");
    roff.control("RS", []);
    roff.control("nf", []);
    roff.text([bold("eval \"$(stsenv init bash)\""), roman("   (~/.bashrc)")]);
    roff.text([bold("eval \"$(stsenv init zsh)\""), roman("    (~/.zshrc, after compinit)")]);
    roff.text([bold("stsenv init fish | source"), roman("     (~/.config/fish/config.fish)")]);
    roff.control("fi", []);
    roff.control("RE", []);
    text(
        &mut roff,
        "The functions that change the shell run a stsenv command with --shell set to the shell, and apply \
         what it prints only when it succeeds. Every shell stsenv init supports defines the same functions.",
    );
    for function in shell_functions() {
        roff.control("TP", []);
        let (name, args) = function.synopsis.split_once(' ').unwrap_or((&function.synopsis, ""));
        let mut heading = vec![bold(name)];
        if !args.is_empty() {
            heading.push(roman(" "));
            heading.push(italic(args));
        }
        roff.text(heading);
        let mut what = function.what.clone();
        what[..1].make_ascii_uppercase();
        let mut line = vec![roman(format!("{what} "))];
        match function.runs {
            Some((command, true)) => {
                line.push(roman("Runs "));
                line.push(bold(format!("stsenv {command} --shell")));
                line.push(roman(" "));
                line.push(italic("SHELL"));
                line.push(roman(" and applies its output."));
            }
            Some((command, false)) => {
                line.push(roman("Runs "));
                line.push(bold(format!("stsenv {command}")));
                line.push(roman("."));
            }
            None => {}
        }
        roff.text(line);
    }

    roff.control("SH", ["FILES"]);
    let files = [
        (
            "~/aws-creds/NAME.access_key, NAME.secret_key",
            "the long-term keys of account NAME (mode 0600; --creds-dir, $STSENV_CREDS_DIR)",
        ),
        (
            "~/.config/stsenv/accounts.json",
            "the accounts: ARN prefix, user, region, MFA device, roles (--config, $STSENV_CONFIG)",
        ),
        ("~/.cache/stsenv/", "the cached MFA sessions and role credentials, readable by the user alone"),
    ];
    for (file, what) in files {
        roff.control("TP", []);
        roff.text([italic(file)]);
        text(&mut roff, what);
    }
    roff.control("SH", ["SEE ALSO"]);
    roff.text([
        bold("aws"),
        roman("(1), "),
        italic("/usr/share/doc/stsenv/README.md"),
        roman(" (the first hour) and "),
        italic("/usr/share/doc/stsenv/docs/"),
        roman(" (the reference, one subject a file)."),
    ]);
    roff.control("SH", ["VERSION"]);
    text(&mut roff, &format!("v{version}"));
    page.push_str(&roff.to_roff());
    page
}

#[test]
fn man_page_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(PAGE);
    let page = page();
    if std::env::var_os("STSENV_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &page).unwrap();
    }
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        kept == page,
        "{PAGE} is stale: regenerate with STSENV_UPDATE_GOLDEN=1 cargo test --test tests man_page"
    );
}

/// man renders the page without a warning, with a section for every command and shell function.
#[test]
fn man_page_renders_every_command_and_function() {
    if !crate::util::on_path("man") {
        assert!(
            !crate::util::shells_required(),
            "man is not installed, and CI requires it (apt-get install man-db)"
        );
        eprintln!("SKIPPING: man is not installed (CI fails here instead)");
        return;
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(PAGE);
    let out = command("man")
        .args(["--warnings", "-l"])
        .arg(&path)
        .env("MANWIDTH", "100")
        .env("LANG", "C.UTF-8")
        .env_remove("MANPAGER")
        .env_remove("PAGER")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "man -l {PAGE}: {stderr}");
    let shown = String::from_utf8_lossy(&out.stdout);
    let mut cli = stsenv::cli::Cli::command();
    cli.build();
    let mut commands = Vec::new();
    leaves(&cli, &mut commands);
    assert!(commands.len() >= 14);
    for sub in commands {
        let name = sub.get_bin_name().unwrap().to_owned();
        assert!(shown.lines().any(|l| l.trim() == name), "no section for {name}");
    }
    let functions = shell_functions();
    for name in ["ec2switch", "ec2mfa", "ec2role", "ec2now", "ec2unset", "stsenv_prompt"] {
        assert!(functions.iter().any(|f| f.synopsis.split(' ').next() == Some(name)), "{name}");
    }
    for function in functions {
        assert!(
            shown.lines().any(|l| l.trim_start().starts_with(&function.synopsis)),
            "no section for {}",
            function.synopsis
        );
    }
}
