//! Every command through Tauri's real IPC layer on the mock runtime (no display, no bus), with
//! the app's real capabilities: a desk in demo mode on the sandbox, calls played step by step
//! with the sandbox's scenario player on the demo's [`Stage`], and the answers (and errors, as
//! `{code, message}`) checked.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ipc_app;

use std::time::Duration;

use ipc_app::{
    aircall_of, app_on_a_dead_hub, app_with, block, connected_to, demo, demo_playing, hub_on,
    hub_on_with, through, TestApp, ALICE_AIRCALL, JANE_PHONE, SUPPORT_FR, WEBHOOK_TOKEN,
};
use ringside_core::Secret;
use ringside_lib::autostart::Autostart;
use ringside_lib::demo::Activity;
use ringside_lib::desk::{Desk, UiEvent};
use ringside_lib::settings::{Integration, ModeKind, Settings};
use ringside_lib::vault::{SecretName, Vault};
use ringside_sandbox::scenario::{Pace, Scenario};
use ringside_sandbox::Sandbox;
use serde_json::{json, Value};
use tauri::Manager;

const SHARED_PHONE: &str = "+33 1 84 88 00 00";
const HOSTILE_PHONE: &str = "+33 6 98 76 54 32";
const JANE: &str = "6762f0dd1bb69f9f2193bb83";
const PAUL: &str = "6762f0dd1bb69f9f2193bb89";

#[test]
fn a_ringing_call_opens_its_card_with_name_type_status_and_availability() {
    let (t, stage) = demo();
    let player = stage.player(Pace::Instant);
    let scenario = Scenario::inbound_answered(JANE_PHONE, SUPPORT_FR, ALICE_AIRCALL);
    let mut playback = player.playback(stage.sandbox(), &scenario);
    let call = block(through(&mut playback, "call.created"));
    t.until("the card", |t| t.call_event(call).is_some());
    let (_, notify, open) = t.call_event(call).unwrap();
    assert!(notify && open, "a ringing call notifies and opens the card");
    assert!(t.app.get_webview_window("card").is_some());

    let card = t.invoke_ok(&t.card, "card", json!({"callId": call}));
    assert_eq!(card["state"], "ringing");
    assert_eq!(card["card"]["contact"]["name"], "Jane Roe");
    assert_eq!(card["card"]["contact"]["type"], "lead");
    assert_eq!(card["card"]["conversation"]["state"], "open");
    assert_eq!(card["card"]["conversation"]["owner"]["name"], "Bob Martin");
    assert_eq!(
        card["card"]["conversation"]["owner"]["availability"],
        "in_call"
    );

    let recent = t.invoke_ok(&t.main, "recent_cards", json!({"limit": 5}));
    assert_eq!(recent[0]["call_id"], call);

    // Answering it moves the state on; the call is notified once only.
    block(through(&mut playback, "call.answered"));
    t.until("the answer", |t| {
        t.call_event(call)
            .is_some_and(|(card, _, _)| card["state"] == "answered")
    });
    assert_eq!(
        t.invoke_ok(&t.card, "card", json!({"callId": call}))["state"],
        "answered"
    );
    let notified = t
        .events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e, UiEvent::Call { card, notify: true, .. } if card.call_id == call))
        .count();
    assert_eq!(notified, 1);
}

#[test]
fn tags_and_notes_from_the_card_reach_the_conversation_in_intercom() {
    let (t, stage) = demo();
    let player = stage.player(Pace::Instant);
    let scenario = Scenario::inbound_answered(JANE_PHONE, SUPPORT_FR, ALICE_AIRCALL);
    let mut playback = player.playback(stage.sandbox(), &scenario);
    let call = block(through(&mut playback, "call.created"));
    t.until("the card", |t| t.call_event(call).is_some());

    let tags = t.invoke_ok(&t.card, "tags", json!({}));
    assert!(tags.as_array().unwrap().iter().any(|t| t["name"] == "VIP"));

    let sent = json!("sent");
    assert_eq!(
        t.invoke_ok(
            &t.card,
            "add_tag",
            json!({"callId": call, "name": "Churn risk"})
        ),
        sent
    );
    assert_eq!(
        t.invoke_ok(
            &t.card,
            "add_tag",
            json!({"callId": call, "name": "Callback"})
        ),
        sent
    );
    assert_eq!(
        t.invoke_ok(
            &t.card,
            "remove_tag",
            json!({"callId": call, "name": "Callback"})
        ),
        sent
    );
    assert_eq!(
        t.invoke_ok(
            &t.card,
            "add_note",
            json!({"callId": call, "body": "Wants <b>a refund</b>"})
        ),
        sent
    );
    // The hub holds the tag until the call has its conversation; added then removed is nothing.
    let card = t.invoke_ok(&t.card, "card", json!({"callId": call}));
    assert_eq!(
        card["tags"],
        json!([{"value": "Churn risk", "state": "adding", "reason": null}])
    );
    assert_eq!(card["notes"][0]["value"], "Wants <b>a refund</b>");

    block(through(&mut playback, "call.ended"));
    let intercom = stage.sandbox().intercom();
    t.until("the tag and the note in Intercom", |_| {
        intercom.conversations_of(JANE).iter().any(|c| {
            c.source.body.contains("[Inbound answered call]")
                && c.tags.iter().any(|tag| tag.name == "Churn risk")
                && !c.tags.iter().any(|tag| tag.name == "Callback")
                && c.parts.iter().any(|p| {
                    p.part_type == "note"
                        && p.body.as_deref().is_some_and(|b| b.contains("a refund"))
                })
        })
    });
    t.until("the history to show the call logged", |t| {
        let history = t.invoke_ok(&t.main, "history", json!({}));
        history["items"].as_array().unwrap().iter().any(|i| {
            i["id"].as_str() == Some(call.to_string()).as_deref()
                && i["status"] == "logged"
                && i["conversation_url"].is_string()
        })
    });
}

