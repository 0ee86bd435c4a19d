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

use super::access::{may_look_up, may_see, visible_call};
pub(super) use super::failure::Failure;
use super::history::{HistoryItem, Refused};
use super::idempotency::{answer_once, client_key};
use super::AppState;
use crate::card::Card;
use crate::domain::subject::{Status, Subject};
use crate::intercom;
use crate::pacing::Priority;
use crate::phone::{CallerId, Region};
use crate::pipeline::actions::{self, Action, ActionError};
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
    state.store.agent_for_token(token)?.ok_or_else(|| {
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
    let workspace = state
        .store
        .intercom_identity(state.intercom.identity_key())?
        .map(|i| i.workspace_id);
    let items = state
        .store
        // Another agent's calls are skipped: read further back so that `limit` rows remain.
        .recent_subjects(if agent.admin { limit } else { limit * 10 })?
        .into_iter()
        .filter(|s| may_see(&agent, s))
        .take(limit)
        .map(|s| {
            let url = s
                .conversation_id
                .as_ref()
                .zip(workspace.as_ref())
                .map(|(c, w)| intercom::conversation_url(w, c));
            let name = contact_name(&state, &s)?;
            // A call that is not logged holds its notes back (its reason says why); one that
            // is may still have had a note or tag refused by Intercom.
            let refused = if s.status == Status::Logged {
                Refused::among(&state.store.outbox_of(&s.key())?)
            } else {
                Vec::new()
            };
            Ok(HistoryItem::of(s, name, url, refused))
        })
        .collect::<Result<_, Failure>>()?;
    Ok(Json(items))
}

/// The name of the Intercom contact a call or message is about: the one it is logged to, else
/// the one contact the index holds for its number (none for a shared or unknown number).
fn contact_name(state: &AppState, s: &Subject) -> Result<Option<String>, Failure> {
    if let Some(id) = &s.contact_id {
        return Ok(state.store.contact_name(id)?);
    }
    let Ok(CallerId::Number(number)) = s.caller(state.default_region) else {
        return Ok(None);
    };
    let found = state.store.contacts_by_phone(&number)?;
    Ok(match found.as_slice() {
        [one] => one.contact.name.clone(),
        _ => None,
    })
}

/// The call's card, with its own conversation and tags once the hub tracks the call.
async fn call_card(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Result<Json<Card>, Failure> {
    let agent = authenticate(&state, &headers)?;
    // Only a call the hub knows: asking Aircall for any id would spend its budget for anyone.
    let subject = visible_call(&state, &agent, id)?;
    let call = subject
        .call()
        .cloned()
        .ok_or_else(|| Failure::unknown_call(id))?;
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
    // A shared number: the agent may pick one of these on the card.
    let offered: Vec<String> = card
        .contact
        .candidates
        .iter()
        .map(|c| c.id.clone())
        .collect();
    state
        .store
        .subject_offer_candidates(&subject.key(), &offered)?;
    card.call_conversation = Some(state.cards.call_conversation(&subject).await?);
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
    let agent = authenticate(&state, &headers)?;
    state.lookups.take(&agent.email)?;
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
    if !may_look_up(&state, &agent, &caller)? {
        return Err(Failure::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "an agent may look up the numbers of their own calls only",
        ));
    }
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
    visible_call(state, agent, call_id)?;
    let id = call_id.to_string();
    let request = [id.as_str(), &format!("{action:?}")];
    answer_once(state, agent, client_key.as_deref(), &request, || async {
        let unique = match &client_key {
            Some(k) => k.clone(),
            None => crate::store::new_token()?.expose()[3..27].to_owned(),
        };
        let queued = actions::queue(
            &state.store,
            call_id,
            &agent.email,
            &unique,
            &action,
            state.now(),
        )?;
        state.pipeline.effects_queued();
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
    let subject = visible_call(&state, &agent, id)?;
    let call = id.to_string();
    let request = ["contact", call.as_str(), contact_id];
    answer_once(&state, &agent, client_key.as_deref(), &request, || async {
        if subject.conversation_id.is_some() {
            return Err(Failure::new(
                StatusCode::CONFLICT,
                "already_logged",
                "this call is already logged",
            ));
        }
        if !subject.candidates.iter().any(|c| c == contact_id) {
            return Err(Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "not_a_candidate",
                "this contact was not offered for this call",
            ));
        }
        // The contact must still exist in Intercom.
        let contact = state
            .intercom
            .at(Priority::Interactive)
            .contact(contact_id)
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
            json!({ "queued": true, "contact_id": contact.id }),
        ))
    })
    .await
}
