//! The app's windows: their labels, pages and placement. The card window is small, always on
//! top and placed near the tray (the top-right corner of the screen on Linux desktops). When the
//! app manages a [`WebviewData`] directory (demo mode), the webviews keep their data there
//! instead of WebKit's default per-user directory.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tauri::{
    AppHandle, Emitter, Manager, Runtime, WebviewUrl, WebviewWindow, WebviewWindowBuilder,
};

/// Every window of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowLabel {
    /// History, settings, about.
    Main,
    /// The insight card of the current call.
    Card,
}

impl WindowLabel {
    /// The label Tauri and the capabilities know it by.
    pub fn as_str(self) -> &'static str {
        match self {
            WindowLabel::Main => "main",
            WindowLabel::Card => "card",
        }
    }

    /// The label of a window, if it is one of ours.
    pub fn parse(label: &str) -> Option<WindowLabel> {
        [WindowLabel::Main, WindowLabel::Card]
            .into_iter()
            .find(|w| w.as_str() == label)
    }

    fn page(self) -> &'static str {
        match self {
            WindowLabel::Main => "index.html",
            WindowLabel::Card => "card.html",
        }
    }
}

const CARD_SIZE: (f64, f64) = (380.0, 560.0);

/// Where the webviews keep their data (storage, caches), when not in WebKit's default place.
#[derive(Debug, Clone)]
pub struct WebviewData(pub std::path::PathBuf);

/// Shows (creating if needed) and focuses a window; `page` adds a query such as `#tab`.
pub fn show<R: Runtime>(
    app: &AppHandle<R>,
    label: WindowLabel,
    fragment: Option<&str>,
) -> tauri::Result<WebviewWindow<R>> {
    let window = match app.get_webview_window(label.as_str()) {
        Some(w) => w,
        None => build(builder(app, label, fragment))?,
    };
    if label == WindowLabel::Card && PRIMING.swap(false, Ordering::SeqCst) {
        set_transparent(&window, false);
        place_near_tray(&window);
    }
    window.show()?;
    window.unminimize()?;
    window.set_focus()?;
    Ok(window)
}

/// The window's builder, with its page, size and behaviour.
fn builder<'a, R: Runtime>(
    app: &'a AppHandle<R>,
    label: WindowLabel,
    fragment: Option<&str>,
) -> WebviewWindowBuilder<'a, R, AppHandle<R>> {
    let page = match fragment {
        Some(f) => format!("{}#{f}", label.page()),
        None => label.page().to_owned(),
    };
    let mut builder = WebviewWindowBuilder::new(app, label.as_str(), WebviewUrl::App(page.into()));
    if let Some(data) = app.try_state::<WebviewData>() {
        builder = builder.data_directory(data.0.clone());
    }
    match label {
        WindowLabel::Main => builder
            .title("Ringside")
            .inner_size(880.0, 620.0)
            .min_inner_size(560.0, 400.0),
        WindowLabel::Card => builder
            .title("Ringside — call")
            .inner_size(CARD_SIZE.0, CARD_SIZE.1)
            .resizable(false)
            .always_on_top(true)
            .skip_taskbar(true),
    }
}

fn build<R: Runtime>(
    builder: WebviewWindowBuilder<'_, R, AppHandle<R>>,
) -> tauri::Result<WebviewWindow<R>> {
    let window = builder.build()?;
    cache_as_a_document_viewer(&window);
    if window.label() == WindowLabel::Card.as_str() {
        place_near_tray(&window);
    }
    Ok(window)
}