#[test]
fn a_shared_number_is_logged_to_the_contact_the_agent_picks() {
    let (t, stage) = demo();
    let player = stage.player(Pace::Instant);
    let scenario = Scenario::shared_number(SHARED_PHONE, SUPPORT_FR, ALICE_AIRCALL);
    let mut playback = player.playback(stage.sandbox(), &scenario);
    let call = block(through(&mut playback, "call.created"));
    t.until("the card", |t| t.call_event(call).is_some());
    let card = t.invoke_ok(&t.card, "card", json!({"callId": call}));
    assert_eq!(card["card"]["contact"]["status"], "ambiguous");
    assert_eq!(
        card["card"]["contact"]["candidates"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    block(through(&mut playback, "call.ended"));
    t.until("the history to show the call skipped", |t| {
        let history = t.invoke_ok(&t.main, "history", json!({}));
        history["items"].as_array().unwrap().iter().any(|i| {
            i["id"].as_str() == Some(call.to_string()).as_deref() && i["status"] == "skipped"
        })
    });
    assert_eq!(
        t.invoke_ok(
            &t.card,
            "choose_contact",
            json!({"callId": call, "contactId": PAUL})
        ),
        json!("sent")
    );
    let intercom = stage.sandbox().intercom();
    t.until("the call logged to Paul", |_| {
        intercom
            .conversations_of(PAUL)
            .iter()
            .any(|c| c.source.body.contains("[Inbound answered call]"))
    });
}

#[test]
fn a_hostile_name_comes_through_as_plain_data() {
    let (t, stage) = demo();
    let player = stage.player(Pace::Instant);
    let scenario = Scenario::inbound_answered(HOSTILE_PHONE, SUPPORT_FR, ALICE_AIRCALL);
    let mut playback = player.playback(stage.sandbox(), &scenario);
    let call = block(through(&mut playback, "call.created"));
    t.until("the card", |t| t.call_event(call).is_some());
    let card = t.invoke_ok(&t.card, "card", json!({"callId": call}));
    assert_eq!(
        card["card"]["contact"]["name"],
        "<img src=x onerror=alert(1)>"
    );
    // The UI renders it with textContent only: no file of ui/, whatever its name, parses HTML.
    let ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui");
    let files = walk(&ui);
    assert!(
        files.iter().any(|f| f.ends_with("js/card.js")),
        "ui/ was read: {files:?}"
    );
    for file in files {
        let source = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        let file = file.strip_prefix(&ui).unwrap().display().to_string();
        for forbidden in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "DOMParser",
        ] {
            assert!(!source.contains(forbidden), "ui/{file} uses {forbidden}");
        }
    }
}

#[test]
fn the_demo_tour_shows_every_kind_of_caller_and_logs_its_sms() {
    let (t, stage) = demo_playing(Activity::Tour, Duration::from_millis(60));
    // Every card the app was told about, as each call rang and moved on (once a new caller's
    // call is logged, the card fetched again shows the contact it created).
    t.until("a card of each kind and the SMS in the history", |t| {
        let names: Vec<String> = t
            .events
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                UiEvent::Call { card, .. } => {
                    let card = serde_json::to_value(&card.card).unwrap();
                    let contact = &card["contact"];
                    Some(format!(
                        "{} {}",
                        contact["status"].as_str().unwrap_or("-"),
                        contact["name"]
                    ))
                }
                _ => None,
            })
            .collect();
        let has = |wanted: &str| names.iter().any(|n| n.starts_with(wanted));
        let history = t.invoke_ok(&t.main, "history", json!({}));
        let sms_logged = history["items"].as_array().unwrap().iter().any(|i| {
            i["kind"] == "message" && i["status"] == "logged" && i["conversation_url"].is_string()
        });
        // The second round's unknown callers are new too.
        has("existing \"Jane Roe\"")
            && has("existing \"<img src=x onerror=alert(1)>\"")
            && has("new \"+33650505050\"")
            && has("new \"+33651000001\"")
            && has("new \"+33652000001\"")
            && has("anonymous ")
            && has("ambiguous ")
            && has("existing \"John Carter\"")
            && sms_logged
    });
    // The contacts the hub created for new callers came back as Intercom's signed
    // notifications, which the hub took.
    t.until("a notification of a created lead taken by the hub", |_| {
        stage
            .sandbox()
            .intercom_notifications()
            .iter()
            .any(|n| n.body["topic"] == "contact.lead.created" && n.attempts.as_slice() == [200])
    });
    // The tour's last call: Aircall's AI summary lands in Jane's conversation as a note.
    t.until("the AI summary in Intercom", |_| {
        stage.sandbox().intercom().conversations().iter().any(|c| {
            c.parts.iter().any(|p| {
                p.body
                    .as_deref()
                    .is_some_and(|b| b.contains("refund for order 1042"))
            })
        })
    });
}

#[test]
fn in_the_demo_a_number_put_in_the_agents_phone_becomes_their_logged_outbound_call() {
    let (t, stage) = demo_playing(Activity::Tour, Duration::from_millis(60));
    let sandbox = stage.sandbox();
    let creds = sandbox.credentials();
    // What the hub's `POST /api/v1/dial` asks of Aircall for Alice.
    let dialed = block(
        reqwest::Client::new()
            .post(format!("{}/v1/users/1102/dial", sandbox.aircall_url()))
            .basic_auth(creds.aircall_api_id, Some(creds.aircall_api_token))
            .json(&json!({"to": "+33650505099"}))
            .send(),
    )
    .unwrap();
    assert!(dialed.status().is_success(), "{}", dialed.status());
    t.until("the outbound call logged in the history", |t| {
        let history = t.invoke_ok(&t.main, "history", json!({}));
        history["items"].as_array().unwrap().iter().any(|i| {
            i["direction"] == "outbound" && i["phone"] == "+33650505099" && i["status"] == "logged"
        })
    });
}

