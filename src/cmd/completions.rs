//! `stsenv completions SHELL`: the clap_complete script for the stsenv command, with a hook that
//! completes account names (`stsenv switch <Tab>`, `stsenv mfa <Tab>`, `--account <Tab>`) and
//! role names (`stsenv role <Tab>`) from `stsenv list --names` and `stsenv list --roles [ACCOUNT]`, as
//! the functions do. Names are read line by line and never expanded by the shell.

use clap::CommandFactory;

use crate::base::error::{Result, usage};
use crate::cli::{Cli, Completions};
use crate::shell::Shell;

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
        Shell::Bash => format!("{generated}\n{}", patterns.fill(BASH_HOOK, " | ", false)),
        Shell::Zsh => {
            // clap's function becomes `_stsenv_clap`; `_stsenv` (the name compdef and the
            // file's autoloading call) looks for a name position first.
            let renamed = generated.replacen("\n_stsenv() {\n", "\n_stsenv_clap() {\n", 1);
            let tail = "\nif [ \"$funcstack[1]\" = \"_stsenv\" ]; then";
            match renamed.rfind(tail) {
                Some(at) => {
                    format!("{}\n{}{}", &renamed[..at], patterns.fill(ZSH_HOOK, "|", false), &renamed[at..])
                }
                None => renamed,
            }
        }
        Shell::Fish => format!("{generated}\n{}", patterns.fill(FISH_HOOK, " ", true)),
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

    /// The template with the word loop's body ([`WORD`]) and each list as `case` patterns:
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
            .replace("@WORD@\n", WORD)
            .replace("@VALUES@", &quoted(&self.values))
            .replace("@GLOBALS@", &quoted(&self.globals))
            .replace("@ACCOUNTS@", &quoted(&self.accounts))
    }
}

/// The body of the bash and zsh hooks' loop over the words before the cursor (the same in both
/// shells): take one as the value of the option before it, or as an option, the subcommand or a
/// positional argument.
const WORD: &str = r#"        if [[ -n "${value_of}" ]]; then
            case "${value_of}" in
                account) account="${word}" ;;
                global) globals+=("${word/#\~/${HOME}}") ;;
            esac
            value_of=""
            continue
        fi
        case "${sub}:${word}" in
            @GLOBALS@) value_of=global; globals+=("${word}") ;;
            @ACCOUNTS@) value_of=account ;;
            @VALUES@) value_of=value ;;
            *:-*) ;;
            :*) sub="${word}" ;;
            *) ((positionals += 1)) ;;
        esac
"#;

const BASH_HOOK: &str = r#"# Account and role names, from stsenv itself (stsenv list --names, stsenv list --roles).
__stsenv_reply_lines() {
    local __stsenv_line
    COMPREPLY=()
    while IFS= read -r __stsenv_line; do
        if [[ -n "${__stsenv_line}" && "${__stsenv_line}" == "$1"* ]]; then
            COMPREPLY+=("${__stsenv_line}")
        fi
    done
}

_stsenv_names() {
    local cur="${COMP_WORDS[COMP_CWORD]}" sub="" account="" word="" value_of="" i
    local positionals=0
    local -a globals=()
    for ((i = 1; i < COMP_CWORD; i++)); do
        word="${COMP_WORDS[i]}"
        # bash splits --option=value at the '='. (A value's leading ~ is the shell's to expand.)
        [[ "${word}" == "=" ]] && continue
@WORD@
    done
    if [[ "${value_of}" == account || ( -z "${value_of}" && "${cur}" != -* && ${positionals} -eq 0 ) ]]; then
        case "${value_of}:${sub}" in
            account:* | :switch | :mfa)
                __stsenv_reply_lines "${cur}" < <(command stsenv "${globals[@]}" list --names 2>/dev/null)
                return 0
                ;;
            :role)
                globals+=(list --roles "${account}")
                __stsenv_reply_lines "${cur}" < <(command stsenv "${globals[@]}" 2>/dev/null)
                return 0
                ;;
        esac
    fi
    _stsenv "$@"
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _stsenv_names -o nosort -o bashdefault -o default stsenv
else
    complete -F _stsenv_names -o bashdefault -o default stsenv
fi
"#;

const ZSH_HOOK: &str = r#"# Account and role names, from stsenv itself (stsenv list --names, stsenv list --roles).
_stsenv() {
    local sub="" account="" word="" value_of="" i
    local -i positionals=0
    local -a globals names
    for ((i = 2; i < CURRENT; i++)); do
        word="${words[i]}"
@WORD@
    done
    if [[ "${value_of}" == account || ( -z "${value_of}" && "${words[CURRENT]}" != -* && ${positionals} -eq 0 ) ]]; then
        case "${value_of}:${sub}" in
            account:* | :switch | :mfa)
                names=(${(f)"$(command stsenv "${globals[@]}" list --names 2>/dev/null)"})
                names=(${names:#})
                compadd -a names
                return
                ;;
            :role)
                globals+=(list --roles "${account}")
                names=(${(f)"$(command stsenv "${globals[@]}" 2>/dev/null)"})
                names=(${names:#})
                compadd -a names
                return
                ;;
        esac
    fi
    _stsenv_clap "$@"
}
"#;

const FISH_HOOK: &str = r#"# Account and role names, from stsenv itself (stsenv list --names, stsenv list --roles).
function __fish_stsenv_names
    set -l words (commandline -opc)
    set -e words[1]
    set -l sub ''
    set -l account ''
    set -l value_of ''
    set -l positionals 0
    set -l globals
    for word in $words
        if test -n "$value_of"
            switch $value_of
                case account
                    set account $word
                case global
                    set -a globals (string replace -r -- '^~' $HOME $word)
            end
            set value_of ''
            continue
        end
        switch "$sub:$word"
            case @GLOBALS@
                set value_of global
                set -a globals $word
            case @ACCOUNTS@
                set value_of account
            case @VALUES@
                set value_of value
            case '*:-*'
            case ':*'
                set sub $word
            case '*'
                set positionals (math $positionals + 1)
        end
    end
    if test "$value_of" = account
        command stsenv $globals list --names 2>/dev/null
    else if test -z "$value_of"; and test $positionals -eq 0; and not string match -q -- '-*' (commandline -ct)
        switch $sub
            case switch mfa
                command stsenv $globals list --names 2>/dev/null
            case role
                command stsenv $globals list --roles "$account" 2>/dev/null
        end
    end
end

complete -c stsenv -n '__fish_stsenv_names | string length -q' -f -a '(__fish_stsenv_names)'
"#;
