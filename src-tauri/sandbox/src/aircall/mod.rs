//! The fake Aircall Public API (`/v1/...`, `/v2/users`).
//!
//! Every request passes `gate`: injected latency and faults, then HTTP Basic credentials
//! (`api_id:api_token`), then the company's one-minute budget. The `X-AircallApi-*` headers are
//! sent only on a 429, as the real API is documented to do, so a client cannot pace itself on
//! them. Errors are `{"error": …, "troubleshoot": …}`.

mod calls;
mod contacts;
mod details;
mod dial;
mod model;
mod paging;
pub(crate) mod render;
mod state;
mod tags;
mod users;
mod view;
mod webhooks;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use base64::Engine;
use serde_json::{json, Map, Value};

pub use model::{
    Call, CallTag, Comment, Contact, ContactDetail, Dial, InsightCard, Message, NewCall,
    NewMessage, Number, Tag, User, Webhook, AVAILABILITIES,
};
pub(crate) use state::AircallState;
pub use view::AircallView;

use crate::faults::{Api, Fault, Faults};
use crate::server::Connection;
use crate::traffic::{self, RequestLog};

/// What the handlers share.
#[derive(Debug)]
pub(crate) struct AircallApp {
    pub state: Arc<Mutex<AircallState>>,
    pub faults: Faults,
    pub log: RequestLog,
    pub api_id: String,
    pub api_token: String,
}

impl AircallApp {
    pub(crate) fn lock(&self) -> MutexGuard<'_, AircallState> {
        lock(&self.state)
    }
}

pub(crate) fn lock(state: &Mutex<AircallState>) -> MutexGuard<'_, AircallState> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An Aircall error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AcError {
    status: StatusCode,
    error: String,
    troubleshoot: String,
}

impl AcError {
    pub(crate) fn new(
        status: StatusCode,
        error: impl Into<String>,
        troubleshoot: impl Into<String>,
    ) -> Self {
        AcError {
            status,
            error: error.into(),
            troubleshoot: troubleshoot.into(),
        }
    }

    pub(crate) fn bad_request(troubleshoot: impl Into<String>) -> Self {
        AcError::new(StatusCode::BAD_REQUEST, "Bad request", troubleshoot)
    }

    pub(crate) fn not_found(what: &str) -> Self {
        AcError::new(
            StatusCode::NOT_FOUND,
            "Not found",
            format!("{what} not found, check the id"),
        )
    }
}

impl IntoResponse for AcError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.error, "troubleshoot": self.troubleshoot});
        (self.status, Json(body)).into_response()
    }
}

/// A handler's answer.
pub(crate) type Answer = Result<Json<Value>, AcError>;

/// A `201 Created` with an empty body, as the call actions answer.
pub(crate) fn created_empty() -> Response {
    StatusCode::CREATED.into_response()
}

/// Parses a JSON object body.
pub(crate) fn body_object(body: &Bytes) -> Result<Map<String, Value>, AcError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(AcError::bad_request("The body must be a JSON object")),
        Err(e) => Err(AcError::bad_request(format!(
            "The body is not valid JSON: {e}"
        ))),
    }
}

/// An optional string member (`null` counts as absent).
pub(crate) fn opt_str(body: &Map<String, Value>, key: &str) -> Result<Option<String>, AcError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(AcError::bad_request(format!("{key} must be a string"))),
    }
}

/// Parses a numeric path id; anything else is a 404 for `what`.
pub(crate) fn path_id(raw: &str, what: &str) -> Result<u64, AcError> {
    raw.parse().map_err(|_| AcError::not_found(what))
}

