//! An agent signs in: "Sign in with Intercom" through the hub, or an invitation link. Either
//! way the hub hands over the agent's token, which the desk keeps in the keyring.
//!
//! Sign in with Intercom (RFC 8252 and RFC 7636, S256): the app listens on 127.0.0.1
//! ([`loopback`]), opens the browser at `<hub>/signin?port=…&state=…&code_challenge=…`, the hub
//! walks the browser through Intercom and back to `http://127.0.0.1:<port>/signed-in?code=…&
//! state=…`, and the app exchanges that one-time code with its verifier at
//! `POST <hub>/api/v1/signin/token`. No token travels in an address. An invitation
//! ([`invitation`]) posts its code to `POST <hub>/api/v1/join`. Both answer `{token, email}`,
//! or a 4xx with `{error, message}`.

pub mod invitation;
pub mod loopback;
pub mod pkce;

use std::future::Future;
use std::time::Duration;

use ringside_core::Secret;
use serde::Deserialize;
use serde_json::json;
use url::Url;

use crate::i18n::text;

pub use invitation::Invitation;
pub use loopback::Loopback;
pub use pkce::Pkce;

/// How long the browser has to come back (the hub keeps a sign-in as long).
pub const ANSWER_WITHIN: Duration = Duration::from_secs(600);

/// Why a sign-in did not give a token, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    /// The hub's address cannot be used.
    #[error("{}", text("signin-error-address", &[("value", .0.into())]))]
    Address(String),
    /// Nothing answered at the hub's address, or it failed (5xx).
    #[error("{}", text("signin-error-unreachable", &[("hub", hub.into()), ("detail", detail.into())]))]
    Unreachable {
        /// The hub's address.
        hub: String,
        /// What went wrong.
        detail: String,
    },
    /// The hub (or Intercom, through it) said no.
    #[error("{}", text("signin-error-refused", &[("message", message.into())]))]
    Refused {
        /// The hub's code (`access_denied`, `invalid_grant`…).
        code: String,
        /// The hub's words.
        message: String,
    },
    /// The hub answered in a shape this app cannot read.
    #[error("{}", text("signin-error-unreadable", &[("detail", .0.into())]))]
    Unreadable(String),
    /// The browser did not come back in time.
    #[error("{}", text("signin-error-no-answer", &[("minutes", (ANSWER_WITHIN.as_secs() / 60).into())]))]
    NoAnswer,
    /// An answer came back with another state: not this sign-in's.
    #[error("{}", text("signin-error-wrong-state", &[]))]
    WrongState,
    /// The answer came back without a code.
    #[error("{}", text("signin-error-malformed", &[]))]
    Malformed,
    /// The agent cancelled, or started another sign-in.
    #[error("{}", text("signin-error-cancelled", &[]))]
    Cancelled,
    /// The browser could not be opened.
    #[error("{}", text("signin-error-browser", &[("detail", .0.into())]))]
    Browser(String),
    /// The app cannot listen on this machine.
    #[error("{}", text("signin-error-listen", &[("detail", .0.into())]))]
    Listen(String),
    /// Not an invitation link: the catalog key of the reason.
    #[error("{}", text("signin-error-link", &[("reason", text(.0, &[]).into())]))]
    Link(&'static str),
}

/// What the hub hands over: the agent's token and who it belongs to.
#[derive(Debug, Deserialize)]
pub struct Grant {
    /// The agent's token, for the keyring only.
    pub token: Secret,
    /// The teammate's email.
    pub email: String,
}

/// A hub's refusal, in either shape hubs answer: `{"error": code, "message"}` or the hub's
/// one error shape, `{"error": {"code", "message"}}`.
fn refusal(body: &[u8]) -> Option<(String, String)> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let (code, message) = match &value["error"] {
        serde_json::Value::String(code) => (code.clone(), &value["message"]),
        serde_json::Value::Object(error) => (
            error.get("code")?.as_str()?.to_owned(),
            error.get("message").unwrap_or(&serde_json::Value::Null),
        ),
        _ => return None,
    };
    let message = message
        .as_str()
        .filter(|m| !m.trim().is_empty())
        .map_or_else(|| code.clone(), str::to_owned);
    Some((code, message))
}

/// The address the agent typed, as the hub's: `https://` is assumed when no scheme is given,
/// and it must be one the app sends a token to.
pub fn hub_address(typed: &str) -> Result<Url, SignInError> {
    let typed = typed.trim();
    let with_scheme = if typed.contains("://") {
        typed.to_owned()
    } else {
        format!("https://{typed}")
    };
    crate::remote::hub_url(&with_scheme).map_err(|e| SignInError::Address(e.to_string()))
}

