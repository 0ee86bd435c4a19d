//! Agents sign in: `GET /signin` and `GET /signin/callback` (the browser's side of "Sign in
//! with Intercom"), `POST /api/v1/signin/token` (the app redeems its one-time code with its
//! PKCE verifier) and `POST /api/v1/join` (an invitation's code for a token). The rules live in
//! [`crate::signin`]; this module translates HTTP. The browser's pages answer a short HTML page
//! in words (askama, escaped, under a strict Content-Security-Policy and no script); the app's
//! routes answer JSON like every other route. Each route has a rate limit and a small body
//! limit.

use std::num::NonZeroU32;

use askama::Template;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use governor::clock::DefaultClock;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::failure::Failure;
use super::openapi::ErrorBody;
use super::AppState;
use crate::signin::{self, Callback, Finished, Issued, SignInError};

/// Requests a minute on each sign-in route, for the whole hub.
const PER_MINUTE: u32 = 60;

/// The largest body the app's sign-in routes read.
const BODY_LIMIT: usize = 4 * 1024;

/// The Content-Security-Policy of the sign-in pages: nothing loads, nothing runs.
const PAGE_CSP: &str =
    "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start))
        .routes(routes!(callback))
        .routes(routes!(token))
        .routes(routes!(join))
        .routes(routes!(join_page))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// The sign-in routes' rate limits, one budget per route.
#[derive(Debug)]
pub(crate) struct SignInLimits {
    limiter: RateLimiter<&'static str, HashMapStateStore<&'static str>, DefaultClock>,
}

impl Default for SignInLimits {
    fn default() -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(PER_MINUTE).unwrap_or(NonZeroU32::MIN));
        SignInLimits {
            limiter: RateLimiter::hashmap(quota),
        }
    }
}

impl SignInLimits {
    /// Takes one request from `route`'s budget, or says to wait.
    pub(crate) fn take(
        &self,
        route: &'static str,
    ) -> Result<(), (StatusCode, &'static str, String)> {
        self.limiter.check_key(&route).map_err(|_| {
            (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                format!("at most {PER_MINUTE} requests a minute here; try again in a minute"),
            )
        })
    }
}

/// A short page in words for the browser.
#[derive(Template)]
#[template(path = "signin/page.html")]
struct Page<'a> {
    title: &'a str,
    message: &'a str,
    /// A `ringside://` link to offer, when there is one.
    link: Option<&'a str>,
}

fn page(status: StatusCode, title: &str, message: &str) -> Response {
    page_with(status, title, message, None)
}

fn page_with(status: StatusCode, title: &str, message: &str, link: Option<&str>) -> Response {
    let body = Page {
        title,
        message,
        link,
    }
    .render()
    .unwrap_or_else(|_| "Ringside: the sign-in failed.".to_owned());
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    secure_headers(headers);
    response
}

/// What every sign-in answer to the browser carries: no caching, no referrer (the URLs carry
/// codes), no framing, no script.
fn secure_headers(headers: &mut axum::http::HeaderMap) {
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, PAGE_CSP),
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

fn redirect(to: &url::Url) -> Response {
    match HeaderValue::from_str(to.as_str()) {
        Ok(location) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            response.headers_mut().insert(header::LOCATION, location);
            secure_headers(response.headers_mut());
            response
        }
        Err(_) => page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Sign-in failed",
            "The hub could not build the address to continue to.",
        ),
    }
}

