//! Call back in one click: `POST /api/v1/dial` puts the number in the agent's own Aircall phone,
//! and says in words why it could not.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ringside_core::hub::Hub;
use ringside_core::rules::Settings;
use ringside_tests::hubs::start_hub;
use ringside_tests::TestApp;
use serde_json::{json, Value};

/// Alice Durand's Aircall user (her email there is `ALICE.DURAND@acme.io`).
const AIRCALL_ALICE: u64 = 1102;

async fn dial(hub: &Hub, token: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("http://{}/api/v1/dial", hub.local_addr()))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_dials_a_number_in_any_format_into_their_own_aircall_phone() {
    let app = TestApp::demo().await;
    let hub = start_hub(&app, Settings::default()).await;
    let alice = hub.store().add_agent("alice.durand@acme.io", 0).unwrap();
    // A French national number, read in the hub's region (FR); Alice's Aircall email differs in
    // letter case.
    let (status, body) = dial(&hub, alice.expose(), json!({"to": "06 12 34 56 78"})).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["dialed"], "+33612345678");
    let dials = app.sandbox.aircall().dials();
    assert_eq!(dials.len(), 1);
    assert_eq!(
        (dials[0].user_id, dials[0].to.as_str()),
        (AIRCALL_ALICE, "+33612345678")
    );
    // The same in international form without `+`.
    let (status, _) = dial(&hub, alice.expose(), json!({"to": "0033 6 12 34 56 78"})).await;
    assert_eq!(status, 202);
    assert_eq!(app.sandbox.aircall().dials()[1].to, "+33612345678");
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dial_that_cannot_be_made_says_why_in_words_and_reaches_no_phone() {
    let app = TestApp::demo().await;
    let hub = start_hub(&app, Settings::default()).await;
    let alice = hub.store().add_agent("alice.durand@acme.io", 0).unwrap();
    let chloe = hub.store().add_agent("chloe@acme.io", 0).unwrap();
    let stranger = hub.store().add_agent("temp@acme.io", 0).unwrap();

    let (status, body) = dial(&hub, alice.expose(), json!({"to": "call me maybe"})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("bad_number"))
    );
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("call me maybe"));

    let (status, body) = dial(&hub, stranger.expose(), json!({"to": "+33612345678"})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("no_aircall_user"))
    );
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("temp@acme.io"));

    // Chloé is offline in Aircall: Aircall refuses, and the agent reads Aircall's reason.
    let (status, body) = dial(&hub, chloe.expose(), json!({"to": "+33612345678"})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("dial_refused"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("offline"),
        "{body}"
    );

    let (status, _) = dial(&hub, "not-a-token", json!({"to": "+33612345678"})).await;
    assert_eq!(status, 401);
    assert!(app.sandbox.aircall().dials().is_empty());
    hub.shutdown().await;
}
