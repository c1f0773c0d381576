//! The configuration stsenv reads (src/config).

// The accounts file and key directory through the binary: lookup, errors, `list`.
mod accounts;
