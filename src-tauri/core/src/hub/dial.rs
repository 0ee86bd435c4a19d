//! `POST /api/v1/dial` `{"to", "call_id"?}`: call a number back in one click. The hub reads the
//! number in the agent's region (the line's, for a call it tracks), finds the agent's Aircall
//! user by email (any letter case) and asks Aircall to put the number in that user's phone
//! (`POST /v1/users/:id/dial`). An agent dials only as themselves. The call that follows is an
//! ordinary outbound call, logged by the rules when Aircall's webhooks arrive.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::api::{authenticate, Failure};
use super::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/dial", post(dial))
}

#[derive(Debug, Deserialize)]
struct DialBody {
    /// The number, in any format.
    to: String,
    /// The call it calls back, if any: its line's country reads a national number.
    call_id: Option<u64>,
}

async fn dial(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<DialBody>,
) -> Result<Response, Failure> {
    let agent = authenticate(&state, &headers)?;
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
