//! `GET /healthz` (no auth): whether the hub is up and how far behind it is.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(health))
}

async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let inbox = state.store.inbox_depth();
    let outbox = state.store.outbox_depth();
    let last_error = state.store.outbox_last_error().ok().flatten();
    match (inbox, outbox) {
        (Ok(inbox), Ok(outbox)) => (
            StatusCode::OK,
            Json(json!({
                "status": "up",
                "inbox_depth": inbox,
                "outbox_depth": outbox,
                "last_error": last_error,
                "sync": state.sync.as_ref().map(|p| p.borrow().clone()),
            })),
        ),
        (Err(e), _) | (_, Err(e)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({ "status": "degraded", "inbox_depth": null, "outbox_depth": null, "last_error": e.to_string() }),
            ),
        ),
    }
}
