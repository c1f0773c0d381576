//! The shells: quoting, the emitted assignments, and the wrapper and completion scripts.

pub(crate) mod assignments;
pub mod scripts;

pub use scripts::Shell;
pub mod quote;
