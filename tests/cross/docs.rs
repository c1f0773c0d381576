//! The user documentation: README.md stays short (a first hour), its table of contents names
//! every file of docs/, every relative link of README.md, SECURITY.md, CONTRIBUTING.md and
//! docs/*.md reaches a file and a heading that exist, and every variable stsenv reads is in
//! docs/environment.md.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// README.md at most this many lines: the reference lives in docs/.
const README_LINES: usize = 300;

/// Files the README's table of contents names that another branch adds. Take a file out of this
/// list when it lands: the test fails while a file here exists. (None now: docs/no-shell.md
/// landed with `stsenv aws-config` and `stsenv export`.)
const PENDING: &[&str] = &[];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The docs/ files, as paths from the root (`docs/cache.md`).
fn docs() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    files.sort();
    files
}

/// The lines of a Markdown text outside fenced code blocks.
fn prose(text: &str) -> Vec<&str> {
    let mut fenced = false;
    text.lines()
        .filter(|line| {
            if line.starts_with("```") {
                fenced = !fenced;
                return false;
            }
            !fenced
        })
        .collect()
}

/// The anchors GitHub gives a file's headings: lower case, punctuation but `-` and `_` dropped,
/// spaces to `-`, and `-1`, `-2`, ... after a repeated one.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    for line in prose(text) {
        let Some(heading) = line.trim_start_matches('#').strip_prefix(' ').filter(|_| line.starts_with('#'))
        else {
            continue;
        };
        let slug: String = heading
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let n = seen.entry(slug.clone()).or_insert(0);
        out.insert(if *n == 0 { slug.clone() } else { format!("{slug}-{n}") });
        *n += 1;
    }
    out
}

/// The targets of the Markdown links `[text](target)` of a text, outside code blocks.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in prose(text) {
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            let Some(end) = rest.find(')') else { break };
            let target = &rest[..end];
            if !target.is_empty() && !target.contains(char::is_whitespace) {
                out.push(target.to_owned());
            }
            rest = &rest[end..];
        }
    }
    out
}

#[test]
fn readme_is_a_first_hour_long() {
    let lines = read("README.md").lines().count();
    assert!(
        lines <= README_LINES,
        "README.md has {lines} lines: move reference text into docs/ (at most {README_LINES})"
    );
}

#[test]
fn readme_contents_name_every_docs_file() {
    let readme = read("README.md");
    let contents = &readme[readme.find("## Contents").expect("README.md has no ## Contents")..];
    let contents = &contents[..contents[3..].find("\n## ").map_or(contents.len(), |at| at + 3)];
    for file in docs() {
        assert!(contents.contains(&format!("]({file})")), "README.md's contents have no line for {file}");
    }
    for file in PENDING {
        assert!(contents.contains(&format!("]({file})")), "README.md's contents have no line for {file}");
    }
}

#[test]
fn relative_links_reach_a_file_and_a_heading() {
    let mut files = vec!["README.md".to_owned(), "SECURITY.md".to_owned(), "CONTRIBUTING.md".to_owned()];
    files.extend(docs());
    let texts: BTreeMap<String, String> = files.iter().map(|f| (f.clone(), read(f))).collect();
    let mut broken = Vec::new();
    let mut checked = 0;
    for (file, text) in &texts {
        let dir = Path::new(file).parent().unwrap();
        for target in links(text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
            // The file the link names, from the root ("" is the file itself).
            let linked = if path.is_empty() {
                file.clone()
            } else {
                let mut parts: Vec<&str> = dir.iter().map(|p| p.to_str().unwrap()).collect();
                for part in path.split('/') {
                    match part {
                        ".." => {
                            parts.pop();
                        }
                        "." => {}
                        part => parts.push(part),
                    }
                }
                parts.join("/")
            };
            if PENDING.contains(&linked.as_str()) {
                assert!(
                    !root().join(&linked).exists(),
                    "{linked} exists now: take it out of PENDING in tests/cross/docs.rs"
                );
                continue;
            }
            if !root().join(&linked).exists() {
                broken.push(format!("{file}: ({target}): no file {linked}"));
                continue;
            }
            if anchor.is_empty() {
                continue;
            }
            let heads = match texts.get(&linked) {
                Some(text) => anchors(text),
                None if linked.ends_with(".md") => anchors(&read(&linked)),
                None => {
                    broken.push(format!("{file}: ({target}): an anchor in a file that is not Markdown"));
                    continue;
                }
            };
            if !heads.contains(anchor) {
                broken.push(format!("{file}: ({target}): no heading #{anchor} in {linked}"));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(checked > 50, "only {checked} links found: the link reader is broken");
}

#[test]
fn every_variable_stsenv_reads_is_in_docs_environment() {
    let env = read("src/base/env.rs");
    let documented = read("docs/environment.md");
    // One function per variable, each with a line `/// `NAME`: what it is`.
    let names: Vec<&str> = env
        .lines()
        .filter_map(|l| l.trim().strip_prefix("/// `")?.split_once("`:").map(|(name, _)| name))
        .collect();
    assert!(names.len() > 20, "{names:?}: src/base/env.rs no longer reads as this test expects");
    // As `NAME`, or as `NAME=value` (`AWS_USE_FIPS_ENDPOINT=true`).
    let named = |n: &str| documented.contains(&format!("`{n}`")) || documented.contains(&format!("`{n}="));
    let missing: Vec<&&str> = names.iter().filter(|n| !named(n)).collect();
    assert!(
        missing.is_empty(),
        "not in docs/environment.md (the variables table, or the AWS settings): {missing:?}"
    );
}