/// A refusal's status and code.
fn status_of(e: &SignInError) -> (StatusCode, &'static str) {
    match e {
        SignInError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
        SignInError::UnknownState => (StatusCode::BAD_REQUEST, "unknown_state"),
        SignInError::NotApproved(_) => (StatusCode::FORBIDDEN, "not_approved"),
        SignInError::Intercom(_) | SignInError::HubWorkspace(_) => {
            (StatusCode::BAD_GATEWAY, "upstream")
        }
        SignInError::OtherWorkspace { .. } => (StatusCode::FORBIDDEN, "other_workspace"),
        SignInError::NoEmail => (StatusCode::FORBIDDEN, "no_email"),
        SignInError::NotAllowed(_) => (StatusCode::FORBIDDEN, "not_allowed"),
        SignInError::NotAdmin(_) => (StatusCode::FORBIDDEN, "not_admin"),
        SignInError::UnknownCode | SignInError::UsedCode | SignInError::ExpiredCode => {
            (StatusCode::BAD_REQUEST, "invalid_code")
        }
        SignInError::WrongVerifier => (StatusCode::BAD_REQUEST, "invalid_verifier"),
        SignInError::UnknownInvitation
        | SignInError::UsedInvitation
        | SignInError::ExpiredInvitation
        | SignInError::RevokedInvitation => (StatusCode::BAD_REQUEST, "invalid_invitation"),
        SignInError::Store(_) => (StatusCode::SERVICE_UNAVAILABLE, "storage"),
    }
}

/// A refusal as JSON for the app.
fn failure(e: SignInError) -> Failure {
    let (status, code) = status_of(&e);
    match e {
        SignInError::Store(e) => e.into(),
        SignInError::Intercom(_) | SignInError::HubWorkspace(_) => {
            Failure::logged(status, code, e.to_string(), &e)
        }
        e => Failure::new(status, code, e.to_string()),
    }
}

/// A refusal as a page for the browser.
fn refusal_page(e: SignInError) -> Response {
    let (status, code) = status_of(&e);
    if status.is_server_error() {
        tracing::warn!(code, error = %e, "a sign-in failed");
    } else {
        tracing::info!(code, reason = %e, "a sign-in was refused");
    }
    let words = match e {
        SignInError::Store(_) => "The hub's database could not answer; try again.".to_owned(),
        e => e.to_string(),
    };
    page(status, "Sign-in refused", &words)
}

fn not_configured_page() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Sign-in is not configured",
        "Sign-in is not configured on this hub: its admin has not set public_url, \
         intercom_client_id and the Intercom client secret. Ask for an invitation instead.",
    )
}

