//! The layout of src/ (CONTRIBUTING.md): folders by layer, each importing only the layers below
//! it, no import circle between modules, nothing outside src/cmd/ importing from it, and at most
//! 8 files directly in src/.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first: a module may import from its own layer and those before it.
const LAYERS: &[&str] =
    &["base", "sys", "aws", "config", "secrets", "store", "shell", "engine", "admin", "serve", "cli", "cmd"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `base::env` for src/base/env.rs, `base` for src/base/mod.rs, `lib` for src/lib.rs.
fn module_name(path: &Path) -> String {
    let rel = path.strip_prefix(src()).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.len() > 1 && parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// The code of a file without its unit tests and comments.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines().map(|l| l.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

/// The modules a file's code names: `crate::a::b` as `a::b` (or `a` when `b` is an item of
/// `a`), and `super::b` in a folder as `folder::b`.
fn imports(module: &str, code: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let ident =
        |s: &str| s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>();
    let folder = match module.rsplit_once("::") {
        Some((folder, _)) => folder.to_owned(),
        None if modules.iter().any(|m| m.starts_with(&format!("{module}::"))) => module.to_owned(),
        None => String::new(),
    };
    let mut found = BTreeSet::new();
    for (prefix, base) in [("crate::", String::new()), ("super::", folder)] {
        for (at, _) in code.match_indices(prefix) {
            if prefix == "super::" && base.is_empty() {
                continue;
            }
            let rest = &code[at + prefix.len()..];
            let first = ident(rest);
            let top = if base.is_empty() { first.clone() } else { format!("{base}::{first}") };
            let second = rest[first.len()..].strip_prefix("::").map(ident).unwrap_or_default();
            let full = format!("{top}::{second}");
            let target = if modules.contains(&full) { full } else { top };
            if modules.contains(&target) && target != module {
                found.insert(target);
            }
        }
    }
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_name(f)).collect();
    files
        .iter()
        .map(|f| {
            let module = module_name(f);
            let deps = imports(&module, &code(&std::fs::read_to_string(f).unwrap()), &modules);
            (module, deps)
        })
        .collect()
}

fn layer(module: &str) -> Option<usize> {
    let top = module.split("::").next().unwrap_or_default();
    LAYERS.iter().position(|l| *l == top)
}

#[test]
fn each_layer_imports_only_the_layers_below_it() {
    let mut wrong = Vec::new();
    for (module, deps) in graph() {
        let Some(own) = layer(&module) else { continue };
        for dep in deps {
            if layer(&dep).is_some_and(|l| l > own) {
                wrong.push(format!("{module} imports {dep}"));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layer order {LAYERS:?}:\n{}", wrong.join("\n"));
}

#[test]
fn no_import_circle_between_modules() {
    let graph = graph();
    // Depth-first search; a module met again while still on the path closes a circle.
    fn visit<'a>(
        module: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|m| *m == module) {
            let mut circle: Vec<String> = path[at..].iter().map(|m| m.to_string()).collect();
            circle.push(module.to_owned());
            return Some(circle);
        }
        if !done.insert(module) {
            return None;
        }
        path.push(module);
        for dep in graph.get(module).into_iter().flatten() {
            if let Some(circle) = visit(dep, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        if let Some(circle) = visit(module, &graph, &mut Vec::new(), &mut done) {
            panic!("an import circle: {}", circle.join(" -> "));
        }
    }
    assert!(graph.len() > 40, "the scan found only {} modules", graph.len());
}

#[test]
fn src_holds_folders_each_saying_its_job() {
    let mut top = Vec::new();
    for entry in std::fs::read_dir(src()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert!(LAYERS.contains(&name.as_str()), "src/{name}/ is not a layer of {LAYERS:?}");
            let head = std::fs::read_to_string(path.join("mod.rs")).unwrap_or_default();
            assert!(head.starts_with("//! "), "src/{name}/mod.rs must begin with one line saying its job");
        } else {
            top.push(path);
        }
    }
    assert!(top.len() <= 8, "{} files directly in src/ (at most 8): {top:?}", top.len());
}
