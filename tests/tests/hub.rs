//! The hub end to end: real webhooks over HTTP into a hub started in-process, logging into the
//! sandbox's Intercom.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use ringside_core::aircall::Call;
use ringside_core::card::system_clock;
use ringside_core::hub::{Hub, HubConfig};
use ringside_core::phone::Region;
use ringside_core::pipeline::subject::{Status, SubjectKey};
use ringside_core::rules::Settings;
use ringside_core::store::Store;
use ringside_core::Secret;
use ringside_sandbox::aircall::NewCall;
use ringside_sandbox::Api;
use ringside_tests::demo::*;
use ringside_tests::hubs::drained;
use ringside_tests::TestApp;
use serde_json::json;

const TOKEN: &str = "webhook-token-for-tests";

/// The hub's configuration on the demo sandbox, with an in-memory store.
fn config(app: &TestApp) -> HubConfig {
    HubConfig {
        store: Store::open_in_memory().unwrap(),
        intercom: app.intercom(),
        aircall: Some(app.aircall()),
        webhook_token: Some(Secret::new(TOKEN)),
        settings: Settings::default(),
        default_region: Region::parse("FR").unwrap(),
        clock: system_clock(),
        tls: None,
        sync: None,
        intercom_client_secret: None,
        signin: None,
        console: Default::default(),
    }
}

async fn hub(app: &TestApp) -> Hub {
    app.sandbox.faults().set_aircall_budget(100_000);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    Hub::start(config(app), listener).await.unwrap()
}

async fn send(hub: &Hub, event: &str, call: &Call) -> reqwest::StatusCode {
    let body = json!({"resource": "call", "event": event, "timestamp": 1_700_000_000, "token": TOKEN, "data": call});
    reqwest::Client::new()
        .post(format!("http://{}/webhooks/aircall", hub.local_addr()))
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
}

/// A call starting now from `raw_digits` on Aircall line `number_id`; the hub is told it rang.
async fn ring(app: &TestApp, hub: &Hub, raw_digits: &str, number_id: u64, now: i64) -> u64 {
    let id = app
        .sandbox
        .add_call(NewCall {
            raw_digits: raw_digits.into(),
            number_id: Some(number_id),
            started_at: Some(now),
            ..NewCall::default()
        })
        .unwrap();
    let ringing = app.aircall().call(id).await.unwrap();
    assert_eq!(send(hub, "call.created", &ringing).await, 200);
    id
}

/// Bob answers the call `answered` seconds after `now`, it ends at `ended`, and the hub is told.
async fn end_answered_by_bob(app: &TestApp, hub: &Hub, id: u64, answered: i64, ended: i64) {
    app.sandbox
        .update_call(id, |c| {
            c.status = "done".into();
            c.user_id = Some(AIRCALL_BOB);
            c.answered_at = Some(answered);
            c.ended_at = Some(ended);
        })
        .unwrap();
    let ended = app.aircall().call(id).await.unwrap();
    assert_eq!(send(hub, "call.ended", &ended).await, 200);
}

