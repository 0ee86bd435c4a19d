//! The client of a hub's agents' API (`/api/v1/…`): the same code talks to a remote hub, the
//! standalone hub and the demo's, over HTTP with the agent's bearer token.

use std::time::Duration;

use ringside_core::card::Card;
use ringside_core::Secret;
use serde_json::{json, Value};
use url::Url;

use crate::journal::{Action, Request};

/// Why a request to the hub did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// Nothing answered, it timed out, or the hub is temporarily unable (5xx): try again later.
    #[error("{0}")]
    Unreachable(String),
    /// The hub does not take the agent's token (401) or no longer lets it act (403): a rotated,
    /// revoked or mistyped token. Nothing is wrong with the request itself; it can go once the
    /// token is fixed.
    #[error("the hub refused the agent token: {message}")]
    Unauthorized {
        /// HTTP status.
        status: u16,
        /// The hub's message.
        message: String,
    },
    /// The hub answered, in a shape this app cannot read (another version): the reason.
    #[error("the hub's answer cannot be read: {0}")]
    Unreadable(String),
    /// The hub answered no for good (another 4xx) with its code and message.
    #[error("{message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The hub's code (`unauthorized`, `not_found`, …).
        code: String,
        /// The hub's message.
        message: String,
        /// Why, as a code and values the app says in its language, when the hub sends them.
        reason: Option<HubReason>,
    },
}

/// A refusal's reason as the hub codes it (`reason_code`, `reason_values`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HubReason {
    /// The stable code (`dial_refused`, …).
    pub code: String,
    /// The values its words use.
    pub values: serde_json::Map<String, Value>,
}

impl From<HubError> for crate::error::Error {
    fn from(e: HubError) -> Self {
        match e {
            HubError::Unreachable(why) => crate::error::Error::Offline(why),
            HubError::Refused { code, message, .. } => crate::error::Error::Hub { code, message },
            e @ HubError::Unreadable(_) => crate::error::Error::Invalid(e.to_string()),
            e @ HubError::Unauthorized { .. } => crate::error::Error::Hub {
                code: "unauthorized".into(),
                message: e.to_string(),
            },
        }
    }
}

/// The header a hub sends on every `/api/v1/…` answer with an opaque id of its instance (its
/// database): a different id at the same address is another hub, whose event ids mean nothing
/// to this one's.
pub const INSTANCE_HEADER: &str = "x-ringside-instance";

