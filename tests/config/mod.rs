//! The configuration stsenv reads (src/config).

// The accounts file and key directory through the binary: lookup, errors, `list`.
mod accounts;
// Key files that are FIFOs or huge: refused at once.
mod key_files;
