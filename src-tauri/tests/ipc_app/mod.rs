//! The app on Tauri's mock runtime, shared by the tests that go through its real IPC layer
//! (`ipc.rs`, `ipc_wrapup.rs`, `ipc_callbacks.rs`, `ipc_reasons.rs`): a [`TestApp`] with its
//! card and main windows, every [`UiEvent`] the desk sent them, and a call of a command as the
//! page makes it; the apps they start (demo, connected to a hub, on a dead hub) and the hubs
//! they start on the sandbox.

// Each test binary compiles this module and uses part of it.
#![allow(dead_code)]
// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use ringside_core::Secret;
use ringside_lib::demo::{Activity, DemoSetup, Stage};
use ringside_lib::desk::{Desk, UiEvent, UiSink};
use ringside_lib::journal::Journal;
use ringside_lib::settings::{ModeKind, Settings};
use ringside_lib::vault::{MemoryVault, SecretName, Vault};
use ringside_sandbox::scenario::{Pace, Playback, Player};
use ringside_sandbox::Sandbox;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, AppHandle, WebviewWindow, WebviewWindowBuilder};

/// The demo company's line "Support FR".
pub const SUPPORT_FR: u64 = 2201;
/// Jane Cooper's phone (an Intercom user of the demo).
pub const JANE_PHONE: &str = "+33 7 62 04 35 75";
/// Alice Durand, the demo's agent: her email and her Aircall user.
pub const ALICE: &str = "alice.durand@acme.io";
pub const ALICE_AIRCALL: u64 = 1102;
/// The token Aircall's webhooks carry to the hubs these tests start.
pub const WEBHOOK_TOKEN: &str = "ipc-webhook-token";

/// The app: its windows, its desk and keyring, and what the desk told the windows.
pub struct TestApp {
    pub app: App<MockRuntime>,
    pub card: WebviewWindow<MockRuntime>,
    pub main: WebviewWindow<MockRuntime>,
    pub desk: Arc<Desk>,
    pub vault: Arc<MemoryVault>,
    pub events: Arc<Mutex<Vec<UiEvent>>>,
    /// The app's data directory (removed with it).
    pub dir: tempfile::TempDir,
}

pub fn block<F: Future>(f: F) -> F::Output {
    tauri::async_runtime::block_on(f)
}

/// The app around the desk `desk_of` makes (from a fresh data directory's journal, an empty
/// keyring, that directory, and the sink that records each event and hands it to the windows),
/// with its card and main windows.
pub fn app_with(
    desk_of: impl FnOnce(Journal, Arc<MemoryVault>, std::path::PathBuf, UiSink) -> Arc<Desk>,
) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path()).unwrap();
    let vault = Arc::new(MemoryVault::default());
    let events: Arc<Mutex<Vec<UiEvent>>> = Arc::default();
    let handle: Arc<OnceLock<AppHandle<MockRuntime>>> = Arc::default();
    let (seen, h) = (events.clone(), handle.clone());
    let desk = desk_of(
        journal,
        vault.clone(),
        dir.path().to_owned(),
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
    TestApp {
        app,
        card,
        main,
        desk,
        vault,
        events,
        dir,
    }
}

/// The desk in demo mode with this activity, connected to its in-process hub.
pub fn demo_playing(activity: Activity, step: Duration) -> (TestApp, Stage) {
    let t = app_with(|journal, vault, dir, sink| {
        let demo = DemoSetup {
            step,
            ..DemoSetup::new(activity)
        };
        Desk::new(journal, vault, dir, Some(demo), sink)
    });
    block(t.desk.connect()).unwrap();
    let stage = block(t.desk.stage()).unwrap();
    stage.sandbox().faults().set_aircall_budget(100_000);
    t.until("the stream to connect", TestApp::connected);
    (t, stage)
}

/// The desk in demo mode without activity of its own: the test plays the calls.
pub fn demo() -> (TestApp, Stage) {
    demo_playing(Activity::Quiet, Duration::ZERO)
}

/// An app in connected mode on `hub_url`, with this agent token in its keyring, connecting.
pub fn connected_to(hub_url: &str, token: &str) -> TestApp {
    let t = set_up_for(hub_url, token);
    let _ = block(t.desk.connect());
    t
}

/// An app connected to a hub that is not there (nothing listens on port 9 of loopback), which
/// has not tried it yet.
pub fn app_on_a_dead_hub() -> TestApp {
    set_up_for("http://127.0.0.1:9", "agent-token")
}

