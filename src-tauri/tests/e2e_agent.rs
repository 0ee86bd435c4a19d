//! End to end as an agent sets the app up: the real app, configured as an agent would (settings
//! in its journal, the agent token in the real keyring), connected to a hub that the test runs
//! on the sandbox, and driven over WebDriver inside the test environment of `cargo xtask test`.
//!
//! - A number two contacts share opens the card with the picker; choosing a contact logs the
//!   call to that contact in Intercom.
//! - A note typed while the hub is down is queued; the app is then killed (SIGKILL) and the hub
//!   restarted; the restarted app sends the note, and Intercom gets it exactly once.
//! - The first run, with nothing configured, offers the setup: "Try the demo" replaces the app
//!   with `ringside --demo`; connecting to a hub that is not there says so in words.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::ffi::OsStr;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ringside_core::aircall::{AircallClient, AircallConfig};
use ringside_core::card::system_clock;
use ringside_core::hub::{Hub, HubConfig};
use ringside_core::intercom::{IntercomClient, IntercomConfig};
use ringside_core::phone::Region;
use ringside_core::store::Store;
use ringside_core::Secret;
use ringside_lib::journal::Journal;
use ringside_lib::settings::{ModeKind, Settings};
use ringside_lib::vault::{Keyring, SecretName, Vault};
use ringside_sandbox::scenario::{demo, Player, Scenario};
use ringside_sandbox::{Sandbox, Seed};

use support::{Driver, CARD_TITLE, MAIN_TITLE};

const JANE: &str = "6762f0dd1bb69f9f2193bb83";
const PAUL: &str = "6762f0dd1bb69f9f2193bb89";
const WEBHOOK_TOKEN: &str = "connected-e2e-webhook-token";

/// Both tests keep the agent token in the session's keyring, under the app's one entry: they
/// take turns.
static KEYRING_ENTRY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The company's side: the sandbox and a hub on it, which the test can stop and restart on the
/// same address and database.
struct Company {
    sandbox: Arc<Sandbox>,
    store_dir: tempfile::TempDir,
    addr: std::net::SocketAddr,
    hub: Option<Hub>,
}

impl Company {
    async fn start() -> Company {
        let sandbox = Sandbox::start(Seed::demo()).await.unwrap();
        sandbox.faults().set_aircall_budget(100_000);
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = probe.local_addr().unwrap();
        drop(probe);
        let mut company = Company {
            sandbox: Arc::new(sandbox),
            store_dir: tempfile::tempdir().unwrap(),
            addr,
            hub: None,
        };
        company.start_hub().await;
        company
    }

    async fn start_hub(&mut self) {
        let creds = self.sandbox.credentials();
        let mut intercom =
            IntercomConfig::new(Secret::new(creds.intercom_token), Default::default());
        intercom.base_url = self.sandbox.intercom_url().parse().unwrap();
        let mut aircall =
            AircallConfig::new(creds.aircall_api_id, Secret::new(creds.aircall_api_token));
        aircall.base_url = self.sandbox.aircall_url().parse().unwrap();
        aircall.budget_per_minute = 100_000;
        let config = HubConfig {
            store: Store::open(self.store_dir.path()).unwrap(),
            intercom: IntercomClient::new(intercom).unwrap(),
            aircall: Some(AircallClient::new(aircall).unwrap()),
            webhook_token: Some(Secret::new(WEBHOOK_TOKEN)),
            settings: Default::default(),
            default_region: Region::parse("FR").unwrap(),
            clock: system_clock(),
            tls: None,
            sync: None,
            intercom_client_secret: None,
            signin: None,
            console: Default::default(),
        };
        // The port was just freed (or the previous hub stopped): binding may need a moment.
        let start = Instant::now();
        let listener = loop {
            match tokio::net::TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(e) if start.elapsed() < Duration::from_secs(10) => {
                    eprintln!("waiting for {}: {e}", self.addr);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("cannot listen on {} again: {e}", self.addr),
            }
        };
        self.hub = Some(Hub::start(config, listener).await.unwrap());
    }

    async fn stop_hub(&mut self) {
        if let Some(hub) = self.hub.take() {
            hub.shutdown().await;
        }
    }

    /// A new agent on the hub; returns the token the admin would hand over.
    fn agent_token(&self, email: &str) -> Secret {
        Store::open(self.store_dir.path())
            .unwrap()
            .add_agent(email, system_clock()())
            .unwrap()
    }

    fn player(&self) -> Player {
        Player::new(
            format!("http://{}/webhooks/aircall", self.addr),
            WEBHOOK_TOKEN,
        )
    }

