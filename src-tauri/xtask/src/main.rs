//! `cargo xtask`: the project's set-up and orchestration, so that the README's two commands
//! work on a fresh Debian or Ubuntu machine that has Rust.
//!
//! - `cargo xtask demo`: the desktop app in demo mode, on the built-in sandbox
//!   (`--cli`, `--json` or `--keep-running`: the headless demo of `ringside-cli` instead;
//!   `--hub`: the sandbox, a hub on it and the app in its normal mode, to play the agent's
//!   sign-in, see [`demo_hub`]).
//! - `cargo xtask test`: formatting, lints (warnings fail) and every test of the workspace: the
//!   engine's (every package but the desktop app: unit and integration tests) under
//!   cargo-nextest, with the fuzz properties in full, then the desktop app's under `cargo test`,
//!   inside the one desktop test environment (virtual display, session bus, keyring, dunst). It
//!   ends with the ten slowest tests (a desktop test binary counts as one), the time of each
//!   phase, and `N passed, N failed`. `.ci/run` runs it after the quick loop.
//! - `cargo xtask test --quick`: the loop to run while working, without Xvfb or a session bus:
//!   formatting, lints (the same, the desktop app's code included) and the engine's tests
//!   (ringside-core, ringside-sandbox, ringside-cli, ringside-tests and xtask, a twentieth of
//!   the fuzz cases), not the desktop app's. Under 5 minutes on two cores once the target
//!   directory is warm; it prints its time (`xtask: quick loop took N s`) and its ten slowest
//!   tests. After `--` either run takes test name filters and libtest's flags (`--exact`,
//!   `--ignored`…), given to nextest and to `cargo test` alike.
//!
//!   What a run needs is installed when missing: rustfmt and clippy (`rustup component add`),
//!   cargo-nextest, tauri-driver and tauri-cli (`cargo install`), the Debian packages
//!   (`apt-get`). When an install fails, the run fails and names what is missing: the format
//!   check, the lints or a test are never skipped.
//! - `cargo xtask bench`: the benchmarks, in release mode; they print figures.
//! - `cargo xtask bench-desktop [--starts N] [--rings N] [--demo]`: the desktop app's benchmark
//!   (cold start, ring → card visible, memory of the whole process tree) beside an empty Tauri
//!   window, release builds, in the desktop test environment
//!   (`src-tauri/examples/bench_desktop.rs`): the app in connected mode on a hub the benchmark
//!   runs apart, as agents run it; `--demo` measures demo mode (the hub inside the app).
//! - `cargo xtask start-order`: the release link order of the desktop app
//!   (`src-tauri/start-order.txt`), from the pages of code one start and one ring of it run
//!   (see [`start_order`]).
//! - `cargo xtask in-env <command…>`: any command inside the desktop test environment, e.g.
//!   `cargo xtask in-env cargo test -p ringside --test e2e` to run one test binary.
//! - `cargo xtask bundle [--debug] [--hub-only]`: the hub's Debian package
//!   `ringside-hub_<version>_amd64.deb` (cargo-deb, installed with `cargo install` when missing;
//!   see [`hub_deb`]) into `<target>/debian/`, then the Debian and RPM packages of the desktop
//!   app, built by Tauri's bundler (`cargo tauri build`; `tauri-cli` is installed with `cargo
//!   install` when missing), into `<target>/release/bundle/{deb,rpm}/`. `--hub-only` makes the
//!   hub's package alone, without building the desktop app.
//! - `cargo xtask icons`: the app icon's PNGs at every size the bundle installs (16 to 512 px),
//!   drawn from `icons/ringside.svg` with `rsvg-convert` (Debian's `librsvg2-bin`, installed when
//!   missing) into `icons/`.
//! - `cargo xtask screenshots`: the README's screenshots of the desktop app (each kind of card,
//!   the main window), taken over WebDriver in the test environment into
//!   `src-tauri/screenshots/`, then the admin console's pages in both languages, taken in
//!   headless Chromium into `src-tauri/screenshots/console/`.
//!
//! It uses only the standard library, so it builds in a second. What the tasks need is installed
//! from here when missing ([`setup`]); the end of a test run is read and told by [`report`].

