//! `POST /v1/users/:id/dial`: puts a number in an agent's phone for them to call. The body is
//! `{"to": "+E164"}`; Aircall documents no answer body, so the fake answers 204. How Aircall
//! refuses an agent who cannot take it is not documented either: the fake refuses an offline or
//! do-not-disturb agent with a 400 and a reason in `troubleshoot`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::model::Dial;
use super::{body_object, path_id, AcError, AircallApp};
use crate::clock;

pub(crate) async fn dial(
    State(app): State<Arc<AircallApp>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AcError> {
    let user_id = path_id(&id, "User")?;
    let body = body_object(&body)?;
    let to = body
        .get("to")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| t.starts_with('+') && t.len() > 4 && t[1..].chars().all(|c| c.is_ascii_digit()))
        .ok_or_else(|| {
            AcError::bad_request("to is required: a number in E.164 format, e.g. +33612345678")
        })?
        .to_owned();
    let mut state = app.lock();
    let user = state
        .user(user_id)
        .ok_or_else(|| AcError::not_found("User"))?;
    let refusal = match user.availability.as_str() {
        "offline" => Some("The user is offline and cannot receive a number to dial"),
        "do_not_disturb" => Some("The user is in do not disturb"),
        _ => None,
    };
    if let Some(reason) = refusal {
        return Err(AcError::bad_request(reason));
    }
    state.dials.push(Dial {
        user_id,
        to,
        at: clock::now(),
    });
    Ok(StatusCode::NO_CONTENT.into_response())
}
