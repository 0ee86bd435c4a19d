//! The main window's day through Tauri's real IPC layer on the mock runtime: the "To call back"
//! list (`callbacks`, `claim_callback`, `dismiss_callback`) and "My day" (`my_day`) against the
//! demo's hub and sandbox, the list kept current by the stream's `callback.*` events, kept for
//! offline reading, and counted for the tray; the card window may call none of them.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ipc_app;

use ipc_app::{app_with, block, demo, TestApp};
use ringside_core::Secret;
use ringside_lib::desk::{Desk, UiEvent};
use ringside_lib::settings::{ModeKind, Settings};
use ringside_lib::vault::{SecretName, Vault};
use ringside_sandbox::scenario::{demo as company, Pace, Scenario};
use serde_json::{json, Value};

impl TestApp {
    /// The last list the desk told the windows about.
    fn last_list(&self) -> Option<Value> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find_map(|e| match e {
                UiEvent::Callbacks(view) => Some(serde_json::to_value(view).unwrap()),
                _ => None,
            })
    }
}

#[test]
fn a_missed_call_is_listed_claimed_dismissed_and_counted() {
    let (t, stage) = demo();
    let player = stage.player(Pace::Instant);
    let missed = Scenario::missed(company::UNKNOWN, company::SUPPORT_FR);
    let played = block(player.play(stage.sandbox(), &missed)).unwrap();
    let call = played.staged.call("call").unwrap();

    // The stream's callback.opened reaches the window and the tray's count without a read.
    t.until("the missed call on the list", |t| {
        t.last_list().is_some_and(|l| {
            l["items"]
                .as_array()
                .is_some_and(|items| items.iter().any(|i| i["call_id"] == call))
        })
    });
    assert_eq!(t.desk.to_call_back(), 1);
    let list = t.invoke_ok(&t.main, "callbacks", json!({}));
    assert_eq!(list["offline"], false);
    let item = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["call_id"] == call)
        .cloned()
        .unwrap();
    assert_eq!(item["kind"], "missed");
    assert_eq!(item["state"], "open");
    assert_eq!(item["line"]["name"], "Support FR");
    // Before the hub has logged the call there is no contact: the number, formatted. Once it
    // has, the contact it created for the caller names the item; which one the list shows
    // depends on how far the logging got, never on anything else.
    let who = item["who"].as_str().unwrap();
    assert!(
        who == "+33 6 50 50 50 50" || who == "+33650505050 Aircall new contact",
        "the caller in words: {who}"
    );
    assert_eq!(item["missed_count"], 1);
    assert_eq!(item["mine"], false);
    let id = item["id"].as_u64().unwrap();

    // Claimed: the agent's own ("You are calling back"); a second claim changes nothing.
    let claimed = t.invoke_ok(&t.main, "claim_callback", json!({"id": id}));
    assert_eq!(claimed["state"], "claimed");
    assert_eq!(claimed["mine"], true);
    let again = t.invoke_ok(&t.main, "claim_callback", json!({"id": id}));
    assert_eq!(again["claimed_at"], claimed["claimed_at"]);
    t.until("the claim on the list", |t| {
        t.invoke_ok(&t.main, "callbacks", json!({}))["items"][0]["mine"] == true
    });

    // A dismiss needs a reason, said in words; with one, the item leaves the open list.
    let refused = t
        .invoke(
            &t.main,
            "dismiss_callback",
            json!({"id": id, "reason": "  "}),
        )
        .unwrap_err();
    assert_eq!(refused["code"], "invalid");
    assert_eq!(refused["message"], "Say why it needs no call back.");
    let dismissed = t.invoke_ok(
        &t.main,
        "dismiss_callback",
        json!({"id": id, "reason": "Wrong number"}),
    );
    assert_eq!(dismissed["state"], "closed");
    assert_eq!(dismissed["close_reason"], "dismissed");
    assert_eq!(dismissed["dismiss_reason"], "Wrong number");
    t.until("the open list to be empty", |t| {
        t.invoke_ok(&t.main, "callbacks", json!({}))["items"]
            .as_array()
            .unwrap()
            .is_empty()
    });
    assert_eq!(t.desk.to_call_back(), 0);
    let closed = t.invoke_ok(&t.main, "callbacks", json!({"state": "closed"}));
    assert_eq!(closed["items"][0]["id"], id);

    // A closed item cannot be claimed: the words say so.
    let late = t
        .invoke(&t.main, "claim_callback", json!({"id": id}))
        .unwrap_err();
    assert_eq!(late["code"], "hub");
    assert!(
        late["message"]
            .as_str()
            .unwrap()
            .contains("no longer on the list"),
        "{late}"
    );
    assert_eq!(
        t.invoke(&t.main, "callbacks", json!({"state": "someday"}))
            .unwrap_err()["code"],
        "invalid"
    );
}