mod demo_hub;
mod hub_deb;
mod report;
mod setup;
mod start_order;

use std::process::{Command, ExitCode};
use std::time::Instant;

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
        "start-order" => start_order::run(rest),
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
                "usage: cargo xtask <demo|test [--quick]|bench|bench-desktop|start-order|bundle [--debug] [--hub-only]|icons|screenshots|in-env> [args passed on]"
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
    if rest.iter().any(|a| a == "--hub") {
        cargo(&[
            "build",
            "--quiet",
            "--package",
            "ringside-cli",
            "--package",
            "ringside",
        ])?;
        let bin = target_dir().join("debug");
        return demo_hub::run(
            &bin.join("ringside-cli"),
            &bin.join("ringside"),
            &target_dir().join("xtask").join("demo-hub"),
        );
    }
    let mut args = vec!["run", "--quiet", "--package", "ringside", "--", "--demo"];
    args.extend(rest.iter().map(String::as_str));
    cargo(&args)
}

/// The desktop app's package: its tests need the desktop test environment.
const DESKTOP_PACKAGE: &str = "ringside";

/// The targets the tests are built from: every one but the benchmarks, which print figures
/// (`cargo xtask bench`) and would only slow the tests down in a debug build.
const TEST_TARGETS: [&str; 4] = ["--lib", "--bins", "--tests", "--examples"];

/// nextest's profiles for the engine's tests, written under the target directory at each run
/// (after a `[store]` table that puts nextest's files in the target directory too: nextest's
/// own default is `target/nextest` under the workspace, whatever `CARGO_TARGET_DIR` says) and
/// handed to nextest as a tool's configuration, so that a `.config/nextest.toml`, if the
/// workspace ever has one, still has the last word. Each profile writes a JUnit report, which
/// gives each test's time.
const NEXTEST_PROFILES: &str = r#"
# `cargo xtask test --quick`: the first failure stops the run.
[profile.xtask-quick]
fail-fast = true

[profile.xtask-quick.junit]
path = "junit.xml"

# `cargo xtask test`: every failure of the engine is reported before the run stops.
[profile.xtask]
fail-fast = false

[profile.xtask.junit]
path = "junit.xml"

# The hub's package test installs ringside-hub on this machine (/etc/ringside/hub.toml, which
# every command reads when no --config is given): it runs alone, so no other test reads the
# package's configuration meanwhile.
[[profile.xtask-quick.overrides]]
filter = 'binary_id(ringside-tests::package)'
threads-required = 'num-test-threads'

[[profile.xtask.overrides]]
filter = 'binary_id(ringside-tests::package)'
threads-required = 'num-test-threads'
"#;

const TEST_USAGE: &str =
    "usage: cargo xtask test [--quick] [-- <test name filters, --exact, --ignored…>]";

/// How many of the slowest tests a run names at its end.
const SLOWEST: usize = 10;

