//! The shell functions and the code stsenv prints for them (src/shell).

mod completions; // the completion files are current; the functions complete account and role names
mod init; // the wrapper files: strict flags, linters, lockstep, the golden `switch` output
mod now; // `stsenv now` and the prompt segment, one rule in every shell
mod prompt; // the README's prompt recipes, drawn without a fork (strace)
mod scenarios; // scenarios written once and run in every shell, also under hostile options
