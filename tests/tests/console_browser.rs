//! The admin console in a real browser: headless Chromium (Debian's `chromium`) driven over
//! WebDriver (`chromium-driver`), against a real hub on the sandbox. An admin signs in with
//! Intercom or an admin token and out again; a call Intercom refused shows as failed with its
//! reason and one click on "retry" logs it, once; revoking an agent closes its event stream; a
//! contact named like markup shows as text; a form without its CSRF token or sent from another
//! site changes nothing; the pages work with the keyboard and at a phone's width, in English
//! and in French. And the README's screenshots of every page, in both languages, written to
//! `src-tauri/screenshots/console/` when `RINGSIDE_SCREENSHOTS=1` (`cargo xtask screenshots`).
//!
//! The words the tests look for come from the console's own catalogs
//! (`core/locales/console/<lang>/*.ftl`), so a change of wording does not break them.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ringside_core::card::system_clock;
use ringside_core::hub::{ConsoleConfig, Hub, HubConfig, SyncSchedule};
use ringside_core::pipeline::subject::{Status, Subject, SubjectKey};
use ringside_core::rules::Settings;
use ringside_core::signin::{Allowed, SignInConfig};
use ringside_core::store::{EffectState, Store};
use ringside_core::Secret;
use ringside_sandbox::intercom::{Approval, CLIENT_ID, CLIENT_SECRET};
use ringside_sandbox::scenario::{demo as scenes, stage_at, Scenario};
use ringside_sandbox::Api;
use ringside_tests::browser::{Browser, Options};
use ringside_tests::hubs::{deliver_all, drained, hub_config, player, settle};
use ringside_tests::{demo, workspace_root, TestApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use url::Url;

/// The admin: Alice Durand, a teammate of the demo workspace, on hub.toml's admin list.
const ADMIN: &str = "alice.durand@acme.io";
/// An agent (not an admin).
const AGENT: &str = "bob.martin@acme.io";
/// The name of the demo's hostile lead.
const HOSTILE_NAME: &str = "<img src=x onerror=alert(1)>";

/// A hub on the sandbox with the console's sign-in set up, an admin token and an agent.
struct Console {
    app: TestApp,
    hub: Hub,
    base: String,
    /// The admin's token.
    admin: String,
    /// The agent's token.
    agent: String,
}

impl Console {
    async fn start() -> Console {
        Console::start_with(|_, _, _| {}).await
    }

    /// A console whose hub configuration `configure` finishes (given the sandbox and the hub's
    /// address).
    async fn start_with(configure: impl FnOnce(&TestApp, &str, &mut HubConfig)) -> Console {
        let app = TestApp::demo().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut config = hub_config(&app, Settings::default(), Store::open_in_memory().unwrap());
        config.intercom_client_secret = Some(Secret::new(CLIENT_SECRET));
        config.signin = Some(SignInConfig {
            public_url: Url::parse(&base).unwrap(),
            client_id: CLIENT_ID.to_owned(),
            client_secret: Secret::new(CLIENT_SECRET),
            app_url: Url::parse(&app.sandbox.intercom_url()).unwrap(),
            allow: vec![
                Allowed::parse(ADMIN).unwrap(),
                Allowed::parse(AGENT).unwrap(),
            ],
            admins: vec![ADMIN.into()],
        });
        configure(&app, &base, &mut config);
        let hub = Hub::start(config, listener).await.unwrap();
        let now = system_clock()();
        let admin = hub.store().add_agent_with(ADMIN, true, now).unwrap();
        let agent = hub.store().add_agent(AGENT, now).unwrap();
        Console {
            app,
            hub,
            base,
            admin: admin.expose().to_owned(),
            agent: agent.expose().to_owned(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Plays `scenario` on the hub, its last webhook `ago` seconds ago, and waits until the hub
    /// has nothing left to do now (what Intercom refused for good stays failed). The call ids.
    async fn play(&self, scenario: &Scenario, ago: i64) -> Vec<u64> {
        let calls = self.deliver(scenario, ago).await;
        drained(self.hub.store(), Duration::from_secs(20)).await;
        calls
    }

    /// Delivers `scenario`'s webhooks to the hub, its last one `ago` seconds ago, without
    /// waiting for what the hub does with them. The call ids.
    async fn deliver(&self, scenario: &Scenario, ago: i64) -> Vec<u64> {
        let staged = stage_at(&self.app.sandbox, scenario, ended_ago(scenario, ago).await)
            .expect("the scenario stages on the demo company");
        deliver_all(&player(self.hub.local_addr()), &staged.envelopes).await;
        staged.calls.values().copied().collect()
    }

    /// Waits until the call, or one of its effects, failed for good; the reason.
    async fn until_failed(&self, key: &SubjectKey) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let subject = self.hub.store().subject(key).unwrap();
            if let Some(reason) = subject
                .as_ref()
                .filter(|s| s.status == Status::Failed)
                .and_then(|s| s.reason.clone())
            {
                return reason;
            }
            let effects = self.hub.store().outbox_of(key).unwrap();
            if let Some(reason) = effects
                .iter()
                .filter(|e| e.state == EffectState::Failed)
                .find_map(|e| e.last_error.clone())
            {
                return reason;
            }
            assert!(
                Instant::now() < deadline,
                "the call never failed: {subject:?}, its effects {effects:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the call is in `status`; the call.
    async fn until_status(&self, key: &SubjectKey, status: Status) -> Subject {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let subject = self.hub.store().subject(key).unwrap();
            if let Some(subject) = subject.as_ref().filter(|s| s.status == status) {
                return subject.clone();
            }
            assert!(
                Instant::now() < deadline,
                "the call never became {status:?}: {subject:?}; last error {:?}",
                self.hub.store().outbox_last_error()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether the agent's token still works on the hub's API.
    async fn agent_token_works(&self) -> bool {
        reqwest::Client::new()
            .get(self.url("/api/v1/calls"))
            .bearer_auth(&self.agent)
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    }

    /// A browser signed in with the admin token's form, on the Overview.
    async fn signed_in(&self, options: Options) -> Browser {
        let browser = Browser::with(options).await;
        sign_in_with_token(&browser, self, &self.admin).await;
        browser
    }
}

/// When `scenario` must start for its last webhook to be `ago` seconds ago (found by staging
/// it on a sandbox of its own).
async fn ended_ago(scenario: &Scenario, ago: i64) -> i64 {
    let scratch = TestApp::demo().await;
    let staged = stage_at(&scratch.sandbox, scenario, 0).expect("the scenario stages");
    let span = staged
        .envelopes
        .iter()
        .map(|e| e.timestamp)
        .max()
        .unwrap_or(0);
    system_clock()() - ago - span
}

/// One message of the console's catalog for `lang` (`en` or `fr`), as the page shows it
/// (single-line messages without arguments).
fn words(lang: &str, key: &str) -> String {
    let dir = workspace_root()
        .join("src-tauri/core/locales/console")
        .join(lang);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            if let Some((k, v)) = line.split_once('=') {
                if k.trim() == key {
                    return v.trim().to_owned();
                }
            }
        }
    }
    panic!("no message {key} in the {lang} console catalogs");
}

/// Waits until the browser is at `path`.
async fn wait_for_path(browser: &Browser, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(8);
    loop {
        let here = browser.path().await;
        if here == path {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the browser stayed at {here}, not {path}; the page says:\n{}",
            browser.text().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Signs in on the sign-in page's token form with `token`, and waits for the Overview.
async fn sign_in_with_token(browser: &Browser, console: &Console, token: &str) {
    browser.goto(&console.url("/admin/signin")).await;
    browser.fill("#token", token).await;
    browser
        .click_css("form[action='/admin/signin/token'] button")
        .await;
    wait_for_path(browser, "/admin").await;
}

/// The `href` of the first link to a call or message whose row (or list item) mentions
/// `needle`.
async fn link_of_row(browser: &Browser, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(8);
    loop {
        let href = browser
            .run_with(
                "const links = [...document.querySelectorAll(\"main a[href^='/admin/calls/']\")]; \
                 const row = (a) => a.closest('tr, li, article, section') || a; \
                 const l = links.find(a => row(a).innerText.includes(arguments[0])); \
                 return l ? l.getAttribute('href') : null;",
                vec![serde_json::Value::String(needle.to_owned())],
            )
            .await;
        if let Some(href) = href.as_str() {
            return href.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "no link to a call whose row mentions {needle:?} on {}; the page says:\n{}",
            browser.path().await,
            browser.text().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The fields (name, value) of the first form whose action contains `action` and whose row
/// mentions `needle` (any form with that action when `needle` is empty); it gets the id
/// `under-test` so that the test can click its button.
async fn mark_form(browser: &Browser, action: &str, needle: &str) -> Vec<(String, String)> {
    let deadline = Instant::now() + Duration::from_secs(8);
    loop {
        let fields = browser
            .run_with(
                "const forms = [...document.querySelectorAll('form')]\
                   .filter(f => (f.getAttribute('action') || '').includes(arguments[0])); \
                 const row = (f) => f.closest('tr, li, article, section') || f; \
                 const f = forms.find(f => arguments[1] === '' || row(f).innerText.includes(arguments[1])); \
                 if (!f) return null; \
                 f.id = 'under-test'; \
                 return [...new FormData(f).entries()].map(([k, v]) => [k, String(v)]);",
                vec![action.into(), needle.into()],
            )
            .await;
        if let Some(list) = fields.as_array() {
            return list
                .iter()
                .map(|pair| {
                    (
                        pair[0].as_str().unwrap().to_owned(),
                        pair[1].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
        }
        assert!(
            Instant::now() < deadline,
            "no form posting to {action} in a row mentioning {needle:?} on {}; the page \
             says:\n{}",
            browser.path().await,
            browser.text().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Clicks the submit button of the form [`mark_form`] marked.
async fn submit_marked(browser: &Browser) {
    browser
        .click_css("#under-test button, #under-test input[type=submit]")
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_signs_in_with_intercom_or_an_admin_token_and_signs_out() {
    let console = Console::start().await;
    console
        .app
        .sandbox
        .intercom_oauth()
        .set_approval(Approval::Admin(demo::ALICE.into()));
    let browser = Browser::start(1280, 800).await;

    // Nobody signed in: the console sends the browser to its sign-in page.
    browser.goto(&console.url("/admin")).await;
    wait_for_path(&browser, "/admin/signin").await;
    browser
        .wait_for_text(&words("en", "signin-with-intercom"))
        .await;

    // With Intercom: the sandbox's OAuth page approves as Alice, an admin.
    browser.click_css("a[href='/admin/signin/intercom']").await;
    wait_for_path(&browser, "/admin").await;
    let overview = browser.wait_for_text(&words("en", "nav-overview")).await;
    assert!(overview.contains(ADMIN), "{overview}");
    let session = browser
        .cookie("ringside_console")
        .await
        .expect("a session cookie");
    assert_eq!(session.http_only(), Some(true), "{session:?}");
    assert_eq!(session.secure(), Some(true), "{session:?}");
    assert_eq!(
        format!("{:?}", session.same_site()),
        "Some(Strict)",
        "{session:?}"
    );

    // Signing out ends the session: the console asks to sign in again, and the old cookie no
    // longer opens it.
    browser
        .click_css("form[action='/admin/signout'] button")
        .await;
    wait_for_path(&browser, "/admin/signin").await;
    assert!(browser.cookie("ringside_console").await.is_none());
    let replayed = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(console.url("/admin"))
        .header("cookie", format!("ringside_console={}", session.value()))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status(), 303, "the old session is over");
    browser.goto(&console.url("/admin/calls")).await;
    wait_for_path(&browser, "/admin/signin").await;

    // An agent's token is refused on the form, in words.
    browser.fill("#token", &console.agent).await;
    browser
        .click_css("form[action='/admin/signin/token'] button")
        .await;
    browser.wait_for_text(AGENT).await;
    assert_eq!(browser.path().await, "/admin/signin/token");
    assert!(browser.cookie("ringside_console").await.is_none());

    // With the admin token's form.
    sign_in_with_token(&browser, &console, &console.admin).await;
    browser.wait_for_text(ADMIN).await;
    browser.close().await;
    console.hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_intercom_refused_shows_failed_with_its_reason_and_retry_logs_it_once() {
    let console = Console::start().await;
    let sandbox = &console.app.sandbox;
    let jane_conversations = || sandbox.intercom().conversations_of(demo::JANE).len();
    let before = jane_conversations();

    // The call rings and is answered (its card found Jane); Intercom refuses everything from
    // its end on: its conversation fails for good.
    let scenario = Scenario::inbound_answered(scenes::JANE, scenes::SUPPORT_FR, scenes::BOB);
    let staged = stage_at(sandbox, &scenario, ended_ago(&scenario, 60).await).unwrap();
    let call = *staged.calls.values().next().unwrap();
    let ended = staged
        .envelopes
        .iter()
        .position(|e| e.event == "call.ended")
        .expect("the call ends");
    let player = player(console.hub.local_addr());
    deliver_all(&player, &staged.envelopes[..ended]).await;
    drained(console.hub.store(), Duration::from_secs(20)).await;
    sandbox.faults().fail_next(Api::Intercom, usize::MAX, 422);
    deliver_all(&player, &staged.envelopes[ended..]).await;
    let key = SubjectKey::call(call);
    let reason = console.until_failed(&key).await;
    // Intercom's words, before the body it sent (which a page may shorten).
    let reason = reason.split(':').next().unwrap().trim().to_owned();

    let browser = console.signed_in(Options::new(1280, 800)).await;
    browser.goto(&console.url("/admin/calls")).await;
    let list = browser.wait_for_text("Jane Roe").await;
    assert!(
        list.contains(&reason),
        "the list gives the reason {reason:?}:\n{list}"
    );
    let detail = link_of_row(&browser, "Jane Roe").await;
    browser.goto(&console.url(&detail)).await;
    browser.wait_for_text(&reason).await;

    // Intercom takes requests again; the admin clicks "retry".
    sandbox.faults().clear();
    mark_form(&browser, "/retry", "").await;
    submit_marked(&browser).await;
    console.until_status(&key, Status::Logged).await;
    settle(console.hub.store(), Duration::from_secs(10)).await;
    assert_eq!(
        jane_conversations(),
        before + 1,
        "one conversation for the call"
    );

    // The page says it is logged; a second click (the form sent again from the page before)
    // changes nothing.
    browser.goto(&console.url(&detail)).await;
    let logged = console.hub.store().subject(&key).unwrap().unwrap();
    let conversation = logged.conversation_id.clone().expect("its conversation");
    browser
        .css(&format!("main a[href*='{conversation}']"))
        .await;
    browser.client().back().await.unwrap();
    browser.loaded().await;
    if browser.count("form[action$='/retry']").await > 0 {
        mark_form(&browser, "/retry", "").await;
        submit_marked(&browser).await;
    }
    settle(console.hub.store(), Duration::from_secs(10)).await;
    assert_eq!(jane_conversations(), before + 1, "still one conversation");
    let again = console.hub.store().subject(&key).unwrap().unwrap();
    assert_eq!(again.conversation_id, Some(conversation));
    browser.close().await;
    console.hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn revoking_an_agent_in_the_browser_closes_its_event_stream() {
    let console = Console::start().await;
    let mut stream = reqwest::Client::new()
        .get(console.url("/api/v1/events"))
        .bearer_auth(&console.agent)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        while let Ok(Some(_)) = stream.chunk().await {}
        let _ = closed_tx.send(Instant::now());
    });

    let browser = console.signed_in(Options::new(1280, 800)).await;
    browser.goto(&console.url("/admin/agents")).await;
    browser.wait_for_text(AGENT).await;
    mark_form(&browser, "/admin/agents/revoke", AGENT).await;
    let clicked = Instant::now();
    submit_marked(&browser).await;
    let closed = tokio::time::timeout(Duration::from_secs(5), closed_rx)
        .await
        .expect("the agent's stream closes when the agent is revoked")
        .unwrap();
    eprintln!(
        "the stream closed {} ms after the click",
        closed.saturating_duration_since(clicked).as_millis()
    );
    assert!(!console.agent_token_works().await, "the token is revoked");
    browser.close().await;
    console.hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_contact_named_like_markup_shows_as_text_on_every_page() {
    let console = Console::start().await;
    console
        .play(
            &Scenario::inbound_answered(scenes::HOSTILE, scenes::SUPPORT_FR, scenes::ALICE),
            300,
        )
        .await;
    let browser = console.signed_in(Options::new(1280, 800)).await;
    browser.goto(&console.url("/admin/calls")).await;
    browser.wait_for_text(HOSTILE_NAME).await;
    let detail = link_of_row(&browser, HOSTILE_NAME).await;
    let pages = [
        ("/admin", false),
        ("/admin/calls", true),
        (detail.as_str(), true),
        ("/admin/agents", false),
        ("/admin/sync", false),
        ("/admin/settings", false),
        ("/admin/reports", false),
    ];
    let mut shown_on = Vec::new();
    for (path, must_show) in pages {
        browser.goto(&console.url(path)).await;
        let text = browser.text().await;
        if must_show {
            assert!(
                text.contains(HOSTILE_NAME),
                "{path} shows the name:\n{text}"
            );
        }
        if text.contains(HOSTILE_NAME) {
            shown_on.push(path.to_owned());
        }
        assert_eq!(
            browser
                .count("img[src='x'], img[src$='/x'], [onerror]")
                .await,
            0,
            "{path} made the name an element"
        );
        assert!(
            browser.client().get_alert_text().await.is_err(),
            "{path} ran the name's script"
        );
    }
    eprintln!("the name shows, as text, on {shown_on:?}");
    browser.close().await;
    console.hub.shutdown().await;
}

/// A page on another loopback port (another origin, the same site) with one form that posts
/// `fields` to `action`, its button `#go`. Serves every request until the test ends.
async fn foreign_page(action: &str, fields: &[(String, String)]) -> String {
    fn escape(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }
    let inputs: String = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect();
    let page = format!(
        "<!doctype html><title>Win a prize</title><form method=\"post\" action=\"{}\">{inputs}\
         <button id=\"go\" type=\"submit\">Claim</button></form>",
        escape(action)
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let page = page.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{page}",
                    page.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread")]
async fn a_form_without_its_csrf_token_or_from_another_origin_changes_nothing() {
    let console = Console::start().await;
    let browser = console.signed_in(Options::new(1280, 800)).await;
    browser.goto(&console.url("/admin/agents")).await;
    browser.wait_for_text(AGENT).await;
    let fields = mark_form(&browser, "/admin/agents/revoke", AGENT).await;
    assert!(
        fields.iter().any(|(k, v)| k == "csrf" && !v.is_empty()),
        "the revoke form carries a CSRF token: {fields:?}"
    );

    // The same form without its token.
    browser
        .run("document.querySelector('#under-test input[name=csrf]').remove();")
        .await;
    submit_marked(&browser).await;
    browser.wait_for_text(&words("en", "refused-csrf")).await;
    assert!(
        console.agent_token_works().await,
        "the agent was not revoked"
    );

    // The same form, token included, sent by a page of another origin.
    let foreign = foreign_page(&console.url("/admin/agents/revoke"), &fields).await;
    browser.goto(&foreign).await;
    browser.click_css("#go").await;
    browser
        .wait_for_text(&words("en", "refused-foreign-origin"))
        .await;
    assert!(
        console.agent_token_works().await,
        "the agent was not revoked"
    );

    // The session still works, and the agent is still listed as active.
    browser.goto(&console.url("/admin/agents")).await;
    browser.wait_for_text(AGENT).await;
    assert!(console.agent_token_works().await);
    browser.close().await;
    console.hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tab_reaches_the_navigation_and_the_main_actions_and_a_phone_does_not_scroll_sideways() {
    let console = Console::start().await;
    console
        .play(
            &Scenario::inbound_answered(scenes::JANE, scenes::SUPPORT_FR, scenes::BOB),
            120,
        )
        .await;
    let browser = console.signed_in(Options::new(1280, 800)).await;

    // On the Overview, Tab goes through every page of the navigation and the sign-out button.
    browser.goto(&console.url("/admin")).await;
    let reached = browser.tab_through(40).await;
    for page in [
        "/admin",
        "/admin/calls",
        "/admin/agents",
        "/admin/sync",
        "/admin/settings",
        "/admin/reports",
    ] {
        assert!(
            reached
                .iter()
                .any(|f| f.in_nav && f.href.as_deref() == Some(page)),
            "Tab never reached the navigation's link to {page}: {reached:#?}"
        );
    }
    assert!(
        reached
            .iter()
            .any(|f| f.form.as_deref() == Some("/admin/signout")),
        "Tab never reached the sign-out button: {reached:#?}"
    );

    // On Calls, Tab reaches the search's button, and Enter on a call's link opens it.
    browser.goto(&console.url("/admin/calls")).await;
    let reached = browser.tab_through(60).await;
    assert!(
        reached
            .iter()
            .any(|f| f.in_main && matches!(f.tag.as_str(), "button" | "input")),
        "Tab never reached the search: {reached:#?}"
    );
    assert!(
        reached.iter().any(|f| f.in_main
            && f.href
                .as_deref()
                .is_some_and(|h| h.starts_with("/admin/calls/"))),
        "Tab never reached a call: {reached:#?}"
    );

    // On Agents, Tab reaches the revoke buttons and the invitation's.
    browser.goto(&console.url("/admin/agents")).await;
    let reached = browser.tab_through(40).await;
    for action in ["/admin/agents/revoke", "/admin/agents/invite"] {
        assert!(
            reached
                .iter()
                .any(|f| f.tag == "button" && f.form.as_deref() == Some(action)),
            "Tab never reached the button of {action}: {reached:#?}"
        );
    }
    browser.close().await;

    // A phone's width: the Overview does not scroll sideways.
    let phone = console.signed_in(Options::new(375, 800)).await;
    let mut sideways = Vec::new();
    for page in [
        "/admin",
        "/admin/calls",
        "/admin/agents",
        "/admin/sync",
        "/admin/settings",
        "/admin/reports",
    ] {
        phone.goto(&console.url(page)).await;
        if phone.scrolls_sideways().await {
            eprintln!(
                "at 375 px, {page} sticks out: {:?}",
                phone.sticking_out().await
            );
            sideways.push(page);
        }
    }
    eprintln!("at 375 px, these pages scroll sideways: {sideways:?}");
    assert!(
        !sideways.contains(&"/admin"),
        "the Overview scrolls sideways at 375 px"
    );
    phone.close().await;
    console.hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_french_browser_gets_the_console_in_french_and_the_switch_changes_it() {
    let console = Console::start().await;
    let french = console
        .signed_in(Options::new(1280, 800).languages(&["fr-FR", "fr"]))
        .await;
    assert_eq!(french.lang().await, "fr");
    let text = french.wait_for_text(&words("fr", "nav-calls")).await;
    for key in ["nav-agents", "nav-settings", "nav-reports", "sign-out"] {
        assert!(text.contains(&words("fr", key)), "{key}:\n{text}");
    }
    assert!(!text.contains(&words("en", "nav-calls")), "{text}");
    french.close().await;

    // An English browser switches to French with the header's switch, and the choice stays.
    let english = console.signed_in(Options::new(1280, 800)).await;
    assert_eq!(english.lang().await, "en");
    english
        .click_css("form[action='/admin/lang'] button[value='fr']")
        .await;
    english.wait_for_text(&words("fr", "nav-calls")).await;
    english.goto(&console.url("/admin/reports")).await;
    assert_eq!(english.lang().await, "fr");
    english.close().await;
    console.hub.shutdown().await;
}

/// The hub configured as an admin would: a hub.toml for the sandbox (with the console's
/// settings and contact sync), one setting from the environment; the Settings page shows each
/// value's source.
fn as_configured(app: &TestApp, base: &str, dir: &std::path::Path, config: &mut HubConfig) {
    let credentials = app.sandbox.credentials();
    let file = dir.join("hub.toml");
    let text = format!(
        "data_dir = {data:?}\n\
         aircall_api_id = {id:?}\n\
         aircall_api_token = {token:?}\n\
         aircall_base_url = {aircall:?}\n\
         aircall_budget_per_minute = 600\n\
         intercom_token = {intercom_token:?}\n\
         intercom_base_url = {intercom:?}\n\
         intercom_client_secret = {secret:?}\n\
         default_region = \"FR\"\n\
         webhook_token = {webhook:?}\n\
         public_url = {base:?}\n\
         intercom_client_id = {client:?}\n\
         admins = [{admin:?}]\n\
         business_hours = \"mon-fri 09:00-18:00\"\n\
         timezone = \"Europe/Paris\"\n\
         tag_window_minutes = 60\n",
        data = dir.display().to_string(),
        id = credentials.aircall_api_id,
        token = credentials.aircall_api_token,
        aircall = app.sandbox.aircall_url(),
        intercom_token = credentials.intercom_token,
        intercom = app.sandbox.intercom_url(),
        secret = CLIENT_SECRET,
        webhook = ringside_tests::hubs::WEBHOOK_TOKEN,
        client = CLIENT_ID,
        admin = ADMIN,
    );
    std::fs::write(&file, text).unwrap();
    // It holds secrets: readable by its owner only, as the hub demands.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let file_name = file.display().to_string();
    let loaded = ringside_core::config::Config::from_lookup(|key| match key {
        "RINGSIDE_CONFIG" => Some(file_name.clone()),
        "RINGSIDE_SYNC_INTERVAL_MINUTES" => Some("30".into()),
        _ => None,
    })
    .expect("the screenshots' hub.toml is valid");
    config.settings = loaded.settings.clone();
    config.console = ConsoleConfig {
        report: loaded.report().to_vec(),
        settings: loaded.console.clone(),
    };
    config.sync = Some(SyncSchedule {
        options: ringside_tests::sync_options(),
        interval: Duration::from_secs(30 * 60),
    });
}

/// Where the screenshots go: `$RINGSIDE_SCREENSHOTS_DIR`, else `src-tauri/screenshots/console/`.
fn screenshots_dir() -> PathBuf {
    std::env::var_os("RINGSIDE_SCREENSHOTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("src-tauri/screenshots/console"))
}

/// Every page, and the sign-in page, in English and in French at 1280×800 (and the Overview at
/// a phone's width), against a hub that
/// played the desktop's demo tour (and one call Intercom refused). Each page must answer with
/// its own heading; the PNGs are written only when `RINGSIDE_SCREENSHOTS=1`.
#[tokio::test(flavor = "multi_thread")]
async fn screenshots_of_every_page_in_both_languages() {
    let write = std::env::var("RINGSIDE_SCREENSHOTS").is_ok_and(|v| v == "1");
    // A folder whose name stays the same from one run to the next: the Settings page shows it.
    let dir = std::env::temp_dir().join("ringside-console-screenshots");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let console =
        Console::start_with(|app, base, config| as_configured(app, base, &dir, config)).await;
    let now = system_clock()();
    for email in ["chloe.petit@acme.io", "eve.laurent@acme.io"] {
        console.hub.store().add_agent(email, now).unwrap();
    }
    console.play(&Scenario::desktop_tour(), 1_200).await;
    console
        .app
        .sandbox
        .faults()
        .fail_next(Api::Intercom, usize::MAX, 422);
    console
        .play(
            &Scenario::inbound_answered(scenes::JOHN, scenes::SALES_US, scenes::BOB),
            300,
        )
        .await;
    console.app.sandbox.faults().clear();
    // Bob's app is open: an event stream, held until the screenshots are taken.
    let _stream = reqwest::Client::new()
        .get(console.url("/api/v1/events"))
        .bearer_auth(&console.agent)
        .send()
        .await
        .unwrap();
    let out = screenshots_dir();
    for lang in ["en", "fr"] {
        let browser = Browser::with(
            Options::new(1280, 800)
                .languages(&[if lang == "fr" { "fr-FR" } else { "en-US" }, lang]),
        )
        .await;
        browser.goto(&console.url("/admin/signin")).await;
        browser.wait_for_text(&words(lang, "signin-heading")).await;
        if write {
            browser
                .save_screenshot(&out.join(format!("{lang}-signin.png")))
                .await;
        }
        sign_in_with_token(&browser, &console, &console.admin).await;
        browser.goto(&console.url("/admin/calls")).await;
        // The call Intercom refused: its effects, the error and the retry button.
        let call = link_of_row(&browser, "(422)").await;
        for (page, path, heading) in [
            ("overview", "/admin", "nav-overview"),
            ("calls", "/admin/calls", "nav-calls"),
            ("call", call.as_str(), "nav-calls"),
            ("agents", "/admin/agents", "nav-agents"),
            ("sync", "/admin/sync", "nav-sync"),
            ("settings", "/admin/settings", "nav-settings"),
            ("reports", "/admin/reports", "nav-reports"),
        ] {
            browser.goto(&console.url(path)).await;
            let text = browser.wait_for_text(&words(lang, heading)).await;
            assert_eq!(browser.lang().await, lang, "{path}");
            assert!(text.len() > 200, "{path} is nearly empty:\n{text}");
            if write {
                browser
                    .save_screenshot(&out.join(format!("{lang}-{page}.png")))
                    .await;
            }
        }
        browser.close().await;
    }
    // And the Overview on a phone.
    let phone = console.signed_in(Options::new(375, 800)).await;
    phone.wait_for_text(&words("en", "nav-overview")).await;
    if write {
        phone
            .save_screenshot(&out.join("en-overview-phone.png"))
            .await;
    }
    phone.close().await;
    if write {
        eprintln!("the console's screenshots are in {}", out.display());
    }
    console.hub.shutdown().await;
}
