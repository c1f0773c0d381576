//! The shells: quoting, the emitted assignments, and the wrapper and completion scripts.

pub mod assignments;
pub mod scripts;

pub use scripts::Shell;
pub mod quote;
