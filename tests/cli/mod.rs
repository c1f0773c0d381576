//! The command line as a user meets it (src/cli, src/cmd).

// A new user's first hour: the terminal refusal, the prompt, help, README recipes.
mod first_hour;
// Man/stsenv.1: generated from clap and shell/stsenv.bash, current, renders cleanly.
mod man;
