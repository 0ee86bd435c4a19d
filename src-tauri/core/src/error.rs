//! [`ApiError`]: what can go wrong talking to Aircall or Intercom, in terms the engine acts on.

use std::fmt;
use std::time::SystemTime;

/// Which vendor API a request went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// Aircall's public API.
    Aircall,
    /// Intercom's REST API.
    Intercom,
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Api::Aircall => "Aircall",
            Api::Intercom => "Intercom",
        })
    }
}

/// A failed API call. Every variant that had a response keeps its body (cut to a few KiB) for
/// diagnostics; none of them holds a credential.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// 401: the token or API key is wrong, revoked or missing.
    #[error("{api} refused the credentials (401): {}", summary(body))]
    Unauthorized {
        /// The API that answered.
        api: Api,
        /// The response body, cut to a few KiB.
        body: String,
    },
    /// 403: the credentials work but may not do this (plan, scope).
    #[error("{api} forbids this request (403): {}", summary(body))]
    Forbidden {
        /// The API that answered.
        api: Api,
        /// The response body, cut to a few KiB.
        body: String,
    },
    /// 404: the resource does not exist.
    #[error("{api} has no such resource (404): {}", summary(body))]
    NotFound {
        /// The API that answered.
        api: Api,
        /// The response body, cut to a few KiB.
        body: String,
    },
    /// 409: a duplicate. For an Intercom contact, the id of the existing one.
    #[error("{api} reports a conflict (409){}: {}", existing_id.as_ref().map(|id| format!(" with existing id {id}")).unwrap_or_default(), summary(body))]
    Conflict {
        /// The API that answered.
        api: Api,
        /// The id of the record that already exists, when the API gave it.
        existing_id: Option<String>,
        /// The response body, cut to a few KiB.
        body: String,
    },
    /// 429: over the rate limit; the server's reset time when it gave one.
    #[error("{api} rate limit reached (429){}", reset_at.map(|t| format!(", resets in {}s", t.duration_since(SystemTime::now()).map(|d| d.as_secs()).unwrap_or(0))).unwrap_or_default())]
    RateLimited {
        /// The API that answered.
        api: Api,
        /// When the limit resets, read from the response's headers.
        reset_at: Option<SystemTime>,
        /// The response body, cut to a few KiB.
        body: String,
    },
    /// Another 4xx: the request was wrong.
    #[error("{api} rejected the request ({status}): {}", summary(body))]
    Rejected {
        /// The API that answered.
        api: Api,
        /// The HTTP status code.
        status: u16,
        /// The response body, cut to a few KiB.
        body: String,
    },
    /// 5xx: the vendor failed.
    #[error("{api} server error ({status}): {}", summary(body))]
    Server {
        /// The API that answered.
        api: Api,
        /// The HTTP status code.
        status: u16,
        /// The response body, cut to a few KiB.
        body: String,
    },
    /// The request or the response took longer than the configured timeout.
    #[error("{api} did not answer in time")]
    Timeout {
        /// The API the request was for.
        api: Api,
    },
    /// No connection could be made, or it broke before a full response.
    #[error("cannot reach {api}: {reason}")]
    Network {
        /// The API the request was for.
        api: Api,
        /// What failed, in the HTTP library's words.
        reason: String,
        /// Whether it failed while connecting, before the request was sent: then even a write
        /// may be retried.
        connect: bool,
    },
    /// An id (from a client or a vendor) that cannot be put in a URL path: no request was sent.
    #[error("{api} request not sent: {id:?} is not a valid id")]
    BadId {
        /// The API the request was for.
        api: Api,
        /// The id as it was given.
        id: String,
    },
    /// A 2xx whose body is not what the API documents.
    #[error(
        "{api} sent a response that could not be read ({reason}): {}",
        summary(body)
    )]
    Decode {
        /// The API that answered.
        api: Api,
        /// Why the body could not be read, in the JSON decoder's words.
        reason: String,
        /// The response body, cut to a few KiB.
        body: String,
    },
}

impl ApiError {
    /// Which API failed.
    pub fn api(&self) -> Api {
        match self {
            ApiError::Unauthorized { api, .. }
            | ApiError::Forbidden { api, .. }
            | ApiError::NotFound { api, .. }
            | ApiError::Conflict { api, .. }
            | ApiError::RateLimited { api, .. }
            | ApiError::Rejected { api, .. }
            | ApiError::Server { api, .. }
            | ApiError::Timeout { api }
            | ApiError::Network { api, .. }
            | ApiError::Decode { api, .. }
            | ApiError::BadId { api, .. } => *api,
        }
    }

    /// Whether trying again later may succeed (rate limits, vendor errors, network trouble).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ApiError::RateLimited { .. }
                | ApiError::Server { .. }
                | ApiError::Timeout { .. }
                | ApiError::Network { .. }
        )
    }

    /// The error as an agent may read it: which vendor, what happened, and the vendor's own
    /// message when its body gives one (`errors[0].message`, `message`), never the body itself.
    /// The whole error (its `Display`) is for the log.
    pub fn words(&self) -> String {
        let api = self.api();
        let said = self
            .body()
            .and_then(vendor_message)
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        match self {
            ApiError::Unauthorized { .. } => format!("{api} refused the credentials (401){said}"),
            ApiError::Forbidden { .. } => format!("{api} forbids this request (403){said}"),
            ApiError::NotFound { .. } => format!("{api} has no such resource (404){said}"),
            ApiError::Conflict { .. } => format!("{api} reports a conflict (409){said}"),
            ApiError::RateLimited { .. } => format!("{api} rate limit reached (429)"),
            ApiError::Rejected { status, .. } => {
                format!("{api} rejected the request ({status}){said}")
            }
            ApiError::Server { status, .. } => format!("{api} failed ({status})"),
            ApiError::Timeout { .. } => format!("{api} did not answer in time"),
            ApiError::Network { .. } => format!("cannot reach {api}"),
            ApiError::BadId { .. } => format!("{api} request not sent: the id is not valid"),
            ApiError::Decode { .. } => format!("{api} sent an answer that could not be read"),
        }
    }

    /// The response body, when there was one.
    pub fn body(&self) -> Option<&str> {
        match self {
            ApiError::Unauthorized { body, .. }
            | ApiError::Forbidden { body, .. }
            | ApiError::NotFound { body, .. }
            | ApiError::Conflict { body, .. }
            | ApiError::RateLimited { body, .. }
            | ApiError::Rejected { body, .. }
            | ApiError::Server { body, .. }
            | ApiError::Decode { body, .. } => Some(body),
            ApiError::Timeout { .. } | ApiError::Network { .. } | ApiError::BadId { .. } => None,
        }
    }
}

/// Bodies are kept up to this many bytes.
pub(crate) const MAX_KEPT_BODY: usize = 4096;

/// A vendor's own message in an error body (Intercom's `errors[0].message`, Aircall's
/// `message` or `error`), in one line of at most 200 characters.
fn vendor_message(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let said = [
        &value["errors"][0]["message"],
        &value["message"],
        &value["error"]["message"],
        &value["error"],
        &value["troubleshoot"],
    ]
    .into_iter()
    .find_map(|v| v.as_str().filter(|t| !t.trim().is_empty()))?;
    let line: String = said
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    Some(line.trim().to_owned())
}

/// The first line of a body, short enough for an error message.
fn summary(body: &str) -> String {
    let line = body.lines().next().unwrap_or("").trim();
    if line.is_empty() {
        return "(empty body)".to_owned();
    }
    let mut out: String = line.chars().take(200).collect();
    if out.len() < line.len() {
        out.push('…');
    }
    out
}
