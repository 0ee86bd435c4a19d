//! The app's windows: their labels, pages and placement. The card window is small, always on
//! top and placed near the tray (the top-right corner of the screen on Linux desktops). When the
//! app manages a [`WebviewData`] directory (demo mode), the webviews keep their data there
//! instead of WebKit's default per-user directory.

use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindow, WebviewWindowBuilder};

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
        None => {
            let page = match fragment {
                Some(f) => format!("{}#{f}", label.page()),
                None => label.page().to_owned(),
            };
            let mut builder =
                WebviewWindowBuilder::new(app, label.as_str(), WebviewUrl::App(page.into()));
            if let Some(data) = app.try_state::<WebviewData>() {
                builder = builder.data_directory(data.0.clone());
            }
            match label {
                WindowLabel::Main => builder
                    .title("Ringside")
                    .inner_size(880.0, 620.0)
                    .min_inner_size(560.0, 400.0)
                    .build()?,
                WindowLabel::Card => {
                    let w = builder
                        .title("Ringside — call")
                        .inner_size(CARD_SIZE.0, CARD_SIZE.1)
                        .resizable(false)
                        .always_on_top(true)
                        .skip_taskbar(true)
                        .build()?;
                    place_near_tray(&w);
                    w
                }
            }
        }
    };
    window.show()?;
    window.unminimize()?;
    window.set_focus()?;
    Ok(window)
}

/// Top-right corner of the current monitor, a margin away from the panel.
fn place_near_tray<R: Runtime>(window: &WebviewWindow<R>) {
    let Ok(Some(monitor)) = window.current_monitor() else {
        return;
    };
    let scale = monitor.scale_factor();
    let size = monitor.size().to_logical::<f64>(scale);
    let origin = monitor.position().to_logical::<f64>(scale);
    let x = origin.x + size.width - CARD_SIZE.0 - 16.0;
    let y = origin.y + 40.0;
    let _ = window.set_position(tauri::LogicalPosition::new(x, y));
}

/// Hides a window (the app lives on in the tray).
pub fn hide<R: Runtime>(app: &AppHandle<R>, label: WindowLabel) -> tauri::Result<()> {
    match app.get_webview_window(label.as_str()) {
        Some(w) => w.hide(),
        None => Ok(()),
    }
}
