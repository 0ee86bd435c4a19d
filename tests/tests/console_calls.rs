//! The console's Calls and messages page over real HTTP, with an admin's token, against a hub
//! on loopback and the sandbox: a call whose conversation Intercom refused shows as failed with
//! the reason, in the list and opened; once Intercom takes it again, "retry" logs it, once,
//! and a second retry changes nothing; the call is found by its number typed the national
//! way; a call a setting skipped is logged by "log it" once, however often it is posted; each
//! action is in the call's audit trail with the admin's email; a contact's name that looks
//! like HTML shows as text.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use reqwest::header::LOCATION;
use reqwest::StatusCode;
use ringside_core::aircall::Call;
use ringside_core::card::system_clock;
use ringside_core::hub::Hub;
use ringside_core::pipeline::subject::{Status, SubjectKey};
use ringside_core::rules::Settings;
use ringside_core::store::Store;
use ringside_sandbox::aircall::NewCall;
use ringside_sandbox::intercom::{NewContact, Role};
use ringside_sandbox::Api;
use ringside_tests::demo::*;
use ringside_tests::hubs::{hub_config, settle, until, WEBHOOK_TOKEN};
use ringside_tests::TestApp;
use serde_json::json;

const ADMIN: &str = "boss@acme.io";
const HOSTILE: &str = "<img src=x onerror=alert(1)>";
const HOSTILE_PHONE: &str = "+33 6 98 76 54 99";
const TIMEOUT: Duration = Duration::from_secs(20);

/// A hub on the sandbox with these settings, and an admin's token.
struct Console {
    hub: Hub,
    base: String,
    token: String,
    /// Follows no redirect: the test reads where each form sends the browser.
    http: reqwest::Client,
}

async fn start(app: &TestApp, settings: Settings) -> Console {
    let store = Store::open_in_memory().unwrap();
    let token = store
        .add_agent_with(ADMIN, true, 1)
        .unwrap()
        .expose()
        .to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hub = Hub::start(hub_config(app, settings, store), listener)
        .await
        .unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Console {
        hub,
        base,
        token,
        http,
    }
}

impl Console {
    /// A console page's HTML, answered 200.
    async fn page(&self, path_and_query: &str) -> String {
        let answer = self
            .http
            .get(format!("{}{path_and_query}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{path_and_query}");
        answer.text().await.unwrap()
    }

    /// A console page's HTML as a French browser gets it.
    async fn page_in_french(&self, path_and_query: &str) -> String {
        let answer = self
            .http
            .get(format!("{}{path_and_query}", self.base))
            .bearer_auth(&self.token)
            .header(reqwest::header::ACCEPT_LANGUAGE, "fr-FR,fr;q=0.9")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{path_and_query}");
        answer.text().await.unwrap()
    }

    /// Posts a console form; returns where it sends the browser back to.
    async fn post(&self, path: &str, form: &[(&str, &str)]) -> String {
        let answer = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .form(form)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER, "{path}");
        answer.headers()[LOCATION].to_str().unwrap().to_owned()
    }

    async fn webhook(&self, event: &str, call: &Call) {
        let body = json!({"resource": "call", "event": event, "timestamp": system_clock()(),
            "token": WEBHOOK_TOKEN, "data": call});
        let status = self
            .http
            .post(format!("{}/webhooks/aircall", self.base))
            .json(&body)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::OK, "{event}");
    }

    fn status(&self, id: u64) -> Option<Status> {
        self.hub
            .store()
            .subject(&SubjectKey::call(id))
            .unwrap()
            .map(|s| s.status)
    }
}

/// A call from `raw_digits` on line 2201 that rings: the hub builds its card, which looks the
/// number up.
async fn call(app: &TestApp, console: &Console, raw_digits: &str) -> u64 {
    let now = system_clock()();
    let id = app
        .sandbox
        .add_call(NewCall {
            raw_digits: raw_digits.into(),
            number_id: Some(2201),
            started_at: Some(now - 100),
            ..NewCall::default()
        })
        .unwrap();
    let ringing = app.aircall().call(id).await.unwrap();
    console.webhook("call.created", &ringing).await;
    settle(console.hub.store(), TIMEOUT).await;
    id
}