#[test]
fn a_demo_script_is_played_once_then_the_demo_is_idle() {
    let missed = Scenario::missed("+33 6 50 50 50 50", SUPPORT_FR);
    let (t, _stage) = demo_playing(Activity::Script(missed), Duration::from_millis(50));
    let calls = |t: &TestApp| {
        let history = t.invoke_ok(&t.main, "history", json!({}));
        history["items"].as_array().unwrap().clone()
    };
    t.until("the missed call logged", |t| {
        calls(t).iter().any(|i| i["status"] == "logged")
    });
    // The script is over (the tour would go on for ever), and the hub has nothing left to do:
    // no other call came.
    t.until("the demo to finish its script", |t| {
        block(t.desk.demo_finished())
    });
    let hub = t.invoke_ok(&t.main, "status", json!({}))["hub"]
        .as_str()
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    t.until("the hub's inbox and outbox to drain", |_| {
        let health: Value = block(async {
            reqwest::get(format!("{hub}/healthz"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        });
        health["inbox_depth"] == 0 && health["outbox_depth"] == 0
    });
    assert_eq!(calls(&t).len(), 1);
}

#[test]
fn errors_cross_as_code_and_message() {
    let (t, _stage) = demo();
    let empty = t
        .invoke(&t.card, "add_tag", json!({"callId": 1, "name": "  "}))
        .unwrap_err();
    assert_eq!(
        empty,
        json!({"code": "invalid", "message": "the tag is empty"})
    );
    let link = t
        .invoke(&t.card, "open_link", json!({"url": "javascript:alert(1)"}))
        .unwrap_err();
    assert_eq!(link["code"], "invalid");
    let unknown = t.invoke(&t.card, "card", json!({"callId": 1})).unwrap_err();
    assert_eq!(unknown["code"], "hub", "{unknown}");
    assert!(unknown["message"].as_str().unwrap().contains("refused"));
    let region = t
        .invoke(
            &t.main,
            "save_settings",
            json!({"settings": {"default_region": "XX"}}),
        )
        .unwrap_err();
    assert_eq!(region["code"], "invalid");
    assert!(region["message"].as_str().unwrap().contains("XX"));
    let window = t
        .invoke(
            &t.main,
            "save_settings",
            json!({"settings": {"integration": {"tag_window_minutes": -1}}}),
        )
        .unwrap_err();
    assert_eq!(
        window,
        json!({"code": "invalid", "message": "the tag window must be 0 to 10080 minutes, not -1"})
    );
}

#[test]
fn each_window_may_call_only_its_own_commands() {
    let (t, stage) = demo();
    // A call the hub knows, so that only the capability can refuse the main window's note.
    let player = stage.player(Pace::Instant);
    let scenario = Scenario::inbound_answered(JANE_PHONE, SUPPORT_FR, ALICE_AIRCALL);
    let mut playback = player.playback(stage.sandbox(), &scenario);
    let call = block(through(&mut playback, "call.created"));
    t.until("the card", |t| t.call_event(call).is_some());
    // The card window cannot touch settings or secrets…
    assert!(t
        .invoke(
            &t.card,
            "save_secret",
            json!({"name": "agent_token", "value": "stolen"})
        )
        .is_err());
    assert!(t.invoke(&t.card, "settings", json!({})).is_err());
    assert!(t.invoke(&t.card, "hub_settings", json!({})).is_err());
    assert_eq!(t.vault.get(SecretName::AgentToken).unwrap(), None);
    // …and the main window cannot tag or annotate calls: Tauri refuses, nothing is queued.
    for (command, args) in [
        ("add_note", json!({"callId": call, "body": "x"})),
        ("add_tag", json!({"callId": call, "name": "VIP"})),
    ] {
        let refused = t.invoke(&t.main, command, args).unwrap_err();
        let words = refused.as_str().unwrap_or_default();
        assert!(
            words.contains("not allowed") && words.contains(command),
            "{command}: {refused}"
        );
    }
    assert_eq!(t.desk.journal().actions_total().unwrap(), 0);
    // The card window may: the same note is accepted there.
    assert_eq!(
        t.invoke_ok(&t.card, "add_note", json!({"callId": call, "body": "x"})),
        "sent"
    );
    assert_eq!(t.desk.journal().actions_total().unwrap(), 1);
    assert!(t.invoke(&t.main, "close_window", json!({})).is_err());
    // Each may call its own: the card window reads the last card when it opens on none.
    t.invoke_ok(&t.card, "recent_cards", json!({"limit": 1}));
    t.invoke_ok(&t.card, "close_window", json!({}));
    t.invoke_ok(&t.main, "show_card", json!({"callId": 1}));
}

#[test]
fn signing_in_is_the_main_windows_and_a_bad_link_or_address_is_refused_in_words() {
    let t = app_with(|journal, vault, dir, sink| Desk::new(journal, vault, dir, None, sink));
    // The card window cannot sign in, join or read an invitation.
    for (command, args) in [
        ("sign_in", json!({"hub": "https://hub.acme.io"})),
        (
            "join",
            json!({"link": "ringside://join?hub=https://hub.acme.io&code=c"}),
        ),
        ("take_invitation", json!({})),
        ("cancel_sign_in", json!({})),
    ] {
        let refused = t.invoke(&t.card, command, args).unwrap_err();
        let words = refused.as_str().unwrap_or_default();
        assert!(
            words.contains("not allowed") && words.contains(command),
            "{command}: {refused}"
        );
    }
    // The main window's mistakes come back in words, before anything is sent or opened.
    assert_eq!(
        t.invoke(
            &t.main,
            "join",
            json!({"link": "https://evil.example/join?code=x"})
        )
        .unwrap_err(),
        json!({"code": "sign_in", "message": "this is not a Ringside invitation link: an invitation starts with ringside://join?"})
    );
    let plain = t
        .invoke(&t.main, "sign_in", json!({"hub": "http://hub.acme.io"}))
        .unwrap_err();
    assert_eq!(plain["code"], "sign_in");
    assert!(
        plain["message"]
            .as_str()
            .unwrap()
            .starts_with("the hub's address is not usable: "),
        "{plain}"
    );
    assert_eq!(t.vault.get(SecretName::AgentToken).unwrap(), None);
    // An invitation the desktop handed over is offered once; anything else is not offered.
    let link = "ringside://join?hub=https://hub.acme.io&code=abc";
    t.desk.offer_invitation("https://evil.example/?code=abc");
    assert_eq!(
        t.invoke_ok(&t.main, "take_invitation", json!({})),
        Value::Null
    );
    t.desk.offer_invitation(link);
    assert_eq!(
        t.invoke_ok(&t.main, "take_invitation", json!({})),
        json!({"hub": "https://hub.acme.io", "link": link})
    );
    assert_eq!(
        t.invoke_ok(&t.main, "take_invitation", json!({})),
        Value::Null
    );
    assert!(t
        .events
        .lock()
        .unwrap()
        .iter()
        .any(|e| e.name() == "signin://invitation"));
}

#[test]
fn settings_and_secrets_are_saved_and_secrets_never_shown() {
    let (t, _stage) = demo();
    let view = t.invoke_ok(&t.main, "settings", json!({}));
    assert_eq!(view["demo"], true);
    assert_eq!(view["settings"]["card"], "on_ring");
    let settings = Settings {
        default_region: "FR".into(),
        hub_url: "https://ringside.example.com".into(),
        notifications: false,
        ..Settings::default()
    };
    t.desk.journal().set_meta("last_event_id", "41").unwrap();
    t.invoke_ok(&t.main, "save_settings", json!({"settings": settings}));
    // Another hub: the old hub's stream position is forgotten.
    assert_eq!(t.desk.journal().meta("last_event_id").unwrap(), None);
    t.invoke_ok(
        &t.main,
        "save_secret",
        json!({"name": "agent_token", "value": "s3cret-token"}),
    );
    let view = t.invoke_ok(&t.main, "settings", json!({}));
    assert_eq!(view["settings"]["default_region"], "FR");
    assert_eq!(view["settings"]["notifications"], false);
    assert_eq!(view["saved_secrets"], json!(["agent_token"]));
    assert!(!view.to_string().contains("s3cret-token"));
    assert_eq!(
        t.vault.get(SecretName::AgentToken).unwrap(),
        Some(Secret::new("s3cret-token"))
    );
}

#[test]
fn starting_with_the_session_writes_and_removes_the_autostart_entry() {
    let (t, _stage) = demo();
    let config = tempfile::tempdir().unwrap();
    t.app.manage(Autostart::at(config.path().join("autostart")));
    let entry = config.path().join("autostart/ringside.desktop");
    let view = t.invoke_ok(&t.main, "settings", json!({}));
    assert_eq!(
        view["settings"]["start_with_session"], false,
        "off by default"
    );

    let on = Settings {
        start_with_session: true,
        ..Settings::default()
    };
    t.invoke_ok(&t.main, "save_settings", json!({"settings": on}));
    let text = std::fs::read_to_string(&entry).expect("the autostart entry is written");
    let program = std::env::current_exe().unwrap();
    assert!(
        text.contains(&format!("\nExec=\"{}\"\n", program.display())),
        "{text}"
    );
    let view = t.invoke_ok(&t.main, "settings", json!({}));
    assert_eq!(view["settings"]["start_with_session"], true);

    // The entry is the truth: removed by hand, the setting reads off.
    std::fs::remove_file(&entry).unwrap();
    let view = t.invoke_ok(&t.main, "settings", json!({}));
    assert_eq!(view["settings"]["start_with_session"], false);

    // On again, then off: the entry is gone.
    t.invoke_ok(&t.main, "save_settings", json!({"settings": on}));
    assert!(entry.is_file());
    let off = Settings {
        start_with_session: false,
        ..Settings::default()
    };
    t.invoke_ok(&t.main, "save_settings", json!({"settings": off}));
    assert!(!entry.exists(), "the autostart entry is still there");
}

#[test]
fn while_the_hub_is_unreachable_a_note_is_queued_and_the_status_says_so() {
    let t = app_on_a_dead_hub();
    block(t.desk.connect()).unwrap();
    t.until("the stream to fail", |t| {
        t.invoke_ok(&t.card, "status", json!({}))["connection"]["state"] == "reconnecting"
    });
    assert_eq!(
        t.invoke_ok(
            &t.card,
            "add_note",
            json!({"callId": 42, "body": "Call back at 5"})
        ),
        json!("queued")
    );
    let status = t.invoke_ok(&t.card, "status", json!({}));
    assert_eq!(status["queued"], 1);
    assert_eq!(status["mode"], "connected");
    assert_eq!(t.desk.journal().pending().unwrap().len(), 1);
    let offline = t.invoke(&t.main, "history", json!({})).unwrap_err();
    assert_eq!(offline["code"], "offline");
}

#[test]
fn without_settings_the_app_says_what_is_missing() {
    let t = app_with(|journal, vault, dir, sink| Desk::new(journal, vault, dir, None, sink));
    let e = block(t.desk.connect()).unwrap_err();
    assert_eq!(e.code(), "not_configured");
    let status = t.invoke_ok(&t.main, "status", json!({}));
    assert_eq!(status["connection"]["state"], "offline");
    assert!(status["connection"]["reason"]
        .as_str()
        .unwrap()
        .contains("hub URL"));
}

#[test]
fn every_command_is_declared_for_the_capabilities() {
    let build = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/build.rs")).unwrap();
    // The `COMMANDS` array, not the build script's other strings.
    let (_, list) = build.split_once("const COMMANDS").unwrap();
    let (list, _) = list.split_once("];").unwrap();
    let declared: Vec<&str> = list
        .lines()
        .filter_map(|l| l.trim().strip_prefix('"')?.strip_suffix("\","))
        .collect();
    assert_eq!(declared, ringside_lib::commands::ALL);
}

/// The modules a page loads: its script and, one after another, what each imports.
fn modules_of(page: &str) -> Vec<String> {
    let ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui");
    let html = std::fs::read_to_string(ui.join(page)).unwrap();
    let first = html
        .split("<script type=\"module\" src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("{page} loads no module"))
        .to_owned();
    let mut modules = vec![first];
    let mut next = 0;
    while next < modules.len() {
        let path = ui.join(&modules[next]);
        let text = std::fs::read_to_string(&path).unwrap();
        let dir = std::path::Path::new(&modules[next])
            .parent()
            .unwrap()
            .to_owned();
        for import in text.split("from \"./").skip(1) {
            let file = import.split('"').next().unwrap();
            let module = dir.join(file).display().to_string();
            if !modules.contains(&module) {
                modules.push(module);
            }
        }
        next += 1;
    }
    modules
}

#[test]
fn each_window_may_call_every_command_its_page_uses() {
    let ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/js");
    let api = std::fs::read_to_string(ui.join("api.js")).unwrap();
    // `export const recentCards = (limit) => invoke("recent_cards", { limit });`
    let functions: Vec<(String, String)> = api
        .lines()
        .filter_map(|line| {
            let (name, body) = line.strip_prefix("export const ")?.split_once(" = ")?;
            let command = body.split("invoke(\"").nth(1)?.split('"').next()?;
            Some((name.to_owned(), command.to_owned()))
        })
        .collect();
    assert!(functions.len() > 20, "api.js's commands: {functions:?}");
    for (window, page) in [("card", "card.html"), ("main", "index.html")] {
        let path = format!("{}/capabilities/{window}.json", env!("CARGO_MANIFEST_DIR"));
        let capability: Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let allowed: Vec<&str> = capability["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let modules = modules_of(page);
        assert!(
            modules.iter().any(|m| m.ends_with("i18n.js")),
            "{modules:?}"
        );
        for module in &modules {
            let text = std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../ui")
                    .join(module),
            )
            .unwrap();
            for (function, command) in &functions {
                if text.contains(&format!("api.{function}(")) {
                    let permission = format!("allow-{}", command.replace('_', "-"));
                    assert!(
                        allowed.contains(&permission.as_str()),
                        "{module} (the {window} window) calls `{command}`, which {window}.json does not allow"
                    );
                }
            }
        }
    }
}

#[test]
fn standalone_mode_starts_a_hub_in_the_app_with_the_keyring_credentials() {
    let sandbox = block(Sandbox::start(ringside_sandbox::Seed::demo())).unwrap();
    sandbox.faults().set_aircall_budget(100_000);
    let creds = sandbox.credentials();
    let settings = Settings {
        mode: ModeKind::Standalone,
        agent_email: "bob@acme.io".into(),
        aircall_api_id: creds.aircall_api_id.clone(),
        aircall_base_url: sandbox.aircall_url(),
        intercom_base_url: sandbox.intercom_url(),
        default_region: "FR".into(),
        integration: Integration {
            log_missed_calls: false,
            tag_window_minutes: 30,
            // Users only: few enough for Aircall's 60 writes a minute.
            sync_roles: "users".into(),
            sync_interval_minutes: 60,
            ..Integration::default()
        },
        ..Settings::default()
    };
    let linked_to_intercom = || {
        sandbox
            .aircall()
            .contacts()
            .into_iter()
            .filter(|c| {
                c.information
                    .as_deref()
                    .is_some_and(|i| i.contains("intercom.com"))
            })
            .count() as u64
    };
    let linked_before = linked_to_intercom();
    let t = app_with(|journal, vault, dir, sink| {
        settings.save(&journal).unwrap();
        vault
            .set(
                SecretName::IntercomToken,
                &Secret::new(creds.intercom_token.clone()),
            )
            .unwrap();
        vault
            .set(
                SecretName::AircallApiToken,
                &Secret::new(creds.aircall_api_token.clone()),
            )
            .unwrap();
        Desk::new(journal, vault, dir, None, sink)
    });
    block(t.desk.connect()).unwrap();
    t.until("the stream to connect", |t| {
        t.invoke_ok(&t.card, "status", json!({}))["connection"]["state"] == "connected"
    });
    let status = t.invoke_ok(&t.main, "status", json!({}));
    assert_eq!(status["mode"], "standalone");
    assert!(status["hub"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));

    // The demo fixture's ringing call exists in Aircall, but no webhook brought it to the hub
    // in the app: its card is refused in words, and Aircall's budget is not spent on it.
    let asked_for_it = || {
        sandbox
            .aircall()
            .requests()
            .iter()
            .filter(|r| r.path == "/v1/calls/780836754")
            .count()
    };
    let refused = t
        .invoke(&t.card, "card", json!({"callId": 780836754u64}))
        .expect_err("a card for a call the hub never saw");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("has not seen call 780836754")),
        "{refused}"
    );
    assert_eq!(asked_for_it(), 0);

    // The hub in the app logs with the integration settings of Settings, and syncs contacts on
    // their schedule; the main window reads both.
    let hub = t.invoke_ok(&t.main, "hub_settings", json!({}));
    assert_eq!(hub["settings"]["log_missed_calls"], false);
    assert_eq!(hub["settings"]["tag_window_secs"], 30 * 60);
    assert_eq!(
        hub["sync"],
        json!({"roles": "users", "interval_minutes": 60, "full_every_hours": 24})
    );
    t.until("a contact sync to finish", |t| {
        !t.invoke_ok(&t.main, "sync_status", json!({}))["last_run"].is_null()
    });
    let sync = t.invoke_ok(&t.main, "sync_status", json!({}));
    assert_eq!(sync["enabled"], true);
    assert_eq!(sync["running"], false);
    assert_eq!(sync["headline"], "Up to date");
    assert_eq!(sync["last_run"]["kind"], "full");
    assert!(sync["last_run"]["indexed"].as_u64().unwrap() > 0, "{sync}");
    assert!(sync["last_run"]["written"].as_u64().unwrap() > 0, "{sync}");
    assert_eq!(sync["last_error"], Value::Null);
    assert_eq!(
        linked_to_intercom() - linked_before,
        sync["last_run"]["written"].as_u64().unwrap()
    );

    // The hub's database is in the data directory; no credential is written anywhere there.
    let files = walk(t.dir.path());
    assert!(files
        .iter()
        .any(|f| f.starts_with(t.dir.path().join("hub"))));
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        for secret in [&creds.intercom_token, &creds.aircall_api_token] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{} holds a credential",
                file.display()
            );
        }
    }
    block(t.desk.disconnect());
}