#[test]
fn a_call_back_closes_the_item_and_my_day_counts_it() {
    let (t, stage) = demo();
    let player = stage.player(Pace::Instant);
    let scenario = Scenario::missed_then_called_back(
        company::UNKNOWN,
        company::SUPPORT_FR,
        company::ALICE,
        120,
    );
    block(player.play(stage.sandbox(), &scenario)).unwrap();
    t.until("the call back to close the item", |t| {
        let closed = t.invoke_ok(&t.main, "callbacks", json!({"state": "closed"}));
        closed["items"][0]["close_reason"] == "called_back"
    });
    assert!(t.invoke_ok(&t.main, "callbacks", json!({}))["items"]
        .as_array()
        .unwrap()
        .is_empty());
    let day = t.invoke_ok(&t.main, "my_day", json!({}));
    assert_eq!(day["offline"], false);
    assert_eq!(day["date"].as_str().unwrap().len(), 10, "{day}");
    assert!(day["missed"].as_u64().unwrap() >= 1, "{day}");
    assert!(day["outbound"].as_u64().unwrap() >= 1, "{day}");

    // Offline: the last list and day, said to be so.
    block(t.desk.disconnect());
    let kept = t.invoke_ok(&t.main, "callbacks", json!({}));
    assert_eq!(kept["offline"], true);
    let kept_day = t.invoke_ok(&t.main, "my_day", json!({}));
    assert_eq!(kept_day["offline"], true);
    assert_eq!(kept_day["missed"], day["missed"]);
}

#[test]
fn a_voicemail_comes_with_its_page_and_transcript() {
    let (t, stage) = demo();
    let player = stage.player(Pace::Instant);
    let scenario = Scenario::voicemail_with_assets(
        company::UNKNOWN,
        company::SUPPORT_FR,
        Some("Please call me back about my order."),
    );
    block(player.play(stage.sandbox(), &scenario)).unwrap();
    t.until("the voicemail's transcript", |t| {
        let list = t.invoke_ok(&t.main, "callbacks", json!({}));
        list["items"][0]["kind"] == "voicemail" && list["items"][0]["transcript"].is_string()
    });
    let item = &t.invoke_ok(&t.main, "callbacks", json!({}))["items"][0];
    assert!(item["voicemail_url"]
        .as_str()
        .is_some_and(|u| u.starts_with("http")));
    assert!(item["transcript"]
        .as_str()
        .unwrap()
        .contains("about my order"));
}

#[test]
fn with_no_hub_and_nothing_kept_the_list_says_offline_and_the_card_may_not_ask() {
    let t = app_with(|journal, vault, dir, sink| {
        Settings {
            mode: ModeKind::Connected,
            hub_url: "http://127.0.0.1:9".into(),
            ..Settings::default()
        }
        .save(&journal)
        .unwrap();
        vault
            .set(SecretName::AgentToken, &Secret::new("agent-token"))
            .unwrap();
        Desk::new(journal, vault, dir, None, sink)
    });
    let _ = block(t.desk.connect());
    for (cmd, args) in [
        ("callbacks", json!({})),
        ("my_day", json!({})),
        ("claim_callback", json!({"id": 1})),
    ] {
        let e = t.invoke(&t.main, cmd, args).unwrap_err();
        assert_eq!(e["code"], "offline", "{cmd}: {e}");
    }
    // The card window's capability does not list them.
    for cmd in ["callbacks", "claim_callback", "dismiss_callback", "my_day"] {
        let refused = t.invoke(&t.card, cmd, json!({"id": 1, "reason": "x"}));
        assert!(refused.is_err(), "the card window may call {cmd}");
    }
}
