//! Agents sign in: "Sign in with Intercom" through a real hub and the sandbox's fake Intercom
//! OAuth, the test playing the browser (redirects followed by hand) and the desktop app (its
//! loopback port, state and PKCE verifier); and invitations. Each refusal is one a user would
//! meet: a forged or stale state, a replayed or expired code, a wrong verifier, a teammate of
//! another workspace or off the list, a refused approval, a used, expired or revoked invitation.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use reqwest::header::{CONTENT_SECURITY_POLICY, LOCATION};
use reqwest::StatusCode;
use ringside_core::hub::{Hub, HubConfig};
use ringside_core::phone::Region;
use ringside_core::rules::Settings;
use ringside_core::signin::{self, pkce, Allowed, SignInConfig};
use ringside_core::store::{random_code, Joined, Store, DB_FILE};
use ringside_core::Secret;
use ringside_sandbox::intercom::{Approval, ExchangeShape, CLIENT_ID, CLIENT_SECRET};
use ringside_tests::hubs::{cli_binary, lift_budgets, WEBHOOK_TOKEN};
use ringside_tests::{TestApp, TestClock};
use serde_json::{json, Value};
use url::Url;

/// The app's loopback port in these tests (nothing listens: the test reads the redirect).
const PORT: u16 = 49_321;

/// A hub with sign-in on, on a file-backed store, with a clock the test moves.
struct SignInHub {
    hub: Hub,
    base: String,
    clock: TestClock,
    dir: tempfile::TempDir,
    /// A browser that does not follow redirects.
    browser: reqwest::Client,
}

async fn start(app: &TestApp, signin_on: bool, allow: Vec<Allowed>) -> SignInHub {
    lift_budgets(app);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let clock = TestClock::default();
    let signin = signin_on.then(|| SignInConfig {
        public_url: Url::parse(&base).unwrap(),
        client_id: CLIENT_ID.to_owned(),
        client_secret: Secret::new(CLIENT_SECRET),
        app_url: Url::parse(&app.sandbox.intercom_url()).unwrap(),
        allow,
        admins: vec!["alice.durand@acme.io".into()],
    });
    let config = HubConfig {
        store,
        intercom: app.intercom(),
        aircall: Some(app.aircall()),
        webhook_token: Some(Secret::new(WEBHOOK_TOKEN)),
        settings: Settings::default(),
        default_region: Region::parse("FR").unwrap(),
        clock: clock.clock(),
        tls: None,
        sync: None,
        intercom_client_secret: Some(Secret::new(CLIENT_SECRET)),
        signin,
        console: Default::default(),
    };
    let hub = Hub::start(config, listener).await.unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    SignInHub {
        hub,
        base,
        clock,
        dir,
        browser,
    }
}

/// The app's side of one sign-in: its state and its PKCE pair.
struct AppSide {
    state: String,
    verifier: String,
    challenge: String,
}

fn app_side() -> AppSide {
    let verifier = random_code().unwrap().expose().to_owned();
    AppSide {
        state: random_code().unwrap().expose().to_owned(),
        challenge: pkce::challenge_of(&verifier),
        verifier,
    }
}

/// A page the browser stopped on: its status and its words.
#[derive(Debug)]
struct Stopped {
    status: StatusCode,
    body: String,
    csp: Option<String>,
}

