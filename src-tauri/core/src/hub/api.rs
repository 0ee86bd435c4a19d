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
use crate::card::Card;
use crate::intercom;
use crate::pacing::Priority;
use crate::phone::{CallerId, Region};
use crate::pipeline::actions::{self, Action, ActionError};
use crate::pipeline::subject::{Subject, SubjectKey, Tracked};
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
    /// What became of the card pushed to Aircall's phone app: `pushed`, `dropped` (the call
    /// stopped ringing before Aircall's budget let it through) or `failed`.
    card_push: Option<String>,
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
                kind: s.kind().as_str().to_owned(),
                direction,
                phone,
                line,
                status: s.status.as_str().to_owned(),
                card_push: s.card_push.map(|p| p.as_str().to_owned()),
                id: s.id,
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
    match &s.tracked {
        Tracked::Call { call, .. } => (
            Some(format!("{:?}", call.direction).to_lowercase()),
            Some(call.raw_digits.clone()),
            call.number.as_ref().map(|n| n.name.clone()),
        ),
        Tracked::Message { message: m, .. } => (
            Some(format!("{:?}", m.direction).to_lowercase()),
            m.external_number.clone().or_else(|| m.raw_digits.clone()),
            m.number.as_ref().map(|n| n.name.clone()),
        ),
    }
}

/// The call's card, with its own conversation and tags once the hub tracks the call.
async fn call_card(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Result<Json<Card>, Failure> {
    authenticate(&state, &headers)?;
    let subject = state.store.subject(&SubjectKey::call(id))?;
    let call =
        match subject.as_ref().and_then(Subject::call) {
            Some(call) => call.clone(),
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

impl From<ActionError> for Failure {
    fn from(e: ActionError) -> Self {
        match e {
            ActionError::UnknownCall(_) => {
                Failure::new(StatusCode::NOT_FOUND, "not_found", e.to_string())
            }
            ActionError::NotLogged(_) => {
                Failure::new(StatusCode::CONFLICT, "not_logged", e.to_string())
            }
            ActionError::Store(e) => e.into(),
        }
    }
}

/// Queues an agent's action on a call the hub knows. The `Idempotency-Key` header makes a
/// retried request harmless.
fn queue(
    state: &AppState,
    headers: &HeaderMap,
    call_id: u64,
    agent: &Agent,
    action: Action,
) -> Result<Response, Failure> {
    let client_key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .map_or_else(
            || crate::store::new_token().map(|t| t.expose()[3..27].to_owned()),
            Ok,
        )?;
    let queued = actions::queue(
        &state.store,
        call_id,
        &agent.email,
        &client_key,
        &action,
        state.now(),
    )?;
    state.pipeline.effects_queued();
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "queued": queued.queued, "key": queued.key })),
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
    queue(&state, &headers, id, &agent, Action::Tag(name.to_owned()))
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
        &agent,
        Action::Untag(name.trim().to_owned()),
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
    queue(&state, &headers, id, &agent, Action::Note(text.to_owned()))
}

async fn choose_contact(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Json(body): Json<ContactBody>,
) -> Result<Response, Failure> {
    authenticate(&state, &headers)?;
    let subject = actions::tracked_call(&state.store, id)?;
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
        .subject_choose_contact(&subject.key(), &contact.id, state.now())?;
    state.pipeline.effects_queued();
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "queued": true, "contact_id": contact.id })),
    )
        .into_response())
}
