//! What the desktop tests need from the test environment of `cargo xtask test` (Xvfb, a session
//! bus, an unlocked GNOME Keyring, dunst, tauri-driver and WebKitWebDriver), and what a test does
//! when part of it is missing: under CI (`CI` set, or inside `cargo xtask test`, which sets
//! `RINGSIDE_DESKTOP_TEST_ENV=1`) it fails and names what is missing, so a missing package never
//! passes as green; elsewhere (a plain `cargo test`) it is skipped with the reason printed.

// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// One thing a test needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Run inside `cargo xtask test` (`RINGSIDE_DESKTOP_TEST_ENV`).
    TestEnvironment,
    /// An X display (Xvfb).
    Display,
    /// A session bus.
    SessionBus,
    /// An unlocked GNOME Keyring on that bus (`GNOME_KEYRING_CONTROL`).
    Keyring,
    /// dunst writing the notifications it shows to a log (`RINGSIDE_NOTIFICATIONS_LOG`).
    Notifications,
    /// `tauri-driver`, installed by `cargo xtask test`.
    TauriDriver,
    /// `WebKitWebDriver` (Debian's `webkit2gtk-driver`).
    WebKitWebDriver,
    /// The app's `.deb`, which `cargo xtask test` builds and names in `RINGSIDE_TEST_DEB`.
    Package,
    /// `xdotool`, to see and handle the app's windows on the X display.
    Xdotool,
}

/// What the end-to-end tests over WebDriver need.
pub const WEBDRIVER: &[Need] = &[
    Need::TestEnvironment,
    Need::Display,
    Need::SessionBus,
    Need::Keyring,
    Need::TauriDriver,
    Need::WebKitWebDriver,
];

/// Reads the environment: a variable by name, and a program's path.
pub trait Lookup {
    /// The variable's value, if set.
    fn var(&self, name: &str) -> Option<OsString>;
    /// Where the program is, if it is installed.
    fn program(&self, name: &str) -> Option<PathBuf>;
}

/// The process's own environment and `PATH`.
pub struct Process;

impl Lookup for Process {
    fn var(&self, name: &str) -> Option<OsString> {
        std::env::var_os(name).filter(|v| !v.is_empty())
    }

    fn program(&self, name: &str) -> Option<PathBuf> {
        let cargo_bin = self
            .var("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| self.var("HOME").map(|h| Path::new(&h).join(".cargo")))
            .map(|home| home.join("bin"));
        let path = self.var("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .chain(cargo_bin)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    }
}

impl Need {
    /// What is missing, in words, or `None` when it is there.
    fn missing(self, env: &impl Lookup) -> Option<&'static str> {
        let there = match self {
            Need::TestEnvironment => env.var("RINGSIDE_DESKTOP_TEST_ENV").is_some(),
            Need::Display => env.var("DISPLAY").is_some(),
            Need::SessionBus => env.var("DBUS_SESSION_BUS_ADDRESS").is_some(),
            Need::Keyring => env.var("GNOME_KEYRING_CONTROL").is_some(),
            Need::Notifications => env.var("RINGSIDE_NOTIFICATIONS_LOG").is_some(),
            Need::TauriDriver => env.program("tauri-driver").is_some(),
            Need::WebKitWebDriver => env.program("WebKitWebDriver").is_some(),
            Need::Package => env
                .var("RINGSIDE_TEST_DEB")
                .is_some_and(|p| Path::new(&p).is_file()),
            Need::Xdotool => env.program("xdotool").is_some(),
        };
        (!there).then_some(match self {
            Need::TestEnvironment => {
                "the test environment of `cargo xtask test` (RINGSIDE_DESKTOP_TEST_ENV is not set)"
            }
            Need::Display => "an X display (DISPLAY is not set: Xvfb, package xvfb)",
            Need::SessionBus => "a session bus (DBUS_SESSION_BUS_ADDRESS is not set: dbus-run-session)",
            Need::Keyring => {
                "an unlocked GNOME Keyring (GNOME_KEYRING_CONTROL is not set: package gnome-keyring)"
            }
            Need::Notifications => {
                "a notification daemon with its log (RINGSIDE_NOTIFICATIONS_LOG is not set: package dunst)"
            }
            Need::TauriDriver => "tauri-driver (`cargo install tauri-driver --version '^2' --locked`)",
            Need::WebKitWebDriver => "WebKitWebDriver (package webkit2gtk-driver)",
            Need::Package => {
                "the app's .deb (RINGSIDE_TEST_DEB does not name a file: `cargo xtask test` builds it)"
            }
            Need::Xdotool => "xdotool (package xdotool)",
        })
    }
}

/// Whether a missing environment fails the test: under CI, or inside `cargo xtask test`.
pub fn strict(env: &impl Lookup) -> bool {
    let ci = env
        .var("CI")
        .is_some_and(|v| !matches!(v.to_str(), Some("0" | "false" | "False" | "FALSE")));
    ci || env.var("RINGSIDE_DESKTOP_TEST_ENV").is_some()
}

/// What `test` lacks of `needs`: `Ok(())` when it may run, else the sentence to fail or skip
/// with.
pub fn verdict(test: &str, needs: &[Need], env: &impl Lookup) -> Result<(), String> {
    let missing: Vec<&str> = needs.iter().filter_map(|n| n.missing(env)).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("{test} needs {}", missing.join("; ")))
    }
}

/// Whether `test` can run here. When something it needs is missing it fails under CI (the
/// panic names what is missing) and is skipped elsewhere, saying why.
pub fn require(test: &str, needs: &[Need]) -> bool {
    match verdict(test, needs, &Process) {
        Ok(()) => true,
        Err(why) if strict(&Process) => panic!("{why}: install it or run `cargo xtask test`"),
        Err(why) => {
            eprintln!("skipped: {why} (run `cargo xtask test`)");
            false
        }
    }
}
