//! The call's outcome end to end: an agent chooses it on a real hub over HTTP, and it lands on
//! the sandbox's Intercom conversation (the "Call outcome" list attribute, created with its
//! options when missing) and on the Aircall call as a tag, once; the refusals (an outcome not
//! on the list, an empty list, Done without a required outcome); Intercom down; the history
//! row and the console's report; and the reasons' codes a skipped call travels with.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use reqwest::StatusCode;
use ringside_core::error::ApiError;
use ringside_core::hub::Hub;
use ringside_core::pipeline::subject::SubjectKey;
use ringside_core::rules::Settings;
use ringside_core::store::Store;
use ringside_sandbox::scenario::{demo, stage_at, Scenario};
use ringside_sandbox::Api;
use ringside_tests::hubs::{
    deliver_all, lift_budgets, player, settle, start_hub, start_hub_on, until,
};
use ringside_tests::TestApp;
use serde_json::{json, Value};

const OUTCOMES: [&str; 4] = ["Resolved", "Follow-up needed", "Sale", "Wrong number"];

fn settings() -> Settings {
    Settings {
        call_outcomes: OUTCOMES.iter().map(|o| (*o).to_owned()).collect(),
        ..Settings::default()
    }
}

/// A hub on the demo company with these settings, Bob's and an admin's tokens, and one call
/// played to its end: Sophie calls Support FR and Bob answers (or, with `missed`, nobody does).
struct Played {
    app: TestApp,
    hub: Hub,
    bob: String,
    admin: String,
    call: u64,
}

async fn played(settings: Settings, missed: bool) -> Played {
    played_on(settings, missed, None).await
}

/// [`played`], on this store (an in-memory one without).
async fn played_on(settings: Settings, missed: bool, store: Option<Store>) -> Played {
    let app = TestApp::demo().await;
    let hub = match store {
        Some(store) => start_hub_on(&app, settings, store).await,
        None => start_hub(&app, settings).await,
    };
    let bob = hub
        .store()
        .add_agent("bob@acme.io", 0)
        .unwrap()
        .expose()
        .to_owned();
    let admin = hub
        .store()
        .add_agent_with("boss@acme.io", true, 0)
        .unwrap()
        .expose()
        .to_owned();
    let scenario = if missed {
        Scenario::missed(demo::SOPHIE, demo::SUPPORT_FR)
    } else {
        Scenario::inbound_answered(demo::SOPHIE, demo::SUPPORT_FR, demo::BOB)
    };
    let now = ringside_core::card::system_clock()();
    let staged = stage_at(&app.sandbox, &scenario, now - 600).unwrap();
    deliver_all(&player(hub.local_addr()), &staged.envelopes).await;
    settle(hub.store(), Duration::from_secs(20)).await;
    let call = staged.call("call").unwrap();
    Played {
        app,
        hub,
        bob,
        admin,
        call,
    }
}

impl Played {
    fn url(&self, path: &str) -> String {
        format!("http://{}/api/v1{path}", self.hub.local_addr())
    }

    async fn choose(&self, outcome: &str, key: Option<&str>) -> (StatusCode, Value) {
        let mut request = reqwest::Client::new()
            .post(self.url(&format!("/calls/{}/outcome", self.call)))
            .bearer_auth(&self.bob)
            .json(&json!({ "outcome": outcome }));
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request.send().await.unwrap();
        (response.status(), response.json().await.unwrap())
    }

