//! One app per agent, seen from the desktop: starting `ringside` again while it runs (on the same
//! data directory) exits at once and brings the running app's main window back on screen; the
//! panel keeps one tray item. Runs inside the test environment of `cargo xtask test`.

#[path = "support/environment.rs"]
mod environment;
#[path = "support/panel.rs"]
mod panel;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use environment::Need;
use panel::{App, Panel};

/// `ringside` on `home`'s data and per-user directories, as a first run (no settings yet).
fn ringside(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ringside"));
    command
        .env("RINGSIDE_DATA_DIR", home.join("data"))
        .env("XDG_DATA_HOME", home.join("share"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"));
    command
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_start_exits_and_brings_the_running_apps_main_window_back() {
    let test = "a_second_start_exits_and_brings_the_running_apps_main_window_back";
    if !environment::require(
        test,
        &[
            Need::TestEnvironment,
            Need::Display,
            Need::SessionBus,
            Need::Xdotool,
        ],
    ) {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let panel = Panel::start().await;
    let mut first = App(ringside(home.path()).spawn().unwrap());
    panel
        .until_item_of(first.pid(), Duration::from_secs(40))
        .await;
    let main = || panel::visible_windows(first.pid(), "Ringside");
    panel::until("the main window", Duration::from_secs(40), || {
        !main().is_empty()
    })
    .await;

    // The agent put the main window away; the app lives on in the tray. The app may still be
    // finishing its start (GTK maps and presents the window in steps), so the window is put
    // away until it stays away for a second.
    let put_away = Instant::now();
    loop {
        for window in main() {
            let unmapped = Command::new("xdotool")
                .args(["windowunmap", "--sync", &window])
                .status()
                .unwrap();
            assert!(unmapped.success());
        }
        let quiet = Instant::now();
        while main().is_empty() && quiet.elapsed() < Duration::from_secs(1) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if main().is_empty() {
            break;
        }
        assert!(
            put_away.elapsed() < Duration::from_secs(20),
            "the main window keeps coming back on screen"
        );
    }

    // Started again, from a menu or a terminal: the new process hands over and exits promptly.
    let began = Instant::now();
    let mut second = ringside(home.path()).spawn().unwrap();
    let status = loop {
        if let Some(status) = second.try_wait().unwrap() {
            break status;
        }
        if began.elapsed() > Duration::from_secs(15) {
            let _ = second.kill();
            panic!("the second start is still running after 15 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "the second start exited with {status}");
    eprintln!("the second start exited after {:?}", began.elapsed());

    // The running app showed its main window; it still runs, with its one tray item.
    panel::until(
        "the running app's main window back on screen",
        Duration::from_secs(10),
        || !main().is_empty(),
    )
    .await;
    assert!(first.0.try_wait().unwrap().is_none(), "the first app ended");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        panel.item_owners().await,
        vec![Some(first.pid())],
        "the tray items' owners: the first app only"
    );

    // Another data directory is another agent's app: it runs beside the first.
    let other_home = tempfile::tempdir().unwrap();
    let other = App(ringside(other_home.path()).spawn().unwrap());
    panel
        .until_item_of(other.pid(), Duration::from_secs(40))
        .await;
    assert!(first.0.try_wait().unwrap().is_none());
}
