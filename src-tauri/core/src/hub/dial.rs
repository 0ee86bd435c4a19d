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
use crate::aircall::AircallClient;
use crate::domain::subject::SubjectKey;
use crate::error::ApiError;
use crate::pacing::Priority;
use crate::phone::{CallerId, Region};

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
    let Some(aircall) = state.aircall.as_ref() else {
        return Err(Failure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_aircall",
            "this hub has no Aircall credentials, so it cannot dial",
        ));
    };
    let region = match body.call_id {
        Some(id) => state
            .store
            .subject(&SubjectKey::call(id))?
            // Another agent's call lends nothing, not even its line's country.
            .filter(|s| super::access::may_see(&agent, s))
            .and_then(|s| s.call().and_then(|c| c.number.as_ref()?.country.clone()))
            .and_then(|c| Region::parse(&c).ok())
            .unwrap_or(state.default_region),
        None => state.default_region,
    };
    let number = match CallerId::parse(&body.to, region) {
        Ok(CallerId::Number(n)) => n,
        Ok(CallerId::Anonymous) => {
            return Err(Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad_number",
                "the caller hid their number, so it cannot be called back",
            ))
        }
        Err(e) => {
            return Err(Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad_number",
                format!(
                    "“{}” is not a phone number Ringside can call: {e}",
                    body.to.trim()
                ),
            ))
        }
    };
    let aircall = aircall.at(Priority::Interactive);
    let Some(user_id) = aircall_user(&state, &aircall, &agent.email).await? else {
        return Err(Failure::new(
            StatusCode::NOT_FOUND,
            "no_aircall_user",
            format!(
                "no Aircall user has the email {}: ask your admin to add you to Aircall with it",
                agent.email
            ),
        ));
    };
    match aircall.dial(user_id, &number).await {
        Ok(()) => Ok((
            StatusCode::ACCEPTED,
            Json(json!({ "dialed": number.as_str(), "aircall_user_id": user_id })),
        )
            .into_response()),
        Err(ApiError::Rejected { body, .. }) => Err(Failure::new(
            StatusCode::CONFLICT,
            "dial_refused",
            format!(
                "Aircall did not put {number} in your phone: {}",
                aircall_reason(&body)
            ),
        )),
        Err(ApiError::NotFound { .. }) => Err(Failure::new(
            StatusCode::NOT_FOUND,
            "no_aircall_user",
            "your Aircall user no longer exists: ask your admin",
        )),
        Err(e) => Err(e.into()),
    }
}

/// The agent's Aircall user: from the cache the cards keep, else from Aircall's list.
async fn aircall_user(
    state: &AppState,
    aircall: &AircallClient,
    email: &str,
) -> Result<Option<u64>, Failure> {
    if let Some(user) = state.store.aircall_user_by_email(email)? {
        return Ok(Some(user.id));
    }
    let users = aircall.users().await?;
    Ok(users
        .into_iter()
        .find(|u| {
            u.email
                .as_deref()
                .is_some_and(|e| e.trim().eq_ignore_ascii_case(email.trim()))
        })
        .map(|u| u.id))
}

/// Aircall's reason in words: its `troubleshoot`, else its `error`, else the body.
fn aircall_reason(body: &str) -> String {
    let parsed: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    ["troubleshoot", "error", "message"]
        .iter()
        .find_map(|k| parsed[*k].as_str().filter(|s| !s.trim().is_empty()))
        .map(|s| s.trim().trim_end_matches('.').to_owned())
        .unwrap_or_else(|| "it gave no reason".to_owned())
}