async fn until<F: Fn() -> bool>(what: &str, check: F) {
    for _ in 0..100 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answered_call_is_logged_once_to_the_contact_and_assigned() {
    let app = TestApp::demo().await;
    let hub = hub(&app).await;
    let now = system_clock()();
    let id = app
        .sandbox
        .add_call(NewCall {
            raw_digits: "+33 7 62 04 35 75".into(),
            number_id: Some(2201),
            user_id: Some(AIRCALL_BOB),
            status: "done".into(),
            started_at: Some(now - 200),
            answered_at: Some(now - 190),
            ended_at: Some(now - 10),
            ..NewCall::default()
        })
        .unwrap();
    let call = app.aircall().call(id).await.unwrap();
    assert_eq!(send(&hub, "call.ended", &call).await, 200);

    until("the call to be logged", || {
        hub.store()
            .subject(&SubjectKey::call(id))
            .unwrap()
            .is_some_and(|s| s.status == Status::Logged)
    })
    .await;
    let conversations = app.sandbox.intercom().conversations_of(JANE);
    let logged: Vec<_> = conversations
        .iter()
        .filter(|c| {
            c.source
                .body
                .contains("[Inbound answered call] on Support FR")
        })
        .collect();
    assert_eq!(logged.len(), 1);
    until("the assignment", || {
        app.sandbox
            .intercom()
            .conversation(&logged[0].id)
            .is_some_and(|c| c.admin_assignee_id.as_deref() == Some(BOB))
    })
    .await;

    // The same webhook again, and an older one late: nothing new.
    assert_eq!(send(&hub, "call.ended", &call).await, 200);
    assert_eq!(send(&hub, "call.answered", &call).await, 200);
    drained(hub.store(), Duration::from_secs(10)).await;
    let again = app.sandbox.intercom().conversations_of(JANE);
    assert_eq!(
        again
            .iter()
            .filter(|c| c.source.body.contains("[Inbound answered call]"))
            .count(),
        1
    );
    let parts = app
        .sandbox
        .intercom()
        .conversation(&logged[0].id)
        .unwrap()
        .parts;
    assert_eq!(
        parts.iter().filter(|p| p.part_type == "note").count(),
        1,
        "{parts:?}"
    );
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_token_or_a_malformed_body_is_refused_and_nothing_is_stored() {
    let app = TestApp::demo().await;
    let hub = hub(&app).await;
    let url = format!("http://{}/webhooks/aircall", hub.local_addr());
    let client = reqwest::Client::new();
    let wrong = json!({"event": "call.ended", "token": "nope", "data": {"id": 1}});
    assert_eq!(
        client
            .post(&url)
            .json(&wrong)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        client
            .post(&url)
            .body("{not json")
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
    let big = "x".repeat(300 * 1024);
    assert_eq!(
        client.post(&url).body(big).send().await.unwrap().status(),
        413
    );
    // Refused means not stored at all, in any state.
    assert_eq!(hub.store().rows().unwrap().inbox, 0);
    let unknown = json!({"event": "number.opened", "token": TOKEN, "data": {"id": 1}});
    assert_eq!(
        client
            .post(&url)
            .json(&unknown)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // The ignored event is stored, then set aside by the processor (asynchronously).
    until("the inbox to drain", || {
        hub.store().inbox_depth().unwrap() == 0
    })
    .await;
    assert_eq!(
        hub.store().rows().unwrap().inbox,
        1,
        "only the accepted event"
    );
    hub.shutdown().await;
}

/// A minimal Server-Sent Events reader over a streaming response.
struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

/// One SSE event: its id, name and data.
#[derive(Debug, Clone)]
struct SseEvent {
    id: i64,
    name: String,
    data: serde_json::Value,
}

impl EventStream {
    async fn open(hub: &Hub, token: &str, last_event_id: Option<i64>) -> reqwest::Response {
        let mut request = reqwest::Client::new()
            .get(format!("http://{}/api/v1/events", hub.local_addr()))
            .bearer_auth(token);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        request.send().await.unwrap()
    }

    async fn next(&mut self) -> SseEvent {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut name, mut data) = (None, String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().parse().ok();
                    } else if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if let Some(id) = id {
                    return SseEvent {
                        id,
                        name,
                        data: serde_json::from_str(&data).unwrap(),
                    };
                }
                continue; // a keep-alive comment
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.response.chunk())
                .await
                .expect("an event within 10 s")
                .unwrap()
                .expect("the stream stays open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    async fn until(&mut self, name: &str) -> SseEvent {
        loop {
            let e = self.next().await;
            if e.name == name {
                return e;
            }
        }
    }
}

fn api(hub: &Hub, path: &str) -> String {
    format!("http://{}/api/v1{path}", hub.local_addr())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_follows_a_call_on_the_stream_then_tags_and_annotates_it() {
    let app = TestApp::demo().await;
    let hub = hub(&app).await;
    let bob = hub.store().add_agent("bob@acme.io", 0).unwrap();
    let token = bob.expose().to_owned();
    let client = reqwest::Client::new();

    // No token, no stream.
    let refused = client.get(api(&hub, "/events")).send().await.unwrap();
    assert_eq!(refused.status(), 401);

    let mut stream = EventStream {
        response: EventStream::open(&hub, &token, None).await,
        buffer: String::new(),
    };
    let now = system_clock()();
    let id = ring(&app, &hub, "+33 7 62 04 35 75", 2201, now).await;

    let first = stream.until("call.ringing").await;
    assert_eq!(first.data["call_id"], id);
    let card = stream.until("card.ready").await;
    assert_eq!(card.data["card"]["contact"]["name"], "Jane Roe");
    assert_eq!(
        card.data["card"]["conversation"]["owner"]["availability"],
        "in_call"
    );
    // The card also reached Aircall's phone app.
    until("the insight card", || {
        app.sandbox
            .aircall()
            .insight_cards()
            .iter()
            .any(|c| c.call_id == id)
    })
    .await;

    end_answered_by_bob(&app, &hub, id, now + 5, now + 65).await;
    let logged = stream.until("call.logged").await;
    let conversation = logged.data["conversation_id"].as_str().unwrap().to_owned();
    assert!(logged.data["url"]
        .as_str()
        .unwrap()
        .ends_with(&conversation));

    // Reconnecting with the first event's id replays everything after it, in order.
    let mut replay = EventStream {
        response: EventStream::open(&hub, &token, Some(first.id)).await,
        buffer: String::new(),
    };
    let again = replay.next().await;
    assert!(again.id > first.id);
    assert_eq!(replay.until("call.logged").await.id, logged.id);

    // A note and a tag from the desktop, written as Bob's admin.
    let note = client
        .post(api(&hub, &format!("/calls/{id}/notes")))
        .bearer_auth(&token)
        .header("Idempotency-Key", "n1")
        .json(&json!({"body": "Wants <b>a refund</b>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(note.status(), 202);
    let twice = client
        .post(api(&hub, &format!("/calls/{id}/notes")))
        .bearer_auth(&token)
        .header("Idempotency-Key", "n1")
        .json(&json!({"body": "Wants <b>a refund</b>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), 202);
    let tag = client
        .post(api(&hub, &format!("/calls/{id}/tags")))
        .bearer_auth(&token)
        .json(&json!({"name": "Follow-up"}))
        .send()
        .await
        .unwrap();
    assert_eq!(tag.status(), 202);
    until("the agent's note and tag", || {
        app.sandbox
            .intercom()
            .conversation(&conversation)
            .is_some_and(|c| {
                c.tags
                    .iter()
                    .any(|t| t.name == "Follow-up" && t.applied_by == BOB)
                    && c.parts
                        .iter()
                        .filter(|p| p.part_type == "note" && p.author.id == BOB)
                        .count()
                        == 1
            })
    })
    .await;
    let parts = app
        .sandbox
        .intercom()
        .conversation(&conversation)
        .unwrap()
        .parts;
    let agent_note = parts
        .iter()
        .find(|p| p.author.id == BOB && p.part_type == "note")
        .unwrap();
    assert_eq!(
        agent_note.body.as_deref(),
        Some("<p>Wants &lt;b&gt;a refund&lt;/b&gt;</p>")
    );

    let untag = client
        .delete(api(&hub, &format!("/calls/{id}/tags/Follow-up")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(untag.status(), 202);
    until("the tag to go", || {
        app.sandbox
            .intercom()
            .conversation(&conversation)
            .is_some_and(|c| c.tags.iter().all(|t| t.name != "Follow-up"))
    })
    .await;

    // The history shows the call as logged, with its link.
    let history: serde_json::Value = client
        .get(api(&hub, "/calls?limit=5"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let row = history
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"].as_str().and_then(|s| s.parse::<u64>().ok()) == Some(id))
        .unwrap();
    assert_eq!(row["status"], "logged");
    assert_eq!(row["conversation_id"], conversation);
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cards_tags_and_health_answer_an_agent() {
    let app = TestApp::demo().await;
    let hub = hub(&app).await;
    let token = hub
        .store()
        .add_agent("alice.durand@acme.io", 0)
        .unwrap()
        .expose()
        .to_owned();
    let client = reqwest::Client::new();

    // A number of none of the agent's calls is not theirs to look up.
    let lookup = || {
        client
            .get(api(&hub, "/cards?phone=07%2062%2004%2035%2075"))
            .bearer_auth(&token)
            .send()
    };
    let refused = lookup().await.unwrap();
    assert_eq!(refused.status(), 403);
    let error: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["code"], "forbidden");
    let bad = client
        .get(api(&hub, "/cards?phone=call%20me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let error: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(error["error"]["code"], "bad_number");

    // A call the hub tracks has its card; one it never saw has none, and Aircall is not asked.
    let id = ring(&app, &hub, "+33 7 62 04 35 75", 2201, system_clock()()).await;
    until("the hub to track the call", || {
        hub.store()
            .subject(&SubjectKey::call(id))
            .unwrap()
            .is_some()
    })
    .await;
    let card: serde_json::Value = client
        .get(api(&hub, &format!("/calls/{id}/card")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(card["call_id"], id);
    // Jane called the agent's line: her number is the agent's to look up now.
    let card: serde_json::Value = lookup().await.unwrap().json().await.unwrap();
    assert_eq!(card["contact"]["status"], "existing");
    assert_eq!(card["contact"]["name"], "Jane Roe");
    let unseen = client
        .get(api(&hub, &format!("/calls/{RINGING_CALL}/card")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(unseen.status(), 404);

    let tags: serde_json::Value = client
        .get(api(&hub, "/tags"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(tags.as_array().unwrap().iter().any(|t| t["name"] == "VIP"));

    let unknown = client
        .post(api(&hub, "/calls/42/tags"))
        .bearer_auth(&token)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let revoked = client
        .get(api(&hub, "/tags"))
        .bearer_auth("rs_not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 401);

    let health: serde_json::Value = client
        .get(format!("http://{}/healthz", hub.local_addr()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "up");
    assert_eq!(health["inbox_depth"], 0);
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_hub_serves_https_from_a_certificate_and_key() {
    let app = TestApp::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();

    let https = HubConfig {
        aircall: None,
        tls: Some(ringside_core::hub::TlsFiles { cert, key }),
        ..config(&app)
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hub = Hub::start(https, listener).await.unwrap();
    let port = hub.local_addr().port();

    let client = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(certified.cert.pem().as_bytes()).unwrap(),
        )
        .build()
        .unwrap();
    let health = client
        .get(format!("https://localhost:{port}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    // Plain HTTP is not served on a TLS port.
    let plain = reqwest::get(format!("http://localhost:{port}/healthz")).await;
    assert!(!plain.is_ok_and(|r| r.status().is_success()));
    hub.shutdown().await;

    // A missing key file is a clear error, not a panic.
    let missing = ringside_core::hub::TlsFiles {
        cert: dir.path().join("cert.pem"),
        key: dir.path().join("missing.pem"),
    };
    let config = HubConfig {
        tls: Some(missing),
        ..config(&app)
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = Hub::start(config, listener).await.unwrap_err();
    assert!(err.to_string().contains("missing.pem"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_event_refreshes_the_owners_availability_on_cards_and_the_stream() {
    let app = TestApp::demo().await;
    let hub = hub(&app).await;
    let token = hub
        .store()
        .add_agent_with("alice.durand@acme.io", true, 0)
        .unwrap()
        .expose()
        .to_owned();
    let client = reqwest::Client::new();
    let card = || async {
        let card: serde_json::Value = client
            .get(api(&hub, "/cards?phone=%2B33762043575"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        card["conversation"]["owner"]["availability"].clone()
    };
    assert_eq!(card().await, "in_call");

    let mut stream = EventStream {
        response: EventStream::open(&hub, &token, None).await,
        buffer: String::new(),
    };
    app.sandbox
        .set_availability(AIRCALL_BOB, "available")
        .unwrap();
    let body = json!({"resource": "user", "event": "user.opened.v2", "timestamp": 1_700_000_000, "token": TOKEN,
        "data": {"id": AIRCALL_BOB, "email": "Bob@Acme.io"}});
    let sent = client
        .post(format!("http://{}/webhooks/aircall", hub.local_addr()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    let changed = stream.until("availability.changed").await;
    assert_eq!(changed.data["user_id"], AIRCALL_BOB);
    assert_eq!(changed.data["availability"], "available");
    assert_eq!(card().await, "available");
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_note_typed_while_the_call_rings_lands_once_the_call_is_logged() {
    let app = TestApp::demo().await;
    let hub = hub(&app).await;
    let token = hub
        .store()
        .add_agent("bob@acme.io", 0)
        .unwrap()
        .expose()
        .to_owned();
    let client = reqwest::Client::new();
    let now = system_clock()();
    // Support GB: Bob's line, so the call is his to annotate while it rings.
    let id = ring(&app, &hub, "+1 442-249-7851", 2203, now).await;
    until("the hub to know the call", || {
        hub.store()
            .subject(&SubjectKey::call(id))
            .unwrap()
            .is_some()
    })
    .await;

    let note = client
        .post(api(&hub, &format!("/calls/{id}/notes")))
        .bearer_auth(&token)
        .json(&json!({"body": "Asked for a callback"}))
        .send()
        .await
        .unwrap();
    assert_eq!(note.status(), 202);
    // The note waits for the conversation: nothing is due, and no conversation was made.
    drained(hub.store(), Duration::from_secs(10)).await;
    assert!(hub
        .store()
        .subject(&SubjectKey::call(id))
        .unwrap()
        .unwrap()
        .conversation_id
        .is_none());

    end_answered_by_bob(&app, &hub, id, now + 3, now + 40).await;
    until("the agent's note in the logged conversation", || {
        let Some(conversation) = hub
            .store()
            .subject(&SubjectKey::call(id))
            .unwrap()
            .and_then(|s| s.conversation_id)
        else {
            return false;
        };
        app.sandbox
            .intercom()
            .conversation(&conversation)
            .is_some_and(|c| {
                c.parts
                    .iter()
                    .filter(|p| {
                        p.body.as_deref() == Some("<p>Asked for a callback</p>")
                            && p.author.id == BOB
                    })
                    .count()
                    == 1
            })
    })
    .await;
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_note_intercom_refuses_is_told_to_the_agent_in_words_on_the_stream_and_in_the_history() {
    let app = TestApp::demo().await;
    let hub = hub(&app).await;
    let token = hub
        .store()
        .add_agent("bob@acme.io", 0)
        .unwrap()
        .expose()
        .to_owned();
    let now = system_clock()();
    let id = ring(&app, &hub, "+1 442-249-7851", 2202, now).await;
    end_answered_by_bob(&app, &hub, id, now + 3, now + 40).await;
    until("the call logged", || {
        hub.store()
            .subject(&SubjectKey::call(id))
            .unwrap()
            .is_some_and(|s| s.status == Status::Logged)
    })
    .await;
    drained(hub.store(), Duration::from_secs(10)).await;
    let mut stream = EventStream {
        response: EventStream::open(&hub, &token, None).await,
        buffer: String::new(),
    };

    // Intercom refuses what comes next.
    app.sandbox.faults().fail_next(Api::Intercom, 1, 422);
    let note = reqwest::Client::new()
        .post(api(&hub, &format!("/calls/{id}/notes")))
        .bearer_auth(&token)
        .json(&json!({"body": "Refund promised"}))
        .send()
        .await
        .unwrap();
    assert_eq!(note.status(), 202);
    let refused = stream.until("action.refused").await;
    let id_text = id.to_string();
    assert_eq!(refused.data["id"], id_text.as_str(), "{:?}", refused.data);
    assert_eq!(refused.data["action"], "note");
    assert_eq!(refused.data["value"], "Refund promised");
    let reason = refused.data["reason"].as_str().unwrap();
    assert!(
        reason.contains("Intercom") && reason.contains("422"),
        "{reason}"
    );

    let history: Vec<serde_json::Value> = reqwest::Client::new()
        .get(api(&hub, "/calls"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let line = history
        .iter()
        .find(|h| h["id"].as_str() == Some(id_text.as_str()))
        .expect("the call in the history");
    assert_eq!(line["refused"][0]["action"], "note", "{line}");
    assert_eq!(line["refused"][0]["value"], "Refund promised");
    assert_eq!(line["refused"][0]["reason"], reason);
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_hub_runs_contact_sync_and_reports_it_on_health() {
    let app = TestApp::demo().await;
    app.sandbox.faults().set_aircall_budget(100_000);
    let linked_to_jane = || {
        app.sandbox
            .aircall()
            .contacts()
            .into_iter()
            .filter(|c| c.information.as_deref().is_some_and(|i| i.contains(JANE)))
            .count()
    };
    let before = linked_to_jane();
    let options = ringside_core::sync::SyncOptions::new(Region::parse("FR").unwrap());
    let config = HubConfig {
        sync: Some(ringside_core::hub::SyncSchedule {
            options,
            interval: Duration::from_secs(3600),
        }),
        ..config(&app)
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hub = Hub::start(config, listener).await.unwrap();
    let health = format!("http://{}/healthz", hub.local_addr());
    let mut last = serde_json::Value::Null;
    for _ in 0..200 {
        last = reqwest::get(&health).await.unwrap().json().await.unwrap();
        if last["sync"]["phase"] == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(last["sync"]["phase"], "done", "{last}");
    assert!(last["sync"]["created"].as_u64().unwrap() > 0, "{last}");
    // Jane now has an Aircall contact made by Ringside, linked to her Intercom profile.
    assert_eq!(linked_to_jane(), before + 1);
    hub.shutdown().await;
}

/// `GET /api/v1/calls/:id/card` as Bob.
async fn call_card(hub: &Hub, token: &str, id: u64) -> serde_json::Value {
    reqwest::Client::new()
        .get(api(hub, &format!("/calls/{id}/card")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The names and states of the call conversation's tags on a card.
fn call_tags(card: &serde_json::Value) -> Vec<(String, String)> {
    card["call_conversation"]["tags"]
        .as_array()
        .unwrap_or_else(|| panic!("no call conversation on {card}"))
        .iter()
        .map(|t| {
            let text = |k: &str| t[k].as_str().unwrap().to_owned();
            (text("name"), text("state"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_calls_card_carries_the_tags_of_both_conversations() {
    let app = TestApp::demo().await;
    let hub = hub(&app).await;
    let token = hub.store().add_agent("bob@acme.io", 0).unwrap();
    let token = token.expose();
    let client = reqwest::Client::new();
    let now = system_clock()();
    let id = ring(&app, &hub, "+33 7 62 04 35 75", 2201, now).await;
    until("the hub to track the call", || {
        hub.store()
            .subject(&SubjectKey::call(id))
            .unwrap()
            .is_some()
    })
    .await;

    // The last conversation's tags, as Intercom has them; the call is not logged yet.
    let card = call_card(&hub, token, id).await;
    assert_eq!(
        card["conversation"]["tags"],
        json!([{"id": "101", "name": "VIP"}, {"id": "102", "name": "Billing"}])
    );
    assert_eq!(card["call_conversation"]["id"], serde_json::Value::Null);
    assert_eq!(call_tags(&card), []);

    // A tag typed while it rings waits for the conversation, and the card says so.
    let tag = client
        .post(api(&hub, &format!("/calls/{id}/tags")))
        .bearer_auth(token)
        .json(&json!({"name": "Follow-up"}))
        .send()
        .await
        .unwrap();
    assert_eq!(tag.status(), 202);
    let card = call_card(&hub, token, id).await;
    assert_eq!(call_tags(&card), [("Follow-up".into(), "adding".into())]);

    end_answered_by_bob(&app, &hub, id, now + 5, now + 65).await;
    let intercom = app.sandbox.intercom();
    let logged = || {
        hub.store()
            .subject(&SubjectKey::call(id))
            .unwrap()
            .and_then(|s| s.conversation_id)
    };
    until("the call logged", || logged().is_some()).await;
    let conversation = logged().unwrap();
    until("the agent's tag in Intercom", || {
        intercom
            .conversation(&conversation)
            .is_some_and(|c| c.tags.iter().any(|t| t.name == "Follow-up"))
    })
    .await;

    // A teammate tags the conversation in Intercom: the card shows it too.
    let ic = app.intercom();
    let billing = ic.tag_named("Billing").await.unwrap();
    ic.attach_tag(&conversation, &billing.id, ALICE)
        .await
        .unwrap();
    let card = call_card(&hub, token, id).await;
    assert_eq!(card["call_conversation"]["id"], conversation);
    assert!(card["call_conversation"]["url"]
        .as_str()
        .unwrap()
        .ends_with(&conversation));
    assert_eq!(
        card["call_conversation"]["tags_error"],
        serde_json::Value::Null
    );
    let mut tags = call_tags(&card);
    tags.sort();
    assert_eq!(
        tags,
        [
            ("Billing".into(), "applied".into()),
            ("Follow-up".into(), "applied".into())
        ]
    );
    // The last conversation is still the one from before the call.
    assert_eq!(card["conversation"]["id"], JANE_OPEN);

    // Removing one from the card takes it off in Intercom.
    let untag = client
        .delete(api(&hub, &format!("/calls/{id}/tags/Billing")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(untag.status(), 202);
    until("the tag to go", || {
        intercom
            .conversation(&conversation)
            .is_some_and(|c| c.tags.iter().all(|t| t.name != "Billing"))
    })
    .await;
    // The outbox marks it done just after Intercom answered.
    for _ in 0..100 {
        if call_tags(&call_card(&hub, token, id).await).len() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let card = call_card(&hub, token, id).await;
    assert_eq!(call_tags(&card), [("Follow-up".into(), "applied".into())]);

    // When Intercom does not answer, the card still comes, and says why its tags are missing.
    app.sandbox
        .faults()
        .fail_next(ringside_sandbox::Api::Intercom, 1, 404);
    let card = call_card(&hub, token, id).await;
    assert!(
        card["call_conversation"]["tags_error"].is_string(),
        "{card}"
    );
    assert_eq!(call_tags(&card), []);
    assert_eq!(card["contact"]["name"], "Jane Roe");
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn why_contact_sync_waits_or_stopped_is_told_to_admins_only() {
    let app = TestApp::demo().await;
    app.sandbox.faults().set_aircall_budget(100_000);
    // Intercom fails every request for a while: the first run stops with Intercom's words.
    app.sandbox.faults().fail_next(Api::Intercom, 10_000, 500);
    let config = HubConfig {
        sync: Some(ringside_core::hub::SyncSchedule {
            options: ringside_core::sync::SyncOptions::new(Region::parse("FR").unwrap()),
            interval: Duration::from_secs(30 * 60),
        }),
        ..config(&app)
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hub = Hub::start(config, listener).await.unwrap();
    let bob = hub.store().add_agent("bob@acme.io", 0).unwrap();
    let boss = hub.store().add_agent_with("boss@acme.io", true, 0).unwrap();
    let sync_of = |token: String| {
        let request = reqwest::Client::new()
            .get(api(&hub, "/sync"))
            .bearer_auth(token);
        async move {
            request
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let mut admins = serde_json::Value::Null;
    for _ in 0..200 {
        admins = sync_of(boss.expose().to_owned()).await;
        if admins["progress"]["waiting"].is_string() || admins["last_error"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let why = admins["progress"]["waiting"]
        .as_str()
        .or(admins["last_error"].as_str())
        .unwrap_or_else(|| panic!("the admin reads why: {admins}"));
    assert!(why.contains("Intercom") && why.contains("500"), "{why}");
    let agents = sync_of(bob.expose().to_owned()).await;
    assert!(agents["last_error"].is_null(), "{agents}");
    assert!(agents["progress"]["waiting"].is_null(), "{agents}");
    assert!(!agents.to_string().contains("500"), "{agents}");
    app.sandbox.faults().clear();
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn agents_read_the_integration_settings_and_the_sync_status() {
    let app = TestApp::demo().await;
    app.sandbox.faults().set_aircall_budget(100_000);
    let mut options = ringside_core::sync::SyncOptions::new(Region::parse("FR").unwrap());
    options.roles = ringside_core::sync::plan::Roles::Leads;
    let config = HubConfig {
        settings: Settings {
            log_missed_calls: false,
            tag_window_secs: 3 * 3600,
            ..Settings::default()
        },
        sync: Some(ringside_core::hub::SyncSchedule {
            options,
            interval: Duration::from_secs(30 * 60),
        }),
        ..config(&app)
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hub = Hub::start(config, listener).await.unwrap();
    let token = hub.store().add_agent("bob@acme.io", 0).unwrap();
    let client = reqwest::Client::new();
    let get = |path: &'static str| {
        let request = client.get(api(&hub, path));
        let token = token.expose().to_owned();
        async move {
            let response = request.bearer_auth(token).send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.json::<serde_json::Value>().await.unwrap()
        }
    };

    let unauthenticated = client.get(api(&hub, "/settings")).send().await.unwrap();
    assert_eq!(unauthenticated.status(), 401);
    let settings = get("/settings").await;
    assert_eq!(settings["settings"]["log_missed_calls"], false);
    assert_eq!(settings["settings"]["tag_window_secs"], 3 * 3600);
    assert_eq!(
        settings["sync"],
        json!({"roles": "leads", "interval_minutes": 30, "full_every_hours": 24})
    );
    let text = settings.to_string();
    for secret in [
        app.sandbox.credentials().intercom_token,
        app.sandbox.credentials().aircall_api_token,
    ] {
        assert!(!text.contains(&secret), "a credential in {text}");
    }

    let mut sync = serde_json::Value::Null;
    for _ in 0..200 {
        sync = get("/sync").await;
        if !sync["last_run"].is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sync["enabled"], true);
    assert_eq!(sync["last_run"]["kind"], "full", "{sync}");
    assert!(sync["last_run"]["counts"]["indexed"].as_u64().unwrap() > 0);
    assert!(sync["last_run"]["counts"]["created"].as_u64().unwrap() > 0);
    assert!(sync["last_run"]["finished_at"].is_i64());
    assert_eq!(sync["last_error"], serde_json::Value::Null);
    assert_eq!(sync["progress"]["phase"], "done");
    hub.shutdown().await;

    // A hub without contact sync says so.
    let hub = self::hub(&app).await;
    let token = hub.store().add_agent("bob@acme.io", 0).unwrap();
    let sync: serde_json::Value = client
        .get(api(&hub, "/sync"))
        .bearer_auth(token.expose())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        sync,
        json!({"enabled": false, "progress": null, "last_run": null, "stopped": false, "last_error": null})
    );
    hub.shutdown().await;
}

/// Plays a scenario to its end on the hub.
async fn play_all(app: &TestApp, hub: &Hub, scenario: &ringside_sandbox::scenario::Scenario) {
    let player = ringside_tests::hubs::player(hub.local_addr());
    let mut playback = player.playback(&app.sandbox, scenario);
    while let Some(status) = playback.step().await.unwrap() {
        assert_eq!(status, 200);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_history_gives_each_line_its_channel_name_duration_and_why_it_waits() {
    use ringside_core::hub::history::{Channel, HistoryItem};
    use ringside_sandbox::scenario::{demo, Scenario};
    let app = TestApp::demo().await;
    app.sandbox.faults().set_aircall_budget(100_000);
    let config = HubConfig {
        settings: Settings {
            log_missed_calls: false,
            ..Settings::default()
        },
        ..config(&app)
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hub = Hub::start(config, listener).await.unwrap();
    let token = hub.store().add_agent_with("bob@acme.io", true, 0).unwrap();
    for scenario in [
        Scenario::inbound_answered(demo::JANE, demo::SUPPORT_FR, demo::BOB),
        Scenario::missed(demo::UNKNOWN, demo::SUPPORT_FR),
        Scenario::shared_number(demo::SHARED, demo::SUPPORT_FR, demo::BOB),
        Scenario::sms_inbound(demo::JANE, demo::SUPPORT_FR, "Can you call me back?"),
        Scenario::whatsapp_outbound(demo::JANE, demo::SUPPORT_FR, demo::BOB, "On my way", true),
    ] {
        play_all(&app, &hub, &scenario).await;
    }
    ringside_tests::hubs::settle(hub.store(), Duration::from_secs(10)).await;

    // The desktop reads the history with the hub's own type.
    let history: Vec<HistoryItem> = reqwest::Client::new()
        .get(api(&hub, "/calls?limit=20"))
        .bearer_auth(token.expose())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let line = |what: &str, pick: &dyn Fn(&HistoryItem) -> bool| {
        history
            .iter()
            .find(|i| pick(i))
            .unwrap_or_else(|| panic!("no line for {what} in {history:#?}"))
            .clone()
    };
    let jane = line("Jane's call", &|i| {
        i.channel == Channel::Call && i.phone.as_deref() == Some(demo::JANE)
    });
    assert_eq!(jane.contact_name.as_deref(), Some("Jane Roe"));
    assert_eq!(jane.status, Status::Logged);
    assert!(!jane.missed);
    assert!(jane.duration_secs.is_some_and(|d| d > 0), "{jane:?}");
    assert!(jane.conversation_url.is_some());

    let missed = line("the missed call", &|i| {
        i.channel == Channel::Call && i.phone.as_deref() == Some(demo::UNKNOWN)
    });
    assert!(missed.missed);
    assert_eq!(missed.duration_secs, None, "nobody spoke");
    assert_eq!(missed.status, Status::Off);
    assert_eq!(
        missed.reason.as_deref(),
        Some("logging missed calls is turned off")
    );

    let shared = line("the shared number's call", &|i| {
        i.channel == Channel::Call && i.phone.as_deref() == Some(demo::SHARED)
    });
    assert_eq!((shared.status, shared.candidates), (Status::Skipped, 2));
    assert_eq!(shared.contact_name, None);

    let sms = line("the SMS", &|i| i.channel == Channel::Sms);
    assert_eq!(sms.text.as_deref(), Some("Can you call me back?"));
    assert_eq!(sms.contact_name.as_deref(), Some("Jane Roe"));
    let whatsapp = line("the WhatsApp message", &|i| i.channel == Channel::Whatsapp);
    assert_eq!(
        whatsapp.direction,
        Some(ringside_core::aircall::Direction::Outbound)
    );
    hub.shutdown().await;
}
