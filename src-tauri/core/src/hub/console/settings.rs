//! The console's Settings page.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::page::{render, Chrome, Nav};
use super::session::Admin;
use crate::hub::AppState;

/// This page's routes as (method, path), for the tests that knock on every route.
pub(super) const ROUTES: &[(&str, &str)] = &[("GET", "/admin/settings")];

pub(super) fn routes() -> Router<AppState> {
    Router::new().route(Nav::Settings.href(), get(show))
}

#[derive(Template)]
#[template(path = "console/settings.html")]
struct Page {
    chrome: Chrome,
}

async fn show(State(_state): State<AppState>, admin: Admin) -> Response {
    render(StatusCode::OK, &Page {
        chrome: admin.chrome(Nav::Settings),
    })
}
