//! What the tasks need beyond the Rust toolchain, installed when missing; what cannot be
//! installed fails the task with its name and how to install it by hand, never a silent skip.
//!
//! - The system packages of the desktop app and of the admin console's browser tests (Debian's
//!   Chromium and chromedriver), on Debian and Ubuntu: each is checked with
//!   `dpkg-query`; only the missing ones are installed, with `apt-get install
//!   --no-install-recommends` (through `sudo` when not root). `dbus-x11` is never installed: with
//!   it, an app started without a bus spawns daemons that outlive it.
//! - The toolchain's components rustfmt and clippy, with `rustup component add`.
//! - cargo-nextest, tauri-driver, tauri-cli and cargo-deb, with `cargo install --locked`.

use std::process::Command;

/// To build the shell (Tauri 2 on WebKitGTK 4.1).
pub const BUILD: &[&str] = &[
    "libwebkit2gtk-4.1-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "libssl-dev",
    "pkg-config",
    "build-essential",
    "file",
    // The release link order (`src-tauri/build.rs`, `cargo xtask start-order`).
    "lld",
];

/// To run it with a tray icon (without it Tauri panics when it creates the tray).
pub const RUN: &[&str] = &["libayatana-appindicator3-1"];

/// The one test environment: a virtual display, a session bus, an unlocked keyring and a
/// notification daemon.
pub const TEST: &[&str] = &[
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "x11-utils",
    "xdotool",
    "keyutils",
    "gnome-keyring",
    "libsecret-tools",
    "dunst",
    "libnotify-bin",
    "dbus",
];

/// The hub's package test (tests/tests/package/): `systemd-analyze` (systemd) rates the
/// unit, `deb-systemd-helper` (init-system-helpers, which systemd brings) enables it, `adduser`
/// makes the hub's user in postinst, `setpriv` and `unshare` (util-linux) run the installed hub
/// as that user in its sandbox, `strace` records its system calls for the unit's filters, and
/// `dpkg-shlibdeps` (dpkg-dev) gives cargo-deb the package's `Depends`.
pub const HUB_PACKAGE_TEST: &[&str] = &[
    "systemd",
    "init-system-helpers",
    "adduser",
    "util-linux",
    "strace",
    "dpkg-dev",
];

/// The admin console's browser tests (tests/tests/console_browser.rs, tests/src/browser.rs):
/// Debian's Chromium, run headless, and its WebDriver, chromedriver. They install
/// `/usr/bin/chromium` and `/usr/bin/chromedriver`, the paths the harness starts. The tests run
/// with the engine's, in the quick loop too.
pub const CONSOLE_BROWSER: &[&str] = &["chromium", "chromium-driver"];

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}\\n", package])
        .output()
        .map(|o| o.status.success() && status_says_installed(&String::from_utf8_lossy(&o.stdout)))
        .unwrap_or(false)
}

/// Whether `dpkg-query -W -f='${Status}\n'` says the package is installed: its status is three
/// words (wanted, error flag, state), one line per architecture, and only the state `installed`
/// counts. A package dpkg has heard of but never installed reads `unknown ok not-installed`, one
/// removed with its configuration kept `deinstall ok config-files`, one whose set-up was
/// interrupted `install ok half-configured`.
fn status_says_installed(status: &str) -> bool {
    let mut lines = status.lines().filter(|l| !l.trim().is_empty()).peekable();
    lines.peek().is_some()
        && lines.all(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            matches!(words.as_slice(), [_, "ok", "installed"])
        })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Installs whichever of `packages` is missing.
