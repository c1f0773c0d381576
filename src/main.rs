//! The stsenv binary. `main` is the C entry point (`#![no_main]`): Rust's own runtime start-up
//! asks glibc for the main thread's stack bounds to place a stack-overflow guard, and glibc
//! answers by opening and parsing /proc/self/maps, which was a quarter of the instructions of
//! `stsenv now` (run on every prompt redraw) and a file opened for nothing. Without it a stack
//! overflow is a plain SIGSEGV instead of a message; everything else the runtime did is here:
//! SIGPIPE is ignored (so a closed pipe or socket is an error, not a silent kill) and stdout is
//! flushed before returning. `std::env::args_os` works without the runtime on Linux (glibc passes
//! argv to initialisers) and macOS (`_NSGetArgv`).
// (A test build keeps the harness's own main.)
#![cfg_attr(not(test), no_main)]

use std::ffi::{OsString, c_int};
use std::io::Write;

use clap::Parser;
use clap::error::ErrorKind;

#[cfg(not(test))]
#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: c_int, _argv: *const *const std::ffi::c_char) -> c_int {
    run()
}

#[cfg_attr(test, allow(dead_code))]
fn run() -> c_int {
    // SAFETY: setting a signal's disposition to SIG_IGN, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    let now = time::OffsetDateTime::now_utc();
    // `now` runs on every prompt redraw: its usual command lines skip clap (see Now::fast_parse),
    // and it reads only its own few variables.
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let result = match stsenv::cli::Now::fast_parse(&args) {
        Some(now_args) => Ok(stsenv::cmd::now(
            &now_args,
            stsenv::env::Env::from_process_names(stsenv::cmd::NOW_VARIABLES),
            now,
        )),
        None => match stsenv::cli::Cli::try_parse_from(
            std::iter::once(OsString::from("stsenv")).chain(args.clone()),
        ) {
            Ok(cli) => stsenv::cmd::run(cli, stsenv::env::Env::from_process(), now),
            Err(e) => match e.kind() {
                // Through a function (`ec2switch --help`) stdout is evaluated: the help goes to
                // stderr, stdout stays empty, so the shell prints it and changes nothing.
                // `stsenv switch --version` names the program, not `stsenv-switch`.
                ErrorKind::DisplayVersion if for_a_shell(&args) => {
                    eprintln!("stsenv {}", env!("CARGO_PKG_VERSION"));
                    return 0;
                }
                ErrorKind::DisplayVersion => {
                    println!("stsenv {}", env!("CARGO_PKG_VERSION"));
                    return 0;
                }
                ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                    if for_a_shell(&args) =>
                {
                    eprint!("{e}");
                    return 0;
                }
                ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
                // Like every other error: one line, stdout empty, exit 2.
                _ => {
                    eprintln!("stsenv: {}", one_line(&e.to_string(), &args));
                    return 2;
                }
            },
        },
    };
    match result {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()).is_err() {
                return 1;
            }
            0
        }
        Err(e) => {
            eprintln!("stsenv: {e}");
            c_int::from(e.exit_code() as u8)
        }
    }
}

/// Whether stdout is for a shell to evaluate: the functions always pass `--shell`.
fn for_a_shell(args: &[OsString]) -> bool {
    args.iter().any(|a| a == "--shell" || a.to_str().is_some_and(|a| a.starts_with("--shell=")))
}

/// clap's usage error on one line: the error, its tip, and which help to read.
fn one_line(text: &str, args: &[OsString]) -> String {
    let mut parts: Vec<String> = Vec::new();
    // The subcommand typed, if any: its help is the one to read.
    let command = <stsenv::cli::Cli as clap::CommandFactory>::command();
    let typed =
        args.iter().find_map(|a| command.get_subcommands().find(|c| a == c.get_name()).map(|c| c.get_name()));
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
