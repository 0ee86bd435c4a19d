//! Commands of the first run's connection to a hub: sign in with Intercom (in the system
//! browser), cancel it, join with an invitation link, and take the invitation the desktop
//! handed over.

use std::sync::Arc;

use tauri::{AppHandle, Runtime, State};
use tauri_plugin_opener::OpenerExt;
use url::Url;

use crate::desk::SignedIn;
use crate::desk::{Desk, InvitationOffer};
use crate::error::Result;
use crate::signin::SignInError;

/// The environment variable that names a program to open the sign-in page with, in place of
/// the system browser (the tests' browser; it gets the address as its one argument).
pub const BROWSER_ENV: &str = "RINGSIDE_BROWSER";

/// Signs in with Intercom at `hub`; answers once the browser came back and the app connects.
#[tauri::command]
pub async fn sign_in<R: Runtime>(
    app: AppHandle<R>,
    desk: State<'_, Arc<Desk>>,
    hub: String,
) -> Result<SignedIn> {
    desk.inner()
        .sign_in_with_intercom(&hub, |url| open_in_browser(&app, url))
        .await
}

/// Cancels the sign-in under way.
#[tauri::command]
pub async fn cancel_sign_in(desk: State<'_, Arc<Desk>>) -> Result<()> {
    desk.cancel_sign_in();
    Ok(())
}

/// Joins the hub of an invitation link.
#[tauri::command]
pub async fn join(desk: State<'_, Arc<Desk>>, link: String) -> Result<SignedIn> {
    desk.inner().join(&link).await
}

/// The invitation the desktop opened the app with, once.
#[tauri::command]
pub async fn take_invitation(desk: State<'_, Arc<Desk>>) -> Result<Option<InvitationOffer>> {
    Ok(desk.take_invitation())
}

/// Opens the hub's sign-in page: with the program [`BROWSER_ENV`] names, or the system browser.
fn open_in_browser<R: Runtime>(
    app: &AppHandle<R>,
    url: &Url,
) -> std::result::Result<(), SignInError> {
    let Some(program) = std::env::var_os(BROWSER_ENV).filter(|p| !p.is_empty()) else {
        return app
            .opener()
            .open_url(url.as_str(), None::<&str>)
            .map_err(|e| SignInError::Browser(e.to_string()));
    };
    let mut child = std::process::Command::new(&program)
        .arg(url.as_str())
        .stdin(std::process::Stdio::null())
        .spawn()
        .map_err(|e| SignInError::Browser(format!("{}: {e}", program.to_string_lossy())))?;
    std::thread::spawn(move || child.wait());
    Ok(())
}