pub fn ensure(packages: &[&[&str]]) -> Result<(), String> {
    if Command::new("dpkg-query")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!(
            "xtask: not a Debian or Ubuntu system; make sure these are installed: {}",
            packages.concat().join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = packages
        .concat()
        .into_iter()
        .filter(|p| !installed(p))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("── xtask: installing {}", missing.join(" "));
    let apt = |args: &[&str]| -> Result<(), String> {
        let mut command = if is_root() {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        let status = command
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .map_err(|e| format!("cannot run apt-get: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!(
                "`apt-get {}` failed ({status}); install them by hand: {}",
                args.join(" "),
                missing.join(" ")
            ))
        }
    };
    apt(&["update", "-qq"])?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend(missing.iter().copied());
    apt(&args)
}

/// The test environment of LINUX-DESKTOP-NOTES.md around `inner` (a shell command): Xvfb, a
/// private session bus, a fresh kernel keyring, an unlocked GNOME Keyring and dunst.
pub fn in_test_environment(inner: &str) -> Command {
    let script = format!(
        r#"set -e
keyring_home=$(mktemp -d)
eval "$(printf ringside | HOME="$keyring_home" gnome-keyring-daemon --unlock --components=secrets --daemonize)"
export GNOME_KEYRING_CONTROL
export RINGSIDE_NOTIFICATIONS_LOG="$keyring_home/notifications.log"
dunst -print > "$RINGSIDE_NOTIFICATIONS_LOG" 2>/dev/null &
dunst_pid=$!
trap 'kill $dunst_pid 2>/dev/null || true; rm -rf "$keyring_home"' EXIT
export RINGSIDE_DESKTOP_TEST_ENV=1
{inner}"#
    );
    let mut command = Command::new("xvfb-run");
    command.args([
        "-a",
        "-s",
        "-screen 0 1280x800x24 -nolisten tcp",
        "dbus-run-session",
        "--",
        "keyctl",
        "session",
        "ringside-tests",
        "bash",
        "-c",
        &script,
    ]);
    command
}

/// `tauri-driver` (WebDriver for Tauri apps), for the end-to-end tests.
pub fn ensure_tauri_driver(cargo: &str) -> Result<(), String> {
    let found = || {
        Command::new("tauri-driver").arg("--help").output().is_ok()
            || cargo_bin_dir().is_some_and(|bin| bin.join("tauri-driver").exists())
    };
    if found() {
        return Ok(());
    }
    cargo_install(cargo, "tauri-driver", Some("^2"))?;
    installed_or_fail(
        found(),
        "tauri-driver",
        "cargo install tauri-driver --version '^2' --locked",
    )
}

/// `cargo-tauri` (Tauri's command line, whose bundler makes the `.deb` and `.rpm`), version 2
/// like the `tauri` crate.
pub fn ensure_tauri_cli(cargo: &str) -> Result<(), String> {
    let found = || cargo_subcommand_answers(cargo, "tauri");
    if found() {
        return Ok(());
    }
    cargo_install(cargo, "tauri-cli", Some("^2"))?;
    installed_or_fail(
        found(),
        "tauri-cli",
        "cargo install tauri-cli --version '^2' --locked",
    )
}

/// `cargo deb`, which makes the hub's Debian package (`cargo xtask bundle`, and the package
/// test from the debug build), major version 3.
pub fn ensure_cargo_deb(cargo: &str) -> Result<(), String> {
    let found = || cargo_subcommand_answers(cargo, "deb");
    if found() {
        return Ok(());
    }
    cargo_install(cargo, "cargo-deb", Some("^3"))?;
    installed_or_fail(
        found(),
        "cargo-deb",
        "cargo install cargo-deb --version '^3' --locked",
    )
}

/// `cargo nextest`, which runs the engine's tests in `cargo xtask test`: on the machines this
/// project runs on it comes with Rust; elsewhere it is installed once (a few minutes).
pub fn ensure_nextest(cargo: &str) -> Result<(), String> {
    let found = || cargo_subcommand_answers(cargo, "nextest");
    if found() {
        return Ok(());
    }
    cargo_install(cargo, "cargo-nextest", None)?;
    installed_or_fail(
        found(),
        "cargo-nextest",
        "cargo install cargo-nextest --locked",
    )
}

/// A component of the Rust toolchain and the cargo subcommand it brings.
#[derive(Debug, Clone, Copy)]
pub struct Component {
    /// Its name for `rustup component add`.
    pub name: &'static str,
    /// The cargo subcommand it brings (`cargo fmt`, `cargo clippy`).
    pub subcommand: &'static str,
}

/// The formatter, for `cargo fmt --check`.
pub const RUSTFMT: Component = Component {
    name: "rustfmt",
    subcommand: "fmt",
};

/// The linter, for `cargo clippy`.
pub const CLIPPY: Component = Component {
    name: "clippy",
    subcommand: "clippy",
};

/// Adds whichever of `components` is missing with `rustup component add` (from the Rust
/// distribution server). When that cannot be done the task fails and says how to do it by hand:
/// the format check and the lints are never skipped.
pub fn ensure_components(cargo: &str, components: &[Component]) -> Result<(), String> {
    let missing = |components: &[Component]| -> Vec<Component> {
        components
            .iter()
            .copied()
            .filter(|c| !cargo_subcommand_answers(cargo, c.subcommand))
            .collect()
    };
    let absent = missing(components);
    if absent.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = absent.iter().map(|c| c.name).collect();
    let by_hand = format!("rustup component add {}", names.join(" "));
    eprintln!("── xtask: installing {} (`{by_hand}`)", names.join(" "));
    // rustup installs itself beside cargo's programs, which need not be on PATH.
    let rustup = cargo_bin_dir()
        .map(|bin| bin.join("rustup"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| "rustup".into());
    let status = Command::new(&rustup)
        .args(["component", "add"])
        .args(&names)
        .status();
    let failed = match status {
        Ok(status) if status.success() => None,
        Ok(status) => Some(format!("`{by_hand}` failed ({status})")),
        Err(e) => Some(format!("cannot run rustup ({e})")),
    };
    if let Some(why) = failed {
        return Err(format!(
            "{} {} not installed, and {why}. Install {} with `{by_hand}` (it needs the Rust \
             distribution server) and run this again",
            names.join(" and "),
            if names.len() == 1 { "is" } else { "are" },
            if names.len() == 1 { "it" } else { "them" },
        ));
    }
    match missing(components).first() {
        None => Ok(()),
        Some(still) => Err(format!(
            "rustup added {} but `cargo {} --version` still fails; install it with `{by_hand}` \
             for the toolchain cargo uses",
            still.name, still.subcommand
        )),
    }
}

/// Whether `cargo <subcommand> --version` answers.
fn cargo_subcommand_answers(cargo: &str, subcommand: &str) -> bool {
    Command::new(cargo)
        .args([subcommand, "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// After an install that said it succeeded: the program must now be found.
fn installed_or_fail(found: bool, krate: &str, by_hand: &str) -> Result<(), String> {
    if found {
        Ok(())
    } else {
        Err(format!(
            "`cargo install {krate}` finished but {krate} is still not found; install it with \
             `{by_hand}` and make sure cargo's bin directory is on PATH"
        ))
    }
}

/// Cargo's own `bin` directory, where `cargo install` puts programs.
fn cargo_bin_dir() -> Option<std::path::PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".cargo")))
        .map(|home| home.join("bin"))
}

/// `cargo install <krate> [--version <version>] --locked` (several minutes, once).
fn cargo_install(cargo: &str, krate: &str, version: Option<&str>) -> Result<(), String> {
    eprintln!("── xtask: installing {krate} (once; it takes a few minutes)");
    let mut args = vec!["install", krate, "--locked"];
    if let Some(version) = version {
        args.extend(["--version", version]);
    }
    let status = Command::new(cargo)
        .args(&args)
        // Its own build directory, not the workspace's.
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .map_err(|e| format!("{krate} is missing and cargo install cannot run: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "{krate} is missing and `cargo {}` failed ({status}); install it by hand and run \
             this again",
            args.join(" ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::status_says_installed;

    /// The strings are `dpkg-query -W -f='${Status}\n'`'s own, read off Debian 12.
    #[test]
    fn only_the_installed_state_counts() {
        assert!(status_says_installed("install ok installed\n"));
        assert!(status_says_installed("hold ok installed\n"));
        assert!(status_says_installed(
            "install ok installed\ninstall ok installed\n"
        ));
        for missing in [
            "unknown ok not-installed\n",
            "deinstall ok config-files\n",
            "install ok half-configured\n",
            "install ok unpacked\n",
            "install reinstreq half-installed\n",
            "install ok installed\nunknown ok not-installed\n",
            "",
        ] {
            assert!(!status_says_installed(missing), "{missing:?}");
        }
    }
}