    async fn done(&self) -> (StatusCode, Value) {
        let response = reqwest::Client::new()
            .post(self.url(&format!("/calls/{}/done", self.call)))
            .bearer_auth(&self.bob)
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap())
    }

    async fn history_row(&self) -> Value {
        let rows: Value = reqwest::Client::new()
            .get(self.url("/calls?limit=10"))
            .bearer_auth(&self.bob)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = self.call.to_string();
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id.as_str())
            .cloned()
            .expect("the call is in Bob's history")
    }

    fn conversation(&self) -> String {
        self.hub
            .store()
            .subject(&SubjectKey::call(self.call))
            .unwrap()
            .unwrap()
            .conversation_id
            .expect("the call is logged")
    }

    /// The conversation's "Call outcome", as Intercom keeps it.
    fn intercom_outcome(&self) -> Option<Value> {
        self.app
            .sandbox
            .intercom()
            .custom_attributes(&self.conversation())
            .get("Call outcome")
            .cloned()
    }

    /// The names of the Aircall call's tags, as Aircall keeps them.
    async fn aircall_tags(&self) -> Vec<String> {
        let call = self.app.aircall().call(self.call).await.unwrap();
        call.tags.into_iter().map(|t| t.name).collect()
    }

    /// The workspace's "Call outcome" attributes (not archived) and their options' labels.
    fn attributes(&self) -> Vec<Vec<String>> {
        self.app
            .sandbox
            .intercom()
            .conversation_attributes()
            .into_iter()
            .filter(|a| a.name == "Call outcome" && !a.archived)
            .map(|a| a.options.into_iter().map(|o| o.label).collect())
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outcome_reaches_the_conversation_and_the_aircall_call_once_even_when_retried() {
    let played = played(settings(), false).await;
    assert!(played.attributes().is_empty(), "no attribute before");

    // Any letter case; the answer spells it as the list does.
    let (status, first) = played.choose("follow-UP needed", Some("key-1")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    assert_eq!(first["outcome"], "Follow-up needed");
    assert_eq!(first["queued"], true);
    assert_eq!(first["to_intercom"], true);
    // The app retries the same request: the same answer, nothing queued twice.
    let (status, again) = played.choose("follow-UP needed", Some("key-1")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(again, first);
    settle(played.hub.store(), Duration::from_secs(20)).await;

    // Created once, with the whole list as its options.
    assert_eq!(played.attributes(), [OUTCOMES.map(str::to_owned).to_vec()]);
    assert_eq!(played.intercom_outcome(), Some(json!("Follow-up needed")));
    let tags = played.aircall_tags().await;
    assert_eq!(
        tags.iter().filter(|t| *t == "Follow-up needed").count(),
        1,
        "{tags:?}"
    );
    // One POST of the attribute, one PUT of the conversation.
    let requests = played.app.sandbox.intercom().requests();
    let count = |method: &str, path: &str| {
        requests
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    };
    assert_eq!(count("POST", "/conversations/attributes"), 1);
    assert_eq!(
        count("PUT", &format!("/conversations/{}", played.conversation())),
        1
    );

    // The history shows it; a second choice replaces it in Intercom and the history.
    assert_eq!(played.history_row().await["outcome"], "Follow-up needed");
    let (status, _) = played.choose("Sale", None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    settle(played.hub.store(), Duration::from_secs(20)).await;
    assert_eq!(played.intercom_outcome(), Some(json!("Sale")));
    assert_eq!(played.history_row().await["outcome"], "Sale");
    assert!(played.aircall_tags().await.contains(&"Sale".to_owned()));

    // The console's report counts the call under its outcome.
    let page = reqwest::Client::new()
        .get(format!("http://{}/admin/reports", played.hub.local_addr()))
        .bearer_auth(&played.admin)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<tr><th scope=\"row\">Sale</th><td>1</td></tr>"),
        "the report counts the call under its outcome: {page}"
    );
    assert!(!page.contains("No outcomes recorded yet"));
    played.hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_attribute_without_the_option_gets_it_and_an_aircall_tag_is_reused() {
    let played = played(settings(), false).await;
    // An admin made the attribute with one option, and the Aircall tag exists already.
    played
        .app
        .intercom()
        .create_list_attribute("Call outcome", "ours", &["Resolved".to_owned()])
        .await
        .unwrap();
    played
        .app
        .aircall()
        .create_tag("Wrong number")
        .await
        .unwrap();
    // As in Intercom, a list attribute takes only one of its options.
    let refused = played
        .app
        .intercom()
        .set_conversation_attribute(&played.conversation(), "Call outcome", "Wrong number")
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ApiError::Rejected { status: 400, .. }),
        "{refused:?}"
    );

    let (status, _) = played.choose("wrong number", None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    settle(played.hub.store(), Duration::from_secs(20)).await;
    assert_eq!(
        played.attributes(),
        [vec!["Resolved".to_owned(), "Wrong number".to_owned()]]
    );
    assert_eq!(played.intercom_outcome(), Some(json!("Wrong number")));
    assert_eq!(played.aircall_tags().await, ["Wrong number"]);
    let tags = played.app.aircall().tags().await.unwrap();
    assert_eq!(tags.iter().filter(|t| t.name == "Wrong number").count(), 1);
    played.hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outcome_off_the_list_or_with_no_list_is_refused_and_done_waits_for_a_required_one() {
    let required = Settings {
        call_outcome_required: true,
        ..settings()
    };
    let played = played(required, false).await;
    let (status, body) = played.choose("Maybe", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "unknown_outcome");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Resolved, Follow-up needed, Sale, Wrong number"),
        "{message}"
    );

    let (status, body) = played.done().await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "outcome_required");
    played.choose("Resolved", None).await;
    let (status, body) = played.done().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"done": true}));
    // A call Bob may not see is one the hub never saw.
    let response = reqwest::Client::new()
        .post(played.url("/calls/999999/outcome"))
        .bearer_auth(&played.bob)
        .json(&json!({"outcome": "Sale"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // The app learns the list and the rule from the settings.
    let settings: Value = reqwest::Client::new()
        .get(played.url("/settings"))
        .bearer_auth(&played.bob)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(settings["call_outcomes"], json!(OUTCOMES));
    assert_eq!(settings["call_outcome_required"], true);
    assert_eq!(settings["wrap_up_seconds"], 60);
    assert_eq!(settings["presence"], false);
    played.hub.shutdown().await;

    let none = played_without_list().await;
    let (status, body) = none.choose("Resolved", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "no_outcomes");
    // With no list, Done needs nothing even when "required" is on.
    assert_eq!(none.done().await.0, StatusCode::OK);
    none.hub.shutdown().await;
}

async fn played_without_list() -> Played {
    played(
        Settings {
            call_outcome_required: true,
            ..Settings::default()
        },
        false,
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_outcome_waits_while_intercom_fails_and_lands_after() {
    let played = played(settings(), false).await;
    played
        .app
        .sandbox
        .faults()
        .fail_next(Api::Intercom, usize::MAX, 503);
    let (status, _) = played.choose("Resolved", None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    // The Aircall tag does not wait for Intercom; the attribute does, queued.
    until("the Aircall tag", Duration::from_secs(10), || {
        played
            .app
            .sandbox
            .aircall()
            .calls()
            .iter()
            .any(|c| c.id == played.call && c.tags.iter().any(|t| t.name == "Resolved"))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(played.intercom_outcome(), None);
    assert!(played.hub.store().outbox_depth().unwrap() > 0, "it waits");

    played.app.sandbox.faults().clear();
    lift_budgets(&played.app);
    until("the outcome in Intercom", Duration::from_secs(30), || {
        played.intercom_outcome() == Some(json!("Resolved"))
    })
    .await;
    settle(played.hub.store(), Duration::from_secs(20)).await;
    assert_eq!(played.attributes().len(), 1, "created once");
    assert_eq!(played.aircall_tags().await, ["Resolved"]);
    played.hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_the_settings_skip_carries_its_reason_code_and_gets_its_aircall_tag_only() {
    let off = Settings {
        log_missed_calls: false,
        ..settings()
    };
    let played = played(off, true).await;
    let row = played.history_row().await;
    assert_eq!(row["status"], "off");
    assert_eq!(row["reason"], "logging missed calls is turned off");
    assert_eq!(row["reason_code"], "missed_calls_off");
    assert_eq!(row["reason_values"], json!({}));

    let (status, body) = played.choose("Wrong number", None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(body["to_intercom"], false);
    settle(played.hub.store(), Duration::from_secs(20)).await;
    assert_eq!(played.aircall_tags().await, ["Wrong number"]);
    assert!(
        played.attributes().is_empty(),
        "nothing was written to Intercom"
    );
    assert_eq!(played.history_row().await["outcome"], "Wrong number");
    played.hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outcome_queued_while_both_vendors_are_down_survives_a_restart_and_lands_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut played = played_on(settings(), false, Some(store)).await;
    let faults = played.app.sandbox.faults();
    faults.fail_next(Api::Intercom, usize::MAX, 503);
    faults.fail_next(Api::Aircall, usize::MAX, 503);
    let (status, _) = played.choose("Sale", Some("before-the-stop")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(played.intercom_outcome(), None);
    assert!(played.hub.store().outbox_depth().unwrap() > 0, "it waits");
    played.hub.shutdown().await;

    // Both vendors are back; a new hub on the same database sends what waited, once.
    played.app.sandbox.faults().clear();
    lift_budgets(&played.app);
    played.hub = start_hub_on(&played.app, settings(), Store::open(dir.path()).unwrap()).await;
    settle(played.hub.store(), Duration::from_secs(30)).await;
    assert_eq!(played.intercom_outcome(), Some(json!("Sale")));
    assert_eq!(played.aircall_tags().await, ["Sale"]);
    assert_eq!(played.attributes().len(), 1, "created once");
    assert_eq!(played.history_row().await["outcome"], "Sale");
    played.hub.shutdown().await;
}
