//! The hub facing the internet: revoked agents, agents reading other agents' calls, slow and
//! many clients, a `Last-Event-ID` from another hub, what `/healthz` says to anyone, retention,
//! `Idempotency-Key`, ids that could change a vendor's path, and the one error shape.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use ringside_core::hub::{Hub, HubConfig, HubLimits};
use ringside_core::phone::Region;
use ringside_core::pipeline::subject::{Status, SubjectKey};
use ringside_core::rules::Settings;
use ringside_core::store::Store;
use ringside_core::{ApiError, Secret};
use ringside_sandbox::scenario::{demo, Scenario};
use ringside_sandbox::Api;
use ringside_tests::demo::{CLAIRE, JANE, PAUL, RINGING_CALL};
use ringside_tests::hubs::{lift_budgets, player, settle, until, WEBHOOK_TOKEN};
use ringside_tests::{TestApp, TestClock};
use serde_json::{json, Value};
use tokio::io::AsyncReadExt;

/// Bob answers on Support GB, the line only he answers on.
const BOB_EMAIL: &str = "bob@acme.io";
/// Alice is a teammate, not on Support GB.
const ALICE_EMAIL: &str = "alice.durand@acme.io";

/// A hub on the demo sandbox with these limits and clock, on an in-memory store.
async fn hub_with(app: &TestApp, limits: HubLimits, clock: &TestClock) -> Hub {
    hub_on(app, limits, clock, Store::open_in_memory().unwrap()).await
}

/// A hub on the demo sandbox with these limits and clock, on this store.
async fn hub_on(app: &TestApp, limits: HubLimits, clock: &TestClock, store: Store) -> Hub {
    lift_budgets(app);
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
        intercom_client_secret: None,
        signin: None,
        console: Default::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    Hub::start_with(config, limits, listener).await.unwrap()
}

async fn hub(app: &TestApp) -> Hub {
    hub_with(app, HubLimits::default(), &TestClock::default()).await
}

/// Plays a scenario to its end and waits until the hub is idle; returns the call's id.
async fn play(app: &TestApp, hub: &Hub, scenario: &Scenario) -> u64 {
    let player = player(hub.local_addr());
    let mut playback = player.playback(&app.sandbox, scenario);
    while let Some(status) = playback.step().await.unwrap() {
        assert_eq!(status, 200);
    }
    settle(hub.store(), Duration::from_secs(10)).await;
    playback.call("call").unwrap()
}

fn url(hub: &Hub, path: &str) -> String {
    format!("http://{}{path}", hub.local_addr())
}

fn token(hub: &Hub, email: &str) -> String {
    hub.store().add_agent(email, 0).unwrap().expose().to_owned()
}

async fn get(hub: &Hub, token: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(url(hub, path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn post(
    hub: &Hub,
    token: &str,
    path: &str,
    key: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(url(hub, path))
        .bearer_auth(token)
        .json(&body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.unwrap()
}

/// The error code of a JSON error answer; panics when the answer is not in the one shape.
async fn error_code(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("a {status} answer that is not JSON: {text:?}"));
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("a {status} answer without error.code: {body}"));
    assert!(body["error"]["message"].is_string(), "{body}");
    (status, code.to_owned())
}

/// Reads a response's body until it ends, or panics after `within`.
async fn until_the_stream_ends(mut response: reqwest::Response, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, response.chunk()).await {
            Err(_) => panic!("the stream was still open after {within:?}"),
            Ok(Ok(Some(_))) => continue,
            Ok(Ok(None) | Err(_)) => return,
        }
    }
}

/// The next SSE event's id and name, skipping keep-alives.
async fn next_event(response: &mut reqwest::Response, buffer: &mut String) -> (i64, String) {
    let (id, name, _) = next_event_with_data(response, buffer).await;
    (id, name)
}

