//! The operating system: atomic file writes, locks, child processes without secrets, helper processes with a deadline, supervising a child, and handing a secret to another program in a private file.

pub mod atomic;
pub mod handoff;
pub mod helper;
pub mod lock;
pub mod supervise;
pub mod without_secrets;
