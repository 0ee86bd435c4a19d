//! The console's Overview page (`GET /admin`): is the hub working? When the last Aircall
//! webhook and the last Intercom notification came (with a warning when none came for longer
//! than `quiet_warning_minutes` within business hours), each vendor's state, the queues, the
//! effects that failed in the last day, who is connected, contact sync, and the hub itself.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::page::{clock as time, render, Arg, Chrome, Nav};
use super::session::{plain, Admin};
use crate::error::Api;
use crate::hub::AppState;
use crate::store::console::overview::OverviewFigures;
use crate::sync::SyncPhase;

/// This page's routes as (method, path), for the tests that knock on every route.
pub(super) const ROUTES: &[(&str, &str)] = &[("GET", "/admin")];

pub(super) fn routes() -> Router<AppState> {
    Router::new().route(Nav::Overview.href(), get(show))
}

/// A day, in seconds: failed effects are counted over the last one.
const DAY: i64 = 86_400;

/// When something last came, in words, and whether it is late.
struct Received {
    /// The time, or words saying none came.
    when: String,
    /// How long ago, in words (empty when none came).
    ago: String,
    /// The warning, when it is late within business hours.
    warning: Option<String>,
}

/// One vendor's state, in words.
struct Vendor {
    name: &'static str,
    /// Whether its last request failed.
    failing: bool,
    last_error: String,
    rate_limited: String,
    budget: Option<String>,
}

#[derive(Template)]
#[template(path = "console/overview.html")]
struct Page {
    chrome: Chrome,
    aircall: Received,
    intercom: Option<Received>,
    vendors: Vec<Vendor>,
    inbox: u64,
    lanes: Vec<(String, u64)>,
    failed: u64,
    /// Agents online and their streams, in words.
    streams: String,
    sync: String,
    version: &'static str,
    uptime: String,
    database: String,
    /// The team's call-back list; `None` when the database could not tell.
    callbacks: Option<CallbackBlock>,
}

/// The "Call-backs" block: items waiting, late, the oldest late one, returned today.
struct CallbackBlock {
    waiting: u64,
    late: u64,
    /// When the oldest late item opened, and how long ago, in words.
    oldest_late: Option<(String, String)>,
    returned_today: u64,
}

async fn show(State(state): State<AppState>, admin: Admin) -> Response {
    let chrome = admin.chrome(Nav::Overview);
    let now = state.now();
    let figures = match state
        .store()
        .run(move |s| s.overview_figures(now - DAY))
        .await
    {
        Ok(figures) => figures,
        Err(e) => {
            tracing::error!(error = %e, "the Overview cannot read the database");
            return plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "the hub's database could not answer; try again",
            );
        }
    };
    let mut page = build(&state, chrome, &figures, now);
    page.callbacks = callback_block(&state, &page.chrome, now).await;
    render(StatusCode::OK, &page)
}

fn build(state: &AppState, chrome: Chrome, figures: &OverviewFigures, now: i64) -> Page {
    let settings = &state.console.settings;
    let quiet_after = i64::from(settings.quiet_warning_minutes) * 60;
    let within_hours = settings.business_hours.contains(now);
    let received = |last: Option<i64>, warning_key: &str| {
        // A hub that never received one is late from its start.
        let since = last.unwrap_or(state.started_at);
        let late = quiet_after > 0 && within_hours && now - since > quiet_after;
        Received {
            when: match last {
                Some(at) => time(at, settings.business_hours.time_zone()),
                None => chrome.t("overview-never"),
            },
            ago: last.map(|at| ago(&chrome, now - at)).unwrap_or_default(),
            warning: late.then(|| {
                chrome.tf(
                    warning_key,
                    &[(
                        "minutes",
                        Arg::from(i64::from(settings.quiet_warning_minutes)),
                    )],
                )
            }),
        }
    };
    let aircall = received(figures.last_aircall_webhook, "overview-quiet-aircall");
    let intercom = state.intercom_secret.is_some().then(|| {
        received(
            figures.last_intercom_notification,
            "overview-quiet-intercom",
        )
    });
    let vendors = vec![
        vendor(state, &chrome, Api::Aircall, "Aircall"),
        vendor(state, &chrome, Api::Intercom, "Intercom"),
    ];
    let lanes = figures
        .outbox_depth
        .iter()
        .map(|(lane, depth)| {
            let name = chrome.t(&format!("overview-lane-{}", lane.as_str()));
            (
                chrome.tf("overview-outbox", &[("lane", Arg::from(name))]),
                *depth,
            )
        })
        .collect();
    Page {
        aircall,
        intercom,
        vendors,
        inbox: figures.inbox_depth,
        lanes,
        failed: figures.failed_since,
        streams: chrome.tf(
            "overview-online",
            &[
                ("agents", Arg::from(state.streams.agents())),
                ("streams", Arg::from(state.streams.total())),
            ],
        ),
        sync: sync_words(state, &chrome),
        version: env!("CARGO_PKG_VERSION"),
        uptime: span(&chrome, now - state.started_at),
        database: size(figures.database_bytes),
        callbacks: None,
        chrome,
    }
}

