//! Who may use the console, and how a form proves it came from the console.
//!
//! [`Admin`] is the extractor every console route takes: an admin's session cookie, or an
//! admin token as `Authorization: Bearer …` (for scripts). A request with neither is sent to
//! the sign-in page (an HTML page) or refused with 401; an agent's token gets 403. A session is
//! checked on every request: its person must still be an admin (on the sign-in's `admins`
//! list, or, for a session made from a token, that token must still be an admin's), or the
//! session ends there and then.
//!
//! [`Checked`] is the extractor every form takes: the form's fields, once its CSRF token
//! matched the session's and its `Origin` (or `Referer`) is the hub's own. A bearer request
//! carries no ambient credential and needs no CSRF token.
//!
//! The cookies: `ringside_console` (the session: `Path=/admin; HttpOnly; Secure;
//! SameSite=Strict`, its id stored only as a hash), `ringside_console_form` (the sign-in form's
//! log-in CSRF token, on `/admin/signin`), `ringside_console_oauth` (the state of a sign-in
//! with Intercom, on `/signin/callback`, where Intercom sends the browser back) and
//! `ringside_lang` (the language chosen).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::i18n::{self, Lang};
use super::page::{self, Arg, Chrome, Door, Nav};
use crate::hub::AppState;
use crate::store::console::sessions::{How, NewSession};
use crate::store::random_code;

/// The session's cookie.
pub(crate) const SESSION_COOKIE: &str = "ringside_console";

/// The sign-in form's log-in CSRF cookie.
pub(crate) const FORM_COOKIE: &str = "ringside_console_form";

/// The cookie that keeps a console sign-in's state for Intercom's callback.
pub(crate) const OAUTH_COOKIE: &str = "ringside_console_oauth";

/// How long a language choice is kept, in seconds (a year).
const LANG_SECONDS: i64 = 365 * 86_400;

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
    /// The session's id (the cookie's value), for signing out.
    session: Option<String>,
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

    /// The session's id, for a session.
    pub(crate) fn session_id(&self) -> Option<&str> {
        self.session.as_deref()
    }
}

/// A refusal to someone who is not (or no longer) an admin.
#[derive(Debug)]
pub(crate) enum Refused {
    /// Nobody signed in: the browser goes to the sign-in page, a script gets 401.
    SignIn {
        /// Whether the request wants a page.
        html: bool,
    },
    /// An agent's token, not an admin's.
    Forbidden {
        /// Whether the request wants a page.
        html: bool,
        /// The request's language.
        lang: Lang,
    },
    /// A session whose person is no longer an admin: it ended.
    NoLongerAdmin {
        /// Whether the request wants a page.
        html: bool,
        /// The request's language.
        lang: Lang,
    },
    /// The hub's database could not say.
    Unavailable {
        /// The request's language.
        lang: Lang,
    },
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::SignIn { html: true } => {
                let mut response = page::see_other("/admin/signin");
                set_cookie(&mut response, &gone(SESSION_COOKIE, "/admin"));
                response
            }
            Refused::SignIn { html: false } => refusal(
                StatusCode::UNAUTHORIZED,
                Lang::En,
                false,
                "refused-signin",
                &[],
            ),
            Refused::Forbidden { html, lang } => {
                refusal(StatusCode::FORBIDDEN, lang, html, "refused-not-admin", &[])
            }
            Refused::NoLongerAdmin { html, lang } => {
                let mut response = refusal(
                    StatusCode::FORBIDDEN,
                    lang,
                    html,
                    "refused-no-longer-admin",
                    &[],
                );
                set_cookie(&mut response, &gone(SESSION_COOKIE, "/admin"));
                response
            }
            Refused::Unavailable { lang } => refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                lang,
                false,
                "refused-unavailable",
                &[],
            ),
        }
    }
}

/// A refusal in the catalog's words: a page for a browser, a line of text for a script. Both
/// carry the console's headers.
pub(crate) fn refusal(
    status: StatusCode,
    lang: Lang,
    html: bool,
    key: &str,
    args: &[(&str, Arg)],
) -> Response {
    if html {
        let door = Door::new(lang, "refused-heading")
            .failing(key, args)
            .onwards("/admin/signin", "refused-to-signin");
        page::render(status, &door)
    } else {
        plain(status, &page::format_with(lang, key, args))
    }
}

