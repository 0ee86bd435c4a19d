//! The agents' REST API (`/api/v1/…`): cards, history, tags, notes and the contact picker.
//! Every route needs `Authorization: Bearer <agent token>`. Errors are `{"error": {"code",
//! "message"}}` with a code the desktop app acts on.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::AppState;
use crate::aircall::{Call, Message};
use crate::card::Card;
use crate::intercom;
use crate::pacing::Priority;
use crate::phone::{CallerId, Region};
use crate::rules::notes::escape;
use crate::rules::Effect;
use crate::store::{Agent, Lane, NewEffect, Subject};

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

/// An error for the desktop app.
#[derive(Debug)]
pub(super) struct Failure {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Failure {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Failure {
            status,
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({ "error": { "code": self.code, "message": self.message } })),
        )
            .into_response()
    }
}

impl From<crate::store::StoreError> for Failure {
    fn from(e: crate::store::StoreError) -> Self {
        Failure::new(StatusCode::SERVICE_UNAVAILABLE, "storage", e.to_string())
    }
}

impl From<crate::error::ApiError> for Failure {
    fn from(e: crate::error::ApiError) -> Self {
        Failure::new(StatusCode::BAD_GATEWAY, "upstream", e.to_string())
    }
}

impl From<crate::card::CardError> for Failure {
    fn from(e: crate::card::CardError) -> Self {
        Failure::new(StatusCode::BAD_GATEWAY, "upstream", e.to_string())
    }
}

/// The agent behind the request's bearer token.
pub(super) fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Agent, Failure> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Failure::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "an agent token is required (Authorization: Bearer …)",
            )
        })?;
    state.store.agent_for_token(token)?.ok_or_else(|| {
        Failure::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "this agent token is unknown or revoked",
        )
    })
}

/// One line of the history.
#[derive(Debug, Serialize)]
struct HistoryItem {
    kind: String,
    id: String,
    direction: Option<String>,
    phone: Option<String>,
    line: Option<String>,
    status: String,
    reason: Option<String>,
    contact_id: Option<String>,
    conversation_id: Option<String>,
    conversation_url: Option<String>,
    created_at: i64,
    updated_at: i64,
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
    authenticate(&state, &headers)?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let workspace = state
        .store
        .intercom_identity(state.intercom.identity_key())?
        .map(|i| i.workspace_id);
    let items = state
        .store
        .recent_subjects(limit)?
        .into_iter()
        .map(|s| {
            let (direction, phone, line) = describe(&s);
            HistoryItem {
                conversation_url: s
                    .conversation_id
                    .as_ref()
                    .zip(workspace.as_ref())
                    .map(|(c, w)| intercom::conversation_url(w, c)),
                kind: s.kind,
                id: s.id,
                direction,
                phone,
                line,
                status: s.status,
                reason: s.reason,
                contact_id: s.contact_id,
                conversation_id: s.conversation_id,
                created_at: s.created_at,
                updated_at: s.updated_at,
            }
        })
        .collect();
    Ok(Json(items))
}

fn describe(s: &Subject) -> (Option<String>, Option<String>, Option<String>) {
    if s.kind == "call" {
        match serde_json::from_value::<Call>(s.snapshot.clone()) {
            Ok(c) => (
                Some(format!("{:?}", c.direction).to_lowercase()),
                Some(c.raw_digits),
                c.number.map(|n| n.name),
            ),
            Err(_) => (None, None, None),
        }
    } else {
        match serde_json::from_value::<Message>(s.snapshot.clone()) {
            Ok(m) => (
                Some(format!("{:?}", m.direction).to_lowercase()),
                m.external_number.or(m.raw_digits),
                m.number.map(|n| n.name),
            ),
            Err(_) => (None, None, None),
        }
    }
}

