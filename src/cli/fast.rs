//! The command lines run most (`now` on every prompt redraw, `switch ACCOUNT` as `ec2switch`
//! runs it, the `credential-process` lines of `~/.aws/config`, `mfa` as `ec2mfa` runs it),
//! recognised without building clap's command tree, which costs about as much as the rest of a
//! cached run (0.17 ms of a fresh `mfa`'s 0.9 ms of its own).

use std::ffi::OsString;

use clap::ValueEnum;

use super::*;
use crate::shell::Shell;

impl Now {
    /// The `now` command lines a prompt runs on every redraw (`now`, `now --format F`,
    /// `now --format=F`), recognised without building clap's command tree, which costs more than
    /// the rest of `now`. Anything else (other flags, `--help`, an unknown format) returns None and
    /// goes through clap, so the result is always what clap would have parsed.
    pub fn fast_parse(args: &[OsString]) -> Option<Now> {
        let args: Vec<&str> = args.iter().map(|a| a.to_str()).collect::<Option<_>>()?;
        let format = match args.as_slice() {
            ["now"] => "text",
            ["now", "--format", format] => format,
            ["now", flag] => flag.strip_prefix("--format=")?,
            _ => return None,
        };
        let format = match format {
            "text" => NowFormat::Text,
            "prompt" => NowFormat::Prompt,
            "json" => NowFormat::Json,
            _ => return None,
        };
        Some(Now { format, config: None, creds_dir: None })
    }
}

impl Cli {
    /// The command lines run most, recognised without building clap's command tree, which costs
    /// about as much as the rest of a cached run: the `credential-process ACCOUNT [--role ROLE]`
    /// lines of `~/.aws/config`, which the AWS CLI and SDKs run for every client they make, and
    /// `switch [--shell SHELL] ACCOUNT`, as `ec2switch ACCOUNT` runs it. Anything else (other
    /// flags, a value that starts with `-`, `--help`) returns None and goes through clap, so the
    /// result is always what clap would have parsed.
    pub fn fast_parse(args: &[OsString]) -> Option<Cli> {
        let args: Vec<&str> = args.iter().map(|a| a.to_str()).collect::<Option<_>>()?;
        let plain = |value: &str| !value.is_empty() && !value.starts_with('-');
        let command = match args.as_slice() {
            ["credential-process", account, rest @ ..] => {
                let role = match rest {
                    [] => None,
                    ["--role", role] => Some(*role),
                    [flag] => Some(flag.strip_prefix("--role=")?),
                    _ => return None,
                };
                if !plain(account) || !role.is_none_or(plain) {
                    return None;
                }
                Command::CredentialProcess(CredentialProcess {
                    account: (*account).to_owned(),
                    role: role.map(str::to_owned),
                    window: DEFAULT_WINDOW,
                })
            }
            ["switch", rest @ ..] => {
                let (shell, account) = match rest {
                    [account] => ("bash", *account),
                    ["--shell", shell, account] => (*shell, *account),
                    [flag, account] => (flag.strip_prefix("--shell=")?, *account),
                    _ => return None,
                };
                // The names clap takes, exactly (`Bash` goes to clap, which refuses it).
                let shell = <Shell as ValueEnum>::from_str(shell, false).ok()?;
                if !plain(account) {
                    return None;
                }
                Command::Switch(Switch { account: Some(account.to_owned()), shell: ShellArg { shell } })
            }
            ["mfa", rest @ ..] => Command::Mfa(mfa(rest)?),
            _ => return None,
        };
        Some(Cli { config: None, creds_dir: None, command })
    }
}

