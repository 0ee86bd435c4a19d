//! The hub end to end: real webhooks over HTTP into a hub started in-process, logging into the
//! sandbox's Intercom.

use std::time::Duration;

use ringside_core::aircall::Call;
use ringside_core::card::system_clock;
use ringside_core::hub::{Hub, HubConfig};
use ringside_core::phone::Region;
use ringside_core::rules::Settings;
use ringside_core::store::Store;
use ringside_core::Secret;
use ringside_sandbox::aircall::NewCall;
use ringside_tests::demo::*;
use ringside_tests::TestApp;
use serde_json::json;

const TOKEN: &str = "webhook-token-for-tests";

async fn hub(app: &TestApp) -> Hub {
    app.sandbox.faults().set_aircall_budget(100_000);
    let config = HubConfig {
        store: Store::open_in_memory().unwrap(),
        intercom: app.intercom(),
        aircall: Some(app.aircall()),
        webhook_token: Some(Secret::new(TOKEN)),
        settings: Settings::default(),
        default_region: Region::parse("FR").unwrap(),
        clock: system_clock(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    Hub::start(config, listener).await.unwrap()
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
            .subject("call", &id.to_string())
            .unwrap()
            .is_some_and(|s| s.status == "logged")
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
    tokio::time::sleep(Duration::from_millis(500)).await;
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
    assert_eq!(hub.store().inbox_depth().unwrap(), 0);
    hub.shutdown().await;
}
