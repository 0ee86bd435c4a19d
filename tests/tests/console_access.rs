//! Who gets into the admin console, over real HTTP against a hub on loopback and the sandbox's
//! fake Intercom OAuth, the test playing the browser (cookies and redirects by hand) or a
//! script (a bearer token): an agent's token is refused on every console route; nobody signed
//! in is sent to the sign-in page (a browser) or refused with 401 (a script); an admin's token
//! opens every page and, exchanged on the sign-in form, gives a session cookie that a form
//! needs its CSRF token and the hub's own origin to use; signing out ends it; signing in with
//! Intercom gives an admin a session and tells a teammate who is not one why, in words; every
//! answer carries the console's Content-Security-Policy, and the pages speak French to a
//! French browser.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::header::{
    HeaderMap, ACCEPT, ACCEPT_LANGUAGE, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, LOCATION,
    ORIGIN, REFERER, SET_COOKIE,
};
use reqwest::{Method, StatusCode};
use ringside_core::hub::{console_routes, Hub};
use ringside_core::rules::Settings;
use ringside_core::signin::SignInConfig;
use ringside_core::store::Store;
use ringside_core::Secret;
use ringside_sandbox::intercom::{Approval, CLIENT_ID, CLIENT_SECRET};
use ringside_tests::hubs::hub_config;
use ringside_tests::{TestApp, TestClock};
use url::Url;

/// The teammate on the hub's admin list (the demo's Alice Durand, Intercom admin 991267702).
const ADMIN_EMAIL: &str = "alice.durand@acme.io";
const ADMIN_TEAMMATE: &str = "991267702";

/// A hub with sign-in on, an admin token and an agent token.
struct Console {
    hub: Hub,
    base: String,
    admin_token: String,
    agent_token: String,
    /// The hub's clock, which the test moves.
    clock: TestClock,
    /// A client that follows no redirect and keeps no cookie: the test carries them.
    http: reqwest::Client,
}

async fn start(app: &TestApp) -> Console {
    let store = Store::open_in_memory().unwrap();
    let admin_token = store
        .add_agent_with("boss@acme.io", true, 1)
        .unwrap()
        .expose()
        .to_owned();
    let agent_token = store
        .add_agent_with("agent@acme.io", false, 1)
        .unwrap()
        .expose()
        .to_owned();
    let mut console = start_on(app, store, &[ADMIN_EMAIL]).await;
    console.admin_token = admin_token;
    console.agent_token = agent_token;
    console
}

/// A hub with sign-in on, on this store, with these admins (the tokens left empty).
async fn start_on(app: &TestApp, store: Store, admins: &[&str]) -> Console {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let clock = TestClock::default();
    let mut config = hub_config(app, Settings::default(), store);
    config.clock = clock.clock();
    config.signin = Some(SignInConfig {
        public_url: Url::parse(&base).unwrap(),
        client_id: CLIENT_ID.to_owned(),
        client_secret: Secret::new(CLIENT_SECRET),
        app_url: Url::parse(&app.sandbox.intercom_url()).unwrap(),
        allow: vec![],
        admins: admins.iter().map(|a| a.to_string()).collect(),
    });
    let hub = Hub::start(config, listener).await.unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Console {
        hub,
        base,
        admin_token: String::new(),
        agent_token: String::new(),
        clock,
        http,
    }
}

/// A route's path with each `{param}` filled with a dummy value.
fn filled(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "1"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// An answer, read whole.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: impl reqwest::header::AsHeaderName) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// The `Set-Cookie` line for `name`.
    fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|v| v.starts_with(&format!("{name}=")))
    }

    /// The value the answer gives the cookie `name`.
    fn cookie_value(&self, name: &str) -> Option<String> {
        let line = self.set_cookie(name)?;
        let pair = line.split(';').next()?;
        Some(pair.split_once('=')?.1.to_owned())
    }

    /// The value of the page's first hidden `csrf` field.
    fn csrf_field(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let at = self.body.find(marker).expect("a csrf field") + marker.len();
        self.body[at..].split('"').next().unwrap().to_owned()
    }

    /// Checks the console's CSP (and that this is not the API's JSON).
    fn assert_console(&self, what: &str) {
        let csp = self
            .header(CONTENT_SECURITY_POLICY)
            .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy ({:?})", self.headers));
        assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
        assert!(csp.contains("script-src 'none'"), "{what}: {csp}");
        assert!(
            !self
                .header(CONTENT_TYPE)
                .is_some_and(|t| t.starts_with("application/json")),
            "{what}: the console answered JSON: {}",
            self.body
        );
    }
}

