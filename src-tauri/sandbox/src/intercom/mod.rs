//! The fake Intercom REST API (version 2.16 shapes).
//!
//! Every request passes `gate`: injected latency and faults, then the bearer token, then the
//! fixed-window rate limiter (whose `X-RateLimit-*` headers go on every authenticated response),
//! then the `Intercom-Version` header. Handlers live in one file per resource; they lock the
//! state, do their work and unlock before answering. Errors are always an `error.list` with a
//! fresh `request_id`.

mod admins;
mod attributes;
mod away;
mod contacts;
mod conversations;
mod model;
mod notify;
mod oauth;
mod paging;
mod render;
mod search;
mod state;
mod tags;
mod view;
mod workspace;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

pub(crate) use away::set_away;
pub use model::{
    Actor, Admin, AppliedTag, Contact, Conversation, ConversationState, Part, Role, Source, Tag,
};
pub use notify::SentNotification;
pub use oauth::{Approval, ExchangeShape, IntercomOAuth, CLIENT_ID, CLIENT_SECRET};
pub(crate) use state::IntercomState;
pub use state::NewContact;
pub use view::IntercomView;
pub use workspace::{AttributeOption, AwayReason, ConversationAttribute};

use crate::faults::{Api, Fault, Faults};
use crate::ids;
use crate::limits::{window_label, Verdict};
use crate::server::Connection;
use crate::traffic::{self, RequestLog};

/// The versions the `Intercom-Version` header may name.
const VERSIONS: [&str; 22] = [
    "1.0", "1.1", "1.2", "1.3", "1.4", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7",
    "2.8", "2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "2.15", "2.16",
];

/// What the handlers share.
#[derive(Debug)]
pub(crate) struct IntercomApp {
    pub state: Arc<Mutex<IntercomState>>,
    pub faults: Faults,
    pub log: RequestLog,
    pub token: String,
}

impl IntercomApp {
    /// Locks the state (a poisoned lock is taken over: the data is still consistent enough for
    /// a fake).
    pub(crate) fn lock(&self) -> MutexGuard<'_, IntercomState> {
        lock(&self.state)
    }
}

pub(crate) fn lock(state: &Mutex<IntercomState>) -> MutexGuard<'_, IntercomState> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An Intercom error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IcError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl IcError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        IcError {
            status,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        IcError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub(crate) fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        IcError::new(StatusCode::NOT_FOUND, code, message)
    }
}

impl IntoResponse for IcError {
    fn into_response(self) -> Response {
        let body = json!({
            "type": "error.list",
            "request_id": ids::uuid(),
            "errors": [{"code": self.code, "message": self.message}],
        });
        (self.status, Json(body)).into_response()
    }
}

/// A handler's answer.
pub(crate) type Answer = Result<Json<Value>, IcError>;

/// Parses a JSON object body; an empty body is an empty object.
pub(crate) fn body_object(body: &Bytes) -> Result<Map<String, Value>, IcError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(IcError::bad_request(
            "bad_request",
            "The request body must be a JSON object",
        )),
        Err(e) => Err(IcError::bad_request(
            "bad_request",
            format!("The request body is not valid JSON: {e}"),
        )),
    }
}

/// An optional string member (`null` counts as absent).
pub(crate) fn opt_str(body: &Map<String, Value>, key: &str) -> Result<Option<String>, IcError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(IcError::bad_request(
            "parameter_invalid",
            format!("{key} must be a string"),
        )),
    }
}

/// An optional id member: a string, or an integer as the spec's examples send them.
pub(crate) fn opt_id(body: &Map<String, Value>, key: &str) -> Result<Option<String>, IcError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) if n.is_u64() => Ok(Some(n.to_string())),
        Some(_) => Err(IcError::bad_request(
            "parameter_invalid",
            format!("{key} must be a string id"),
        )),
    }
}

/// A required id member.
pub(crate) fn req_id(body: &Map<String, Value>, key: &str) -> Result<String, IcError> {
    opt_id(body, key)?.ok_or_else(|| {
        IcError::bad_request(
            "parameter_not_found",
            format!("{key} is a required parameter"),
        )
    })
}

