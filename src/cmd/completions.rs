//! `stsenv completions SHELL`: the clap_complete script for the stsenv command, with a hook that
//! completes account names (`stsenv switch <Tab>`, `stsenv mfa <Tab>`, `--account <Tab>`) and
//! role names (`stsenv role <Tab>`) from `stsenv list --names` and `stsenv list --roles [ACCOUNT]`, as
//! the functions do. Names are read line by line and never expanded by the shell.

use clap::CommandFactory;

use crate::base::error::{Result, usage};
use crate::cli::{Cli, Completions};
use crate::shell::Shell;
use crate::shell::scripts::completion;

pub fn run(args: &Completions) -> Result<String> {
    if args.shell == Shell::Nu {
        return Err(usage(
            "stsenv completions nu: there is no completion script for nushell; the module of \
             `stsenv init nu` completes the functions' account and role names",
        ));
    }
    Ok(script(args.shell))
}

/// The subcommands whose first positional argument is an account or role name (the hooks say
/// which).
const NAMED: &[&str] = &["switch", "mfa", "role"];

/// The completion script; `completions/` holds these, checked by a test.
pub fn script(shell: Shell) -> String {
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Nu => unreachable!("no clap_complete generator for nushell"),
    };
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(generator, &mut command, "stsenv", &mut out);
    let generated = String::from_utf8_lossy(&out).into_owned();
    // `generate` has built the command: the global options are on every subcommand now.
    let patterns = Patterns::of(&command);
    match shell {
        Shell::Bash => format!("{generated}\n{}", patterns.fill(completion::BASH_HOOK, " | ", false)),
        Shell::Zsh => {
            // clap's function becomes `_stsenv_clap`; `_stsenv` (the name compdef and the
            // file's autoloading call) looks for a name position first.
            let renamed = generated.replacen("\n_stsenv() {\n", "\n_stsenv_clap() {\n", 1);
            let tail = "\nif [ \"$funcstack[1]\" = \"_stsenv\" ]; then";
            match renamed.rfind(tail) {
                Some(at) => {
                    format!(
                        "{}\n{}{}",
                        &renamed[..at],
                        patterns.fill(completion::ZSH_HOOK, "|", false),
                        &renamed[at..]
                    )
                }
                None => renamed,
            }
        }
        Shell::Fish => format!("{generated}\n{}", patterns.fill(completion::FISH_HOOK, " ", true)),
        Shell::Nu => generated,
    }
}

/// `SUB:FLAG` patterns of the options that take a value, for the hooks' word loops.
struct Patterns {
    /// Options of the named subcommands that take a value (not the account or global ones).
    values: Vec<String>,
    /// The global options (`--config`, `--creds-dir`), passed on to `stsenv list`.
    globals: Vec<String>,
    /// Options whose value is an account.
    accounts: Vec<String>,
}

impl Patterns {
    fn of(command: &clap::Command) -> Patterns {
        let flags = |arg: &clap::Arg| -> Vec<String> {
            arg.get_short()
                .map(|s| format!("-{s}"))
                .into_iter()
                .chain(arg.get_long().map(|l| format!("--{l}")))
                .collect()
        };
        let takes_value = |arg: &&clap::Arg| !arg.is_positional() && arg.get_action().takes_values();
        let global_ids: Vec<&str> =
            command.get_arguments().filter(|a| a.is_global_set()).map(|a| a.get_id().as_str()).collect();
        let globals: Vec<String> = command
            .get_arguments()
            .filter(|a| a.is_global_set() && takes_value(a))
            .flat_map(flags)
            .map(|flag| format!("*:{flag}"))
            .collect();
        let (mut values, mut accounts) = (Vec::new(), Vec::new());
        for name in NAMED {
            let Some(sub) = command.find_subcommand(name) else { continue };
            for arg in sub.get_arguments().filter(takes_value) {
                if global_ids.contains(&arg.get_id().as_str()) {
                    continue;
                }
                let list = if arg.get_id() == "account" { &mut accounts } else { &mut values };
                list.extend(flags(arg).into_iter().map(|flag| format!("{name}:{flag}")));
            }
        }
        Patterns { values, globals, accounts }
    }

    /// The template with the word loop's body (`completion::WORD`) and each list as `case` patterns:
    /// bash and zsh match unquoted patterns (the flags hold no other special character), fish
    /// quoted ones.
    fn fill(&self, template: &str, separator: &str, quote: bool) -> String {
        let quoted = |list: &[String]| {
            list.iter()
                .map(|p| if quote { format!("'{p}'") } else { p.clone() })
                .collect::<Vec<_>>()
                .join(separator)
        };
        template
            .replace("@WORD@\n", completion::WORD)
            .replace("@VALUES@", &quoted(&self.values))
            .replace("@GLOBALS@", &quoted(&self.globals))
            .replace("@ACCOUNTS@", &quoted(&self.accounts))
    }
}