/// A request to the console, built up.
struct Ask<'a> {
    console: &'a Console,
    method: Method,
    path: String,
    headers: Vec<(reqwest::header::HeaderName, String)>,
    cookies: Vec<(String, String)>,
    form: Option<Vec<(String, String)>>,
}

impl Console {
    fn ask(&self, method: &str, path: &str) -> Ask<'_> {
        Ask {
            console: self,
            method: Method::from_bytes(method.as_bytes()).unwrap(),
            path: path.to_owned(),
            headers: Vec::new(),
            cookies: Vec::new(),
            form: None,
        }
    }

    fn get(&self, path: &str) -> Ask<'_> {
        self.ask("GET", path)
    }

    fn post(&self, path: &str) -> Ask<'_> {
        self.ask("POST", path)
    }
}

impl Ask<'_> {
    fn header(mut self, name: reqwest::header::HeaderName, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    fn bearer(self, token: &str) -> Self {
        self.header(reqwest::header::AUTHORIZATION, &format!("Bearer {token}"))
    }

    /// As a browser asks: wanting a page.
    fn browser(self) -> Self {
        self.header(ACCEPT, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
    }

    /// From the hub's own pages.
    fn own_origin(self) -> Self {
        let origin = self.console.base.clone();
        self.header(ORIGIN, &origin)
    }

    fn cookie(mut self, name: &str, value: &str) -> Self {
        self.cookies.push((name.to_owned(), value.to_owned()));
        self
    }

    fn field(mut self, name: &str, value: &str) -> Self {
        self.form
            .get_or_insert_with(Vec::new)
            .push((name.to_owned(), value.to_owned()));
        self
    }

    async fn send(self) -> Answer {
        let url = format!("{}{}", self.console.base, self.path);
        let mut request = self.console.http.request(self.method.clone(), &url);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        if !self.cookies.is_empty() {
            let line = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            request = request.header(COOKIE, line);
        }
        if let Some(form) = &self.form {
            request = request.form(form);
        } else if self.method == Method::POST {
            request = request
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body("");
        }
        let response = request.send().await.unwrap();
        Answer {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }
}

/// The sign-in routes, which need no session.
fn is_public(path: &str) -> bool {
    path == "/admin/signin" || path.starts_with("/admin/signin/")
}

/// A session made by exchanging the admin token on the sign-in form: the cookie's value, and
/// the `Set-Cookie` line.
async fn session_from_token(console: &Console) -> (String, String) {
    let page = console.get("/admin/signin").browser().send().await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let form_cookie = page
        .cookie_value("ringside_console_form")
        .expect("the form's CSRF cookie");
    assert_eq!(
        page.csrf_field(),
        form_cookie,
        "the field and the cookie pair"
    );
    let answer = console
        .post("/admin/signin/token")
        .browser()
        .own_origin()
        .cookie("ringside_console_form", &form_cookie)
        .field("csrf", &form_cookie)
        .field("token", &console.admin_token)
        .send()
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.header(LOCATION), Some("/admin"));
    answer.assert_console("the exchange");
    let line = answer
        .set_cookie("ringside_console")
        .expect("a session cookie");
    (answer.cookie_value("ringside_console").unwrap(), line)
}

/// The session's CSRF token, as its pages carry it.
async fn csrf_of(console: &Console, session: &str) -> String {
    let page = console
        .get("/admin")
        .browser()
        .cookie("ringside_console", session)
        .send()
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.csrf_field()
}

#[tokio::test]
async fn an_agent_token_is_refused_on_every_console_route() {
    let app = TestApp::demo().await;
    let console = start(&app).await;
    let routes = console_routes();
    assert!(routes.len() >= 11, "{routes:?}");
    for (method, path) in routes {
        for as_browser in [false, true] {
            let mut ask = console
                .ask(method, &filled(path))
                .bearer(&console.agent_token)
                .own_origin();
            if as_browser {
                ask = ask.browser();
            }
            if method == "POST" {
                ask = ask.field("csrf", "whatever");
            }
            let answer = ask.send().await;
            assert_eq!(
                answer.status,
                StatusCode::FORBIDDEN,
                "{method} {path} (browser: {as_browser}): {}",
                answer.body
            );
            answer.assert_console(&format!("{method} {path}"));
            assert!(
                answer.body.contains("admin"),
                "{method} {path}: the refusal says why: {}",
                answer.body
            );
        }
    }
}

#[tokio::test]
async fn without_credentials_a_browser_goes_to_sign_in_and_a_script_gets_401() {
    let app = TestApp::demo().await;
    let console = start(&app).await;
    for (method, path) in console_routes().into_iter().filter(|(_, p)| !is_public(p)) {
        let path = filled(path);
        let browser = console
            .ask(method, &path)
            .browser()
            .own_origin()
            .send()
            .await;
        assert_eq!(
            browser.status,
            StatusCode::SEE_OTHER,
            "{method} {path}: {}",
            browser.body
        );
        assert_eq!(
            browser.header(LOCATION),
            Some("/admin/signin"),
            "{method} {path}"
        );
        browser.assert_console(&format!("{method} {path}"));

        let script = console.ask(method, &path).send().await;
        assert_eq!(
            script.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}: {}",
            script.body
        );
        script.assert_console(&format!("{method} {path}"));
        assert!(script.body.contains("admin token"), "{}", script.body);
    }
    // A token the hub does not know is no admin's, and the sign-in page does not send the
    // browser back to itself.
    let unknown = console
        .get("/admin/signin")
        .browser()
        .bearer("rs_unknown")
        .send()
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    // A cookie the hub never gave is no session either.
    let forged = console
        .get("/admin")
        .browser()
        .cookie("ringside_console", "made-up")
        .send()
        .await;
    assert_eq!(forged.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_admin_token_opens_every_page() {
    let app = TestApp::demo().await;
    let console = start(&app).await;
    let gets: Vec<_> = console_routes()
        .into_iter()
        .filter(|(m, _)| *m == "GET")
        .collect();
    assert!(gets.len() >= 8, "{gets:?}");
    for (_, path) in gets {
        let path = filled(path);
        let answer = console
            .get(&path)
            .bearer(&console.admin_token)
            .browser()
            .send()
            .await;
        assert!(
            !matches!(
                answer.status,
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
            ) && !answer.status.is_server_error(),
            "GET {path}: {} {}",
            answer.status,
            answer.body
        );
        answer.assert_console(&format!("GET {path}"));
    }
    let overview = console
        .get("/admin")
        .bearer(&console.admin_token)
        .send()
        .await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(overview.body.contains("boss@acme.io"), "who is signed in");
    let style = console.get("/admin/static/console.css").send().await;
    assert_eq!(style.status, StatusCode::OK);
    assert!(style.header(CONTENT_TYPE).unwrap().starts_with("text/css"));
    style.assert_console("the style sheet");
}

#[tokio::test]
async fn the_admin_token_exchanged_on_the_form_gives_a_strict_session_cookie() {
    let app = TestApp::demo().await;
    let console = start(&app).await;
    let (session, line) = session_from_token(&console).await;
    for attribute in [
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/admin",
        "Max-Age=43200",
    ] {
        assert!(
            line.split(';').any(|a| a.trim() == attribute),
            "{attribute} in {line}"
        );
    }
    assert_eq!(session.len(), 43, "a random id: {session}");

    let page = console
        .get("/admin")
        .browser()
        .cookie("ringside_console", &session)
        .send()
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_console("the overview");
    assert!(page.body.contains("boss@acme.io"));
    assert!(page.body.contains("action=\"/admin/signout\""));

    // Each page sends the cookie again, for as long again.
    let again = page
        .set_cookie("ringside_console")
        .expect("the cookie again");
    assert!(again.contains("Max-Age=43200"), "{again}");
    // Signed in, the sign-in page goes on to the console.
    let signin = console
        .get("/admin/signin")
        .browser()
        .cookie("ringside_console", &session)
        .send()
        .await;
    assert_eq!(signin.status, StatusCode::SEE_OTHER);
    assert_eq!(signin.header(LOCATION), Some("/admin"));

    // The sign-in is recorded with who did it.
    let stored: Vec<String> = console
        .hub
        .store()
        .recent_actions(10)
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(stored.contains(&"sign_in".to_owned()), "{stored:?}");

    // A wrong token, an agent's token, a form without its cookie: the page again, in words.
    let form = console.get("/admin/signin").browser().send().await;
    let form_cookie = form.cookie_value("ringside_console_form").unwrap();
    let wrong = console
        .post("/admin/signin/token")
        .browser()
        .own_origin()
        .cookie("ringside_console_form", &form_cookie)
        .field("csrf", &form_cookie)
        .field("token", "rs_not-a-token")
        .send()
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong.body.contains("does not know this token"),
        "{}",
        wrong.body
    );
    assert!(wrong.set_cookie("ringside_console").is_none());
    wrong.assert_console("a wrong token");

    let agents = console
        .post("/admin/signin/token")
        .browser()
        .own_origin()
        .cookie("ringside_console_form", &form_cookie)
        .field("csrf", &form_cookie)
        .field("token", &console.agent_token)
        .send()
        .await;
    assert_eq!(agents.status, StatusCode::FORBIDDEN);
    assert!(
        agents.body.contains("agent@acme.io") && agents.body.contains("not an admin"),
        "{}",
        agents.body
    );

    let no_cookie = console
        .post("/admin/signin/token")
        .browser()
        .own_origin()
        .field("csrf", &form_cookie)
        .field("token", &console.admin_token)
        .send()
        .await;
    assert_eq!(no_cookie.status, StatusCode::FORBIDDEN);
    assert!(no_cookie.set_cookie("ringside_console").is_none());
    assert!(no_cookie.body.contains("expired"), "{}", no_cookie.body);

    let elsewhere = console
        .post("/admin/signin/token")
        .browser()
        .header(ORIGIN, "https://evil.example")
        .cookie("ringside_console_form", &form_cookie)
        .field("csrf", &form_cookie)
        .field("token", &console.admin_token)
        .send()
        .await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    assert!(elsewhere.set_cookie("ringside_console").is_none());
}

#[tokio::test]
async fn a_session_form_needs_its_csrf_token_and_the_hubs_own_origin() {
    let app = TestApp::demo().await;
    let console = start(&app).await;
    let (session, _) = session_from_token(&console).await;
    let csrf = csrf_of(&console, &session).await;
    let post = |origin: Option<(reqwest::header::HeaderName, &str)>, csrf: Option<&str>| {
        let mut ask = console
            .post("/admin/lang")
            .browser()
            .cookie("ringside_console", &session)
            .field("lang", "fr")
            .field("back", "/admin/calls");
        if let Some((name, value)) = origin {
            ask = ask.header(name, value);
        }
        if let Some(csrf) = csrf {
            ask = ask.field("csrf", csrf);
        }
        ask.send()
    };

    let without = post(Some((ORIGIN, &console.base)), None).await;
    assert_eq!(without.status, StatusCode::FORBIDDEN);
    assert!(without.body.contains("security token"), "{}", without.body);
    without.assert_console("no CSRF token");
    let stale = post(Some((ORIGIN, &console.base)), Some("stale")).await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);

    // Another port of the same host is another origin.
    let next_door = post(Some((ORIGIN, "http://127.0.0.1:1")), Some(&csrf)).await;
    assert_eq!(next_door.status, StatusCode::FORBIDDEN);
    let evil = post(Some((ORIGIN, "https://evil.example")), Some(&csrf)).await;
    assert_eq!(evil.status, StatusCode::FORBIDDEN, "{}", evil.body);
    assert!(evil.body.contains("another site"), "{}", evil.body);
    evil.assert_console("another origin");
    let evil_referer = post(
        Some((REFERER, "https://evil.example/admin/calls")),
        Some(&csrf),
    )
    .await;
    assert_eq!(evil_referer.status, StatusCode::FORBIDDEN);
    let unsaid = post(None, Some(&csrf)).await;
    assert_eq!(unsaid.status, StatusCode::FORBIDDEN);
    assert!(unsaid.body.contains("Origin"), "{}", unsaid.body);
    assert!(
        unsaid.set_cookie("ringside_lang").is_none(),
        "nothing changed"
    );

    // From the hub's own page (its Referer will do), the switch works and goes back.
    let referer = format!("{}/admin/calls", console.base);
    let switched = post(Some((REFERER, &referer)), Some(&csrf)).await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER, "{}", switched.body);
    assert_eq!(switched.header(LOCATION), Some("/admin/calls"));
    let lang = switched.set_cookie("ringside_lang").unwrap();
    assert!(lang.starts_with("ringside_lang=fr;"), "{lang}");
    let french = console
        .get("/admin")
        .browser()
        .cookie("ringside_console", &session)
        .cookie("ringside_lang", "fr")
        .send()
        .await;
    assert!(french.body.contains("<html lang=\"fr\""));
    assert!(french.body.contains("Se déconnecter"));

    // The switch goes back to the console only.
    let away = console
        .post("/admin/lang")
        .browser()
        .own_origin()
        .cookie("ringside_console", &session)
        .field("csrf", &csrf)
        .field("lang", "en")
        .field("back", "//evil.example/admin")
        .send()
        .await;
    assert_eq!(away.status, StatusCode::SEE_OTHER);
    assert_eq!(away.header(LOCATION), Some("/admin"));
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = TestApp::demo().await;
    let console = start(&app).await;
    let (session, _) = session_from_token(&console).await;
    let csrf = csrf_of(&console, &session).await;
    let out = console
        .post("/admin/signout")
        .browser()
        .own_origin()
        .cookie("ringside_console", &session)
        .field("csrf", &csrf)
        .send()
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
    assert_eq!(out.header(LOCATION), Some("/admin/signin"));
    let cleared = out.set_cookie("ringside_console").unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let after = console
        .get("/admin")
        .browser()
        .cookie("ringside_console", &session)
        .send()
        .await;
    assert_eq!(
        after.status,
        StatusCode::SEE_OTHER,
        "the old cookie opens nothing"
    );
    assert_eq!(after.header(LOCATION), Some("/admin/signin"));

    // A session made from a token ends when the token is no longer an admin's.
    let (session, _) = session_from_token(&console).await;
    let store = console.hub.store().clone();
    store.add_agent_with("boss@acme.io", false, 2).unwrap();
    let demoted = console
        .get("/admin")
        .browser()
        .cookie("ringside_console", &session)
        .send()
        .await;
    assert_eq!(demoted.status, StatusCode::FORBIDDEN);
    assert!(
        demoted.body.contains("no longer an admin"),
        "{}",
        demoted.body
    );
    assert!(demoted
        .set_cookie("ringside_console")
        .unwrap()
        .contains("Max-Age=0"));
    let again = console
        .get("/admin")
        .cookie("ringside_console", &session)
        .send()
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNAUTHORIZED,
        "the session is gone"
    );
}

