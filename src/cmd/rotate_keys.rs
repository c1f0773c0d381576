//! `stsenv rotate-keys`: a new access key in the key directory, the old one deleted, and the
//! cached sessions made with the old key removed.

use super::Context;
use crate::admin::rotate;
use crate::base::error::{Result, say, warn};
use crate::cli::RotateKeys;
use crate::engine::target::Target;

pub fn run(args: &RotateKeys, ctx: &Context) -> Result<String> {
    let target = Target::resolve(ctx, args.account.as_deref(), "stsenv rotate-keys")?;
    let done = rotate::rotate(ctx, &target)?;
    say(format!(
        "Rotated the access key of account {} from {} to {}; the old key is deleted",
        target.name, done.old_id, done.new_id
    ));
    match ctx.cache().and_then(|cache| cache.clear(Some(&target.name), None)) {
        Ok(removed) if !removed.is_empty() => {
            let n = removed.len();
            say(format!("Removed {n} cached session{} made with the old key", if n == 1 { "" } else { "s" }))
        }
        Ok(_) => {}
        Err(e) => warn(format!(
            "the sessions made with the old key are still cached: {e}; stsenv clear {} removes them",
            target.name
        )),
    }
    Ok(format!("{}\n", done.new_id))
}
