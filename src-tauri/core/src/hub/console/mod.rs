//! The admin console, at `/admin`: HTML pages the hub serves to its admins, to see what it did
//! and why and to fix it from a browser. Pages are askama templates (every value escaped),
//! under a strict Content-Security-Policy with no script at all; forms carry a CSRF token; the
//! words come from English and French Fluent catalogs.
//!
//! Who gets in is decided by [`session`] (an admin's session, or an admin token); the way in
//! and out (the sign-in page, signing out, the language switch) by [`entry`]; what every page
//! shares by [`page`]; the languages by [`i18n`]. Each page is a file of its own, and no page
//! imports another.
//!
//! Every console answer, a page or a refusal in words, keeps its shape: the hub's JSON error
//! shaping leaves it alone (it carries [`super::failure::AsIs`]), and it carries the console's
//! Content-Security-Policy. An address under `/admin` with nothing there is a page too.

mod agents;
mod calls;
mod entry;
mod i18n;
mod overview;
mod page;
mod reports;
mod session;
mod settings;
mod sync;

use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::AppState;
use crate::signin::SignInError;

/// The console's style sheet.
const STYLE: &str = include_str!("../../../static/console.css");

/// Every console route but the style sheet as (method, path), for the tests that knock on each
/// (an agent's token must get 403 on all of them).
pub fn route_list() -> Vec<(&'static str, &'static str)> {
    [
        entry::ROUTES,
        overview::ROUTES,
        calls::ROUTES,
        agents::ROUTES,
        sync::ROUTES,
        settings::ROUTES,
        reports::ROUTES,
    ]
    .concat()
}

/// Every console route, each answer timed (`Server-Timing: app;dur=<ms>`, which the console's
/// benchmark reads).
pub(super) fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/admin/static/console.css", get(style))
        .merge(entry::routes())
        .merge(overview::routes())
        .merge(calls::routes())
        .merge(agents::routes())
        .merge(sync::routes())
        .merge(settings::routes())
        .merge(reports::routes())
        .layer(axum::middleware::from_fn_with_state(state, console_answers))
        .layer(axum::middleware::from_fn(server_timing))
}

/// The state of a console sign-in with Intercom that the browser kept for the callback.
pub(super) fn browser_state(headers: &HeaderMap) -> Option<String> {
    i18n::cookie(headers, session::OAUTH_COOKIE).filter(|v| !v.is_empty())
}

/// The end of a console sign-in with Intercom, for the hub's callback: a session and a page
/// that goes on to the console, or the refusal in words.
pub(super) async fn signed_in_with_intercom(
    state: &AppState,
    headers: &HeaderMap,
    outcome: Result<String, SignInError>,
) -> Response {
    let mut response = entry::finish_with_intercom(state, headers, outcome).await;
    keep_as_is(&mut response);
    response
}

/// What every console answer gets: left as it is by the hub's JSON error shaping, the
/// console's security headers where the answer set none, and the session cookie's expiry
/// moved along.
async fn console_answers(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let cookies = request.headers().clone();
    let mut response = next.run(request).await;
    session::slide_cookie(&state, &cookies, &mut response);
    keep_as_is(&mut response);
    response
}

fn keep_as_is(response: &mut Response) {
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let cache = headers.get(header::CACHE_CONTROL).cloned();
        page::secure_headers(headers);
        if let Some(cache) = cache {
            headers.insert(header::CACHE_CONTROL, cache);
        }
    }
    response.extensions_mut().insert(super::failure::AsIs);
}

/// Adds how long the hub spent on the answer, in milliseconds, as `Server-Timing`.
async fn server_timing(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let started = std::time::Instant::now();
    let mut response = next.run(request).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(value) = HeaderValue::from_str(&format!("app;dur={ms:.3}")) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("server-timing"), value);
    }
    response
}

async fn style() -> Response {
    let mut response = STYLE.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