/// `cargo xtask test [--quick] [-- <test filters or flags for the test binaries>]`.
fn test(rest: &[String]) -> Result<(), String> {
    let started = Instant::now();
    let (flags, test_args) = match rest.iter().position(|a| a == "--") {
        Some(dash) => (&rest[..dash], &rest[dash + 1..]),
        None => (rest, &[][..]),
    };
    let quick = match flags {
        [] => false,
        [flag] if flag == "--quick" => true,
        _ => return Err(TEST_USAGE.into()),
    };
    let cargo_path = cargo_bin();
    // Everything the run needs, first: what is missing is installed, or the run fails here and
    // names it. Nothing is skipped.
    if quick {
        // The lints check the desktop app too, which builds against WebKitGTK.
        setup::ensure(&[
            setup::BUILD,
            setup::HUB_PACKAGE_TEST,
            setup::CONSOLE_BROWSER,
        ])?;
    } else {
        setup::ensure(&[
            setup::BUILD,
            setup::RUN,
            setup::TEST,
            setup::HUB_PACKAGE_TEST,
            setup::CONSOLE_BROWSER,
        ])?;
        setup::ensure_tauri_driver(&cargo_path)?;
        setup::ensure_tauri_cli(&cargo_path)?;
    }
    setup::ensure_components(&cargo_path, &[setup::RUSTFMT, setup::CLIPPY])?;
    setup::ensure_nextest(&cargo_path)?;
    // The hub's package test (tests/tests/package/) packages the debug build with it.
    setup::ensure_cargo_deb(&cargo_path)?;

    let mut phases = Phases::default();
    phases.run("formatting", || cargo(&["fmt", "--all", "--", "--check"]))?;
    phases.run("lints", || {
        cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--quiet",
            "--",
            "-D",
            "warnings",
        ])
    })?;
    // Built apart from the run, so that the time of each is known (nextest builds with the same
    // `cargo test --no-run`, and finds it done).
    let mut build = vec![
        "test",
        "--no-run",
        "--workspace",
        "--exclude",
        DESKTOP_PACKAGE,
    ];
    build.extend(TEST_TARGETS);
    phases.run("building the engine's tests", || cargo(&build))?;
    let (mut timed, mut counts) = phases.run(
        if quick {
            "the engine's tests (cargo nextest)"
        } else {
            "the engine's tests (cargo nextest), the fuzz properties in full"
        },
        || engine_tests(quick, test_args),
    )?;
    if !quick {
        let mut build = vec!["test", "--no-run", "--package", DESKTOP_PACKAGE];
        build.extend(TEST_TARGETS);
        phases.run("building the desktop app's tests", || cargo(&build))?;
        // The package test installs the app from its `.deb`: the debug binary the tests were
        // just built with, packaged by Tauri's bundler (a release build would take minutes
        // more).
        let deb = phases.run("packaging the debug build for the package test", || {
            package(Profile::Debug, &["deb"], false)?
                .into_iter()
                .find(|p| p.extension().is_some_and(|e| e == "deb"))
                .ok_or_else(|| "the bundler made no .deb".to_owned())
        })?;
        let (binaries, desktop_counts) = phases.run(
            "the desktop app's tests (cargo test, under Xvfb, with a session bus, an unlocked \
             keyring and dunst)",
            || desktop_tests(&deb, test_args),
        )?;
        timed.extend(binaries);
        counts += desktop_counts;
    }
    println!("xtask: the {SLOWEST} slowest tests");
    for line in report::slowest(&timed, SLOWEST) {
        println!("{line}");
    }
    println!(
        "xtask: {} took {} s ({})",
        if quick { "quick loop" } else { "full run" },
        started.elapsed().as_secs(),
        phases.summary()
    );
    // The closing line, in the form any reader of test logs knows.
    println!("xtask: {} passed, {} failed", counts.passed, counts.failed);
    Ok(())
}

