//! `GET /metrics`: the engine's metrics ([`crate::metrics`]) in Prometheus' text format, for an
//! admin agent's token; and the same without a token on a listener of its own
//! ([`super::Hub::serve_metrics`], for `--metrics-listen`), which only Prometheus should reach.
//!
//! The counters are kept as things happen; what the database or a channel can tell (the queues'
//! depths, the open streams, contact sync) is read here, when Prometheus asks. The webhooks'
//! outcomes are counted by [`count_webhooks`], a layer over the whole router, so that a refusal
//! no handler sees (a body over the limit, a timeout) is counted too.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::api::{authenticate, Failure};
use super::openapi::ErrorBody;
use super::sse::OpenStreams;
use super::AppState;
use crate::engine::Engine;
use crate::metrics::{Refusal, Source, SyncGauges, CONTENT_TYPE};
use crate::sync::{RunOutcome, SyncPhase};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

/// The hub's metrics in Prometheus' text format (OpenMetrics 1.0), for an admin's token: webhooks
/// accepted and refused, the queues' depths, effects, vendor requests with their 429s and
/// times, ring → card, open streams, contact sync and retention (`docs/hub-api.md` lists each).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "metrics",
    security(("agent_token" = [])),
    responses(
        (status = 200, description = "Every metric, ending with `# EOF`", body = String, content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8"),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 403, description = "`forbidden`: the token is an agent's, not an admin's", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not tell the queues' depths (with a `request_id`)", body = ErrorBody),
    )
)]
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Failure> {
    let agent = authenticate(&state, &headers).await?;
    if !agent.admin {
        return Err(Failure::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the metrics are for admins: use an admin agent's token, or the hub's metrics listener",
        ));
    }
    scrape(&state.engine, &state.streams).await
}

/// Reads what is read at scrape time into the gauges, then encodes every metric.
async fn scrape(engine: &Engine, streams: &OpenStreams) -> Result<Response, Failure> {
    let (inbox, outbox) = engine
        .store()
        .run(|s| Ok((s.inbox_depth()?, s.outbox_depth_by_lane()?)))
        .await?;
    let lanes: Vec<(&'static str, u64)> = outbox
        .into_iter()
        .map(|(lane, depth)| (lane.as_str(), depth))
        .collect();
    let metrics = engine.metrics();
    metrics.set_depths(inbox, &lanes);
    metrics.set_streams(streams.total());
    if let Some(progress) = engine.sync_progress() {
        let progress = progress.borrow().clone();
        let last = engine.sync_outcomes().and_then(|o| {
            o.borrow()
                .as_ref()
                .map(|run| matches!(run, RunOutcome::Finished(_)))
        });
        metrics.set_sync(SyncGauges {
            seen: progress.seen,
            total: progress.total,
            written: progress.written(),
            failed: progress.failed,
            running: matches!(progress.phase, SyncPhase::Scanning | SyncPhase::Pushing),
            last_run_finished: last,
        });
    }
    Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], metrics.encode()).into_response())
}

/// The metrics alone, without a token, for a listener only Prometheus reaches: `GET /metrics`,
/// and a 404 for anything else. Not part of the hub's API (nor of its OpenAPI document): the
/// admin guide and `docs/hub-api.md` describe it.
pub(super) fn open_router(engine: std::sync::Arc<Engine>, streams: OpenStreams) -> Router {
    Router::new().fallback(move |method: Method, uri: Uri| {
        let (engine, streams) = (engine.clone(), streams.clone());
        async move {
            if method != Method::GET || uri.path() != "/metrics" {
                return Failure::new(
                    StatusCode::NOT_FOUND,
                    "not_found",
                    "this listener serves GET /metrics only",
                )
                .into_response();
            }
            match scrape(&engine, &streams).await {
                Ok(response) => response,
                Err(failure) => failure.into_response(),
            }
        }
    })
}

/// Counts each webhook by how it was answered: a 2xx is accepted, anything else refused, with
/// the error code the sender got as the reason. Other routes pass untouched.
pub(super) async fn count_webhooks(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let source = match (request.method(), request.uri().path()) {
        (&Method::POST, "/webhooks/aircall") => Source::Aircall,
        (&Method::POST, "/webhooks/intercom") => Source::Intercom,
        _ => return next.run(request).await,
    };
    let response = next.run(request).await;
    let metrics = state.engine.metrics();
    match response.status() {
        s if s.is_success() => metrics.webhook_accepted(source),
        s => metrics.webhook_refused(source, refusal(s)),
    }
    response
}

/// The error code of a webhook's refusal, by its status (as the receivers answer it).
fn refusal(status: StatusCode) -> Refusal {
    match status {
        StatusCode::BAD_REQUEST => Refusal::BadWebhook,
        StatusCode::UNAUTHORIZED => Refusal::Unauthorized,
        StatusCode::NOT_FOUND => Refusal::NotConfigured,
        StatusCode::REQUEST_TIMEOUT => Refusal::Timeout,
        StatusCode::PAYLOAD_TOO_LARGE => Refusal::TooLarge,
        StatusCode::SERVICE_UNAVAILABLE => Refusal::Storage,
        _ => Refusal::Other,
    }
}