/// Signs in with Intercom as the sandbox approves; the callback's answer.
async fn through_intercom(console: &Console, lang: &str, keep_state: bool) -> Answer {
    let start = console
        .get("/admin/signin/intercom")
        .browser()
        .header(ACCEPT_LANGUAGE, lang)
        .send()
        .await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.body);
    start.assert_console("the start");
    let authorize = Url::parse(start.header(LOCATION).unwrap()).unwrap();
    assert_eq!(authorize.path(), "/oauth");
    let state_line = start.set_cookie("ringside_console_oauth").unwrap();
    assert!(state_line.contains("Path=/signin/callback"), "{state_line}");
    assert!(state_line.contains("HttpOnly"), "{state_line}");
    let state = start.cookie_value("ringside_console_oauth").unwrap();

    let approved = console.http.get(authorize).send().await.unwrap();
    assert_eq!(approved.status(), StatusCode::FOUND);
    let callback = Url::parse(approved.headers()[LOCATION].to_str().unwrap()).unwrap();
    assert_eq!(callback.path(), "/signin/callback");
    let mut ask = console
        .get(&format!("/signin/callback?{}", callback.query().unwrap()))
        .browser()
        .header(ACCEPT_LANGUAGE, lang);
    if keep_state {
        ask = ask.cookie("ringside_console_oauth", &state);
    }
    ask.send().await
}

