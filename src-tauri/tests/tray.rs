//! The tray and the notifications of the real app (`ringside --demo`), seen as a desktop sees
//! them, inside the test environment of `cargo xtask test`:
//!
//! - the test plays the panel's part on the session bus (an `org.kde.StatusNotifierWatcher`):
//!   the app registers its tray item there, and the test reads the item's icon and menu
//!   (`com.canonical.dbusmenu`) and clicks menu items as a user would;
//! - the call notification is activated through the notification daemon (`dunstctl action`),
//!   and the card window comes back on screen (`xdotool` looks at the X server).

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/environment.rs"]
mod environment;
#[path = "support/panel.rs"]
mod panel;

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use std::collections::HashMap;

use panel::Panel;
use zbus::zvariant::{OwnedValue, Value};

/// One entry of the tray menu, as the panel would draw it.
#[derive(Debug, Clone)]
struct Entry {
    id: i32,
    label: String,
    checked: Option<bool>,
    children: Vec<Entry>,
}

impl Entry {
    fn parse(value: &Value<'_>) -> Entry {
        let fields = match value {
            Value::Structure(s) => s.fields(),
            Value::Value(inner) => return Entry::parse(inner),
            other => panic!("a menu entry is a structure, not {other:?}"),
        };
        let Value::I32(id) = fields[0] else {
            panic!("no id in {fields:?}")
        };
        let props: Vec<(Value<'_>, &Value<'_>)> = match &fields[1] {
            Value::Dict(props) => props.iter().map(|(k, v)| (k.clone(), v)).collect(),
            _ => Vec::new(),
        };
        let children: Vec<Value<'_>> = match &fields[2] {
            Value::Array(a) => a.iter().cloned().collect(),
            _ => Vec::new(),
        };
        Entry::from_fields(id, props.into_iter(), &children)
    }

    /// An entry from its id, its properties (`label`, `toggle-state`, …) and its children.
    fn from_fields<'a>(
        id: i32,
        props: impl Iterator<Item = (Value<'a>, &'a Value<'a>)>,
        children: &[Value<'_>],
    ) -> Entry {
        let mut label = String::new();
        let mut checked = None;
        for (key, value) in props {
            let value = match value {
                Value::Value(inner) => inner,
                other => other,
            };
            match (key, value) {
                (Value::Str(k), Value::Str(v)) if k.as_str() == "label" => {
                    label = v.as_str().replace('_', "")
                }
                (Value::Str(k), Value::I32(v)) if k.as_str() == "toggle-state" => {
                    checked = Some(*v == 1)
                }
                _ => {}
            }
        }
        Entry {
            id,
            label,
            checked,
            children: children.iter().map(Entry::parse).collect(),
        }
    }

    fn find(&self, label: impl Fn(&str) -> bool + Copy) -> Option<&Entry> {
        if label(&self.label) {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(label))
    }
}

/// The app's tray item on the bus.
struct Tray {
    bus: zbus::Connection,
    name: String,
    path: String,
}

impl Tray {
    async fn property(&self, name: &str) -> zbus::zvariant::OwnedValue {
        let props = zbus::fdo::PropertiesProxy::builder(&self.bus)
            .destination(self.name.as_str())
            .unwrap()
            .path(self.path.as_str())
            .unwrap()
            .build()
            .await
            .unwrap();
        props
            .get(
                zbus::names::InterfaceName::from_static_str_unchecked("org.kde.StatusNotifierItem"),
                name,
            )
            .await
            .unwrap_or_else(|e| panic!("no {name} on the tray item: {e}"))
    }

    async fn text(&self, name: &str) -> String {
        match &*self.property(name).await {
            Value::Str(s) => s.to_string(),
            Value::ObjectPath(p) => p.to_string(),
            other => panic!("{name} is {other:?}"),
        }
    }

