//! The tray icon and its menu: the connection state and queued actions, the recent calls,
//! pause notifications, history, settings and quit.
//!
//! The icon carries a [`Badge`], a coloured dot for the state (connected, connecting or
//! reconnecting, offline, paused), and, where the tray shows a label (Linux panels), the number
//! of queued actions.

use std::sync::Mutex;

use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Runtime};

use crate::desk::Status;
use crate::i18n::{text_in, Arg, Lang};
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

/// The state the tray icon's dot shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Badge {
    /// Connected to the hub: green.
    Connected,
    /// Connecting or reconnecting: amber.
    Connecting,
    /// Offline: red.
    Offline,
    /// Notifications paused (whatever the connection): grey.
    Paused,
}

impl Badge {
    /// The badge of a status; a pause outranks the connection.
    pub fn of(status: &Status) -> Badge {
        if status.paused {
            return Badge::Paused;
        }
        match status.connection {
            Connection::Connected => Badge::Connected,
            Connection::Connecting | Connection::Reconnecting { .. } => Badge::Connecting,
            Connection::Offline { .. } | Connection::Unauthorized { .. } => Badge::Offline,
        }
    }

    /// The dot's colour, RGB.
    pub fn colour(self) -> [u8; 3] {
        match self {
            Badge::Connected => [0x1a, 0x7f, 0x37],
            Badge::Connecting => [0xd4, 0xa7, 0x2c],
            Badge::Offline => [0xd1, 0x24, 0x2f],
            Badge::Paused => [0x6e, 0x77, 0x81],
        }
    }

    /// The dot's centre and radius on a `width`×`height` icon: the lower right corner.
    pub fn geometry(width: u32, height: u32) -> (f32, f32, f32) {
        let r = width.min(height) as f32 * 0.22;
        (width as f32 - r - 1.0, height as f32 - r - 1.0, r)
    }

    /// `rgba` (a `width`×`height` icon) with the dot drawn on it, ringed in white so that it
    /// reads on dark and light panels.
    pub fn draw(self, rgba: &[u8], width: u32, height: u32) -> Vec<u8> {
        let mut out = rgba.to_vec();
        let (cx, cy, r) = Badge::geometry(width, height);
        let [red, green, blue] = self.colour();
        for y in 0..height {
            for x in 0..width {
                let d = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
                let pixel = ((y * width + x) * 4) as usize;
                if d <= r - 1.5 {
                    out[pixel..pixel + 4].copy_from_slice(&[red, green, blue, 0xff]);
                } else if d <= r {
                    out[pixel..pixel + 4].copy_from_slice(&[0xff, 0xff, 0xff, 0xff]);
                }
            }
        }
        out
    }
}

/// The badge the tray shows now, so that the icon is redrawn only when it changes.
struct Shown(Mutex<Option<Badge>>);

/// The connection in words, in `lang`.
pub fn connection_words(lang: Lang, connection: &Connection) -> String {
    match connection {
        Connection::Connected => text_in(lang, "connection-connected", &[]),
        Connection::Connecting => text_in(lang, "connection-connecting", &[]),
        Connection::Reconnecting { attempt, .. } => text_in(
            lang,
            "connection-reconnecting",
            &[("attempt", (*attempt).into())],
        ),
        Connection::Offline { .. } => text_in(lang, "connection-offline", &[]),
        Connection::Unauthorized { .. } => text_in(lang, "connection-unauthorized", &[]),
    }
}

/// The status in words, in `lang`, for the menu and the tooltip.
pub fn status_line(lang: Lang, status: &Status) -> String {
    let mode = text_in(
        lang,
        "mode-name",
        &[("mode", status.mode.replace(' ', "-").into())],
    );
    let mut line = text_in(
        lang,
        "tray-status",
        &[
            ("state", connection_words(lang, &status.connection).into()),
            ("mode", mode.into()),
        ],
    );
    let count = || [("count", Arg::from(status.queued))];
    match &status.connection {
        Connection::Unauthorized { .. } if status.queued > 0 => {
            line.push_str(&text_in(lang, "tray-kept-until-fixed", &count()))
        }
        Connection::Unauthorized { .. } => line.push_str(&text_in(lang, "tray-fix-token", &[])),
        _ if status.queued > 0 => line.push_str(&text_in(lang, "tray-queued", &count())),
        _ => {}
    }
    if status.paused {
        line.push_str(&text_in(lang, "tray-paused", &[]));
    }
    line
}

/// A recent call in words, in `lang`.
pub fn recent_line(lang: Lang, card: &StoredCard) -> String {
    let name = card
        .card
        .as_ref()
        .map(|c| c.contact.name.clone())
        .filter(|n| !n.is_empty())
        .or_else(|| card.card.as_ref().and_then(|c| c.phone.clone()))
        .unwrap_or_else(|| text_in(lang, "unknown-caller", &[]));
    let state = text_in(lang, "call-state", &[("state", card.state.as_str().into())]);
    text_in(
        lang,
        "tray-recent",
        &[("name", name.into()), ("state", state.into())],
    )
}

fn tooltip(lang: Lang, status: &Status) -> String {
    text_in(
        lang,
        "tray-tooltip",
        &[("status", status_line(lang, status).into())],
    )
}

