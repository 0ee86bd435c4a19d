//! What the agents may know of the integration: the settings the hub logs with
//! (`GET /api/v1/settings`, with the wrap-up's and presence's repeated at the top for the app)
//! and how its contact sync is doing (`GET /api/v1/sync`). Both need an agent token; neither
//! holds a secret (the hub's configuration keeps tokens out of its settings).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::api::{authenticate, Failure};
use super::openapi::ErrorBody;
use super::AppState;
use crate::rules::Settings;
use crate::store::{RunCounts, RunKind, SyncRun};
use crate::sync::{RunOutcome, SyncProgress};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(settings))
        .routes(routes!(sync))
}

/// The hub's integration settings.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct SettingsView {
    /// What is logged, and how (the `[settings]` of the hub's configuration).
    #[schema(value_type = Object)]
    settings: Settings,
    /// Contact sync's schedule; `None` when this hub does not sync contacts.
    sync: Option<ScheduleView>,
    /// The outcomes an agent picks from at a call's wrap-up, in order; empty: no outcome is
    /// asked (also in `settings`, repeated here for the app's wrap-up).
    call_outcomes: Vec<String>,
    /// Whether "Done" needs an outcome first.
    call_outcome_required: bool,
    /// How long the wrap-up lasts when Aircall sends none of its own, in seconds (0: none).
    wrap_up_seconds: u64,
    /// Whether the hub sets agents away in Intercom while they are on a call.
    presence: bool,
}

/// Contact sync's settings, in the units the configuration uses.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ScheduleView {
    /// Which Intercom contacts are synced.
    #[schema(value_type = String)]
    roles: &'static str,
    /// Minutes between two runs.
    interval_minutes: u64,
    /// Hours between two full runs.
    full_every_hours: u64,
}

/// The integration settings the hub logs with, and its contact sync schedule; never a secret.
#[utoipa::path(
    get,
    path = "/api/v1/settings",
    tag = "integration",
    security(("agent_token" = [])),
    responses(
        (status = 200, description = "The settings", body = SettingsView),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer; try again (with a `request_id`)", body = ErrorBody),
    )
)]
async fn settings(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<SettingsView>, Failure> {
    authenticate(&state, &headers).await?;
    let settings = state.engine.settings();
    Ok(Json(SettingsView {
        call_outcomes: settings.call_outcomes.clone(),
        call_outcome_required: settings.call_outcome_required,
        wrap_up_seconds: settings.wrap_up_seconds,
        presence: settings.presence,
        settings,
        sync: state.engine.sync_schedule().map(|s| ScheduleView {
            roles: s.options.roles.as_str(),
            interval_minutes: s.interval.as_secs() / 60,
            full_every_hours: s.options.full_every.as_secs() / 3600,
        }),
    }))
}

/// How contact sync is doing.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct SyncView {
    /// Whether this hub runs contact sync.
    enabled: bool,
    /// The current (or last) run's progress, as `/healthz` has it.
    #[schema(value_type = Option<Object>)]
    progress: Option<SyncProgress>,
    /// The last run that finished.
    last_run: Option<RunView>,
    /// Whether the last run stopped before its end (it resumes at the next tick).
    stopped: bool,
    /// Why, in the vendor's words: for admins only, as on `/healthz`.
    last_error: Option<String>,
}

/// A finished run.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct RunView {
    /// `full` or `incremental`.
    #[schema(value_type = String)]
    kind: RunKind,
    /// UNIX seconds.
    started_at: i64,
    /// UNIX seconds.
    finished_at: Option<i64>,
    /// What it did: contacts seen, indexed, created, updated, deleted, …
    #[schema(value_type = Object)]
    counts: RunCounts,
}

impl From<SyncRun> for RunView {
    fn from(run: SyncRun) -> Self {
        RunView {
            kind: run.kind,
            started_at: run.started_at,
            finished_at: run.finished_at,
            counts: run.counts,
        }
    }
}

/// Contact sync's state. The last error, and why a run waits, are for admins only.
#[utoipa::path(
    get,
    path = "/api/v1/sync",
    tag = "integration",
    security(("agent_token" = [])),
    responses(
        (status = 200, description = "The state", body = SyncView),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer; try again (with a `request_id`)", body = ErrorBody),
    )
)]
async fn sync(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<SyncView>, Failure> {
    let agent = authenticate(&state, &headers).await?;
    let last_run = state
        .store()
        .run(|s| s.sync_last_done(None))
        .await?
        .map(RunView::from);
    // The runner's last word, else what the interrupted run recorded (a restart in between).
    let outcome = state
        .engine
        .sync_outcomes()
        .and_then(|o| o.borrow().clone());
    let last_error = match outcome {
        Some(RunOutcome::Stopped(why)) => Some(why),
        Some(RunOutcome::Finished(_)) => None,
        None => state
            .store()
            .run(|s| s.sync_open_run())
            .await?
            .and_then(|run| run.error),
    };
    let mut progress = state
        .engine
        .sync_progress()
        .as_ref()
        .map(|p| p.borrow().clone());
    if !agent.admin {
        // A vendor's words (its error bodies) are for admins, as on `/healthz`.
        if let Some(progress) = progress.as_mut() {
            progress.waiting = None;
        }
    }
    Ok(Json(SyncView {
        enabled: state.engine.sync_progress().is_some(),
        progress,
        last_run,
        stopped: last_error.is_some(),
        last_error: last_error.filter(|_| agent.admin),
    }))
}