fn query(url: &Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

async fn get(browser: &reqwest::Client, url: &str) -> reqwest::Response {
    browser.get(url).send().await.unwrap()
}

async fn stopped(response: reqwest::Response) -> Stopped {
    Stopped {
        status: response.status(),
        csp: response
            .headers()
            .get(CONTENT_SECURITY_POLICY)
            .map(|v| v.to_str().unwrap().to_owned()),
        body: response.text().await.unwrap(),
    }
}

fn location(response: &reqwest::Response) -> Url {
    Url::parse(response.headers()[LOCATION].to_str().unwrap()).unwrap()
}

impl SignInHub {
    /// `GET /signin`: the address of Intercom's authorize page it sends the browser to.
    async fn begin(&self, side: &AppSide) -> Url {
        let url = format!(
            "{}/signin?port={PORT}&state={}&code_challenge={}&code_challenge_method=S256",
            self.base, side.state, side.challenge
        );
        let response = get(&self.browser, &url).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{url}");
        location(&response)
    }

    /// The authorize page and the hub's callback: the app's loopback redirect, or the page the
    /// browser stopped on.
    async fn through_intercom(&self, authorize: &Url) -> Result<Url, Stopped> {
        let approved = get(&self.browser, authorize.as_str()).await;
        assert_eq!(
            approved.status(),
            StatusCode::FOUND,
            "the authorize page redirects"
        );
        let callback = location(&approved);
        assert_eq!(
            callback.as_str().split('?').next().unwrap(),
            format!("{}/signin/callback", self.base)
        );
        self.callback(callback.as_str()).await
    }

    async fn callback(&self, url: &str) -> Result<Url, Stopped> {
        let answer = get(&self.browser, url).await;
        if answer.status() == StatusCode::SEE_OTHER {
            Ok(location(&answer))
        } else {
            Err(stopped(answer).await)
        }
    }

    /// A refusal handed to the app's loopback listener: its error code and words, checked for
    /// the app's own state and the absence of a code.
    fn refusal_of(&self, side: &AppSide, redirect: &Url) -> (String, String) {
        assert_eq!(redirect.host_str(), Some("127.0.0.1"));
        assert_eq!(redirect.port(), Some(PORT));
        assert_eq!(redirect.path(), "/signed-in");
        assert_eq!(
            query(redirect, "state").as_deref(),
            Some(side.state.as_str())
        );
        assert_eq!(query(redirect, "code"), None, "a refusal carries no code");
        (
            query(redirect, "error").expect("an error code"),
            query(redirect, "error_description").expect("the refusal in words"),
        )
    }

    /// Signs in and expects the app to be told it was refused: the error and its words.
    async fn refused(&self) -> (String, String) {
        let side = app_side();
        let redirect = self
            .browse(&side)
            .await
            .expect("a refusal goes back to the app");
        self.refusal_of(&side, &redirect)
    }

    /// The whole browser's part: `/signin`, Intercom, the callback.
    async fn browse(&self, side: &AppSide) -> Result<Url, Stopped> {
        let authorize = self.begin(side).await;
        self.through_intercom(&authorize).await
    }

    /// The app's `POST /api/v1/signin/token`.
    async fn redeem(&self, code: &str, verifier: &str) -> (StatusCode, Value) {
        self.post(
            "/api/v1/signin/token",
            json!({"code": code, "code_verifier": verifier}),
        )
        .await
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .browser
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap())
    }

    /// The app's loopback redirect's code, checked for the app's own state.
    fn code_of(&self, side: &AppSide, redirect: &Url) -> String {
        assert_eq!(redirect.host_str(), Some("127.0.0.1"));
        assert_eq!(redirect.port(), Some(PORT));
        assert_eq!(redirect.path(), "/signed-in");
        assert_eq!(
            query(redirect, "state").as_deref(),
            Some(side.state.as_str())
        );
        query(redirect, "code").expect("a code")
    }

    /// Signs in all the way; the token and email the app gets.
    async fn sign_in(&self) -> (String, String) {
        let side = app_side();
        let redirect = self.browse(&side).await.expect("the sign-in goes through");
        let code = self.code_of(&side, &redirect);
        let (status, body) = self.redeem(&code, &side.verifier).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        (
            body["token"].as_str().unwrap().to_owned(),
            body["email"].as_str().unwrap().to_owned(),
        )
    }

    async fn calls_with(&self, token: &str) -> StatusCode {
        self.browser
            .get(format!("{}/api/v1/calls", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
    }

    /// The database's bytes on disk, the write-ahead log included.
    fn db_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for suffix in ["", "-wal"] {
            let path = self.dir.path().join(format!("{DB_FILE}{suffix}"));
            if let Ok(b) = std::fs::read(path) {
                bytes.extend(b);
            }
        }
        bytes
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn signing_in_with_intercom_ends_with_a_working_agent_token() {
    let app = TestApp::demo().await;
    let hub = start(&app, true, vec![]).await;
    let side = app_side();
    let authorize = hub.begin(&side).await;
    assert_eq!(authorize.path(), "/oauth");
    assert_eq!(query(&authorize, "client_id").as_deref(), Some(CLIENT_ID));
    assert_eq!(
        query(&authorize, "redirect_uri"),
        Some(format!("{}/signin/callback", hub.base))
    );
    assert_ne!(
        query(&authorize, "state"),
        Some(side.state.clone()),
        "the hub sends Intercom a state of its own"
    );
    let redirect = hub.through_intercom(&authorize).await.unwrap();
    let code = hub.code_of(&side, &redirect);
    assert!(!redirect.as_str().contains(&side.challenge));

    let (status, body) = hub.redeem(&code, &side.verifier).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["email"], "bob@acme.io", "the demo's first teammate");
    let token = body["token"].as_str().unwrap();
    assert_eq!(hub.calls_with(token).await, StatusCode::OK);

    // The code worked once.
    let (status, body) = hub.redeem(&code, &side.verifier).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "invalid_code");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("used already"));

    let agents = hub.hub.store().agents().unwrap();
    let bob = agents.iter().find(|a| a.email == "bob@acme.io").unwrap();
    assert_eq!(bob.joined, Joined::OAuth);
    assert!(bob.last_seen_at.is_some(), "the request was seen");
    assert!(!bob.admin);

    // Signing in again gives a fresh token; the old one stops working.
    let (second, _) = hub.sign_in().await;
    assert_ne!(second, token);
    assert_eq!(hub.calls_with(token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(hub.calls_with(&second).await, StatusCode::OK);

    // Intercom's tokens were used once and never stored; nor were the hub's codes or tokens.
    let issued = app.sandbox.intercom_oauth().issued_tokens();
    assert_eq!(issued.len(), 2);
    hub.hub.store().checkpoint_truncate().ok();
    let bytes = hub.db_bytes();
    assert!(bytes.len() > 4096, "the database was read");
    for secret in issued
        .iter()
        .map(String::as_str)
        .chain([code.as_str(), token, second.as_str()])
    {
        assert!(!contains(&bytes, secret), "{secret} is in the database");
    }
    assert_eq!(
        app.sandbox.intercom_oauth().exchanges(),
        vec![ExchangeShape::Form, ExchangeShape::Form],
        "a form body first"
    );
}

#[tokio::test]
async fn the_exchange_finds_the_shape_intercom_takes() {
    let app = TestApp::demo().await;
    let hub = start(&app, true, vec![]).await;
    let oauth = app.sandbox.intercom_oauth();
    for shape in [ExchangeShape::Json, ExchangeShape::Query] {
        oauth.accept_only(Some(shape));
        let (token, _) = hub.sign_in().await;
        assert_eq!(hub.calls_with(&token).await, StatusCode::OK);
    }
    assert_eq!(
        oauth.exchanges(),
        vec![ExchangeShape::Json, ExchangeShape::Query]
    );
}

#[tokio::test]
async fn a_forged_replayed_or_stale_state_is_refused_in_words() {
    let app = TestApp::demo().await;
    let hub = start(&app, true, vec![]).await;

    // A state the hub never sent.
    let forged = hub
        .callback(&format!(
            "{}/signin/callback?code=abc&state=forged",
            hub.base
        ))
        .await
        .unwrap_err();
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    assert!(
        forged.body.contains("unknown or older than ten minutes"),
        "{}",
        forged.body
    );
    assert!(forged.body.contains("<h1>"), "an HTML page");
    let csp = forged.csp.expect("a Content-Security-Policy");
    assert!(csp.contains("default-src 'none'"), "{csp}");

    // Intercom's answer replayed: the state worked once.
    let side = app_side();
    let authorize = hub.begin(&side).await;
    let approved = get(&hub.browser, authorize.as_str()).await;
    let callback = location(&approved);
    assert!(hub.callback(callback.as_str()).await.is_ok());
    let replayed = hub.callback(callback.as_str()).await.unwrap_err();
    assert_eq!(replayed.status, StatusCode::BAD_REQUEST);
    assert!(replayed.body.contains("unknown or older"));

    // Intercom came back after the ten minutes.
    let side = app_side();
    let authorize = hub.begin(&side).await;
    hub.clock.advance(Duration::from_secs(601));
    let stale = hub.through_intercom(&authorize).await.unwrap_err();
    assert_eq!(stale.status, StatusCode::BAD_REQUEST);
    assert!(stale.body.contains("older than ten minutes"));
}

#[tokio::test]
async fn a_hub_code_needs_its_verifier_and_expires_after_two_minutes() {
    let app = TestApp::demo().await;
    let hub = start(&app, true, vec![]).await;

    let side = app_side();
    let code = hub.code_of(&side, &hub.browse(&side).await.unwrap());
    let (status, body) = hub.redeem(&code, &app_side().verifier).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "invalid_verifier");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("does not match"));
    // A wrong verifier used the code: the right one comes too late.
    let (status, body) = hub.redeem(&code, &side.verifier).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let side = app_side();
    let code = hub.code_of(&side, &hub.browse(&side).await.unwrap());
    hub.clock.advance(Duration::from_secs(121));
    let (status, body) = hub.redeem(&code, &side.verifier).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{body}"
    );

    let (status, body) = hub.redeem("never-issued", &side.verifier).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("unknown"));
    assert!(
        hub.hub.store().agents().unwrap().is_empty(),
        "no token was issued"
    );
}

