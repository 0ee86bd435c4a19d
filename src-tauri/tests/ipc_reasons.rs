//! The hub's reasons said in the app's language, through Tauri's real IPC layer on the mock
//! runtime (as `ipc.rs`): an app in connected mode on a hub of its own (on the sandbox), a call
//! played as Aircall's webhooks. The hub sends each reason as a code with its values; the app,
//! in French, says why a call is not logged and why a number was not dialled in French.
//!
//! The app's language is the process's (`i18n::set`): these tests have a binary of their own,
//! so that the English tests of `ipc.rs` never run while the language is French.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use ringside_core::Secret;
use ringside_lib::desk::{Desk, UiEvent};
use ringside_lib::i18n::{self, Lang};
use ringside_lib::journal::Journal;
use ringside_lib::settings::{ModeKind, Settings};
use ringside_lib::vault::{MemoryVault, SecretName, Vault};
use ringside_sandbox::scenario::{Pace, Player, Scenario};
use ringside_sandbox::Sandbox;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

const SUPPORT_FR: u64 = 2201;
const JANE_PHONE: &str = "+33 7 62 04 35 75";
const WEBHOOK_TOKEN: &str = "ipc-reasons-webhook-token";

fn block<F: Future>(f: F) -> F::Output {
    tauri::async_runtime::block_on(f)
}

struct TestApp {
    _app: App<MockRuntime>,
    main: WebviewWindow<MockRuntime>,
    desk: Arc<Desk>,
    _dir: tempfile::TempDir,
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
    let desk = Desk::new(
        journal,
        vault,
        dir.path().to_owned(),
        None,
        Arc::new(|_: UiEvent| {}),
    );
    let app = ringside_lib::run_app(mock_builder(), desk.clone(), |_| Ok(()))
        .build(tauri::generate_context!())
        .unwrap();
    let main = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    let _ = block(desk.connect());
    TestApp {
        _app: app,
        main,
        desk,
        _dir: dir,
    }
}

impl TestApp {
    fn invoke_ok(&self, cmd: &str, args: Value) -> Value {
        get_ipc_response(
            &self.main,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: InvokeBody::Json(args.clone()),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|body| body.deserialize::<Value>().unwrap())
        .unwrap_or_else(|e| panic!("{cmd}({args}) failed: {e:?}"))
    }

    /// The history's line for call `id`, once it is there.
    fn line(&self, id: u64) -> Option<Value> {
        let history = self.invoke_ok("history", json!({}));
        let id = id.to_string();
        history["items"]
            .as_array()?
            .iter()
            .find(|i| i["id"] == id.as_str())
            .cloned()
    }
}

/// A hub on the sandbox with these settings, with Aircall's client (it knows who answers on
/// which line, so Alice sees Support FR's calls, and it dials).
fn hub_on(
    sandbox: &Sandbox,
    store: ringside_core::store::Store,
    settings: ringside_core::rules::Settings,
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
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
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

#[test]
fn a_skipped_calls_reason_and_a_refused_dial_are_said_in_french() {
    let sandbox = block(Sandbox::start(ringside_sandbox::Seed::demo())).unwrap();
    let store = ringside_core::store::Store::open_in_memory().unwrap();
    let token = store.add_agent("alice.durand@acme.io", 0).unwrap();
    let settings = ringside_core::rules::Settings {
        log_missed_calls: false,
        ..Default::default()
    };
    let hub = hub_on(&sandbox, store, settings);
    let hub_url = format!("http://{}", hub.local_addr());
    i18n::set(Lang::Fr);
    let t = connected_to(&hub_url, token.expose());

    let player =
        Player::new(format!("{hub_url}/webhooks/aircall"), WEBHOOK_TOKEN).with_pace(Pace::Instant);
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
    let answer = t.invoke_ok("dial", json!({"to": "appelez-moi"}));
    assert_eq!(
        answer,
        json!({"placed": false, "words": "Ce n'est pas un numéro : « appelez-moi » ne peut pas être appelé."})
    );
    i18n::set(Lang::En);
    let answer = t.invoke_ok("dial", json!({"to": "call me"}));
    assert_eq!(answer["words"], "Not a number: “call me” cannot be called.");
    block(t.desk.disconnect());
    block(hub.shutdown());
}
