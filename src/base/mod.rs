//! Vocabulary every layer shares, with no I/O of its own beyond reading the environment map: errors, the environment, times, names, percent-encoding, credentials and the variable lists.

pub mod credentials;
pub mod env;
pub mod error;
pub mod names;
pub mod percent;
pub mod times;
pub mod variables;