#[test]
fn the_card_shows_the_conversations_real_tags_and_removing_one_removes_it_in_intercom() {
    let (t, stage) = demo();
    let player = stage.player(Pace::Instant);
    let scenario = Scenario::inbound_answered(JANE_PHONE, SUPPORT_FR, ALICE_AIRCALL);
    let mut playback = player.playback(stage.sandbox(), &scenario);
    let call = block(through(&mut playback, "call.created"));
    t.until("the card", |t| t.call_event(call).is_some());
    // The last conversation's tags, as Intercom has them.
    let card = t.invoke_ok(&t.card, "card", json!({"callId": call}));
    assert_eq!(
        card["card"]["conversation"]["tags"],
        json!([{"id": "101", "name": "VIP"}, {"id": "102", "name": "Billing"}])
    );

    block(through(&mut playback, "call.ended"));
    // Once logged, the desk fetches the card with the call's own conversation by itself.
    t.until("the card of the logged call", |t| {
        t.call_event(call)
            .is_some_and(|(c, _, _)| c["card"]["call_conversation"]["id"].is_string())
    });
    let (card, _, _) = t.call_event(call).unwrap();
    let conversation = card["card"]["call_conversation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // A teammate tags it in Intercom: the card's chips show it.
    let sandbox = stage.sandbox();
    let intercom = intercom_client(sandbox);
    let vip = block(intercom.tag_named("VIP")).unwrap();
    block(intercom.attach_tag(&conversation, &vip.id, "991267701")).unwrap();
    let chips = |t: &TestApp| t.invoke_ok(&t.card, "card", json!({"callId": call}))["tags"].clone();
    assert_eq!(
        chips(&t),
        json!([{"value": "VIP", "state": "applied", "reason": null}])
    );

    // Removing the chip removes the tag in Intercom; adding one shows it at once.
    assert_eq!(
        t.invoke_ok(
            &t.card,
            "remove_tag",
            json!({"callId": call, "name": "VIP"})
        ),
        json!("sent")
    );
    assert_eq!(
        t.invoke_ok(
            &t.card,
            "add_tag",
            json!({"callId": call, "name": "Callback"})
        ),
        json!("sent")
    );
    let names = |chips: &Value| -> Vec<String> {
        chips
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["state"] != "removing")
            .map(|c| c["value"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&chips(&t)), ["Callback"]);
    let view = sandbox.intercom();
    t.until("Intercom to have Callback and not VIP", |_| {
        view.conversation(&conversation).is_some_and(|c| {
            c.tags.iter().any(|tag| tag.name == "Callback")
                && c.tags.iter().all(|tag| tag.name != "VIP")
        })
    });
    t.until("the chips to follow Intercom", |t| {
        chips(t) == json!([{"value": "Callback", "state": "applied", "reason": null}])
    });
}

#[test]
fn the_main_window_reads_the_hubs_integration_settings_and_sync_status() {
    let (t, _director) = demo();
    let hub = t.invoke_ok(&t.main, "hub_settings", json!({}));
    assert_eq!(hub["settings"]["log_answered_calls"], true);
    assert_eq!(hub["settings"]["new_contact_role"], "lead");
    // The demo's hub syncs the sandbox's contacts, so the sync line shows it working: a run
    // that indexed the demo's contacts and wrote them to the fake Aircall.
    assert_ne!(hub["sync"], Value::Null);
    t.until("a finished contact sync", |t| {
        t.invoke_ok(&t.main, "sync_status", json!({}))["last_run"]["finished_at"] != Value::Null
    });
    let sync = t.invoke_ok(&t.main, "sync_status", json!({}));
    assert_eq!(sync["enabled"], true);
    assert_ne!(sync["headline"], "Contact sync is off");
    assert!(sync["last_run"]["indexed"].as_u64().unwrap() > 0, "{sync}");
    assert!(sync["last_run"]["written"].as_u64().unwrap() > 0, "{sync}");
    assert_eq!(sync["last_error"], Value::Null, "{sync}");
}

#[test]
fn without_a_hub_the_sync_status_says_why() {
    let t = app_on_a_dead_hub();
    block(t.desk.connect()).unwrap();
    let offline = t.invoke(&t.main, "sync_status", json!({})).unwrap_err();
    assert_eq!(offline["code"], "offline");
    assert!(offline["message"]
        .as_str()
        .unwrap()
        .contains("cannot connect to the hub"));
}

/// An Intercom client on the sandbox, acting for a teammate outside the app.
fn intercom_client(sandbox: &Sandbox) -> ringside_core::intercom::IntercomClient {
    let mut config = ringside_core::intercom::IntercomConfig::new(
        Secret::new(sandbox.credentials().intercom_token),
        Default::default(),
    );
    config.base_url = sandbox.intercom_url().parse().unwrap();
    ringside_core::intercom::IntercomClient::new(config).unwrap()
}

#[test]
fn the_first_run_opens_the_setup_and_its_checks_say_what_works_and_what_to_fix() {
    let sandbox = block(Sandbox::start(ringside_sandbox::Seed::demo())).unwrap();
    sandbox.faults().set_aircall_budget(100_000);
    let creds = sandbox.credentials();
    let t = app_with(|journal, vault, dir, sink| Desk::new(journal, vault, dir, None, sink));
    let check = |t: &TestApp| -> Vec<(String, bool, String)> {
        let checks = t.invoke_ok(&t.main, "check_setup", json!({}));
        checks
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["subject"].as_str().unwrap().to_owned(),
                    c["ok"].as_bool().unwrap(),
                    c["words"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let failed = |checks: &[(String, bool, String)], subject: &str| -> String {
        let found = checks.iter().find(|c| c.0 == subject);
        match found {
            Some((_, false, words)) => words.clone(),
            other => panic!("{subject}: expected a failed check, got {other:?} in {checks:?}"),
        }
    };

    // Nothing saved: the main window opens the setup, and the check names the first step.
    let view = t.invoke_ok(&t.main, "settings", json!({}));
    assert_eq!(view["first_run"], true);
    assert_eq!(
        t.invoke_ok(&t.main, "status", json!({}))["mode"],
        "not set up"
    );
    assert!(failed(&check(&t), "Hub").contains("enter the hub URL"));
    // The card window cannot check or start anything.
    assert!(t.invoke(&t.card, "check_setup", json!({})).is_err());

    // Standalone with a mistyped Intercom token: Intercom says so, Aircall works.
    let settings = json!({
        "mode": "standalone",
        "agent_email": "Alice.Durand@acme.io",
        "aircall_api_id": creds.aircall_api_id,
        "aircall_base_url": sandbox.aircall_url(),
        "intercom_base_url": sandbox.intercom_url(),
        "default_region": "FR",
    });
    t.invoke_ok(&t.main, "save_settings", json!({ "settings": settings }));
    for (name, value) in [
        ("intercom_token", "not-the-token".to_owned()),
        ("aircall_api_token", creds.aircall_api_token.clone()),
    ] {
        t.invoke_ok(
            &t.main,
            "save_secret",
            json!({"name": name, "value": value}),
        );
    }
    assert_eq!(
        t.invoke_ok(&t.main, "settings", json!({}))["first_run"],
        false
    );
    let checks = check(&t);
    assert!(
        failed(&checks, "Intercom").contains("Check the Intercom token in Settings"),
        "{checks:?}"
    );
    let aircall = checks.iter().find(|c| c.0 == "Aircall").unwrap();
    assert!(
        aircall.1 && aircall.2.contains("API key works"),
        "{aircall:?}"
    );
    assert!(checks.iter().any(|c| c.0 == "Default region" && c.1));

    // The right token: the workspace, and the teammate notes will be written as.
    let token = creds.intercom_token.clone();
    t.invoke_ok(
        &t.main,
        "save_secret",
        json!({"name": "intercom_token", "value": token}),
    );
    let checks = check(&t);
    assert!(checks.iter().all(|c| c.1), "{checks:?}");
    let teammate = checks
        .iter()
        .find(|c| c.0 == "Your Intercom teammate")
        .unwrap();
    assert!(teammate.2.contains("Alice Durand"), "{teammate:?}");
    // The checks never show a secret.
    let shown = t.invoke_ok(&t.main, "check_setup", json!({})).to_string();
    assert!(!shown.contains(&creds.intercom_token) && !shown.contains(&creds.aircall_api_token));
    block(t.desk.disconnect());
}

#[test]
fn the_checks_of_connected_mode_say_whether_the_hub_answers_and_takes_the_token() {
    let sandbox = block(Sandbox::start(ringside_sandbox::Seed::demo())).unwrap();
    let store = ringside_core::store::Store::open_in_memory().unwrap();
    let token = store.add_agent("alice.durand@acme.io", 0).unwrap();
    let hub = hub_on(&sandbox, store, Default::default());
    let hub_url = format!("http://{}", hub.local_addr());
    let t = app_with(|journal, vault, dir, sink| {
        Settings {
            mode: ModeKind::Connected,
            hub_url: hub_url.clone(),
            ..Settings::default()
        }
        .save(&journal)
        .unwrap();
        Desk::new(journal, vault, dir, None, sink)
    });
    let checks = |t: &TestApp| t.invoke_ok(&t.main, "check_setup", json!({})).to_string();

    let shown = checks(&t);
    assert!(shown.contains("none saved: paste the token"), "{shown}");
    t.vault
        .set(SecretName::AgentToken, &Secret::new("a-revoked-token"))
        .unwrap();
    let shown = checks(&t);
    assert!(shown.contains(&format!("{hub_url} is up")), "{shown}");
    assert!(shown.contains("the hub refused it"), "{shown}");
    t.vault.set(SecretName::AgentToken, &token).unwrap();
    let shown = checks(&t);
    assert!(shown.contains("the hub accepts it"), "{shown}");
    assert!(!shown.contains(token.expose()));

    block(hub.shutdown());
    let shown = checks(&t);
    assert!(
        shown.contains(&format!("cannot reach {hub_url}")),
        "{shown}"
    );
}

#[test]
fn standalone_mode_receives_calls_once_its_webhook_is_registered_with_aircall() {
    let sandbox = block(Sandbox::start(ringside_sandbox::Seed::demo())).unwrap();
    sandbox.faults().set_aircall_budget(100_000);
    let creds = sandbox.credentials();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let settings = Settings {
        mode: ModeKind::Standalone,
        agent_email: "alice.durand@acme.io".into(),
        aircall_api_id: creds.aircall_api_id.clone(),
        aircall_base_url: sandbox.aircall_url(),
        intercom_base_url: sandbox.intercom_url(),
        webhook_port: port,
        webhook_url: "https://calls.example.net/".into(),
        default_region: "FR".into(),
        ..Settings::default()
    };
    let t = app_with(|journal, vault, dir, sink| {
        settings.save(&journal).unwrap();
        for (name, value) in [
            (SecretName::IntercomToken, &creds.intercom_token),
            (SecretName::AircallApiToken, &creds.aircall_api_token),
        ] {
            vault.set(name, &Secret::new(value.clone())).unwrap();
        }
        Desk::new(journal, vault, dir, None, sink)
    });
    block(t.desk.connect()).unwrap();
    assert_eq!(
        t.invoke_ok(&t.main, "settings", json!({}))["registered_webhook"],
        Value::Null
    );
    let target = "https://calls.example.net/webhooks/aircall";
    assert_eq!(
        t.invoke_ok(&t.main, "register_webhook", json!({})),
        json!(target)
    );
    assert_eq!(
        t.invoke_ok(&t.main, "settings", json!({}))["registered_webhook"],
        json!(target)
    );
    let webhook = sandbox
        .aircall()
        .webhooks()
        .into_iter()
        .find(|w| w.url == target)
        .expect("the webhook is registered with Aircall");

    // Aircall's deliveries (forwarded to the port) reach the hub in the app; others do not.
    let url = format!("http://127.0.0.1:{port}/webhooks/aircall");
    let jane = ringside_sandbox::scenario::Scenario::inbound_answered(
        JANE_PHONE,
        SUPPORT_FR,
        ALICE_AIRCALL,
    );
    let forged = ringside_sandbox::scenario::Player::new(&url, "not-the-token");
    let staged = ringside_sandbox::scenario::stage(&sandbox, &jane).unwrap();
    assert_eq!(block(forged.deliver(&staged.envelopes[0])).unwrap(), 401);
    let aircall = ringside_sandbox::scenario::Player::new(&url, &webhook.token);
    assert_eq!(block(aircall.deliver(&staged.envelopes[0])).unwrap(), 200);
    let call = staged.call("call").unwrap();
    t.until("the card of the delivered call", |t| {
        t.call_event(call).is_some()
    });
    let (card, _, _) = t.call_event(call).unwrap();
    assert_eq!(card["card"]["contact"]["name"], "Jane Roe");
    // The hub keeps only a hash of the webhook's token.
    for file in walk(t.dir.path()) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !bytes
                .windows(webhook.token.len())
                .any(|w| w == webhook.token.as_bytes()),
            "{} holds the webhook token",
            file.display()
        );
    }
    block(t.desk.disconnect());
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// How many parts of Jane's Intercom conversations hold `text`.
fn janes_mentions(sandbox: &Sandbox, text: &str) -> usize {
    sandbox
        .intercom()
        .conversations_of(JANE)
        .iter()
        .map(|c| {
            usize::from(c.source.body.contains(text))
                + c.parts
                    .iter()
                    .filter(|p| p.body.as_deref().is_some_and(|b| b.contains(text)))
                    .count()
        })
        .sum()
}

#[test]
fn a_refused_token_keeps_the_agents_note_until_the_token_is_fixed() {
    let sandbox = block(Sandbox::start(ringside_sandbox::Seed::demo())).unwrap();
    let store = ringside_core::store::Store::open_in_memory().unwrap();
    let token = store.add_agent("alice.durand@acme.io", 0).unwrap();
    let hub = hub_on(&sandbox, store, Default::default());
    let hub_url = format!("http://{}", hub.local_addr());
    // Jane's call, which the hub knows and logs.
    let player = ringside_sandbox::scenario::Player::new(
        format!("{hub_url}/webhooks/aircall"),
        WEBHOOK_TOKEN,
    )
    .with_pace(Pace::Instant);
    let scenario = Scenario::inbound_answered(JANE_PHONE, SUPPORT_FR, ALICE_AIRCALL);
    let mut playback = player.playback(&sandbox, &scenario);
    while block(playback.step()).unwrap().is_some() {}
    let call = playback.call("call").unwrap();

    // The agent's token was mistyped (or rotated by the admin): the note waits, and says why.
    let t = connected_to(&hub_url, "a-mistyped-token");
    let note = "Refund promised by Friday";
    let delivery = t.invoke_ok(&t.card, "add_note", json!({"callId": call, "body": note}));
    assert_eq!(delivery, "waiting_for_token");
    let status = t.invoke_ok(&t.card, "status", json!({}));
    assert_eq!(status["connection"]["state"], "unauthorized", "{status}");
    assert_eq!(status["queued"], 1, "{status}");
    // A second try while the token is still wrong keeps it too.
    let again = t.invoke_ok(
        &t.card,
        "add_tag",
        json!({"callId": call, "name": "Refund"}),
    );
    assert_eq!(again, "waiting_for_token");
    assert_eq!(t.desk.journal().pending().unwrap().len(), 2);
    assert_eq!(janes_mentions(&sandbox, note), 0);

    // The right token is saved: both go, once.
    t.invoke_ok(
        &t.main,
        "save_secret",
        json!({"name": "agent_token", "value": token.expose()}),
    );
    t.until("the note in Intercom", |_| {
        janes_mentions(&sandbox, note) > 0
    });
    t.until("nothing left queued", |t| {
        t.invoke_ok(&t.card, "status", json!({}))["queued"] == 0
    });
    assert_eq!(janes_mentions(&sandbox, note), 1);
    let card = t.invoke_ok(&t.card, "card", json!({"callId": call}));
    assert_eq!(card["notes"][0]["state"], "sent", "{card}");
    block(t.desk.disconnect());
    block(hub.shutdown());
}

#[test]
fn a_note_is_counted_in_characters_the_same_in_the_app_and_the_hub() {
    let (t, stage) = demo();
    let limits = t.invoke_ok(&t.card, "limits", json!({}));
    assert_eq!(
        limits,
        json!({"note_max_chars": ringside_core::limits::NOTE_MAX_CHARS, "tag_max_chars": ringside_core::limits::TAG_MAX_CHARS})
    );
    let player = stage.player(Pace::Instant);
    let scenario = Scenario::inbound_answered(JANE_PHONE, SUPPORT_FR, ALICE_AIRCALL);
    let mut playback = player.playback(stage.sandbox(), &scenario);
    let call = block(through(&mut playback, "call.created"));
    while block(playback.step()).unwrap().is_some() {}
    t.until("the card", |t| t.call_event(call).is_some());

    // 7,000 Japanese characters are 21,000 bytes: within the limit for the app and the hub.
    let japanese = "お客様に折り返し電話".repeat(700);
    assert_eq!(japanese.chars().count(), 7_000);
    let delivery = t.invoke_ok(
        &t.card,
        "add_note",
        json!({"callId": call, "body": japanese}),
    );
    assert_eq!(delivery, "sent");
    t.until("the Japanese note in Intercom", |_| {
        janes_mentions(stage.sandbox(), &japanese) == 1
    });

    // One character too many is refused by the app before it is queued, with the reason.
    let before = t.desk.journal().actions_total().unwrap();
    let too_long = "あ".repeat(ringside_core::limits::NOTE_MAX_CHARS + 1);
    let refused = t
        .invoke(
            &t.card,
            "add_note",
            json!({"callId": call, "body": too_long}),
        )
        .unwrap_err();
    assert_eq!(
        refused,
        json!({"code": "invalid", "message": "the note is longer than 20000 characters"})
    );
    assert_eq!(t.desk.journal().actions_total().unwrap(), before);
}

#[test]
fn a_plain_http_hub_off_this_machine_is_refused_in_words() {
    let t = connected_to("http://10.20.30.40:8080", "agent-token");
    let checks = t.invoke_ok(&t.main, "check_setup", json!({}));
    let hub = checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["subject"] == "Hub")
        .unwrap_or_else(|| panic!("no hub check: {checks}"));
    assert_eq!(hub["ok"], false, "{hub}");
    let words = hub["words"].as_str().unwrap();
    assert!(
        words.contains("plain http") && words.contains("use https://"),
        "{words}"
    );
    // Nothing was sent there: the app is offline and says why.
    let status = t.invoke_ok(&t.main, "status", json!({}));
    assert_eq!(status["connection"]["state"], "offline", "{status}");
    assert!(
        status["connection"]["reason"]
            .as_str()
            .unwrap()
            .contains("use https://"),
        "{status}"
    );
}

#[test]
fn a_note_on_a_call_the_hub_does_not_log_is_shown_as_not_in_intercom() {
    let sandbox = block(Sandbox::start(ringside_sandbox::Seed::demo())).unwrap();
    let store = ringside_core::store::Store::open_in_memory().unwrap();
    let token = store.add_agent("alice.durand@acme.io", 0).unwrap();
    let settings = ringside_core::rules::Settings {
        log_answered_calls: false,
        ..Default::default()
    };
    // With Aircall, the hub knows who answers on Support FR: Alice hears its calls ring.
    let hub = hub_on_with(&sandbox, store, settings, Some(aircall_of(&sandbox)));
    let hub_url = format!("http://{}", hub.local_addr());
    let t = connected_to(&hub_url, token.expose());
    t.until("the stream to connect", |t| {
        t.invoke_ok(&t.card, "status", json!({}))["connection"]["state"] == "connected"
    });
    let player = ringside_sandbox::scenario::Player::new(
        format!("{hub_url}/webhooks/aircall"),
        WEBHOOK_TOKEN,
    )
    .with_pace(Pace::Instant);
    let scenario = Scenario::inbound_answered(JANE_PHONE, SUPPORT_FR, ALICE_AIRCALL);
    let mut playback = player.playback(&sandbox, &scenario);
    let call = block(through(&mut playback, "call.created"));
    // The agent notes a call their app shows (the hub has read its webhook by then).
    t.until("the card", |t| t.call_event(call).is_some());

    // While it rings, the hub takes the note…
    let note = "Asked about the invoice";
    let delivery = t.invoke_ok(&t.card, "add_note", json!({"callId": call, "body": note}));
    assert_eq!(delivery, "sent");
    // …then the call ends, and the hub's settings leave answered calls out of Intercom.
    while block(playback.step()).unwrap().is_some() {}
    t.until("the note shown as not in Intercom", |t| {
        let card = t.invoke_ok(&t.card, "card", json!({"callId": call}));
        card["notes"][0]["state"] == "failed"
    });
    let card = t.invoke_ok(&t.card, "card", json!({"callId": call}));
    assert_eq!(
        card["notes"][0]["reason"],
        "not in Intercom: the call is not logged (logging of answered calls is off)",
        "{card}"
    );
    let history = t.invoke_ok(&t.main, "history", json!({}));
    let id = call.to_string();
    let item = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id.as_str())
        .unwrap_or_else(|| panic!("the call is not in the history: {history}"))
        .clone();
    assert_eq!(
        (item["status"].as_str(), item["held_back"].as_u64()),
        (Some("off"), Some(1)),
        "{item}"
    );
    assert_eq!(janes_mentions(&sandbox, note), 0);
    block(t.desk.disconnect());
    block(hub.shutdown());
}

