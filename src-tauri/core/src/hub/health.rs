//! `GET /healthz`: whether the hub is up, which hub it is and how far behind it is. Without a
//! token it says nothing personal: no error text (a vendor's error can carry a caller's number
//! or a response body), only counts. With an admin agent's token it adds the last error and
//! why contact sync waits.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::Health;
use super::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health))
}

/// Whether the hub is up, which hub it is and how far behind it is. No token is needed; an
/// admin's adds the last error and why contact sync waits.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    security((), ("agent_token" = [])),
    responses(
        (status = 200, description = "Up", body = Health),
        (status = 503, description = "Degraded: the hub's database cannot be read", body = Health),
    )
)]
async fn health(State(state): State<AppState>, headers: HeaderMap) -> impl IntoResponse {
    let admin = match super::api::bearer(&headers) {
        Some(token) => state
            .engine
            .agent_for_token(token)
            .await
            .ok()
            .flatten()
            .is_some_and(|agent| agent.admin),
        None => false,
    };
    let depths = state
        .store()
        .run(move |s| {
            let last_error = if admin {
                s.outbox_last_error().ok().flatten()
            } else {
                None
            };
            Ok((s.inbox_depth(), s.outbox_depth(), last_error))
        })
        .await;
    let (inbox, outbox, last_error) = match depths {
        Ok(depths) => depths,
        Err(e) => (Err(e), Ok(0), None),
    };
    let mut sync = state
        .engine
        .sync_progress()
        .as_ref()
        .map(|p| p.borrow().clone());
    if !admin {
        if let Some(progress) = sync.as_mut() {
            progress.waiting = None;
        }
    }
    match (inbox, outbox) {
        (Ok(inbox), Ok(outbox)) => {
            let mut body = json!({
                "status": "up",
                "instance": state.engine.instance(),
                "inbox_depth": inbox,
                "outbox_depth": outbox,
                "sync": sync,
            });
            if admin {
                body["last_error"] = json!(last_error);
            }
            (StatusCode::OK, Json(body))
        }
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "health: the database cannot be read");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({
                    "status": "degraded",
                    "instance": state.engine.instance(),
                    "inbox_depth": null,
                    "outbox_depth": null,
                    "error": "the hub's database cannot be read",
                })),
            )
        }
    }
}
