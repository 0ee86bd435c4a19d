//! The HTTP layer both vendor clients share: auth, pacing, timeouts, error mapping and the
//! bounded retry loop.
//!
//! Reads (and searches, which change nothing) are retried on transient failures, waiting for the
//! server's reset time after a 429. Writes are retried only when the server cannot have acted on
//! them: after a 429 (a refused request was not processed) or when no connection was made.
//! Anything else is returned to the caller, whose outbox decides.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use url::Url;

use crate::error::{Api, ApiError, MAX_KEPT_BODY};
use crate::metrics::Metrics;
use crate::pacing::{Pacer, Priority};
use crate::secret::Secret;

/// Whether a vendor's (or the hub's) address keeps what crosses it private: `https://`
/// anywhere, plain `http://` only on this machine (127.0.0.0/8, `::1`, `localhost`), where
/// nothing on the network can read a token. `Err` says why, in words.
pub fn private_address(url: &Url) -> Result<(), String> {
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(format!(
            "`{url}` is plain http on the network, where anyone on the way could read the token; use https:// (plain http is only for this machine)"
        )),
        _ => Err(format!("`{url}` is not an http(s) address")),
    }
}

/// Connection and retry settings of one client.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request and its response.
    pub request_timeout: Duration,
    /// Attempts for a read, the first included.
    pub read_attempts: u32,
    /// First back-off after a server or network error; doubles each time.
    pub backoff: Duration,
    /// The longest a retry waits for a rate-limit reset before giving the error back.
    pub max_reset_wait: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(20),
            read_attempts: 4,
            backoff: Duration::from_millis(250),
            max_reset_wait: Duration::from_secs(65),
        }
    }
}

/// How a request authenticates.
#[derive(Debug, Clone)]
pub(crate) enum Auth {
    Bearer(Secret),
    Basic { id: String, token: Secret },
}

/// The rate-limit headers of one API.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LimitHeaders {
    /// The budget of the server's window, which the pacer then follows.
    pub limit: &'static str,
    pub remaining: &'static str,
    pub reset: &'static str,
    /// How long to hold off after a 429 that carries no reset time.
    pub default_wait: Duration,
}

/// Whether a request may be repeated without risk of doing its effect twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Safety {
    /// A read or a search.
    Read,
    /// Creates or changes something.
    Write,
}

/// One request to send.
#[derive(Debug)]
pub(crate) struct Call {
    pub method: Method,
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<serde_json::Value>,
    pub safety: Safety,
}

impl Call {
    pub fn get(path: impl Into<String>) -> Self {
        Call {
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            body: None,
            safety: Safety::Read,
        }
    }

    pub fn search(path: impl Into<String>, body: serde_json::Value) -> Self {
        Call {
            method: Method::POST,
            path: path.into(),
            query: Vec::new(),
            body: Some(body),
            safety: Safety::Read,
        }
    }

    pub fn write(method: Method, path: impl Into<String>, body: Option<serde_json::Value>) -> Self {
        Call {
            method,
            path: path.into(),
            query: Vec::new(),
            body,
            safety: Safety::Write,
        }
    }

    /// Marks a write that is safe to repeat (create-or-get), so it retries like a read.
    pub fn idempotent(mut self) -> Self {
        self.safety = Safety::Read;
        self
    }

    pub fn query(mut self, key: &'static str, value: impl ToString) -> Self {
        self.query.push((key, value.to_string()));
        self
    }
}

/// A configured connection to one API.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    pub api: Api,
    http: reqwest::Client,
    base: Url,
    auth: Auth,
    headers: HeaderMap,
    limits: LimitHeaders,
    pub pacer: Pacer,
    settings: HttpSettings,
    /// Where each request is counted, once the engine gives it one.
    pub metrics: Option<Metrics>,
}

impl Transport {
    pub fn new(
        api: Api,
        base: Url,
        auth: Auth,
        headers: HeaderMap,
        limits: LimitHeaders,
        pacer: Pacer,
        settings: HttpSettings,
    ) -> Result<Self, ApiError> {
        let http = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            .user_agent(concat!("Ringside/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::Network {
                api,
                reason: e.to_string(),
                connect: true,
            })?;
        Ok(Transport {
            api,
            http,
            base,
            auth,
            headers,
            limits,
            pacer,
            settings,
            metrics: None,
        })
    }

    /// The base URL requests go to.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// Sends a call and decodes a JSON answer.
    pub async fn json<T: DeserializeOwned>(
        &self,
        priority: Priority,
        call: Call,
    ) -> Result<T, ApiError> {
        let body = self.send(priority, &call).await?;
        serde_json::from_str(&body).map_err(|e| ApiError::Decode {
            api: self.api,
            reason: e.to_string(),
            body: keep(&body),
        })
    }

    /// Sends a call and returns the answer's body as text (it may be empty).
    pub async fn text(&self, priority: Priority, call: Call) -> Result<String, ApiError> {
        self.send(priority, &call).await
    }

