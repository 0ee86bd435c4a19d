//! The console's way in and out: the sign-in page (`GET /admin/signin`) with "Sign in with
//! Intercom" (`GET /admin/signin/intercom`, finished by the hub's one OAuth callback) and a
//! form that exchanges an admin token for a session (`POST /admin/signin/token`); signing out
//! (`POST /admin/signout`); the language switch (`POST /admin/lang`); and the console's own
//! 404 page.
//!
//! Signing in with Intercom ends on a page that sends the browser on to `/admin` by itself:
//! the session cookie is `SameSite=Strict`, and a browser does not send such a cookie on the
//! redirect that follows Intercom's (a navigation another site started), so the step to
//! `/admin` starts from the hub's own page.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use serde::Deserialize;

use super::i18n::{self, Lang};
use super::page::{self, Arg, Door, DoorForms};
use super::session::{self, Checked, Refused, Via};
use crate::hub::AppState;
use crate::signin::{SignInError, REQUEST_LIFETIME};
use crate::store::console::sessions::How;
use crate::store::random_code;

/// The sign-in's, sign-out's and language switch's routes as (method, path), for the tests
/// that knock on every route.
pub(super) const ROUTES: &[(&str, &str)] = &[
    ("GET", "/admin/signin"),
    ("GET", "/admin/signin/intercom"),
    ("POST", "/admin/signin/token"),
    ("POST", "/admin/signout"),
    ("POST", "/admin/lang"),
];

/// How long the sign-in form's token works, in seconds.
const FORM_SECONDS: i64 = 3600;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/signin", get(show))
        .route("/admin/signin/intercom", get(with_intercom))
        .route("/admin/signin/token", post(with_token))
        .route("/admin/signout", post(sign_out))
        .route("/admin/lang", post(choose_lang))
        .route("/admin/{*rest}", any(not_found))
}

#[derive(Debug, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// The sign-in page in `lang`, with `failure` (a catalog key and its arguments) when the last
/// attempt failed, and its form token.
fn signin_page(
    state: &AppState,
    status: StatusCode,
    lang: Lang,
    form_token: &str,
    failure: Option<(&str, &[(&str, Arg)])>,
) -> Response {
    let mut door = Door::new(lang, "signin-heading");
    if let Some((key, args)) = failure {
        door = door.failing(key, args);
    }
    door.forms = Some(DoorForms {
        intercom: state.signin.is_some(),
        csrf: form_token.to_owned(),
    });
    let mut response = page::render(status, &door);
    session::set_cookie(
        &mut response,
        &session::cookie(
            session::FORM_COOKIE,
            form_token,
            "/admin/signin",
            "Strict",
            FORM_SECONDS,
        ),
    );
    response
}

/// The form token the browser has (a well-formed one), or a new one.
fn form_token(headers: &HeaderMap) -> Result<String, crate::store::StoreError> {
    match i18n::cookie(headers, session::FORM_COOKIE) {
        Some(token) if token.len() == 43 && token.bytes().all(is_code_byte) => Ok(token),
        _ => Ok(random_code()?.expose().to_owned()),
    }
}

fn is_code_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// The sign-in page: "Sign in with Intercom" when it is configured, and the admin token's
/// form. `?lang=` switches its language (and keeps the choice).
async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    if let Err(refused) = session::no_agent_token(&state, &headers).await {
        return refused.into_response();
    }
    let chosen = q.lang.as_deref().and_then(Lang::parse);
    // Signed in already: the console.
    if i18n::cookie(&headers, session::SESSION_COOKIE).is_some() {
        let admin = session::Admin::of(&state, &headers, "/admin/signin".to_owned()).await;
        if admin.is_ok_and(|a| a.via == Via::Session) {
            let mut response = page::see_other("/admin");
            if let Some(lang) = chosen {
                session::set_cookie(&mut response, &session::lang_cookie(lang));
            }
            return response;
        }
    }
    let lang = chosen.unwrap_or_else(|| Lang::of(&headers));
    let token = match form_token(&headers) {
        Ok(token) => token,
        Err(_) => return Refused::Unavailable { lang }.into_response(),
    };
    let mut response = signin_page(&state, StatusCode::OK, lang, &token, None);
    if let Some(lang) = chosen {
        session::set_cookie(&mut response, &session::lang_cookie(lang));
    }
    response
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
}

