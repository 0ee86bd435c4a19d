//! Commands of the integration: the hub's settings (shown read-only when a company hub sets
//! them) and its contact sync's progress.

use std::sync::Arc;

use serde_json::Value;
use tauri::State;

use crate::desk::{Desk, SyncStatus};
use crate::error::Result;

/// The hub's integration settings: `{settings, sync}`.
#[tauri::command]
pub async fn hub_settings(desk: State<'_, Arc<Desk>>) -> Result<Value> {
    desk.hub_settings().await
}

/// How the hub's contact sync is doing.
#[tauri::command]
pub async fn sync_status(desk: State<'_, Arc<Desk>>) -> Result<SyncStatus> {
    desk.sync_status().await
}