/// Tells WebKit that the app's pages are documents, not a browser's: its memory cache of
/// resources and its back-forward cache of pages are off (`WEBKIT_CACHE_MODEL_DOCUMENT_VIEWER`).
/// The app's pages are a few local files that never navigate, so nothing is fetched again
/// because of it; the web process holds less (measured by `cargo xtask bench-desktop`).
fn cache_as_a_document_viewer<R: Runtime>(window: &WebviewWindow<R>) {
    #[cfg(target_os = "linux")]
    let _ = window.with_webview(|view| {
        use webkit2gtk::{CacheModel, SettingsExt, WebContextExt, WebViewExt};
        let view = view.inner();
        if let Some(context) = view.context() {
            if context.cache_model() != CacheModel::DocumentViewer {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        }
        if let Some(settings) = WebViewExt::settings(&view) {
            settings.set_enable_page_cache(false);
        }
    });
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}

/// Builds the card window now, hidden, so that a ring only has to show it: creating a window
/// and loading its page takes a quarter of a second, which the first ring of a run used to pay.
/// On Linux its page runs in the main window's web process (a related view), so a hidden card
/// costs a page, not a second WebKit process; the main window must exist (else the card is left
/// to the first ring). Once its page has loaded, it is shown once off screen ([`prime`]).
pub fn prepare_card<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    if app.get_webview_window(WindowLabel::Card.as_str()).is_some() {
        return Ok(());
    }
    let Some(main) = app.get_webview_window(WindowLabel::Main.as_str()) else {
        return Ok(());
    };
    let app = app.clone();
    main.with_webview(move |_main_view| {
        let card = builder(&app, WindowLabel::Card, None).visible(false);
        #[cfg(target_os = "linux")]
        let card = card.with_related_view(_main_view.inner());
        match build(card) {
            Ok(window) => prime(window),
            Err(e) => tracing::warn!(error = %e, "cannot prepare the card window"),
        }
    })
}

/// Set while the prepared card is shown off screen once (see [`prime`]); a ring that shows the
/// card meanwhile takes it over (and puts it back near the tray).
static PRIMING: AtomicBool = AtomicBool::new(false);

/// How long after the card window is built it is shown off screen (its page has loaded by
/// then: about 250 ms), and for how long (a few frames).
const PRIME_AFTER: Duration = Duration::from_millis(1500);
const PRIME_FOR: Duration = Duration::from_millis(400);

/// Shows the prepared card window once, off screen and transparent, while its page draws a
/// sample card: the first ring then re-shows a window that WebKit has painted before, like every
/// later ring. Without this the first ring of a run took 74 ms from the hub to the card drawn,
/// against 37 ms for later rings (measured by `cargo xtask bench-desktop`). Not on Wayland, where
/// an app cannot place its windows (the card would show in the middle of the screen).
fn prime<R: Runtime>(window: WebviewWindow<R>) {
    if !can_place_windows(|name| std::env::var_os(name)) {
        return;
    }
    std::thread::spawn(move || {
        std::thread::sleep(PRIME_AFTER);
        let w = window.clone();
        let _ = window.run_on_main_thread(move || {
            if w.is_visible().unwrap_or(true) {
                return;
            }
            PRIMING.store(true, Ordering::SeqCst);
            set_transparent(&w, true);
            let _ = w.set_position(tauri::LogicalPosition::new(-4000.0, -4000.0));
            let _ = w.show();
            let _ = w.emit_to(WindowLabel::Card.as_str(), "card://prime", ());
        });
        std::thread::sleep(PRIME_FOR);
        let w = window.clone();
        let _ = window.run_on_main_thread(move || {
            if PRIMING.swap(false, Ordering::SeqCst) {
                let _ = w.hide();
                set_transparent(&w, false);
                place_near_tray(&w);
            }
        });
    });
}

/// Whether the app can place its own windows: not in a Wayland session, unless GTK was told to
/// use X11 (`GDK_BACKEND=x11`).
fn can_place_windows(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    let wayland = var("WAYLAND_DISPLAY").is_some_and(|v| !v.is_empty());
    let x11_asked = var("GDK_BACKEND").is_some_and(|v| v.to_string_lossy().starts_with("x11"));
    !wayland || x11_asked
}

