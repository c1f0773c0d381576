//! One escalation engine: the context of a command, the target account, and getting credentials (cache, MFA session, role, a federated session for the console).

pub(crate) mod context;
pub(crate) mod escalation;
pub(crate) mod federation;
pub(crate) mod target;
