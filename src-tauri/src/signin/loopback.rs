//! The one answer of a sign-in (RFC 8252 §7.3): a listener on 127.0.0.1, on a port the system
//! picks, that waits for the browser to come back to `/signed-in` with the hub's one-time code
//! and the app's state. The first request there decides: the listener then stops, so a second
//! one finds nothing. An answer with another state is refused (it is not this sign-in's); an
//! answer the hub sent as a refusal (`error`, `error_description`) ends the sign-in with its
//! words. The browser is told what happened on a small page in the app's language.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::oneshot;

use super::SignInError;
use crate::i18n::text;
// Text as HTML, the five characters that could open markup or an attribute escaped, as the
// engine escapes a note's text.
use ringside_core::domain::note::escape;

/// The path the hub sends the browser back to.
pub const PATH: &str = "/signed-in";

/// What the browser brought back: the hub's code, or why not.
type Answer = Result<String, SignInError>;

struct Waiting {
    state: String,
    answer: Mutex<Option<oneshot::Sender<Answer>>>,
    stop: Mutex<Option<oneshot::Sender<()>>>,
}

/// The listener of one sign-in; dropping it stops it.
#[derive(Debug)]
pub struct Loopback {
    port: u16,
    answer: oneshot::Receiver<Answer>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Loopback {
    /// Listens on 127.0.0.1 on a free port for the answer that carries `state`.
    pub async fn start(state: &str) -> Result<Loopback, SignInError> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| SignInError::Listen(e.to_string()))?;
        let port = listener
            .local_addr()
            .map_err(|e| SignInError::Listen(e.to_string()))?
            .port();
        let (answer_tx, answer) = oneshot::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let waiting = Arc::new(Waiting {
            state: state.to_owned(),
            answer: Mutex::new(Some(answer_tx)),
            stop: Mutex::new(Some(stop_tx)),
        });
        let router = Router::new()
            .route(PATH, get(signed_in))
            .fallback(|| async { page(StatusCode::NOT_FOUND, text("signin-page-not-found", &[])) })
            .with_state(waiting);
        let server = tokio::spawn(async move {
            let stopped = async {
                let _ = stop_rx.await;
            };
            if let Err(e) = axum::serve(listener, router)
                .with_graceful_shutdown(stopped)
                .await
            {
                tracing::warn!(error = %e, "the sign-in's listener stopped");
            }
        });
        Ok(Loopback {
            port,
            answer,
            server,
        })
    }

    /// The port the browser comes back to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The hub's code, once the browser comes back with it; [`SignInError::NoAnswer`] when it
    /// has not within `within`. The listener is closed when this returns.
    pub async fn answer(mut self, within: Duration) -> Answer {
        let answer = match tokio::time::timeout(within, &mut self.answer).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) | Err(_) => Err(SignInError::NoAnswer),
        };
        // The page is on its way to the browser: let the server finish it and stop (it stops
        // taking connections as soon as the answer came); `Drop` ends it in any case.
        let _ = tokio::time::timeout(Duration::from_secs(2), &mut self.server).await;
        answer
    }
}

/// Reads the answer's query: the state first (an answer for another sign-in says nothing
/// about this one), then a refusal, then the code. A parameter given twice is not read.
fn read(expected_state: &str, query: &str) -> Answer {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let one = |name: &str| {
        let mut values = pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
        match (values.next(), values.next()) {
            (Some(v), None) => Some(v.as_str()),
            _ => None,
        }
    };
    if one("state") != Some(expected_state) {
        return Err(SignInError::WrongState);
    }
    if let Some(code) = one("error") {
        let message = one("error_description").unwrap_or(code);
        return Err(SignInError::Refused {
            code: bounded(code, 100),
            message: bounded(message, 500),
        });
    }
    match one("code") {
        Some(code) if !code.is_empty() && code.len() <= 512 => Ok(code.to_owned()),
        _ => Err(SignInError::Malformed),
    }
}

/// At most `max` characters of words from the browser, without control characters.
fn bounded(words: &str, max: usize) -> String {
    words
        .chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect()
}

