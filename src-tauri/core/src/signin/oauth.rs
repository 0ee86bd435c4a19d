//! Intercom's side of "Sign in with Intercom": the authorize page's address, the exchange of
//! the code for an access token (`POST /auth/eagle/token`) and the one `GET /me` read with that
//! token. Which body the exchange wants is not documented for sure, so it is sent as a form
//! first, then as JSON, then as query parameters, until one is accepted. The access token lives
//! only in this module's functions: it is used for `/me` and dropped, never logged or stored.

use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::intercom::API_VERSION;
use crate::secret::Secret;

/// Why Intercom's side of a sign-in failed, in words (never a token or a body with one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    /// Intercom could not be reached, or answered with a server error.
    #[error("Intercom could not be reached to finish the sign-in: {0}")]
    Unreachable(String),
    /// Intercom refused the code (used, expired, or the app's id or secret is wrong).
    #[error("Intercom refused to exchange the sign-in code (HTTP {0}); the code may be used or expired, or the hub's Intercom client id or secret is wrong")]
    Refused(u16),
    /// Intercom answered something this hub cannot read.
    #[error("Intercom's answer could not be read: {0}")]
    Unreadable(String),
}

/// The teammate who approved the sign-in, as `GET /me` tells with their token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Teammate {
    /// Intercom's id of the admin.
    pub id: String,
    /// Their name.
    pub name: String,
    /// Their email, lower case (`None` when Intercom gives none).
    pub email: Option<String>,
    /// Their workspace (`app.id_code`).
    pub workspace_id: String,
    /// The teams they belong to (`team_ids`).
    pub team_ids: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct TokenAnswer {
    access_token: String,
}

#[derive(Debug, Deserialize)]
struct WireMe {
    id: Value,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    team_ids: Vec<Value>,
    app: WireApp,
}

#[derive(Debug, Deserialize)]
struct WireApp {
    id_code: String,
}

/// An id that Intercom may send as a string or a number.
fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// How the exchange's three parameters are sent.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Form,
    Json,
    Query,
}

/// A client for the app's OAuth exchange against Intercom's API host.
#[derive(Debug, Clone)]
pub(crate) struct OAuthClient {
    http: reqwest::Client,
    api: Url,
    client_id: String,
    client_secret: Secret,
}

impl OAuthClient {
    /// A client for the API host `api` (the hub's Intercom base URL).
    pub fn new(api: Url, client_id: String, client_secret: Secret) -> Result<Self, OAuthError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| OAuthError::Unreachable(e.to_string()))?;
        Ok(OAuthClient {
            http,
            api,
            client_id,
            client_secret,
        })
    }

    fn url(&self, path: &str) -> Url {
        let mut url = self.api.clone();
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base}{path}"));
        url
    }

    /// Exchanges an authorization code for the teammate's access token.
    pub async fn exchange(&self, code: &str) -> Result<Secret, OAuthError> {
        let mut last = OAuthError::Refused(400);
        for shape in [Shape::Form, Shape::Json, Shape::Query] {
            match self.exchange_as(shape, code).await {
                Ok(token) => return Ok(token),
                // A client error may mean "not in this shape": try the next one.
                Err(OAuthError::Refused(status)) => last = OAuthError::Refused(status),
                Err(other) => return Err(other),
            }
        }
        Err(last)
    }

    async fn exchange_as(&self, shape: Shape, code: &str) -> Result<Secret, OAuthError> {
        let fields = [
            ("code", code),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose()),
        ];
        let request = self
            .http
            .post(self.url("/auth/eagle/token"))
            .header(reqwest::header::ACCEPT, "application/json");
        let request = match shape {
            Shape::Form => request.form(&fields),
            Shape::Json => request.json(&serde_json::json!({
                "code": code,
                "client_id": self.client_id,
                "client_secret": self.client_secret.expose(),
            })),
            Shape::Query => request.query(&fields),
        };
        let response = request
            .send()
            .await
            .map_err(|e| OAuthError::Unreachable(e.without_url().to_string()))?;
        let status = response.status();
        if status.is_server_error() {
            return Err(OAuthError::Unreachable(format!("HTTP {}", status.as_u16())));
        }
        if !status.is_success() {
            return Err(OAuthError::Refused(status.as_u16()));
        }
        let answer: TokenAnswer = response
            .json()
            .await
            .map_err(|_| OAuthError::Unreadable("the token answer has no `access_token`".into()))?;
        if answer.access_token.trim().is_empty() {
            return Err(OAuthError::Unreadable("the access token is empty".into()));
        }
        Ok(Secret::new(answer.access_token))
    }

    /// `GET /me` with the teammate's token: who they are.
    pub async fn teammate(&self, token: &Secret) -> Result<Teammate, OAuthError> {
        let response = self
            .http
            .get(self.url("/me"))
            .bearer_auth(token.expose())
            .header("Intercom-Version", API_VERSION)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| OAuthError::Unreachable(e.without_url().to_string()))?;
        let status = response.status();
        if status.is_server_error() {
            return Err(OAuthError::Unreachable(format!("HTTP {}", status.as_u16())));
        }
        if status != StatusCode::OK {
            return Err(OAuthError::Refused(status.as_u16()));
        }
        let me: WireMe = response
            .json()
            .await
            .map_err(|e| OAuthError::Unreadable(format!("`/me`: {e}")))?;
        let id = id_text(&me.id).ok_or_else(|| OAuthError::Unreadable("`/me` has no id".into()))?;
        Ok(Teammate {
            name: me.name.unwrap_or_default(),
            email: me
                .email
                .map(|e| e.trim().to_lowercase())
                .filter(|e| !e.is_empty()),
            workspace_id: me.app.id_code,
            team_ids: me.team_ids.iter().filter_map(id_text).collect(),
            id,
        })
    }
}
