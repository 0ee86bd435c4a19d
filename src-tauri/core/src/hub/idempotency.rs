//! `Idempotency-Key` on the agents' writes: the first answer to an agent's key is kept, and a
//! retry with the same key and the same request gets it again (a note is not queued twice, a
//! contact pick whose answer was lost is not a failure). Keys are the agent's own; a key sent
//! again with another request is a 422, and a key that is empty, longer than 200 characters
//! or not printable ASCII is a 400, never replaced by one the hub makes up. The key is reserved
//! before the request runs, in one transaction: of two requests sent at once with one key, the
//! second gets a 422 (another request) or a 409 (the same one, still being answered).

use std::future::Future;

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::failure::Failure;
use super::AppState;
use crate::store::{Agent, RecordedAnswer, Reservation};

/// The longest key accepted, in characters.
pub(super) const MAX_KEY: usize = 200;

/// The request's `Idempotency-Key`, checked; `None` when it has none.
pub(super) fn client_key(headers: &HeaderMap) -> Result<Option<String>, Failure> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let refuse = || {
        Failure::new(
            StatusCode::BAD_REQUEST,
            "bad_idempotency_key",
            format!("an Idempotency-Key has 1 to {MAX_KEY} printable ASCII characters"),
        )
    };
    let key = value.to_str().map_err(|_| refuse())?;
    if key.is_empty() || key.len() > MAX_KEY || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(refuse());
    }
    Ok(Some(key.to_owned()))
}

/// Runs `action` once per agent and key: a retry of the same request gets the first answer
/// (when it succeeded), another request with the key a 422. Without a key, it just runs.
/// `request` names the request (route, call, body) for the comparison.
pub(super) async fn answer_once<F, Fut>(
    state: &AppState,
    agent: &Agent,
    key: Option<&str>,
    request: &[&str],
    action: F,
) -> Result<Response, Failure>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(StatusCode, Value), Failure>>,
{
    let Some(key) = key else {
        let (status, body) = action().await?;
        return Ok((status, Json(body)).into_response());
    };
    let fingerprint: String = Sha256::digest(request.join("\n").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let refuse_reuse = || {
        Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was already used for another request",
        )
    };
    let (email, owned_key, print, now) = (
        agent.email.clone(),
        key.to_owned(),
        fingerprint.clone(),
        state.now(),
    );
    let reserved = state
        .store()
        .run(move |s| s.reserve_idempotency_key(&email, &owned_key, &print, now))
        .await?;
    match reserved {
        Reservation::Reserved => {}
        Reservation::Answered(prior) if prior.fingerprint != fingerprint => {
            return Err(refuse_reuse())
        }
        Reservation::Answered(prior) => {
            let status = StatusCode::from_u16(prior.status).unwrap_or(StatusCode::OK);
            return Ok((
                status,
                [(header::CONTENT_TYPE, "application/json")],
                prior.response,
            )
                .into_response());
        }
        Reservation::InProgress(prior) if prior != fingerprint => return Err(refuse_reuse()),
        Reservation::InProgress(_) => {
            return Err(Failure::new(
                StatusCode::CONFLICT,
                "idempotency_key_in_use",
                "the first request with this Idempotency-Key is still being answered; send it again in a moment",
            ))
        }
    }
    let (status, body) = match action().await {
        Ok(answer) => answer,
        Err(failure) => {
            // Not answered: the key is free for a retry.
            let (email, key) = (agent.email.clone(), key.to_owned());
            state
                .store()
                .run(move |s| s.release_idempotency_key(&email, &key))
                .await?;
            return Err(failure);
        }
    };
    let answer = RecordedAnswer {
        fingerprint,
        status: status.as_u16(),
        response: body.to_string(),
    };
    let (email, key, now) = (agent.email.clone(), key.to_owned(), state.now());
    state
        .store()
        .run(move |s| s.record_idempotent_answer(&email, &key, &answer, now))
        .await?;
    Ok((status, Json(body)).into_response())
}
