//! Commands of the card's wrap-up (the outcomes the hub asks for, the outcome chosen, "Done")
//! and of the agent's presence around calls (Settings' "Set me away in Intercom while I'm on a
//! call").

use std::sync::Arc;

use tauri::State;

use crate::desk::{Delivery, Desk, Presence, WrapUp};
use crate::error::Result;

/// What the wrap-up asks: the hub's outcomes and whether one is required (the last ones read
/// when the hub is away).
#[tauri::command]
pub async fn wrap_up(desk: State<'_, Arc<Desk>>) -> Result<WrapUp> {
    desk.wrap_up().await
}

/// The call's outcome, one of the hub's list in any letter case; queued like a note.
#[tauri::command]
pub async fn set_outcome(
    desk: State<'_, Arc<Desk>>,
    call_id: u64,
    outcome: String,
) -> Result<Delivery> {
    desk.set_outcome(call_id, &outcome).await
}

/// The agent is done with the call's wrap-up; queued like a note.
#[tauri::command]
pub async fn wrap_up_done(desk: State<'_, Arc<Desk>>, call_id: u64) -> Result<Delivery> {
    desk.wrap_up_done(call_id).await
}

/// The agent's presence as the hub keeps it.
#[tauri::command]
pub async fn presence(desk: State<'_, Arc<Desk>>) -> Result<Presence> {
    desk.presence().await
}

/// Whether the hub sets this agent away in Intercom during calls.
#[tauri::command]
pub async fn set_presence(desk: State<'_, Arc<Desk>>, follow_calls: bool) -> Result<Presence> {
    desk.set_presence(follow_calls).await
}
