//! The desktop's side of the app, for the tests that start the real binary by hand
//! (`package.rs`, `instance.rs`, `tray.rs`): a panel on the session bus (an
//! `org.kde.StatusNotifierWatcher`, where the app registers its tray item) and the app's windows
//! on the X display as `xdotool` sees them.

// Each test binary that includes this module uses part of it.
#![allow(dead_code)]
// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The panel's side of the tray protocol: the items apps registered, as (bus name, object
/// path).
#[derive(Clone, Default)]
pub struct Watcher {
    items: Arc<Mutex<Vec<(String, String)>>>,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    async fn register_status_notifier_item(
        &self,
        service: &str,
        #[zbus(header)] header: zbus::message::Header<'_>,
    ) {
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        // An item registers by object path (from its unique name) or by bus name.
        let item = if service.starts_with('/') {
            (sender, service.to_owned())
        } else {
            (service.to_owned(), "/StatusNotifierItem".to_owned())
        };
        self.items.lock().unwrap().push(item);
    }

    async fn register_status_notifier_host(&self, _service: &str) {}

    #[zbus(property)]
    async fn registered_status_notifier_items(&self) -> Vec<String> {
        let items = self.items.lock().unwrap();
        items
            .iter()
            .map(|(name, path)| format!("{name}{path}"))
            .collect()
    }

    #[zbus(property)]
    async fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    async fn protocol_version(&self) -> i32 {
        0
    }
}

impl Watcher {
    /// The items registered so far, as (bus name, object path), in order.
    pub fn items(&self) -> Vec<(String, String)> {
        self.items.lock().unwrap().clone()
    }
}

/// A panel on the session bus, holding the watcher's well-known name while it lives.
pub struct Panel {
    /// The panel's connection to the session bus.
    pub bus: zbus::Connection,
    /// The items apps registered with it.
    pub watcher: Watcher,
}

impl Panel {
    /// Takes the watcher's name on the session bus.
    pub async fn start() -> Panel {
        let watcher = Watcher::default();
        let bus = zbus::connection::Builder::session()
            .unwrap()
            .name("org.kde.StatusNotifierWatcher")
            .unwrap()
            .serve_at("/StatusNotifierWatcher", watcher.clone())
            .unwrap()
            .build()
            .await
            .expect("the panel's name on the session bus (is another panel running?)");
        Panel { bus, watcher }
    }

    /// The process behind each bus connection that registered a tray item so far (an app may
    /// register its item more than once), or `None` for one that is gone from the bus.
    pub async fn item_owners(&self) -> Vec<Option<u32>> {
        let mut names: Vec<String> = self
            .watcher
            .items
            .lock()
            .unwrap()
            .iter()
            .map(|(name, _)| name.clone())
            .collect();
        names.sort();
        names.dedup();
        let dbus = zbus::fdo::DBusProxy::new(&self.bus).await.unwrap();
        let mut owners = Vec::new();
        for name in names {
            let name = zbus::names::BusName::try_from(name.as_str()).unwrap();
            owners.push(dbus.get_connection_unix_process_id(name).await.ok());
        }
        owners
    }

    /// Waits until process `pid` has a tray item (panics after `within`).
    pub async fn until_item_of(&self, pid: u32, within: Duration) {
        let start = Instant::now();
        while !self.item_owners().await.contains(&Some(pid)) {
            assert!(
                start.elapsed() < within,
                "process {pid} registered no tray item within {within:?} (items of: {:?})",
                self.item_owners().await
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// The visible windows of process `pid` titled exactly `title`, as X window ids.
pub fn visible_windows(pid: u32, title: &str) -> Vec<String> {
    let found = Command::new("xdotool")
        .args(["search", "--onlyvisible", "--pid", &pid.to_string()])
        .args(["--name", &format!("^{title}$")])
        .output()
        .expect("xdotool is installed by `cargo xtask test`");
    String::from_utf8_lossy(&found.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Waits until `check` holds (panics with `what` after `within`).
pub async fn until(what: &str, within: Duration, check: impl Fn() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < within, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A started app, killed when dropped (a test that fails must not leave it running).
pub struct App(pub Child);

impl App {
    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
