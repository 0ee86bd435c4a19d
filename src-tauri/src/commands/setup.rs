//! Commands of the settings: the non-secret settings and the secrets in the keyring.

use std::sync::Arc;

use serde::Serialize;
use tauri::State;

use crate::desk::{Desk, Status};
use crate::error::Result;
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
}

/// The settings.
#[tauri::command]
pub async fn settings(desk: State<'_, Arc<Desk>>) -> Result<SettingsView> {
    let saved_secrets = desk.saved_secrets().unwrap_or_default();
    let demo = desk.status()?.mode == "demo";
    Ok(SettingsView {
        settings: desk.settings()?,
        saved_secrets,
        demo,
    })
}

/// Checks, saves and applies the settings.
#[tauri::command]
pub async fn save_settings(desk: State<'_, Arc<Desk>>, settings: Settings) -> Result<Status> {
    desk.inner().save_settings(settings).await
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