/// Exchanges an admin token for a session: the form's log-in CSRF token must match its cookie
/// and the form must come from the hub's own pages. A wrong token shows the page again with
/// the reason.
async fn with_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let lang = Lang::of(&headers);
    if let Err(refused) = session::no_agent_token(&state, &headers).await {
        return refused.into_response();
    }
    if let Err((status, _, _)) = state.signin_limits.take("console_token") {
        return session::refusal(status, lang, true, "refused-too-many", &[]);
    }
    if let Err(refusal) =
        session::check_origin(&state, &headers, uri.authority().map(|a| a.as_str()), true)
    {
        return refusal.answer(lang, true);
    }
    let form: TokenForm = match session::read_form(&body, lang) {
        Ok(form) => form,
        Err(words) => return session::unreadable(&words),
    };
    let kept = i18n::cookie(&headers, session::FORM_COOKIE).unwrap_or_default();
    let fresh = match form_token(&headers) {
        Ok(token) => token,
        Err(_) => return Refused::Unavailable { lang }.into_response(),
    };
    if form.csrf.is_empty() || !session::same_token(&form.csrf, &kept) {
        return signin_page(
            &state,
            StatusCode::FORBIDDEN,
            lang,
            &fresh,
            Some(("signin-form-stale", &[])),
        );
    }
    let token = form.token.trim().to_owned();
    if token.is_empty() {
        return signin_page(
            &state,
            StatusCode::UNAUTHORIZED,
            lang,
            &fresh,
            Some(("signin-token-unknown", &[])),
        );
    }
    let agent = match state.engine.agent_for_token(&token).await {
        Ok(agent) => agent,
        Err(_) => return Refused::Unavailable { lang }.into_response(),
    };
    let agent = match agent {
        None => {
            return signin_page(
                &state,
                StatusCode::UNAUTHORIZED,
                lang,
                &fresh,
                Some(("signin-token-unknown", &[])),
            )
        }
        Some(agent) if !agent.admin => {
            return signin_page(
                &state,
                StatusCode::FORBIDDEN,
                lang,
                &fresh,
                Some((
                    "signin-token-not-admin",
                    &[("email", Arg::from(agent.email))],
                )),
            )
        }
        Some(agent) => agent,
    };
    match session::open_session(
        &state,
        &agent.email,
        How::Token,
        Some(token),
        i18n::cookie(&headers, session::SESSION_COOKIE),
    )
    .await
    {
        Ok(cookie) => {
            let mut response = page::see_other("/admin");
            session::set_cookie(&mut response, &cookie);
            session::set_cookie(
                &mut response,
                &session::gone(session::FORM_COOKIE, "/admin/signin"),
            );
            response
        }
        Err(_) => Refused::Unavailable { lang }.into_response(),
    }
}

/// Starts signing in with Intercom: the browser keeps the sign-in's state (a cookie for the
/// callback) and goes on to Intercom's authorize page.
async fn with_intercom(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = Lang::of(&headers);
    let html = session::wants_html(&headers) || !headers.contains_key(header::ACCEPT);
    if let Err(refused) = session::no_agent_token(&state, &headers).await {
        return refused.into_response();
    }
    let Some(signin) = state.signin.clone() else {
        return session::refusal(
            StatusCode::NOT_FOUND,
            lang,
            html,
            "signin-intercom-off",
            &[],
        );
    };
    if let Err((status, _, _)) = state.signin_limits.take("console_intercom") {
        return session::refusal(status, lang, html, "refused-too-many", &[]);
    }
    match signin.begin_console().await {
        Ok((to, hub_state)) => {
            let mut response = page::see_other(to.as_str());
            session::set_cookie(
                &mut response,
                &session::cookie(
                    session::OAUTH_COOKIE,
                    hub_state.expose(),
                    "/signin/callback",
                    "Lax",
                    REQUEST_LIFETIME,
                ),
            );
            response
        }
        Err(e) => {
            tracing::warn!(error = %e, "a console sign-in with Intercom could not start");
            session::refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                lang,
                html,
                "signin-failed",
                &[],
            )
        }
    }
}

/// Intercom's callback for a console sign-in (called by `/signin/callback`): a session and a
/// page that goes on to `/admin`, or the refusal in words.
pub(super) async fn finish_with_intercom(
    state: &AppState,
    headers: &HeaderMap,
    outcome: Result<String, SignInError>,
) -> Response {
    let lang = Lang::of(headers);
    let mut response = match outcome {
        Ok(email) => match session::open_session(state, &email, How::SignIn, None, None).await {
            Ok(cookie) => {
                let mut door = Door::new(lang, "signin-done-heading")
                    .saying("signin-done", &[("email", Arg::from(email))])
                    .onwards("/admin", "signin-continue");
                door.refresh = Some("/admin");
                let mut response = page::render(StatusCode::OK, &door);
                session::set_cookie(&mut response, &cookie);
                response
            }
            Err(_) => Refused::Unavailable { lang }.into_response(),
        },
        Err(e) => {
            let (status, key, args): (StatusCode, &str, Vec<(&str, Arg)>) = match e {
                SignInError::NotAdmin(email) => (
                    StatusCode::FORBIDDEN,
                    "signin-not-admin",
                    vec![("email", Arg::from(email))],
                ),
                SignInError::OtherWorkspace { email } => (
                    StatusCode::FORBIDDEN,
                    "signin-other-workspace",
                    vec![("email", Arg::from(email))],
                ),
                SignInError::NotApproved(_) => {
                    (StatusCode::FORBIDDEN, "signin-not-approved", vec![])
                }
                SignInError::NoEmail => (StatusCode::FORBIDDEN, "signin-no-email", vec![]),
                SignInError::UnknownState => (StatusCode::BAD_REQUEST, "signin-stale", vec![]),
                other => {
                    tracing::warn!(error = %other, "a console sign-in with Intercom failed");
                    (StatusCode::BAD_GATEWAY, "signin-failed", vec![])
                }
            };
            let door = Door::new(lang, "signin-refused-heading")
                .failing(key, &args)
                .onwards("/admin/signin", "refused-to-signin");
            page::render(status, &door)
        }
    };
    session::set_cookie(
        &mut response,
        &session::gone(session::OAUTH_COOKIE, "/signin/callback"),
    );
    response
}

