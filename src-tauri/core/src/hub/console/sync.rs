//! The console's Contact sync page (`GET /admin/sync`): the run going on (or the last one),
//! the last runs with their counts, duration and errors, "Run now" (the schedule starts a run
//! at once) and "Dry run" (a page listing what a run would change, writing nothing). A hub that
//! runs no sync says so.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::page::{clock, render, see_other, Arg, Chrome, Nav};
use super::session::{plain, Admin, Checked};
use crate::domain::plan::Target;
use crate::engine::DryRunError;
use crate::hub::AppState;
use crate::store::{RunKind, RunPhase, SyncRun};
use crate::sync::{DryRun, Planned, SyncPhase};

/// This page's routes as (method, path), for the tests that knock on every route.
pub(super) const ROUTES: &[(&str, &str)] = &[
    ("GET", "/admin/sync"),
    ("POST", "/admin/sync/run"),
    ("POST", "/admin/sync/dry-run"),
];

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(Nav::Sync.href(), get(show))
        .route("/admin/sync/run", post(run_now))
        .route("/admin/sync/dry-run", post(dry_run))
}

/// A run of the list, in words.
struct Run {
    id: i64,
    kind: String,
    state: String,
    started: String,
    duration: String,
    seen: u64,
    created: u64,
    updated: u64,
    deleted: u64,
    unchanged: u64,
    failed: u64,
    error: String,
}

/// What the sync is doing now, in words.
struct Now {
    phase: String,
    figures: String,
    waiting: Option<String>,
}

#[derive(Template)]
#[template(path = "console/sync.html")]
struct Page {
    chrome: Chrome,
    /// `None`: this hub runs no sync.
    now: Option<Now>,
    runs: Vec<Run>,
    notice: Option<String>,
}

/// A planned change, in words.
struct Change {
    intercom_id: String,
    aircall_id: String,
    name: String,
    phone: String,
    email: String,
    was: String,
}

#[derive(Template)]
#[template(path = "console/sync_dry.html")]
struct DryPage {
    chrome: Chrome,
    summary: String,
    /// Creations, updates and deletions, each under its heading.
    sections: Vec<(String, Vec<Change>)>,
    /// Name, phone and why it is not a number.
    unparseable: Vec<(String, String, String)>,
}

#[derive(Debug, Deserialize)]
struct Shown {
    asked: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    admin: Admin,
    axum::extract::Query(q): axum::extract::Query<Shown>,
) -> Response {
    let chrome = admin.chrome(Nav::Sync);
    let runs = match state.engine.sync_runs().await {
        Ok(runs) => runs,
        Err(e) => {
            tracing::error!(error = %e, "the Sync page cannot read the database");
            return plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "the hub's database could not answer; try again",
            );
        }
    };
    let now = state.engine.sync_progress().map(|progress| {
        let progress = progress.borrow().clone();
        Now {
            phase: chrome.t(match progress.phase {
                SyncPhase::Idle => "sync-phase-idle",
                SyncPhase::Scanning if progress.dry_run => "sync-phase-dry",
                SyncPhase::Scanning => "sync-phase-scanning",
                SyncPhase::Pushing => "sync-phase-pushing",
                SyncPhase::Done => "sync-phase-done",
                SyncPhase::Stopped => "sync-phase-stopped",
            }),
            figures: chrome.tf(
                "sync-progress",
                &[
                    ("seen", Arg::from(progress.seen as i64)),
                    (
                        "total",
                        Arg::from(
                            progress
                                .total
                                .map_or_else(|| "?".to_owned(), |t| t.to_string()),
                        ),
                    ),
                    ("created", Arg::from(progress.created as i64)),
                    ("updated", Arg::from(progress.updated as i64)),
                    ("deleted", Arg::from(progress.deleted as i64)),
                    ("failed", Arg::from(progress.failed as i64)),
                ],
            ),
            waiting: progress
                .waiting
                .map(|why| chrome.tf("sync-waiting", &[("why", Arg::from(why))])),
        }
    });
    let notice = q.asked.is_some().then(|| chrome.t("sync-asked"));
    let runs = runs
        .iter()
        .map(|run| {
            run_words(
                &chrome,
                state.console.settings.business_hours.time_zone(),
                run,
            )
        })
        .collect();
    render(
        StatusCode::OK,
        &Page {
            chrome,
            now,
            runs,
            notice,
        },
    )
}

