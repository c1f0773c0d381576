//! `stsenv rotate-keys`: a new access key in the key directory, the old one deleted.

use super::Context;
use crate::cli::RotateKeys;
use crate::error::{Result, say};
use crate::rotate;
use crate::target::Target;

pub fn run(args: &RotateKeys, ctx: &Context) -> Result<String> {
    let target = Target::resolve(ctx, args.account.as_deref(), "stsenv rotate-keys")?;
    let done = rotate::rotate(ctx, &target)?;
    say(format!(
        "Rotated the access key of account {} from {} to {}; the old key is deleted",
        target.name, done.old_id, done.new_id
    ));
    Ok(format!("{}\n", done.new_id))
}