/// The next SSE event's id, name and data (`Null` when it is not JSON), skipping comments.
async fn next_event_with_data(
    response: &mut reqwest::Response,
    buffer: &mut String,
) -> (i64, String, Value) {
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(|v| v.trim().to_owned())
            };
            let id = field("id:").and_then(|v| v.parse().ok());
            let data = field("data:")
                .and_then(|d| serde_json::from_str(&d).ok())
                .unwrap_or(Value::Null);
            if let (Some(id), Some(name)) = (id, field("event:")) {
                return (id, name, data);
            }
            continue;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(10), response.chunk())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .expect("the stream stays open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_agents_open_stream_ends_within_seconds() {
    let app = TestApp::demo().await;
    let hub = hub(&app).await;
    let bob = token(&hub, BOB_EMAIL);
    let alice = token(&hub, ALICE_EMAIL);
    let bobs = get(&hub, &bob, "/api/v1/events").await;
    let alices = get(&hub, &alice, "/api/v1/events").await;
    assert_eq!(bobs.status(), 200);
    assert_eq!(alices.status(), 200);

    assert!(hub.store().revoke_agent(BOB_EMAIL).unwrap());
    until_the_stream_ends(bobs, Duration::from_secs(5)).await;
    assert_eq!(get(&hub, &bob, "/api/v1/events").await.status(), 401);

    // Alice's stream is not cut: an event still reaches her.
    let mut alices = alices;
    let mut buffer = String::new();
    let body = json!({"resource": "user", "event": "user.opened.v2", "timestamp": 1_700_000_000,
        "token": WEBHOOK_TOKEN, "data": {"id": demo::BOB, "email": "Bob@Acme.io"}});
    let sent = reqwest::Client::new()
        .post(url(&hub, "/webhooks/aircall"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    let (_, name) = next_event(&mut alices, &mut buffer).await;
    assert_eq!(name, "availability.changed");
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_reads_and_acts_only_on_the_calls_that_concern_them() {
    let app = TestApp::demo().await;
    let hub = hub(&app).await;
    let bob = token(&hub, BOB_EMAIL);
    let alice = token(&hub, ALICE_EMAIL);
    let boss = hub
        .store()
        .add_agent_with("boss@acme.io", true, 0)
        .unwrap()
        .expose()
        .to_owned();
    let id = play(
        &app,
        &hub,
        &Scenario::inbound_answered(demo::JANE, demo::SUPPORT_GB, demo::BOB),
    )
    .await;
    let card = format!("/api/v1/calls/{id}/card");

    // Bob answered it: he sees it. So does the admin.
    assert_eq!(get(&hub, &bob, &card).await.status(), 200);
    assert_eq!(get(&hub, &boss, &card).await.status(), 200);
    let id_text = id.to_string();
    let listed = |history: Value| {
        history
            .as_array()
            .unwrap()
            .iter()
            .any(|row| row["id"] == id_text.as_str())
    };
    let history = |token: String| {
        let hub = &hub;
        async move {
            get(hub, &token, "/api/v1/calls")
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert!(listed(history(bob.clone()).await));
    assert!(listed(history(boss.clone()).await));

    // Alice is not on that line: for her the call does not exist.
    let effects = || hub.store().outbox_of(&SubjectKey::call(id)).unwrap().len();
    let effects_before = effects();
    assert!(!listed(history(alice.clone()).await));
    assert_eq!(
        error_code(get(&hub, &alice, &card).await).await,
        (404, "not_found".into())
    );
    let note = json!({"body": "Not my call"});
    for (path, body) in [
        (format!("/api/v1/calls/{id}/notes"), note.clone()),
        (format!("/api/v1/calls/{id}/tags"), json!({"name": "VIP"})),
        (
            format!("/api/v1/calls/{id}/contact"),
            json!({"contact_id": JANE}),
        ),
    ] {
        let refused = post(&hub, &alice, &path, None, body).await;
        assert_eq!(
            error_code(refused).await,
            (404, "not_found".into()),
            "{path}"
        );
    }
    let untag = reqwest::Client::new()
        .delete(url(&hub, &format!("/api/v1/calls/{id}/tags/VIP")))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    // The route exists: the 404 is the call's, in the hub's words, not a missing route's.
    let refused: Value = {
        assert_eq!(untag.status(), 404);
        untag.json().await.unwrap()
    };
    assert_eq!(
        refused["error"]["message"],
        format!("the hub has not seen call {id}")
    );
    assert_eq!(effects(), effects_before, "nothing was queued");
    // A tag name is checked when removed as when added.
    for bad in ["%20", &"t".repeat(300)] {
        let refused = reqwest::Client::new()
            .delete(url(&hub, &format!("/api/v1/calls/{id}/tags/{bad}")))
            .bearer_auth(&bob)
            .send()
            .await
            .unwrap();
        assert_eq!(error_code(refused).await, (400, "bad_tag".into()), "{bad}");
    }
    assert_eq!(effects(), effects_before, "nothing was queued");

    // The admin may act on it.
    let by_admin = post(
        &hub,
        &boss,
        &format!("/api/v1/calls/{id}/notes"),
        None,
        note,
    )
    .await;
    assert_eq!(by_admin.status(), 202);

    // A card for a call the hub never saw costs Aircall nothing, whoever asks.
    settle(hub.store(), Duration::from_secs(10)).await;
    let aircall_before = app.sandbox.count_requests(Api::Aircall);
    let unseen = get(&hub, &boss, &format!("/api/v1/calls/{RINGING_CALL}/card")).await;
    assert_eq!(error_code(unseen).await, (404, "not_found".into()));
    assert_eq!(app.sandbox.count_requests(Api::Aircall), aircall_before);
    hub.shutdown().await;
}

/// The next event's name and call id on a stream (skipping comments).
async fn next_call_event(response: &mut reqwest::Response, buffer: &mut String) -> (String, Value) {
    let (_, name, data) = next_event_with_data(response, buffer).await;
    (name, data["call_id"].clone())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ringing_call_reaches_its_lines_teammates_and_admins_only() {
    let app = TestApp::demo().await;
    let hub = hub(&app).await;
    let (bob, alice) = (token(&hub, BOB_EMAIL), token(&hub, ALICE_EMAIL));
    let boss = hub
        .store()
        .add_agent_with("boss@acme.io", true, 0)
        .unwrap()
        .expose()
        .to_owned();
    let mut streams = Vec::new();
    for t in [&bob, &alice, &boss] {
        streams.push((open_stream(&hub, t, None).await, String::new()));
    }
    // Jane calls Support GB, Bob's line; Aircall's webhooks name nobody while it rings.
    let player = player(hub.local_addr());
    let gb = Scenario::inbound_answered(demo::JANE, demo::SUPPORT_GB, demo::BOB);
    let mut ringing = player.playback(&app.sandbox, &gb);
    ringing.step().await.unwrap();
    let gb_call = ringing.call("call").unwrap();
    // Bob and the admin hear it ring.
    for i in [0, 2] {
        let (stream, buffer) = &mut streams[i];
        assert_eq!(
            next_call_event(stream, buffer).await,
            ("call.ringing".to_owned(), json!(gb_call))
        );
    }
    let card = format!("/api/v1/calls/{gb_call}/card");
    assert_eq!(get(&hub, &bob, &card).await.status(), 200);
    assert_eq!(
        error_code(get(&hub, &alice, &card).await).await,
        (404, "not_found".into())
    );
    // Alice hears of the next call on her own line first: nothing of Bob's came before.
    let us = Scenario::inbound_answered(demo::JOHN, demo::SALES_US, demo::ALICE);
    let mut hers = player.playback(&app.sandbox, &us);
    hers.step().await.unwrap();
    let us_call = hers.call("call").unwrap();
    let (stream, buffer) = &mut streams[1];
    assert_eq!(
        next_call_event(stream, buffer).await,
        ("call.ringing".to_owned(), json!(us_call))
    );
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_on_a_line_whose_teammates_cannot_be_read_concerns_admins_only() {
    let app = TestApp::demo().await;
    // Aircall tells nothing of its lines: the hub cannot tell who answers on them.
    app.sandbox.faults().fail_next(Api::Aircall, 100_000, 500);
    let hub = hub(&app).await;
    let (bob, alice) = (token(&hub, BOB_EMAIL), token(&hub, ALICE_EMAIL));
    let boss = hub
        .store()
        .add_agent_with("boss@acme.io", true, 0)
        .unwrap()
        .expose()
        .to_owned();
    let player = player(hub.local_addr());
    let gb = Scenario::inbound_answered(demo::JANE, demo::SUPPORT_GB, demo::BOB);
    let mut ringing = player.playback(&app.sandbox, &gb);
    ringing.step().await.unwrap();
    let id = ringing.call("call").unwrap();
    let card = format!("/api/v1/calls/{id}/card");
    until("the hub to know the call", Duration::from_secs(10), || {
        hub.store()
            .subject(&SubjectKey::call(id))
            .unwrap()
            .is_some()
    })
    .await;
    app.sandbox.faults().clear();
    let id_text = id.to_string();
    for agent in [&bob, &alice] {
        assert_eq!(
            error_code(get(&hub, agent, &card).await).await,
            (404, "not_found".into())
        );
        let history = get(&hub, agent, "/api/v1/calls")
            .await
            .json::<Value>()
            .await
            .unwrap();
        assert!(
            !history
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["id"].as_str() == Some(id_text.as_str())),
            "{history}"
        );
    }
    assert_eq!(get(&hub, &boss, &card).await.status(), 200);
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_contact_pick_takes_only_a_candidate_and_a_retried_pick_is_not_a_failure() {
    let app = TestApp::demo().await;
    let hub = hub(&app).await;
    let bob = token(&hub, BOB_EMAIL);
    let id = play(
        &app,
        &hub,
        &Scenario::shared_number(demo::SHARED, demo::SUPPORT_GB, demo::BOB),
    )
    .await;
    let pick = format!("/api/v1/calls/{id}/contact");

    // Jane exists in Intercom but was not offered for this call.
    let jane = post(&hub, &bob, &pick, None, json!({"contact_id": JANE})).await;
    assert_eq!(error_code(jane).await, (422, "not_a_candidate".into()));
    // Ids that would change Intercom's path never reach it.
    let intercom_before = app.sandbox.count_requests(Api::Intercom);
    for odd in ["..", "../admins", "a b", "", "x/y"] {
        let refused = post(&hub, &bob, &pick, None, json!({ "contact_id": odd })).await;
        assert_eq!(error_code(refused).await, (400, "bad_id".into()), "{odd:?}");
    }
    assert_eq!(app.sandbox.count_requests(Api::Intercom), intercom_before);

    // Claire was offered: the pick is taken, and the same pick again (its answer was lost)
    // gets the same answer, even once the call is logged.
    let first = post(
        &hub,
        &bob,
        &pick,
        Some("pick-1"),
        json!({"contact_id": CLAIRE}),
    )
    .await;
    assert_eq!(first.status(), 202);
    let first: Value = first.json().await.unwrap();
    settle(hub.store(), Duration::from_secs(10)).await;
    assert!(hub
        .store()
        .subject(&SubjectKey::call(id))
        .unwrap()
        .unwrap()
        .conversation_id
        .is_some());
    let again = post(
        &hub,
        &bob,
        &pick,
        Some("pick-1"),
        json!({"contact_id": CLAIRE}),
    )
    .await;
    assert_eq!(again.status(), 202);
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    // The same key for another pick is a mistake, not a retry.
    let other = post(
        &hub,
        &bob,
        &pick,
        Some("pick-1"),
        json!({"contact_id": PAUL}),
    )
    .await;
    assert_eq!(
        error_code(other).await,
        (422, "idempotency_key_reused".into())
    );
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_requests_sent_at_once_with_one_key_and_different_notes_queue_one() {
    let app = TestApp::demo().await;
    let hub = hub(&app).await;
    let bob = token(&hub, BOB_EMAIL);
    let id = play(
        &app,
        &hub,
        &Scenario::inbound_answered(demo::JANE, demo::SUPPORT_GB, demo::BOB),
    )
    .await;
    let path = format!("/api/v1/calls/{id}/notes");
    for pair in 0..30 {
        let key = format!("note-{pair}");
        let (a, b) = tokio::join!(
            post(
                &hub,
                &bob,
                &path,
                Some(&key),
                json!({"body": format!("first {pair}")})
            ),
            post(
                &hub,
                &bob,
                &path,
                Some(&key),
                json!({"body": format!("second {pair}")})
            ),
        );
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [202, 422], "pair {pair}");
        let refused = if a.status() == 422 { a } else { b };
        assert_eq!(
            error_code(refused).await,
            (422, "idempotency_key_reused".into())
        );
    }
    settle(hub.store(), Duration::from_secs(10)).await;
    let notes: Vec<String> = hub
        .store()
        .outbox_of(&SubjectKey::call(id))
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.effect {
            ringside_core::rules::Effect::AddNote {
                body,
                author_email: Some(_),
            } => Some(body),
            _ => None,
        })
        .collect();
    assert_eq!(notes.len(), 30, "one note per key: {notes:?}");
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn idempotency_keys_are_checked_and_belong_to_their_agent() {
    let app = TestApp::demo().await;
    let hub = hub(&app).await;
    let bob = token(&hub, BOB_EMAIL);
    let boss = hub
        .store()
        .add_agent_with("boss@acme.io", true, 0)
        .unwrap()
        .expose()
        .to_owned();
    let id = play(
        &app,
        &hub,
        &Scenario::inbound_answered(demo::JANE, demo::SUPPORT_GB, demo::BOB),
    )
    .await;
    let notes = format!("/api/v1/calls/{id}/notes");
    let note = |text: &str| json!({ "body": text });
    let effects = || hub.store().outbox_of(&SubjectKey::call(id)).unwrap().len();
    let effects_before = effects();

    let long = "k".repeat(201);
    for bad in [long.as_str(), "two words"] {
        let refused = post(&hub, &bob, &notes, Some(bad), note("Hello")).await;
        assert_eq!(
            error_code(refused).await,
            (400, "bad_idempotency_key".into())
        );
    }
    assert_eq!(effects(), effects_before, "nothing was queued");

    let first = post(&hub, &bob, &notes, Some("n1"), note("Wants a refund")).await;
    assert_eq!(first.status(), 202);
    let retried = post(&hub, &bob, &notes, Some("n1"), note("Wants a refund")).await;
    assert_eq!(retried.status(), 202);
    let changed = post(&hub, &bob, &notes, Some("n1"), note("Wants a discount")).await;
    assert_eq!(
        error_code(changed).await,
        (422, "idempotency_key_reused".into())
    );
    // Another agent's "n1" is another note.
    let admins = post(&hub, &boss, &notes, Some("n1"), note("Refund approved")).await;
    assert_eq!(admins.status(), 202);
    settle(hub.store(), Duration::from_secs(10)).await;

    let conversation = hub
        .store()
        .subject(&SubjectKey::call(id))
        .unwrap()
        .and_then(|s| s.conversation_id)
        .unwrap();
    let parts = app
        .sandbox
        .intercom()
        .conversation(&conversation)
        .unwrap()
        .parts;
    let bodies: Vec<_> = parts.iter().filter_map(|p| p.body.clone()).collect();
    let count = |text: &str| bodies.iter().filter(|b| b.contains(text)).count();
    assert_eq!(count("Wants a refund"), 1, "{bodies:#?}");
    assert_eq!(count("Wants a discount"), 0, "{bodies:#?}");
    assert_eq!(count("Refund approved"), 1, "{bodies:#?}");
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_thousand_idle_connections_open_aircalls_deliveries_still_land() {
    let app = TestApp::demo().await;
    let hub = hub(&app).await;
    let mut idle = Vec::new();
    for _ in 0..1000 {
        idle.push(
            tokio::net::TcpStream::connect(hub.local_addr())
                .await
                .unwrap(),
        );
    }
    let started = Instant::now();
    let id = play(
        &app,
        &hub,
        &Scenario::inbound_answered(demo::JANE, demo::SUPPORT_GB, demo::BOB),
    )
    .await;
    until("the call logged", Duration::from_secs(10), || {
        hub.store()
            .subject(&SubjectKey::call(id))
            .unwrap()
            .is_some_and(|s| s.status == Status::Logged)
    })
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "logging took {:?} with 1,000 idle connections",
        started.elapsed()
    );
    drop(idle);
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_and_greedy_clients_are_cut_off_by_the_limits() {
    let app = TestApp::demo().await;
    let limits = HubLimits {
        header_read_timeout: Duration::from_millis(300),
        body_timeout: Duration::from_millis(300),
        max_connections: 8,
        streams_per_agent: 2,
        ..HubLimits::default()
    };
    let hub = hub_with(&app, limits, &TestClock::default()).await;
    let bob = token(&hub, BOB_EMAIL);

    // A client that never sends its headers is disconnected.
    let mut silent = tokio::net::TcpStream::connect(hub.local_addr())
        .await
        .unwrap();
    let mut buf = [0u8; 256];
    let read = tokio::time::timeout(Duration::from_secs(3), silent.read(&mut buf))
        .await
        .expect("the hub closes a silent connection");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");

    // A body that never finishes is answered with an error, in the one shape.
    use tokio::io::AsyncWriteExt;
    let mut slow = tokio::net::TcpStream::connect(hub.local_addr())
        .await
        .unwrap();
    slow.write_all(
        b"POST /webhooks/aircall HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"event\"",
    )
    .await
    .unwrap();
    let read = tokio::time::timeout(Duration::from_secs(3), slow.read(&mut buf))
        .await
        .expect("the hub answers or closes a slow body");
    let answer = String::from_utf8_lossy(&buf[..read.unwrap_or(0)]).into_owned();
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
        "{answer}"
    );
    assert_eq!(hub.store().inbox_depth().unwrap(), 0);

    // Two streams per agent; a third is refused.
    let one = get(&hub, &bob, "/api/v1/events").await;
    let two = get(&hub, &bob, "/api/v1/events").await;
    assert_eq!((one.status().as_u16(), two.status().as_u16()), (200, 200));
    let three = get(&hub, &bob, "/api/v1/events").await;
    assert_eq!(error_code(three).await, (429, "too_many_streams".into()));
    drop(one);
    let mut again = 429;
    for _ in 0..50 {
        again = get(&hub, &bob, "/api/v1/events").await.status().as_u16();
        if again == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(again, 200, "a closed stream gives its slot back");

    hub.shutdown().await;

    // Over the connection cap, a new connection is closed at once (long before the 10 s in
    // which the idle ones would be).
    let capped = HubLimits {
        max_connections: 8,
        ..HubLimits::default()
    };
    let hub = hub_with(&app, capped, &TestClock::default()).await;
    assert_connection_cap(&hub, 8).await;
    hub.shutdown().await;
}

/// With `max` idle connections open, one more is closed by the hub at once, while idle ones
/// are kept 10 s. A stray connection from elsewhere on the machine may take a slot, so the
/// test asks that at least one of `max + 1` connections be closed within 5 s, and that all but
/// a couple stay open.
async fn assert_connection_cap(hub: &Hub, max: usize) {
    let mut reads = tokio::task::JoinSet::new();
    for _ in 0..=max {
        let mut connection = tokio::net::TcpStream::connect(hub.local_addr())
            .await
            .unwrap();
        reads.spawn(async move {
            let mut buf = [0u8; 64];
            let read =
                tokio::time::timeout(Duration::from_secs(5), connection.read(&mut buf)).await;
            // Closed: the end of the stream, or a reset.
            let closed = matches!(read, Ok(Ok(0)) | Ok(Err(_)));
            (closed, connection)
        });
    }
    let mut closed = 0;
    let mut kept = Vec::new();
    while let Some(joined) = reads.join_next().await {
        let (was_closed, connection) = joined.unwrap();
        closed += usize::from(was_closed);
        kept.push(connection);
    }
    assert!(
        closed >= 1,
        "no connection over the cap of {max} was closed"
    );
    assert!(
        closed <= 2,
        "{closed} of {} connections were closed under a cap of {max}",
        max + 1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_id_from_another_hub_replays_this_hubs_log_and_the_instance_is_named() {
    let app = TestApp::demo().await;
    let hub = hub(&app).await;
    let bob = token(&hub, BOB_EMAIL);

    // The log holds a call already.
    play(
        &app,
        &hub,
        &Scenario::inbound_answered(demo::JANE, demo::SUPPORT_GB, demo::BOB),
    )
    .await;
    let first = hub
        .store()
        .events_after(0, 100)
        .unwrap()
        .into_iter()
        .find(|e| e.concerns(BOB_EMAIL))
        .expect("an event of Bob's")
        .id;
    let newest = hub.store().last_event_id().unwrap();

    // A desktop that followed a hub now reinstalled at the same address, whose log restarted.
    let mut stream = reqwest::Client::new()
        .get(url(&hub, "/api/v1/events"))
        .bearer_auth(&bob)
        .header("Last-Event-ID", "987654")
        .send()
        .await
        .unwrap();
    let instance = stream.headers()["x-ringside-instance"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(instance.len(), 32);
    let mut buffer = String::new();
    // It is told first, with an id that makes a reconnection start from the beginning too…
    let (id, name, told) = next_event_with_data(&mut stream, &mut buffer).await;
    assert_eq!((id, name.as_str()), (0, "stream.reset"));
    assert_eq!(told["asked"], 987654, "{told}");
    assert_eq!(told["newest"], newest, "{told}");
    // …then reads this hub's log from its first event, and what comes next.
    let (id, _) = next_event(&mut stream, &mut buffer).await;
    assert_eq!(id, first, "the log is replayed from its beginning");
    play(
        &app,
        &hub,
        &Scenario::inbound_answered(demo::JANE, demo::SUPPORT_GB, demo::BOB),
    )
    .await;
    loop {
        let (id, _) = next_event(&mut stream, &mut buffer).await;
        assert!(id < 987654, "the stream carries this hub's events ({id})");
        if id > newest {
            break;
        }
    }

    // Every answer names the instance, errors included, and /healthz says it too.
    for path in ["/api/v1/calls", "/api/v1/nothing-here", "/healthz"] {
        let response = get(&hub, &bob, path).await;
        assert_eq!(
            response.headers()["x-ringside-instance"],
            instance.as_str(),
            "{path}"
        );
    }
    let health: Value = reqwest::get(url(&hub, "/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["instance"], instance);
    // Another hub is another instance.
    let other = self::hub(&app).await;
    let theirs: Value = reqwest::get(url(&other, "/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(theirs["instance"], instance);
    other.shutdown().await;
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn healthz_without_an_admin_token_says_nothing_personal() {
    let app = TestApp::demo().await;
    let hub = hub(&app).await;
    let bob = token(&hub, BOB_EMAIL);
    let boss = hub
        .store()
        .add_agent_with("boss@acme.io", true, 0)
        .unwrap()
        .expose()
        .to_owned();
    // Intercom fails while the call is logged: the error (and its body) is kept for the admin.
    app.sandbox.faults().fail_next(Api::Intercom, 1000, 500);
    let player = player(hub.local_addr());
    let scenario = Scenario::inbound_answered(demo::JANE, demo::SUPPORT_GB, demo::BOB);
    let mut playback = player.playback(&app.sandbox, &scenario);
    while let Some(status) = playback.step().await.unwrap() {
        assert_eq!(status, 200);
    }
    until("an error recorded", Duration::from_secs(10), || {
        hub.store().outbox_last_error().unwrap().is_some()
    })
    .await;

    let health = |token: Option<String>| {
        let request = reqwest::Client::new().get(url(&hub, "/healthz"));
        async move {
            let request = match token {
                Some(t) => request.bearer_auth(t),
                None => request,
            };
            request.send().await.unwrap().json::<Value>().await.unwrap()
        }
    };
    for anyone in [health(None).await, health(Some(bob)).await] {
        assert_eq!(anyone["status"], "up");
        assert!(anyone.get("last_error").is_none(), "{anyone}");
        let text = anyone.to_string();
        assert!(
            !text.contains("33762043575") && !text.contains("62 04"),
            "{text}"
        );
    }
    let admin = health(Some(boss)).await;
    assert!(admin["last_error"].is_string(), "{admin}");
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_hub_forgets_what_is_finished_after_the_retention_but_not_what_waits() {
    let app = TestApp::demo().await;
    let clock = TestClock::default();
    let limits = HubLimits {
        prune_every: Duration::from_millis(50),
        ..HubLimits::with_retention_days(30).unwrap()
    };
    let hub = hub_with(&app, limits, &clock).await;
    let bob = token(&hub, BOB_EMAIL);
    let logged = play(
        &app,
        &hub,
        &Scenario::inbound_answered(demo::JANE, demo::SUPPORT_GB, demo::BOB),
    )
    .await;
    // A shared number waits for an agent's pick, with a note queued behind it.
    let waiting = play(
        &app,
        &hub,
        &Scenario::shared_number(demo::SHARED, demo::SUPPORT_GB, demo::BOB),
    )
    .await;
    let note = post(
        &hub,
        &bob,
        &format!("/api/v1/calls/{waiting}/notes"),
        None,
        json!({"body": "Which one?"}),
    )
    .await;
    assert_eq!(note.status(), 202);
    settle(hub.store(), Duration::from_secs(10)).await;
    let before = hub.store().rows().unwrap();
    assert!(
        before.events > 0 && before.inbox > 0 && before.outbox > 0,
        "{before:?}"
    );

    // Twenty-nine days on, everything is still there after a retention pass (two passes: the
    // first may have begun before the clock moved).
    clock.advance(Duration::from_secs(29 * 86_400));
    let mut passes = hub.retention_passes();
    let seen = *passes.borrow_and_update();
    tokio::time::timeout(Duration::from_secs(5), passes.wait_for(|n| *n >= seen + 2))
        .await
        .expect("two retention passes")
        .unwrap();
    assert_eq!(hub.store().rows().unwrap(), before);

    // Thirty-one days on, the logged call and its traces are gone; the waiting call is not.
    clock.advance(Duration::from_secs(2 * 86_400));
    until("the logged call forgotten", Duration::from_secs(5), || {
        hub.store()
            .subject(&SubjectKey::call(logged))
            .unwrap()
            .is_none()
    })
    .await;
    let after = hub.store().rows().unwrap();
    assert_eq!((after.inbox, after.events), (0, 0), "{after:?}");
    assert!(hub
        .store()
        .subject(&SubjectKey::call(waiting))
        .unwrap()
        .is_some_and(|s| s.status == Status::Skipped));
    assert!(after.outbox > 0, "the blocked note stays: {after:?}");
    // The pick still works on it.
    let pick = post(
        &hub,
        &bob,
        &format!("/api/v1/calls/{waiting}/contact"),
        None,
        json!({"contact_id": CLAIRE}),
    )
    .await;
    assert_eq!(pick.status(), 202);
    hub.shutdown().await;
}

/// Opens Bob's event stream from `last_event_id` (live when `None`); the answer's headers must
/// come at once, whatever the log holds.
async fn open_stream(hub: &Hub, token: &str, last_event_id: Option<i64>) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .get(url(hub, "/api/v1/events"))
        .bearer_auth(token);
    if let Some(id) = last_event_id {
        request = request.header("Last-Event-ID", id.to_string());
    }
    let response = tokio::time::timeout(Duration::from_secs(2), request.send())
        .await
        .expect("the stream's headers within 2 s")
        .unwrap();
    assert_eq!(response.status(), 200);
    response
}

/// Reads a stream until the card of `call` is ready; returns that event's id.
async fn until_card(response: &mut reqwest::Response, buffer: &mut String, call: u64) -> i64 {
    loop {
        let (id, name, data) = next_event_with_data(response, buffer).await;
        if name == "card.ready" && data["call_id"] == call {
            return id;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn after_retention_empties_the_log_and_the_hub_restarts_every_app_still_gets_the_next_card() {
    let app = TestApp::demo().await;
    let clock = TestClock::default();
    let limits = || HubLimits {
        prune_every: Duration::from_millis(50),
        ..HubLimits::with_retention_days(30).unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_on(&app, limits(), &clock, Store::open(dir.path()).unwrap()).await;
    let bob = token(&hub, BOB_EMAIL);
    let jane = Scenario::inbound_answered(demo::JANE, demo::SUPPORT_GB, demo::BOB);
    let first = play(&app, &hub, &jane).await;
    let mut before = open_stream(&hub, &bob, Some(0)).await;
    let mut buffer = String::new();
    let seen = until_card(&mut before, &mut buffer, first).await;

    // A quiet month: retention prunes every event, with the stream open.
    clock.advance(Duration::from_secs(31 * 86_400));
    until("every event pruned", Duration::from_secs(5), || {
        hub.store().rows().unwrap().events == 0
    })
    .await;
    // The open stream still gets the next call's card, with an id beyond what it saw.
    let second = play(&app, &hub, &jane).await;
    let id = until_card(&mut before, &mut buffer, second).await;
    assert!(id > seen, "event ids went back: {id} after {seen}");
    drop(before);

    // Pruned again, and the hub restarts on the same database.
    clock.advance(Duration::from_secs(31 * 86_400));
    until("every event pruned again", Duration::from_secs(5), || {
        hub.store().rows().unwrap().events == 0
    })
    .await;
    hub.shutdown().await;
    let hub = hub_on(&app, limits(), &clock, Store::open(dir.path()).unwrap()).await;
    assert_eq!(hub.store().rows().unwrap().events, 0);
    // The app that followed the hub resumes from its position; a new one follows live.
    let mut resumed = open_stream(&hub, &bob, Some(id)).await;
    let mut live = open_stream(&hub, &bob, None).await;
    let third = play(&app, &hub, &jane).await;
    let (mut a, mut b) = (String::new(), String::new());
    let resumed_id = until_card(&mut resumed, &mut a, third).await;
    let live_id = until_card(&mut live, &mut b, third).await;
    assert!(resumed_id > id, "{resumed_id} after {id}");
    assert_eq!(resumed_id, live_id);
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn card_look_ups_by_number_are_counted_per_agent() {
    let app = TestApp::demo().await;
    let limits = HubLimits {
        card_lookups_per_minute: 3,
        ..HubLimits::default()
    };
    let hub = hub_with(&app, limits, &TestClock::default()).await;
    let admin = |email: &str| {
        hub.store()
            .add_agent_with(email, true, 0)
            .unwrap()
            .expose()
            .to_owned()
    };
    let (boss, deputy) = (admin("boss@acme.io"), admin("deputy@acme.io"));
    let path = "/api/v1/cards?phone=%2B33762043575";
    for _ in 0..3 {
        assert_eq!(get(&hub, &boss, path).await.status(), 200);
    }
    let (status, code) = error_code(get(&hub, &boss, path).await).await;
    assert_eq!((status, code.as_str()), (429, "too_many_lookups"));
    // Another agent has look-ups of their own.
    assert_eq!(get(&hub, &deputy, path).await.status(), 200);
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vendors_failure_reaches_the_agent_as_words_and_a_request_id_not_its_body() {
    let app = TestApp::demo().await;
    let hub = hub(&app).await;
    let boss = hub
        .store()
        .add_agent_with("boss@acme.io", true, 0)
        .unwrap()
        .expose()
        .to_owned();
    app.sandbox.faults().fail_next(Api::Intercom, 1000, 500);
    let response = get(&hub, &boss, "/api/v1/cards?phone=%2B33650505050").await;
    assert_eq!(response.status(), 502);
    let body: Value = response.json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("Intercom failed (500)"), "{body}");
    // Intercom's body (its own request id, its error list) stays in the hub's log.
    for internal in ["{", "errors", "server_error"] {
        assert!(!message.contains(internal), "{body}");
    }
    let id = body["error"]["request_id"].as_str().unwrap();
    assert!(
        id.len() == 16 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "{body}"
    );
    app.sandbox.faults().clear();
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_error_has_the_one_shape() {
    let app = TestApp::demo().await;
    let hub = hub(&app).await;
    let bob = token(&hub, BOB_EMAIL);
    let client = reqwest::Client::new();
    let cases: Vec<(reqwest::RequestBuilder, u16)> = vec![
        // A call id that is not a number.
        (
            client
                .get(url(&hub, "/api/v1/calls/abc/card"))
                .bearer_auth(&bob),
            400,
        ),
        // A body that is not JSON.
        (
            client
                .post(url(&hub, "/api/v1/calls/1/notes"))
                .bearer_auth(&bob)
                .header("content-type", "application/json")
                .body("{not json"),
            400,
        ),
        // JSON of the wrong shape.
        (
            client
                .post(url(&hub, "/api/v1/calls/1/notes"))
                .bearer_auth(&bob)
                .json(&json!({"text": "no body field"})),
            422,
        ),
        // Not JSON at all.
        (
            client
                .post(url(&hub, "/api/v1/calls/1/notes"))
                .bearer_auth(&bob)
                .body("body=hello"),
            415,
        ),
        // A query without its phone.
        (
            client.get(url(&hub, "/api/v1/cards")).bearer_auth(&bob),
            400,
        ),
        // No such route, no such method.
        (
            client.get(url(&hub, "/api/v1/nothing")).bearer_auth(&bob),
            404,
        ),
        (
            client
                .get(url(&hub, "/api/v1/calls/1/notes"))
                .bearer_auth(&bob),
            405,
        ),
        // No token.
        (client.get(url(&hub, "/api/v1/calls")), 401),
        // A webhook that is not JSON.
        (
            client
                .post(url(&hub, "/webhooks/aircall"))
                .body("{not json"),
            400,
        ),
    ];
    for (request, status) in cases {
        let request = request.build().unwrap();
        let what = format!("{} {}", request.method(), request.url().path());
        let response = client.execute(request).await.unwrap();
        let (got, code) = error_code(response).await;
        assert_eq!(got, status, "{what}: {code}");
    }
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_clients_build_no_path_from_an_id_that_could_change_it() {
    let app = TestApp::demo().await;
    let intercom = app.intercom();
    let aircall = app.aircall();
    let before = (
        app.sandbox.count_requests(Api::Intercom),
        app.sandbox.count_requests(Api::Aircall),
    );
    for odd in ["..", "../admins", "a b", "", "x/y", "?q=1"] {
        let contact = intercom.contact(odd).await;
        assert!(
            matches!(contact, Err(ApiError::BadId { .. })),
            "{odd:?}: {contact:?}"
        );
        let conversation = intercom.conversation(odd).await;
        assert!(
            matches!(conversation, Err(ApiError::BadId { .. })),
            "{odd:?}"
        );
        let tagged = intercom.attach_tag(odd, "101", "991267701").await;
        assert!(matches!(tagged, Err(ApiError::BadId { .. })), "{odd:?}");
        let untagged = intercom.detach_tag(JANE, odd, "991267701").await;
        assert!(matches!(untagged, Err(ApiError::BadId { .. })), "{odd:?}");
        let user = aircall.user(odd).await;
        assert!(matches!(user, Err(ApiError::BadId { .. })), "{odd:?}");
    }
    let after = (
        app.sandbox.count_requests(Api::Intercom),
        app.sandbox.count_requests(Api::Aircall),
    );
    assert_eq!(after, before, "no request was sent");
    // A real id still works.
    assert_eq!(intercom.contact(JANE).await.unwrap().id, JANE);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_limits_hold_on_https_too() {
    let app = TestApp::demo().await;
    lift_budgets(&app);
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let https = |limits: HubLimits| {
        let config = HubConfig {
            store: Store::open_in_memory().unwrap(),
            intercom: app.intercom(),
            aircall: None,
            webhook_token: Some(Secret::new(WEBHOOK_TOKEN)),
            settings: Settings::default(),
            default_region: Region::parse("FR").unwrap(),
            clock: TestClock::default().clock(),
            tls: Some(ringside_core::hub::TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            }),
            sync: None,
            intercom_client_secret: None,
            signin: None,
            console: Default::default(),
        };
        async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            Hub::start_with(config, limits, listener).await.unwrap()
        }
    };

    // A client that never starts its TLS handshake is disconnected.
    let hub = https(HubLimits {
        header_read_timeout: Duration::from_millis(300),
        ..HubLimits::default()
    })
    .await;
    let mut buf = [0u8; 64];
    let mut silent = tokio::net::TcpStream::connect(hub.local_addr())
        .await
        .unwrap();
    let read = tokio::time::timeout(Duration::from_secs(3), silent.read(&mut buf))
        .await
        .expect("the hub closes a silent TLS connection");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    hub.shutdown().await;

    // Over the cap, a new connection is closed at once.
    let hub = https(HubLimits {
        max_connections: 4,
        ..HubLimits::default()
    })
    .await;
    assert_connection_cap(&hub, 4).await;

    // A well-behaved client is served, with the instance header.
    let client = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(certified.cert.pem().as_bytes()).unwrap(),
        )
        .build()
        .unwrap();
    let port = hub.local_addr().port();
    let mut status = 0;
    for _ in 0..50 {
        if let Ok(r) = client
            .get(format!("https://localhost:{port}/healthz"))
            .send()
            .await
        {
            assert!(r.headers().contains_key("x-ringside-instance"));
            status = r.status().as_u16();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, 200);
    // A client that offers HTTP/2 in the handshake is answered in HTTP/1.1.
    let h2 = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(certified.cert.pem().as_bytes()).unwrap(),
        )
        .build()
        .unwrap();
    let answer = h2
        .get(format!("https://localhost:{port}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.version(), reqwest::Version::HTTP_11);
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_hub_speaks_http1_only_so_every_connection_has_its_limits() {
    let app = TestApp::demo().await;
    let hub = hub(&app).await;
    // HTTP/2 without TLS, with prior knowledge: refused, not served without HTTP/1's limits.
    let h2c = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let answer = h2c.get(url(&hub, "/healthz")).send().await;
    assert!(answer.is_err(), "{answer:?}");
    // HTTP/1.1 is served as ever.
    assert_eq!(
        reqwest::get(url(&hub, "/healthz")).await.unwrap().status(),
        200
    );
    hub.shutdown().await;
}