/// The sign-in's side of one hub.
#[derive(Debug, Clone)]
pub struct HubSignIn {
    hub: Url,
    http: reqwest::Client,
}

impl HubSignIn {
    /// The hub at `hub` (checked as [`hub_address`] does).
    pub fn new(hub: &str) -> Result<HubSignIn, SignInError> {
        let hub = hub_address(hub)?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| SignInError::Unreachable {
                hub: hub.to_string(),
                detail: e.to_string(),
            })?;
        Ok(HubSignIn { hub, http })
    }

    /// The hub's address.
    pub fn hub(&self) -> &Url {
        &self.hub
    }

    fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.hub.as_str().trim_end_matches('/'))
    }

    /// The address the browser opens: the hub's `/signin` with the loopback port, the state
    /// and the challenge.
    pub fn signin_url(&self, port: u16, state: &str, challenge: &str) -> Result<Url, SignInError> {
        let mut url = Url::parse(&self.endpoint("/signin"))
            .map_err(|e| SignInError::Address(e.to_string()))?;
        url.query_pairs_mut()
            .append_pair("port", &port.to_string())
            .append_pair("state", state)
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", "S256");
        Ok(url)
    }

    /// Sign in with Intercom: listens for the answer, has `open` show the hub's sign-in page
    /// in a browser, waits for the browser to come back (at most `within`, or until `cancel`
    /// resolves), and exchanges the code.
    pub async fn with_intercom(
        &self,
        open: impl FnOnce(&Url) -> Result<(), SignInError>,
        within: Duration,
        cancel: impl Future<Output = ()>,
    ) -> Result<Grant, SignInError> {
        let pkce = Pkce::generate().map_err(|e| SignInError::Listen(e.to_string()))?;
        let state = pkce::random_token().map_err(|e| SignInError::Listen(e.to_string()))?;
        let loopback = Loopback::start(&state).await?;
        open(&self.signin_url(loopback.port(), &state, &pkce.challenge)?)?;
        let code = tokio::select! {
            answer = loopback.answer(within) => answer?,
            () = cancel => return Err(SignInError::Cancelled),
        };
        self.exchange(&code, &pkce.verifier).await
    }

    /// `POST /api/v1/signin/token`: the one-time code and the verifier for the token.
    pub async fn exchange(&self, code: &str, verifier: &Secret) -> Result<Grant, SignInError> {
        self.post(
            "/api/v1/signin/token",
            json!({"code": code, "code_verifier": verifier.expose()}),
        )
        .await
    }

    /// `POST /api/v1/join`: an invitation's code for the token.
    pub async fn join(&self, code: &str) -> Result<Grant, SignInError> {
        self.post("/api/v1/join", json!({"code": code})).await
    }

    async fn post(&self, path: &str, body: serde_json::Value) -> Result<Grant, SignInError> {
        let unreachable = |detail: String| SignInError::Unreachable {
            hub: self.hub.to_string(),
            detail,
        };
        let answer = self
            .http
            .post(self.endpoint(path))
            .json(&body)
            .send()
            .await
            .map_err(|e| unreachable(without_url(e)))?;
        let status = answer.status();
        let bytes = answer
            .bytes()
            .await
            .map_err(|e| unreachable(without_url(e)))?;
        if status.is_success() {
            let grant: Grant = serde_json::from_slice(&bytes)
                .map_err(|e| SignInError::Unreadable(e.to_string()))?;
            if grant.token.is_empty() {
                return Err(SignInError::Unreadable("no token".into()));
            }
            return Ok(grant);
        }
        if status.is_client_error() {
            return Err(match refusal(&bytes) {
                Some((code, message)) => SignInError::Refused { code, message },
                None => SignInError::Refused {
                    code: status.as_u16().to_string(),
                    message: format!("HTTP {status}"),
                },
            });
        }
        Err(unreachable(format!("HTTP {status}")))
    }
}

/// A client error's words without the address (said once, by the message).
fn without_url(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut words = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        words = format!("{words}: {s}");
        source = s.source();
    }
    words
}

impl From<SignInError> for crate::error::Error {
    fn from(e: SignInError) -> Self {
        crate::error::Error::SignIn(e.to_string())
    }
}

#[cfg(test)]
mod tests;