/// Builds the router for the fake Intercom.
pub(crate) fn router(app: Arc<IntercomApp>) -> Router {
    Router::new()
        .route("/me", get(admins::me))
        .route("/admins", get(admins::list))
        .route("/admins/{id}", get(admins::get_one))
        .route("/admins/{id}/away", put(admins::set_away))
        .route("/away_status_reasons", get(away::list))
        .route("/contacts", get(contacts::list).post(contacts::create))
        .route("/contacts/search", post(contacts::search))
        .route(
            "/contacts/{id}",
            get(contacts::get_one)
                .put(contacts::update)
                .delete(contacts::remove),
        )
        .route(
            "/conversations",
            get(conversations::list).post(conversations::create),
        )
        .route("/conversations/search", post(conversations::search))
        .route(
            "/conversations/attributes",
            get(attributes::list).post(attributes::create),
        )
        .route(
            "/conversations/attributes/{id}/options",
            post(attributes::add_option),
        )
        .route(
            "/conversations/{id}",
            get(conversations::get_one).put(attributes::update_conversation),
        )
        .route("/conversations/{id}/reply", post(conversations::reply))
        .route("/conversations/{id}/parts", post(conversations::manage))
        .route("/conversations/{id}/tags", post(tags::attach))
        .route("/conversations/{id}/tags/{tag_id}", delete(tags::detach))
        .route("/tags", get(tags::list).post(tags::create_or_update))
        .route("/tags/{id}", get(tags::get_one))
        .route("/oauth", get(oauth::authorize))
        .route("/auth/eagle/token", post(oauth::token))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(app.clone(), gate))
        .with_state(app)
}

async fn not_found() -> IcError {
    IcError::not_found("not_found", "Resource Not Found")
}

async fn method_not_allowed() -> IcError {
    IcError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method Not Allowed",
    )
}

/// Faults, authentication, rate limit and version check, then the handler.
async fn gate(State(app): State<Arc<IntercomApp>>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let connection = request.extensions().get::<Connection>().cloned();
    let response =
        match traffic::before_handler(Api::Intercom, &app.faults, &app.log, &request).await {
            Some(Fault::Fail(status)) => injected_failure(status),
            Some(Fault::RateLimit { reset }) => {
                let (limit, window) = app.faults.budget(Api::Intercom);
                rate_limited(
                    Verdict {
                        allowed: false,
                        limit,
                        remaining: 0,
                        reset,
                    },
                    &window_label(window),
                )
            }
            _ => authorised(&app, request, next).await,
        };
    if response.status().is_success() {
        traffic::maybe_lose_answer(
            Api::Intercom,
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

async fn authorised(app: &IntercomApp, request: Request, next: Next) -> Response {
    if oauth::is_public(request.uri().path()) {
        return next.run(request).await;
    }
    if !bearer_matches(request.headers(), &app.token) {
        let bearer = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if let Some(answer) =
            oauth::answer_as_teammate(&app.state, request.method(), request.uri().path(), bearer)
        {
            return answer;
        }
        return IcError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Access Token Invalid",
        )
        .into_response();
    }
    let verdict = app.faults.take_budget(Api::Intercom);
    if !verdict.allowed {
        let (_, window) = app.faults.budget(Api::Intercom);
        return rate_limited(verdict, &window_label(window));
    }
    let bad_version = request
        .headers()
        .get_all("intercom-version")
        .iter()
        .find(|v| !VERSIONS.contains(&v.to_str().unwrap_or("").trim()))
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let mut response = match bad_version {
        Some(version) => IcError::bad_request(
            "intercom_version_invalid",
            format!("The Intercom-Version header value '{version}' is not a valid version (1.0 to 2.16)"),
        )
        .into_response(),
        None => next.run(request).await,
    };
    put_rate_headers(response.headers_mut(), verdict);
    response
}

fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| given.trim() == token)
}

fn put_rate_headers(headers: &mut HeaderMap, verdict: Verdict) {
    for (name, value) in [
        ("x-ratelimit-limit", verdict.limit.to_string()),
        ("x-ratelimit-remaining", verdict.remaining.to_string()),
        ("x-ratelimit-reset", verdict.reset.to_string()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
}

fn rate_limited(verdict: Verdict, window: &str) -> Response {
    let mut response = IcError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limit_exceeded",
        format!("Exceeded rate limit of {} in {window}", verdict.limit),
    )
    .into_response();
    put_rate_headers(response.headers_mut(), verdict);
    response
}

fn injected_failure(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let code = match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        408 => "request_timeout",
        409 => "conflict",
        422 => "unprocessable_entity",
        429 => "rate_limit_exceeded",
        503 => "service_unavailable",
        s if s >= 500 => "server_error",
        _ => "client_error",
    };
    let message = status
        .canonical_reason()
        .unwrap_or("Injected failure")
        .to_owned();
    IcError::new(status, code, message).into_response()
}
