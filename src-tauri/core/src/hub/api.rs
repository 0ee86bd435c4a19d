//! The agents' REST API (`/api/v1/…`): cards, history, tags, notes and the contact picker.
//! Every route needs `Authorization: Bearer <agent token>`, and an agent reads and acts only on
//! the calls that concern them (see `access.rs`). Errors are `{"error": {"code", "message"}}`
//! with a code the desktop app acts on (see `failure.rs`).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) use super::failure::Failure;
use super::idempotency::{answer_once, client_key};
use super::openapi::{ContactChosen, ErrorBody, Queued};
use super::AppState;
use crate::card::Card;
use crate::domain::history::HistoryItem;
use crate::intercom;
use crate::pipeline::actions::Action;
use crate::store::Agent;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(history))
        .routes(routes!(call_card))
        .routes(routes!(phone_card))
        .routes(routes!(tags))
        .routes(routes!(add_tag))
        .routes(routes!(remove_tag))
        .routes(routes!(add_note))
        .routes(routes!(choose_contact))
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
pub(super) async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Agent, Failure> {
    let token = bearer(headers).ok_or_else(|| {
        Failure::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "an agent token is required (Authorization: Bearer …)",
        )
    })?;
    let app = app_version(headers).map(str::to_owned);
    state
        .engine
        .agent_for_request(token, app)
        .await?
        .ok_or_else(|| {
            Failure::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "this agent token is unknown or revoked",
            )
        })
}

/// The desktop app's version, from its `User-Agent: Ringside/<version>` (the admin console
/// shows it).
fn app_version(headers: &HeaderMap) -> Option<&str> {
    let agent = headers.get(axum::http::header::USER_AGENT)?.to_str().ok()?;
    let version = agent.strip_prefix("Ringside/")?.split_whitespace().next()?;
    (!version.is_empty() && version.len() <= 40).then_some(version)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Limit {
    /// How many, newest first: 50 when absent, and at least 1 and at most 500 (a number
    /// beyond is taken as the nearest).
    limit: Option<usize>,
    /// `true`: only the calls still ringing or going on (the app asks for them when it
    /// connects, to show the card of a call that rang before it started).
    live: Option<bool>,
    /// With `live`: only calls the hub first saw at or after this time (UNIX seconds).
    since: Option<i64>,
}

/// This agent's recent calls and messages, newest first (an admin's: everyone's); with
/// `live=true`, only the calls still ringing or going on.
#[utoipa::path(
    get,
    path = "/api/v1/calls",
    tag = "calls",
    params(
        Limit,
    ),
    security(("agent_token" = [])),
    responses(
        (status = 200, description = "The history, newest first", body = [HistoryItem]),
        (status = 400, description = "`bad_request`: a `limit` that is not a number", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer; try again (with a `request_id`)", body = ErrorBody),
    )
)]
async fn history(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Limit>,
) -> Result<Json<Vec<HistoryItem>>, Failure> {
    let agent = authenticate(&state, &headers).await?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    if q.live == Some(true) {
        let since = q.since.unwrap_or(0);
        return Ok(Json(state.engine.live_calls(&agent, since, limit).await?));
    }
    Ok(Json(state.engine.history(&agent, limit).await?))
}

