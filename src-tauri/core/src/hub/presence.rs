//! `GET` and `PUT /api/v1/me/presence`: the agent's presence as the hub follows it (the hub's
//! setting, the agent's choice, where they are) and the agent's choice to let presence follow
//! their calls or not, kept per agent.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::api::{authenticate, Failure};
use super::openapi::ErrorBody;
use super::AppState;
use crate::domain::presence::PresenceView;

/// The routes of this file.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(presence, set_presence))
}

/// The agent's choice.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct PresenceChoice {
    /// Whether presence follows this agent's calls (Intercom's away mode while on a call and
    /// in its wrap-up).
    follow_calls: bool,
}

/// The agent's presence: whether the hub's presence is on, whether it follows this agent's
/// calls, where they are (`available`, `on_call`, `wrap_up`, `away_by_choice`, `unknown`) and
/// whether they are away in Intercom as the hub last saw it.
#[utoipa::path(
    get,
    path = "/api/v1/me/presence",
    tag = "presence",
    security(("agent_token" = [])),
    responses(
        (status = 200, description = "The agent's presence", body = PresenceView),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer", body = ErrorBody),
    )
)]
async fn presence(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<PresenceView>, Failure> {
    let agent = authenticate(&state, &headers).await?;
    Ok(Json(state.engine.presence_of(&agent).await?))
}

/// Lets presence follow the agent's calls, or not. Turned off during a call, the teammate is
/// brought back to the state they had before it.
#[utoipa::path(
    put,
    path = "/api/v1/me/presence",
    tag = "presence",
    request_body = PresenceChoice,
    security(("agent_token" = [])),
    responses(
        (status = 200, description = "The agent's presence with the choice made", body = PresenceView),
        (status = 400, description = "`bad_request`: a body that is not JSON", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 422, description = "`unprocessable`: a body without a boolean `follow_calls`", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer", body = ErrorBody),
    )
)]
async fn set_presence(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<PresenceChoice>,
) -> Result<Json<PresenceView>, Failure> {
    let agent = authenticate(&state, &headers).await?;
    Ok(Json(
        state
            .engine
            .set_follow_calls(&agent, body.follow_calls)
            .await?,
    ))
}