async fn signed_in(State(waiting): State<Arc<Waiting>>, RawQuery(query): RawQuery) -> Response {
    let sender = waiting
        .answer
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    let Some(sender) = sender else {
        return page(StatusCode::GONE, text("signin-page-over", &[]));
    };
    let answer = read(&waiting.state, query.as_deref().unwrap_or(""));
    let shown = match &answer {
        Ok(_) => page(StatusCode::OK, text("signin-page-done", &[])),
        Err(SignInError::Refused { message, .. }) => page(
            StatusCode::FORBIDDEN,
            text("signin-page-refused", &[("message", message.into())]),
        ),
        Err(e) => page(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let _ = sender.send(answer);
    if let Some(stop) = waiting
        .stop
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
    {
        let _ = stop.send(());
    }
    shown
}

/// A page of one paragraph, escaped, that loads nothing and is kept nowhere.
fn page(status: StatusCode, words: String) -> Response {
    let title = text("signin-page-title", &[]);
    let body = format!(
        "<!doctype html><html lang=\"{}\"><meta charset=\"utf-8\"><title>{}</title><p>{}</p></html>",
        crate::i18n::current().code(),
        escape(&title),
        escape(&words)
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'"),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CONNECTION, "close"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATE: &str = "the-apps-state";

    async fn visit(port: u16, query: &str) -> reqwest::Result<(u16, String)> {
        let answer = reqwest::get(format!("http://127.0.0.1:{port}{PATH}?{query}")).await?;
        let status = answer.status().as_u16();
        Ok((status, answer.text().await?))
    }

    #[tokio::test]
    async fn the_right_state_gives_the_code_and_the_browser_is_told() {
        let loopback = Loopback::start(STATE).await.unwrap();
        let port = loopback.port();
        let waiting = tokio::spawn(loopback.answer(Duration::from_secs(10)));
        let (status, body) = visit(port, &format!("code=hub-code-1&state={STATE}"))
            .await
            .unwrap();
        assert_eq!(status, 200);
        assert!(body.contains("You are signed in"), "{body}");
        assert_eq!(waiting.await.unwrap().unwrap(), "hub-code-1");
    }

    #[tokio::test]
    async fn another_state_is_refused_and_ends_the_sign_in() {
        let loopback = Loopback::start(STATE).await.unwrap();
        let port = loopback.port();
        let waiting = tokio::spawn(loopback.answer(Duration::from_secs(10)));
        let (status, body) = visit(port, "code=hub-code-1&state=someone-elses")
            .await
            .unwrap();
        assert_eq!(status, 400);
        assert!(body.contains("not for this sign-in"), "{body}");
        assert_eq!(waiting.await.unwrap(), Err(SignInError::WrongState));
    }

    #[tokio::test]
    async fn a_missing_or_doubled_state_is_refused_too() {
        for query in [
            "code=c".to_owned(),
            format!("code=c&state={STATE}&state={STATE}"),
            format!("code=c&state={STATE}x"),
        ] {
            assert_eq!(read(STATE, &query), Err(SignInError::WrongState), "{query}");
        }
        assert_eq!(
            read(STATE, &format!("state={STATE}")),
            Err(SignInError::Malformed)
        );
        assert_eq!(
            read(STATE, &format!("state={STATE}&code=a&code=b")),
            Err(SignInError::Malformed)
        );
    }

    #[tokio::test]
    async fn the_second_request_is_refused() {
        let loopback = Loopback::start(STATE).await.unwrap();
        let port = loopback.port();
        let first = tokio::spawn(loopback.answer(Duration::from_secs(10)));
        visit(port, &format!("code=first&state={STATE}"))
            .await
            .unwrap();
        assert_eq!(first.await.unwrap().unwrap(), "first");
        // The listener is closed: nothing answers there any more.
        let second = visit(port, &format!("code=second&state={STATE}")).await;
        assert!(second.is_err(), "a second answer was taken: {second:?}");
    }

    #[tokio::test]
    async fn a_second_request_that_races_the_first_is_told_the_sign_in_is_over() {
        let loopback = Loopback::start(STATE).await.unwrap();
        let port = loopback.port();
        // Two connections open before the first answer: the second one's request reaches the
        // server while it finishes the first.
        let client = reqwest::Client::builder().build().unwrap();
        let url = |code: &str| format!("http://127.0.0.1:{port}{PATH}?code={code}&state={STATE}");
        let (a, b) = tokio::join!(client.get(url("a")).send(), client.get(url("b")).send());
        let statuses: Vec<u16> = [a, b]
            .into_iter()
            .filter_map(|r| r.ok().map(|r| r.status().as_u16()))
            .collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "{statuses:?}"
        );
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 410),
            "{statuses:?}"
        );
        let code = loopback.answer(Duration::from_secs(10)).await.unwrap();
        assert!(code == "a" || code == "b");
    }

    #[tokio::test]
    async fn the_hubs_refusal_ends_the_sign_in_with_its_words_escaped() {
        let loopback = Loopback::start(STATE).await.unwrap();
        let port = loopback.port();
        let waiting = tokio::spawn(loopback.answer(Duration::from_secs(10)));
        let query = format!(
            "error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E+not+on+the+list&state={STATE}"
        );
        let (status, body) = visit(port, &query).await.unwrap();
        assert_eq!(status, 403);
        assert!(!body.contains("<script>"), "{body}");
        assert!(
            body.contains("&lt;script&gt;alert(1)&lt;/script&gt; not on the list"),
            "{body}"
        );
        assert_eq!(
            waiting.await.unwrap(),
            Err(SignInError::Refused {
                code: "access_denied".into(),
                message: "<script>alert(1)</script> not on the list".into()
            })
        );
    }

    #[tokio::test]
    async fn other_paths_are_not_the_answer() {
        let loopback = Loopback::start(STATE).await.unwrap();
        let port = loopback.port();
        let favicon = reqwest::get(format!("http://127.0.0.1:{port}/favicon.ico"))
            .await
            .unwrap();
        assert_eq!(favicon.status().as_u16(), 404);
        let waiting = tokio::spawn(loopback.answer(Duration::from_secs(10)));
        visit(port, &format!("code=c&state={STATE}")).await.unwrap();
        assert_eq!(waiting.await.unwrap().unwrap(), "c");
    }

    #[tokio::test]
    async fn no_answer_in_time_is_said_and_the_listener_closes() {
        let loopback = Loopback::start(STATE).await.unwrap();
        let port = loopback.port();
        let answer = loopback.answer(Duration::from_millis(200)).await;
        assert_eq!(answer, Err(SignInError::NoAnswer));
        assert!(visit(port, &format!("code=late&state={STATE}"))
            .await
            .is_err());
    }
}
