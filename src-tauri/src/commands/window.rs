//! Commands of the windows: open a link in the browser, show a card, close the caller, and the
//! card window's acknowledgement that it rendered a call.

use tauri::{AppHandle, Emitter, Manager, Runtime, WebviewWindow};
use tauri_plugin_opener::OpenerExt;

use crate::error::{Error, Result};
use crate::timings;
use crate::windows::{self, WindowLabel};

/// Opens an Intercom link ("See contact page", "See last conversation") in the browser.
#[tauri::command]
pub async fn open_link<R: Runtime>(app: AppHandle<R>, url: String) -> Result<()> {
    let parsed =
        url::Url::parse(&url).map_err(|_| Error::Invalid(format!("`{url}` is not a link")))?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err(Error::Invalid(format!("only web links open; not `{url}`")));
    }
    app.opener()
        .open_url(parsed.as_str(), None::<&str>)
        .map_err(|e| Error::Invalid(e.to_string()))
}

/// Shows the card window on this call.
#[tauri::command]
pub async fn show_card<R: Runtime>(app: AppHandle<R>, call_id: u64) -> Result<()> {
    windows::show(&app, WindowLabel::Card, Some(&call_id.to_string()))?;
    app.emit_to(WindowLabel::Card.as_str(), "card://focus", call_id)?;
    Ok(())
}

/// Hides the window that asks (the app stays in the tray).
#[tauri::command]
pub async fn close_window<R: Runtime>(window: WebviewWindow<R>) -> Result<()> {
    match WindowLabel::parse(window.label()) {
        Some(label) => Ok(windows::hide(window.app_handle(), label)?),
        None => Err(Error::Invalid(format!(
            "unknown window `{}`",
            window.label()
        ))),
    }
}

/// The card window rendered this call's card (it says so on the frame after drawing it, once
/// per call). This acknowledgement only feeds the `card` timing mark of the desktop benchmark
/// (see [`crate::timings`]); it changes nothing.
#[tauri::command]
pub async fn card_shown(call_id: u64) -> Result<()> {
    timings::mark("card", Some(call_id));
    Ok(())
}
