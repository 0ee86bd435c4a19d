//! `cargo xtask`: the project's set-up and orchestration, so that the README's two commands
//! work on a fresh Debian or Ubuntu machine that has Rust.
//!
//! - `cargo xtask demo`: the desktop app in demo mode, on the built-in sandbox
//!   (`--cli`, `--json` or `--keep-running`: the headless demo of `ringside-cli` instead).
//! - `cargo xtask test`: formatting, lints (warnings fail) and every test of the workspace, run
//!   inside the one desktop test environment (virtual display, session bus, keyring, dunst).
//! - `cargo xtask bench`: the benchmarks, in release mode; they print figures.
//! - `cargo xtask bench-desktop [--starts N] [--rings N]`: the desktop app's benchmark (cold
//!   start, ring → card visible, memory of the whole process tree) beside an empty Tauri
//!   window, release builds, in the desktop test environment
//!   (`src-tauri/examples/bench_desktop.rs`).
//! - `cargo xtask in-env <command…>`: any command inside the desktop test environment, e.g.
//!   `cargo xtask in-env cargo test -p ringside --test e2e` to run one test binary.
//! - `cargo xtask screenshots`: the README's screenshots of the desktop app (each kind of card,
//!   the main window), taken over WebDriver in the test environment into
//!   `src-tauri/screenshots/`.
//!
//! It uses only the standard library, so it builds in a second. The desktop shell's Debian
//! packages are installed from here when missing ([`setup`]).

mod setup;

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
        "bench-desktop" => bench_desktop(rest),
        "in-env" => in_env(rest),
        "screenshots" => screenshots(),
        "help" | "--help" | "-h" => {
            println!(
                "usage: cargo xtask <demo|test|bench|bench-desktop|screenshots|in-env> [args passed on]"
            );
            Ok(())
        }
        other => Err(format!(
            "unknown task `{other}` (expected demo, test, bench, bench-desktop, screenshots or in-env)"
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
    let headless = ["--cli", "--json", "--keep-running"];
    if rest.iter().any(|a| headless.contains(&a.as_str())) {
        let mut args = vec!["run", "--quiet", "--package", "ringside-cli", "--", "demo"];
        args.extend(rest.iter().map(String::as_str).filter(|a| *a != "--cli"));
        return cargo(&args);
    }
    setup::ensure(&[setup::BUILD, setup::RUN])?;
    let display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()));
    if !display {
        return Err(
            "no display (DISPLAY and WAYLAND_DISPLAY are unset). Run the app on a virtual \
             one with `xvfb-run -a dbus-run-session -- cargo xtask demo` (install xvfb and dbus \
             first), or see the cards in the terminal with `cargo xtask demo --cli`"
                .to_owned(),
        );
    }
    let mut args = vec!["run", "--quiet", "--package", "ringside", "--", "--demo"];
    args.extend(rest.iter().map(String::as_str));
    cargo(&args)
}

fn test(rest: &[String]) -> Result<(), String> {
    setup::ensure(&[setup::BUILD, setup::RUN, setup::TEST])?;
    setup::ensure_tauri_driver(&cargo_bin())?;
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
    step("tests (under Xvfb, with a session bus, an unlocked keyring and dunst)");
    let mut args = vec![
        shell_quote(&cargo_bin()),
        "test".to_owned(),
        "--workspace".to_owned(),
        // Every target but the benchmarks: they print figures (`cargo xtask bench`) and would
        // only slow the tests down in a debug build.
        "--lib".to_owned(),
        "--bins".to_owned(),
        "--tests".to_owned(),
        "--examples".to_owned(),
    ];
    args.extend(rest.iter().map(|a| shell_quote(a)));
    let status = setup::in_test_environment(&args.join(" "))
        // The fuzz properties of the engine run all of their 100,000 cases here, a twentieth
        // of them in a plain `cargo test`.
        .env("RINGSIDE_FUZZ", "full")
        .status()
        .map_err(|e| format!("cannot run xvfb-run: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the tests failed ({status})"))
    }
}

/// Runs one command inside the test environment (after installing what it needs).
fn in_env(rest: &[String]) -> Result<(), String> {
    if rest.is_empty() {
        return Err(
            "in-env needs a command, e.g. `cargo xtask in-env cargo test -p ringside`".into(),
        );
    }
    setup::ensure(&[setup::BUILD, setup::RUN, setup::TEST])?;
    setup::ensure_tauri_driver(&cargo_bin())?;
    let command: Vec<String> = rest.iter().map(|a| shell_quote(a)).collect();
    let status = setup::in_test_environment(&command.join(" "))
        .status()
        .map_err(|e| format!("cannot run xvfb-run: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", rest.join(" ")))
    }
}

/// The README's screenshots: the ignored `screenshots` test of the desktop crate, in the test
/// environment.
fn screenshots() -> Result<(), String> {
    in_env(&[
        cargo_bin(),
        "test".into(),
        "--package".into(),
        "ringside".into(),
        "--test".into(),
        "screenshots".into(),
        "--".into(),
        "--ignored".into(),
        "--nocapture".into(),
    ])
}

fn shell_quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

fn bench(rest: &[String]) -> Result<(), String> {
    let mut args = vec!["bench", "--package", "ringside-tests"];
    args.extend(rest.iter().map(String::as_str));
    cargo(&args)
}

/// The desktop benchmark: `ringside` in release (as shipped, without the dev-dependencies'
/// features), then the baseline and the driver (examples), then the driver in the test
/// environment.
fn bench_desktop(rest: &[String]) -> Result<(), String> {
    setup::ensure(&[setup::BUILD, setup::RUN, setup::TEST])?;
    step("release build of ringside");
    cargo(&[
        "build",
        "--release",
        "--package",
        "ringside",
        "--bin",
        "ringside",
    ])?;
    step("release build of the empty window baseline and the benchmark driver");
    cargo(&[
        "build",
        "--release",
        "--package",
        "ringside",
        "--example",
        "empty_window",
        "--example",
        "bench_desktop",
    ])?;
    let release = target_dir().join("release");
    let mut command = vec![
        release.join("examples/bench_desktop").display().to_string(),
        "--app".into(),
        release.join("ringside").display().to_string(),
        "--baseline".into(),
        release.join("examples/empty_window").display().to_string(),
    ];
    command.extend(rest.iter().cloned());
    in_env(&command)
}

/// Where cargo builds: `CARGO_TARGET_DIR`, else `target/` at the workspace's root.
fn target_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
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
