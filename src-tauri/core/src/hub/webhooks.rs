//! `POST /webhooks/aircall`: Aircall's events, checked and written to the inbox before the 200.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::AppState;
use crate::webhook::{constant_time_eq, Envelope, MAX_BODY};

/// The store key of the registered webhook token's hash (the token itself is never stored).
pub const TOKEN_HASH_KEY: &str = "aircall_webhook_token_sha256";

pub(super) fn routes() -> Router<AppState> {
    Router::new().route(
        "/webhooks/aircall",
        post(receive).layer(DefaultBodyLimit::max(MAX_BODY)),
    )
}

/// The SHA-256 of a token, in hex.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn refuse(status: StatusCode, reason: &str) -> Response {
    let code = match status {
        StatusCode::BAD_REQUEST => "bad_webhook",
        StatusCode::UNAUTHORIZED => "unauthorized",
        _ => "storage",
    };
    super::failure::Failure::new(status, code, reason).into_response()
}

async fn receive(State(state): State<AppState>, body: Bytes) -> Response {
    let envelope = match Envelope::parse(&body) {
        Ok(e) => e,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let authentic = match &state.webhook_token {
        Some(token) => envelope.token_matches(token.expose()),
        None => match state.store.meta(TOKEN_HASH_KEY) {
            Ok(Some(hash)) => {
                constant_time_eq(token_hash(&envelope.token).as_bytes(), hash.as_bytes())
            }
            Ok(None) => false,
            Err(e) => {
                return super::failure::Failure::from(e).into_response();
            }
        },
    };
    if envelope.token.is_empty() || !authentic {
        tracing::warn!(event = %envelope.event, "webhook refused: wrong or missing token");
        return refuse(StatusCode::UNAUTHORIZED, "wrong or missing webhook token");
    }
    match state.pipeline.accept(envelope.stored()).await {
        Ok(id) => (StatusCode::OK, Json(json!({ "accepted": id }))).into_response(),
        // Aircall redelivers what it could not deliver: a 503 loses nothing.
        Err(e) => {
            tracing::error!(error = %e, "cannot store a webhook");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "the event could not be stored; send it again",
            )
        }
    }
}
