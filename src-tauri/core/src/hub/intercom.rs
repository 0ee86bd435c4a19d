//! `POST /webhooks/intercom`: Intercom's contact notifications, checked against the app's client
//! secret and stored before the 200; `HEAD /webhooks/intercom` answers Intercom's validation.
//!
//! A body whose `X-Hub-Signature` does not match is refused with a 401 and not stored. A
//! notification Intercom delivers again (same id) gets a 200 and is not stored twice, and one
//! older than the retention period (a replay of one the hub has forgotten) gets a 200 and is
//! ignored. Applying
//! happens after the answer (`sync::Notifications`), so Intercom's 5 s are never at risk.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;

use super::failure::Failure;
use super::AppState;
use crate::intercom::notification::{signature_matches, Notification, SIGNATURE_HEADER};
use crate::secret::Secret;
use crate::store::Stored;
use crate::sync::Notifications;
use crate::webhook::MAX_BODY;

/// Intercom's notifications in this hub: the secret that signs them and the worker that
/// applies them.
#[derive(Clone)]
pub(crate) struct IntercomWebhooks {
    pub secret: Secret,
    pub worker: Notifications,
}

pub(super) fn routes() -> Router<AppState> {
    Router::new().route(
        "/webhooks/intercom",
        post(receive)
            .head(|| async { StatusCode::OK })
            .layer(DefaultBodyLimit::max(MAX_BODY)),
    )
}

async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(webhooks) = &state.intercom_webhooks else {
        return Failure::new(
            StatusCode::NOT_FOUND,
            "not_configured",
            "Intercom notifications are off on this hub: set RINGSIDE_INTERCOM_CLIENT_SECRET to the app's client secret",
        )
        .into_response();
    };
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !signature_matches(webhooks.secret.expose(), &body, signature) {
        tracing::warn!("Intercom notification refused: the signature does not match");
        return Failure::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "X-Hub-Signature does not match this body under the app's client secret",
        )
        .into_response();
    }
    let notification = match Notification::parse(&body) {
        Ok(n) => n,
        Err(e) => {
            return Failure::new(StatusCode::BAD_REQUEST, "bad_webhook", e.to_string())
                .into_response()
        }
    };
    // The hub remembers the notifications it received for the retention period: an older one
    // could be a replay of one it has forgotten (Intercom itself retries once, after a minute).
    let remembered_since = state
        .now()
        .saturating_sub(i64::try_from(state.limits.retention.as_secs()).unwrap_or(i64::MAX));
    if notification.created_at > 0 && notification.created_at < remembered_since {
        tracing::warn!(
            id = %super::webhooks::printable(&notification.id, 80),
            topic = %super::webhooks::printable(&notification.topic, 80),
            created_at = notification.created_at,
            "an Intercom notification older than what the hub remembers is ignored (a replay?)"
        );
        return (
            StatusCode::OK,
            Json(json!({ "ignored": "older than the notifications this hub remembers" })),
        )
            .into_response();
    }
    // The signature covers these bytes, and `parse` read them as JSON: they are UTF-8.
    let text = String::from_utf8_lossy(&body);
    match state
        .store
        .store_notification(&notification, &text, state.now())
    {
        Ok(Stored::New(seq)) => {
            webhooks.worker.poke();
            (StatusCode::OK, Json(json!({ "accepted": seq }))).into_response()
        }
        Ok(Stored::Redelivered) => (
            StatusCode::OK,
            Json(json!({ "redelivered": notification.id })),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot store an Intercom notification");
            // Intercom retries once after a minute: a 503 may still lose it, but never
            // silently (the scheduled sync is the safety net).
            Failure::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage",
                "the notification could not be stored; send it again",
            )
            .into_response()
        }
    }
}
