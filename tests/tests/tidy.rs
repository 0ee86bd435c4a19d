//! Invariants of the workspace that are cheaper to check than to remember: every Rust file
//! starts with a `//!` comment, the engine has no desktop dependency, and the top level holds
//! only what DESIGN.md allows.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_owned()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
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
        "rust-toolchain.toml",
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
