//! `stsenv list`: the accounts, whether their keys are present, the state of their cached
//! sessions and roles; `--names`: one name a line, `--roles ACCOUNT`: its role keys, for
//! completion.

use std::collections::BTreeMap;

use super::Context;
use crate::cache::{Slot, State};
use crate::cli::List;
use crate::error::Result;
use crate::times::format_left;

pub fn run(args: &List, ctx: &Context) -> Result<String> {
    let key_dir = ctx.key_dir();
    if args.names {
        let names = key_dir.names()?;
        return Ok(names.iter().map(|n| format!("{n}\n")).collect());
    }
    if let Some(account) = &args.roles {
        let account =
            Some(account.as_str()).filter(|a| !a.is_empty()).or_else(|| ctx.env.get("STSENV_ACCOUNT"));
        let accounts = ctx.accounts()?;
        let roles = account.and_then(|a| accounts.find(a)).map(|a| &a.roles);
        return Ok(roles.into_iter().flatten().map(|(key, _)| format!("{key}\n")).collect());
    }
    let accounts = ctx.accounts()?;
    let with_keys = if key_dir.path.is_dir() { key_dir.names()? } else { Vec::new() };
    // Every account of the key directory and of the accounts file, once, ignoring case.
    let mut rows: BTreeMap<String, (String, bool)> = BTreeMap::new();
    for name in &with_keys {
        rows.insert(name.to_ascii_lowercase(), (name.clone(), true));
    }
    for account in &accounts.accounts {
        rows.entry(account.name.to_ascii_lowercase()).or_insert((account.name.clone(), false));
    }
    let cache = ctx.cache()?;
    let role_files = cache.role_slots();
    let mut table =
        vec![["ACCOUNT".to_owned(), "KEYS".to_owned(), "MFA SESSION".to_owned(), "ROLES".to_owned()]];
    for (lower, (name, has_keys)) in &rows {
        let session = match cache.state(name, &Slot::Mfa, ctx.now) {
            State::Valid(entry) => format!("valid, {} left", format_left(entry.seconds_left(ctx.now))),
            State::Expired(_) => "expired".to_owned(),
            State::Absent => "none".to_owned(),
        };
        let roles: Vec<String> = role_files
            .get(lower)
            .into_iter()
            .flatten()
            .filter_map(|slot| {
                let entry = cache.valid(name, slot, ctx.now)?;
                let arn = entry.role_arn.as_deref().unwrap_or_default();
                let role = arn.rsplit('/').next().unwrap_or(arn);
                Some(format!("{role} ({} left)", format_left(entry.seconds_left(ctx.now))))
            })
            .collect();
        let keys = if *has_keys { "yes" } else { "missing" };
        table.push([name.clone(), keys.to_owned(), session, roles.join(", ")]);
    }
    if rows.is_empty() {
        return Ok(format!(
            "No accounts: add NAME.access_key and NAME.secret_key to {}\n",
            key_dir.path.display()
        ));
    }
    Ok(render(&table))
}

fn render(table: &[[String; 4]]) -> String {
    let widths: Vec<usize> = (0..4).map(|c| table.iter().map(|r| r[c].len()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for row in table {
        let line: Vec<String> = row.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}
