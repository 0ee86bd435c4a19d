//! Who may use the console, and how a form proves it came from the console.
//!
//! [`Admin`] is the extractor every console route takes: an admin's session cookie, or an
//! admin token as `Authorization: Bearer …` (for scripts). A request with neither is sent to
//! the sign-in page (an HTML page) or refused with 401; an agent's token, or a session of
//! someone no longer an admin, gets 403.
//!
//! [`Checked`] is the extractor every form takes: the form's fields, once its CSRF token
//! matched the session's and its `Origin` (or `Referer`) is the hub's own. A bearer request
//! carries no ambient credential and needs no CSRF token.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::i18n::Lang;
use super::page::{self, Chrome, Nav};
use crate::hub::AppState;

/// The sign-in's, sign-out's and language switch's routes as (method, path), for the tests
/// that knock on every route.
pub(super) const ROUTES: &[(&str, &str)] = &[];

/// How an admin reached the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// A session cookie (signed in with Intercom, or an admin token exchanged on the form).
    Session,
    /// `Authorization: Bearer <admin token>` on the request itself.
    Bearer,
}

/// An admin, authenticated.
#[derive(Debug, Clone)]
pub(crate) struct Admin {
    /// Who: the admin's email (the token's agent for a bearer request).
    pub email: String,
    /// How.
    pub via: Via,
    /// The session's CSRF token (empty for a bearer request).
    pub csrf: String,
    /// The language of the request.
    pub lang: Lang,
    /// The request's path and query.
    pub here: String,
}

impl Admin {
    /// The chrome of a page this admin opens.
    pub(crate) fn chrome(&self, active: Nav) -> Chrome {
        Chrome {
            who: self.email.clone(),
            lang: self.lang,
            csrf: self.csrf.clone(),
            active,
            here: self.here.clone(),
        }
    }
}

/// A refusal to someone who is not an admin.
#[derive(Debug)]
pub(crate) enum Refused {
    /// Nobody signed in: the browser goes to the sign-in page, a script gets 401.
    SignIn { html: bool },
    /// Signed in or with a token, but not an admin.
    Forbidden,
    /// The hub's database could not say.
    Unavailable,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::SignIn { html: true } => page::see_other("/admin/signin"),
            Refused::SignIn { html: false } => plain(
                StatusCode::UNAUTHORIZED,
                "an admin session or an admin token (Authorization: Bearer …) is required",
            ),
            Refused::Forbidden => plain(
                StatusCode::FORBIDDEN,
                "the admin console is for the hub's admins only",
            ),
            Refused::Unavailable => plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "the hub's database could not answer; try again",
            ),
        }
    }
}

/// A short refusal in words, with the console's headers.
pub(crate) fn plain(status: StatusCode, words: &str) -> Response {
    let mut response = (status, words.to_owned()).into_response();
    page::secure_headers(response.headers_mut());
    response
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Refused> {
        let lang = Lang::of(&parts.headers);
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/admin".to_owned());
        if let Some(token) = crate::hub::api::bearer(&parts.headers) {
            let agent = state
                .engine
                .agent_for_token(token)
                .await
                .map_err(|_| Refused::Unavailable)?
                .ok_or(Refused::SignIn {
                    html: wants_html(&parts.headers),
                })?;
            if !agent.admin {
                return Err(Refused::Forbidden);
            }
            return Ok(Admin {
                email: agent.email,
                via: Via::Bearer,
                csrf: String::new(),
                lang,
                here,
            });
        }
        Err(Refused::SignIn {
            html: wants_html(&parts.headers),
        })
    }
}

/// A form's fields, once its CSRF token and origin were checked.
#[derive(Debug)]
pub(crate) struct Checked<T> {
    /// Who posted it.
    pub admin: Admin,
    /// Its fields.
    pub form: T,
}

#[derive(Debug, Deserialize)]
struct Token {
    #[serde(default)]
    csrf: String,
}

impl<T> FromRequest<AppState> for Checked<T>
where
    T: DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let admin = Admin::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let request = Request::from_parts(parts, body);
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if admin.via == Via::Session {
            let token: Token = serde_urlencoded_form(&bytes)?;
            if token.csrf.is_empty() || token.csrf != admin.csrf {
                return Err(plain(
                    StatusCode::FORBIDDEN,
                    "this form's security token is missing or stale; reload the page and try again",
                ));
            }
        }
        let form: T = serde_urlencoded_form(&bytes)?;
        Ok(Checked { admin, form })
    }
}

fn serde_urlencoded_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Response> {
    serde_urlencoded::from_bytes(bytes)
        .map_err(|e| plain(StatusCode::BAD_REQUEST, &format!("this form could not be read: {e}")))
}