/// Builds the router for the fake Aircall.
pub(crate) fn router(app: Arc<AircallApp>) -> Router {
    Router::new()
        .route("/v1/ping", get(ping))
        .route("/v2/users", get(users::list))
        .route("/v2/users/{id_or_email}", get(users::get_one))
        .route("/v1/users/{id}", put(users::update))
        .route("/v2/users/{id}/numbers", get(users::numbers_of))
        .route("/v1/users/availabilities", get(users::availabilities))
        .route("/v1/users/{id}/availability", get(users::availability))
        .route("/v1/numbers", get(users::numbers))
        .route("/v1/numbers/{id}", get(users::number))
        .route("/v1/users/{id}/dial", post(dial::dial))
        .route("/v1/calls", get(calls::list))
        .route("/v1/calls/search", get(calls::search))
        .route("/v1/calls/{id}", get(calls::get_one))
        .route("/v1/calls/{id}/comments", post(calls::comment))
        .route("/v1/calls/{id}/tags", post(calls::tag))
        .route("/v1/calls/{id}/insight_cards", post(calls::insight_card))
        .route("/v1/tags", get(tags::list).post(tags::create))
        .route("/v1/tags/{id}", get(tags::get_one))
        .route("/v1/contacts", get(contacts::list).post(contacts::create))
        .route("/v1/contacts/search", get(contacts::search))
        .route(
            "/v1/contacts/{id}",
            get(contacts::get_one)
                .post(contacts::update)
                .delete(contacts::remove),
        )
        .route("/v1/contacts/{id}/phone_details", post(details::add_phone))
        .route(
            "/v1/contacts/{id}/phone_details/{detail_id}",
            put(details::change_phone)
                .post(details::change_phone)
                .delete(details::remove_phone),
        )
        .route("/v1/contacts/{id}/email_details", post(details::add_email))
        .route(
            "/v1/contacts/{id}/email_details/{detail_id}",
            put(details::change_email)
                .post(details::change_email)
                .delete(details::remove_email),
        )
        .route("/v1/webhooks", get(webhooks::list).post(webhooks::create))
        .route(
            "/v1/webhooks/{id}",
            get(webhooks::get_one)
                .put(webhooks::update)
                .delete(webhooks::remove),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(app.clone(), gate))
        .with_state(app)
}

async fn ping() -> Json<Value> {
    Json(json!({"ping": "pong"}))
}

async fn not_found() -> AcError {
    AcError::new(
        StatusCode::NOT_FOUND,
        "Not found",
        "This endpoint does not exist, check the path and the API version",
    )
}

async fn method_not_allowed() -> AcError {
    AcError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
        "Check the HTTP method of this endpoint",
    )
}

/// Faults, authentication and the company budget, then the handler.
async fn gate(State(app): State<Arc<AircallApp>>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let connection = request.extensions().get::<Connection>().cloned();
    let response =
        match traffic::before_handler(Api::Aircall, &app.faults, &app.log, &request).await {
            Some(Fault::Fail(status)) => injected_failure(status),
            Some(Fault::RateLimit { reset }) => {
                let (limit, _) = app.faults.budget(Api::Aircall);
                rate_limited(limit, reset)
            }
            _ => authorised(&app, request, next).await,
        };
    if response.status().is_success() {
        traffic::maybe_lose_answer(
            Api::Aircall,
            &app.faults,
            &app.log,
            &method,
            &path,
            connection,
        )
        .await;
    }
    app.log.record(&method, &path, response.status().as_u16());
    response
}

async fn authorised(app: &AircallApp, request: Request, next: Next) -> Response {
    if !basic_matches(request.headers(), &app.api_id, &app.api_token) {
        return AcError::new(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Check your API key",
        )
        .into_response();
    }
    let verdict = app.faults.take_budget(Api::Aircall);
    if !verdict.allowed {
        return rate_limited(verdict.limit, verdict.reset);
    }
    next.run(request).await
}

fn basic_matches(headers: &HeaderMap, api_id: &str, api_token: &str) -> bool {
    let Some(encoded) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    else {
        return false;
    };
    base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .is_some_and(|pair| pair == format!("{api_id}:{api_token}"))
}

fn rate_limited(limit: u32, reset: u64) -> Response {
    let mut response = AcError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many requests",
        format!("The company's limit of {limit} requests per minute is reached, retry after X-AircallApi-Reset"),
    )
    .into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-aircallapi-limit", limit.to_string()),
        ("x-aircallapi-remaining", "0".to_owned()),
        ("x-aircallapi-reset", reset.to_string()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

fn injected_failure(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = status.canonical_reason().unwrap_or("Error");
    AcError::new(status, reason, "Injected by the sandbox; retry later").into_response()
}
