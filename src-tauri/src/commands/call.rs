//! Commands of a call: its card, the history, tags, notes and the contact picker.

use std::sync::Arc;

use serde_json::Value;
use tauri::State;

use crate::desk::{Delivery, Desk, Dialed, HistoryView, MessageCard, Status};
use crate::error::Result;
use crate::journal::{Request, StoredCard};

/// The status: mode, connection, queued actions, pause.
#[tauri::command]
pub async fn status(desk: State<'_, Arc<Desk>>) -> Result<Status> {
    desk.status()
}

/// A call's card (the kept one when the hub is away).
#[tauri::command]
pub async fn card(desk: State<'_, Arc<Desk>>, call_id: u64) -> Result<StoredCard> {
    crate::timings::mark("fetch", Some(call_id));
    let card = desk.card(call_id).await;
    crate::timings::mark("fetched", Some(call_id));
    card
}

/// The last cards, newest first.
#[tauri::command]
pub async fn recent_cards(
    desk: State<'_, Arc<Desk>>,
    limit: Option<u32>,
) -> Result<Vec<StoredCard>> {
    desk.recent_cards(limit.unwrap_or(20))
}

/// Recent calls and messages with their logging state in words and their actions.
#[tauri::command]
pub async fn history(desk: State<'_, Arc<Desk>>) -> Result<HistoryView> {
    desk.history().await
}

/// The last inbound message that popped up (the card window opened for it reads it).
#[tauri::command]
pub async fn last_message(desk: State<'_, Arc<Desk>>) -> Result<Option<MessageCard>> {
    desk.last_message()
}

/// Puts a number in the agent's own Aircall phone (a call back, or the dial box); the result
/// in words.
#[tauri::command]
pub async fn dial(desk: State<'_, Arc<Desk>>, to: String, call_id: Option<u64>) -> Result<Dialed> {
    Ok(desk.dial(&to, call_id).await)
}

/// Intercom's tags, for completion.
#[tauri::command]
pub async fn tags(desk: State<'_, Arc<Desk>>) -> Result<Value> {
    desk.tags().await
}

/// Tags the call's conversation.
#[tauri::command]
pub async fn add_tag(desk: State<'_, Arc<Desk>>, call_id: u64, name: String) -> Result<Delivery> {
    desk.act(call_id, Request::AddTag(name)).await
}

/// Untags the call's conversation.
#[tauri::command]
pub async fn remove_tag(
    desk: State<'_, Arc<Desk>>,
    call_id: u64,
    name: String,
) -> Result<Delivery> {
    desk.act(call_id, Request::RemoveTag(name)).await
}

/// A note on the call's conversation.
#[tauri::command]
pub async fn add_note(desk: State<'_, Arc<Desk>>, call_id: u64, body: String) -> Result<Delivery> {
    desk.act(call_id, Request::Note(body)).await
}

/// The limits on what the agent types, in characters (the UI counts `[...text].length`).
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Limits {
    /// The longest note.
    pub note_max_chars: usize,
    /// The longest tag name.
    pub tag_max_chars: usize,
}

/// The limits the app and the hub apply to notes and tags, for the UI to apply the same.
#[tauri::command]
pub async fn limits() -> Result<Limits> {
    Ok(Limits {
        note_max_chars: ringside_core::limits::NOTE_MAX_CHARS,
        tag_max_chars: ringside_core::limits::TAG_MAX_CHARS,
    })
}

/// Logs a shared-number call to the chosen contact.
#[tauri::command]
pub async fn choose_contact(
    desk: State<'_, Arc<Desk>>,
    call_id: u64,
    contact_id: String,
) -> Result<Delivery> {
    desk.act(call_id, Request::Contact(contact_id)).await
}