#[derive(Debug, Deserialize)]
struct NoFields {}

/// Ends the session and goes back to the sign-in page.
async fn sign_out(State(state): State<AppState>, checked: Checked<NoFields>) -> Response {
    let admin = checked.admin;
    if admin.via == Via::Session {
        if let Some(id) = admin.session_id().map(str::to_owned) {
            let (now, who) = (state.now(), admin.email.clone());
            let ended = state
                .store()
                .run(move |s| {
                    s.end_console_session(&id)?;
                    s.record_action(now, &who, "sign_out", &who, "")
                })
                .await;
            if ended.is_err() {
                return Refused::Unavailable { lang: admin.lang }.into_response();
            }
        }
    }
    let mut response = page::see_other("/admin/signin");
    session::set_cookie(
        &mut response,
        &session::gone(session::SESSION_COOKIE, "/admin"),
    );
    response
}

#[derive(Debug, Deserialize)]
struct LangForm {
    lang: String,
    #[serde(default)]
    back: String,
}

/// Where the language switch goes back to: a console path of this hub, or the Overview.
fn back_to(back: &str) -> &str {
    let console = back == "/admin" || back.starts_with("/admin/") || back.starts_with("/admin?");
    let plain = !back.contains(['\\', '\r', '\n']) && !back.contains("//") && !back.contains("/..");
    if console && plain {
        back
    } else {
        "/admin"
    }
}

/// Keeps the language chosen and goes back to the page.
async fn choose_lang(checked: Checked<LangForm>) -> Response {
    let Some(lang) = Lang::parse(&checked.form.lang) else {
        return session::refusal(
            StatusCode::BAD_REQUEST,
            checked.admin.lang,
            false,
            "refused-lang",
            &[],
        );
    };
    let mut response = page::see_other(back_to(&checked.form.back));
    session::set_cookie(&mut response, &session::lang_cookie(lang));
    response
}

/// A console address with nothing there: a page in words (not the API's JSON).
async fn not_found(headers: HeaderMap) -> Response {
    let lang = Lang::of(&headers);
    let door = Door::new(lang, "notfound-heading")
        .saying("notfound", &[])
        .onwards("/admin", "notfound-home");
    page::render(StatusCode::NOT_FOUND, &door)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_of_the_way_in_is_in_both_catalogs() {
        let sources = [
            include_str!("entry.rs"),
            include_str!("session.rs"),
            include_str!("../../../templates/console/signin.html"),
            include_str!("../../../templates/console/layout.html"),
        ];
        let mut keys: Vec<&str> = Vec::new();
        for source in sources {
            for (at, _) in source.match_indices('"') {
                let rest = &source[at + 1..];
                let Some(end) = rest.find('"') else { continue };
                let word = &rest[..end];
                let prefixed = [
                    "signin-",
                    "refused-",
                    "notfound",
                    "lang-",
                    "signed-in-",
                    "sign-out",
                ]
                .iter()
                .any(|p| word.starts_with(p));
                if prefixed
                    && !word.ends_with('-')
                    && word.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                {
                    keys.push(word);
                }
            }
        }
        assert!(keys.len() > 30, "found only {keys:?}");
        for lang in Lang::ALL {
            let ids = i18n::message_ids(lang);
            let missing: Vec<_> = keys
                .iter()
                .filter(|k| !ids.iter().any(|id| id == *k))
                .collect();
            assert!(missing.is_empty(), "{lang:?} lacks {missing:?}");
        }
    }

    #[test]
    fn the_switch_goes_back_to_console_paths_only() {
        assert_eq!(back_to("/admin/calls?q=1"), "/admin/calls?q=1");
        assert_eq!(back_to("/admin"), "/admin");
        assert_eq!(back_to("/admin?x=1"), "/admin?x=1");
        for elsewhere in [
            "https://evil.example/admin",
            "//evil.example/admin",
            "/admin//evil.example",
            "/admin/\\evil",
            "/administrator",
            "/api/v1/calls",
            "/admin/../api",
            "",
        ] {
            assert_eq!(back_to(elsewhere), "/admin", "{elsewhere}");
        }
    }
}