/// The call ends: answered by Bob, or missed.
async fn end(app: &TestApp, console: &Console, id: u64, answered: bool) {
    let now = system_clock()();
    app.sandbox
        .update_call(id, |c| {
            c.status = "done".into();
            if answered {
                c.user_id = Some(AIRCALL_BOB);
                c.answered_at = Some(now - 90);
            }
            c.ended_at = Some(now - 1);
        })
        .unwrap();
    let ended = app.aircall().call(id).await.unwrap();
    console.webhook("call.ended", &ended).await;
}

/// Whether Intercom's refusal is recorded: the call failed (its conversation refused), or an
/// effect of it did (its contact's search or creation refused).
fn refused(console: &Console, id: u64) -> bool {
    console.status(id) == Some(Status::Failed)
        || console
            .hub
            .store()
            .outbox_of(&SubjectKey::call(id))
            .unwrap()
            .iter()
            .any(|e| e.state == ringside_core::store::EffectState::Failed)
}

/// Whether the hostile contact's name is on the page as text: escaped (`&lt;img` or askama's
/// `&#60;img`), never as a tag.
fn escaped(page: &str) -> bool {
    let text = page.contains("&lt;img src=x onerror=alert(1)&gt;")
        || page.contains("&#60;img src=x onerror=alert(1)&#62;");
    text && !page.contains("<img")
}