/// A transparent window is not seen even where a window manager keeps it on screen (with a
/// compositor; without one, the off-screen position is kept).
fn set_transparent<R: Runtime>(window: &WebviewWindow<R>, transparent: bool) {
    #[cfg(target_os = "linux")]
    if let Ok(gtk_window) = window.gtk_window() {
        use gtk::prelude::WidgetExt;
        gtk_window.set_opacity(if transparent { 0.0 } else { 1.0 });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (window, transparent);
}

/// Top-right corner of the current monitor, a margin away from the panel.
fn place_near_tray<R: Runtime>(window: &WebviewWindow<R>) {
    let monitor = match window.current_monitor() {
        Ok(Some(m)) => m,
        _ => match window.primary_monitor() {
            Ok(Some(m)) => m,
            _ => return,
        },
    };
    let scale = monitor.scale_factor();
    let size = monitor.size().to_logical::<f64>(scale);
    let origin = monitor.position().to_logical::<f64>(scale);
    let x = origin.x + size.width - CARD_SIZE.0 - 16.0;
    let y = origin.y + 40.0;
    let _ = window.set_position(tauri::LogicalPosition::new(x, y));
}

/// WebKitGTK's switch for its GPU compositing.
pub const COMPOSITING_VARIABLE: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Has WebKit draw the windows without GPU compositing, unless the environment already says
/// (`WEBKIT_DISABLE_COMPOSITING_MODE=0` keeps it). The pages are forms, lists and text, with no
/// animation, video or WebGL to accelerate; compositing costs the web process a GL context,
/// which on a machine without a GPU driver (a virtual display, a thin client) is Mesa's
/// software renderer: measured under Xvfb, about 70 MiB of the web process's memory, and a
/// first frame 150 ms late each time a window is first shown. Called at start, before any
/// window exists and while the app has a single thread.
pub fn draw_without_compositing() {
    if let Some(value) = compositing_value(std::env::var_os(COMPOSITING_VARIABLE).as_deref()) {
        std::env::set_var(COMPOSITING_VARIABLE, value);
    }
}

/// JavaScriptCore's switch for its just-in-time compilers (read by the web process, which
/// inherits the app's environment).
pub const JIT_VARIABLE: &str = "JSC_useJIT";

/// Has JavaScriptCore run the pages' scripts in its interpreter, without its just-in-time
/// compilers, unless the environment already says (`JSC_useJIT=true` keeps them). The scripts
/// draw a card, a list or a form from a few kilobytes of JSON: compiled code and the compilers'
/// own memory buy them nothing an agent would see, and cost the web process about 8 MiB
/// (measured by `cargo xtask bench-desktop`, as is the time from a ring to its card drawn). No
/// page then holds memory that is both writable and executable. Called at start, with
/// [`draw_without_compositing`].
pub fn interpret_javascript() {
    if let Some(value) = jit_value(std::env::var_os(JIT_VARIABLE).as_deref()) {
        std::env::set_var(JIT_VARIABLE, value);
    }
}

/// What to set [`JIT_VARIABLE`] to, given its value in the environment: `false` when it is not
/// set, nothing when the environment chose.
fn jit_value(set: Option<&std::ffi::OsStr>) -> Option<&'static str> {
    match set {
        None => Some("false"),
        Some(_) => None,
    }
}

/// What to set [`COMPOSITING_VARIABLE`] to, given its value in the environment: `1` (compositing
/// off) when it is not set, nothing when the environment chose.
fn compositing_value(set: Option<&std::ffi::OsStr>) -> Option<&'static str> {
    match set {
        None => Some("1"),
        Some(_) => None,
    }
}

/// Hides a window (the app lives on in the tray).
pub fn hide<R: Runtime>(app: &AppHandle<R>, label: WindowLabel) -> tauri::Result<()> {
    match app.get_webview_window(label.as_str()) {
        Some(w) => w.hide(),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_card_is_shown_off_screen_once_only_where_the_app_places_its_windows() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            }
        };
        assert!(can_place_windows(env(&[("DISPLAY", ":0")])), "X11");
        assert!(
            !can_place_windows(env(&[("DISPLAY", ":0"), ("WAYLAND_DISPLAY", "wayland-0")])),
            "Wayland, with XWayland beside it"
        );
        assert!(
            can_place_windows(env(&[
                ("WAYLAND_DISPLAY", "wayland-0"),
                ("GDK_BACKEND", "x11")
            ])),
            "GTK told to use XWayland"
        );
    }

    #[test]
    fn windows_are_drawn_without_compositing_unless_the_environment_chose() {
        assert_eq!(
            compositing_value(None),
            Some("1"),
            "WebKit is told to draw without compositing"
        );
        assert_eq!(
            compositing_value(Some(std::ffi::OsStr::new("0"))),
            None,
            "the agent's own choice is kept"
        );
    }

    #[test]
    fn scripts_are_interpreted_unless_the_environment_chose() {
        assert_eq!(
            jit_value(None),
            Some("false"),
            "JavaScriptCore is told not to compile"
        );
        assert_eq!(
            jit_value(Some(std::ffi::OsStr::new("true"))),
            None,
            "the agent's own choice is kept"
        );
    }
}