/// The call's card, with its own conversation and tags once the hub tracks the call.
async fn call_card(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Result<Json<Card>, Failure> {
    authenticate(&state, &headers)?;
    let subject = state.store.subject("call", &id.to_string())?;
    let call: Call =
        match &subject {
            Some(s) => serde_json::from_value(s.snapshot.clone()).map_err(|e| {
                Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "storage", e.to_string())
            })?,
            None => match &state.aircall {
                Some(aircall) => aircall
                    .at(Priority::Interactive)
                    .call(id)
                    .await
                    .map_err(|e| match e {
                        crate::error::ApiError::NotFound { .. } => Failure::new(
                            StatusCode::NOT_FOUND,
                            "not_found",
                            format!("Aircall has no call {id}"),
                        ),
                        other => other.into(),
                    })?,
                None => {
                    return Err(Failure::new(
                        StatusCode::NOT_FOUND,
                        "not_found",
                        format!("the hub has not seen call {id}"),
                    ))
                }
            },
        };
    let region = call
        .number
        .as_ref()
        .and_then(|n| n.country.as_deref())
        .and_then(|c| Region::parse(c).ok())
        .unwrap_or(state.default_region);
    let caller = CallerId::parse(&call.raw_digits, region).map_err(|e| {
        Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_number",
            e.to_string(),
        )
    })?;
    let mut card = state.cards.build(&caller, Some(id)).await?;
    if let Some(subject) = &subject {
        card.call_conversation = Some(state.cards.call_conversation(subject).await?);
    }
    Ok(Json(card))
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
    authenticate(&state, &headers)?;
    let region = match &q.region {
        Some(r) => Region::parse(r)
            .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, "bad_region", e.to_string()))?,
        None => state.default_region,
    };
    let caller = CallerId::parse(&q.phone, region).map_err(|e| {
        Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_number",
            e.to_string(),
        )
    })?;
    Ok(Json(state.cards.build(&caller, None).await?))
}

async fn tags(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<intercom::Tag>>, Failure> {
    authenticate(&state, &headers)?;
    Ok(Json(state.intercom.at(Priority::Interactive).tags().await?))
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

/// Queues an agent's effect on a call the hub knows. The `Idempotency-Key` header makes a
/// retried request harmless.
fn queue(
    state: &AppState,
    headers: &HeaderMap,
    call_id: u64,
    what: &str,
    effect: Effect,
) -> Result<Response, Failure> {
    let id = call_id.to_string();
    match state.store.subject("call", &id)? {
        None => {
            let why = format!("the hub has not seen call {call_id}");
            return Err(Failure::new(StatusCode::NOT_FOUND, "not_found", why));
        }
        Some(s) if s.status == "off" => {
            let why = s.reason.unwrap_or_else(|| "this call is not logged".into());
            let why = format!("{why}: there is no conversation to write to");
            return Err(Failure::new(StatusCode::CONFLICT, "not_logged", why));
        }
        Some(_) => {}
    }
    let client_key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .map_or_else(
            || crate::store::new_token().map(|t| t.expose()[3..27].to_owned()),
            Ok,
        )?;
    let key = format!("call:{id}:agent:{what}:{client_key}");
    let effect = NewEffect {
        key: key.clone(),
        lane: Lane::Logging,
        needs_conversation: effect.needs_conversation(),
        effect: serde_json::to_value(&effect).unwrap_or_default(),
    };
    let queued = state.store.outbox_push("call", &id, &effect, state.now())?;
    state.outbox_wake.notify_waiters();
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "queued": queued, "key": key })),
    )
        .into_response())
}

async fn add_tag(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Json(body): Json<TagBody>,
) -> Result<Response, Failure> {
    let agent = authenticate(&state, &headers)?;
    let name = body.name.trim();
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
    queue(
        &state,
        &headers,
        id,
        "tag",
        Effect::Tag {
            name: name.to_owned(),
            author_email: Some(agent.email),
        },
    )
}

async fn remove_tag(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, name)): Path<(u64, String)>,
) -> Result<Response, Failure> {
    let agent = authenticate(&state, &headers)?;
    queue(
        &state,
        &headers,
        id,
        "untag",
        Effect::Untag {
            name: name.trim().to_owned(),
            author_email: Some(agent.email),
        },
    )
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
    let html = format!("<p>{}</p>", escape(text).replace('\n', "<br>"));
    queue(
        &state,
        &headers,
        id,
        "note",
        Effect::AddNote {
            body: html,
            author_email: Some(agent.email),
        },
    )
}

async fn choose_contact(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Json(body): Json<ContactBody>,
) -> Result<Response, Failure> {
    authenticate(&state, &headers)?;
    let key = id.to_string();
    let Some(subject) = state.store.subject("call", &key)? else {
        return Err(Failure::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("the hub has not seen call {id}"),
        ));
    };
    if subject.conversation_id.is_some() {
        return Err(Failure::new(
            StatusCode::CONFLICT,
            "already_logged",
            "this call is already logged",
        ));
    }
    // The contact must exist in Intercom.
    let contact = state
        .intercom
        .at(Priority::Interactive)
        .contact(&body.contact_id)
        .await
        .map_err(|e| match e {
            crate::error::ApiError::NotFound { .. } => Failure::new(
                StatusCode::NOT_FOUND,
                "unknown_contact",
                "Intercom has no such contact",
            ),
            other => other.into(),
        })?;
    state
        .store
        .subject_choose_contact("call", &key, &contact.id, state.now())?;
    state.outbox_wake.notify_waiters();
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "queued": true, "contact_id": contact.id })),
    )
        .into_response())
}