/// The hub's instance id in an answer's headers, if the hub sends one (older hubs do not).
pub fn instance_of(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get(INSTANCE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// A hub's address, checked: `https://` anywhere, plain `http://` only on this machine
/// (127.0.0.0/8, `::1`, `localhost`), where nothing on the network can read the agent's token.
pub fn hub_url(base: &str) -> crate::error::Result<Url> {
    let url = Url::parse(base.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| {
            crate::error::Error::Invalid(format!("`{base}` is not an http(s) address"))
        })?;
    ringside_core::private_address(&url).map_err(crate::error::Error::Invalid)?;
    Ok(url)
}

/// One hub, one agent.
#[derive(Clone)]
pub struct HubClient {
    http: reqwest::Client,
    stream: reqwest::Client,
    base: Url,
    token: Secret,
}

impl std::fmt::Debug for HubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubClient")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl HubClient {
    /// A client for the hub at `base` (e.g. `https://ringside.example.com`).
    pub fn new(base: &str, token: Secret) -> crate::error::Result<HubClient> {
        let base = hub_url(base)?;
        let build = |timeout: Option<Duration>| {
            let b = reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(5))
                .user_agent(concat!("Ringside/", env!("CARGO_PKG_VERSION")));
            match timeout {
                Some(t) => b.timeout(t),
                None => b,
            }
            .build()
            .map_err(|e| crate::error::Error::Invalid(e.to_string()))
        };
        Ok(HubClient {
            http: build(Some(Duration::from_secs(15)))?,
            stream: build(None)?,
            base,
            token,
        })
    }

    /// The hub's address.
    pub fn base(&self) -> &Url {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base.as_str().trim_end_matches('/'), path)
    }

    /// `GET` a JSON document of the agents' API.
    pub async fn get(&self, path: &str) -> Result<Value, HubError> {
        let request = self
            .http
            .get(self.url(path))
            .bearer_auth(self.token.expose());
        read(request.send().await).await
    }

    /// `POST` to the agents' API with a JSON body (none for `Value::Null`); the answer's JSON.
    /// For requests that are safe to repeat (claiming or dismissing a call-back).
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, HubError> {
        let mut request = self
            .http
            .post(self.url(path))
            .bearer_auth(self.token.expose());
        if !body.is_null() {
            request = request.json(body);
        }
        read(request.send().await).await
    }

    /// `PUT` a JSON document to the agents' API (the agent's presence choice); the answer's
    /// JSON.
    pub async fn put(&self, path: &str, body: &Value) -> Result<Value, HubError> {
        let request = self
            .http
            .put(self.url(path))
            .bearer_auth(self.token.expose())
            .json(body);
        read(request.send().await).await
    }

    /// The insight card of a call.
    pub async fn card(&self, call_id: u64) -> Result<Card, HubError> {
        let body = self.get(&format!("/api/v1/calls/{call_id}/card")).await?;
        serde_json::from_value(body).map_err(|e| {
            tracing::warn!(call_id, error = %e, "the hub's card does not decode");
            HubError::Unreadable(format!("the card of call {call_id}: {e}"))
        })
    }

    /// Sends one queued action with its idempotency key.
    pub async fn send(&self, action: &Action) -> Result<(), HubError> {
        let call = action.call_id;
        let request = match &action.request {
            Request::AddTag(name) => self
                .http
                .post(self.url(&format!("/api/v1/calls/{call}/tags")))
                .json(&json!({ "name": name })),
            Request::RemoveTag(name) => {
                let mut url = Url::parse(&self.url(&format!("/api/v1/calls/{call}/tags")))
                    .map_err(|e| HubError::Unreachable(e.to_string()))?;
                url.path_segments_mut()
                    .map_err(|()| HubError::Unreachable("bad hub URL".into()))?
                    .push(name);
                self.http.delete(url)
            }
            Request::Note(body) => self
                .http
                .post(self.url(&format!("/api/v1/calls/{call}/notes")))
                .json(&json!({ "body": body })),
            Request::Contact(id) => self
                .http
                .post(self.url(&format!("/api/v1/calls/{call}/contact")))
                .json(&json!({ "contact_id": id })),
            Request::Outcome(outcome) => self
                .http
                .post(self.url(&format!("/api/v1/calls/{call}/outcome")))
                .json(&json!({ "outcome": outcome })),
            Request::Done => self
                .http
                .post(self.url(&format!("/api/v1/calls/{call}/done"))),
        };
        let response = request
            .bearer_auth(self.token.expose())
            .header("Idempotency-Key", &action.idempotency_key)
            .send()
            .await;
        read(response).await.map(drop)
    }

    /// Asks the hub to put `to` in the agent's Aircall phone (`POST /api/v1/dial`); `call_id`
    /// is the call it calls back, whose line reads a national number. The hub dials as the
    /// token's agent only.
    pub async fn dial(&self, to: &str, call_id: Option<u64>) -> Result<Value, HubError> {
        let request = self
            .http
            .post(self.url("/api/v1/dial"))
            .bearer_auth(self.token.expose())
            .json(&json!({ "to": to, "call_id": call_id }));
        read(request.send().await).await
    }

    /// The hub's instance id (see [`INSTANCE_HEADER`]), read off a light request; `None` from a
    /// hub that does not send one.
    pub async fn instance(&self) -> Result<Option<String>, HubError> {
        let response = self
            .http
            .get(self.url("/api/v1/calls?limit=1"))
            .bearer_auth(self.token.expose())
            .send()
            .await
            .map_err(unreachable)?;
        if response.status().is_success() {
            Ok(instance_of(response.headers()))
        } else {
            Err(refusal(response).await)
        }
    }

    /// Opens the event stream after `last_event_id`.
    pub async fn events(&self, last_event_id: Option<i64>) -> Result<reqwest::Response, HubError> {
        let mut request = self
            .stream
            .get(self.url("/api/v1/events"))
            .bearer_auth(self.token.expose())
            .header("Accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        let response = request.send().await.map_err(unreachable)?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(refusal(response).await)
        }
    }
}

fn unreachable(e: reqwest::Error) -> HubError {
    HubError::Unreachable(if e.is_timeout() {
        "the hub did not answer in time".to_owned()
    } else if e.is_connect() {
        "cannot connect to the hub".to_owned()
    } else {
        e.to_string()
    })
}

async fn read(response: reqwest::Result<reqwest::Response>) -> Result<Value, HubError> {
    let response = response.map_err(unreachable)?;
    if !response.status().is_success() {
        return Err(refusal(response).await);
    }
    let text = response.text().await.map_err(unreachable)?;
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text)
        .map_err(|e| HubError::Unreachable(format!("the hub's answer is not JSON: {e}")))
}

async fn refusal(response: reqwest::Response) -> HubError {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let code = body["error"]["code"].as_str().unwrap_or("http").to_owned();
    let message = body["error"]["message"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("HTTP {status}"));
    let reason = body["error"]["reason_code"].as_str().map(|code| HubReason {
        code: code.to_owned(),
        values: body["error"]["reason_values"]
            .as_object()
            .cloned()
            .unwrap_or_default(),
    });
    // A server error with a reason is the hub saying why it cannot, for good (no Aircall
    // account): not a hub that is down.
    if reason.is_none()
        && (status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS)
    {
        HubError::Unreachable(message)
    } else if matches!(status.as_u16(), 401 | 403) {
        HubError::Unauthorized {
            status: status.as_u16(),
            message,
        }
    } else {
        HubError::Refused {
            status: status.as_u16(),
            code,
            message,
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_off_this_machine_and_https_goes_anywhere() {
        for ok in [
            "https://ringside.example.com",
            "https://10.0.0.5:8443",
            "http://127.0.0.1:9",
            "http://127.8.0.1",
            "http://[::1]:8080",
            "http://localhost:3000",
            "http://LocalHost",
        ] {
            assert!(hub_url(ok).is_ok(), "{ok} is refused");
        }
        for refused in [
            "http://ringside.example.com",
            "http://192.168.1.10:8080",
            "http://[2001:db8::1]",
            "http://localhost.example.com",
            "http://0.0.0.0:8080",
        ] {
            let e = hub_url(refused).unwrap_err().to_string();
            assert!(e.contains("use https://"), "{refused}: {e}");
        }
        assert!(HubClient::new("http://10.1.2.3", Secret::new("t")).is_err());
    }
}