#[tokio::test]
async fn signing_in_with_intercom_gives_an_admin_a_session_and_tells_others_why_not() {
    let app = TestApp::demo().await;
    let console = start(&app).await;
    let oauth = app.sandbox.intercom_oauth();

    oauth.set_approval(Approval::Admin(ADMIN_TEAMMATE.into()));
    let done = through_intercom(&console, "en", true).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    done.assert_console("the end of the sign-in");
    assert!(done.body.contains(ADMIN_EMAIL), "{}", done.body);
    // The cookie is SameSite=Strict: the step to /admin starts from the hub's own page.
    assert!(
        done.body
            .contains("<meta http-equiv=\"refresh\" content=\"0; url=/admin\">"),
        "{}",
        done.body
    );
    assert!(done.body.contains("href=\"/admin\""));
    let line = done.set_cookie("ringside_console").expect("a session");
    assert!(line.contains("SameSite=Strict") && line.contains("HttpOnly"));
    let session = done.cookie_value("ringside_console").unwrap();
    let page = console
        .get("/admin")
        .browser()
        .cookie("ringside_console", &session)
        .send()
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(ADMIN_EMAIL));
    assert!(done
        .set_cookie("ringside_console_oauth")
        .unwrap()
        .contains("Max-Age=0"));

    // Bob is a teammate of the workspace, not an admin of the hub: told so, in French too.
    oauth.set_approval(Approval::FirstTeammate);
    let refused = through_intercom(&console, "en", true).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("bob@acme.io is not an admin of this hub"),
        "{}",
        refused.body
    );
    assert!(refused.set_cookie("ringside_console").is_none());
    refused.assert_console("a refusal");
    let refused = through_intercom(&console, "fr-FR,fr;q=0.9", true).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused
            .body
            .contains("bob@acme.io n&#39;est pas administrateur de ce hub")
            || refused
                .body
                .contains("bob@acme.io n&#x27;est pas administrateur de ce hub"),
        "{}",
        refused.body
    );

    // Intercom's answer finished in another browser (without the state's cookie) is refused.
    oauth.set_approval(Approval::Admin(ADMIN_TEAMMATE.into()));
    let elsewhere = through_intercom(&console, "en", false).await;
    assert_eq!(
        elsewhere.status,
        StatusCode::BAD_REQUEST,
        "{}",
        elsewhere.body
    );
    assert!(
        elsewhere.body.contains("another browser"),
        "{}",
        elsewhere.body
    );
    assert!(elsewhere.set_cookie("ringside_console").is_none());

    let agents = console.hub.store().agents().unwrap();
    assert!(
        agents.iter().all(|a| a.email != ADMIN_EMAIL),
        "a console sign-in issues no agent token"
    );

    // The hub restarts with Alice off its admin list: her session ends at her next request.
    let store = console.hub.store().clone();
    console.hub.shutdown().await;
    let restarted = start_on(&app, store, &["someone.else@acme.io"]).await;
    let dropped = restarted
        .get("/admin")
        .browser()
        .cookie("ringside_console", &session)
        .send()
        .await;
    assert_eq!(dropped.status, StatusCode::FORBIDDEN, "{}", dropped.body);
    assert!(
        dropped.body.contains("no longer an admin"),
        "{}",
        dropped.body
    );
    let gone = restarted
        .get("/admin")
        .cookie("ringside_console", &session)
        .send()
        .await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_sign_in_page_speaks_the_browsers_language_and_switches_by_link() {
    let app = TestApp::demo().await;
    let console = start(&app).await;
    let french = console
        .get("/admin/signin")
        .browser()
        .header(ACCEPT_LANGUAGE, "fr-FR,fr;q=0.9,en;q=0.8")
        .send()
        .await;
    assert_eq!(french.status, StatusCode::OK);
    french.assert_console("the sign-in page");
    assert!(
        french.body.contains("<html lang=\"fr\">"),
        "{}",
        french.body
    );
    assert!(french.body.contains("Se connecter avec Intercom"));
    assert!(french.body.contains("href=\"/admin/signin?lang=en\""));

    let english = console
        .get("/admin/signin?lang=en")
        .browser()
        .header(ACCEPT_LANGUAGE, "fr")
        .send()
        .await;
    assert!(english.body.contains("<html lang=\"en\">"));
    assert!(english.body.contains("Sign in with Intercom"));
    assert!(english
        .set_cookie("ringside_lang")
        .unwrap()
        .starts_with("ringside_lang=en;"));

    let overview = console
        .get("/admin")
        .bearer(&console.admin_token)
        .header(ACCEPT_LANGUAGE, "fr")
        .send()
        .await;
    assert!(overview.body.contains("<html lang=\"fr\">"));
}