/// `mfa [ACCOUNT] [-c CODE | --code CODE | --code=CODE] [--force] [--shell SHELL |
/// --shell=SHELL]`, in any order, each at most once, as `ec2mfa` runs it; None for anything
/// else (another flag, a value that starts with `-`, `-cCODE`), which clap parses.
fn mfa(rest: &[&str]) -> Option<Mfa> {
    let plain = |value: &str| !value.is_empty() && !value.starts_with('-');
    let (mut account, mut code, mut shell, mut force) = (None, None, None, false);
    let mut words = rest.iter();
    while let Some(&word) = words.next() {
        let (flag, inline) = match word.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value)),
            _ => (word, None),
        };
        match flag {
            "--force" if inline.is_none() && !force => force = true,
            "-c" | "--code" | "--shell" => {
                let value = match inline {
                    Some(value) => value,
                    None => words.next()?,
                };
                let slot = if flag == "--shell" { &mut shell } else { &mut code };
                if !plain(value) || slot.is_some() {
                    return None;
                }
                *slot = Some(value);
            }
            _ if plain(word) && account.is_none() => account = Some(word),
            _ => return None,
        }
    }
    // The names clap takes, exactly.
    let shell = <Shell as ValueEnum>::from_str(shell.unwrap_or("bash"), false).ok()?;
    Some(Mfa {
        account: account.map(str::to_owned),
        code: code.map(str::to_owned),
        force,
        duration: None,
        rotate_keys: false,
        profile: WriteProfile { write_profile: None, force_profile: false },
        shell: ShellArg { shell },
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    /// The fast path of `now` agrees with clap on every command line it accepts, and leaves the
    /// others to clap.
    #[test]
    fn now_fast_parse_agrees_with_clap() {
        let lines: &[&[&str]] = &[
            &["now"],
            &["now", "--format", "text"],
            &["now", "--format", "prompt"],
            &["now", "--format", "json"],
            &["now", "--format=prompt"],
            &["now", "--format=json"],
        ];
        for line in lines {
            let args: Vec<OsString> = line.iter().map(OsString::from).collect();
            let fast = Now::fast_parse(&args).unwrap_or_else(|| panic!("{line:?} not on the fast path"));
            let cli = Cli::try_parse_from(std::iter::once("stsenv").chain(line.iter().copied())).unwrap();
            let Command::Now(slow) = cli.command else { panic!("{line:?} is not now") };
            assert_eq!(fast.format, slow.format, "{line:?}");
        }
        let others: &[&[&str]] = &[
            &[],
            &["now", "--help"],
            &["now", "--format", "xml"],
            &["now", "--format"],
            &["now", "--format=Prompt"],
            &["now", "extra"],
            &["--config", "x", "now"],
            &["now", "--format", "text", "--format", "json"],
            &["switch"],
        ];
        for line in others {
            let args: Vec<OsString> = line.iter().map(OsString::from).collect();
            assert!(Now::fast_parse(&args).is_none(), "{line:?} must go through clap");
        }
    }

    /// The fast path of `credential-process` and `switch` agrees with clap on every command line
    /// it accepts (account, role, shell, the defaults, no global option), and leaves the others
    /// to clap.
    #[test]
    fn cli_fast_parse_agrees_with_clap() {
        let lines: &[&[&str]] = &[
            &["credential-process", "personal"],
            &["credential-process", "personal", "--role", "admin"],
            &["credential-process", "personal", "--role=admin"],
            &["credential-process", "work.eu", "--role", "arn:aws:iam::123456789012:role/Admin"],
            &["credential-process", "help"],
            &["switch", "personal"],
            &["switch", "--shell", "bash", "personal"],
            &["switch", "--shell", "zsh", "personal"],
            &["switch", "--shell", "fish", "personal"],
            &["switch", "--shell", "nu", "personal"],
            &["switch", "--shell=zsh", "personal"],
            &["mfa"],
            &["mfa", "personal"],
            &["mfa", "--shell", "bash"],
            &["mfa", "--shell", "fish", "personal", "-c", "123456"],
            &["mfa", "--shell", "zsh", "-c", "123456", "personal", "--force"],
            &["mfa", "--shell=nu", "--code", "skip", "personal"],
            &["mfa", "personal", "--code=123456", "--force"],
            &["mfa", "--force", "--shell", "bash", "help"],
        ];
        for line in lines {
            let args: Vec<OsString> = line.iter().map(OsString::from).collect();
            let fast = Cli::fast_parse(&args).unwrap_or_else(|| panic!("{line:?} not on the fast path"));
            let slow = Cli::try_parse_from(std::iter::once("stsenv").chain(line.iter().copied())).unwrap();
            assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{line:?}");
        }
        let others: &[&[&str]] = &[
            &[],
            &["credential-process"],
            &["credential-process", "--help"],
            &["credential-process", "-h"],
            &["credential-process", "personal", "--help"],
            &["credential-process", "personal", "--role"],
            &["credential-process", "personal", "--role="],
            &["credential-process", "personal", "--role", "-x"],
            &["credential-process", "personal", "--window", "1h"],
            &["credential-process", "personal", "--role", "admin", "--window", "1h"],
            &["credential-process", "--role", "admin", "personal"],
            &["credential-process", "personal", "extra"],
            &["credential-process", "--", "personal"],
            &["--config", "x", "credential-process", "personal"],
            &["credential-process", "personal", "--config", "x"],
            &["switch"],
            &["switch", "--shell", "bash"],
            &["switch", "--shell", "Bash", "personal"],
            &["switch", "--shell", "tcsh", "personal"],
            &["switch", "personal", "--shell", "bash"],
            &["switch", "--shell", "bash", "-x"],
            &["switch", "--help"],
            &["switch", "personal", "other"],
            &["switch", "--", "personal"],
            &["mfa", "personal", "other"],
            &["mfa", "-c123456"],
            &["mfa", "-c=123456"],
            &["mfa", "-c"],
            &["mfa", "-c", "-1"],
            &["mfa", "-c", "1", "-c", "2"],
            &["mfa", "--code="],
            &["mfa", "--force", "--force"],
            &["mfa", "--force=true"],
            &["mfa", "--shell", "tcsh"],
            &["mfa", "--shell", "bash", "--shell", "zsh"],
            &["mfa", "--duration", "900"],
            &["mfa", "--write-profile", "p"],
            &["mfa", "--help"],
            &["mfa", "--", "personal"],
            &["mfa", "--rotate-keys"],
        ];
        for line in others {
            let args: Vec<OsString> = line.iter().map(OsString::from).collect();
            assert!(Cli::fast_parse(&args).is_none(), "{line:?} must go through clap");
        }
    }
}