fn not_configured() -> Failure {
    Failure::new(
        StatusCode::NOT_FOUND,
        "signin_off",
        "sign-in is not configured on this hub (public_url, intercom_client_id and the Intercom client secret); ask your admin for an invitation",
    )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Start {
    /// The app's loopback port, where the hub sends the browser back
    /// (`http://127.0.0.1:<port>/signed-in`).
    #[param(example = 49152)]
    port: Option<String>,
    /// The app's own state, handed back unchanged.
    state: Option<String>,
    /// `base64url(SHA-256(code_verifier))`, without padding (RFC 7636, S256).
    #[param(example = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")]
    code_challenge: Option<String>,
    /// `S256` when given; no other method is accepted.
    code_challenge_method: Option<String>,
}

/// Starts signing in with Intercom: the browser goes on to Intercom's authorize page.
///
/// The hub remembers the app's port, state and challenge for ten minutes under a state of its
/// own. A refusal is an HTML page in words.
#[utoipa::path(
    get,
    path = "/signin",
    tag = "signin",
    params(Start),
    responses(
        (status = 303, description = "To Intercom's authorize page (`<intercom_app_url>/oauth?client_id=&state=&redirect_uri=<public_url>/signin/callback`)", headers(("Location" = String))),
        (status = 400, description = "A missing or malformed `port`, `state` or `code_challenge`, or a method other than S256 (an HTML page in words)", content_type = "text/html", body = String),
        (status = 404, description = "Sign-in is not configured on this hub (an HTML page in words)", content_type = "text/html", body = String),
        (status = 429, description = "Too many sign-ins this minute (an HTML page in words)", content_type = "text/html", body = String),
    )
)]
async fn start(State(state): State<AppState>, Query(q): Query<Start>) -> Response {
    let Some(signin) = state.signin.clone() else {
        return not_configured_page();
    };
    if let Err((status, _, words)) = state.signin_limits.take("signin") {
        return page(status, "Too many sign-ins", &words);
    }
    let port = match q.port.as_deref().map(str::parse::<u16>) {
        Some(Ok(port)) => port,
        _ => {
            return refusal_page(SignInError::BadRequest(
                "`port` must be the app's loopback port (1 to 65535)".into(),
            ))
        }
    };
    let answer = signin
        .begin(
            port,
            q.state.as_deref().unwrap_or_default(),
            q.code_challenge.as_deref().unwrap_or_default(),
            q.code_challenge_method.as_deref(),
        )
        .await;
    match answer {
        Ok(to) => redirect(&to),
        Err(e) => refusal_page(e),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct IntercomAnswer {
    /// The hub's state, as it sent it.
    state: Option<String>,
    /// The authorization code, when the teammate approved.
    code: Option<String>,
    /// Intercom's error (`access_denied`), when not.
    error: Option<String>,
}

/// Where Intercom sends the browser back (the redirect URL to register in the Intercom app).
///
/// The hub exchanges the code with the app's client secret, reads `GET /me` with the
/// teammate's token (then forgets it), checks the workspace and `signin_allow`, and sends the
/// browser to the app's loopback listener with a one-time code (two minutes, bound to the
/// app's challenge) and the app's state. Once the state is known, a refusal goes to the app
/// too, as `error` and `error_description`; before that it is an HTML page in words.
#[utoipa::path(
    get,
    path = "/signin/callback",
    tag = "signin",
    params(IntercomAnswer),
    responses(
        (status = 303, description = "To the app: `http://127.0.0.1:<port>/signed-in?code=<one-time code>&state=<app state>`, or, when the teammate may not get in (not approved at Intercom, another workspace, not on `signin_allow`) or Intercom failed, `?error=access_denied|server_error&error_description=<words>&state=<app state>`", headers(("Location" = String))),
        (status = 400, description = "An unknown or expired state (an HTML page in words)", content_type = "text/html", body = String),
        (status = 404, description = "Sign-in is not configured on this hub (an HTML page in words)", content_type = "text/html", body = String),
        (status = 429, description = "Too many sign-ins this minute (an HTML page in words)", content_type = "text/html", body = String),
    )
)]
async fn callback(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(q): Query<IntercomAnswer>,
) -> Response {
    let Some(signin) = state.signin.clone() else {
        return not_configured_page();
    };
    if let Err((status, _, words)) = state.signin_limits.take("callback") {
        return page(status, "Too many sign-ins", &words);
    }
    let answer = signin
        .finish(Callback {
            state: q.state,
            code: q.code,
            error: q.error,
            browser_state: super::console::browser_state(&headers),
        })
        .await;
    match answer {
        Ok(Finished::App(to)) => redirect(&to),
        // An admin signing in to the console: a session, or a refusal in the console's words.
        Ok(Finished::Console(outcome)) => {
            super::console::signed_in_with_intercom(&state, &headers, outcome).await
        }
        Err(e) => refusal_page(e),
    }
}

/// The app's one-time code and its PKCE verifier.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct Redeem {
    /// The code the hub put in the loopback redirect.
    code: String,
    /// The verifier whose S256 challenge the app sent to `/signin`.
    code_verifier: String,
}

/// An agent's token, shown once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Token {
    /// The agent token for `Authorization: Bearer`.
    token: String,
    /// Whose it is (lower case).
    email: String,
}

impl From<Issued> for Token {
    fn from(issued: Issued) -> Self {
        Token {
            token: issued.token.expose().to_owned(),
            email: issued.email,
        }
    }
}

fn limited(state: &AppState, route: &'static str) -> Result<(), Failure> {
    state
        .signin_limits
        .take(route)
        .map_err(|(status, code, words)| Failure::new(status, code, words))
}