#[tokio::test]
async fn console_answers_stay_pages_not_the_apis_json() {
    let app = TestApp::demo().await;
    let console = start(&app).await;
    let missing = console
        .get("/admin/no-such-page")
        .bearer(&console.admin_token)
        .send()
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing
        .header(CONTENT_TYPE)
        .unwrap()
        .starts_with("text/html"));
    assert!(missing.body.contains("no such page"), "{}", missing.body);
    missing.assert_console("a 404");

    let wrong_method = console.get("/admin/signout").browser().send().await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    wrong_method.assert_console("a 405");

    // The API's own answers keep their JSON.
    let api = console.get("/api/v1/nothing").send().await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api
        .header(CONTENT_TYPE)
        .unwrap()
        .starts_with("application/json"));
}

/// The status of the Overview for a script with this session cookie.
async fn opens(console: &Console, session: &str) -> StatusCode {
    console
        .get("/admin")
        .cookie("ringside_console", session)
        .send()
        .await
        .status
}

#[tokio::test]
async fn a_session_lasts_its_hours_without_use_and_each_use_pushes_its_end_back() {
    use std::time::Duration;
    let app = TestApp::demo().await;
    let console = start(&app).await;
    let (session, _) = session_from_token(&console).await;
    let hours = |n: u64| Duration::from_secs(n * 3600);
    // Used every eleven hours, a twelve-hour session keeps working.
    for _ in 0..3 {
        console.clock.advance(hours(11));
        assert_eq!(opens(&console, &session).await, StatusCode::OK);
    }
    // Twelve hours without use: it is over.
    console.clock.advance(hours(12));
    assert_eq!(opens(&console, &session).await, StatusCode::UNAUTHORIZED);

    // Signing in again with a cookie held before ends that session: a new id each time.
    let (first, _) = session_from_token(&console).await;
    let page = console.get("/admin/signin").browser().send().await;
    let form = page.cookie_value("ringside_console_form").unwrap();
    let second = console
        .post("/admin/signin/token")
        .browser()
        .own_origin()
        .cookie("ringside_console_form", &form)
        .cookie("ringside_console", &first)
        .field("csrf", &form)
        .field("token", &console.admin_token)
        .send()
        .await;
    let second = second.cookie_value("ringside_console").unwrap();
    assert_ne!(first, second);
    assert_eq!(opens(&console, &first).await, StatusCode::UNAUTHORIZED);
    assert_eq!(opens(&console, &second).await, StatusCode::OK);
}
