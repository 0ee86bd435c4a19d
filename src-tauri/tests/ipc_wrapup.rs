//! The card's wrap-up and the calls that rang before the app, through Tauri's real IPC layer on
//! the mock runtime (as `ipc.rs`): an app in connected mode on a hub of its own (on the sandbox),
//! calls played as Aircall's webhooks by the sandbox's scenario player. The outcome and "Done"
//! reach the hub (queued while it is away, sent in order once it is back); an app started while
//! a call rings shows that call's card once.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use ringside_core::Secret;
use ringside_lib::desk::{Desk, UiEvent};
use ringside_lib::journal::Journal;
use ringside_lib::settings::{ModeKind, Settings};
use ringside_lib::vault::{MemoryVault, SecretName, Vault};
use ringside_sandbox::scenario::{Pace, Playback, Player, Scenario};
use ringside_sandbox::Sandbox;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, AppHandle, WebviewWindow, WebviewWindowBuilder};

const SUPPORT_FR: u64 = 2201;
const JANE_PHONE: &str = "+33 7 62 04 35 75";
const JOHN_PHONE: &str = "+44 20 7946 0958";
const ALICE: &str = "alice.durand@acme.io";
const ALICE_AIRCALL: u64 = 1102;
const WEBHOOK_TOKEN: &str = "ipc-wrapup-webhook-token";
const OUTCOMES: [&str; 4] = ["Resolved", "Follow-up needed", "Sale", "Wrong number"];

struct TestApp {
    _app: App<MockRuntime>,
    card: WebviewWindow<MockRuntime>,
    main: WebviewWindow<MockRuntime>,
    desk: Arc<Desk>,
    events: Arc<Mutex<Vec<UiEvent>>>,
    _dir: tempfile::TempDir,
}

fn block<F: Future>(f: F) -> F::Output {
    tauri::async_runtime::block_on(f)
}

/// An app in connected mode on `hub_url`, with this agent token in its keyring, connecting.
fn connected_to(hub_url: &str, token: &str) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path()).unwrap();
    Settings {
        mode: ModeKind::Connected,
        hub_url: hub_url.to_owned(),
        ..Settings::default()
    }
    .save(&journal)
    .unwrap();
    let vault = Arc::new(MemoryVault::default());
    vault
        .set(SecretName::AgentToken, &Secret::new(token))
        .unwrap();
    let events: Arc<Mutex<Vec<UiEvent>>> = Arc::default();
    let handle: Arc<OnceLock<AppHandle<MockRuntime>>> = Arc::default();
    let (seen, h) = (events.clone(), handle.clone());
    let desk = Desk::new(
        journal,
        vault,
        dir.path().to_owned(),
        None,
        Arc::new(move |event: UiEvent| {
            seen.lock().unwrap().push(event.clone());
            if let Some(app) = h.get() {
                ringside_lib::on_ui_event(app, event);
            }
        }),
    );
    let app = ringside_lib::run_app(mock_builder(), desk.clone(), |_| Ok(()))
        .build(tauri::generate_context!())
        .unwrap();
    let _ = handle.set(app.handle().clone());
    let card = WebviewWindowBuilder::new(&app, "card", Default::default())
        .build()
        .unwrap();
    let main = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    let _ = block(desk.connect());
    TestApp {
        _app: app,
        card,
        main,
        desk,
        events,
        _dir: dir,
    }
}

impl TestApp {
    fn invoke(
        &self,
        window: &WebviewWindow<MockRuntime>,
        cmd: &str,
        args: Value,
    ) -> Result<Value, Value> {
        get_ipc_response(
            window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|body| body.deserialize::<Value>().unwrap())
    }

    fn invoke_ok(&self, window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Value {
        self.invoke(window, cmd, args.clone())
            .unwrap_or_else(|e| panic!("{cmd}({args}) failed: {e}"))
    }

    fn until(&self, what: &str, check: impl Fn(&Self) -> bool) {
        for _ in 0..400 {
            if check(self) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("timed out waiting for {what}");
    }

    fn connected(&self) -> bool {
        self.invoke_ok(&self.card, "status", json!({}))["connection"]["state"] == "connected"
    }

    /// What the app told the windows about a call with its card: (card, notify, open), each time.
    fn shown(&self, call_id: u64) -> Vec<(Value, bool, bool)> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                UiEvent::Call { card, notify, open }
                    if card.call_id == call_id && card.card.is_some() =>
                {
                    Some((serde_json::to_value(card).unwrap(), *notify, *open))
                }
                _ => None,
            })
            .collect()
    }
}

/// A hub on the sandbox with these settings, on `listener`, with Aircall's client (it knows who
/// answers on which line, so Alice hears Support FR's calls).
fn hub_on(
    sandbox: &Sandbox,
    store: ringside_core::store::Store,
    settings: ringside_core::rules::Settings,
    listener: std::net::TcpListener,
) -> ringside_core::hub::Hub {
    let creds = sandbox.credentials();
    let mut intercom = ringside_core::intercom::IntercomConfig::new(
        Secret::new(creds.intercom_token),
        Default::default(),
    );
    intercom.base_url = sandbox.intercom_url().parse().unwrap();
    sandbox.faults().set_aircall_budget(100_000);
    let mut aircall = ringside_core::aircall::AircallConfig::new(
        creds.aircall_api_id,
        Secret::new(creds.aircall_api_token),
    );
    aircall.base_url = sandbox.aircall_url().parse().unwrap();
    aircall.budget_per_minute = 100_000;
    block(async {
        listener.set_nonblocking(true).unwrap();
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        ringside_core::hub::Hub::start(
            ringside_core::hub::HubConfig {
                store,
                intercom: ringside_core::intercom::IntercomClient::new(intercom).unwrap(),
                aircall: Some(ringside_core::aircall::AircallClient::new(aircall).unwrap()),
                webhook_token: Some(Secret::new(WEBHOOK_TOKEN)),
                settings,
                default_region: ringside_core::phone::Region::parse("FR").unwrap(),
                clock: ringside_core::card::system_clock(),
                tls: None,
                sync: None,
                intercom_client_secret: None,
                signin: None,
                console: Default::default(),
            },
            listener,
        )
        .await
        .unwrap()
    })
}

fn outcomes_settings(required: bool) -> ringside_core::rules::Settings {
    ringside_core::rules::Settings {
        call_outcomes: OUTCOMES.iter().map(|o| o.to_string()).collect(),
        call_outcome_required: required,
        ..Default::default()
    }
}

fn player(hub_url: &str) -> Player {
    Player::new(format!("{hub_url}/webhooks/aircall"), WEBHOOK_TOKEN).with_pace(Pace::Instant)
}

/// Plays a scenario's steps up to and including the next `event`; returns the id of its `call`.
async fn through(playback: &mut Playback<'_>, event: &str) -> u64 {
    loop {
        let next = playback.peek().map(|s| s.event.clone());
        let status = playback.step().await.unwrap();
        assert_eq!(status, Some(200), "the hub took {next:?}");
        if next.as_deref() == Some(event) {
            return playback.call("call").unwrap();
        }
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
    let hub = hub_on(&sandbox, store, outcomes_settings(true), listener);
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
    let hub = hub_on(&sandbox, store, outcomes_settings(false), listener);
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
    let hub = hub_on(&sandbox, store, outcomes_settings(false), listener);
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
    let hub = hub_on(&sandbox, store, Default::default(), listener);
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
    let hub = hub_on(&sandbox, store, settings, listener);
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
