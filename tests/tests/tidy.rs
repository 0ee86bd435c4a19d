//! Invariants of the workspace that are cheaper to check than to remember: every Rust file
//! starts with a `//!` comment, the engine has no desktop dependency, and the top level holds
//! only what the README's workspace layout allows.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    ringside_tests::workspace_root()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    ringside_tests::files_with_extension(dir, "rs", out);
}

#[test]
fn every_rust_file_starts_with_a_module_comment() {
    let mut files = Vec::new();
    rust_files(&root().join("src-tauri"), &mut files);
    rust_files(&root().join("tests"), &mut files);
    assert!(files.len() > 10, "found only {} files", files.len());
    let missing: Vec<String> = files
        .iter()
        .filter(|f| {
            !std::fs::read_to_string(f)
                .unwrap_or_default()
                .trim_start()
                .starts_with("//!")
        })
        .map(|f| f.strip_prefix(root()).unwrap_or(f).display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a `//!` comment: {missing:?}"
    );
}

#[test]
fn the_engine_depends_on_no_desktop_crate() {
    let manifest = std::fs::read_to_string(root().join("src-tauri/core/Cargo.toml")).unwrap();
    for forbidden in ["tauri", "gtk", "webkit", "wry", "tao"] {
        assert!(
            !manifest
                .lines()
                .any(|l| l.trim_start().starts_with(forbidden)),
            "ringside-core must not depend on {forbidden}"
        );
    }
}

#[test]
fn the_top_level_holds_only_what_the_design_allows() {
    let allowed = [
        "Cargo.toml",
        "Cargo.lock",
        "src-tauri",
        "ui",
        "icons",
        "tests",
        "README.md",
        "docs",
        "packaging",
        "target",
    ];
    let unexpected: Vec<String> = std::fs::read_dir(root())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.') && !allowed.contains(&name.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "unexpected top-level entries: {unexpected:?}"
    );
}

#[test]
fn the_pipeline_and_the_store_know_nothing_of_the_hubs_http_surface() {
    let core = root().join("src-tauri/core/src");
    let mut files = Vec::new();
    for dir in ["pipeline", "store", "rules", "card"] {
        rust_files(&core.join(dir), &mut files);
    }
    for file in ["card.rs", "contacts.rs", "webhook.rs"] {
        files.push(core.join(file));
    }
    assert!(files.len() > 15, "found only {} files", files.len());
    let offenders: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            text.lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .any(|l| l.contains("crate::hub") || l.contains("super::hub") || l.contains("axum"))
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "these import the hub's HTTP surface: {offenders:?}"
    );
}

/// The engine's modules from the bottom up. A module may name only modules below it (and
/// itself): so no import runs back up, and no two modules import each other. A new module
/// takes its place here, or this test fails.
const LAYERS: &[&str] = &[
    // What everything stands on: no IO beyond the clock.
    "clock",
    "hours",
    "error",
    "metrics",
    "secret",
    "limits",
    "phone",
    "insight",
    "pacing",
    // The vendors: HTTP, their clients and their records.
    "transport",
    "aircall",
    "intercom",
    "webhook",
    // The records every layer shares.
    "domain",
    // Pure rules, then the database.
    "rules",
    "store",
    // Reading the configuration, resolving contacts, building cards.
    "config",
    "directory",
    "contacts",
    "card",
    "doctor",
    "signin",
    // The moving parts.
    "sync",
    "pipeline",
    "presence",
    // Their assembly, and the HTTP surface over it.
    "engine",
    "hub",
];

