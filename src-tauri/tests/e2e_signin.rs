//! A new agent signs in, end to end: the real app on an empty data directory, driven over
//! WebDriver, a hub the test runs on the sandbox with sign-in configured, and the sandbox's
//! fake Intercom, whose authorize page approves by itself (as Alice Durand).
//!
//! What is real: the app (its first-run screen, its loopback listener on 127.0.0.1, the PKCE
//! exchange, the keyring of the test session, the connection and the card), the hub (`/signin`,
//! its callback, `/api/v1/signin/token`, `/api/v1/join`), and the fake Intercom's OAuth
//! (authorize page, token exchange, `GET /me`). What is replaced: the system browser. The app
//! opens the sign-in page with the program `RINGSIDE_BROWSER` names; the test names a script
//! that runs `curl --location`, which follows the redirects (hub → Intercom's authorize page →
//! hub's callback → the app's `http://127.0.0.1:<port>/signed-in`) as a browser would, with no
//! one clicking, and keeps the page the app answers with.
//!
//! - From the welcome screen, the agent types only the hub's address and presses "Sign in with
//!   Intercom". The teammate first refuses at Intercom: the hub hands the refusal back to the
//!   app, which says why in its window and in the browser's tab. Then she approves: the app is connected as Alice,
//!   her token is in the keyring, and a call to her rings with its card.
//! - An expired invitation link pasted on the same screen is refused, in the hub's words; a
//!   second start of the app with an invitation link (as the desktop starts it for a clicked
//!   `ringside://` link) hands it to the running app, which offers it and joins on "Join".
//! - The `.deb`'s desktop entry hands `ringside://` links to the app (`MimeType`, `%u`).

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ringside_core::aircall::{AircallClient, AircallConfig};
use ringside_core::card::system_clock;
use ringside_core::hub::{Hub, HubConfig};
use ringside_core::intercom::{IntercomClient, IntercomConfig};
use ringside_core::phone::Region;
use ringside_core::signin::SignInConfig;
use ringside_core::store::Store;
use ringside_core::Secret;
use ringside_lib::journal::Journal;
use ringside_lib::settings::{ModeKind, Settings};
use ringside_lib::vault::{Keyring, SecretName, Vault};
use ringside_sandbox::intercom::{Approval, CLIENT_ID, CLIENT_SECRET};
use ringside_sandbox::scenario::{demo, Player, Scenario};
use ringside_sandbox::{Sandbox, Seed};

use support::{Driver, CARD_TITLE, MAIN_TITLE};

const WEBHOOK_TOKEN: &str = "signin-e2e-webhook-token";
/// Alice Durand's Intercom admin id in the demo seed.
const ALICE_ADMIN: &str = "991267702";

/// The company's side: the sandbox, and a hub on it where agents sign in with Intercom.
struct Company {
    sandbox: Arc<Sandbox>,
    store_dir: tempfile::TempDir,
    address: String,
    hub: Hub,
}

impl Company {
    async fn start() -> Company {
        let sandbox = Arc::new(Sandbox::start(Seed::demo()).await.unwrap());
        sandbox.faults().set_aircall_budget(100_000);
        let store_dir = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
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
            signin: Some(SignInConfig {
                public_url: address.parse().unwrap(),
                client_id: CLIENT_ID.into(),
                client_secret: Secret::new(CLIENT_SECRET),
                app_url: sandbox.intercom_url().parse().unwrap(),
                allow: Vec::new(),
                admins: Vec::new(),
            }),
            console: Default::default(),
        };
        let hub = Hub::start(config, listener).await.unwrap();
        Company {
            sandbox,
            store_dir,
            address,
            hub,
        }
    }

    fn player(&self) -> Player {
        Player::new(format!("{}/webhooks/aircall", self.address), WEBHOOK_TOKEN)
    }

    /// An invitation link for `email` made `age_days` ago, good for one day.
    fn invitation(&self, email: &str, age_days: i64) -> String {
        let store = Store::open(self.store_dir.path()).unwrap();
        let made = system_clock()() - age_days * 86_400;
        let code = ringside_core::signin::invite(&store, email, false, 1, made).unwrap();
        ringside_core::signin::join_link(&self.address, &code)
    }
}