/// A short refusal in words, with the console's headers.
pub(crate) fn plain(status: StatusCode, words: &str) -> Response {
    let mut response = (status, format!("{words}\n")).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    page::secure_headers(response.headers_mut());
    response
}

/// Whether the request wants a page rather than text (a browser's `Accept`).
pub(crate) fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// The request's path and query.
fn here(parts: &Parts) -> String {
    parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/admin".to_owned())
}

/// Refuses a request whose bearer token is not an admin's (an agent's: 403; unknown: 401);
/// `Ok` without a bearer token or with an admin's. The sign-in routes, which need no session,
/// use it so that an agent's token is refused everywhere in the console.
pub(crate) async fn no_agent_token(state: &AppState, headers: &HeaderMap) -> Result<(), Refused> {
    if crate::hub::api::bearer(headers).is_none() {
        return Ok(());
    }
    match bearer_admin(state, headers).await {
        Ok(_) => Ok(()),
        // Not back to the sign-in page, where this request already is.
        Err(Refused::SignIn { .. }) => Err(Refused::SignIn { html: false }),
        Err(refused) => Err(refused),
    }
}

/// The admin behind the request's bearer token.
async fn bearer_admin(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<crate::store::Agent, Refused> {
    let html = wants_html(headers);
    let lang = Lang::of(headers);
    let token = crate::hub::api::bearer(headers).ok_or(Refused::SignIn { html })?;
    let agent = state
        .engine
        .agent_for_token(token)
        .await
        .map_err(|_| Refused::Unavailable { lang })?
        .ok_or(Refused::SignIn { html })?;
    if !agent.admin {
        return Err(Refused::Forbidden { html, lang });
    }
    Ok(agent)
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Refused> {
        Admin::of(state, &parts.headers, here(parts)).await
    }
}

impl Admin {
    /// The admin a request's headers authenticate (its bearer token, else its session
    /// cookie), the request being for `here`.
    pub(crate) async fn of(
        state: &AppState,
        headers: &HeaderMap,
        here: String,
    ) -> Result<Admin, Refused> {
        let lang = Lang::of(headers);
        let html = wants_html(headers);
        if crate::hub::api::bearer(headers).is_some() {
            let agent = bearer_admin(state, headers).await?;
            return Ok(Admin {
                email: agent.email,
                via: Via::Bearer,
                csrf: String::new(),
                lang,
                here,
                session: None,
            });
        }
        let Some(id) = i18n::cookie(headers, SESSION_COOKIE).filter(|v| !v.is_empty()) else {
            return Err(Refused::SignIn { html });
        };
        let now = state.now();
        let looked_up = id.clone();
        let session = state
            .store()
            .run(move |s| s.console_session(&looked_up, now))
            .await
            .map_err(|_| Refused::Unavailable { lang })?
            .ok_or(Refused::SignIn { html })?;
        let still_admin = match session.how {
            How::SignIn => state
                .signin
                .as_ref()
                .is_some_and(|s| s.config().is_admin(&session.email)),
            How::Token => session.token_is_admins,
        };
        if !still_admin {
            tracing::info!(email = %session.email, "a console session ended: no longer an admin");
            let ended = id.clone();
            state
                .store()
                .run(move |s| s.end_console_session(&ended))
                .await
                .map_err(|_| Refused::Unavailable { lang })?;
            return Err(Refused::NoLongerAdmin { html, lang });
        }
        if session.last_used_at <= now - crate::store::console::sessions::TOUCH_EVERY {
            let touched = id.clone();
            let until = now + session_seconds(state);
            state
                .store()
                .run(move |s| s.touch_console_session(&touched, now, until))
                .await
                .map_err(|_| Refused::Unavailable { lang })?;
        }
        Ok(Admin {
            email: session.email,
            via: Via::Session,
            csrf: session.csrf,
            lang,
            here,
            session: Some(id),
        })
    }
}

/// How long a session lasts without use, in seconds.
pub(crate) fn session_seconds(state: &AppState) -> i64 {
    i64::from(state.console.settings.session_hours.max(1)) * 3600
}

/// Opens a session for `email` and answers the cookie that carries it. The session the
/// browser had (`replacing`, its cookie's value), if any, ends: signing in again never keeps
/// an id the browser held before.
pub(crate) async fn open_session(
    state: &AppState,
    email: &str,
    how: How,
    token: Option<String>,
    replacing: Option<String>,
) -> Result<HeaderValue, crate::store::StoreError> {
    let id = random_code()?.expose().to_owned();
    let session = NewSession {
        email: email.to_owned(),
        csrf: random_code()?.expose().to_owned(),
        how,
        token,
    };
    let now = state.now();
    let seconds = session_seconds(state);
    let (kept, who) = (id.clone(), email.to_owned());
    let detail = match how {
        How::SignIn => "signed in with Intercom",
        How::Token => "signed in with an admin token",
    };
    state
        .store()
        .run(move |s| {
            if let Some(old) = replacing {
                s.end_console_session(&old)?;
            }
            s.open_console_session(&kept, &session, now, now + seconds)?;
            s.record_action(now, &who, "sign_in", &who, detail)?;
            Ok(())
        })
        .await?;
    Ok(session_cookie(&id, seconds))
}

/// The session cookie for `id`, kept `seconds`.
pub(crate) fn session_cookie(id: &str, seconds: i64) -> HeaderValue {
    cookie(SESSION_COOKIE, id, "/admin", "Strict", seconds)
}

/// A `Set-Cookie` value: always `HttpOnly` and `Secure`.
pub(crate) fn cookie(
    name: &str,
    value: &str,
    path: &str,
    same_site: &str,
    seconds: i64,
) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; Max-Age={seconds}; HttpOnly; Secure; SameSite={same_site}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("ringside_invalid=; Max-Age=0"))
}