fn menu<R: Runtime>(
    app: &AppHandle<R>,
    status: &Status,
    recent: &[StoredCard],
) -> tauri::Result<Menu<R>> {
    let lang = crate::i18n::current();
    let words = |key: &str| text_in(lang, key, &[]);
    let status_item = MenuItem::with_id(
        app,
        TrayItem::Status.id(),
        status_line(lang, status),
        false,
        None::<&str>,
    )?;
    let recent_menu = Submenu::with_id(
        app,
        "recent",
        words("tray-recent-calls"),
        !recent.is_empty(),
    )?;
    for card in recent {
        recent_menu.append(&MenuItem::with_id(
            app,
            TrayItem::Recent(card.call_id).id(),
            recent_line(lang, card),
            true,
            None::<&str>,
        )?)?;
    }
    let pause = CheckMenuItem::with_id(
        app,
        TrayItem::Pause.id(),
        words("tray-pause"),
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
            &MenuItem::with_id(
                app,
                TrayItem::History.id(),
                words("tray-history"),
                true,
                None::<&str>,
            )?,
            &MenuItem::with_id(
                app,
                TrayItem::Settings.id(),
                words("tray-settings"),
                true,
                None::<&str>,
            )?,
            &PredefinedMenuItem::separator(app)?,
            &MenuItem::with_id(
                app,
                TrayItem::Quit.id(),
                words("tray-quit"),
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
        .tooltip(tooltip(crate::i18n::current(), status))
        .on_menu_event(move |app, event| {
            if let Some(item) = TrayItem::parse(event.id().as_ref()) {
                on_item(app, item);
            }
        });
    if let Some(icon) = badged_icon(app, Badge::of(status)) {
        builder = builder.icon(icon);
    }
    app.manage(Shown(Mutex::new(Some(Badge::of(status)))));
    builder.build(app)
}

fn badged_icon<R: Runtime>(app: &AppHandle<R>, badge: Badge) -> Option<Image<'static>> {
    let base = app.default_window_icon()?;
    let (width, height) = (base.width(), base.height());
    Some(Image::new_owned(
        badge.draw(base.rgba(), width, height),
        width,
        height,
    ))
}

/// Shows the new status and recent calls.
pub fn refresh<R: Runtime>(app: &AppHandle<R>, status: &Status, recent: &[StoredCard]) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    match menu(app, status, recent) {
        Ok(m) => {
            let _ = tray.set_menu(Some(m));
            let _ = tray.set_tooltip(Some(tooltip(crate::i18n::current(), status)));
            let queued = (status.queued > 0).then(|| status.queued.to_string());
            let _ = tray.set_title(Some(queued.unwrap_or_default()));
        }
        Err(e) => tracing::warn!(error = %e, "cannot rebuild the tray menu"),
    }
    let badge = Badge::of(status);
    let shown = app.state::<Shown>();
    let mut shown = shown.0.lock().unwrap_or_else(|e| e.into_inner());
    if *shown != Some(badge) {
        if let Err(e) = tray.set_icon(badged_icon(app, badge)) {
            tracing::warn!(error = %e, "cannot change the tray icon");
        }
        *shown = Some(badge);
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
    fn the_badge_says_the_state_and_is_drawn_in_the_corner() {
        let mut status = Status {
            mode: "connected".into(),
            hub: None,
            connection: Connection::Connected,
            queued: 0,
            paused: false,
        };
        assert_eq!(Badge::of(&status), Badge::Connected);
        status.connection = Connection::Reconnecting {
            attempt: 1,
            reason: "down".into(),
        };
        assert_eq!(Badge::of(&status), Badge::Connecting);
        status.connection = Connection::Offline {
            reason: "no hub".into(),
        };
        assert_eq!(Badge::of(&status), Badge::Offline);
        status.paused = true;
        assert_eq!(Badge::of(&status), Badge::Paused);

        let (w, h) = (32, 32);
        let blank = vec![0u8; (w * h * 4) as usize];
        let drawn = Badge::Offline.draw(&blank, w, h);
        let at = |x: u32, y: u32| &drawn[((y * w + x) * 4) as usize..][..4];
        let (cx, cy, _) = Badge::geometry(w, h);
        assert_eq!(at(cx as u32, cy as u32), &[0xd1, 0x24, 0x2f, 0xff]);
        // The rest of the icon is untouched.
        assert_eq!(at(2, 2), &[0, 0, 0, 0]);
        assert_eq!(at(w - 1, 2), &[0, 0, 0, 0]);
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
            status_line(Lang::En, &status),
            "Reconnecting (attempt 2)… — connected, 3 queued, notifications paused"
        );
        assert_eq!(
            status_line(Lang::Fr, &status),
            "Reconnexion (tentative 2)… — connecté, 3 en file d'attente, notifications en pause"
        );
        let refused = Status {
            connection: Connection::Unauthorized {
                reason: "the hub refused the agent token: unknown token".into(),
            },
            paused: false,
            ..status
        };
        assert_eq!(
            status_line(Lang::En, &refused),
            "The hub refuses the agent token — connected, 3 kept until the token is fixed in Settings"
        );
        assert_eq!(Badge::of(&refused), Badge::Offline);
    }
}
