//! One shape for every error the hub answers: `{"error": {"code", "message"}}`, with a code the
//! desktop app acts on. An error whose cause is inside the hub or a vendor (the database, an
//! Intercom answer) says what happened in words and gives a `request_id`; its detail (SQL,
//! paths, vendor bodies) goes to the log under that id, never to the agent. [`Failure`] is what handlers return; [`shape_errors`] rewrites every
//! other error answer (axum's extractor rejections, unknown routes, a wrong method, a timeout, a
//! body over its limit) into the same shape, in one place.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::engine::EngineError;

/// Marks an answer already in its final shape (the admin console's pages and refusals in
/// words): [`shape_errors`] leaves it alone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AsIs;

/// An error for the desktop app.
#[derive(Debug)]
pub(crate) struct Failure {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// The id the log keeps the detail under.
    request_id: Option<String>,
    /// The refusal's reason as a code and its values (`reason_code`, `reason_values`), for the
    /// app to say in its language.
    reason: Option<Box<crate::domain::reason::Reason>>,
}

impl Failure {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Failure {
            status,
            code,
            message: message.into(),
            request_id: None,
            reason: None,
        }
    }

    /// The same refusal, with its reason's code and values.
    pub fn with_reason(mut self, reason: crate::domain::reason::Reason) -> Self {
        self.reason = Some(Box::new(reason));
        self
    }

    /// An error told in `words`, its `detail` logged under a new request id the answer gives.
    pub fn logged(
        status: StatusCode,
        code: &'static str,
        words: impl Into<String>,
        detail: &dyn std::fmt::Display,
    ) -> Self {
        let mut bytes = [0u8; 8];
        let request_id = match getrandom::fill(&mut bytes) {
            Ok(()) => bytes.iter().map(|b| format!("{b:02x}")).collect(),
            Err(_) => format!("{:x}", std::process::id()),
        };
        let words = words.into();
        tracing::warn!(request_id = %request_id, code, error = %detail, "{words}");
        Failure {
            status,
            code,
            message: words,
            request_id: Some(request_id),
            reason: None,
        }
    }

    /// A call this agent may not see answers as one the hub does not know: its existence is
    /// not revealed.
    pub fn unknown_call(id: u64) -> Self {
        Failure::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("the hub has not seen call {id}"),
        )
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let Some(id) = &self.request_id {
            error["request_id"] = json!(id);
        }
        if let Some(reason) = &self.reason {
            error["reason_code"] = json!(reason.code());
            error["reason_values"] = serde_json::Value::Object(reason.values());
        }
        (self.status, Json(json!({ "error": error }))).into_response()
    }
}

impl From<crate::store::StoreError> for Failure {
    fn from(e: crate::store::StoreError) -> Self {
        Failure::logged(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage",
            "the hub's database could not answer; try again",
            &e,
        )
    }
}

impl From<crate::error::ApiError> for Failure {
    fn from(e: crate::error::ApiError) -> Self {
        match e {
            crate::error::ApiError::BadId { .. } => {
                Failure::new(StatusCode::BAD_REQUEST, "bad_id", e.words())
            }
            _ => Failure::logged(StatusCode::BAD_GATEWAY, "upstream", e.words(), &e),
        }
    }
}

impl From<crate::card::CardError> for Failure {
    fn from(e: crate::card::CardError) -> Self {
        EngineError::from(e).into()
    }
}

/// The engine's refusals as HTTP: the status and the code the desktop acts on.
impl From<EngineError> for Failure {
    fn from(e: EngineError) -> Self {
        let words = e.to_string();
        match e {
            EngineError::UnknownCall(id) => Failure::unknown_call(id),
            EngineError::UnknownSubject(_) => {
                Failure::new(StatusCode::NOT_FOUND, "not_found", words)
            }
            EngineError::BadNumber(_) => {
                Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_number", words)
            }
            EngineError::BadRegion(_) => Failure::new(StatusCode::BAD_REQUEST, "bad_region", words),
            EngineError::Forbidden(_) => Failure::new(StatusCode::FORBIDDEN, "forbidden", words),
            EngineError::NotLogged(_) => Failure::new(StatusCode::CONFLICT, "not_logged", words),
            EngineError::AlreadyLogged => {
                Failure::new(StatusCode::CONFLICT, "already_logged", words)
            }
            EngineError::NotACandidate => {
                Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "not_a_candidate", words)
            }
            EngineError::UnknownContact => {
                Failure::new(StatusCode::NOT_FOUND, "unknown_contact", words)
            }
            EngineError::NoAircall => {
                Failure::new(StatusCode::SERVICE_UNAVAILABLE, "no_aircall", words)
                    .with_reason(crate::domain::reason::Reason::NoAircall)
            }
            EngineError::Undialable(reason) => {
                use crate::domain::reason::Reason;
                let (status, code) = match &reason {
                    Reason::NoAircallUser { .. } | Reason::AircallUserGone => {
                        (StatusCode::NOT_FOUND, "no_aircall_user")
                    }
                    Reason::DialRefused { .. } => (StatusCode::CONFLICT, "dial_refused"),
                    Reason::NoAircall => (StatusCode::SERVICE_UNAVAILABLE, "no_aircall"),
                    _ => (StatusCode::UNPROCESSABLE_ENTITY, "bad_number"),
                };
                Failure::new(status, code, words).with_reason(reason)
            }
            EngineError::NoAircallUser(_) => {
                Failure::new(StatusCode::NOT_FOUND, "no_aircall_user", words)
            }
            EngineError::DialRefused(_) => {
                Failure::new(StatusCode::CONFLICT, "dial_refused", words)
            }
            EngineError::Api(e) => e.into(),
            EngineError::Store(e) => e.into(),
        }
    }
}

/// The code of an error answer that no handler shaped.
fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "unprocessable",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    }
}

/// Rewrites an error answer that is not already JSON into `{"error": {"code", "message"}}`,
/// keeping its status and headers (a 405's `Allow`) and its text as the message.
pub(super) async fn shape_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    // The sign-in's pages for the browser are HTML in words already.
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let as_is = response.extensions().get::<AsIs>().is_some();
    if !(status.is_client_error() || status.is_server_error()) || is_json || is_page || as_is {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let message = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("the request failed")
            .to_owned()
    } else {
        text
    };
    let mut shaped = Failure::new(status, code_for(status), message).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            shaped.headers_mut().insert(name.clone(), value.clone());
        }
    }
    shaped
}