/// The call's card, with its own conversation and tags once the hub tracks the call.
#[utoipa::path(
    get,
    path = "/api/v1/calls/{id}/card",
    tag = "cards",
    params(
        ("id" = u64, Path, description = "Aircall's id of the call"),
    ),
    security(("agent_token" = [])),
    responses(
        (status = 200, description = "The card, with `call_conversation` (the call's own conversation and its tags)", body = Card),
        (status = 400, description = "`bad_request`: an id that is not a number", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 404, description = "`not_found`: the hub has not seen this call, or the agent may not see it", body = ErrorBody),
        (status = 502, description = "`upstream`: Intercom or Aircall failed or refused (with a `request_id`)", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer; try again (with a `request_id`)", body = ErrorBody),
    )
)]
async fn call_card(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Result<Json<Card>, Failure> {
    let agent = authenticate(&state, &headers).await?;
    Ok(Json(state.engine.card_for_call(&agent, id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PhoneQuery {
    /// The number, in any format.
    #[param(example = "+33612345678")]
    phone: String,
    /// The country a national number is read in (ISO 3166 code, e.g. `FR`); the hub's default
    /// region when absent.
    region: Option<String>,
}

/// The insight card of a number.
///
/// An admin may look up any number; an agent only the callers of calls they may see. At most
/// `RINGSIDE_CARD_LOOKUPS_PER_MINUTE` (30) look-ups a minute for each agent.
#[utoipa::path(
    get,
    path = "/api/v1/cards",
    tag = "cards",
    params(
        PhoneQuery,
    ),
    security(("agent_token" = [])),
    responses(
        (status = 200, description = "The card, with the last conversation and its tags", body = Card),
        (status = 400, description = "`bad_region`: an unknown `region`; `bad_request`: no `phone`", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 403, description = "`forbidden`: a caller this agent may not look up", body = ErrorBody),
        (status = 422, description = "`bad_number`: the number cannot be read", body = ErrorBody),
        (status = 429, description = "`too_many_lookups`: more look-ups by number than allowed a minute", body = ErrorBody),
        (status = 502, description = "`upstream`: Intercom or Aircall failed or refused (with a `request_id`)", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer; try again (with a `request_id`)", body = ErrorBody),
    )
)]
async fn phone_card(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<PhoneQuery>,
) -> Result<Json<Card>, Failure> {
    let agent = authenticate(&state, &headers).await?;
    state.lookups.take(&agent.email)?;
    Ok(Json(
        state
            .engine
            .card_for_number(&agent, &q.phone, q.region.as_deref())
            .await?,
    ))
}

/// Intercom's tags, for completion.
#[utoipa::path(
    get,
    path = "/api/v1/tags",
    tag = "calls",
    security(("agent_token" = [])),
    responses(
        (status = 200, description = "Every tag Intercom has", body = [intercom::Tag]),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 502, description = "`upstream`: Intercom or Aircall failed or refused (with a `request_id`)", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer; try again (with a `request_id`)", body = ErrorBody),
    )
)]
async fn tags(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<intercom::Tag>>, Failure> {
    authenticate(&state, &headers).await?;
    Ok(Json(state.engine.tags().await?))
}

/// A tag to put on the call's conversation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct TagBody {
    /// The tag's name: 1 to 100 characters once trimmed.
    name: String,
}

/// A note for the call's conversation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct NoteBody {
    /// The note's text: 1 to 20,000 characters (Unicode scalar values) once trimmed.
    body: String,
}

/// The contact a call the hub could not log on its own is logged to.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct ContactBody {
    /// Intercom's id of one of the candidates the hub offered for that call.
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
    state.engine.visible_call(agent, call_id).await?;
    let id = call_id.to_string();
    let request = [id.as_str(), &format!("{action:?}")];
    answer_once(state, agent, client_key.as_deref(), &request, || async {
        let unique = match &client_key {
            Some(k) => k.clone(),
            None => crate::store::new_token()?.expose()[3..27].to_owned(),
        };
        let queued = state
            .engine
            .queue_action(agent, call_id, &unique, &action)
            .await?;
        Ok((
            StatusCode::ACCEPTED,
            json!({ "queued": queued.queued, "key": queued.key }),
        ))
    })
    .await
}

/// Tags the call's conversation. A tag Intercom does not have yet is created.
#[utoipa::path(
    post,
    path = "/api/v1/calls/{id}/tags",
    tag = "calls",
    params(
        ("id" = u64, Path, description = "Aircall's id of the call"),
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 200 printable ASCII characters: a retry with the same key and request gets the first answer again"),
    ),
    request_body = TagBody,
    security(("agent_token" = [])),
    responses(
        (status = 202, description = "Queued: it is written to the call's conversation (once the call is logged)", body = Queued),
        (status = 400, description = "`bad_tag`: a name that is empty or over 100 characters; `bad_idempotency_key`; `bad_request`: a body that is not JSON, or an id that is not a number", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 404, description = "`not_found`: the hub has not seen this call, or the agent may not see it", body = ErrorBody),
        (status = 409, description = "`not_logged`: the settings do not log this call, so there is no conversation to write to; `idempotency_key_in_use`: the first request with this key is still being answered", body = ErrorBody),
        (status = 422, description = "`idempotency_key_reused`: this key was used for another request; `unprocessable`: a body without its field", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer; try again (with a `request_id`)", body = ErrorBody),
    )
)]
async fn add_tag(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Json(body): Json<TagBody>,
) -> Result<Response, Failure> {
    let agent = authenticate(&state, &headers).await?;
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

/// Takes a tag off the call's conversation.
#[utoipa::path(
    delete,
    path = "/api/v1/calls/{id}/tags/{name}",
    tag = "calls",
    params(
        ("id" = u64, Path, description = "Aircall's id of the call"),
        ("name" = String, Path, description = "The tag's name (1 to 100 characters once trimmed)"),
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 200 printable ASCII characters: a retry with the same key and request gets the first answer again"),
    ),
    security(("agent_token" = [])),
    responses(
        (status = 202, description = "Queued: it is written to the call's conversation (once the call is logged)", body = Queued),
        (status = 400, description = "`bad_tag`: a name that is empty or over 100 characters; `bad_idempotency_key`; `bad_request`: an id that is not a number", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 404, description = "`not_found`: the hub has not seen this call, or the agent may not see it", body = ErrorBody),
        (status = 409, description = "`not_logged`: the settings do not log this call, so there is no conversation to write to; `idempotency_key_in_use`: the first request with this key is still being answered", body = ErrorBody),
        (status = 422, description = "`idempotency_key_reused`: this key was used for another request", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer; try again (with a `request_id`)", body = ErrorBody),
    )
)]
async fn remove_tag(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, name)): Path<(u64, String)>,
) -> Result<Response, Failure> {
    let agent = authenticate(&state, &headers).await?;
    let name = tag_name(&name)?;
    queue(&state, &headers, id, &agent, Action::Untag(name)).await
}