#[tokio::test]
async fn only_teammates_of_the_hubs_workspace_who_approved_get_in() {
    let app = TestApp::demo().await;
    let hub = start(&app, true, vec![]).await;
    let oauth = app.sandbox.intercom_oauth();

    oauth.set_approval(Approval::Outsider {
        email: "eve@rival.io".into(),
        workspace_id: "rival01".into(),
    });
    let (error, words) = hub.refused().await;
    assert_eq!(error, "access_denied");
    assert!(
        words.contains("eve@rival.io belongs to another Intercom workspace"),
        "{words}"
    );

    // What Intercom says goes to the app as data (the app escapes it on its page).
    oauth.set_approval(Approval::Outsider {
        email: "<script>alert(1)</script>@rival.io".into(),
        workspace_id: "rival01".into(),
    });
    let (_, words) = hub.refused().await;
    assert!(
        words.starts_with("<script>alert(1)</script>@rival.io belongs"),
        "{words}"
    );

    oauth.set_approval(Approval::Refuse);
    let (error, words) = hub.refused().await;
    assert_eq!(error, "access_denied");
    assert!(words.contains("did not approve"), "{words}");
    assert!(words.contains("access_denied"), "{words}");

    assert!(hub.hub.store().agents().unwrap().is_empty());
}

