//! The app as an agent's machine gets it: the `.deb` that Tauri's bundler made (`cargo xtask
//! test` packages the debug build and names it in `RINGSIDE_TEST_DEB`; `cargo xtask bundle` makes
//! the release one) is installed with `apt-get install ./….deb`, started from its desktop
//! entry's `Exec` line under the virtual display, seen in the tray and on screen, and removed.
//! The test needs root (apt-get), as on CI's machine.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/environment.rs"]
mod environment;
#[path = "support/panel.rs"]
mod panel;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use environment::Need;
use panel::{App, Panel};

/// The package's name, from `productName` in `tauri.conf.json`.
const PACKAGE: &str = "ringside";
/// Where its desktop entry is installed.
const DESKTOP_ENTRY: &str = "/usr/share/applications/Ringside.desktop";

fn dpkg_deb(args: &[&str], deb: &Path, after: &[&str]) -> String {
    let out = Command::new("dpkg-deb")
        .args(args)
        .arg(deb)
        .args(after)
        .output()
        .unwrap();
    assert!(out.status.success(), "dpkg-deb {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// `apt-get` as root, waiting for dpkg's lock rather than failing when another install runs.
fn apt_get(args: &[&str]) -> std::process::Output {
    Command::new("apt-get")
        .args(["-y", "-q", "-o", "DPkg::Lock::Timeout=300"])
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .expect("apt-get runs")
}

fn installed() -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", PACKAGE])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout) == "install ok installed")
}

/// Removes the package when dropped, so a failed assertion leaves the machine as it was.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        let out = apt_get(&["remove", "--purge", PACKAGE]);
        if !out.status.success() {
            eprintln!("cannot remove {PACKAGE}: {out:?}");
        }
    }
}

/// The command of a desktop entry's `Exec` key, without its field codes (`%U`, `%f`…), split
/// into words as the Desktop Entry Specification quotes them.
fn exec_words(entry: &str) -> Vec<String> {
    let exec = entry
        .lines()
        .find_map(|l| l.strip_prefix("Exec="))
        .expect("the desktop entry has an Exec line")
        // The string escape (`\\` for a backslash) applies before the quoting.
        .replace("\\\\", "\\");
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut chars = exec.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => word.extend(chars.next()),
            ' ' if !quoted => words.push(std::mem::take(&mut word)),
            c => word.push(c),
        }
    }
    words.push(word);
    words
        .into_iter()
        .filter(|w| !w.is_empty() && !is_field_code(w))
        .collect()
}

/// `%U`, `%f` and the like, which the launcher replaces with files or URLs.
fn is_field_code(word: &str) -> bool {
    word.len() == 2 && word.starts_with('%')
}

/// Where `PATH` finds `program` (a path is taken as it is).
fn resolve(program: &str) -> PathBuf {
    if program.contains('/') {
        return PathBuf::from(program);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("`{program}` is not on PATH"))
}

#[test]
fn desktop_entry_exec_lines_are_read_as_the_specification_quotes_them() {
    assert_eq!(exec_words("[Desktop Entry]\nExec=ringside\n"), ["ringside"]);
    assert_eq!(
        exec_words("Exec=\"/opt/my apps/ringside\" --flag %U\n"),
        ["/opt/my apps/ringside", "--flag"]
    );
    assert_eq!(exec_words("Exec=\"a\\\\\"b\"\n"), ["a\"b"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_deb_installs_and_the_app_starts_from_its_menu_entry_into_the_tray() {
    let test = "the_deb_installs_and_the_app_starts_from_its_menu_entry_into_the_tray";
    if !environment::require(
        test,
        &[
            Need::TestEnvironment,
            Need::Display,
            Need::SessionBus,
            Need::Package,
            Need::Xdotool,
        ],
    ) {
        return;
    }
    let deb = PathBuf::from(std::env::var_os("RINGSIDE_TEST_DEB").expect("checked above"));
    let deb = std::fs::canonicalize(deb).unwrap();

    // What the package says it is and holds: the binary, a menu entry, the icon at every size
    // a desktop asks for, and the libraries it needs at run time.
    let depends = dpkg_deb(&["-f"], &deb, &["Depends"]);
    for library in [
        "libwebkit2gtk-4.1-0",
        "libgtk-3-0",
        "libayatana-appindicator3-1",
    ] {
        assert!(depends.contains(library), "{library} not in {depends}");
    }
    let contents = dpkg_deb(&["-c"], &deb, &[]);
    // `dpkg-deb -c` lists `usr/…` or `./usr/…`, after the size and date.
    let holds = |path: &str| {
        contents
            .lines()
            .any(|l| l.ends_with(&format!(" {path}")) || l.ends_with(&format!(" .{path}")))
    };
    for file in ["/usr/bin/ringside", DESKTOP_ENTRY] {
        assert!(
            holds(file.trim_start_matches('/')) || holds(file),
            "{file} not in the package:\n{contents}"
        );
    }
    for size in [
        "16x16", "24x24", "32x32", "48x48", "64x64", "128x128", "256x256", "512x512",
    ] {
        let icon = format!("usr/share/icons/hicolor/{size}/apps/ringside.png");
        assert!(
            holds(&icon) || holds(&format!("/{icon}")),
            "no {size} icon in the package:\n{contents}"
        );
    }

    // Installed as an admin would.
    let out = apt_get(&["install", "--reinstall", deb.to_str().unwrap()]);
    assert!(out.status.success(), "apt-get install: {out:?}");
    let _installed = Installed;
    assert!(installed(), "dpkg does not list {PACKAGE} as installed");
    let entry = std::fs::read_to_string(DESKTOP_ENTRY).unwrap();
    assert!(entry.contains("Name=Ringside"), "{entry}");
    assert!(entry.contains("Icon=ringside"), "{entry}");

    // Started as the desktop's menu starts it, with fresh per-user directories.
    let words = exec_words(&entry);
    let program = resolve(&words[0]);
    assert_eq!(
        std::fs::canonicalize(&program).unwrap(),
        Path::new("/usr/bin/ringside"),
        "the menu entry starts the installed binary"
    );
    let home = tempfile::tempdir().unwrap();
    let panel = Panel::start().await;
    let app = App(Command::new(&program)
        .args(&words[1..])
        .env("RINGSIDE_DATA_DIR", home.path().join("data"))
        .env("XDG_DATA_HOME", home.path().join("share"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .spawn()
        .unwrap());
    panel
        .until_item_of(app.pid(), Duration::from_secs(40))
        .await;
    panel::until(
        "the main window (the first run's setup)",
        Duration::from_secs(40),
        || !panel::visible_windows(app.pid(), "Ringside").is_empty(),
    )
    .await;
    drop(app);
}