#[test]
fn a_note_intercom_refuses_is_shown_refused_in_words_on_the_card_and_in_the_history() {
    let sandbox = block(Sandbox::start(ringside_sandbox::Seed::demo())).unwrap();
    let store = ringside_core::store::Store::open_in_memory().unwrap();
    let token = store.add_agent("alice.durand@acme.io", 0).unwrap();
    let hub = hub_on(&sandbox, store.clone(), Default::default());
    let hub_url = format!("http://{}", hub.local_addr());
    let t = connected_to(&hub_url, token.expose());
    t.until("the stream to connect", |t| {
        t.invoke_ok(&t.card, "status", json!({}))["connection"]["state"] == "connected"
    });
    let player = ringside_sandbox::scenario::Player::new(
        format!("{hub_url}/webhooks/aircall"),
        WEBHOOK_TOKEN,
    )
    .with_pace(Pace::Instant);
    let scenario = Scenario::inbound_answered(JANE_PHONE, SUPPORT_FR, ALICE_AIRCALL);
    let mut playback = player.playback(&sandbox, &scenario);
    let call = block(through(&mut playback, "call.created"));
    while block(playback.step()).unwrap().is_some() {}
    let id = call.to_string();
    t.until("the call logged", |t| {
        history_line(t, &id).is_some_and(|l| l["status"] == "logged")
    });
    t.until("the hub idle", |_| store.outbox_depth().unwrap() == 0);

    // Intercom refuses the agent's next note.
    sandbox
        .faults()
        .fail_next(ringside_sandbox::Api::Intercom, 1, 422);
    let note = "Promised a refund";
    let delivery = t.invoke_ok(&t.card, "add_note", json!({"callId": call, "body": note}));
    assert_eq!(delivery, "sent");
    t.until("the note shown as refused", |t| {
        let card = t.invoke_ok(&t.card, "card", json!({"callId": call}));
        card["notes"][0]["state"] == "failed"
    });
    let card = t.invoke_ok(&t.card, "card", json!({"callId": call}));
    let reason = card["notes"][0]["reason"].as_str().unwrap().to_owned();
    assert!(
        reason.starts_with("Intercom refused the note “Promised a refund”: Intercom"),
        "{card}"
    );
    let line = history_line(&t, &id).unwrap();
    assert_eq!(line["refused_words"][0], reason.as_str(), "{line}");
    assert_eq!(janes_mentions(&sandbox, note), 0);
    block(t.desk.disconnect());
    block(hub.shutdown());
}

