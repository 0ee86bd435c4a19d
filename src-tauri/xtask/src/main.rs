//! `cargo xtask`: the project's set-up and orchestration, so that the README's two commands
//! work on a fresh Debian or Ubuntu machine that has Rust.
//!
//! - `cargo xtask demo`: builds and runs the demo (today the headless demo of `ringside-cli`).
//! - `cargo xtask test`: formatting, lints (warnings fail) and every test of the workspace.
//! - `cargo xtask bench`: the benchmarks, in release mode; they print figures.
//!
//! It uses only the standard library, so it builds in a second. Nothing here needs a system
//! package yet; when the desktop shell arrives, its Debian packages are installed from here.

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (task, rest) = match args.split_first() {
        Some((task, rest)) => (task.as_str(), rest),
        None => ("help", &[][..]),
    };
    let result = match task {
        "demo" => demo(rest),
        "test" => test(rest),
        "bench" => bench(rest),
        "help" | "--help" | "-h" => {
            println!("usage: cargo xtask <demo|test|bench> [args passed on]");
            Ok(())
        }
        other => Err(format!(
            "unknown task `{other}` (expected demo, test or bench)"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn demo(rest: &[String]) -> Result<(), String> {
    let mut args = vec!["run", "--quiet", "--package", "ringside-cli", "--", "demo"];
    args.extend(rest.iter().map(String::as_str));
    cargo(&args)
}

fn test(rest: &[String]) -> Result<(), String> {
    if has_component("fmt") {
        step("formatting");
        cargo(&["fmt", "--all", "--", "--check"])?;
    } else {
        eprintln!("xtask: rustfmt is not installed; skipping the format check");
    }
    if has_component("clippy") {
        step("lints");
        cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--quiet",
            "--",
            "-D",
            "warnings",
        ])?;
    } else {
        eprintln!("xtask: clippy is not installed; skipping the lints");
    }
    step("tests");
    let mut args = vec!["test", "--workspace", "--all-targets"];
    args.extend(rest.iter().map(String::as_str));
    cargo(&args)
}

fn bench(rest: &[String]) -> Result<(), String> {
    let mut args = vec!["bench", "--package", "ringside-tests"];
    args.extend(rest.iter().map(String::as_str));
    cargo(&args)
}

fn step(name: &str) {
    eprintln!("── xtask: {name}");
}

fn has_component(subcommand: &str) -> bool {
    Command::new(cargo_bin())
        .args([subcommand, "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn cargo(args: &[&str]) -> Result<(), String> {
    let status = Command::new(cargo_bin())
        .args(args)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}