/// The value of the first `name="effect"` field of a page: the effect its retry button names.
fn retry_effect(page: &str) -> String {
    let at = page
        .find(r#"name="effect" value=""#)
        .expect("a retry button on the page");
    let rest = &page[at + r#"name="effect" value=""#.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_conversation_shows_failed_and_one_retry_logs_it_once() {
    let app = TestApp::demo().await;
    let contact = app.sandbox.add_intercom_contact(NewContact {
        role: Some(Role::Lead),
        name: Some(HOSTILE.into()),
        phone: Some(HOSTILE_PHONE.into()),
        ..NewContact::default()
    });
    let console = start(&app, Settings::default()).await;
    let id = call(&app, &console, HOSTILE_PHONE).await;

    // Intercom refuses everything while the call ends.
    app.sandbox.faults().fail_next(Api::Intercom, 10_000, 422);
    end(&app, &console, id, true).await;
    until("the call to fail", TIMEOUT, || refused(&console, id)).await;
    let href = format!("/admin/calls/call/{id}");

    // The list shows it failed, with Intercom's words; found by the number typed the
    // national way, and by the start of its contact's name; the name is text, not markup.
    for query in ["?number=06%2098%2076%2054%2099", "?contact=%3Cimg", ""] {
        let list = console.page(&format!("/admin/calls{query}")).await;
        assert!(list.contains(&href), "{query}: {list}");
        assert!(list.contains("Failed"), "{query}: {list}");
        assert!(list.contains("rejected the request (422)"), "{list}");
        assert!(escaped(&list), "{list}");
        assert!(!list.contains("<img"), "{list}");
    }
    let other = console.page("/admin/calls?number=0650505050").await;
    assert!(!other.contains(&href), "{other}");

    // Opened: failed with the reason, the webhooks that made it, a retry button.
    let opened = console.page(&href).await;
    assert!(opened.contains("Failed"), "{opened}");
    assert!(opened.contains("rejected the request (422)"), "{opened}");
    assert!(
        opened.contains("call.created") && opened.contains("call.ended"),
        "{opened}"
    );
    assert!(escaped(&opened), "{opened}");
    assert!(!opened.contains("<img"), "{opened}");
    let effect = retry_effect(&opened);

    // Intercom takes requests again: a retry logs the call, in one conversation.
    app.sandbox.faults().clear();
    let back = console
        .post(&format!("{href}/retry"), &[("effect", &effect)])
        .await;
    assert_eq!(back, format!("{href}?done=retried"));
    until("the call logged", TIMEOUT, || {
        console.status(id) == Some(Status::Logged)
    })
    .await;
    settle(console.hub.store(), TIMEOUT).await;
    let conversations = app.sandbox.intercom().conversations_of(&contact);
    assert_eq!(conversations.len(), 1, "{conversations:?}");

    // A second retry changes nothing.
    let again = console
        .post(&format!("{href}/retry"), &[("effect", &effect)])
        .await;
    assert_eq!(again, format!("{href}?done=unchanged"));
    settle(console.hub.store(), TIMEOUT).await;
    assert_eq!(app.sandbox.intercom().conversations_of(&contact).len(), 1);

    let opened = console.page(&again).await;
    assert!(opened.contains("Nothing changed"), "{opened}");
    assert!(opened.contains("Logged"), "{opened}");
    assert!(opened.contains(&format!(
        "{}/inbox/conversation/{}",
        WORKSPACE, conversations[0].id
    )));
    let trail = &opened[opened.find(r#"id="call-audit""#).expect("an audit trail")..];
    assert_eq!(trail.matches(ADMIN).count(), 2, "{trail}");
    assert_eq!(trail.matches(">Retry<").count(), 2, "{trail}");
    console.hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_a_setting_skipped_is_logged_once_however_often_log_it_is_posted() {
    let app = TestApp::demo().await;
    let settings = Settings {
        log_missed_calls: false,
        ..Settings::default()
    };
    let console = start(&app, settings).await;
    let before = app.sandbox.intercom().conversations_of(JANE).len();
    let id = call(&app, &console, "07 62 04 35 75").await;
    end(&app, &console, id, false).await;
    until("the call skipped", TIMEOUT, || {
        console.status(id) == Some(Status::Off)
    })
    .await;
    settle(console.hub.store(), TIMEOUT).await;
    let href = format!("/admin/calls/call/{id}");

    let skipped = console.page("/admin/calls?state=not_logged").await;
    assert!(skipped.contains(&href), "{skipped}");
    assert!(
        skipped.contains("logging missed calls is turned off"),
        "{skipped}"
    );
    let french = console
        .page_in_french("/admin/calls?state=not_logged")
        .await;
    assert!(
        french.contains("Appel entrant manqué de +33 7 62 04 35 75"),
        "{french}"
    );
    assert!(french.contains("Non journalisé"), "{french}");
    let logged_only = console.page("/admin/calls?state=logged").await;
    assert!(!logged_only.contains(&href), "{logged_only}");
    let opened = console.page(&href).await;
    assert!(
        opened.contains(&format!(r#"action="{href}/log""#)),
        "{opened}"
    );

    // Posted twice, as a double click would.
    let first = console.post(&format!("{href}/log"), &[]).await;
    let second = console.post(&format!("{href}/log"), &[]).await;
    assert_eq!(first, format!("{href}?done=logged"));
    assert_eq!(second, format!("{href}?done=unchanged"));
    until("the call logged", TIMEOUT, || {
        console.status(id) == Some(Status::Logged)
    })
    .await;
    settle(console.hub.store(), TIMEOUT).await;
    assert_eq!(
        app.sandbox.intercom().conversations_of(JANE).len(),
        before + 1
    );

    // Once more, after it is logged: still nothing.
    let third = console.post(&format!("{href}/log"), &[]).await;
    assert_eq!(third, format!("{href}?done=unchanged"));
    settle(console.hub.store(), TIMEOUT).await;
    assert_eq!(
        app.sandbox.intercom().conversations_of(JANE).len(),
        before + 1
    );

    let opened = console.page(&href).await;
    let trail = &opened[opened.find(r#"id="call-audit""#).expect("an audit trail")..];
    assert_eq!(trail.matches(ADMIN).count(), 3, "{trail}");
    assert_eq!(trail.matches(">Log it<").count(), 3, "{trail}");
    assert!(
        !opened.contains(&format!(r#"action="{href}/log""#)),
        "{opened}"
    );
    let logged = console.page("/admin/calls?state=logged&kind=call").await;
    assert!(logged.contains(&href), "{logged}");
    console.hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_chooses_the_contact_of_a_shared_number_once() {
    let app = TestApp::demo().await;
    let console = start(&app, Settings::default()).await;
    let before = app.sandbox.intercom().conversations_of(PAUL).len();
    let id = call(&app, &console, SHARED_PHONE).await;
    end(&app, &console, id, true).await;
    until("the call to wait for its contact", TIMEOUT, || {
        console.status(id) == Some(Status::Skipped)
    })
    .await;
    let href = format!("/admin/calls/call/{id}");
    let opened = console.page(&href).await;
    assert!(opened.contains("2 contacts share this number"), "{opened}");
    assert!(opened.contains(&format!(r#"value="{PAUL}""#)), "{opened}");
    assert!(opened.contains(&format!(r#"value="{CLAIRE}""#)), "{opened}");

    // Someone who was not offered is refused in words.
    let refused = console
        .post(&format!("{href}/contact"), &[("contact", JANE)])
        .await;
    assert_eq!(refused, format!("{href}?done=not-a-candidate"));

    let chosen = console
        .post(&format!("{href}/contact"), &[("contact", PAUL)])
        .await;
    assert_eq!(chosen, format!("{href}?done=chosen"));
    let again = console
        .post(&format!("{href}/contact"), &[("contact", PAUL)])
        .await;
    assert_eq!(again, format!("{href}?done=unchanged"));
    until("the call logged", TIMEOUT, || {
        console.status(id) == Some(Status::Logged)
    })
    .await;
    settle(console.hub.store(), TIMEOUT).await;
    assert_eq!(
        app.sandbox.intercom().conversations_of(PAUL).len(),
        before + 1
    );
    let opened = console.page(&href).await;
    let trail = &opened[opened.find(r#"id="call-audit""#).expect("an audit trail")..];
    assert_eq!(trail.matches(ADMIN).count(), 3, "{trail}");
    assert_eq!(trail.matches(">Choose the contact<").count(), 3, "{trail}");
    console.hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_call_given_up_stays_failed_and_is_not_retried() {
    let app = TestApp::demo().await;
    let console = start(&app, Settings::default()).await;
    let id = call(&app, &console, "+33 6 98 76 54 98").await;
    app.sandbox.faults().fail_next(Api::Intercom, 10_000, 422);
    end(&app, &console, id, true).await;
    until("the call to fail", TIMEOUT, || refused(&console, id)).await;
    let href = format!("/admin/calls/call/{id}");
    let effect = retry_effect(&console.page(&href).await);
    app.sandbox.faults().clear();
    let requests = app.sandbox.count_requests(Api::Intercom);

    let gave_up = console
        .post(&format!("{href}/give-up"), &[("effect", &effect)])
        .await;
    assert_eq!(gave_up, format!("{href}?done=given-up"));
    let retried = console
        .post(&format!("{href}/retry"), &[("effect", &effect)])
        .await;
    assert_eq!(retried, format!("{href}?done=unchanged"));
    settle(console.hub.store(), TIMEOUT).await;
    assert_eq!(console.status(id), Some(Status::Failed));
    let opened = console.page(&href).await;
    assert!(opened.contains("Given up by boss@acme.io"), "{opened}");
    assert!(
        !opened.contains(r#"name="effect""#),
        "no more retry: {opened}"
    );
    let list = console.page("/admin/calls?state=failed").await;
    assert!(list.contains(&href) && list.contains("Given up"), "{list}");
    // Nothing of the call was sent to Intercom again.
    let sent: Vec<_> = app
        .sandbox
        .intercom()
        .requests()
        .into_iter()
        .skip(requests)
        .filter(|r| r.path.starts_with("/conversations"))
        .collect();
    assert!(sent.is_empty(), "{sent:?}");
    console.hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn log_it_makes_the_contact_a_setting_kept_ringside_from_creating_once() {
    let app = TestApp::demo().await;
    let settings = Settings {
        create_contacts: false,
        ..Settings::default()
    };
    let console = start(&app, settings).await;
    let id = call(&app, &console, UNKNOWN_PHONE).await;
    end(&app, &console, id, true).await;
    until("the call skipped", TIMEOUT, || {
        console.status(id) == Some(Status::Skipped)
    })
    .await;
    let href = format!("/admin/calls/call/{id}");
    let opened = console.page(&href).await;
    assert!(
        opened.contains("creating contacts is turned off"),
        "{opened}"
    );
    assert!(
        opened.contains(&format!(r#"action="{href}/log""#)),
        "{opened}"
    );
    let contacts = app.sandbox.intercom().contacts().len();

    let first = console.post(&format!("{href}/log"), &[]).await;
    let second = console.post(&format!("{href}/log"), &[]).await;
    assert_eq!(first, format!("{href}?done=logged"));
    assert_eq!(second, format!("{href}?done=unchanged"));
    until("the call logged", TIMEOUT, || {
        console.status(id) == Some(Status::Logged)
    })
    .await;
    settle(console.hub.store(), TIMEOUT).await;
    assert_eq!(app.sandbox.intercom().contacts().len(), contacts + 1);
    let logged = console
        .hub
        .store()
        .subject(&SubjectKey::call(id))
        .unwrap()
        .unwrap();
    let contact = logged.contact_id.unwrap();
    assert_eq!(app.sandbox.intercom().conversations_of(&contact).len(), 1);
    console.hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_whatsapp_message_a_setting_skipped_is_found_by_kind_and_logged_once() {
    let app = TestApp::demo().await;
    let settings = Settings {
        log_messages: false,
        ..Settings::default()
    };
    let console = start(&app, settings).await;
    let before = app.sandbox.intercom().conversations_of(JANE).len();
    let message = json!({
        "id": 5_550_001, "direction": "inbound", "external_number": "+33 7 62 04 35 75",
        "body": "Is my order shipped?", "status": "received", "channel": "whatsapp",
        "number": {"id": 2201, "name": "Support FR", "digits": "+33 1 76 11 11 11",
            "country": "FR"}
    });
    let body = json!({"resource": "message", "event": "message.received",
        "timestamp": system_clock()(), "token": WEBHOOK_TOKEN, "data": message});
    let status = console
        .http
        .post(format!("{}/webhooks/aircall", console.base))
        .json(&body)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::OK);
    let key = SubjectKey::message("5550001");
    let status_of = || console.hub.store().subject(&key).unwrap().map(|s| s.status);
    until("the message skipped", TIMEOUT, || {
        status_of() == Some(Status::Off)
    })
    .await;
    let href = "/admin/calls/message/5550001";

    let whatsapp = console.page("/admin/calls?kind=whatsapp").await;
    assert!(whatsapp.contains(href), "{whatsapp}");
    assert!(
        whatsapp.contains("WhatsApp from +33 7 62 04 35 75"),
        "{whatsapp}"
    );
    let calls = console.page("/admin/calls?kind=call").await;
    assert!(!calls.contains(href), "{calls}");
    let opened = console.page(href).await;
    assert!(opened.contains("message.received"), "{opened}");

    let first = console.post(&format!("{href}/log"), &[]).await;
    let second = console.post(&format!("{href}/log"), &[]).await;
    assert_eq!(first, format!("{href}?done=logged"));
    assert_eq!(second, format!("{href}?done=unchanged"));
    until("the message logged", TIMEOUT, || {
        status_of() == Some(Status::Logged)
    })
    .await;
    settle(console.hub.store(), TIMEOUT).await;
    assert_eq!(
        app.sandbox.intercom().conversations_of(JANE).len(),
        before + 1
    );
    console.hub.shutdown().await;
}