#[tokio::test]
async fn the_list_narrows_who_may_sign_in_by_email_or_team() {
    let app = TestApp::demo().await;
    let oauth = app.sandbox.intercom_oauth();
    let hub = start(
        &app,
        true,
        vec![
            Allowed::parse("Alice.Durand@acme.io").unwrap(),
            Allowed::parse("team:5150").unwrap(),
        ],
    )
    .await;

    // Bob (the default) is neither on the list nor in the team.
    let (error, words) = hub.refused().await;
    assert_eq!(error, "access_denied");
    assert!(words.contains("bob@acme.io may not sign in"), "{words}");

    oauth.set_approval(Approval::Admin("991267702".into()));
    let (_, email) = hub.sign_in().await;
    assert_eq!(email, "alice.durand@acme.io");

    oauth.set_approval(Approval::Admin("991267704".into()));
    oauth.set_teams("991267704", &["77", "5150"]);
    let (_, email) = hub.sign_in().await;
    assert_eq!(email, "david@acme.io", "a member of the team");

    oauth.set_teams("991267704", &["77"]);
    let (_, words) = hub.refused().await;
    assert!(words.contains("david@acme.io may not sign in"), "{words}");
}

#[tokio::test]
async fn an_invitation_gives_a_token_once_and_is_refused_in_words_after() {
    let app = TestApp::demo().await;
    // Invitations work without an OAuth app.
    let hub = start(&app, false, vec![]).await;
    let store = hub.hub.store().clone();
    let now = hub.clock.clock()();

    let code = signin::invite(&store, "New.Agent@acme.io", false, 7, now).unwrap();
    let link = signin::join_link(&hub.base, &code);
    let link = Url::parse(&link).unwrap();
    assert_eq!(link.scheme(), "ringside");
    assert_eq!(query(&link, "hub").as_deref(), Some(hub.base.as_str()));
    let (status, body) = hub
        .post(
            "/api/v1/join",
            json!({"code": query(&link, "code").unwrap()}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["email"], "new.agent@acme.io");
    assert_eq!(
        hub.calls_with(body["token"].as_str().unwrap()).await,
        StatusCode::OK
    );
    let agent = store.agents().unwrap().pop().unwrap();
    assert_eq!(agent.joined, Joined::Invitation);

    let refusal = |body: &Value| body["error"]["message"].as_str().unwrap().to_owned();
    let (status, body) = hub
        .post("/api/v1/join", json!({"code": code.expose()}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "invalid_invitation");
    assert!(refusal(&body).contains("used already"));

    let late = signin::invite(&store, "late@acme.io", false, 1, now).unwrap();
    let revoked = signin::invite(&store, "gone@acme.io", false, 7, now).unwrap();
    assert!(store.revoke_agent("gone@acme.io").unwrap());
    hub.clock.advance(Duration::from_secs(86_401));
    let (_, body) = hub
        .post("/api/v1/join", json!({"code": late.expose()}))
        .await;
    assert!(refusal(&body).contains("expired"), "{body}");
    let (_, body) = hub
        .post("/api/v1/join", json!({"code": revoked.expose()}))
        .await;
    assert!(refusal(&body).contains("revoked"), "{body}");
    let (_, body) = hub.post("/api/v1/join", json!({"code": "made-up"})).await;
    assert!(refusal(&body).contains("unknown"), "{body}");
    hub.hub.store().checkpoint_truncate().ok();
    assert!(
        !contains(&hub.db_bytes(), code.expose()),
        "codes are kept hashed"
    );
}

#[tokio::test]
async fn without_its_settings_sign_in_says_it_is_not_configured() {
    let app = TestApp::demo().await;
    let hub = start(&app, false, vec![]).await;
    let side = app_side();
    let page = stopped(
        get(
            &hub.browser,
            &format!(
                "{}/signin?port={PORT}&state={}&code_challenge={}",
                hub.base, side.state, side.challenge
            ),
        )
        .await,
    )
    .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.body.contains("Sign-in is not configured"),
        "{}",
        page.body
    );
    let (status, body) = hub.redeem("x", &side.verifier).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "signin_off");
}