    /// Intercom conversations of a contact whose parts or first message contain `text`.
    fn mentions(&self, contact: &str, text: &str) -> usize {
        self.sandbox
            .intercom()
            .conversations_of(contact)
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

    async fn until(&self, what: &str, within: Duration, check: impl Fn(&Company) -> bool) {
        let start = Instant::now();
        while !check(self) {
            assert!(start.elapsed() < within, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// The app's data directory, configured for the company's hub, with the agent's token in the
/// keyring of the test session.
fn configure_agent(company: &Company) -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    let journal = Journal::open(&data.path().join("desktop")).unwrap();
    Settings {
        mode: ModeKind::Connected,
        hub_url: format!("http://{}", company.addr),
        default_region: "FR".into(),
        ..Settings::default()
    }
    .save(&journal)
    .unwrap();
    Keyring
        .set(
            SecretName::AgentToken,
            &company.agent_token("alice.durand@acme.io"),
        )
        .unwrap();
    data
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connected_agent_picks_the_contact_and_a_note_survives_a_killed_app() {
    if !support::in_test_environment(
        "a_connected_agent_picks_the_contact_and_a_note_survives_a_killed_app",
    ) {
        return;
    }
    let _entry = KEYRING_ENTRY.lock().await;
    let mut company = Company::start().await;
    let data = configure_agent(&company);
    let driver = Driver::start_with(&[
        ("RINGSIDE_DATA_DIR", data.path().as_os_str()),
        ("RINGSIDE_LOG", OsStr::new("info")),
    ])
    .await;
    let session = driver.session(&[]).await;
    session.switch_to(MAIN_TITLE, Duration::from_secs(20)).await;
    session
        .until_text("#status", "Connected · connected", Duration::from_secs(20))
        .await;

    // A number two contacts share: the card asks which one.
    let player = company.player();
    let shared = Scenario::shared_number(demo::SHARED, demo::SUPPORT_FR, demo::ALICE);
    let mut playback = player.playback(&company.sandbox, &shared);
    assert_eq!(playback.step().await.unwrap(), Some(200), "call.created");
    session.switch_to(CARD_TITLE, Duration::from_secs(30)).await;
    session
        .until_count("#picker option", 3, Duration::from_secs(20))
        .await;
    session
        .choose("#picker", PAUL, Duration::from_secs(10))
        .await;
    // The call ends: the card is drawn again for the ended call, and the agent's choice stays.
    while playback.step().await.unwrap().is_some() {}
    let start = Instant::now();
    while !session
        .text("#timer")
        .await
        .is_some_and(|t| t.starts_with("Ended"))
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the call never ended on the card"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        session.property("#picker", "value").await,
        Some(serde_json::json!(PAUL)),
        "the choice survived the card's re-render"
    );
    session.click("section.picker button").await;
    session
        .until_text(
            "#message",
            "The call will be logged to this contact.",
            Duration::from_secs(10),
        )
        .await;
    company
        .until("the call logged to Paul", Duration::from_secs(30), |c| {
            c.mentions(PAUL, "[Inbound answered call]") > 0
        })
        .await;

    // Jane calls; the hub goes down; the agent's note waits in the app.
    let jane = Scenario::inbound_answered(demo::JANE, demo::SUPPORT_FR, demo::ALICE);
    player.play(&company.sandbox, &jane).await.unwrap();
    session
        .until_text("#contact-name", "Jane Roe", Duration::from_secs(20))
        .await;
    company
        .until("Jane's call logged", Duration::from_secs(30), |c| {
            c.mentions(JANE, "[Inbound answered call]") > 0
        })
        .await;
    company.stop_hub().await;
    let note = "Promised a call back before Friday";
    session.fill("#note-input", note).await;
    session.click("form.note button").await;
    session
        .until_text(
            "ul.notes li",
            &format!("{note} (queued)"),
            Duration::from_secs(20),
        )
        .await;

    // The app dies with the note unsent; the hub comes back; the app starts again.
    driver.kill_app();
    session.end().await;
    company.start_hub().await;
    let again = driver.session(&[]).await;
    company
        .until(
            "the queued note in Intercom",
            Duration::from_secs(40),
            |c| c.mentions(JANE, note) > 0,
        )
        .await;
    // Nothing is left that could send it again: the app's journal has no action unsent, and
    // the hub has nothing left to do.
    let journal = data.path().join("desktop").join("ringside-desktop.db");
    company
        .until("the app and the hub idle", Duration::from_secs(20), |c| {
            let unsent: i64 = rusqlite::Connection::open_with_flags(
                &journal,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .and_then(|db| {
                db.query_row(
                    "SELECT COUNT(*) FROM actions WHERE sent_at IS NULL AND failed IS NULL",
                    [],
                    |r| r.get(0),
                )
            })
            .unwrap_or(1);
            let hub = c.hub.as_ref().expect("the hub runs").store();
            unsent == 0 && hub.inbox_depth().unwrap() == 0 && hub.outbox_depth().unwrap() == 0
        })
        .await;
    assert_eq!(
        company.mentions(JANE, note),
        1,
        "the note reached Intercom exactly once"
    );
    again.end().await;
    no_app_left(data.path()).await;
    company.stop_hub().await;
}

/// Waits for the apps a test started on `data_dir` to close, then ends those still running.
/// A session's end closes its app, but on a busy machine that can take a while, and an app left
/// running would outlive the test: it would keep its tray item on the session bus (where the
/// tray test reads the one item it expects) and the keyring entry.
async fn no_app_left(data_dir: &std::path::Path) {
    let app = env!("CARGO_BIN_EXE_ringside");
    let start = Instant::now();
    while !apps_on(app, data_dir).is_empty() && start.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for (pid, _) in apps_on(app, data_dir) {
        let _ = Command::new("kill").arg(pid.to_string()).status();
    }
}

/// Processes running `application` whose environment has `RINGSIDE_DATA_DIR=data_dir`, with
/// their command lines.
fn apps_on(application: &str, data_dir: &std::path::Path) -> Vec<(u32, String)> {
    let target = std::fs::canonicalize(application).unwrap();
    let wanted = format!("RINGSIDE_DATA_DIR={}", data_dir.display());
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| {
            let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
            let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
            let mine = environ.split(|b| *b == 0).any(|v| v == wanted.as_bytes());
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            (exe == target && mine)
                .then(|| (pid, String::from_utf8_lossy(&cmdline).replace('\0', " ")))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_run_offers_a_hub_standalone_or_the_demo_and_checks_in_words() {
    if !support::in_test_environment(
        "the_first_run_offers_a_hub_standalone_or_the_demo_and_checks_in_words",
    ) {
        return;
    }
    let _entry = KEYRING_ENTRY.lock().await;
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start_with(&[("RINGSIDE_DATA_DIR", data.path().as_os_str())]).await;
    let app = env!("CARGO_BIN_EXE_ringside");

    // Nothing configured: the setup greets the agent. "Try the demo" starts the demo app.
    let session = driver.session(&[]).await;
    session.switch_to(MAIN_TITLE, Duration::from_secs(20)).await;
    session
        .until_text(
            "#tab-setup h1",
            "Welcome to Ringside",
            Duration::from_secs(20),
        )
        .await;
    session.click_last("#try-demo").await;
    let start = Instant::now();
    let demo = loop {
        let running = apps_on(app, data.path());
        if let [(pid, cmdline)] = running.as_slice() {
            if cmdline.contains("--demo") {
                break *pid;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the demo did not replace the app: {running:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let _ = Command::new("kill").arg(demo.to_string()).status();
    session.end().await;

    // Still nothing saved: the setup again. Connecting to a hub that is not there says so.
    let session = driver.session(&[]).await;
    session.switch_to(MAIN_TITLE, Duration::from_secs(20)).await;
    session.click("[data-choose=connected]").await;
    // The hub's address and the sign-in come first; pasting a token is the advanced way.
    session.click("#signin-token").await;
    // The settings are loaded, then the chosen mode is selected: the form is ready.
    session
        .until_selected("input[name=mode][value=connected]", Duration::from_secs(10))
        .await;
    session
        .fill("input[name=hub_url]", "http://127.0.0.1:9")
        .await;
    session
        .fill("input[data-secret=agent_token]", "a-token-from-the-admin")
        .await;
    // In the main window's layout the button ends on the window's lower edge, where
    // WebKitWebDriver's click lands without submitting: bring it to the middle first.
    session
        .execute_async(
            "document.querySelector('#settings button[type=submit]').scrollIntoView({block: 'center'}); arguments[arguments.length - 1]();",
            serde_json::json!([]),
        )
        .await;
    session.click("#settings button[type=submit]").await;
    let start = Instant::now();
    loop {
        let shown = session.text("#checks").await.unwrap_or_default();
        if shown.contains("✗ Hub: cannot reach http://127.0.0.1:9") {
            assert!(!shown.contains("a-token-from-the-admin"), "{shown}");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the checks said: {shown:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The token went to the keyring; the field is empty again.
    assert_eq!(
        Keyring
            .get(SecretName::AgentToken)
            .unwrap()
            .map(|t| t.expose().to_owned()),
        Some("a-token-from-the-admin".to_owned())
    );
    session.end().await;
    no_app_left(data.path()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_history_says_where_each_call_stands_filters_and_calls_back() {
    if !support::in_test_environment(
        "the_history_says_where_each_call_stands_filters_and_calls_back",
    ) {
        return;
    }
    let _entry = KEYRING_ENTRY.lock().await;
    let mut company = Company::start().await;
    let data = configure_agent(&company);
    let driver = Driver::start_with(&[("RINGSIDE_DATA_DIR", data.path().as_os_str())]).await;
    let session = driver.session(&[]).await;
    session.switch_to(MAIN_TITLE, Duration::from_secs(20)).await;
    session
        .until_text("#status", "Connected · connected", Duration::from_secs(20))
        .await;

    // A shared number's call, then Jane's: one waits for the agent, the other is logged.
    let player = company.player();
    let shared = Scenario::shared_number(demo::SHARED, demo::SUPPORT_FR, demo::ALICE);
    let shared = player.play(&company.sandbox, &shared).await.unwrap();
    let shared = shared.staged.call("call").unwrap();
    let jane = Scenario::inbound_answered(demo::JANE, demo::SUPPORT_FR, demo::ALICE);
    let jane = player.play(&company.sandbox, &jane).await.unwrap();
    let jane = jane.staged.call("call").unwrap();
    let row = |id: u64, cell: &str| format!("#history tr[data-id=\"{id}\"] {cell}");
    session.click("[data-tab=history]").await;
    session
        .until_text(
            &row(shared, "td.logging"),
            "Not logged: 2 contacts share this number — choose one",
            Duration::from_secs(30),
        )
        .await;
    session
        .until_text(&row(jane, "td.logging"), "Logged", Duration::from_secs(30))
        .await;
    assert_eq!(
        session.text(&row(jane, "td.who")).await.as_deref(),
        Some("Jane Roe")
    );
    assert_eq!(
        session.text(&row(jane, "td.what")).await.as_deref(),
        Some("Inbound call")
    );
    assert_eq!(session.count(&row(shared, "button.choose")).await, 1);

    // "Not logged" keeps the shared number's call only.
    session
        .click("input[name=history-filter][value=not_logged]")
        .await;
    session
        .until_count("#history tr", 1, Duration::from_secs(5))
        .await;
    session.click("input[name=history-filter][value=all]").await;
    session
        .until_count("#history tr", 2, Duration::from_secs(5))
        .await;

    // Call back from Jane's row, then a typo in the dial box.
    // The row's actions are in its compact menu.
    session.click(&row(jane, "details.menu summary")).await;
    session.click(&row(jane, "button.call-back")).await;
    session
        .until_text(
            &row(jane, ".dial-result"),
            "+33762043575 is in your Aircall phone: press call there.",
            Duration::from_secs(10),
        )
        .await;
    assert_eq!(company.sandbox.aircall().dials().len(), 1);
    session.fill("#dial-to", "call me").await;
    session.click("#dial button").await;
    session
        .until_text(
            "#dial-result",
            "Not a number: “call me” cannot be called.",
            Duration::from_secs(10),
        )
        .await;

    session.end().await;
    no_app_left(data.path()).await;
    company.stop_hub().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_inbound_sms_pops_a_card_with_its_text_and_a_call_back() {
    if !support::in_test_environment("an_inbound_sms_pops_a_card_with_its_text_and_a_call_back") {
        return;
    }
    let _entry = KEYRING_ENTRY.lock().await;
    let mut company = Company::start().await;
    let data = configure_agent(&company);
    let driver = Driver::start_with(&[("RINGSIDE_DATA_DIR", data.path().as_os_str())]).await;
    let session = driver.session(&[]).await;
    session.switch_to(MAIN_TITLE, Duration::from_secs(20)).await;
    session
        .until_text("#status", "Connected · connected", Duration::from_secs(20))
        .await;

    let sms = Scenario::sms_inbound(demo::JANE, demo::SUPPORT_FR, "Is my refund on its way?");
    company.player().play(&company.sandbox, &sms).await.unwrap();
    session.switch_to(CARD_TITLE, Duration::from_secs(30)).await;
    session
        .until_text(
            "#message-text",
            "Is my refund on its way?",
            Duration::from_secs(20),
        )
        .await;
    assert_eq!(
        session.text("#contact-type").await.as_deref(),
        Some("New SMS")
    );
    assert_eq!(
        session.text("#contact-name").await.as_deref(),
        Some(demo::JANE)
    );
    session.click("#call-back").await;
    session
        .until_text(
            "#message",
            "+33762043575 is in your Aircall phone: press call there.",
            Duration::from_secs(10),
        )
        .await;

    session.end().await;
    no_app_left(data.path()).await;
    company.stop_hub().await;
}
