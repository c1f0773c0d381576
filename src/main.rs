use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = stsenv::cli::Cli::parse();
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
