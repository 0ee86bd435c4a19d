//! The sign-in against a hand-made hub on loopback that plays the contract: `/signin` sends the
//! browser back to the app's port (with a code, or a refusal), the token endpoint checks the
//! verifier against the challenge and takes a code once, and `/api/v1/join` takes an
//! invitation once. The "browser" is an HTTP client that follows the redirect.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::*;

#[derive(Default)]
struct FakeHub {
    /// hub code → the challenge it was issued for.
    codes: Mutex<HashMap<String, String>>,
    invitations: Mutex<Vec<String>>,
    refuse_signin: bool,
}

fn refusal(status: StatusCode, error: &str, message: &str) -> Response {
    (status, Json(json!({"error": error, "message": message}))).into_response()
}

async fn signin(
    State(hub): State<Arc<FakeHub>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    assert_eq!(q["code_challenge_method"], "S256");
    let port = &q["port"];
    let state = &q["state"];
    if hub.refuse_signin {
        return Redirect::to(&format!(
            "http://127.0.0.1:{port}/signed-in?error=access_denied&error_description=alice%40other.io+is+not+a+teammate+of+this+workspace&state={state}"
        ))
        .into_response();
    }
    let code = format!("hub-code-{}", hub.codes.lock().unwrap().len());
    hub.codes
        .lock()
        .unwrap()
        .insert(code.clone(), q["code_challenge"].clone());
    Redirect::to(&format!(
        "http://127.0.0.1:{port}/signed-in?code={code}&state={state}"
    ))
    .into_response()
}

async fn token(State(hub): State<Arc<FakeHub>>, Json(body): Json<Value>) -> Response {
    let code = body["code"].as_str().unwrap_or_default();
    let verifier = body["code_verifier"].as_str().unwrap_or_default();
    let Some(challenge) = hub.codes.lock().unwrap().remove(code) else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "this sign-in code was already used or has expired",
        );
    };
    if pkce::challenge(verifier) != challenge {
        return refusal(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the verifier does not match",
        );
    }
    Json(json!({"token": "agent-token-from-the-hub", "email": "alice.durand@acme.io"}))
        .into_response()
}

async fn join(State(hub): State<Arc<FakeHub>>, Json(body): Json<Value>) -> Response {
    let code = body["code"].as_str().unwrap_or_default().to_owned();
    let mut invitations = hub.invitations.lock().unwrap();
    match invitations.iter().position(|c| *c == code) {
        Some(i) => {
            invitations.remove(i);
            Json(json!({"token": "invited-token", "email": "bob@acme.io"})).into_response()
        }
        // The hub's own error shape: {"error": {"code", "message"}}.
        None => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"code": "invalid_invitation", "message": "this invitation was already used"}})),
        )
            .into_response(),
    }
}

async fn fake_hub(hub: FakeHub) -> (String, Arc<FakeHub>) {
    let hub = Arc::new(hub);
    let router = Router::new()
        .route("/signin", get(signin))
        .route("/api/v1/signin/token", post(token))
        .route("/api/v1/join", post(join))
        .with_state(hub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}"), hub)
}

/// A browser: follows the redirects of `url` in the background.
fn browser(url: &Url) -> Result<(), SignInError> {
    let url = url.clone();
    tokio::spawn(async move {
        let _ = reqwest::get(url).await;
    });
    Ok(())
}

fn never() -> impl Future<Output = ()> {
    std::future::pending()
}

#[tokio::test]
async fn signing_in_through_the_hub_gives_the_agents_token() {
    let (address, hub) = fake_hub(FakeHub::default()).await;
    let signin = HubSignIn::new(&address).unwrap();
    let opened = Mutex::new(None);
    let grant = signin
        .with_intercom(
            |url| {
                *opened.lock().unwrap() = Some(url.clone());
                browser(url)
            },
            Duration::from_secs(10),
            never(),
        )
        .await
        .unwrap();
    assert_eq!(grant.token.expose(), "agent-token-from-the-hub");
    assert_eq!(grant.email, "alice.durand@acme.io");
    // The address opened carries no secret: the challenge, not the verifier.
    let opened = opened.lock().unwrap().clone().unwrap();
    let query: HashMap<String, String> = opened.query_pairs().into_owned().collect();
    assert_eq!(opened.path(), "/signin");
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["code_challenge"].len(), 43);
    assert!(query["state"].len() >= 43);
    assert!(query["port"].parse::<u16>().unwrap() > 0);
    assert!(hub.codes.lock().unwrap().is_empty(), "the code was used");
}

