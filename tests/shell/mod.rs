//! The shell functions and the code stsenv prints for them (src/shell).

// The completion files are current; the functions complete account and role names.
mod completions;
// The wrapper files: strict flags, linters, lockstep, the golden `switch` output.
mod init;
// `stsenv now` and the prompt segment, one rule in every shell.
mod now;
// The prompt recipes of docs/prompt.md, drawn without a fork (strace).
mod prompt;
// Scenarios written once and run in every shell, also under hostile options.
mod scenarios;
// `set -v` never echoes the eval'd credentials to stderr.
mod verbose;
