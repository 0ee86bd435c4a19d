//! The agents' REST API (`/api/v1/…`): cards, history, tags, notes and the contact picker.
//! Every route needs `Authorization: Bearer <agent token>`, and an agent reads and acts only on
//! the calls that concern them (see `access.rs`). Errors are `{"error": {"code", "message"}}`
//! with a code the desktop app acts on (see `failure.rs`).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

pub(super) use super::failure::Failure;
use super::idempotency::{answer_once, client_key};
use super::AppState;
use crate::card::Card;
use crate::domain::history::HistoryItem;
use crate::intercom;
use crate::pipeline::actions::Action;
use crate::store::Agent;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/calls", get(history))
        .route("/api/v1/calls/{id}/card", get(call_card))
        .route("/api/v1/cards", get(phone_card))
        .route("/api/v1/tags", get(tags))
        .route("/api/v1/calls/{id}/tags", post(add_tag))
        .route("/api/v1/calls/{id}/tags/{name}", delete(remove_tag))
        .route("/api/v1/calls/{id}/notes", post(add_note))
        .route("/api/v1/calls/{id}/contact", post(choose_contact))
}

/// The bearer token of a request, when it has one.
pub(super) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The agent behind the request's bearer token.
pub(super) fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Agent, Failure> {
    let token = bearer(headers).ok_or_else(|| {
        Failure::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "an agent token is required (Authorization: Bearer …)",
        )
    })?;
    state.engine.agent_for_token(token)?.ok_or_else(|| {
        Failure::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "this agent token is unknown or revoked",
        )
    })
}

#[derive(Debug, Deserialize)]
struct Limit {
    limit: Option<usize>,
}

async fn history(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Limit>,
) -> Result<Json<Vec<HistoryItem>>, Failure> {
    let agent = authenticate(&state, &headers)?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    Ok(Json(state.engine.history(&agent, limit)?))
}

/// The call's card, with its own conversation and tags once the hub tracks the call.
async fn call_card(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Result<Json<Card>, Failure> {
    let agent = authenticate(&state, &headers)?;
    Ok(Json(state.engine.card_for_call(&agent, id).await?))
}

#[derive(Debug, Deserialize)]
struct PhoneQuery {
    phone: String,
    region: Option<String>,
}

async fn phone_card(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<PhoneQuery>,
) -> Result<Json<Card>, Failure> {
    let agent = authenticate(&state, &headers)?;
    state.lookups.take(&agent.email)?;
    Ok(Json(
        state
            .engine
            .card_for_number(&agent, &q.phone, q.region.as_deref())
            .await?,
    ))
}

async fn tags(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<intercom::Tag>>, Failure> {
    authenticate(&state, &headers)?;
    Ok(Json(state.engine.tags().await?))
}

#[derive(Debug, Deserialize)]
struct TagBody {
    name: String,
}

#[derive(Debug, Deserialize)]
struct NoteBody {
    body: String,
}

#[derive(Debug, Deserialize)]
struct ContactBody {
    contact_id: String,
}

/// Queues an agent's action on a call the hub knows and the agent may see. The
/// `Idempotency-Key` header makes a retried request harmless.
async fn queue(
    state: &AppState,
    headers: &HeaderMap,
    call_id: u64,
    agent: &Agent,
    action: Action,
) -> Result<Response, Failure> {
    let client_key = client_key(headers)?;
    state.engine.visible_call(agent, call_id)?;
    let id = call_id.to_string();
    let request = [id.as_str(), &format!("{action:?}")];
    answer_once(state, agent, client_key.as_deref(), &request, || async {
        let unique = match &client_key {
            Some(k) => k.clone(),
            None => crate::store::new_token()?.expose()[3..27].to_owned(),
        };
        let queued = state
            .engine
            .queue_action(agent, call_id, &unique, &action)?;
        Ok((
            StatusCode::ACCEPTED,
            json!({ "queued": queued.queued, "key": queued.key }),
        ))
    })
    .await
}

async fn add_tag(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Json(body): Json<TagBody>,
) -> Result<Response, Failure> {
    let agent = authenticate(&state, &headers)?;
    let name = tag_name(&body.name)?;
    queue(&state, &headers, id, &agent, Action::Tag(name)).await
}

/// A tag's name, trimmed, if it has 1 to `TAG_MAX_CHARS` characters (adding and removing alike).
fn tag_name(raw: &str) -> Result<String, Failure> {
    let name = raw.trim();
    if name.is_empty() || !crate::limits::fits(name, crate::limits::TAG_MAX_CHARS) {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "bad_tag",
            format!(
                "a tag name has 1 to {} characters",
                crate::limits::TAG_MAX_CHARS
            ),
        ));
    }
    Ok(name.to_owned())
}

async fn remove_tag(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, name)): Path<(u64, String)>,
) -> Result<Response, Failure> {
    let agent = authenticate(&state, &headers)?;
    let name = tag_name(&name)?;
    queue(&state, &headers, id, &agent, Action::Untag(name)).await
}

async fn add_note(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Json(body): Json<NoteBody>,
) -> Result<Response, Failure> {
    let agent = authenticate(&state, &headers)?;
    let text = body.body.trim();
    if text.is_empty() || !crate::limits::fits(text, crate::limits::NOTE_MAX_CHARS) {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "bad_note",
            format!(
                "a note has 1 to {} characters",
                crate::limits::NOTE_MAX_CHARS
            ),
        ));
    }
    queue(&state, &headers, id, &agent, Action::Note(text.to_owned())).await
}

/// An agent picks the contact of a call the hub could not log on its own: one of the
/// candidates it offered for that call, and no other.
async fn choose_contact(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Json(body): Json<ContactBody>,
) -> Result<Response, Failure> {
    let agent = authenticate(&state, &headers)?;
    let client_key = client_key(&headers)?;
    let contact_id = body.contact_id.trim();
    // An id that could change an Intercom path is refused before anything else.
    crate::transport::path_segment(crate::error::Api::Intercom, contact_id)?;
    let subject = state.engine.visible_call(&agent, id)?;
    let call = id.to_string();
    let request = ["contact", call.as_str(), contact_id];
    answer_once(&state, &agent, client_key.as_deref(), &request, || async {
        let contact_id = state.engine.choose_contact(&subject, contact_id).await?;
        Ok((
            StatusCode::ACCEPTED,
            json!({ "queued": true, "contact_id": contact_id }),
        ))
    })
    .await
}
