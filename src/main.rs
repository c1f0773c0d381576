use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

fn main() -> ExitCode {
    let cli = match stsenv::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => match e.kind() {
            ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
            // Like every other error: one line, stdout empty, exit 2.
            _ => {
                eprintln!("stsenv: {}", one_line(&e.to_string()));
                return ExitCode::from(2);
            }
        },
    };
    let env = stsenv::env::Env::from_process();
    match stsenv::cmd::run(cli, env, time::OffsetDateTime::now_utc()) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()).is_err() {
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("stsenv: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// clap's usage error on one line: the error, its tip, and which help to read.
fn one_line(text: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    // The subcommand typed, if any: its help is the one to read.
    let command = <stsenv::cli::Cli as clap::CommandFactory>::command();
    let typed = std::env::args().skip(1).find(|a| command.get_subcommands().any(|c| c.get_name() == a));
    let help = match typed {
        Some(sub) => format!("stsenv {sub} --help"),
        None => String::from("stsenv --help"),
    };
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            continue;
        }
        let line = line.strip_prefix("error: ").unwrap_or(line);
        match parts.last_mut() {
            Some(last) if last.ends_with(':') || line.starts_with('[') => {
                last.push(' ');
                last.push_str(line);
            }
            _ => parts.push(line.to_owned()),
        }
    }
    format!("{}; see {help}", parts.join("; "))
}
