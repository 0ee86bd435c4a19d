//! The hub's reasons said in the app's language, through Tauri's real IPC layer on the mock
//! runtime (as `ipc.rs`): an app in connected mode on a hub of its own (on the sandbox), a call
//! played as Aircall's webhooks. The hub sends each reason as a code with its values; the app,
//! in French, says why a call is not logged and why a number was not dialled in French.
//!
//! The app's language is the process's (`i18n::set`): these tests have a binary of their own,
//! so that the English tests of `ipc.rs` never run while the language is French.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ipc_app;

use std::time::Duration;

use ipc_app::{
    aircall_of, block, connected_to, hub_on_with, player, TestApp, JANE_PHONE, SUPPORT_FR,
};
use ringside_lib::i18n::{self, Lang};
use ringside_sandbox::scenario::Scenario;
use ringside_sandbox::Sandbox;
use serde_json::{json, Value};

impl TestApp {
    /// The history's line for call `id`, once it is there.
    fn line(&self, id: u64) -> Option<Value> {
        let history = self.invoke_ok(&self.main, "history", json!({}));
        let id = id.to_string();
        history["items"]
            .as_array()?
            .iter()
            .find(|i| i["id"] == id.as_str())
            .cloned()
    }
}

#[test]
fn a_skipped_calls_reason_and_a_refused_dial_are_said_in_french() {
    let sandbox = block(Sandbox::start(ringside_sandbox::Seed::demo())).unwrap();
    let store = ringside_core::store::Store::open_in_memory().unwrap();
    let token = store.add_agent("alice.durand@acme.io", 0).unwrap();
    let settings = ringside_core::rules::Settings {
        log_missed_calls: false,
        ..Default::default()
    };
    let hub = hub_on_with(&sandbox, store, settings, Some(aircall_of(&sandbox)));
    let hub_url = format!("http://{}", hub.local_addr());
    i18n::set(Lang::Fr);
    let t = connected_to(&hub_url, token.expose());

    let player = player(&hub_url);
    let scenario = Scenario::missed(JANE_PHONE, SUPPORT_FR);
    let mut playback = player.playback(&sandbox, &scenario);
    while block(playback.step()).unwrap().is_some() {}
    let call = playback.call("call").unwrap();

    let mut line = None;
    for _ in 0..200 {
        line = t.line(call).filter(|l| l["status"] == "off");
        if line.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let line = line.expect("the missed call in the history, not logged");
    // The hub's code travels with its English words; the app says it in French.
    assert_eq!(line["reason_code"], "missed_calls_off", "{line}");
    assert_eq!(line["reason"], "logging missed calls is turned off");
    assert_eq!(
        line["logging"],
        "Non journalisé : la journalisation des appels manqués est désactivée"
    );

    // A number the hub cannot read: its refusal's code, said in French.
    let answer = t.invoke_ok(&t.main, "dial", json!({"to": "appelez-moi"}));
    assert_eq!(
        answer,
        json!({"placed": false, "words": "Ce n'est pas un numéro : « appelez-moi » ne peut pas être appelé."})
    );
    i18n::set(Lang::En);
    let answer = t.invoke_ok(&t.main, "dial", json!({"to": "call me"}));
    assert_eq!(answer["words"], "Not a number: “call me” cannot be called.");
    block(t.desk.disconnect());
    block(hub.shutdown());
}