/// Redeems a sign-in's one-time code for the agent's token.
///
/// A code works once (any attempt uses it), for two minutes, and only with the verifier of
/// the challenge the app sent to `/signin`. The agent keeps their row (and admin flag) and
/// gets a fresh token; the old one stops working.
#[utoipa::path(
    post,
    path = "/api/v1/signin/token",
    tag = "signin",
    request_body = Redeem,
    responses(
        (status = 200, description = "The agent's new token", body = Token),
        (status = 400, description = "`invalid_code`: unknown, used or expired; `invalid_verifier`: the verifier does not match", body = ErrorBody),
        (status = 404, description = "`signin_off`: sign-in is not configured on this hub", body = ErrorBody),
        (status = 429, description = "`too_many_requests`", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer; try again (with a `request_id`)", body = ErrorBody),
    )
)]
async fn token(
    State(state): State<AppState>,
    Json(body): Json<Redeem>,
) -> Result<Json<Token>, Failure> {
    let signin = state.signin.clone().ok_or_else(not_configured)?;
    limited(&state, "token")?;
    let issued = signin
        .redeem(&body.code, &body.code_verifier)
        .await
        .map_err(failure)?;
    Ok(Json(issued.into()))
}

/// An invitation's code.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct JoinRequest {
    /// The `code` of the `ringside://join?hub=…&code=…` link.
    code: String,
}

/// Exchanges an invitation (`ringside-cli agents invite EMAIL`) for the agent's token, once.
///
/// Works whether or not sign-in with Intercom is configured.
#[utoipa::path(
    post,
    path = "/api/v1/join",
    tag = "signin",
    request_body = JoinRequest,
    responses(
        (status = 200, description = "The invited agent's token", body = Token),
        (status = 400, description = "`invalid_invitation`: unknown, used, expired or revoked (the message says which)", body = ErrorBody),
        (status = 429, description = "`too_many_requests`", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer; try again (with a `request_id`)", body = ErrorBody),
    )
)]
async fn join(
    State(state): State<AppState>,
    Json(body): Json<JoinRequest>,
) -> Result<Json<Token>, Failure> {
    limited(&state, "join")?;
    let issued = signin::join(state.store(), &body.code, state.now())
        .await
        .map_err(failure)?;
    Ok(Json(issued.into()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct JoinLink {
    /// The invitation's code.
    code: Option<String>,
}

/// An invitation as a web page: a link that opens it in the desktop app
/// (`ringside://join?hub=…&code=…`), and the same link to paste. The code is not used here.
#[utoipa::path(
    get,
    path = "/join",
    tag = "signin",
    params(JoinLink),
    responses(
        (status = 200, description = "A page with the `ringside://join` link", content_type = "text/html", body = String),
        (status = 400, description = "No code (an HTML page in words)", content_type = "text/html", body = String),
        (status = 429, description = "Too many requests this minute (an HTML page in words)", content_type = "text/html", body = String),
    )
)]
async fn join_page(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(q): Query<JoinLink>,
) -> Response {
    if let Err((status, _, words)) = state.signin_limits.take("join_page") {
        return page(status, "Too many requests", &words);
    }
    let Some(code) = q.code.filter(|c| !c.is_empty() && c.len() <= 128) else {
        return page(
            StatusCode::BAD_REQUEST,
            "No invitation here",
            "This address carries no invitation code; ask your admin for the link again.",
        );
    };
    let hub =
        match &state.signin {
            Some(signin) => signin.config().public_url.to_string(),
            None => match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
                Some(host) => format!("https://{host}"),
                None => return page(
                    StatusCode::BAD_REQUEST,
                    "No invitation here",
                    "The hub cannot tell its own address; ask your admin for the ringside:// link.",
                ),
            },
        };
    let link = signin::join_link(&hub, &crate::secret::Secret::new(code));
    page_with(
        StatusCode::OK,
        "Join Ringside",
        "Your admin invited you to this Ringside hub. Open the link in the Ringside desktop app; it works once.",
        Some(&link),
    )
}
