//! The operating system: atomic file writes, locks, child processes without secrets, helper processes with a deadline, tools found on PATH, supervising a child, handing a secret to another program in a private file, private directories for a command's files, and the parent process's name.

pub(crate) mod atomic;
pub(crate) mod handoff;
pub(crate) mod helper;
pub(crate) mod lock;
pub(crate) mod parent_process;
pub(crate) mod private_dir;
pub(crate) mod program_path;
pub(crate) mod strict_modes;
pub(crate) mod supervise;
pub(crate) mod without_secrets;