/// The engine's source files with the module each belongs to (`card.rs` and `card/x.rs` are
/// both `card`), their code outside comments and test modules.
fn engine_sources() -> Vec<(PathBuf, String, String)> {
    let src = root().join("src-tauri/core/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .into_iter()
        .filter_map(|file| {
            let relative = file.strip_prefix(&src).ok()?.to_owned();
            let first = relative
                .components()
                .next()?
                .as_os_str()
                .to_string_lossy()
                .into_owned();
            let module = first.trim_end_matches(".rs").to_owned();
            let text = std::fs::read_to_string(&file).ok()?;
            let code = text
                .split("#[cfg(test)]\nmod tests")
                .next()
                .unwrap_or_default()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            Some((relative, module, code))
        })
        .collect()
}

/// The identifiers right after each `prefix` in `code`: `a` for `prefix a::b`, and `a`, `b`
/// for `prefix {a::x, b}`.
fn named_after(code: &str, prefix: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = Vec::new();
    for (at, _) in code.match_indices(prefix) {
        let rest = &code[at + prefix.len()..];
        if let Some(list) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in list.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if c.is_whitespace() => {}
                    _ if item_start && depth == 0 => {
                        names.push(ident(&list[i..]));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            names.push(ident(rest));
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

#[test]
fn the_engines_imports_run_down_its_layers_only() {
    let rank = |module: &str| LAYERS.iter().position(|m| *m == module);
    let sources = engine_sources();
    assert!(sources.len() > 50, "found only {} files", sources.len());
    let mut unplaced = Vec::new();
    let mut upward = Vec::new();
    for (file, module, code) in &sources {
        if module == "lib" {
            continue;
        }
        let Some(own) = rank(module) else {
            unplaced.push(module.clone());
            continue;
        };
        for named in named_after(code, "crate::") {
            match rank(&named) {
                Some(r) if r > own => upward.push(format!("{} -> {named}", file.display())),
                Some(_) => {}
                // `crate::Secret` and the like: the crate root's own re-exports.
                None => {}
            }
        }
    }
    unplaced.sort();
    unplaced.dedup();
    assert!(
        unplaced.is_empty(),
        "modules without a place in LAYERS: {unplaced:?}"
    );
    assert!(
        upward.is_empty(),
        "imports that run back up the engine's layers: {upward:#?}"
    );
}

#[test]
fn no_two_files_of_an_engine_module_import_each_other() {
    use std::collections::{BTreeMap, BTreeSet};
    // Edges between sibling files of one folder (`super::x` or `crate::m::x`, where `x.rs`
    // is a sibling); `mod.rs` is the folder itself and left out.
    let sources = engine_sources();
    let mut edges: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for (file, module, code) in &sources {
        let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) else {
            continue;
        };
        if file.file_name().is_some_and(|n| n == "mod.rs") {
            continue;
        }
        let folder = format!("crate::{}::", dir.display().to_string().replace('/', "::"));
        let mut named = named_after(code, "super::");
        if dir.display().to_string() == *module {
            named.extend(named_after(code, &folder));
        }
        for name in named {
            let sibling = dir.join(format!("{name}.rs"));
            if sibling != *file && sources.iter().any(|(f, _, _)| *f == sibling) {
                edges.entry(file.clone()).or_default().insert(sibling);
            }
        }
    }
    // A depth-first search that reports the first circle it meets.
    fn visit(
        at: &PathBuf,
        edges: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        path: &mut Vec<PathBuf>,
        done: &mut BTreeSet<PathBuf>,
    ) -> Option<Vec<PathBuf>> {
        if let Some(start) = path.iter().position(|p| p == at) {
            return Some(path[start..].to_vec());
        }
        if !done.insert(at.clone()) {
            return None;
        }
        path.push(at.clone());
        for next in edges.get(at).into_iter().flatten() {
            if let Some(circle) = visit(next, edges, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for file in edges.keys() {
        let circle = visit(file, &edges, &mut Vec::new(), &mut done);
        assert!(circle.is_none(), "files that import each other: {circle:?}");
    }
}

/// The spans of `code` that are the arguments of a `.run(` call (the closures that run on the
/// blocking pool), as byte ranges.
fn run_spans(code: &str) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::new();
    for (at, _) in code.match_indices(".run(") {
        let start = at + ".run(".len();
        let mut depth = 1;
        for (i, c) in code[start..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        spans.push(start..start + i);
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    spans
}

/// The bodies of the `async fn`s and `async` blocks of `code`, as byte ranges.
fn async_bodies(code: &str) -> Vec<std::ops::Range<usize>> {
    let mut bodies = Vec::new();
    for marker in ["async fn ", "async move {", "async {"] {
        for (at, _) in code.match_indices(marker) {
            let Some(open) = code[at..].find('{').map(|o| at + o) else {
                continue;
            };
            let mut depth = 0;
            for (i, c) in code[open..].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            bodies.push(open..open + i);
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    bodies
}

#[test]
fn async_code_reaches_sqlite_only_through_the_stores_one_boundary() {
    // `store.method(` in an async body, outside the closure given to `Store::run`, blocks a
    // runtime thread on SQLite. Whitespace is folded so that `store\n    .method(` counts too.
    let mut offenders = Vec::new();
    for (file, _, code) in engine_sources() {
        if file.starts_with("store") {
            continue;
        }
        let folded: String = {
            let mut out = String::with_capacity(code.len());
            let mut chars = code.chars().peekable();
            while let Some(c) = chars.next() {
                out.push(c);
                if c == '\n' {
                    while chars.peek().is_some_and(|c| c.is_whitespace()) {
                        chars.next();
                    }
                }
            }
            out.replace("store\n.", "store.")
                .replace("store()\n.", "store.")
                .replace("store().", "store.")
        };
        let allowed = run_spans(&folded);
        let bodies = async_bodies(&folded);
        for (at, _) in folded.match_indices("store.") {
            let method: String = folded[at + "store.".len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let called = folded[at + "store.".len() + method.len()..].starts_with('(');
            if !called || matches!(method.as_str(), "run" | "clone") {
                continue;
            }
            let in_async = bodies.iter().any(|b| b.contains(&at));
            let in_run = allowed.iter().any(|r| r.contains(&at));
            if in_async && !in_run {
                offenders.push(format!("{}: store.{method}(", file.display()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "SQLite called on an async thread (use `Store::run`): {offenders:#?}"
    );
}