/// The call-back list's figures, "today" on the team's clock.
async fn callback_block(state: &AppState, chrome: &Chrome, now: i64) -> Option<CallbackBlock> {
    let zone = state.console.settings.business_hours.time_zone().clone();
    let today = jiff::Timestamp::from_second(now)
        .ok()?
        .to_zoned(zone.clone())
        .start_of_day()
        .ok()?
        .timestamp()
        .as_second();
    let figures = match state.engine.callback_figures(today).await {
        Ok(figures) => figures,
        Err(e) => {
            tracing::warn!(error = %e, "the Overview cannot read the call-back list");
            return None;
        }
    };
    Some(CallbackBlock {
        waiting: figures.waiting,
        late: figures.late,
        oldest_late: figures
            .oldest_late
            .map(|at| (time(at, &zone), ago(chrome, now - at))),
        returned_today: figures.returned,
    })
}

/// A vendor's last error, 429s and (Aircall's) budget, in words.
fn vendor(state: &AppState, chrome: &Chrome, api: Api, name: &'static str) -> Vendor {
    let seen = state.engine.vendor_state(api);
    let last_error = match &seen.last_error {
        None => chrome.t("overview-no-error"),
        Some(e) => {
            let args = [
                ("method", Arg::from(e.method.as_str())),
                ("endpoint", Arg::from(e.endpoint.as_str())),
                (
                    "when",
                    Arg::from(time(
                        e.at,
                        state.console.settings.business_hours.time_zone(),
                    )),
                ),
            ];
            match e.status {
                Some(status) => {
                    let mut args = args.to_vec();
                    args.push(("status", Arg::from(i64::from(status))));
                    chrome.tf(status_key(status), &args)
                }
                None => chrome.tf("overview-error-network", &args),
            }
        }
    };
    let rate_limited = chrome.tf(
        "overview-rate-limited",
        &[("n", Arg::from(seen.rate_limited_last_hour as i64))],
    );
    let budget = match api {
        Api::Aircall => state.engine.aircall_budget().map(|budget| {
            // The budget's requests per minute (Aircall's period is a minute).
            let per_minute = (f64::from(budget.requests) * 60.0
                / budget.period.as_secs_f64().max(1.0))
            .round()
            .max(1.0);
            let used = seen.requests_last_minute as f64;
            chrome.tf(
                "overview-budget",
                &[
                    ("used", Arg::Number(used)),
                    ("budget", Arg::Number(per_minute)),
                    ("percent", Arg::Number((used * 100.0 / per_minute).round())),
                ],
            )
        }),
        Api::Intercom => None,
    };
    Vendor {
        name,
        // Red while the error is less than an hour old (the errors' times are the system's).
        failing: seen
            .last_error
            .as_ref()
            .is_some_and(|e| jiff::Timestamp::now().as_second() - e.at < 3600),
        last_error,
        rate_limited,
        budget,
    }
}

/// The catalog key that says what a vendor's status means.
fn status_key(status: u16) -> &'static str {
    match status {
        401 | 403 => "overview-error-credentials",
        429 => "overview-error-rate-limited",
        500..=599 => "overview-error-server",
        _ => "overview-error-refused",
    }
}

/// Contact sync's state, in words.
fn sync_words(state: &AppState, chrome: &Chrome) -> String {
    let Some(progress) = state.engine.sync_progress() else {
        return chrome.t("overview-sync-off");
    };
    let progress = progress.borrow().clone();
    let key = match progress.phase {
        SyncPhase::Idle => "overview-sync-idle",
        SyncPhase::Scanning => "overview-sync-scanning",
        SyncPhase::Pushing => "overview-sync-pushing",
        SyncPhase::Done => "overview-sync-done",
        SyncPhase::Stopped => "overview-sync-stopped",
    };
    chrome.tf(
        key,
        &[
            ("seen", Arg::from(progress.seen as i64)),
            ("written", Arg::from(progress.written() as i64)),
            ("failed", Arg::from(progress.failed as i64)),
        ],
    )
}

/// How long ago, in words.
fn ago(chrome: &Chrome, seconds: i64) -> String {
    chrome.tf(
        "overview-ago",
        &[("span", Arg::from(span(chrome, seconds)))],
    )
}

/// A length of time in its largest unit, in words.
fn span(chrome: &Chrome, seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (key, n) = match seconds {
        s if s < 60 => ("overview-seconds", s),
        s if s < 3600 => ("overview-minutes", s / 60),
        s if s < 2 * 86_400 => ("overview-hours", s / 3600),
        s => ("overview-days", s / 86_400),
    };
    chrome.tf(key, &[("n", Arg::from(n))])
}

/// A size in bytes, in the largest unit that keeps a whole number.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
