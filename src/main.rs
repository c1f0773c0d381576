//! The stsenv binary. `main` is the C entry point (`#![no_main]`): Rust's own runtime start-up
//! asks glibc for the main thread's stack bounds to place a stack-overflow guard, and glibc
//! answers by opening and parsing /proc/self/maps, which was a quarter of the instructions of
//! `stsenv now` (run on every prompt redraw) and a file opened for nothing. Without it a stack
//! overflow is a plain SIGSEGV instead of a message; everything else the runtime did is here:
//! SIGPIPE is ignored (so a closed pipe or socket is an error, not a silent kill) and stdout is
//! flushed before returning; standard descriptors closed at start (`2>&-`) are opened on
//! /dev/null, so no lock or cache file becomes stderr and gets a message written into it. The
//! arguments come from `main`'s own argc/argv (not every libc passes argv to initialisers, which
//! `std::env::args_os` needs without the runtime). And a process that holds secrets makes no core
//! file: not dumpable on Linux (which also keeps other processes of the user out of its memory
//! and /proc/PID/environ), RLIMIT_CORE 0 elsewhere.
// (A test build keeps the harness's own main.)
#![cfg_attr(not(test), no_main)]

use std::ffi::{OsString, c_int};
use std::io::Write;

use clap::Parser;
use clap::error::ErrorKind;

#[cfg(not(test))]
#[unsafe(no_mangle)]
extern "C" fn main(argc: c_int, argv: *const *const std::ffi::c_char) -> c_int {
    // Before anything opens a file: descriptors 0-2 exist, no core file.
    start_up();
    // SAFETY: the C runtime passes `argc` valid NUL-terminated strings in `argv`.
    let args = unsafe { arguments(argc, argv) };
    run(args)
}

/// What Rust's runtime start-up would do (and more): descriptors 0, 1 and 2 that are closed are
/// opened on /dev/null; SIGPIPE is ignored; the process makes no core file.
#[cfg_attr(test, allow(dead_code))]
fn start_up() {
    no_core_file();
    for fd in 0..=2 {
        // SAFETY: fcntl(F_GETFD) only asks whether the descriptor is open.
        let closed = unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::EBADF);
        if closed {
            // open() returns the lowest free descriptor: this one. If it fails, exit as the
            // runtime does rather than let a secret file become stdout or stderr.
            // SAFETY: a constant NUL-terminated path.
            let opened = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
            if opened != fd {
                // SAFETY: abort is always safe to call.
                unsafe { libc::abort() };
            }
        }
    }
    // SAFETY: setting a signal's disposition to SIG_IGN, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}

#[cfg(target_os = "linux")]
fn no_core_file() {
    // SAFETY: PR_SET_DUMPABLE with 0 changes only this process's dumpable flag.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}

#[cfg(not(target_os = "linux"))]
fn no_core_file() {
    let none = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: a valid rlimit for this process.
    unsafe {
        libc::setrlimit(libc::RLIMIT_CORE, &none);
    }
}

/// The arguments after the program name, from main's argv.
///
/// # Safety
/// `argv` holds `argc` valid NUL-terminated strings.
#[cfg_attr(test, allow(dead_code))]
unsafe fn arguments(argc: c_int, argv: *const *const std::ffi::c_char) -> Vec<OsString> {
    use std::os::unix::ffi::OsStringExt;
    let count = usize::try_from(argc).unwrap_or(0);
    (1..count)
        .filter_map(|i| {
            // SAFETY: i < argc, so argv[i] is one of the strings the caller vouches for.
            let arg = unsafe { *argv.add(i) };
            // SAFETY: as above; a null entry is skipped.
            (!arg.is_null())
                .then(|| OsString::from_vec(unsafe { std::ffi::CStr::from_ptr(arg) }.to_bytes().to_vec()))
        })
        .collect()
}

#[cfg_attr(test, allow(dead_code))]
fn run(args: Vec<OsString>) -> c_int {
    let now = time::OffsetDateTime::now_utc();
    // `now` runs on every prompt redraw: its usual command lines skip clap (see Now::fast_parse),
    // and it reads only its own few variables.
    let result = match stsenv::cli::Now::fast_parse(&args) {
        Some(now_args) => Ok(stsenv::cmd::now(
            &now_args,
            stsenv::base::env::Env::from_process_names(stsenv::cmd::NOW_VARIABLES),
            now,
        )),
        // So do `credential-process` (the lines of ~/.aws/config) and `switch ACCOUNT` (see
        // Cli::fast_parse).
        None => match stsenv::cli::Cli::fast_parse(&args).map(Ok).unwrap_or_else(|| {
            stsenv::cli::Cli::try_parse_from(std::iter::once(OsString::from("stsenv")).chain(args.clone()))
        }) {
            Ok(cli) => stsenv::cmd::run(cli, stsenv::base::env::Env::from_process(), now),
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
                    let text = one_line(&e.to_string(), &args);
                    let line = stsenv::base::names::shown(&text);
                    let _ = std::io::stderr().write_all(format!("stsenv: {line}\n").as_bytes());
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
            // One write, so the line reaches a log or a terminal whole.
            let _ = std::io::stderr().write_all(format!("stsenv: {e}\n").as_bytes());
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