/// The browser's stand-in: a script that fetches the address it is given with `curl`,
/// following redirects, and writes the last page to `page`.
fn browser_script(dir: &std::path::Path, page: &std::path::Path) -> std::path::PathBuf {
    let script = dir.join("browser");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nexec curl --silent --show-error --location --max-redirs 10 --output '{}' \"$1\"\n",
            page.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

/// Waits until the element's text contains `expected`; returns it.
async fn until_contains(
    session: &support::Session,
    css: &str,
    expected: &str,
    within: Duration,
) -> String {
    let start = Instant::now();
    loop {
        let shown = session.text(css).await.unwrap_or_default();
        if shown.contains(expected) {
            return shown;
        }
        assert!(
            start.elapsed() < within,
            "{css} shows {shown:?}, not {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_agent_signs_in_with_the_hubs_address_and_the_call_rings() {
    if !support::in_test_environment(
        "a_new_agent_signs_in_with_the_hubs_address_and_the_call_rings",
    ) {
        return;
    }
    let company = Company::start().await;
    // First, the teammate refuses at Intercom.
    company
        .sandbox
        .intercom_oauth()
        .set_approval(Approval::Refuse);
    // No token from an earlier test: the one found at the end came from this sign-in.
    Keyring
        .set(SecretName::AgentToken, &Secret::new(""))
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let page = data.path().join("browser-page.html");
    let browser = browser_script(data.path(), &page);
    let driver = Driver::start_with(&[
        ("RINGSIDE_DATA_DIR", data.path().as_os_str()),
        ("RINGSIDE_BROWSER", browser.as_os_str()),
        ("RINGSIDE_LOG", OsStr::new("info")),
    ])
    .await;
    let session = driver.session(&[]).await;
    session.switch_to(MAIN_TITLE, Duration::from_secs(20)).await;
    session
        .until_text(
            "#tab-setup h1",
            "Welcome to Ringside",
            Duration::from_secs(20),
        )
        .await;

    // The hub's address, and the sign-in.
    session.click("[data-choose=connected]").await;
    session
        .until_text(
            "#tab-signin h1",
            "Connect to your company's hub",
            Duration::from_secs(10),
        )
        .await;
    session
        .fill("#signin input[name=hub]", &company.address)
        .await;
    session.click("#signin-intercom").await;
    // The refusal comes back to the app, which says why, in its window and in the tab.
    until_contains(
        &session,
        "#signin-result",
        "the sign-in was refused: Intercom did not approve the sign-in (access_denied)",
        Duration::from_secs(20),
    )
    .await;
    let shown = std::fs::read_to_string(&page).unwrap_or_default();
    assert!(
        shown.contains("Ringside could not sign you in: Intercom did not approve"),
        "{shown}"
    );
    assert!(Keyring.get(SecretName::AgentToken).unwrap().is_none());

    // Then Alice approves.
    std::fs::remove_file(&page).unwrap();
    company
        .sandbox
        .intercom_oauth()
        .set_approval(Approval::Admin(ALICE_ADMIN.into()));
    session.click("#signin-intercom").await;
    let said = until_contains(
        &session,
        "#signin-result",
        "Signed in as alice.durand@acme.io",
        Duration::from_secs(30),
    )
    .await;
    assert!(said.contains(&company.address), "{said}");
    session
        .until_text("#status", "Connected · connected", Duration::from_secs(20))
        .await;
    // The browser was told, in the app's words.
    let shown = std::fs::read_to_string(&page).unwrap();
    assert!(
        shown.contains("You are signed in to Ringside. You can close this tab."),
        "{shown}"
    );
    // The token is in the keyring, and it is the hub's for Alice.
    let token = Keyring
        .get(SecretName::AgentToken)
        .unwrap()
        .expect("a token");
    assert!(!token.is_empty());
    let me = reqwest::Client::new()
        .get(format!("{}/api/v1/tags", company.address))
        .bearer_auth(token.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 200, "the hub takes the kept token");
    // The Intercom token the hub got for Alice never reached the app or its screen.
    for issued in company.sandbox.intercom_oauth().issued_tokens() {
        assert_ne!(issued, token.expose());
        assert!(!said.contains(&issued));
    }

    // A call to Alice rings, with its card.
    let jane = Scenario::inbound_answered(demo::JANE, demo::SUPPORT_FR, demo::ALICE);
    let player = company.player();
    let mut playback = player.playback(&company.sandbox, &jane);
    assert_eq!(playback.step().await.unwrap(), Some(200), "call.created");
    session.switch_to(CARD_TITLE, Duration::from_secs(30)).await;
    session
        .until_text("#contact-name", "Jane Roe", Duration::from_secs(20))
        .await;
    while playback.step().await.unwrap().is_some() {}

    // An expired invitation, pasted: refused in the hub's words; Alice stays signed in.
    session.switch_to(MAIN_TITLE, Duration::from_secs(10)).await;
    let expired = company.invitation("bob@acme.io", 3);
    session.click("#signin-invitation summary").await;
    session.fill("#join input[name=link]", &expired).await;
    session.click("#join button[type=submit]").await;
    let refused = until_contains(
        &session,
        "#signin-result",
        "the sign-in was refused: ",
        Duration::from_secs(20),
    )
    .await;
    assert!(refused.contains("expired"), "{refused}");
    assert_eq!(
        Keyring
            .get(SecretName::AgentToken)
            .unwrap()
            .map(|t| t.expose().to_owned()),
        Some(token.expose().to_owned())
    );
    // A pasted link that is not an invitation is refused before anything is sent.
    session
        .fill("#join input[name=link]", "https://evil.example/join?code=x")
        .await;
    session.click("#join button[type=submit]").await;
    until_contains(
        &session,
        "#signin-result",
        "this is not a Ringside invitation link: an invitation starts with ringside://join?",
        Duration::from_secs(10),
    )
    .await;

    // A second start with an invitation link, as the desktop starts the app when a
    // `ringside://` link is clicked: it hands the link to the running app and exits; the
    // running app offers it, and joins when the agent presses Join.
    let invitation = company.invitation("bob@acme.io", 0);
    let home = tempfile::tempdir().unwrap();
    let second = std::process::Command::new(env!("CARGO_BIN_EXE_ringside"))
        .arg(&invitation)
        .env("RINGSIDE_DATA_DIR", data.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .status()
        .unwrap();
    assert!(second.success(), "the second start exited with {second}");
    until_contains(
        &session,
        "#signin-result",
        &format!(
            "An invitation to {} arrived. Press Join to accept it.",
            company.address
        ),
        Duration::from_secs(20),
    )
    .await;
    assert_eq!(
        session.property("#join input[name=link]", "value").await,
        Some(serde_json::json!(invitation))
    );
    // Not joined before the agent says so.
    assert_eq!(
        Keyring
            .get(SecretName::AgentToken)
            .unwrap()
            .map(|t| t.expose().to_owned()),
        Some(token.expose().to_owned())
    );
    session.click("#join button[type=submit]").await;
    until_contains(
        &session,
        "#signin-result",
        "Signed in as bob@acme.io",
        Duration::from_secs(20),
    )
    .await;
    let bobs = Keyring
        .get(SecretName::AgentToken)
        .unwrap()
        .expect("a token");
    assert_ne!(bobs.expose(), token.expose());

    session.end().await;
    // What the app kept: connected mode at the hub's address, nothing else typed.
    let start = Instant::now();
    let settings = loop {
        match Journal::open(&data.path().join("desktop")).and_then(|j| Settings::load(&j)) {
            Ok(s) => break s,
            Err(e) => {
                assert!(start.elapsed() < Duration::from_secs(10), "{e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    assert_eq!(settings.mode, ModeKind::Connected);
    assert_eq!(settings.hub_url, company.address);
    company.hub.shutdown().await;
}

#[test]
fn the_packages_desktop_entry_hands_ringside_links_to_the_app() {
    let test = "the_packages_desktop_entry_hands_ringside_links_to_the_app";
    if !support::environment::require(
        test,
        &[
            support::environment::Need::TestEnvironment,
            support::environment::Need::Package,
        ],
    ) {
        return;
    }
    let deb = std::env::var_os("RINGSIDE_TEST_DEB").expect("checked above");
    let unpacked = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(unpacked.path())
        .status()
        .unwrap();
    assert!(status.success());
    let entry = std::fs::read_to_string(
        unpacked
            .path()
            .join("usr/share/applications/Ringside.desktop"),
    )
    .unwrap();
    let lines: Vec<&str> = entry.lines().collect();
    assert!(
        lines.contains(&"MimeType=x-scheme-handler/ringside"),
        "{entry}"
    );
    assert!(lines.contains(&"Exec=ringside %u"), "{entry}");
}
