//! Commands of the settings and the first run's setup: the non-secret settings, the secrets in
//! the keyring, the checks in words, and the way to the demo.

use std::sync::Arc;

use ringside_core::doctor::Check;
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, State};

use crate::autostart::Autostart;
use crate::desk::{Desk, Status};
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::vault::SecretName;

/// The settings, and which secrets are saved (never their values).
#[derive(Debug, Serialize)]
pub struct SettingsView {
    /// Every setting.
    pub settings: Settings,
    /// The secrets the keyring holds.
    pub saved_secrets: Vec<SecretName>,
    /// Demo mode ignores the settings.
    pub demo: bool,
    /// Nothing saved yet: the main window opens the setup.
    pub first_run: bool,
    /// Standalone mode: the webhook address registered with Aircall.
    pub registered_webhook: Option<String>,
}

/// The settings; whether the app starts with the session is read from the autostart entry.
#[tauri::command]
pub async fn settings<R: Runtime>(
    app: AppHandle<R>,
    desk: State<'_, Arc<Desk>>,
) -> Result<SettingsView> {
    let saved_secrets = desk.saved_secrets().unwrap_or_default();
    let demo = desk.status()?.mode == "demo";
    let mut settings = desk.settings()?;
    if let Some(autostart) = app.try_state::<Autostart>() {
        settings.start_with_session = autostart.enabled();
    }
    Ok(SettingsView {
        settings,
        saved_secrets,
        demo,
        first_run: desk.first_run()?,
        registered_webhook: desk.registered_webhook(),
    })
}

/// Checks, saves and applies the settings (the language at once, in every window), and
/// writes or removes the autostart entry.
#[tauri::command]
pub async fn save_settings<R: Runtime>(
    app: AppHandle<R>,
    desk: State<'_, Arc<Desk>>,
    settings: Settings,
) -> Result<Status> {
    let on = settings.start_with_session;
    let language = settings.language;
    let status = desk.inner().save_settings(settings).await?;
    crate::apply_language(&app, language);
    if let Some(autostart) = app.try_state::<Autostart>() {
        let program = std::env::current_exe()
            .map_err(|e| Error::Invalid(format!("cannot find the app's program: {e}")))?;
        autostart.set(on, &program)?;
    }
    Ok(status)
}

/// Saves a secret in the OS keyring (an empty value deletes it) and applies it.
#[tauri::command]
pub async fn save_secret(
    desk: State<'_, Arc<Desk>>,
    name: SecretName,
    value: String,
) -> Result<Status> {
    desk.inner().save_secret(name, value).await
}

/// Checks the saved settings and secrets against the hub, or Intercom and Aircall, and says
/// what works and what to change, in words.
#[tauri::command]
pub async fn check_setup(desk: State<'_, Arc<Desk>>) -> Result<Vec<Check>> {
    desk.check_setup().await
}

/// "Try the demo": starts `ringside --demo` (a separate app on the built-in sandbox, in a
/// temporary directory) and closes this one; the settings stay as they are.
#[tauri::command]
pub async fn start_demo<R: Runtime>(app: AppHandle<R>) -> Result<()> {
    let exe = std::env::current_exe()
        .map_err(|e| Error::Invalid(format!("cannot find the app's program: {e}")))?;
    std::process::Command::new(exe)
        .arg("--demo")
        .spawn()
        .map_err(|e| Error::Invalid(format!("cannot start the demo: {e}")))?;
    app.exit(0);
    Ok(())
}

/// Standalone mode: registers the public https address (Settings) with Aircall, so that calls
/// reach the hub inside the app; returns the registered address.
#[tauri::command]
pub async fn register_webhook(desk: State<'_, Arc<Desk>>) -> Result<String> {
    desk.register_webhook().await
}
