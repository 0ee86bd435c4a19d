//! The console's Agents page (`GET /admin/agents`): everyone who signed in, was invited or
//! has a token, with how they joined, when the hub last saw them, their open event streams
//! and their app's version. "Invite" makes an invitation as `ringside-cli agents invite` does
//! and shows its links once; "Revoke" revokes the token and open invitations and ends the
//! agent's event streams at once.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::page::{clock, render, see_other, Arg, Chrome, Nav};
use super::session::{plain, Admin, Checked};
use crate::engine::{InviteError, Invited};
use crate::hub::AppState;
use crate::store::Joined;

/// This page's routes as (method, path), for the tests that knock on every route.
pub(super) const ROUTES: &[(&str, &str)] = &[
    ("GET", "/admin/agents"),
    ("POST", "/admin/agents/invite"),
    ("POST", "/admin/agents/revoke"),
];

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(Nav::Agents.href(), get(show))
        .route("/admin/agents/invite", post(invite))
        .route("/admin/agents/revoke", post(revoke))
}

/// One row of the page, in words.
struct Row {
    email: String,
    role: String,
    joined: String,
    since: String,
    last_seen: String,
    streams: usize,
    app: String,
    /// Until when their open invitation works, in words.
    invited_until: Option<String>,
    /// The revoke button's name for a screen reader.
    revoke_label: String,
}

#[derive(Template)]
#[template(path = "console/agents.html")]
struct Page {
    chrome: Chrome,
    rows: Vec<Row>,
    /// A notice at the top (an agent revoked, an invitation refused).
    notice: Option<String>,
    /// Its colour: `state-ok` or `state-bad`.
    notice_state: &'static str,
    /// The invitation just made, shown once.
    invited: Option<Invited>,
    /// Its heading.
    invited_title: String,
    /// How long it works, in words.
    invited_once: String,
}

#[derive(Debug, Deserialize)]
struct Shown {
    revoked: Option<String>,
    closed: Option<usize>,
}

async fn show(State(state): State<AppState>, admin: Admin, Query(q): Query<Shown>) -> Response {
    let chrome = admin.chrome(Nav::Agents);
    let notice = q.revoked.map(|email| {
        chrome.tf(
            "agents-revoked",
            &[
                ("email", Arg::from(email)),
                ("streams", Arg::from(q.closed.unwrap_or(0))),
            ],
        )
    });
    page(&state, chrome, StatusCode::OK, notice, None).await
}

async fn page(
    state: &AppState,
    chrome: Chrome,
    status: StatusCode,
    notice: Option<String>,
    invited: Option<Invited>,
) -> Response {
    let team = match state.engine.team().await {
        Ok(team) => team,
        Err(e) => {
            tracing::error!(error = %e, "the Agents page cannot read the database");
            return plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "the hub's database could not answer; try again",
            );
        }
    };
    let zone = state.console.settings.business_hours.time_zone();
    let time = |at: i64| clock(at, zone);
    let rows = team
        .into_iter()
        .map(|member| Row {
            role: chrome.t(if member.admin {
                "agents-role-admin"
            } else {
                "agents-role-agent"
            }),
            joined: chrome.t(match member.joined {
                Some(Joined::Token) => "agents-joined-token",
                Some(Joined::OAuth) => "agents-joined-oauth",
                Some(Joined::Invitation) => "agents-joined-invitation",
                None => "agents-joined-invited",
            }),
            since: time(member.since),
            last_seen: member
                .last_seen_at
                .map_or_else(|| chrome.t("agents-never-seen"), time),
            streams: state.streams.count(&member.email),
            app: member
                .app_version
                .unwrap_or_else(|| chrome.t("agents-app-unknown")),
            invited_until: member.invited_until.map(|until| {
                chrome.tf("agents-invited-until", &[("until", Arg::from(time(until)))])
            }),
            revoke_label: chrome.tf(
                "agents-revoke-label",
                &[("email", Arg::from(member.email.as_str()))],
            ),
            email: member.email,
        })
        .collect();
    let invited_title = invited.as_ref().map_or_else(String::new, |i| {
        chrome.tf(
            "agents-invited-title",
            &[("email", Arg::from(i.email.as_str()))],
        )
    });
    let invited_once = invited.as_ref().map_or_else(String::new, |i| {
        chrome.tf(
            "agents-invited-once",
            &[("days", Arg::from(i64::from(i.days)))],
        )
    });
    let notice_state = if status.is_success() {
        "state-ok"
    } else {
        "state-bad"
    };
    render(
        status,
        &Page {
            chrome,
            rows,
            notice,
            notice_state,
            invited,
            invited_title,
            invited_once,
        },
    )
}

#[derive(Debug, Deserialize)]
struct InviteForm {
    email: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    admin: Option<String>,
}

async fn invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    checked: Checked<InviteForm>,
) -> Response {
    let chrome = checked.admin.chrome(Nav::Agents);
    let hub = hub_url(&state, &headers);
    let admin = checked.form.admin.is_some();
    match state
        .engine
        .invite(&checked.admin.email, &checked.form.email, admin, &hub)
        .await
    {
        Ok(invited) => page(&state, chrome, StatusCode::OK, None, Some(invited)).await,
        Err(InviteError::Refused(why)) => {
            let notice = chrome.tf("agents-invite-refused", &[("why", Arg::from(why))]);
            page(&state, chrome, StatusCode::BAD_REQUEST, Some(notice), None).await
        }
        Err(InviteError::Store(e)) => {
            tracing::error!(error = %e, "cannot store an invitation");
            plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "the hub's database could not answer; try again",
            )
        }
    }
}

#[derive(Debug, Deserialize)]
struct RevokeForm {
    email: String,
}

async fn revoke(State(state): State<AppState>, checked: Checked<RevokeForm>) -> Response {
    let email = checked.form.email.trim().to_lowercase();
    if let Err(e) = state.engine.revoke(&checked.admin.email, &email).await {
        tracing::error!(error = %e, "cannot revoke an agent");
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "the hub's database could not answer; try again",
        );
    }
    // The token no longer works: its streams end now rather than at their next check.
    let closed = state.streams.close(&email);
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("revoked", &email)
        .append_pair("closed", &closed.to_string())
        .finish();
    see_other(&format!("{}?{query}", Nav::Agents.href()))
}

/// The hub's address for the agents' links: its public URL when sign-in is set up, else the
/// address the admin's browser reached it at.
fn hub_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(signin) = &state.signin {
        return signin.config().public_url.as_str().to_owned();
    }
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
    };
    if let Some(origin) = header(axum::http::header::ORIGIN).filter(|o| o.starts_with("http")) {
        return origin.to_owned();
    }
    match header(axum::http::header::HOST) {
        Some(host) => format!("http://{host}"),
        None => "http://localhost".to_owned(),
    }
}