#[tokio::test]
async fn the_hubs_refusal_in_the_browser_ends_the_sign_in_with_its_words() {
    let (address, _hub) = fake_hub(FakeHub {
        refuse_signin: true,
        ..FakeHub::default()
    })
    .await;
    let e = HubSignIn::new(&address)
        .unwrap()
        .with_intercom(browser, Duration::from_secs(10), never())
        .await
        .unwrap_err();
    assert_eq!(
        e,
        SignInError::Refused {
            code: "access_denied".into(),
            message: "alice@other.io is not a teammate of this workspace".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "the sign-in was refused: alice@other.io is not a teammate of this workspace"
    );
}

#[tokio::test]
async fn a_used_code_is_refused_with_the_hubs_message() {
    let (address, hub) = fake_hub(FakeHub::default()).await;
    hub.codes
        .lock()
        .unwrap()
        .insert("c1".into(), pkce::challenge("v1"));
    let signin = HubSignIn::new(&address).unwrap();
    let first = signin.exchange("c1", &Secret::new("v1")).await.unwrap();
    assert_eq!(first.email, "alice.durand@acme.io");
    let again = signin.exchange("c1", &Secret::new("v1")).await.unwrap_err();
    assert_eq!(
        again.to_string(),
        "the sign-in was refused: this sign-in code was already used or has expired"
    );
    hub.codes
        .lock()
        .unwrap()
        .insert("c2".into(), pkce::challenge("v2"));
    let wrong = signin.exchange("c2", &Secret::new("v1")).await.unwrap_err();
    assert!(matches!(wrong, SignInError::Refused { ref code, .. } if code == "invalid_grant"));
}

#[tokio::test]
async fn a_hub_that_is_not_there_is_said_so() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let signin = HubSignIn::new(&format!("http://127.0.0.1:{port}")).unwrap();
    let e = signin.join("abc").await.unwrap_err();
    assert!(matches!(e, SignInError::Unreachable { .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with(&format!("cannot reach the hub at http://127.0.0.1:{port}/")),
        "{e}"
    );
}

#[tokio::test]
async fn a_browser_that_never_comes_back_and_a_cancel_are_said_so() {
    let (address, _hub) = fake_hub(FakeHub::default()).await;
    let signin = HubSignIn::new(&address).unwrap();
    let e = signin
        .with_intercom(|_| Ok(()), Duration::from_millis(300), never())
        .await
        .unwrap_err();
    assert_eq!(e, SignInError::NoAnswer);
    assert!(e.to_string().contains("10 minutes"), "{e}");
    let e = signin
        .with_intercom(|_| Ok(()), Duration::from_secs(10), async {})
        .await
        .unwrap_err();
    assert_eq!(e, SignInError::Cancelled);
    let e = signin
        .with_intercom(
            |_| Err(SignInError::Browser("no browser".into())),
            Duration::from_secs(10),
            never(),
        )
        .await
        .unwrap_err();
    assert_eq!(e, SignInError::Browser("no browser".into()));
}

#[tokio::test]
async fn an_invitation_is_taken_once() {
    let (address, hub) = fake_hub(FakeHub::default()).await;
    hub.invitations.lock().unwrap().push("inv-1".into());
    let signin = HubSignIn::new(&address).unwrap();
    let grant = signin.join("inv-1").await.unwrap();
    assert_eq!(grant.token.expose(), "invited-token");
    let e = signin.join("inv-1").await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "the sign-in was refused: this invitation was already used"
    );
}

#[test]
fn the_hubs_address_is_https_unless_on_this_machine() {
    assert_eq!(
        hub_address(" hub.acme.io ").unwrap().as_str(),
        "https://hub.acme.io/"
    );
    assert_eq!(
        hub_address("http://127.0.0.1:8787").unwrap().as_str(),
        "http://127.0.0.1:8787/"
    );
    assert!(matches!(
        hub_address("http://hub.acme.io"),
        Err(SignInError::Address(_))
    ));
    assert!(matches!(hub_address(""), Err(SignInError::Address(_))));
    let s = HubSignIn::new("https://hub.acme.io/ringside/").unwrap();
    let url = s.signin_url(4321, "st", "ch").unwrap();
    assert_eq!(
        url.as_str(),
        "https://hub.acme.io/ringside/signin?port=4321&state=st&code_challenge=ch&code_challenge_method=S256"
    );
}
