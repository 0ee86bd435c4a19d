//! The tray icon and its menu: the connection state and queued actions, the recent calls,
//! pause notifications, history, settings and quit.

use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Runtime};

use crate::desk::Status;
use crate::journal::StoredCard;
use crate::stream::Connection;

const TRAY_ID: &str = "ringside";

/// Every item of the tray menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayItem {
    /// The status line (not clickable).
    Status,
    /// One of the recent calls: opens its card.
    Recent(u64),
    /// Pause or resume notifications.
    Pause,
    /// The main window on its history.
    History,
    /// The main window on its settings.
    Settings,
    /// Quit the app.
    Quit,
}

impl TrayItem {
    /// The menu item's id.
    pub fn id(self) -> String {
        match self {
            TrayItem::Status => "status".into(),
            TrayItem::Recent(call) => format!("recent:{call}"),
            TrayItem::Pause => "pause".into(),
            TrayItem::History => "history".into(),
            TrayItem::Settings => "settings".into(),
            TrayItem::Quit => "quit".into(),
        }
    }

    /// The item a menu id stands for.
    pub fn parse(id: &str) -> Option<TrayItem> {
        Some(match id {
            "status" => TrayItem::Status,
            "pause" => TrayItem::Pause,
            "history" => TrayItem::History,
            "settings" => TrayItem::Settings,
            "quit" => TrayItem::Quit,
            other => TrayItem::Recent(other.strip_prefix("recent:")?.parse().ok()?),
        })
    }
}

/// The status in words, for the menu and the tooltip.
pub fn status_line(status: &Status) -> String {
    let state = match &status.connection {
        Connection::Connected => "Connected".to_owned(),
        Connection::Connecting => "Connecting…".to_owned(),
        Connection::Reconnecting { attempt, .. } => format!("Reconnecting (attempt {attempt})…"),
        Connection::Offline { .. } => "Offline".to_owned(),
    };
    let mut line = format!("{state} — {}", status.mode);
    if status.queued > 0 {
        line.push_str(&format!(", {} queued", status.queued));
    }
    if status.paused {
        line.push_str(", notifications paused");
    }
    line
}

/// A recent call in words.
pub fn recent_line(card: &StoredCard) -> String {
    let name = card.card["contact"]["name"]
        .as_str()
        .or_else(|| card.card["phone"].as_str())
        .unwrap_or("Unknown caller");
    format!("{name} — {}", card.state)
}

fn menu<R: Runtime>(
    app: &AppHandle<R>,
    status: &Status,
    recent: &[StoredCard],
) -> tauri::Result<Menu<R>> {
    let status_item = MenuItem::with_id(
        app,
        TrayItem::Status.id(),
        status_line(status),
        false,
        None::<&str>,
    )?;
    let recent_menu = Submenu::with_id(app, "recent", "Recent calls", !recent.is_empty())?;
    for card in recent {
        recent_menu.append(&MenuItem::with_id(
            app,
            TrayItem::Recent(card.call_id).id(),
            recent_line(card),
            true,
            None::<&str>,
        )?)?;
    }
    let pause = CheckMenuItem::with_id(
        app,
        TrayItem::Pause.id(),
        "Pause notifications",
        true,
        status.paused,
        None::<&str>,
    )?;
    Menu::with_items(
        app,
        &[
            &status_item,
            &PredefinedMenuItem::separator(app)?,
            &recent_menu,
            &pause,
            &MenuItem::with_id(app, TrayItem::History.id(), "History", true, None::<&str>)?,
            &MenuItem::with_id(
                app,
                TrayItem::Settings.id(),
                "Settings…",
                true,
                None::<&str>,
            )?,
            &PredefinedMenuItem::separator(app)?,
            &MenuItem::with_id(
                app,
                TrayItem::Quit.id(),
                "Quit Ringside",
                true,
                None::<&str>,
            )?,
        ],
    )
}

/// Creates the tray icon; `on_item` handles the menu.
pub fn create<R: Runtime>(
    app: &AppHandle<R>,
    status: &Status,
    on_item: impl Fn(&AppHandle<R>, TrayItem) + Send + Sync + 'static,
) -> tauri::Result<TrayIcon<R>> {
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .menu(&menu(app, status, &[])?)
        .tooltip(format!("Ringside — {}", status_line(status)))
        .on_menu_event(move |app, event| {
            if let Some(item) = TrayItem::parse(event.id().as_ref()) {
                on_item(app, item);
            }
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)
}

/// Shows the new status and recent calls.
pub fn refresh<R: Runtime>(app: &AppHandle<R>, status: &Status, recent: &[StoredCard]) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    match menu(app, status, recent) {
        Ok(m) => {
            let _ = tray.set_menu(Some(m));
            let _ = tray.set_tooltip(Some(format!("Ringside — {}", status_line(status))));
        }
        Err(e) => tracing::warn!(error = %e, "cannot rebuild the tray menu"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tray_items_round_trip_through_their_ids() {
        for item in [
            TrayItem::Status,
            TrayItem::Recent(780836754),
            TrayItem::Pause,
            TrayItem::History,
            TrayItem::Settings,
            TrayItem::Quit,
        ] {
            assert_eq!(TrayItem::parse(&item.id()), Some(item));
        }
        assert_eq!(TrayItem::parse("recent:x"), None);
        assert_eq!(TrayItem::parse("nope"), None);
    }

    #[test]
    fn the_status_line_says_the_state_the_queue_and_the_pause() {
        let status = Status {
            mode: "connected".into(),
            hub: None,
            connection: Connection::Reconnecting {
                attempt: 2,
                reason: "down".into(),
            },
            queued: 3,
            paused: true,
        };
        assert_eq!(
            status_line(&status),
            "Reconnecting (attempt 2)… — connected, 3 queued, notifications paused"
        );
    }
}
