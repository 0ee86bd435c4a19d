//! The tray icon and its menu: the connection state and queued actions, the recent calls, the
//! calls to return ("To call back (3)"), pause notifications, history, settings and quit.
//!
//! The icon carries a [`Badge`], a coloured dot for the state (connected, connecting or
//! reconnecting, offline, paused). Linux trays (StatusNotifierItem) have no numeric badge on an
//! icon: the count of calls to return is in the tooltip, the menu and, where the panel shows a
//! label, the label (with the number of queued actions), and the icon carries a second, blue dot
//! in its upper corner while there are calls to return ([`draw_to_call_back`]).

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
    /// The main window on its "To call back" list.
    Callbacks,
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
            TrayItem::Callbacks => "callbacks".into(),
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
            "callbacks" => TrayItem::Callbacks,
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

/// The colour of the dot that says there are calls to return, RGB.
pub const TO_CALL_BACK_COLOUR: [u8; 3] = [0x09, 0x69, 0xda];

/// The centre and radius of that dot on a `width`×`height` icon: the upper right corner.
pub fn to_call_back_geometry(width: u32, height: u32) -> (f32, f32, f32) {
    let r = width.min(height) as f32 * 0.2;
    (width as f32 - r - 1.0, r + 1.0, r)
}

/// `rgba` with the blue dot that says there are calls to return, ringed in white.
pub fn draw_to_call_back(rgba: &[u8], width: u32, height: u32) -> Vec<u8> {
    let mut out = rgba.to_vec();
    let (cx, cy, r) = to_call_back_geometry(width, height);
    let [red, green, blue] = TO_CALL_BACK_COLOUR;
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

/// What the icon shows now (the badge, and whether there are calls to return), so that it is
/// redrawn only when it changes.
struct Shown(Mutex<Option<(Badge, bool)>>);

/// The open calls to return, as the desk kept them (none before the app has a desk).
fn to_call_back<R: Runtime>(app: &AppHandle<R>) -> usize {
    app.try_state::<std::sync::Arc<crate::desk::Desk>>()
        .map_or(0, |desk| desk.to_call_back())
}

/// The menu item of the list: "To call back (3)".
pub fn to_call_back_line(lang: Lang, count: usize) -> String {
    text_in(lang, "tray-to-call-back", &[("count", count.into())])
}

/// The label some panels show beside the icon: the calls to return and the queued actions.
pub fn label(lang: Lang, to_call_back: usize, queued: u64) -> String {
    let mut parts = Vec::new();
    if to_call_back > 0 {
        parts.push(text_in(
            lang,
            "tray-label-to-call-back",
            &[("count", to_call_back.into())],
        ));
    }
    if queued > 0 {
        parts.push(queued.to_string());
    }
    parts.join(" · ")
}

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

fn tooltip(lang: Lang, status: &Status, to_call_back: usize) -> String {
    let mut tip = text_in(
        lang,
        "tray-tooltip",
        &[("status", status_line(lang, status).into())],
    );
    if to_call_back > 0 {
        tip.push('\n');
        tip.push_str(&to_call_back_line(lang, to_call_back));
    }
    tip
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
    let callbacks = MenuItem::with_id(
        app,
        TrayItem::Callbacks.id(),
        to_call_back_line(lang, to_call_back(app)),
        true,
        None::<&str>,
    )?;
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
            &callbacks,
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
        .tooltip(tooltip(crate::i18n::current(), status, to_call_back(app)))
        .on_menu_event(move |app, event| {
            if let Some(item) = TrayItem::parse(event.id().as_ref()) {
                on_item(app, item);
            }
        });
    let calls = to_call_back(app) > 0;
    if let Some(icon) = badged_icon(app, Badge::of(status), calls) {
        builder = builder.icon(icon);
    }
    app.manage(Shown(Mutex::new(Some((Badge::of(status), calls)))));
    builder.build(app)
}

fn badged_icon<R: Runtime>(
    app: &AppHandle<R>,
    badge: Badge,
    to_call_back: bool,
) -> Option<Image<'static>> {
    let base = app.default_window_icon()?;
    let (width, height) = (base.width(), base.height());
    let mut rgba = badge.draw(base.rgba(), width, height);
    if to_call_back {
        rgba = draw_to_call_back(&rgba, width, height);
    }
    Some(Image::new_owned(rgba, width, height))
}

/// Shows the new status, recent calls and count of calls to return.
pub fn refresh<R: Runtime>(app: &AppHandle<R>, status: &Status, recent: &[StoredCard]) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let lang = crate::i18n::current();
    let count = to_call_back(app);
    match menu(app, status, recent) {
        Ok(m) => {
            let _ = tray.set_menu(Some(m));
            let _ = tray.set_tooltip(Some(tooltip(lang, status, count)));
            let _ = tray.set_title(Some(label(lang, count, status.queued)));
        }
        Err(e) => tracing::warn!(error = %e, "cannot rebuild the tray menu"),
    }
    let now = (Badge::of(status), count > 0);
    let shown = app.state::<Shown>();
    let mut shown = shown.0.lock().unwrap_or_else(|e| e.into_inner());
    if *shown != Some(now) {
        if let Err(e) = tray.set_icon(badged_icon(app, now.0, now.1)) {
            tracing::warn!(error = %e, "cannot change the tray icon");
        }
        *shown = Some(now);
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
            TrayItem::Callbacks,
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
    fn calls_to_return_are_counted_in_words_and_dotted_on_the_icon() {
        assert_eq!(to_call_back_line(Lang::En, 3), "To call back (3)");
        assert_eq!(to_call_back_line(Lang::Fr, 3), "À rappeler (3)");
        assert_eq!(label(Lang::En, 0, 0), "");
        assert_eq!(label(Lang::En, 0, 2), "2");
        assert_eq!(label(Lang::En, 3, 2), "☎ 3 · 2");
        let (w, h) = (32, 32);
        let blank = vec![0u8; (w * h * 4) as usize];
        let drawn = draw_to_call_back(&Badge::Connected.draw(&blank, w, h), w, h);
        let at = |x: u32, y: u32| &drawn[((y * w + x) * 4) as usize..][..4];
        let (cx, cy, _) = to_call_back_geometry(w, h);
        assert_eq!(at(cx as u32, cy as u32), &[0x09, 0x69, 0xda, 0xff]);
        // The state's dot stays where it was, and the rest of the icon is untouched.
        let (bx, by, _) = Badge::geometry(w, h);
        assert_eq!(at(bx as u32, by as u32), &[0x1a, 0x7f, 0x37, 0xff]);
        assert_eq!(at(2, 2), &[0, 0, 0, 0]);
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
