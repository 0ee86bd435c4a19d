//! Every handler of the agents' API over hostile calls the hub has stored: Aircall webhooks whose
//! timestamps are extreme (`i64::MIN`, `i64::MAX`, negative, a century apart), whose strings are
//! markup, control characters or thousands of characters long, and whose ids are at the edge of
//! their type. The hub takes each webhook, then every handler (the history, the call's card, a
//! look-up by number, tags, notes, the contact pick, untagging, calling back, the event stream,
//! the settings, the sync status, `/healthz`) answers it without a server error, in the one
//! error shape, and the hub goes on serving.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use ringside_core::hub::Hub;
use ringside_core::rules::Settings;
use ringside_tests::hubs::{start_hub, until, WEBHOOK_TOKEN};
use ringside_tests::TestApp;
use serde_json::{json, Value};

/// Timestamps a broken or hostile sender may send.
fn timestamp() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(i64::MIN)),
        Just(json!(i64::MAX)),
        Just(json!(-1)),
        Just(json!(0)),
        Just(json!(u64::MAX)),
        Just(json!(1.5e300)),
        Just(Value::Null),
        Just(json!("yesterday")),
        (1_600_000_000i64..1_900_000_000).prop_map(|t| json!(t)),
        any::<i64>().prop_map(|t| json!(t)),
    ]
}

/// Strings a hostile sender may put anywhere.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("anonymous".to_owned()),
        Just("<img src=x onerror=alert(1)>".to_owned()),
        Just("Robert'); DROP TABLE subjects;--".to_owned()),
        Just("\u{0}\u{1b}[31m\r\nid: 999\nevent: card.ready\n\n".to_owned()),
        Just("+33 7 62 04 35 75".to_owned()),
        Just("x".repeat(20_000)),
        "\\PC{0,40}",
    ]
}

/// A call webhook with hostile values where Aircall puts times, strings and ids.
fn hostile_call() -> impl Strategy<Value = (u64, Value)> {
    (
        prop_oneof![
            Just(1u64),
            Just(u64::MAX),
            Just(i64::MAX as u64),
            2u64..1_000_000
        ],
        (timestamp(), timestamp(), timestamp(), timestamp()),
        (text(), text(), text()),
        prop_oneof![
            Just("call.created"),
            Just("call.answered"),
            Just("call.ended"),
            Just("call.hungup"),
            Just("call.tagged"),
            Just("call.commented"),
        ],
        prop_oneof![Just(Value::Null), Just(json!(2203)), Just(json!(u64::MAX))],
    )
        .prop_map(
            |(id, (started, answered, ended, duration), (digits, name, email), event, number)| {
                let number = match number {
                    Value::Null => Value::Null,
                    id => json!({"id": id, "name": name, "digits": digits, "country": "FR"}),
                };
                let call = json!({
                    "id": id,
                    "direction": "inbound",
                    "status": if event == "call.ended" { "done" } else { "initial" },
                    "raw_digits": digits,
                    "started_at": started,
                    "answered_at": answered,
                    "ended_at": ended,
                    "duration": duration,
                    "number": number,
                    "user": {"id": 1101, "name": name, "email": email},
                    "tags": [{"id": 1, "name": name}],
                    "comments": [{"id": 1, "content": name}],
                });
                (
                    id,
                    json!({"resource": "call", "event": event, "timestamp": started,
                       "token": WEBHOOK_TOKEN, "data": call}),
                )
            },
        )
}

/// Every handler of the agents' API about `call`, as an admin (who may see every call).
async fn every_handler(hub: &Hub, admin: &str, call: u64) {
    let base = format!("http://{}", hub.local_addr());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let get = |path: String| client.get(format!("{base}{path}")).bearer_auth(admin);
    let post = |path: String, body: Value| {
        client
            .post(format!("{base}{path}"))
            .bearer_auth(admin)
            .json(&body)
    };
    let requests = vec![
        get("/api/v1/calls?limit=500".into()),
        get(format!("/api/v1/calls/{call}/card")),
        get("/api/v1/cards?phone=%2B33762043575".into()),
        get("/api/v1/tags".into()),
        get("/api/v1/settings".into()),
        get("/api/v1/sync".into()),
        get("/healthz".into()),
        post(format!("/api/v1/calls/{call}/tags"), json!({"name": "VIP"})),
        post(
            format!("/api/v1/calls/{call}/notes"),
            json!({"body": "note"}),
        ),
        post(
            format!("/api/v1/calls/{call}/contact"),
            json!({"contact_id": "6762f0dd1bb69f9f2193bb83"}),
        ),
        client
            .delete(format!("{base}/api/v1/calls/{call}/tags/VIP"))
            .bearer_auth(admin),
        post(
            "/api/v1/dial".into(),
            json!({"to": "+33762043575", "call_id": call}),
        ),
    ];
    for request in requests {
        let request = request.build().unwrap();
        let what = format!("{} {}", request.method(), request.url().path());
        let response = client
            .execute(request)
            .await
            .unwrap_or_else(|e| panic!("{what}: no answer ({e})"));
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        // 502 and 503 say a vendor or the database failed, in words; a 500 is a bug.
        assert!(
            status.as_u16() < 500 || matches!(status.as_u16(), 502 | 503),
            "{what}: {status} {body}"
        );
        if !status.is_success() {
            let error: Value = serde_json::from_str(&body)
                .unwrap_or_else(|_| panic!("{what}: an error not in the one shape: {body}"));
            assert!(error["error"]["code"].is_string(), "{what}: {body}");
        }
    }
    // The stream replays the whole log, hostile events included, and stays open.
    let mut stream = get("/api/v1/events".into())
        .header("Last-Event-ID", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let first = tokio::time::timeout(Duration::from_secs(5), stream.chunk())
        .await
        .expect("the stream answers at once");
    assert!(matches!(first, Ok(Some(_))), "{first:?}");
}

#[test]
fn every_api_handler_answers_over_hostile_stored_calls() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (app, hub, admin) = runtime.block_on(async {
        let app = TestApp::demo().await;
        let hub = start_hub(&app, Settings::default()).await;
        let admin = hub
            .store()
            .add_agent_with("boss@acme.io", true, 0)
            .unwrap()
            .expose()
            .to_owned();
        (app, hub, admin)
    });
    let cases = match std::env::var("RINGSIDE_FUZZ").as_deref() {
        Ok("full") => 256,
        _ => 32,
    };
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&hostile_call(), |(id, webhook)| {
        runtime.block_on(async {
            let sent = reqwest::Client::new()
                .post(format!("http://{}/webhooks/aircall", hub.local_addr()))
                .json(&webhook)
                .send()
                .await
                .unwrap();
            // Taken, or refused with a reason: never a server error.
            assert!(sent.status().as_u16() < 500, "{}", sent.status());
            // Processed (its effects may retry for a while: a card whose look-up Intercom
            // refuses is tried again for a minute).
            until("the webhook processed", Duration::from_secs(20), || {
                hub.store().inbox_depth().unwrap() == 0
            })
            .await;
            every_handler(&hub, &admin, id).await;
        });
        Ok(())
    });
    runtime.block_on(hub.shutdown());
    drop(app);
    if let Err(e) = result {
        panic!("{e}");
    }
}
