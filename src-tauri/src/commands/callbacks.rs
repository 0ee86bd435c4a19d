//! Commands of the main window's day: the "To call back" list, claiming and dismissing an
//! item, and "My day".

use std::sync::Arc;

use tauri::State;

use crate::desk::{CallbackRow, CallbacksView, DayView, Desk};
use crate::error::Result;

/// The team's calls to return that the agent may see (`state`: `open`, the default, `closed`
/// for the last 24 hours, or `all`); the kept list when the hub is away.
#[tauri::command]
pub async fn callbacks(desk: State<'_, Arc<Desk>>, state: Option<String>) -> Result<CallbacksView> {
    desk.callbacks(state.as_deref()).await
}

/// The agent calls an item back: it is theirs, and teammates see who is calling.
#[tauri::command]
pub async fn claim_callback(desk: State<'_, Arc<Desk>>, id: i64) -> Result<CallbackRow> {
    desk.claim_callback(id).await
}

/// The agent takes an item off the list without calling back, with a reason.
#[tauri::command]
pub async fn dismiss_callback(
    desk: State<'_, Arc<Desk>>,
    id: i64,
    reason: String,
) -> Result<CallbackRow> {
    desk.dismiss_callback(id, &reason).await
}

/// The agent's day so far: answered, missed, returned, outbound, average handle time, late.
#[tauri::command]
pub async fn my_day(desk: State<'_, Arc<Desk>>) -> Result<DayView> {
    desk.my_day().await
}