    /// Sends a call whose answer body does not matter.
    pub async fn unit(&self, priority: Priority, call: Call) -> Result<(), ApiError> {
        self.send(priority, &call).await.map(|_| ())
    }

    async fn send(&self, priority: Priority, call: &Call) -> Result<String, ApiError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.pacer.acquire(priority).await;
            let result = self.once(call).await;
            let err = match result {
                Ok(body) => return Ok(body),
                Err(err) => err,
            };
            let may_retry = match (&err, call.safety) {
                (ApiError::RateLimited { .. }, _) => true,
                (ApiError::Network { connect: true, .. }, _) => true,
                (e, Safety::Read) => e.is_transient(),
                (_, Safety::Write) => false,
            };
            if !may_retry || attempt >= self.settings.read_attempts {
                return Err(err);
            }
            match &err {
                ApiError::RateLimited { reset_at, .. } => {
                    let wait = reset_at
                        .and_then(|t| t.duration_since(SystemTime::now()).ok())
                        .unwrap_or(self.limits.default_wait);
                    if wait > self.settings.max_reset_wait {
                        return Err(err);
                    }
                    // The pacer already holds every caller until the reset.
                }
                _ => {
                    let backoff = self.settings.backoff * 2u32.saturating_pow(attempt - 1);
                    tokio::time::sleep(backoff).await;
                }
            }
            tracing::debug!(api = %self.api, path = %call.path, attempt, error = %err, "retrying");
        }
    }

    async fn once(&self, call: &Call) -> Result<String, ApiError> {
        let api = self.api;
        let url = self.url(&call.path)?;
        let mut request = self
            .http
            .request(call.method.clone(), url)
            .headers(self.headers.clone());
        request = match &self.auth {
            Auth::Bearer(token) => request.header(AUTHORIZATION, bearer(token)),
            Auth::Basic { id, token } => request.basic_auth(id, Some(token.expose())),
        };
        if !call.query.is_empty() {
            request = request.query(&call.query);
        }
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        let started = std::time::Instant::now();
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                self.count(call, None, started.elapsed());
                return Err(network(api, &e));
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        let text = read_capped(api, response).await;
        self.count(call, Some(status.as_u16()), started.elapsed());
        let text = text?;
        tracing::debug!(%api, method = %call.method, path = %call.path, status = status.as_u16(),
            ms = started.elapsed().as_millis() as u64, "request");
        self.observe_limits(&headers, status);
        if status.is_success() {
            return Ok(text);
        }
        Err(self.error_for(status, &headers, text))
    }

    fn count(&self, call: &Call, status: Option<u16>, took: Duration) {
        if let Some(metrics) = &self.metrics {
            metrics.vendor_request(self.api, call.method.as_str(), &call.path, status, took);
        }
    }

    fn url(&self, path: &str) -> Result<Url, ApiError> {
        let joined = format!("{}{}", self.base.as_str().trim_end_matches('/'), path);
        Url::parse(&joined).map_err(|e| ApiError::Network {
            api: self.api,
            reason: format!("bad URL {joined}: {e}"),
            connect: false,
        })
    }

    fn observe_limits(&self, headers: &HeaderMap, status: StatusCode) {
        let reset = reset_time(headers, self.limits.reset).map(instant_at);
        if status == StatusCode::TOO_MANY_REQUESTS {
            let until = reset.unwrap_or_else(|| Instant::now() + self.limits.default_wait);
            self.pacer.block_until(until);
        } else if let Some(remaining) = header_u64(headers, self.limits.remaining) {
            self.pacer.observe_remaining(remaining, reset);
        }
        if let Some(limit) = header_u64(headers, self.limits.limit) {
            self.pacer.follow_limit(limit);
        }
    }

    fn error_for(&self, status: StatusCode, headers: &HeaderMap, text: String) -> ApiError {
        let api = self.api;
        let body = keep(&text);
        match status.as_u16() {
            401 => ApiError::Unauthorized { api, body },
            403 => ApiError::Forbidden { api, body },
            404 => ApiError::NotFound { api, body },
            409 => ApiError::Conflict {
                api,
                existing_id: existing_id(&text),
                body,
            },
            429 => ApiError::RateLimited {
                api,
                reset_at: reset_time(headers, self.limits.reset),
                body,
            },
            s @ 500..=599 => ApiError::Server {
                api,
                status: s,
                body,
            },
            s => ApiError::Rejected {
                api,
                status: s,
                body,
            },
        }
    }
}

/// The longest id accepted in a request's path, in bytes.
const MAX_PATH_ID: usize = 256;

/// An id placed in a request's URL path. An id that could change the path is refused before any
/// request is built: empty, `.` or `..`, one holding a slash, a backslash, `?`, `#`, `%`, white
/// space or a control character, or one longer than 256 bytes. The rest is percent-encoded.
pub(crate) fn path_segment(api: Api, id: &str) -> Result<String, ApiError> {
    let odd =
        |c: char| matches!(c, '/' | '\\' | '?' | '#' | '%') || c.is_whitespace() || c.is_control();
    if id.is_empty() || id == "." || id == ".." || id.len() > MAX_PATH_ID || id.chars().any(odd) {
        return Err(ApiError::BadId {
            api,
            id: id.chars().take(64).collect(),
        });
    }
    Ok(link_segment(id))
}

