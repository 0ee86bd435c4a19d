//! `POST /api/v1/dial` `{"to", "call_id"?}`: call a number back in one click. The hub reads the
//! number in the agent's region (the line's, for a call it tracks), finds the agent's Aircall
//! user by email (any letter case) and asks Aircall to put the number in that user's phone
//! (`POST /v1/users/:id/dial`). An agent dials only as themselves. The call that follows is an
//! ordinary outbound call, logged by the rules when Aircall's webhooks arrive.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::api::{authenticate, Failure};
use super::openapi::{Dialed, ErrorBody};
use super::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(dial))
}

/// A number to call back.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct DialBody {
    /// The number, in any format.
    to: String,
    /// The call it calls back, if any: its line's country reads a national number.
    call_id: Option<u64>,
}

/// Puts a number in the agent's own Aircall phone (the Aircall user with the agent's email, in
/// any letter case). The call the agent then makes is an ordinary outbound call, logged like
/// any other. A refusal's error carries, beside its words, `reason_code` (`dial_anonymous`,
/// `dial_bad_number`, `no_aircall_user`, `aircall_user_gone`, `dial_refused`, `no_aircall`) and
/// `reason_values` (the number, Aircall's reason, …), for the app to say it in its language.
#[utoipa::path(
    post,
    path = "/api/v1/dial",
    tag = "dial",
    request_body = DialBody,
    security(("agent_token" = [])),
    responses(
        (status = 202, description = "Aircall took it", body = Dialed),
        (status = 400, description = "`bad_request`: a body that is not JSON", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 404, description = "`no_aircall_user`: no Aircall user has the agent's email; `not_found`: a `call_id` the hub has not seen, or the agent may not see", body = ErrorBody),
        (status = 409, description = "`dial_refused`: Aircall refused, with its reason (e.g. the agent is offline)", body = ErrorBody),
        (status = 422, description = "`bad_number`: the number cannot be read; `unprocessable`: a body without `to`", body = ErrorBody),
        (status = 502, description = "`upstream`: Aircall failed (with a `request_id`)", body = ErrorBody),
        (status = 503, description = "`no_aircall`: the hub has no Aircall credentials; `storage`: the hub's database could not answer", body = ErrorBody),
    )
)]
async fn dial(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<DialBody>,
) -> Result<Response, Failure> {
    let agent = authenticate(&state, &headers).await?;
    let dialed = state.engine.dial(&agent, &body.to, body.call_id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "dialed": dialed.number.as_str(),
            "aircall_user_id": dialed.aircall_user_id,
        })),
    )
        .into_response())
}
