//! The command lines run most (`now` on every prompt redraw, `switch ACCOUNT` as `ec2switch`
//! runs it, the `credential-process` lines of `~/.aws/config`), recognised without building
//! clap's command tree, which costs about as much as the rest of a cached run.

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
            _ => return None,
        };
        Some(Cli { config: None, creds_dir: None, command })
    }
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
            &["mfa", "personal"],
        ];
        for line in others {
            let args: Vec<OsString> = line.iter().map(OsString::from).collect();
            assert!(Cli::fast_parse(&args).is_none(), "{line:?} must go through clap");
        }
    }
}