/// An id placed in a link (not a request), percent-encoded so that it stays one segment.
pub(crate) fn link_segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

fn bearer(token: &Secret) -> HeaderValue {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
        .unwrap_or_else(|_| HeaderValue::from_static("Bearer invalid-token"));
    value.set_sensitive(true);
    value
}

/// The largest answer read from a vendor: a page of contacts or conversations is well under a
/// megabyte, and an answer read whole must not grow the hub's memory without bound.
pub(crate) const MAX_ANSWER: usize = 8 * 1024 * 1024;

/// Reads an answer's body as text, refusing one larger than [`MAX_ANSWER`] (by its
/// `Content-Length` before reading, or as its chunks arrive).
async fn read_capped(api: Api, mut response: reqwest::Response) -> Result<String, ApiError> {
    let too_large = || ApiError::Decode {
        api,
        reason: format!(
            "the answer is larger than {} MiB",
            MAX_ANSWER / (1024 * 1024)
        ),
        body: String::new(),
    };
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| network(api, &e))? {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

fn network(api: Api, e: &reqwest::Error) -> ApiError {
    if e.is_timeout() {
        return ApiError::Timeout { api };
    }
    // reqwest's message never includes credentials; strip the URL anyway (it may carry emails).
    let reason = e.without_url_ref().to_string();
    ApiError::Network {
        api,
        reason,
        connect: e.is_connect(),
    }
}

trait WithoutUrl {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let mut text = self.to_string();
        if let Some(url) = self.url() {
            text = text.replace(url.as_str(), "<url>");
        }
        let mut source = std::error::Error::source(self);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        text
    }
}

/// Keeps the start of a body for diagnostics.
fn keep(text: &str) -> String {
    if text.len() <= MAX_KEPT_BODY {
        return text.to_owned();
    }
    let mut end = MAX_KEPT_BODY;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers
        .get(HeaderName::from_bytes(name.as_bytes()).ok()?)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// A reset header as a wall-clock time. UNIX seconds; a value that can only be milliseconds is
/// read as such.
fn reset_time(headers: &HeaderMap, name: &str) -> Option<SystemTime> {
    let raw = header_u64(headers, name)?;
    let secs = if raw > 100_000_000_000 {
        raw / 1000
    } else {
        raw
    };
    Some(UNIX_EPOCH + Duration::from_secs(secs))
}

fn instant_at(at: SystemTime) -> Instant {
    let wait = at.duration_since(SystemTime::now()).unwrap_or_default();
    // A reset a second away may already be due on the server's clock: allow one extra second
    // for clock skew and the whole-second resolution, and never wait absurdly long.
    Instant::now() + (wait + Duration::from_secs(1)).min(Duration::from_secs(300))
}

/// The id in Intercom's duplicate message: "... already exists with id=5da6f18e3d7cf967e4582d05".
fn existing_id(text: &str) -> Option<String> {
    let at = text.find("id=")? + 3;
    let id: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    (!id.is_empty()).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_that_could_change_the_path_is_refused_and_the_rest_stays_one_segment() {
        for odd in [
            "",
            ".",
            "..",
            "../admins",
            "a/b",
            "a b",
            "a\\b",
            "a?b",
            "a#b",
            "%2e%2e",
            "a\nb",
        ] {
            assert!(
                matches!(
                    path_segment(Api::Intercom, odd),
                    Err(ApiError::BadId { .. })
                ),
                "{odd:?} was accepted"
            );
        }
        assert!(path_segment(Api::Aircall, &"9".repeat(300)).is_err());
        assert_eq!(
            path_segment(Api::Intercom, "6762f0dd1bb69f9f2193bb83").unwrap(),
            "6762f0dd1bb69f9f2193bb83"
        );
        assert_eq!(
            path_segment(Api::Aircall, "Bob+1@Acme.io").unwrap(),
            "Bob%2B1%40Acme.io"
        );
    }

    #[test]
    fn the_existing_contact_id_is_read_from_a_conflict() {
        let body = r#"{"type":"error.list","errors":[{"code":"conflict","message":"A contact matching those details already exists with id=5da6f18e3d7cf967e4582d05"}]}"#;
        assert_eq!(
            existing_id(body).as_deref(),
            Some("5da6f18e3d7cf967e4582d05")
        );
        assert_eq!(existing_id(r#"{"errors":[]}"#), None);
    }

    #[test]
    fn long_bodies_are_cut_on_a_character_boundary() {
        let text = "é".repeat(MAX_KEPT_BODY);
        let kept = keep(&text);
        assert!(kept.len() <= MAX_KEPT_BODY + 3);
    }
}
