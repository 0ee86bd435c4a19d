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
//! - `cargo xtask bundle [--debug]`: the Debian and RPM packages of the desktop app, built by
//!   Tauri's bundler (`cargo tauri build`; `tauri-cli` is installed with `cargo install` when
//!   missing), into `<target>/release/bundle/{deb,rpm}/`.
//! - `cargo xtask icons`: the app icon's PNGs at every size the bundle installs (16 to 512 px),
//!   drawn from `icons/ringside.svg` with `rsvg-convert` (Debian's `librsvg2-bin`, installed when
//!   missing) into `icons/`.
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
        "bundle" => bundle(rest).map(|packages| {
            for package in packages {
                println!("{}", package.display());
            }
        }),
        "screenshots" => screenshots(),
        "icons" => icons(),
        "help" | "--help" | "-h" => {
            println!(
                "usage: cargo xtask <demo|test|bench|bench-desktop|bundle|icons|screenshots|in-env> [args passed on]"
            );
            Ok(())
        }
        other => Err(format!(
            "unknown task `{other}` (expected demo, test, bench, bench-desktop, bundle, icons, screenshots or in-env)"
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
    // Every target but the benchmarks: they print figures (`cargo xtask bench`) and would only
    // slow the tests down in a debug build.
    let targets = ["--workspace", "--lib", "--bins", "--tests", "--examples"];
    step("building the tests");
    let mut build = vec!["test", "--no-run"];
    build.extend(targets);
    build.extend(rest.iter().map(String::as_str).take_while(|a| *a != "--"));
    cargo(&build)?;
    // The package test installs the app from its `.deb`: the debug binary the tests were just
    // built with, packaged by Tauri's bundler (a release build would take minutes more).
    step("packaging the debug build for the package test");
    let deb = package(Profile::Debug, &["deb"], false)?
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .ok_or("the bundler made no .deb")?;
    step("tests (under Xvfb, with a session bus, an unlocked keyring and dunst)");
    let mut args = vec![shell_quote(&cargo_bin()), "test".to_owned()];
    args.extend(targets.iter().map(|a| a.to_string()));
    args.extend(rest.iter().map(|a| shell_quote(a)));
    let status = setup::in_test_environment(&args.join(" "))
        .env(PACKAGE_VARIABLE, &deb)
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

/// The variable that gives the package test the `.deb` to install.
const PACKAGE_VARIABLE: &str = "RINGSIDE_TEST_DEB";

/// Which build a package holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    Debug,
    Release,
}

/// `cargo xtask bundle [--debug]`: the release build (or the debug one) of the desktop app,
/// packaged as `.deb` and `.rpm` by Tauri's bundler.
fn bundle(rest: &[String]) -> Result<Vec<std::path::PathBuf>, String> {
    let profile = match rest {
        [] => Profile::Release,
        [flag] if flag == "--debug" => Profile::Debug,
        _ => return Err("usage: cargo xtask bundle [--debug]".into()),
    };
    setup::ensure(&[setup::BUILD, setup::RUN])?;
    package(profile, &["deb", "rpm"], true)
}

/// Packages the desktop app with Tauri's bundler (`cargo tauri`, installed when missing) and
/// returns the packages made. With `build`, `cargo tauri build` compiles the app first (as
/// shipped: Tauri's `custom-protocol` feature on); without it, `cargo tauri bundle` packages the
/// binary already in the target directory.
fn package(
    profile: Profile,
    formats: &[&str],
    build: bool,
) -> Result<Vec<std::path::PathBuf>, String> {
    setup::ensure_tauri_cli(&cargo_bin())?;
    let dir = target_dir().join(match profile {
        Profile::Debug => "debug",
        Profile::Release => "release",
    });
    let bundles = dir.join("bundle");
    // Packages of an earlier version must not be taken for this one.
    let _ = std::fs::remove_dir_all(&bundles);
    let formats = formats.join(",");
    let mut args = vec![
        "tauri",
        if build { "build" } else { "bundle" },
        "--bundles",
        &formats,
    ];
    if profile == Profile::Debug {
        args.push("--debug");
    }
    let status = Command::new(cargo_bin())
        .args(&args)
        .current_dir(workspace_root().join("src-tauri"))
        .env("CARGO_TARGET_DIR", target_dir())
        .env("CI", "true")
        .status()
        .map_err(|e| format!("cannot run cargo tauri: {e}"))?;
    if !status.success() {
        return Err(format!("`cargo {}` failed ({status})", args.join(" ")));
    }
    let mut made = Vec::new();
    for format in formats.split(',') {
        let found: Vec<_> = std::fs::read_dir(bundles.join(format))
            .map_err(|e| format!("no {format} bundle in {}: {e}", bundles.display()))?
            .flatten()
            .map(|entry| entry.path())
            .filter(|p| p.extension().is_some_and(|e| e == format))
            .collect();
        if found.is_empty() {
            return Err(format!(
                "the bundler made no .{format} in {}",
                bundles.display()
            ));
        }
        made.extend(found);
    }
    Ok(made)
}

/// The PNG sizes of the app icon: the hicolor theme's usual sizes, Tauri's `128x128@2x`
/// (installed as `128x128@2`) and `icon.png`, the 512 px one. `32x32.png` comes first in
/// `tauri.conf.json`'s list: Tauri takes the first PNG as the windows' icon, and the tray draws
/// its state dot on that one each time the state changes.
const ICON_SIZES: &[(&str, u32)] = &[
    ("16x16", 16),
    ("24x24", 24),
    ("32x32", 32),
    ("48x48", 48),
    ("64x64", 64),
    ("128x128", 128),
    ("128x128@2x", 256),
    ("256x256", 256),
    ("icon", 512),
];

/// `cargo xtask icons`: every PNG of the app icon from its SVG.
fn icons() -> Result<(), String> {
    setup::ensure(&[&["librsvg2-bin"]])?;
    let dir = workspace_root().join("icons");
    let svg = dir.join("ringside.svg");
    for (name, size) in ICON_SIZES {
        let png = dir.join(format!("{name}.png"));
        let size = size.to_string();
        let status = Command::new("rsvg-convert")
            .args(["--width", &size, "--height", &size, "--keep-aspect-ratio"])
            .arg("--output")
            .arg(&png)
            .arg(&svg)
            .status()
            .map_err(|e| format!("cannot run rsvg-convert: {e}"))?;
        if !status.success() {
            return Err(format!(
                "rsvg-convert failed for {} ({status})",
                png.display()
            ));
        }
        println!("{}", png.display());
    }
    Ok(())
}

/// The workspace's root directory.
fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where cargo builds: `CARGO_TARGET_DIR`, else `target/` at the workspace's root.
fn target_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
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
