//! One escalation engine: the context of a command, the target account, and getting credentials (cache, MFA session, role).

pub mod context;
pub mod escalation;
pub mod target;