    async fn menu(&self) -> Entry {
        let path = self.text("Menu").await;
        let reply = self
            .bus
            .call_method(
                Some(self.name.as_str()),
                path.as_str(),
                Some("com.canonical.dbusmenu"),
                "GetLayout",
                &(0i32, -1i32, Vec::<&str>::new()),
            )
            .await
            .unwrap();
        type Layout = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);
        let (_revision, (id, props, children)): (u32, Layout) = reply.body().deserialize().unwrap();
        let props = props.iter().map(|(k, v)| (Value::from(k.as_str()), &**v));
        let children: Vec<Value<'_>> = children.iter().map(|c| (**c).clone()).collect();
        Entry::from_fields(id, props, &children)
    }

    async fn click(&self, entry: &Entry) {
        let path = self.text("Menu").await;
        self.bus
            .call_method(
                Some(self.name.as_str()),
                path.as_str(),
                Some("com.canonical.dbusmenu"),
                "Event",
                &(entry.id, "clicked", Value::I32(0), 0u32),
            )
            .await
            .unwrap();
    }

    /// The RGBA of the middle of the icon's state dot.
    async fn badge_colour(&self) -> [u8; 4] {
        let name = self.text("IconName").await;
        let file = if name.starts_with('/') {
            std::path::PathBuf::from(&name)
        } else {
            std::path::Path::new(&self.text("IconThemePath").await).join(format!("{name}.png"))
        };
        let decoder = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display())),
        ));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        assert_eq!(info.color_type, png::ColorType::Rgba, "{}", file.display());
        let (cx, cy, _) = ringside_lib::tray::Badge::geometry(info.width, info.height);
        let at = ((cy as u32 * info.width + cx as u32) * 4) as usize;
        pixels[at..at + 4].try_into().unwrap()
    }

    /// Waits until the menu satisfies `check`; returns it.
    async fn until(&self, what: &str, check: impl Fn(&Entry) -> bool) -> Entry {
        let start = Instant::now();
        loop {
            let menu = self.menu().await;
            if check(&menu) {
                return menu;
            }
            assert!(
                start.elapsed() < Duration::from_secs(40),
                "the tray menu never showed {what}: {menu:#?}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

struct App(Child);

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rgb(badge: ringside_lib::tray::Badge) -> [u8; 4] {
    let [r, g, b] = badge.colour();
    [r, g, b, 0xff]
}

fn card_on_screen() -> Option<String> {
    let found = Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", "Ringside — call"])
        .output()
        .expect("xdotool is installed by `cargo xtask test`");
    String::from_utf8_lossy(&found.stdout)
        .lines()
        .next()
        .map(str::to_owned)
}

async fn until(what: &str, check: impl Fn() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn notifications_shown(log: &std::path::Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .matches("summary: 'Incoming call")
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tray_shows_the_state_and_recent_calls_and_the_notification_brings_the_card_back() {
    use environment::Need;
    if !environment::require(
        "the_tray_shows_the_state_and_recent_calls_and_the_notification_brings_the_card_back",
        &[
            Need::TestEnvironment,
            Need::Display,
            Need::SessionBus,
            Need::Notifications,
        ],
    ) {
        return;
    }
    let log = std::env::var_os("RINGSIDE_NOTIFICATIONS_LOG").expect("checked above");
    let log = std::path::PathBuf::from(log);
    let Panel { bus, watcher } = Panel::start().await;
    let mut app = App(Command::new(env!("CARGO_BIN_EXE_ringside"))
        .args(["--demo", "--demo-step-ms", "2500"])
        .spawn()
        .unwrap());
    until("the app's tray item", || !watcher.items().is_empty()).await;
    let (name, path) = watcher.items()[0].clone();
    let tray = Tray { bus, name, path };

    // Connected to the demo's hub: the status line and a green dot.
    tray.until("the connection", |m| {
        m.find(|l| l == "Connected — demo").is_some()
    })
    .await;
    for item in [
        "Pause notifications",
        "History",
        "Settings…",
        "Quit Ringside",
    ] {
        assert!(tray.menu().await.find(|l| l == item).is_some(), "{item}");
    }
    assert_eq!(
        tray.badge_colour().await,
        rgb(ringside_lib::tray::Badge::Connected)
    );

    // Jane calls: she is in the recent calls; the notification said so and the card opened.
    tray.until("Jane's call", |m| {
        m.find(|l| l.starts_with("Jane Roe — ")).is_some()
    })
    .await;
    until("the notification", || notifications_shown(&log) > 0).await;
    until("the card on screen", || card_on_screen().is_some()).await;

    // The agent closes the card with Esc (typed again if the page was still loading);
    // activating the notification brings it back.
    let start = Instant::now();
    while let Some(card) = card_on_screen() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "Esc does not close the card"
        );
        let _ = Command::new("xdotool")
            .args(["windowfocus", "--sync", &card])
            .status();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let _ = Command::new("xdotool").args(["key", "Escape"]).status();
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    let action = Command::new("dunstctl")
        .args(["action", "0"])
        .status()
        .unwrap();
    assert!(action.success());
    until("the card back on screen", || card_on_screen().is_some()).await;

    // Pause from the tray: the item is checked, the dot turns grey, and the next call rings
    // without a notification.
    let menu = tray.menu().await;
    let pause = menu.find(|l| l == "Pause notifications").unwrap();
    assert_eq!(pause.checked, Some(false));
    tray.click(pause).await;
    let menu = tray
        .until("the pause", |m| {
            m.find(|l| l.ends_with("notifications paused")).is_some()
        })
        .await;
    assert_eq!(
        menu.find(|l| l == "Pause notifications").unwrap().checked,
        Some(true)
    );
    assert_eq!(
        tray.badge_colour().await,
        rgb(ringside_lib::tray::Badge::Paused)
    );
    let shown = notifications_shown(&log);
    let calls = |m: &Entry| {
        m.find(|l| l == "Recent calls")
            .map_or(0, |r| r.children.len())
    };
    let before = calls(&menu);
    tray.until("the next call", |m| calls(m) > before).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        notifications_shown(&log),
        shown,
        "a notification while paused"
    );

    // Quit from the tray ends the app.
    let quit = tray.menu().await.find(|l| l == "Quit Ringside").cloned();
    tray.click(&quit.unwrap()).await;
    let start = Instant::now();
    let status = loop {
        if let Some(status) = app.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "Quit did not end the app"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "{status}");
}