/// The engine's tests (every package but the desktop app's) under cargo-nextest, which runs each
/// test in a process of its own, both cores busy until the last test ends. None of them needs
/// the desktop environment, and none shares state with another test of its binary. They return
/// the time of each test, read from nextest's JUnit report.
fn engine_tests(
    quick: bool,
    test_args: &[String],
) -> Result<(Vec<report::Timed>, report::Counts), String> {
    let profile = if quick { "xtask-quick" } else { "xtask" };
    let dir = target_dir().join("xtask");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    // nextest takes a tool's configuration by absolute path only.
    let dir = std::fs::canonicalize(&dir)
        .map_err(|e| format!("cannot resolve {}: {e}", dir.display()))?;
    let store = dir.parent().unwrap_or(&dir).join("nextest");
    let config = dir.join("nextest.toml");
    let text = format!(
        "# Written by `cargo xtask test` at each run (src-tauri/xtask/src/main.rs).\n\n\
         [store]\ndir = {}\n{NEXTEST_PROFILES}",
        toml_string(&store.display().to_string())
    );
    std::fs::write(&config, text).map_err(|e| format!("cannot write {}: {e}", config.display()))?;
    let junit = store.join(profile).join("junit.xml");
    // The report of an earlier run must not be taken for this one's.
    let _ = std::fs::remove_file(&junit);
    let mut command = Command::new(cargo_bin());
    command
        .args([
            "nextest",
            "run",
            "--workspace",
            "--exclude",
            DESKTOP_PACKAGE,
        ])
        .args(TEST_TARGETS)
        .args(["--profile", profile])
        .arg(format!("--tool-config-file=xtask:{}", config.display()));
    if !test_args.is_empty() {
        // Filters may leave none of the engine's tests: the desktop's may still match.
        command.arg("--no-tests=warn").arg("--").args(test_args);
    }
    if !quick {
        // The fuzz properties of the engine run all of their 100,000 cases here, a twentieth
        // of them in the quick loop and in a plain `cargo test`.
        command.env("RINGSIDE_FUZZ", "full");
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run cargo nextest: {e}"))?;
    if !status.success() {
        return Err(format!("the engine's tests failed ({status})"));
    }
    // nextest writes it even when filters leave no test.
    let xml = std::fs::read_to_string(&junit).map_err(|e| {
        format!(
            "nextest wrote no JUnit report at {} ({e}): is the workspace's \
             `.config/nextest.toml` changing the profile `{profile}`?",
            junit.display()
        )
    })?;
    report::read_junit(&xml).map_err(|e| format!("{}: {e}", junit.display()))
}

/// The desktop app's tests under `cargo test` inside the desktop test environment, as a
/// developer runs them (`cargo xtask in-env cargo test -p ringside`): one test binary at a
/// time, the tests of a binary in threads of one process. Some rely on that: `e2e_agent`'s take
/// turns on the keyring's one entry, and `e2e_i18n`'s on the cores, through a lock in the
/// process. They return the time of each binary, read from the run's output (kept in
/// `<target>/xtask/desktop-tests.log`).
fn desktop_tests(
    deb: &std::path::Path,
    test_args: &[String],
) -> Result<(Vec<report::Timed>, report::Counts), String> {
    let log = target_dir().join("xtask").join("desktop-tests.log");
    let mut command = vec![
        shell_quote(&cargo_bin()),
        "test".to_owned(),
        "--package".to_owned(),
        DESKTOP_PACKAGE.to_owned(),
    ];
    command.extend(TEST_TARGETS.iter().map(|a| a.to_string()));
    if !test_args.is_empty() {
        command.push("--".to_owned());
        command.extend(test_args.iter().map(|a| shell_quote(a)));
    }
    let script = format!(
        "set -o pipefail\n{} 2>&1 | tee {}",
        command.join(" "),
        shell_quote(&log.display().to_string())
    );
    let status = setup::in_test_environment(&script)
        .env(PACKAGE_VARIABLE, deb)
        .status()
        .map_err(|e| format!("cannot run xvfb-run: {e}"))?;
    if !status.success() {
        return Err(format!("the desktop app's tests failed ({status})"));
    }
    let text =
        std::fs::read_to_string(&log).map_err(|e| format!("cannot read {}: {e}", log.display()))?;
    Ok(report::read_cargo_test_log(DESKTOP_PACKAGE, &text))
}

/// `text` as a TOML basic string.
fn toml_string(text: &str) -> String {
    let mut quoted = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// The phases of a run and the time each took.
#[derive(Debug, Default)]
struct Phases(Vec<(&'static str, std::time::Duration)>);

impl Phases {
    /// Runs one phase, announced and timed.
    fn run<T>(
        &mut self,
        name: &'static str,
        phase: impl FnOnce() -> Result<T, String>,
    ) -> Result<T, String> {
        step(name);
        let started = Instant::now();
        let result = phase();
        self.0.push((name, started.elapsed()));
        result
    }

    /// `formatting 2 s, lints 14 s, …`
    fn summary(&self) -> String {
        self.0
            .iter()
            .map(|(name, took)| {
                let name = name.split(" (").next().unwrap_or(name);
                format!("{name} {} s", took.as_secs())
            })
            .collect::<Vec<_>>()
            .join(", ")
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
/// environment; then the admin console's pages in headless Chromium (no display needed), which
/// its browser test writes into `src-tauri/screenshots/console/` when `RINGSIDE_SCREENSHOTS=1`.
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
    ])?;
    setup::ensure(&[setup::CONSOLE_BROWSER])?;
    let args = [
        "test",
        "--package",
        "ringside-tests",
        "--test",
        "console_browser",
        "screenshots",
        "--",
        "--nocapture",
    ];
    let status = Command::new(cargo_bin())
        .args(args)
        .env("RINGSIDE_SCREENSHOTS", "1")
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

fn shell_quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

fn bench(rest: &[String]) -> Result<(), String> {
    let mut args = vec!["bench", "--package", "ringside-tests"];
    args.extend(rest.iter().map(String::as_str));
    cargo(&args)
}

/// Cargo's arguments for the desktop app's release build, as shipped.
const RELEASE_APP: [&str; 6] = [
    "build",
    "--release",
    "--package",
    "ringside",
    "--bin",
    "ringside",
];

/// The desktop benchmark: `ringside` in release (as shipped, without the dev-dependencies'
/// features), then the baseline and the driver (examples), then the driver in the test
/// environment.
fn bench_desktop(rest: &[String]) -> Result<(), String> {
    setup::ensure(&[setup::BUILD, setup::RUN, setup::TEST])?;
    step("release build of ringside");
    cargo(&RELEASE_APP)?;
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

const BUNDLE_USAGE: &str = "usage: cargo xtask bundle [--debug] [--hub-only]";

/// `cargo xtask bundle [--debug] [--hub-only]`: the release build (or the debug one) of the hub,
/// packaged as `ringside-hub_<version>_amd64.deb` by cargo-deb, then (unless `--hub-only`) the
/// desktop app's, packaged as `.deb` and `.rpm` by Tauri's bundler.
fn bundle(rest: &[String]) -> Result<Vec<std::path::PathBuf>, String> {
    let (profile, hub_only) = bundle_flags(rest)?;
    // dpkg-shlibdeps (dpkg-dev) computes the hub's `Depends`.
    setup::ensure(&[&["dpkg-dev"]])?;
    step("the hub's Debian package (cargo deb)");
    let mut made = vec![hub_deb::build(&cargo_bin(), &target_dir(), profile)?];
    if !hub_only {
        setup::ensure(&[setup::BUILD, setup::RUN])?;
        step("the desktop app's packages (cargo tauri build)");
        made.extend(package(profile, &["deb", "rpm"], true)?);
    }
    Ok(made)
}

/// `bundle`'s flags, in any order: the profile, and whether to make the hub's package alone.
fn bundle_flags(rest: &[String]) -> Result<(Profile, bool), String> {
    let mut profile = Profile::Release;
    let mut hub_only = false;
    for flag in rest {
        match flag.as_str() {
            "--debug" => profile = Profile::Debug,
            "--hub-only" => hub_only = true,
            _ => return Err(BUNDLE_USAGE.into()),
        }
    }
    Ok((profile, hub_only))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_quoted_for_toml() {
        assert_eq!(toml_string("/work/target"), r#""/work/target""#);
        assert_eq!(toml_string(r#"/a "b"\c"#), r#""/a \"b\"\\c""#);
        assert_eq!(toml_string("a\tb"), r#""a\u0009b""#);
    }

    #[test]
    fn bundle_takes_its_flags_in_any_order_and_refuses_others() {
        let flags =
            |args: &[&str]| bundle_flags(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>());
        assert_eq!(flags(&[]), Ok((Profile::Release, false)));
        assert_eq!(flags(&["--hub-only"]), Ok((Profile::Release, true)));
        assert_eq!(
            flags(&["--hub-only", "--debug"]),
            Ok((Profile::Debug, true))
        );
        assert_eq!(flags(&["--debug"]), Ok((Profile::Debug, false)));
        assert_eq!(flags(&["--hub"]), Err(BUNDLE_USAGE.to_owned()));
    }

    /// The profiles `engine_tests` asks nextest for are the ones it writes, each with its JUnit
    /// report where `engine_tests` reads it.
    #[test]
    fn both_profiles_write_their_junit_report() {
        for profile in ["xtask-quick", "xtask"] {
            assert!(NEXTEST_PROFILES.contains(&format!("[profile.{profile}]\n")));
            assert!(NEXTEST_PROFILES.contains(&format!(
                "[profile.{profile}.junit]\npath = \"junit.xml\"\n"
            )));
        }
    }
}