/// The history's line for `id`.
fn history_line(t: &TestApp, id: &str) -> Option<Value> {
    let history = t.invoke_ok(&t.main, "history", json!({}));
    history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .cloned()
}

#[test]
fn the_history_says_where_each_call_and_message_stands_in_words_with_its_actions() {
    let sandbox = block(Sandbox::start(ringside_sandbox::Seed::demo())).unwrap();
    let store = ringside_core::store::Store::open_in_memory().unwrap();
    let token = store.add_agent_with("bob@acme.io", true, 0).unwrap();
    let settings = ringside_core::rules::Settings {
        log_missed_calls: false,
        ..Default::default()
    };
    let hub = hub_on(&sandbox, store, settings);
    let hub_url = format!("http://{}", hub.local_addr());
    let t = connected_to(&hub_url, token.expose());
    let player = ringside_sandbox::scenario::Player::new(
        format!("{hub_url}/webhooks/aircall"),
        WEBHOOK_TOKEN,
    )
    .with_pace(Pace::Instant);
    let mut ids = Vec::new();
    for scenario in [
        Scenario::inbound_answered(JANE_PHONE, SUPPORT_FR, ALICE_AIRCALL),
        Scenario::missed("+33 6 50 50 50 50", SUPPORT_FR),
        Scenario::shared_number(SHARED_PHONE, SUPPORT_FR, ALICE_AIRCALL),
        Scenario::sms_inbound(JANE_PHONE, SUPPORT_FR, "Can you call me back?"),
        Scenario::anonymous(SUPPORT_FR, ALICE_AIRCALL),
    ] {
        let mut playback = player.playback(&sandbox, &scenario);
        while block(playback.step()).unwrap().is_some() {}
        let played = playback.finish().staged;
        ids.push(
            played
                .call("call")
                .map(|c| c.to_string())
                .or_else(|| played.message("sms").map(str::to_owned))
                .unwrap(),
        );
    }
    let [jane, missed, shared, sms, anonymous] = &ids[..] else {
        unreachable!()
    };
    t.until("Jane's call logged and the shared number's waiting", |t| {
        history_line(t, jane).is_some_and(|l| l["logging"] == "Logged")
            && history_line(t, shared).is_some_and(|l| l["status"] == "skipped")
            && history_line(t, sms).is_some_and(|l| l["logging"] == "Logged")
    });
    let line = |id: &str| history_line(&t, id).unwrap();
    let jane = line(jane);
    assert_eq!(
        (&jane["who"], &jane["what"], &jane["logging"]),
        (&json!("Jane Roe"), &json!("Inbound call"), &json!("Logged")),
        "{jane}"
    );
    assert_eq!(jane["can_call_back"], true);
    assert!(jane["conversation_url"].is_string(), "{jane}");
    assert!(
        jane["duration_secs"].as_i64().is_some_and(|d| d > 0),
        "{jane}"
    );

    let missed = line(missed);
    assert_eq!(
        (&missed["what"], &missed["logging"], &missed["not_logged"]),
        (
            &json!("Missed call"),
            &json!("Not logged: logging of missed calls is off"),
            &json!(true)
        ),
        "{missed}"
    );
    assert_eq!(missed["who"], "+33 6 50 50 50 50");

    let shared = line(shared);
    assert_eq!(
        shared["logging"],
        "Not logged: 2 contacts share this number — choose one"
    );
    assert_eq!(
        (&shared["can_choose_contact"], &shared["not_logged"]),
        (&json!(true), &json!(true))
    );

    let anonymous = line(anonymous);
    assert_eq!(
        (&anonymous["who"], &anonymous["can_call_back"]),
        (&json!("Anonymous caller"), &json!(false)),
        "{anonymous}"
    );

    let sms = line(sms);
    assert_eq!(
        (&sms["what"], &sms["who"], &sms["channel"], &sms["text"]),
        (
            &json!("Inbound SMS"),
            &json!("Jane Roe"),
            &json!("sms"),
            &json!("Can you call me back?")
        ),
        "{sms}"
    );
    block(t.desk.disconnect());
    block(hub.shutdown());
}

