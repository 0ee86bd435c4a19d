//! The admin console, at `/admin`: HTML pages the hub serves to its admins, to see what it did
//! and why and to fix it from a browser. Pages are askama templates (every value escaped),
//! under a strict Content-Security-Policy with no script at all; forms carry a CSRF token; the
//! words come from English and French Fluent catalogs.
//!
//! Who gets in is decided by [`session`] (an admin's session, or an admin token); what every
//! page shares by [`page`]; the languages by [`i18n`]. Each page is a file of its own, and no
//! page imports another.

mod agents;
mod calls;
mod i18n;
mod overview;
mod page;
mod reports;
mod session;
mod settings;
mod sync;

use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::AppState;

/// The console's style sheet.
const STYLE: &str = include_str!("../../../static/console.css");

/// Every console route but the style sheet as (method, path), for the tests that knock on each
/// (an agent's token must get 403 on all of them).
pub fn route_list() -> Vec<(&'static str, &'static str)> {
    [
        session::ROUTES,
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
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/static/console.css", get(style))
        .merge(overview::routes())
        .merge(calls::routes())
        .merge(agents::routes())
        .merge(sync::routes())
        .merge(settings::routes())
        .merge(reports::routes())
        .layer(axum::middleware::from_fn(server_timing))
}

/// Adds how long the hub spent on the answer, in milliseconds, as `Server-Timing`.
async fn server_timing(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
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
