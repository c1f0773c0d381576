//! The operating system: atomic file writes, locks, child processes without secrets, helper processes with a deadline, supervising a child, and handing a secret to another program in a private file.

pub(crate) mod atomic;
pub(crate) mod handoff;
pub(crate) mod helper;
pub(crate) mod lock;
pub(crate) mod supervise;
pub(crate) mod without_secrets;
