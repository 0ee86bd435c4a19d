//! The card's wrap-up and the calls that rang before the app, through Tauri's real IPC layer on
//! the mock runtime (as `ipc.rs`): an app in connected mode on a hub of its own (on the sandbox),
//! calls played as Aircall's webhooks by the sandbox's scenario player. The outcome and "Done"
//! reach the hub (queued while it is away, sent in order once it is back); an app started while
//! a call rings shows that call's card once.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ipc_app;

use std::time::Duration;

use ipc_app::{
    aircall_of, block, connected_to, hub_listening, player, through, TestApp, ALICE, ALICE_AIRCALL,
    JANE_PHONE, SUPPORT_FR,
};
use ringside_sandbox::scenario::Scenario;
use ringside_sandbox::Sandbox;
use serde_json::{json, Value};

const JOHN_PHONE: &str = "+44 20 7946 0958";
const OUTCOMES: [&str; 4] = ["Resolved", "Follow-up needed", "Sale", "Wrong number"];

fn outcomes_settings(required: bool) -> ringside_core::rules::Settings {
    ringside_core::rules::Settings {
        call_outcomes: OUTCOMES.iter().map(|o| o.to_string()).collect(),
        call_outcome_required: required,
        ..Default::default()
    }
}

/// The hub's history row of a call, as the agent's token reads it.
fn hub_row(hub_url: &str, token: &str, call: u64) -> Option<Value> {
    let rows: Value = block(async {
        reqwest::Client::new()
            .get(format!("{hub_url}/api/v1/calls?limit=50"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    rows.as_array()?
        .iter()
        .find(|r| r["id"] == call.to_string().as_str())
        .cloned()
}

#[test]
fn the_outcome_and_done_reach_the_hub_and_the_card_shows_them() {
    let sandbox = block(Sandbox::start(ringside_sandbox::Seed::demo())).unwrap();
    let store = ringside_core::store::Store::open_in_memory().unwrap();
    let token = store.add_agent(ALICE, 0).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hub = hub_listening(
        &sandbox,
        store,
        outcomes_settings(true),
        Some(aircall_of(&sandbox)),
        listener,
    );
    let hub_url = format!("http://{}", hub.local_addr());
    let t = connected_to(&hub_url, token.expose());
    t.until("the stream to connect", TestApp::connected);

    // The card window reads what the wrap-up asks, from the hub's settings.
    let wrap_up = t.invoke_ok(&t.card, "wrap_up", json!({}));
    assert_eq!(wrap_up["outcomes"], json!(OUTCOMES), "{wrap_up}");
    assert_eq!(wrap_up["required"], true);

    let scenario = Scenario::inbound_answered(JANE_PHONE, SUPPORT_FR, ALICE_AIRCALL);
    let player = player(&hub_url);
    let mut playback = player.playback(&sandbox, &scenario);
    while block(playback.step()).unwrap().is_some() {}
    let call = playback.call("call").unwrap();
    t.until("the card of the call, over", |t| {
        let card = t.invoke_ok(&t.card, "card", json!({"callId": call}));
        card["state"] == "ended" && card["answered_at"].is_i64()
    });

    // Done without the required outcome: refused in words, nothing sent.
    let refused = t
        .invoke(&t.card, "wrap_up_done", json!({"callId": call}))
        .unwrap_err();
    assert_eq!(refused["code"], "invalid", "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("choose an outcome first"),
        "{refused}"
    );
    // An outcome not in the list: refused, naming the list.
    let unknown = t
        .invoke(
            &t.card,
            "set_outcome",
            json!({"callId": call, "outcome": "Upsell"}),
        )
        .unwrap_err();
    assert!(
        unknown["message"]
            .as_str()
            .unwrap()
            .contains("Resolved, Follow-up needed, Sale, Wrong number"),
        "{unknown}"
    );
    assert_eq!(t.desk.journal().actions_total().unwrap(), 0);

    // In any letter case, as the list spells it; choosing again replaces it.
    let first = t.invoke_ok(
        &t.card,
        "set_outcome",
        json!({"callId": call, "outcome": "sale"}),
    );
    assert_eq!(first, "sent");
    let second = t.invoke_ok(
        &t.card,
        "set_outcome",
        json!({"callId": call, "outcome": "FOLLOW-UP NEEDED"}),
    );
    assert_eq!(second, "sent");
    let card = t.invoke_ok(&t.card, "card", json!({"callId": call}));
    assert_eq!(
        card["outcome"],
        json!({"value": "Follow-up needed", "state": "sent", "reason": null})
    );
    assert_eq!(card["done"], false);

    let done = t.invoke_ok(&t.card, "wrap_up_done", json!({"callId": call}));
    assert_eq!(done, "sent");
    let card = t.invoke_ok(&t.card, "card", json!({"callId": call}));
    assert_eq!(card["done"], true, "{card}");

    // The hub keeps the last choice: the history says it.
    t.until("the outcome in the hub's history", |_| {
        hub_row(&hub_url, token.expose(), call).is_some_and(|r| r["outcome"] == "Follow-up needed")
    });
    block(t.desk.disconnect());
    block(hub.shutdown());
}

#[test]
fn an_outcome_and_done_made_while_the_hub_is_away_are_sent_in_order_once_it_is_back() {
    let sandbox = block(Sandbox::start(ringside_sandbox::Seed::demo())).unwrap();
    let data = tempfile::tempdir().unwrap();
    let store = ringside_core::store::Store::open(data.path()).unwrap();
    let token = store.add_agent(ALICE, 0).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let hub = hub_listening(
        &sandbox,
        store,
        outcomes_settings(false),
        Some(aircall_of(&sandbox)),
        listener,
    );
    let hub_url = format!("http://{addr}");
    let t = connected_to(&hub_url, token.expose());
    t.until("the stream to connect", TestApp::connected);
    // The card read the outcomes while the hub was there.
    t.invoke_ok(&t.card, "wrap_up", json!({}));

    let scenario = Scenario::inbound_answered(JANE_PHONE, SUPPORT_FR, ALICE_AIRCALL);
    let player = player(&hub_url);
    let mut playback = player.playback(&sandbox, &scenario);
    while block(playback.step()).unwrap().is_some() {}
    let call = playback.call("call").unwrap();
    t.until("the call over", |t| {
        t.invoke_ok(&t.card, "card", json!({"callId": call}))["state"] == "ended"
    });

    // The hub goes away: the wrap-up works all the same, and waits in the journal.
    block(hub.shutdown());
    let wrap_up = t.invoke_ok(&t.card, "wrap_up", json!({}));
    assert_eq!(
        wrap_up["outcomes"],
        json!(OUTCOMES),
        "the kept list: {wrap_up}"
    );
    let note = t.invoke_ok(
        &t.card,
        "add_note",
        json!({"callId": call, "body": "Wants the invoice again"}),
    );
    assert_eq!(note, "queued");
    let chosen = t.invoke_ok(
        &t.card,
        "set_outcome",
        json!({"callId": call, "outcome": "resolved"}),
    );
    assert_eq!(chosen, "queued");
    assert_eq!(
        t.invoke_ok(&t.card, "wrap_up_done", json!({"callId": call})),
        "queued"
    );
    let card = t.invoke_ok(&t.card, "card", json!({"callId": call}));
    assert_eq!(card["outcome"]["state"], "queued", "{card}");
    assert_eq!(card["done"], true);
    assert_eq!(t.invoke_ok(&t.card, "status", json!({}))["queued"], 3);

    // The hub is back at the same address, on the same database: the app reconnects and
    // sends the three, in order, each once.
    let store = ringside_core::store::Store::open(data.path()).unwrap();
    let listener = std::net::TcpListener::bind(addr).unwrap();
    let hub = hub_listening(
        &sandbox,
        store,
        outcomes_settings(false),
        Some(aircall_of(&sandbox)),
        listener,
    );
    t.until("nothing left queued", |t| {
        t.invoke_ok(&t.card, "status", json!({}))["queued"] == 0
    });
    let card = t.invoke_ok(&t.card, "card", json!({"callId": call}));
    assert_eq!(card["outcome"]["state"], "sent", "{card}");
    assert_eq!(card["notes"][0]["state"], "sent", "{card}");
    t.until("the outcome in the hub's history", |_| {
        hub_row(&hub_url, token.expose(), call).is_some_and(|r| r["outcome"] == "Resolved")
    });
    block(t.desk.disconnect());
    block(hub.shutdown());
}

#[test]
fn an_app_started_while_a_call_rings_shows_its_card_once() {
    let sandbox = block(Sandbox::start(ringside_sandbox::Seed::demo())).unwrap();
    let store = ringside_core::store::Store::open_in_memory().unwrap();
    let token = store.add_agent(ALICE, 0).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hub = hub_listening(
        &sandbox,
        store,
        Default::default(),
        Some(aircall_of(&sandbox)),
        listener,
    );
    let hub_url = format!("http://{}", hub.local_addr());

    // Jane's call rings, and John's is answered, before Alice's app is started.
    let ringing = Scenario::inbound_answered(JANE_PHONE, SUPPORT_FR, ALICE_AIRCALL);
    let player = player(&hub_url);
    let mut jane = player.playback(&sandbox, &ringing);
    let jane_call = block(through(&mut jane, "call.created"));
    let answered = Scenario::inbound_answered(JOHN_PHONE, SUPPORT_FR, ALICE_AIRCALL);
    let mut john = player.playback(&sandbox, &answered);
    let john_call = block(through(&mut john, "call.answered"));
    // The hub has read both (its history shows them going on).
    let t0 = std::time::Instant::now();
    while hub_row(&hub_url, token.expose(), john_call).is_none_or(|r| r["answered_at"].is_null()) {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "the hub never read the calls"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let t = connected_to(&hub_url, token.expose());
    t.until("the stream to connect", TestApp::connected);
    // Jane's card pops up as if her call had just rung: notified, opened.
    t.until("Jane's card", |t| t.shown(jane_call).iter().any(|s| s.2));
    let (card, notify, _) = t.shown(jane_call).last().unwrap().clone();
    assert_eq!(card["state"], "ringing", "{card}");
    assert!(notify, "the ring is notified");
    // John's call was answered before the app came: its card is there, answered, not notified.
    t.until("John's card", |t| !t.shown(john_call).is_empty());
    let (card, notify, open) = t.shown(john_call).last().unwrap().clone();
    assert_eq!(card["state"], "answered", "{card}");
    assert!(card["answered_at"].is_i64());
    assert!(!notify && open, "notify {notify}, open {open}");

    // The rest of Jane's call comes on the stream: the same card moves on, never a second ring.
    while block(jane.step()).unwrap().is_some() {}
    t.until("Jane's call over", |t| {
        t.invoke_ok(&t.card, "card", json!({"callId": jane_call}))["state"] == "ended"
    });
    let notified = t.shown(jane_call).iter().filter(|s| s.1).count();
    assert_eq!(notified, 1, "one notification for one ring");
    // A reconnection finds nothing new to show.
    block(t.desk.connect()).unwrap();
    t.until("the stream to connect again", TestApp::connected);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(t.shown(jane_call).iter().filter(|s| s.1).count(), 1);
    let recent = t.invoke_ok(&t.main, "recent_cards", json!({"limit": 5}));
    let ids: Vec<u64> = recent
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["call_id"].as_u64().unwrap())
        .collect();
    assert_eq!(
        ids.iter().filter(|id| **id == jane_call).count(),
        1,
        "{recent}"
    );
    block(t.desk.disconnect());
    block(hub.shutdown());
}

#[test]
fn the_presence_opt_out_is_kept_by_the_hub_and_offered_in_the_main_window_only() {
    let sandbox = block(Sandbox::start(ringside_sandbox::Seed::demo())).unwrap();
    let store = ringside_core::store::Store::open_in_memory().unwrap();
    let token = store.add_agent(ALICE, 0).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let settings = ringside_core::rules::Settings {
        presence: true,
        ..Default::default()
    };
    let hub = hub_listening(
        &sandbox,
        store,
        settings,
        Some(aircall_of(&sandbox)),
        listener,
    );
    let hub_url = format!("http://{}", hub.local_addr());
    let t = connected_to(&hub_url, token.expose());
    t.until("the stream to connect", TestApp::connected);

    let presence = t.invoke_ok(&t.main, "presence", json!({}));
    assert_eq!(presence["hub_presence"], true, "{presence}");
    assert_eq!(presence["follow_calls"], true, "on by default: {presence}");
    let off = t.invoke_ok(&t.main, "set_presence", json!({"followCalls": false}));
    assert_eq!(off["follow_calls"], false, "{off}");
    // The hub keeps it: another app of the same agent reads it.
    let other = connected_to(&hub_url, token.expose());
    other.until("the second app to connect", TestApp::connected);
    assert_eq!(
        other.invoke_ok(&other.main, "presence", json!({}))["follow_calls"],
        false
    );
    let on = t.invoke_ok(&t.main, "set_presence", json!({"followCalls": true}));
    assert_eq!(on["follow_calls"], true);
    // The card window has no business with it.
    assert!(t
        .invoke(&t.card, "set_presence", json!({"followCalls": false}))
        .is_err());
    block(other.desk.disconnect());
    block(t.desk.disconnect());
    block(hub.shutdown());
}