/// A `Set-Cookie` value that removes the cookie `name` on `path`.
pub(crate) fn gone(name: &str, path: &str) -> HeaderValue {
    cookie(name, "", path, "Strict", 0)
}

/// The language cookie for `lang`.
pub(crate) fn lang_cookie(lang: Lang) -> HeaderValue {
    cookie(
        i18n::LANG_COOKIE,
        lang.code(),
        "/admin",
        "Lax",
        LANG_SECONDS,
    )
}

/// Adds a `Set-Cookie` header to `response`.
pub(crate) fn set_cookie(response: &mut Response, value: &HeaderValue) {
    response
        .headers_mut()
        .append(header::SET_COOKIE, value.clone());
}

/// Sends the session cookie again with a fresh `Max-Age` on a page or a redirect answered to
/// a request that carried it, so that the browser keeps it as long as the hub's sliding
/// expiry does (answers that set or remove it themselves are left alone; the style sheet,
/// which may be cached, is not a page).
pub(crate) fn slide_cookie(state: &AppState, request: &HeaderMap, response: &mut Response) {
    let Some(id) = i18n::cookie(request, SESSION_COOKIE).filter(|v| !v.is_empty()) else {
        return;
    };
    let page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let fine = response.status().is_success() || response.status().is_redirection();
    let sets = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| {
            v.as_bytes()
                .starts_with(format!("{SESSION_COOKIE}=").as_bytes())
        });
    if fine && !sets && (page || response.status().is_redirection()) {
        set_cookie(response, &session_cookie(&id, session_seconds(state)));
    }
}

/// Where a request says it comes from: its `Origin`, else its `Referer`'s origin.
fn claimed_origin(headers: &HeaderMap) -> Option<String> {
    if let Some(origin) = headers.get(header::ORIGIN) {
        return Some(origin.to_str().unwrap_or("null").to_owned());
    }
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    match url::Url::parse(referer) {
        Ok(url) => Some(url.origin().ascii_serialization()),
        Err(_) => Some("null".to_owned()),
    }
}