#[tokio::test]
async fn a_malformed_start_is_refused_in_words() {
    let app = TestApp::demo().await;
    let hub = start(&app, true, vec![]).await;
    let side = app_side();
    for (query, words) in [
        (
            format!("state={}&code_challenge={}", side.state, side.challenge),
            "`port`",
        ),
        (
            format!("port={PORT}&state={}&code_challenge=short", side.state),
            "`code_challenge`",
        ),
        (
            format!(
                "port={PORT}&state={}&code_challenge={}&code_challenge_method=plain",
                side.state, side.challenge
            ),
            "use S256",
        ),
        (
            format!("port={PORT}&code_challenge={}", side.challenge),
            "`state`",
        ),
    ] {
        let page = stopped(get(&hub.browser, &format!("{}/signin?{query}", hub.base)).await).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(page.body.contains(words), "{query}: {}", page.body);
    }
}

/// `ringside-cli agents …` on the hub's data directory: its standard output.
fn cli(hub: &SignInHub, args: &[&str]) -> String {
    let output = std::process::Command::new(cli_binary())
        .arg("agents")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RINGSIDE_DATA_DIR", hub.dir.path())
        .env("RINGSIDE_PUBLIC_URL", &hub.base)
        .output()
        .expect("ringside-cli runs");
    assert!(
        output.status.success(),
        "agents {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_invites_lists_how_each_joined_and_revokes_open_invitations() {
    let app = TestApp::demo().await;
    let hub = start(&app, true, vec![]).await;
    let printed = cli(&hub, &["invite", "Invited@acme.io", "--days", "2"]);
    let link = printed
        .lines()
        .find(|l| l.starts_with("ringside://join?"))
        .expect("a ringside:// link");
    let link = Url::parse(link).unwrap();
    assert_eq!(query(&link, "hub").as_deref(), Some(hub.base.as_str()));
    let code = query(&link, "code").unwrap();
    let web = format!("{}/join?code={code}", hub.base);
    assert!(printed.contains(&web), "{printed}");

    // The web form is a page linking to the app's link; it does not use the code.
    let page = stopped(get(&hub.browser, &web).await).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("href=\"ringside://join?hub="),
        "{}",
        page.body
    );

    let listed = cli(&hub, &["list"]);
    assert!(
        listed.contains("invited@acme.io\tagent\tinvited"),
        "{listed}"
    );
    let (status, body) = hub.post("/api/v1/join", json!({ "code": code })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        hub.calls_with(body["token"].as_str().unwrap()).await,
        StatusCode::OK
    );
    let (_, _) = hub.sign_in().await;
    let listed = cli(&hub, &["list"]);
    let line = |email: &str| {
        listed
            .lines()
            .find(|l| l.starts_with(email))
            .unwrap_or_else(|| panic!("{email} in {listed}"))
            .to_owned()
    };
    assert!(
        line("invited@acme.io").contains("joined by invitation"),
        "{listed}"
    );
    assert!(line("invited@acme.io").contains("last seen"), "{listed}");
    assert!(line("bob@acme.io").contains("joined by oauth"), "{listed}");
    assert!(line("bob@acme.io").contains("never seen"), "{listed}");

    let second = cli(&hub, &["invite", "later@acme.io"]);
    let code = second
        .lines()
        .find_map(|l| l.strip_prefix("ringside://join?"))
        .and_then(|q| q.split("code=").nth(1))
        .unwrap()
        .to_owned();
    assert!(cli(&hub, &["revoke", "later@acme.io"]).contains("Revoked"));
    let (status, body) = hub.post("/api/v1/join", json!({ "code": code })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("revoked"));
}

#[tokio::test]
async fn guessing_codes_meets_a_rate_limit_and_a_body_limit() {
    let app = TestApp::demo().await;
    let hub = start(&app, true, vec![]).await;
    let mut statuses = Vec::new();
    for _ in 0..60 {
        let (status, _) = hub.post("/api/v1/join", json!({"code": "guess"})).await;
        statuses.push(status);
    }
    assert!(statuses.iter().all(|s| *s == StatusCode::BAD_REQUEST));
    let (status, body) = hub.post("/api/v1/join", json!({"code": "guess"})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "too_many_requests");
    // Each route has its own budget: the app's redemption still answers.
    let (status, _) = hub.redeem("guess", &app_side().verifier).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, body) = hub
        .post(
            "/api/v1/signin/token",
            json!({"code": "x".repeat(5000), "code_verifier": "v"}),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
}
