//! One shape for every error the hub answers: `{"error": {"code", "message"}}`, with a code the
//! desktop app acts on. [`Failure`] is what handlers return; [`shape_errors`] rewrites every
//! other error answer (axum's extractor rejections, unknown routes, a wrong method, a timeout, a
//! body over its limit) into the same shape, in one place.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An error for the desktop app.
#[derive(Debug)]
pub(crate) struct Failure {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Failure {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Failure {
            status,
            code,
            message: message.into(),
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
        (
            self.status,
            Json(json!({ "error": { "code": self.code, "message": self.message } })),
        )
            .into_response()
    }
}

impl From<crate::store::StoreError> for Failure {
    fn from(e: crate::store::StoreError) -> Self {
        Failure::new(StatusCode::SERVICE_UNAVAILABLE, "storage", e.to_string())
    }
}

impl From<crate::error::ApiError> for Failure {
    fn from(e: crate::error::ApiError) -> Self {
        match e {
            crate::error::ApiError::BadId { .. } => {
                Failure::new(StatusCode::BAD_REQUEST, "bad_id", e.to_string())
            }
            _ => Failure::new(StatusCode::BAD_GATEWAY, "upstream", e.to_string()),
        }
    }
}

impl From<crate::card::CardError> for Failure {
    fn from(e: crate::card::CardError) -> Self {
        Failure::new(StatusCode::BAD_GATEWAY, "upstream", e.to_string())
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
    if !(status.is_client_error() || status.is_server_error()) || is_json {
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
