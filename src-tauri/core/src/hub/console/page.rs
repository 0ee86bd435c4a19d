//! What every console page shares: the [`Chrome`] around a page (who is signed in, the
//! language, the CSRF token, which page is open) with its words, and [`render`], which turns a
//! template into an answer with the console's security headers.

use askama::Template;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use fluent_bundle::FluentValue;

use super::i18n::{self, Lang};

/// The console's Content-Security-Policy: everything from the hub itself, no script at all, no
/// inline style, no framing, forms back to the hub only.
pub(crate) const CSP: &str = "default-src 'self'; script-src 'none'; object-src 'none'; \
     img-src 'self' data:; style-src 'self'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// The console's pages, in the navigation's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Overview,
    Calls,
    Agents,
    Sync,
    Settings,
    Reports,
}

impl Nav {
    /// Every page, in the navigation's order.
    pub(crate) const ALL: [Nav; 6] = [
        Nav::Overview,
        Nav::Calls,
        Nav::Agents,
        Nav::Sync,
        Nav::Settings,
        Nav::Reports,
    ];

    /// The page's address.
    pub(crate) fn href(self) -> &'static str {
        match self {
            Nav::Overview => "/admin",
            Nav::Calls => "/admin/calls",
            Nav::Agents => "/admin/agents",
            Nav::Sync => "/admin/sync",
            Nav::Settings => "/admin/settings",
            Nav::Reports => "/admin/reports",
        }
    }

    /// The catalog key of the page's name.
    pub(crate) fn label_key(self) -> &'static str {
        match self {
            Nav::Overview => "nav-overview",
            Nav::Calls => "nav-calls",
            Nav::Agents => "nav-agents",
            Nav::Sync => "nav-sync",
            Nav::Settings => "nav-settings",
            Nav::Reports => "nav-reports",
        }
    }
}

/// What surrounds every page: the admin, the language, the form token and the open page.
/// Templates reach the catalog through [`Chrome::t`] and [`Chrome::tf`].
#[derive(Debug, Clone)]
pub(crate) struct Chrome {
    /// The signed-in admin's email (or "admin token" for a bearer request).
    pub who: String,
    /// The language the page is in.
    pub lang: Lang,
    /// The session's CSRF token, put in every form (empty for a bearer request, which needs
    /// none).
    pub csrf: String,
    /// The open page.
    pub active: Nav,
    /// The request's path and query, for the language switch to come back to.
    pub here: String,
}

impl Chrome {
    /// A message of the catalog.
    pub(crate) fn t(&self, key: &str) -> String {
        i18n::format(self.lang, key, &[])
    }

    /// A message of the catalog with arguments, each given as text or a number.
    pub(crate) fn tf(&self, key: &str, args: &[(&str, Arg)]) -> String {
        format_with(self.lang, key, args)
    }

    /// The navigation: each page's address, name and whether it is open.
    pub(crate) fn nav(&self) -> Vec<(&'static str, String, bool)> {
        Nav::ALL
            .iter()
            .map(|page| (page.href(), self.t(page.label_key()), *page == self.active))
            .collect()
    }

    /// The languages for the switch: code, name in that language, whether it is the page's.
    pub(crate) fn languages(&self) -> Vec<(&'static str, &'static str, bool)> {
        languages(self.lang)
    }
}

/// The languages for a switch: code, name in that language, whether it is `current`.
fn languages(current: Lang) -> Vec<(&'static str, &'static str, bool)> {
    Lang::ALL
        .iter()
        .map(|lang| {
            let name = match lang {
                Lang::En => "English",
                Lang::Fr => "Français",
            };
            (lang.code(), name, *lang == current)
        })
        .collect()
}

