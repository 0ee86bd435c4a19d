//! End to end, the team's "To call back" list as two agents of one line see it: two real apps
//! (Alice's and Bob's, each with its own data directory and agent token) follow one hub that
//! the test runs on the sandbox, driven over WebDriver inside the test environment of
//! `cargo xtask test`.
//!
//! - Both lists start empty and say what will appear there; a missed call on the line appears
//!   in both; Alice presses "Call back" (her Aircall phone gets the number, the item is hers:
//!   "You are calling back"), and Bob's app shows that she is calling back; her outbound call
//!   to the number closes the item in both apps.
//! - "My day" shows the day's figures; the empty list reads in French once Bob chooses French.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

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

use support::{Driver, Session, MAIN_TITLE};

const WEBHOOK_TOKEN: &str = "callbacks-e2e-webhook-token";
const EMPTY_EN: &str = "Missed calls and voicemails on your lines appear here, to be called back.";
const EMPTY_FR: &str =
    "Les appels manqués et messages vocaux de vos lignes apparaissent ici, pour être rappelés.";

/// The sandbox and a hub on it.
struct Company {
    sandbox: Arc<Sandbox>,
    store_dir: tempfile::TempDir,
    addr: std::net::SocketAddr,
    _hub: Hub,
}

impl Company {
    async fn start() -> Company {
        let sandbox = Sandbox::start(Seed::demo()).await.unwrap();
        sandbox.faults().set_aircall_budget(100_000);
        let store_dir = tempfile::tempdir().unwrap();
        let creds = sandbox.credentials();
        let mut intercom =
            IntercomConfig::new(Secret::new(creds.intercom_token), Default::default());
        intercom.base_url = sandbox.intercom_url().parse().unwrap();
        let mut aircall =
            AircallConfig::new(creds.aircall_api_id, Secret::new(creds.aircall_api_token));
        aircall.base_url = sandbox.aircall_url().parse().unwrap();
        aircall.budget_per_minute = 100_000;
        let config = HubConfig {
            store: Store::open(store_dir.path()).unwrap(),
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
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hub = Hub::start(config, listener).await.unwrap();
        Company {
            sandbox: Arc::new(sandbox),
            store_dir,
            addr,
            _hub: hub,
        }
    }

    fn player(&self) -> Player {
        Player::new(
            format!("http://{}/webhooks/aircall", self.addr),
            WEBHOOK_TOKEN,
        )
    }

    /// An app's data directory for `email`, configured for this hub, with the agent's token in
    /// the session's keyring (the app reads it as it connects: start it before the next one).
    fn agent(&self, email: &str) -> tempfile::TempDir {
        let data = tempfile::tempdir().unwrap();
        let journal = Journal::open(&data.path().join("desktop")).unwrap();
        Settings {
            mode: ModeKind::Connected,
            hub_url: format!("http://{}", self.addr),
            default_region: "FR".into(),
            ..Settings::default()
        }
        .save(&journal)
        .unwrap();
        let token = Store::open(self.store_dir.path())
            .unwrap()
            .add_agent(email, system_clock()())
            .unwrap();
        Keyring.set(SecretName::AgentToken, &token).unwrap();
        data
    }
}

/// An agent's app, connected, on its "To call back" section.
async fn open_app(data: &tempfile::TempDir) -> (Driver, Session) {
    let driver = Driver::start_with(&[("RINGSIDE_DATA_DIR", data.path().as_os_str())]).await;
    let session = driver.session(&[]).await;
    session.switch_to(MAIN_TITLE, Duration::from_secs(20)).await;
    session
        .until_text("#status", "Connected · connected", Duration::from_secs(20))
        .await;
    session.click("#tab-button-callbacks").await;
    (driver, session)
}

/// Waits until the text of `css` contains `part`.
async fn until_contains(session: &Session, css: &str, part: &str, within: Duration) {
    let start = Instant::now();
    loop {
        let shown = session.text(css).await.unwrap_or_default();
        if shown.contains(part) {
            return;
        }
        assert!(
            start.elapsed() < within,
            "{css} reads {shown:?}, not …{part}…"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missed_call_is_claimed_in_one_app_seen_in_the_other_and_closed_by_the_call_back() {
    if !support::in_test_environment(
        "a_missed_call_is_claimed_in_one_app_seen_in_the_other_and_closed_by_the_call_back",
    ) {
        return;
    }
    let company = Company::start().await;
    let alice_data = company.agent("alice.durand@acme.io");
    let (_alice_driver, alice) = open_app(&alice_data).await;
    let bob_data = company.agent("bob@acme.io");
    let (_bob_driver, bob) = open_app(&bob_data).await;

    // Nothing to call back yet: both say what will appear there.
    for app in [&alice, &bob] {
        app.until_text("#callbacks-empty", EMPTY_EN, Duration::from_secs(10))
            .await;
    }

    // A missed call on Support FR, where both answer: it appears in both lists.
    let missed = Scenario::missed(demo::UNKNOWN, demo::SUPPORT_FR);
    company
        .player()
        .play(&company.sandbox, &missed)
        .await
        .unwrap();
    for app in [&alice, &bob] {
        app.until_count("#callbacks li.item", 1, Duration::from_secs(20))
            .await;
        app.until_text(
            "#callbacks li.item .who",
            "+33 6 50 50 50 50",
            Duration::from_secs(5),
        )
        .await;
        until_contains(
            app,
            "#callbacks li.item .line",
            "Support FR",
            Duration::from_secs(5),
        )
        .await;
        until_contains(
            app,
            "#callbacks li.item .badge.kind",
            "Missed call",
            Duration::from_secs(5),
        )
        .await;
        until_contains(
            app,
            "#callbacks li.item .when",
            "just now",
            Duration::from_secs(5),
        )
        .await;
        until_contains(
            app,
            "#tab-button-callbacks .count",
            "1",
            Duration::from_secs(5),
        )
        .await;
        assert!(app
            .text("#callbacks-empty")
            .await
            .unwrap_or_default()
            .is_empty());
    }

    // Alice calls back: her phone gets the number, and the item is hers.
    alice.click("#callbacks li.item button.call-back").await;
    alice
        .until_text(
            "#callbacks li.item .claim",
            "You are calling back",
            Duration::from_secs(20),
        )
        .await;
    assert_eq!(company.sandbox.aircall().dials().len(), 1);
    // Bob sees who is calling back, and no "Call back" of his own.
    until_contains(
        &bob,
        "#callbacks li.item .claim",
        "is calling back",
        Duration::from_secs(20),
    )
    .await;
    let bob_reads = bob.text("#callbacks li.item .claim").await.unwrap();
    assert!(!bob_reads.starts_with("You"), "{bob_reads}");
    assert_eq!(bob.count("#callbacks li.item button.call-back").await, 0);

    // Her outbound call to the number closes it in both apps.
    let back = Scenario::outbound(demo::UNKNOWN, demo::SUPPORT_FR, demo::ALICE);
    company
        .player()
        .play(&company.sandbox, &back)
        .await
        .unwrap();
    for app in [&alice, &bob] {
        app.until_count("#callbacks li.item", 0, Duration::from_secs(30))
            .await;
        app.until_text("#callbacks-empty", EMPTY_EN, Duration::from_secs(5))
            .await;
    }
    // Done today lists it, called back by Alice.
    alice
        .click("input[name=callbacks-state][value=closed]")
        .await;
    alice
        .until_count("#callbacks li.item", 1, Duration::from_secs(10))
        .await;
    until_contains(
        &alice,
        "#callbacks li.item .closed",
        "Called back by",
        Duration::from_secs(5),
    )
    .await;

    // My day: the day's figures, the missed call among them.
    alice.click("#tab-button-day").await;
    alice
        .until_count("#day .figure", 6, Duration::from_secs(10))
        .await;
    until_contains(
        &alice,
        "#day .figure.missed dd",
        "1",
        Duration::from_secs(5),
    )
    .await;

    // Bob chooses French: the empty list says so in French.
    bob.click("#tab-button-settings").await;
    // Settings fill their fields once they have read them.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    bob.choose("select[name=language]", "fr", Duration::from_secs(10))
        .await;
    bob.click("#settings button[type=submit]").await;
    bob.until_text("#tab-button-history", "Historique", Duration::from_secs(10))
        .await;
    bob.click("#tab-button-callbacks").await;
    bob.until_text("#callbacks-empty", EMPTY_FR, Duration::from_secs(10))
        .await;

    alice.end().await;
    bob.end().await;
}
