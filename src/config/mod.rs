//! What the user wrote: the accounts file (locate, parse, edit), the key directory, and the AWS files stsenv reads.

pub(crate) mod accounts;
pub(crate) mod accounts_edit;
pub(crate) mod aws_files;
pub mod key_dir;
pub(crate) mod region;