fn run_words(chrome: &Chrome, zone: &jiff::tz::TimeZone, run: &SyncRun) -> Run {
    let c = &run.counts;
    Run {
        id: run.id,
        kind: chrome.t(match run.kind {
            RunKind::Full => "sync-kind-full",
            RunKind::Incremental => "sync-kind-incremental",
        }),
        state: chrome.t(match run.phase {
            RunPhase::Scan => "sync-state-scan",
            RunPhase::Push => "sync-state-push",
            RunPhase::Done => "sync-state-done",
            RunPhase::Abandoned => "sync-state-abandoned",
        }),
        started: clock(run.started_at, zone),
        duration: match run.finished_at {
            Some(end) => seconds(chrome, end - run.started_at),
            None => chrome.t("sync-unfinished"),
        },
        seen: c.seen,
        created: c.created,
        updated: c.updated,
        deleted: c.deleted,
        unchanged: c.unchanged,
        failed: c.failed,
        error: run.error.clone().unwrap_or_default(),
    }
}

#[derive(Debug, Deserialize)]
struct NoFields {}

async fn run_now(State(state): State<AppState>, checked: Checked<NoFields>) -> Response {
    match state.engine.sync_now(&checked.admin.email).await {
        Ok(true) => see_other("/admin/sync?asked=1"),
        Ok(false) => plain(
            StatusCode::CONFLICT,
            "this hub runs no contact sync: set Aircall's credentials and turn sync on in hub.toml",
        ),
        Err(e) => {
            tracing::error!(error = %e, "cannot record a sync asked for");
            plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "the hub's database could not answer; try again",
            )
        }
    }
}

async fn dry_run(State(state): State<AppState>, checked: Checked<NoFields>) -> Response {
    let chrome = checked.admin.chrome(Nav::Sync);
    let report = match state.engine.sync_dry_run(&checked.admin.email).await {
        Ok(report) => report,
        Err(DryRunError::NoSync) => return plain(
            StatusCode::CONFLICT,
            "this hub runs no contact sync: set Aircall's credentials and turn sync on in hub.toml",
        ),
        Err(DryRunError::Sync(e)) => {
            tracing::warn!(error = %e, "a dry run failed");
            return plain(
                StatusCode::BAD_GATEWAY,
                &format!("the dry run could not read Intercom or the index: {e}"),
            );
        }
    };
    render(StatusCode::OK, &dry_page(chrome, &report))
}

fn dry_page(chrome: Chrome, report: &DryRun) -> DryPage {
    let summary = chrome.tf(
        "sync-dry-summary",
        &[
            ("seen", Arg::from(report.seen as i64)),
            ("create", Arg::from(report.create.len())),
            ("update", Arg::from(report.update.len())),
            ("delete", Arg::from(report.delete.len())),
            ("unchanged", Arg::from(report.unchanged as i64)),
        ],
    );
    let changes = |planned: &[Planned]| planned.iter().map(change).collect::<Vec<_>>();
    DryPage {
        summary,
        sections: vec![
            (chrome.t("sync-dry-create"), changes(&report.create)),
            (chrome.t("sync-dry-update"), changes(&report.update)),
            (chrome.t("sync-dry-delete"), changes(&report.delete)),
        ],
        unparseable: report
            .unparseable
            .iter()
            .map(|u| {
                (
                    u.name.clone().unwrap_or_default(),
                    u.phone.clone(),
                    u.reason.clone(),
                )
            })
            .collect(),
        chrome,
    }
}

/// A planned change: what Aircall would hold (or holds, for a deletion), and what it held.
fn change(planned: &Planned) -> Change {
    let shown = planned.target.as_ref().or(planned.current.as_ref());
    Change {
        intercom_id: planned.intercom_id.clone(),
        aircall_id: planned
            .aircall_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        name: shown.map(name).unwrap_or_default(),
        phone: shown.map(|t| t.phone.to_string()).unwrap_or_default(),
        email: shown.and_then(|t| t.email.clone()).unwrap_or_default(),
        was: match (&planned.target, &planned.current) {
            (Some(_), Some(current)) => format!("{} · {}", name(current), current.phone),
            _ => String::new(),
        },
    }
}

fn name(target: &Target) -> String {
    match &target.last_name {
        Some(last) => format!("{} {last}", target.first_name),
        None => target.first_name.clone(),
    }
}

/// A duration in seconds, in words.
fn seconds(chrome: &Chrome, n: i64) -> String {
    chrome.tf("sync-seconds", &[("n", Arg::from(n.max(0)))])
}
