//! Vocabulary every layer shares, with no I/O of its own beyond reading the environment map: errors, the environment, times, names, percent-encoding, credentials and the variable lists.

pub mod credentials;
pub mod env;
pub(crate) mod error;
pub mod names;
pub(crate) mod percent;
pub mod times;
pub mod variables;
