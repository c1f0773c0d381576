//! The shells: quoting, the emitted assignments (and their dotenv form), and the wrapper and completion scripts.

pub(crate) mod assignments;
pub mod dotenv;
pub mod scripts;

pub use scripts::Shell;
pub mod quote;
