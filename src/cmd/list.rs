//! `stsenv list`: the accounts, whether their keys are present, the state of their cached
//! sessions and roles; `--names`: one name a line, `--roles ACCOUNT`: its role keys, for
//! completion.

use std::collections::BTreeMap;

use super::Context;
use crate::base::error::Result;
use crate::base::names;
use crate::base::times::format_left;
use crate::cli::List;
use crate::config::accounts::{Account, Accounts};
use crate::config::key_dir::KeyDir;
use crate::store::cache::Cache;
use crate::store::entry::State;
use crate::store::slot::Slot;

/// A row of the table: the name as spelled, whether it has key files, its accounts-file entry.
type Row<'a> = (String, bool, Option<&'a Account>);

pub fn run(args: &List, ctx: &Context) -> Result<String> {
    let key_dir = ctx.key_dir();
    if args.names {
        // For completion: the accounts with a key_process too, and no error for a broken file.
        let all = key_dir.names_with(&ctx.accounts().unwrap_or_default())?;
        return Ok(all.iter().map(|n| format!("{}\n", names::shown(n))).collect());
    }
    if let Some(account) = &args.roles {
        return role_keys(account, ctx);
    }
    let accounts = ctx.accounts()?;
    let rows = rows(&key_dir, &accounts)?;
    let cache = ctx.cache()?;
    let role_files = cache.role_slots();
    let mut table =
        vec![["ACCOUNT".to_owned(), "KEYS".to_owned(), "MFA SESSION".to_owned(), "ROLES".to_owned()]];
    for (lower, (name, has_keys, entry)) in &rows {
        let slots: Vec<&Slot> = role_files.get(lower).into_iter().flatten().collect();
        table.push([
            name.clone(),
            keys(*has_keys, *entry).to_owned(),
            session(&cache, name, ctx),
            roles(&cache, name, &slots, *entry, ctx).join(", "),
        ]);
    }
    if rows.is_empty() {
        return Ok(format!(
            "No accounts: add NAME.access_key and NAME.secret_key to {}\n",
            key_dir.path.display()
        ));
    }
    Ok(render(&table))
}

/// `--roles ACCOUNT`: the keys of its `roles`, one a line, for completion.
fn role_keys(account: &str, ctx: &Context) -> Result<String> {
    let account = Some(account).filter(|a| !a.is_empty()).or_else(|| ctx.env.stsenv_account());
    let accounts = ctx.accounts()?;
    let roles = account.and_then(|a| accounts.find(a)).map(|a| &a.roles);
    // Only keys a shell can offer as they are (no space or control character): completion
    // puts them on the command line.
    Ok(roles
        .into_iter()
        .flatten()
        .map(|(key, _)| key)
        .filter(|key| !key.is_empty() && !key.chars().any(|c| c.is_whitespace() || c.is_control()))
        .map(|key| format!("{key}\n"))
        .collect())
}

/// Every account of the key directory and of the accounts file, once, ignoring case, with
/// its accounts-file entry (looked up once here: a search per row made 1,000 accounts
/// quadratic).
fn rows<'a>(key_dir: &KeyDir, accounts: &'a Accounts) -> Result<BTreeMap<String, Row<'a>>> {
    let with_keys = if key_dir.path.is_dir() { key_dir.names()? } else { Vec::new() };
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    for name in &with_keys {
        rows.insert(name.to_ascii_lowercase(), (name.clone(), true, None));
    }
    for account in &accounts.accounts {
        let row =
            rows.entry(account.name.to_ascii_lowercase()).or_insert((account.name.clone(), false, None));
        // The first entry of a name, as Accounts::find gives.
        row.2.get_or_insert(account);
    }
    Ok(rows)
}

/// The KEYS column.
fn keys(has_keys: bool, entry: Option<&Account>) -> &'static str {
    if entry.is_some_and(|a| a.key_process.is_some()) {
        "key_process"
    } else if has_keys {
        "yes"
    } else {
        "missing"
    }
}

/// The MFA SESSION column.
fn session(cache: &Cache, name: &str, ctx: &Context) -> String {
    match cache.state(name, &Slot::Mfa, ctx.now) {
        State::Valid(entry) => format!("valid, {} left", format_left(entry.seconds_left(ctx.now))),
        State::Expired(_) => "expired".to_owned(),
        State::Absent => "none".to_owned(),
    }
}

/// The ROLES column: the keys of `roles` the user types (with the role's name when it
/// differs), then roles assumed by name or ARN; each with the time its cached credentials have
/// left. A role may have several entries (session names, tags, with and without MFA): the one
/// with the most time left.
fn roles(cache: &Cache, name: &str, slots: &[&Slot], entry: Option<&Account>, ctx: &Context) -> Vec<String> {
    let left = |arn: &String| {
        slots
            .iter()
            .filter(|slot| matches!(slot, Slot::Role(role) if &role.arn == arn))
            .filter_map(|slot| cache.valid(name, slot, ctx.now))
            .map(|entry| entry.seconds_left(ctx.now))
            .max()
            .map(|seconds| format!("{} left", format_left(seconds)))
    };
    let mut cached: Vec<&String> = slots
        .iter()
        .filter_map(|slot| match slot {
            Slot::Role(role) => Some(&role.arn),
            _ => None,
        })
        .collect();
    cached.dedup();
    let mut shown: Vec<String> = Vec::new();
    let mut roles: Vec<String> = Vec::new();
    if let Some(account) = entry {
        for (key, role_name) in account.role_names() {
            let arn = account.role_arn(key);
            let details: Vec<String> =
                (key != role_name).then_some(role_name).into_iter().chain(left(&arn)).collect();
            roles.push(if details.is_empty() {
                key.to_owned()
            } else {
                format!("{key} ({})", details.join(", "))
            });
            shown.push(arn);
        }
    }
    for arn in cached.into_iter().filter(|arn| !shown.contains(arn)) {
        if let Some(left) = left(arn) {
            roles.push(format!("{} ({left})", crate::aws::arn::role_name(arn)));
        }
    }
    roles
}

/// The table, each cell as a person may see it (`names::shown`: a name or role from a file
/// never puts a raw control character on the terminal), in aligned columns.
fn render(table: &[[String; 4]]) -> String {
    let table: Vec<[String; 4]> =
        table.iter().map(|row| row.clone().map(|cell| names::shown(&cell).into_owned())).collect();
    let widths: Vec<usize> = (0..4).map(|c| table.iter().map(|r| r[c].len()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for row in table {
        let line: Vec<String> = row.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}
