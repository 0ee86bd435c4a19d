//! `POST /webhooks/aircall`: Aircall's events, checked and written to the inbox before the 200.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::openapi::{AircallWebhook, ErrorBody, WebhookAccepted};
use super::AppState;
pub(crate) use crate::webhook::printable;
use crate::webhook::{constant_time_eq, Envelope, MAX_BODY};

/// The store key of the registered webhook token's hash (the token itself is never stored).
pub const TOKEN_HASH_KEY: &str = "aircall_webhook_token_sha256";

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(receive).layer(DefaultBodyLimit::max(MAX_BODY)))
}

/// Refused webhooks logged: a few a minute, with how many were not since (a sender that
/// keeps trying must not fill the log).
static REFUSALS: LogBudget = LogBudget::new(10);

/// At most `per_minute` lines a minute of one kind of warning; the rest are counted.
#[derive(Debug)]
pub(crate) struct LogBudget {
    per_minute: u64,
    /// The minute (since the UNIX epoch) the count is of, and lines logged in it.
    minute: std::sync::atomic::AtomicU64,
    logged: std::sync::atomic::AtomicU64,
    suppressed: std::sync::atomic::AtomicU64,
}

impl LogBudget {
    pub const fn new(per_minute: u64) -> Self {
        LogBudget {
            per_minute,
            minute: std::sync::atomic::AtomicU64::new(0),
            logged: std::sync::atomic::AtomicU64::new(0),
            suppressed: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Whether one more line may be logged now; if so, how many were left out before it.
    pub fn may_log(&self) -> Option<u64> {
        use std::sync::atomic::Ordering::SeqCst;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() / 60);
        if self.minute.swap(now, SeqCst) != now {
            self.logged.store(0, SeqCst);
        }
        if self.logged.fetch_add(1, SeqCst) < self.per_minute {
            Some(self.suppressed.swap(0, SeqCst))
        } else {
            self.suppressed.fetch_add(1, SeqCst);
            None
        }
    }
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

/// Aircall's events, checked and written to the hub's inbox before the 200 (what the hub then
/// logs is in the admin guide). Authenticated by the token Aircall puts in each event's body,
/// not by a header.
#[utoipa::path(
    post,
    path = "/webhooks/aircall",
    tag = "webhooks",
    operation_id = "aircall_webhook",
    request_body = AircallWebhook,
    security(()),
    responses(
        (status = 200, description = "The event is on disk", body = WebhookAccepted),
        (status = 400, description = "`bad_webhook`: not JSON, or not Aircall's envelope", body = ErrorBody),
        (status = 401, description = "`unauthorized`: a wrong or missing webhook token", body = ErrorBody),
        (status = 413, description = "`too_large`: a body over 256 KiB", body = ErrorBody),
        (status = 503, description = "`storage`: the event could not be stored; Aircall sends it again", body = ErrorBody),
    )
)]
async fn receive(State(state): State<AppState>, body: Bytes) -> Response {
    let envelope = match Envelope::parse(&body) {
        Ok(e) => e,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let authentic = match &state.webhook_token {
        Some(token) => envelope.token_matches(token.expose()),
        None => match state.store().run(|s| s.meta(TOKEN_HASH_KEY)).await {
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
        if let Some(suppressed) = REFUSALS.may_log() {
            tracing::warn!(
                event = %printable(&envelope.event, 80),
                suppressed,
                "webhook refused: wrong or missing token"
            );
        }
        return refuse(StatusCode::UNAUTHORIZED, "wrong or missing webhook token");
    }
    match state.engine.accept(envelope.stored()).await {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_senders_text_is_escaped_and_cut_short_for_the_log() {
        assert_eq!(printable("call.created", 80), "call.created");
        assert_eq!(
            printable("evil\nFAKE LOG LINE\u{1b}[31m", 80),
            "evil\\nFAKE LOG LINE\\u{1b}[31m"
        );
        let long = "x".repeat(300_000);
        assert_eq!(printable(&long, 80).chars().count(), 81);
    }

    #[test]
    fn refusals_are_logged_a_few_a_minute_and_the_rest_counted() {
        let budget = LogBudget::new(3);
        let logged: Vec<Option<u64>> = (0..5).map(|_| budget.may_log()).collect();
        assert_eq!(logged, [Some(0), Some(0), Some(0), None, None]);
        // A new minute: the next line says how many were left out.
        budget.minute.store(0, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(budget.may_log(), Some(2));
    }
}
