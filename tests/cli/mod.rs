//! The command line as a user meets it (src/cli, src/cmd).

mod first_hour; // a new user's first hour: the terminal refusal, the prompt, help, README recipes
mod man; // man/stsenv.1: generated from clap and shell/stsenv.bash, current, renders cleanly
