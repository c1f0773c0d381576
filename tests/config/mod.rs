//! The configuration stsenv reads (src/config).

mod accounts; // the accounts file and key directory through the binary: lookup, errors, `list`