/// An app whose settings and keyring say `hub_url` and `token`.
fn set_up_for(hub_url: &str, token: &str) -> TestApp {
    app_with(|journal, vault, dir, sink| {
        Settings {
            mode: ModeKind::Connected,
            hub_url: hub_url.to_owned(),
            ..Settings::default()
        }
        .save(&journal)
        .unwrap();
        vault
            .set(SecretName::AgentToken, &Secret::new(token))
            .unwrap();
        Desk::new(journal, vault, dir, None, sink)
    })
}

impl TestApp {
    /// The command `cmd` called from `window`'s page: its answer, or the error it crossed with.
    pub fn invoke(
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

    /// [`Self::invoke`], which must succeed.
    pub fn invoke_ok(&self, window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Value {
        self.invoke(window, cmd, args.clone())
            .unwrap_or_else(|e| panic!("{cmd}({args}) failed: {e}"))
    }

    /// Waits up to 20 s for `check`.
    pub fn until(&self, what: &str, check: impl Fn(&Self) -> bool) {
        for _ in 0..400 {
            if check(self) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("timed out waiting for {what}");
    }

    /// Whether the app's stream to its hub is up, as the windows' status says.
    pub fn connected(&self) -> bool {
        self.invoke_ok(&self.main, "status", json!({}))["connection"]["state"] == "connected"
    }

    /// What the desk told the windows about a call with its card: (card, notify, open), each
    /// time, in order.
    pub fn shown(&self, call_id: u64) -> Vec<(Value, bool, bool)> {
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

    /// The last of [`Self::shown`].
    pub fn call_event(&self, call_id: u64) -> Option<(Value, bool, bool)> {
        self.shown(call_id).pop()
    }
}

/// The sandbox's Aircall, for a hub that knows who answers on which line and dials.
pub fn aircall_of(sandbox: &Sandbox) -> ringside_core::aircall::AircallClient {
    let creds = sandbox.credentials();
    sandbox.faults().set_aircall_budget(100_000);
    let mut config = ringside_core::aircall::AircallConfig::new(
        creds.aircall_api_id,
        Secret::new(creds.aircall_api_token),
    );
    config.base_url = sandbox.aircall_url().parse().unwrap();
    config.budget_per_minute = 100_000;
    ringside_core::aircall::AircallClient::new(config).unwrap()
}

/// A company's hub on the sandbox with this store and these settings, on `listener` (of
/// loopback), with Aircall's client when it has one.
pub fn hub_listening(
    sandbox: &Sandbox,
    store: ringside_core::store::Store,
    settings: ringside_core::rules::Settings,
    aircall: Option<ringside_core::aircall::AircallClient>,
    listener: std::net::TcpListener,
) -> ringside_core::hub::Hub {
    let creds = sandbox.credentials();
    let mut intercom = ringside_core::intercom::IntercomConfig::new(
        Secret::new(creds.intercom_token),
        Default::default(),
    );
    intercom.base_url = sandbox.intercom_url().parse().unwrap();
    block(async {
        listener.set_nonblocking(true).unwrap();
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        ringside_core::hub::Hub::start(
            ringside_core::hub::HubConfig {
                store,
                intercom: ringside_core::intercom::IntercomClient::new(intercom).unwrap(),
                aircall,
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

/// [`hub_listening`] on a free port, with Aircall's client when it has one.
pub fn hub_on_with(
    sandbox: &Sandbox,
    store: ringside_core::store::Store,
    settings: ringside_core::rules::Settings,
    aircall: Option<ringside_core::aircall::AircallClient>,
) -> ringside_core::hub::Hub {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    hub_listening(sandbox, store, settings, aircall, listener)
}

/// [`hub_on_with`] without Aircall's client.
pub fn hub_on(
    sandbox: &Sandbox,
    store: ringside_core::store::Store,
    settings: ringside_core::rules::Settings,
) -> ringside_core::hub::Hub {
    hub_on_with(sandbox, store, settings, None)
}

/// Aircall (the sandbox's scenario player) sending its webhooks to the hub at `hub_url`, with
/// no pause between them.
pub fn player(hub_url: &str) -> Player {
    Player::new(format!("{hub_url}/webhooks/aircall"), WEBHOOK_TOKEN).with_pace(Pace::Instant)
}

/// Plays a scenario's steps up to and including the next `event`; returns the id of the
/// scenario's `call`.
pub async fn through(playback: &mut Playback<'_>, event: &str) -> u64 {
    loop {
        let next = playback.peek().map(|s| s.event.clone());
        let status = playback.step().await.unwrap();
        assert_eq!(status, Some(200), "the hub took {next:?}");
        if next.as_deref() == Some(event) {
            return playback.call("call").unwrap();
        }
    }
}