/// A note on the call's conversation, written as the agent's own Intercom admin when the
/// emails match, else as the integration's admin.
#[utoipa::path(
    post,
    path = "/api/v1/calls/{id}/notes",
    tag = "calls",
    params(
        ("id" = u64, Path, description = "Aircall's id of the call"),
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 200 printable ASCII characters: a retry with the same key and request gets the first answer again"),
    ),
    request_body = NoteBody,
    security(("agent_token" = [])),
    responses(
        (status = 202, description = "Queued: it is written to the call's conversation (once the call is logged)", body = Queued),
        (status = 400, description = "`bad_note`: a note that is empty or over 20,000 characters; `bad_idempotency_key`; `bad_request`: a body that is not JSON, or an id that is not a number", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 404, description = "`not_found`: the hub has not seen this call, or the agent may not see it", body = ErrorBody),
        (status = 409, description = "`not_logged`: the settings do not log this call, so there is no conversation to write to; `idempotency_key_in_use`: the first request with this key is still being answered", body = ErrorBody),
        (status = 422, description = "`idempotency_key_reused`: this key was used for another request; `unprocessable`: a body without its field", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer; try again (with a `request_id`)", body = ErrorBody),
    )
)]
async fn add_note(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Json(body): Json<NoteBody>,
) -> Result<Response, Failure> {
    let agent = authenticate(&state, &headers).await?;
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
#[utoipa::path(
    post,
    path = "/api/v1/calls/{id}/contact",
    tag = "calls",
    params(
        ("id" = u64, Path, description = "Aircall's id of the call"),
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 200 printable ASCII characters: a retry with the same key and request gets the first answer again"),
    ),
    request_body = ContactBody,
    security(("agent_token" = [])),
    responses(
        (status = 202, description = "Taken: the call is logged to this contact", body = ContactChosen),
        (status = 400, description = "`bad_id`: an id that could change an Intercom path; `bad_idempotency_key`; `bad_request`: a body that is not JSON, or an id that is not a number", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 404, description = "`not_found`: the hub has not seen this call, or the agent may not see it; `unknown_contact`: Intercom no longer has this contact", body = ErrorBody),
        (status = 409, description = "`already_logged`: the call is logged already; `idempotency_key_in_use`: the first request with this key is still being answered", body = ErrorBody),
        (status = 422, description = "`not_a_candidate`: not one of the contacts the hub offered for this call; `idempotency_key_reused`: this key was used for another request; `unprocessable`: a body without `contact_id`", body = ErrorBody),
        (status = 502, description = "`upstream`: Intercom or Aircall failed or refused (with a `request_id`)", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer; try again (with a `request_id`)", body = ErrorBody),
    )
)]
async fn choose_contact(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Json(body): Json<ContactBody>,
) -> Result<Response, Failure> {
    let agent = authenticate(&state, &headers).await?;
    let client_key = client_key(&headers)?;
    let contact_id = body.contact_id.trim();
    // An id that could change an Intercom path is refused before anything else.
    crate::transport::path_segment(crate::error::Api::Intercom, contact_id)?;
    let subject = state.engine.visible_call(&agent, id).await?;
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
