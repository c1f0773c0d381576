//! The operating system: atomic file writes, locks, child processes without secrets, helper processes with a deadline, and supervising a child.

pub mod atomic;
pub mod helper;
pub mod lock;
pub mod strict_modes;
pub mod supervise;
pub mod without_secrets;