/// A page outside the console's chrome, for someone not (or no longer) signed in: the sign-in
/// page with its forms, a refusal in words, the console's 404, the step after signing in with
/// Intercom. Its language switch is a `?lang=` link, since there is no session to post it.
#[derive(Template, Debug, Clone, Default)]
#[template(path = "console/signin.html")]
pub(crate) struct Door {
    /// The page's language.
    pub lang: Lang,
    /// The page's heading (and title).
    pub heading: String,
    /// Words under the heading.
    pub message: Option<String>,
    /// Whether the words say what went wrong.
    pub error: bool,
    /// The sign-in forms, when shown.
    pub forms: Option<DoorForms>,
    /// A link onwards: its address and words.
    pub next: Option<(&'static str, String)>,
    /// Where the browser goes on by itself at once (`<meta http-equiv="refresh">`).
    pub refresh: Option<&'static str>,
}

/// The sign-in page's forms.
#[derive(Debug, Clone, Default)]
pub(crate) struct DoorForms {
    /// Whether "Sign in with Intercom" is offered (sign-in is configured).
    pub intercom: bool,
    /// The form's log-in CSRF token (the same as its cookie's).
    pub csrf: String,
}

impl Door {
    /// A page in `lang` headed by the catalog's `heading`.
    pub(crate) fn new(lang: Lang, heading: &str) -> Door {
        Door {
            lang,
            heading: i18n::format(lang, heading, &[]),
            ..Door::default()
        }
    }

    /// With the catalog's `key` as its words, formatted with `args`.
    pub(crate) fn saying(mut self, key: &str, args: &[(&str, Arg)]) -> Door {
        self.message = Some(format_with(self.lang, key, args));
        self
    }

    /// With words that say what went wrong.
    pub(crate) fn failing(mut self, key: &str, args: &[(&str, Arg)]) -> Door {
        self.error = true;
        self.saying(key, args)
    }

    /// With a link onwards to `href`, worded by the catalog's `key`.
    pub(crate) fn onwards(mut self, href: &'static str, key: &str) -> Door {
        self.next = Some((href, i18n::format(self.lang, key, &[])));
        self
    }

    /// A message of the catalog.
    pub(crate) fn t(&self, key: &str) -> String {
        i18n::format(self.lang, key, &[])
    }

    /// The languages for the switch.
    pub(crate) fn languages(&self) -> Vec<(&'static str, &'static str, bool)> {
        languages(self.lang)
    }
}

/// A catalog message in `lang` with arguments given as [`Arg`]s.
pub(crate) fn format_with(lang: Lang, key: &str, args: &[(&str, Arg)]) -> String {
    let args: Vec<(&str, FluentValue<'_>)> = args
        .iter()
        .map(|(name, value)| {
            let value = match value {
                Arg::Text(text) => FluentValue::from(text.as_str()),
                Arg::Number(n) => FluentValue::from(*n),
            };
            (*name, value)
        })
        .collect();
    i18n::format(lang, key, &args)
}

/// An argument of a catalog message.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    /// Text, escaped by the template like any value.
    Text(String),
    /// A number, formatted by Fluent (plurals follow it).
    Number(f64),
}

impl From<&str> for Arg {
    fn from(text: &str) -> Self {
        Arg::Text(text.to_owned())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Self {
        Arg::Text(text)
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Number(n as f64)
    }
}

impl From<usize> for Arg {
    fn from(n: usize) -> Self {
        Arg::Number(n as f64)
    }
}

/// An instant as the team's clock shows it, to the minute, with the zone's abbreviation:
/// `2026-12-07 11:00 CET`.
pub(crate) fn clock(at: i64, zone: &jiff::tz::TimeZone) -> String {
    jiff::Timestamp::from_second(at)
        .map(|t| {
            t.to_zoned(zone.clone())
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string()
        })
        .unwrap_or_else(|_| at.to_string())
}

/// A rendered template as an HTML answer with the console's headers.
pub(crate) fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => html(status, body),
        Err(e) => {
            tracing::error!(error = %e, "a console page failed to render");
            html(
                StatusCode::INTERNAL_SERVER_ERROR,
                "<!doctype html><title>Ringside</title><p>This page failed to render; the hub's log says why.</p>".to_owned(),
            )
        }
    }
}

/// An HTML body with the console's headers.
pub(crate) fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    secure_headers(headers);
    response
}

/// What every console answer carries: the CSP, no caching, no referrer, no framing, no
/// sniffing.
pub(crate) fn secure_headers(headers: &mut HeaderMap) {
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

/// A redirect after a form (303, so the browser GETs the page).
pub(crate) fn see_other(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(to) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    secure_headers(response.headers_mut());
    response
}