#[test]
fn call_back_puts_the_number_in_the_agents_own_phone_and_says_why_when_it_cannot() {
    let sandbox = block(Sandbox::start(ringside_sandbox::Seed::demo())).unwrap();
    let store = ringside_core::store::Store::open_in_memory().unwrap();
    let alice = store.add_agent("alice.durand@acme.io", 0).unwrap();
    let chloe = store.add_agent("chloe@acme.io", 0).unwrap();
    let david = store.add_agent("david@acme.io", 0).unwrap();
    let hub = hub_on_with(
        &sandbox,
        store,
        Default::default(),
        Some(aircall_of(&sandbox)),
    );
    let hub_url = format!("http://{}", hub.local_addr());
    let dial = |token: &Secret, to: &str| {
        let t = connected_to(&hub_url, token.expose());
        let answer = t.invoke_ok(&t.main, "dial", json!({"to": to}));
        block(t.desk.disconnect());
        answer
    };

    // Alice calls Jane back, from the main window's dial box in a national format.
    assert_eq!(
        dial(&alice, "07 62 04 35 75"),
        json!({"placed": true, "words": "+33762043575 is in your Aircall phone: press call there."})
    );
    let dials = sandbox.aircall().dials();
    assert_eq!(
        dials
            .iter()
            .map(|d| (d.user_id, d.to.as_str()))
            .collect::<Vec<_>>(),
        vec![(ALICE_AIRCALL, "+33762043575")]
    );
    assert_eq!(
        dial(&alice, "call me"),
        json!({"placed": false, "words": "Not a number: “call me” cannot be called."})
    );
    let offline = dial(&chloe, JANE_PHONE);
    assert_eq!(offline["placed"], false);
    assert!(
        offline["words"].as_str().unwrap().starts_with(
            "Aircall did not place the call: you are offline or unavailable in Aircall"
        ),
        "{offline}"
    );
    assert_eq!(
        dial(&david, JANE_PHONE),
        json!({"placed": false, "words": "No Aircall user has your email: ask your admin to add you to Aircall with it."})
    );
    // Nobody's phone but Alice's got a number.
    assert_eq!(sandbox.aircall().dials().len(), 1);
    block(hub.shutdown());

    // Without a hub, the card says so instead of pretending.
    let t = app_on_a_dead_hub();
    let answer = t.invoke_ok(&t.card, "dial", json!({"to": JANE_PHONE, "callId": 1}));
    assert_eq!(answer["placed"], false);
    assert!(
        answer["words"]
            .as_str()
            .unwrap()
            .starts_with("The hub cannot be reached, so the call was not placed"),
        "{answer}"
    );
}

