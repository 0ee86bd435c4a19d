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
use axum::Json;
use serde_json::json;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::failure::Failure;
use super::openapi::{ErrorBody, IntercomNotification, NotificationTaken};
use super::AppState;
use crate::engine::Accepted;
use crate::intercom::notification::{signature_matches, Notification, SIGNATURE_HEADER};
use crate::webhook::MAX_BODY;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(receive, validate).layer(DefaultBodyLimit::max(MAX_BODY)))
}

/// Intercom checks the address this way before it sends notifications to it.
#[utoipa::path(
    head,
    path = "/webhooks/intercom",
    tag = "webhooks",
    operation_id = "intercom_validation",
    security(()),
    responses((status = 200, description = "The address is this hub's")),
)]
async fn validate() -> StatusCode {
    StatusCode::OK
}

/// Intercom's contact notifications, checked against the app's client secret and stored before
/// the 200; applied after the answer. A notification delivered again is not stored twice, and
/// one older than the retention period is ignored.
#[utoipa::path(
    post,
    path = "/webhooks/intercom",
    tag = "webhooks",
    operation_id = "intercom_notification",
    request_body = IntercomNotification,
    security(("intercom_signature" = [])),
    responses(
        (status = 200, description = "Stored, delivered before, or too old to matter", body = NotificationTaken),
        (status = 400, description = "`bad_webhook`: not a notification", body = ErrorBody),
        (status = 401, description = "`unauthorized`: `X-Hub-Signature` does not match this body under the app's client secret", body = ErrorBody),
        (status = 404, description = "`not_configured`: Intercom notifications are off on this hub (no `RINGSIDE_INTERCOM_CLIENT_SECRET`)", body = ErrorBody),
        (status = 413, description = "`too_large`: a body over 256 KiB", body = ErrorBody),
        (status = 503, description = "`storage`: the notification could not be stored; Intercom sends it again once", body = ErrorBody),
    )
)]
async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (Some(secret), true) = (
        &state.intercom_secret,
        state.engine.notifications().is_some(),
    ) else {
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
    if !signature_matches(secret.expose(), &body, signature) {
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
    // The signature covers these bytes, and `parse` read them as JSON: they are UTF-8.
    let text = String::from_utf8_lossy(&body);
    match state.engine.accept_notification(&notification, &text).await {
        Ok(Accepted::New(seq)) => {
            (StatusCode::OK, Json(json!({ "accepted": seq }))).into_response()
        }
        Ok(Accepted::Redelivered) => (
            StatusCode::OK,
            Json(json!({ "redelivered": notification.id })),
        )
            .into_response(),
        Ok(Accepted::TooOld) => (
            StatusCode::OK,
            Json(json!({ "ignored": "older than the notifications this hub remembers" })),
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