/// Whether `origin` is the hub's own: the request's host (as the browser addressed it), or
/// the sign-in's public URL.
fn is_own_origin(
    origin: &str,
    headers: &HeaderMap,
    authority: Option<&str>,
    state: &AppState,
) -> bool {
    let Ok(url) = url::Url::parse(origin) else {
        return false;
    };
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    if let Some(signin) = &state.signin {
        if signin.config().public_url.origin() == url.origin() {
            return true;
        }
    }
    let Some(host) = url.host_str() else {
        return false;
    };
    let claimed = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let addressed = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or(authority);
    addressed.is_some_and(|h| h.eq_ignore_ascii_case(&claimed))
}

/// Why a form's origin was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OriginRefusal {
    /// It came from another site.
    Foreign,
    /// It said nowhere where it came from.
    Unsaid,
}

/// Checks a form's `Origin` (or `Referer`): present and the hub's own when `required`, the
/// hub's own when present otherwise.
pub(crate) fn check_origin(
    state: &AppState,
    headers: &HeaderMap,
    authority: Option<&str>,
    required: bool,
) -> Result<(), OriginRefusal> {
    match claimed_origin(headers) {
        Some(origin) if is_own_origin(&origin, headers, authority, state) => Ok(()),
        Some(_) => Err(OriginRefusal::Foreign),
        None if required => Err(OriginRefusal::Unsaid),
        None => Ok(()),
    }
}

impl OriginRefusal {
    /// The refusal as an answer.
    pub(crate) fn answer(self, lang: Lang, html: bool) -> Response {
        let key = match self {
            OriginRefusal::Foreign => "refused-foreign-origin",
            OriginRefusal::Unsaid => "refused-no-origin",
        };
        refusal(StatusCode::FORBIDDEN, lang, html, key, &[])
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

/// Whether two tokens are equal, in a time that does not depend on where they differ.
pub(crate) fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
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
        let html = wants_html(&parts.headers);
        let session = admin.via == Via::Session;
        check_origin(
            state,
            &parts.headers,
            parts.uri.authority().map(|a| a.as_str()),
            session,
        )
        .map_err(|refusal| refusal.answer(admin.lang, html))?;
        let request = Request::from_parts(parts, body);
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if session {
            let token: Token = read_form(&bytes, admin.lang).map_err(|w| unreadable(&w))?;
            if token.csrf.is_empty() || !same_token(&token.csrf, &admin.csrf) {
                return Err(refusal(
                    StatusCode::FORBIDDEN,
                    admin.lang,
                    html,
                    "refused-csrf",
                    &[],
                ));
            }
        }
        let form: T = read_form(&bytes, admin.lang).map_err(|w| unreadable(&w))?;
        Ok(Checked { admin, form })
    }
}

/// A form's fields, or its refusal in words.
pub(crate) fn read_form<T: DeserializeOwned>(bytes: &[u8], lang: Lang) -> Result<T, String> {
    serde_urlencoded::from_bytes(bytes)
        .map_err(|e| page::format_with(lang, "refused-form", &[("why", Arg::from(e.to_string()))]))
}

/// A form that could not be read: 400 in words.
pub(crate) fn unreadable(words: &str) -> Response {
    plain(StatusCode::BAD_REQUEST, words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "abcd"));
        assert!(!same_token("", "a"));
    }

    #[test]
    fn a_referer_stands_for_a_missing_origin() {
        let mut headers = HeaderMap::new();
        assert_eq!(claimed_origin(&headers), None);
        headers.insert(
            header::REFERER,
            HeaderValue::from_static("https://hub.acme.io/admin/calls?q=1"),
        );
        assert_eq!(
            claimed_origin(&headers).as_deref(),
            Some("https://hub.acme.io")
        );
        headers.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert_eq!(claimed_origin(&headers).as_deref(), Some("null"));
    }

    #[test]
    fn cookies_are_http_only_secure_and_scoped() {
        let value = session_cookie("abc", 3600);
        assert_eq!(
            value.to_str().unwrap(),
            "ringside_console=abc; Path=/admin; Max-Age=3600; HttpOnly; Secure; SameSite=Strict"
        );
        assert!(gone(SESSION_COOKIE, "/admin")
            .to_str()
            .unwrap()
            .contains("Max-Age=0"));
    }
}
