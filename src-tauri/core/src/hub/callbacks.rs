//! The team's "To call back" list on the agents' API: `GET /api/v1/callbacks` (the items of the
//! lines the agent answers on; every one for an admin), `POST /api/v1/callbacks/:id/claim` and
//! `POST /api/v1/callbacks/:id/dismiss`, and `GET /api/v1/me/day`, the agent's day. An item the
//! agent may not see answers as one the hub does not have.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::api::{authenticate, Failure};
use super::openapi::ErrorBody;
use super::AppState;
use crate::domain::callback::{Callback, CallbackFilter, CallbackList, MyDay};
use crate::engine::CallbackError;

/// The routes of this file.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(claim))
        .routes(routes!(dismiss))
        .routes(routes!(my_day))
}

impl From<CallbackError> for Failure {
    fn from(e: CallbackError) -> Self {
        let words = e.to_string();
        match e {
            CallbackError::NotFound(_) => Failure::new(StatusCode::NOT_FOUND, "not_found", words),
            CallbackError::Claimed(_) => {
                Failure::new(StatusCode::CONFLICT, "callback_claimed", words)
            }
            CallbackError::Closed(_) => {
                Failure::new(StatusCode::CONFLICT, "callback_closed", words)
            }
            CallbackError::ReasonRequired => {
                Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "reason_required", words)
            }
            CallbackError::Store(e) => e.into(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Which {
    /// `open` (open and claimed items; the default), `closed` (closed in the last 24 hours)
    /// or `all`.
    state: Option<CallbackFilter>,
}

/// Why an item is dismissed.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct DismissBody {
    /// 1 to 200 characters, e.g. "wrong number".
    #[serde(default)]
    #[schema(example = "Wrong number")]
    reason: Option<String>,
}

/// The calls to return that this agent sees (the lines they answer on; an admin: every one),
/// the most recently missed first, at most 200, with the count of late ones.
#[utoipa::path(
    get,
    path = "/api/v1/callbacks",
    tag = "callbacks",
    params(Which),
    security(("agent_token" = [])),
    responses(
        (status = 200, description = "The list", body = CallbackList),
        (status = 400, description = "`bad_request`: a `state` other than `open`, `closed` or `all`", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer; try again (with a `request_id`)", body = ErrorBody),
    )
)]
async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(which): Query<Which>,
) -> Result<Json<CallbackList>, Failure> {
    let agent = authenticate(&state, &headers).await?;
    let list = state
        .engine
        .callbacks(&agent, which.state.unwrap_or_default())
        .await?;
    Ok(Json(list))
}

/// The agent is calling the number back: the item is theirs, and teammates see who
/// (`callback.claimed`). Claiming it again changes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/callbacks/{id}/claim",
    tag = "callbacks",
    params(("id" = i64, Path, description = "The item's id")),
    security(("agent_token" = [])),
    responses(
        (status = 200, description = "The item, claimed", body = Callback),
        (status = 400, description = "`bad_request`: an id that is not a number", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 404, description = "`not_found`: no such item, or one of a line the agent does not answer on", body = ErrorBody),
        (status = 409, description = "`callback_claimed`: a teammate is calling back (the message names them); `callback_closed`: it is closed", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer; try again (with a `request_id`)", body = ErrorBody),
    )
)]
async fn claim(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<Callback>, Failure> {
    let agent = authenticate(&state, &headers).await?;
    Ok(Json(state.engine.claim_callback(&agent, id).await?))
}

/// Dismisses an item with a reason: it closes for the whole team (`callback.closed`).
/// Dismissing it again with the same reason changes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/callbacks/{id}/dismiss",
    tag = "callbacks",
    params(("id" = i64, Path, description = "The item's id")),
    request_body = DismissBody,
    security(("agent_token" = [])),
    responses(
        (status = 200, description = "The item, closed", body = Callback),
        (status = 400, description = "`bad_request`: an id that is not a number, or a body that is not JSON", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 404, description = "`not_found`: no such item, or one of a line the agent does not answer on", body = ErrorBody),
        (status = 409, description = "`callback_closed`: it was closed otherwise (returned, or dismissed by someone else)", body = ErrorBody),
        (status = 422, description = "`reason_required`: no reason, or one over 200 characters", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer; try again (with a `request_id`)", body = ErrorBody),
    )
)]
async fn dismiss(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<DismissBody>,
) -> Result<Json<Callback>, Failure> {
    let agent = authenticate(&state, &headers).await?;
    let reason = body.reason.unwrap_or_default();
    Ok(Json(
        state.engine.dismiss_callback(&agent, id, &reason).await?,
    ))
}

/// The agent's day so far, in the team's time zone: calls answered, missed on their lines,
/// returned, made, their mean talk time, and the late call-backs they see.
#[utoipa::path(
    get,
    path = "/api/v1/me/day",
    tag = "callbacks",
    security(("agent_token" = [])),
    responses(
        (status = 200, description = "Today's figures", body = MyDay),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer; try again (with a `request_id`)", body = ErrorBody),
    )
)]
async fn my_day(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<MyDay>, Failure> {
    let agent = authenticate(&state, &headers).await?;
    Ok(Json(state.engine.my_day(&agent).await?))
}
