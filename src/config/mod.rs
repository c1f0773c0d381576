//! What the user wrote: the accounts file (locate, parse, edit), the key directory, and the AWS files stsenv reads.

pub mod accounts;
pub mod accounts_edit;
pub mod aws_files;
pub mod key_dir;
pub mod region;