#[test]
fn the_open_card_of_a_new_caller_becomes_the_contact_created_once_the_call_is_logged() {
    let (t, stage) = demo();
    let player = stage.player(Pace::Instant);
    let scenario = Scenario::unknown_caller("+33 6 07 08 09 10", SUPPORT_FR, ALICE_AIRCALL);
    let mut playback = player.playback(stage.sandbox(), &scenario);
    let call = block(through(&mut playback, "call.created"));
    t.until("the ringing card", |t| t.call_event(call).is_some());
    let (ringing, _, open) = t.call_event(call).unwrap();
    assert!(open, "the card opens on ring");
    assert_eq!(ringing["card"]["contact"]["status"], "new", "{ringing}");

    // The agent does nothing: the call ends, the hub creates the contact and logs the call,
    // and the card the app was told about last is the created contact, with its link.
    while block(playback.step()).unwrap().is_some() {}
    t.until("the card to follow the logged call", |t| {
        t.call_event(call)
            .is_some_and(|(c, _, _)| c["card"]["contact"]["status"] == "existing")
    });
    let (logged, _, _) = t.call_event(call).unwrap();
    let contact = &logged["card"]["contact"];
    assert_eq!(
        contact["name"], "+33607080910 Aircall new contact",
        "{logged}"
    );
    assert!(
        contact["url"]
            .as_str()
            .is_some_and(|u| u.contains("/users/")),
        "{logged}"
    );
    assert!(
        logged["card"]["call_conversation"]["id"].is_string(),
        "the card links the call's own conversation: {logged}"
    );
}

impl TestApp {
    /// The inbound messages the app popped up, oldest first.
    fn message_events(&self) -> Vec<ringside_lib::desk::MessageCard> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                UiEvent::Message(m) => Some(m.clone()),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn an_inbound_message_pops_a_card_with_its_text_unless_the_agent_wants_calls_only() {
    let (t, stage) = demo();
    let player = stage.player(Pace::Instant);
    let sms = Scenario::sms_inbound(JANE_PHONE, SUPPORT_FR, "Is my refund on its way?");
    let mut playback = player.playback(stage.sandbox(), &sms);
    while block(playback.step()).unwrap().is_some() {}
    t.until("the message's card", |t| !t.message_events().is_empty());
    let popped = t.message_events().remove(0);
    assert_eq!(
        (
            popped.title.as_str(),
            popped.text.as_str(),
            popped.phone.as_deref(),
            popped.line.as_deref()
        ),
        (
            "New SMS",
            "Is my refund on its way?",
            Some(JANE_PHONE),
            Some("Support FR")
        )
    );
    // A card window that opens after the message arrived reads it.
    let kept = t.invoke_ok(&t.card, "last_message", json!({}));
    assert_eq!(kept["text"], "Is my refund on its way?");
    // The history says SMS.
    t.until("the SMS in the history", |t| {
        let history = t.invoke_ok(&t.main, "history", json!({}));
        history["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["what"] == "Inbound SMS" && i["text"] == "Is my refund on its way?")
    });

    // Calls only: the next message is in the history but pops nothing.
    let mut settings = t.desk.settings().unwrap();
    settings.popups = ringside_lib::settings::Popups::CallsOnly;
    settings.save(t.desk.journal()).unwrap();
    let quiet = Scenario::sms_inbound(JANE_PHONE, SUPPORT_FR, "No need to call");
    let mut playback = player.playback(stage.sandbox(), &quiet);
    while block(playback.step()).unwrap().is_some() {}
    t.until("the second SMS in the history", |t| {
        let history = t.invoke_ok(&t.main, "history", json!({}));
        history["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["text"] == "No need to call")
    });
    // A call rings next: its card shows, and as the app reads the hub's events in order, the
    // quiet message was read before it, without popping.
    let ring = Scenario::missed(JANE_PHONE, SUPPORT_FR);
    let mut playback = player.playback(stage.sandbox(), &ring);
    let call = block(through(&mut playback, "call.created"));
    t.until("the call's card", |t| t.call_event(call).is_some());
    assert_eq!(t.message_events().len(), 1, "{:?}", t.message_events());
    while block(playback.step()).unwrap().is_some() {}
}
