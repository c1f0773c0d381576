//! The operating system: atomic file writes, locks, child processes without secrets, helper processes with a deadline, and supervising a child.

pub(crate) mod atomic;
pub(crate) mod helper;
pub(crate) mod lock;
pub(crate) mod supervise;
pub(crate) mod without_secrets;
