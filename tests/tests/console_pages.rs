//! The admin console's Overview, Agents and Contact sync pages over HTTP, with an admin's
//! bearer token, on a hub in process against the sandbox and its scenarios: the Overview tells
//! when the last webhook came and warns when none came for too long in business hours; the
//! Agents page lists who has a token, who was invited and who signed in, and revoking an agent
//! ends their event stream at once; the Sync page runs a sync now and lists what a dry run
//! would change; a contact's name is shown as text, never as markup.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::redirect::Policy;
use reqwest::StatusCode;
use ringside_core::config::ConsoleSettings;
use ringside_core::hours::BusinessHours;
use ringside_core::hub::{Hub, HubConfig, HubLimits, SyncSchedule};
use ringside_core::phone::Region;
use ringside_core::rules::Settings;
use ringside_core::store::{Joined, Store};
use ringside_sandbox::intercom::NewContact;
use ringside_sandbox::scenario::{demo, Scenario};
use ringside_sandbox::Api as SandboxApi;
use ringside_tests::hubs::{hub_config, player, settle};
use ringside_tests::TestApp;

/// The name every page must show as text.
const HOSTILE_NAME: &str = "<img src=x onerror=alert(1)>";
/// The same, as the template engine escapes it.
const HOSTILE_ESCAPED: &str = "&#60;img src=x onerror=alert(1)&#62;";

/// Monday 7 December 2026, 10:00 UTC.
const MONDAY_10AM: i64 = 1_796_637_600;

/// A clock the test sets.
#[derive(Clone)]
struct SetClock(Arc<AtomicI64>);

impl SetClock {
    fn new(at: i64) -> Self {
        SetClock(Arc::new(AtomicI64::new(at)))
    }

    fn set(&self, at: i64) {
        self.0.store(at, Ordering::SeqCst);
    }

    fn clock(&self) -> ringside_core::card::Clock {
        let at = self.0.clone();
        Arc::new(move || at.load(Ordering::SeqCst))
    }
}

struct Console {
    hub: Hub,
    store: Store,
    admin: String,
}

impl Console {
    /// A hub configured by `configure`, with an admin token.
    async fn start(
        app: &TestApp,
        limits: HubLimits,
        configure: impl FnOnce(&mut HubConfig),
    ) -> Console {
        let store = Store::open_in_memory().unwrap();
        let mut config = hub_config(app, Settings::default(), store.clone());
        configure(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hub = Hub::start_with(config, limits, listener).await.unwrap();
        let admin = store
            .add_agent_with("admin@acme.io", true, MONDAY_10AM)
            .unwrap()
            .expose()
            .to_owned();
        Console { hub, store, admin }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.hub.local_addr())
    }

    async fn page(&self, path: &str) -> String {
        let answer = client()
            .get(self.url(path))
            .bearer_auth(&self.admin)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "GET {path}");
        answer.text().await.unwrap()
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String, String) {
        let answer = client()
            .post(self.url(path))
            .bearer_auth(&self.admin)
            .form(form)
            .send()
            .await
            .unwrap();
        let status = answer.status();
        let location = answer
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, location, answer.text().await.unwrap())
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

fn always_open() -> ConsoleSettings {
    ConsoleSettings {
        quiet_warning_minutes: 30,
        business_hours: BusinessHours::parse("mon-fri 09:00-18:00", "Europe/Paris").unwrap(),
        ..ConsoleSettings::default()
    }
}

/// Plays a scenario to its end on the hub.
async fn play(app: &TestApp, hub: &Hub, scenario: &Scenario) {
    let player = player(hub.local_addr());
    let mut playback = player.playback(&app.sandbox, scenario);
    while let Some(status) = playback.step().await.unwrap() {
        assert_eq!(status, 200);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_overview_shows_the_last_webhook_and_warns_when_the_hub_is_quiet_in_business_hours() {
    let app = TestApp::demo().await;
    let clock = SetClock::new(MONDAY_10AM);
    let console = Console::start(&app, HubLimits::default(), |config| {
        config.clock = clock.clock();
        config.console.settings = always_open();
    })
    .await;
    let page = console.page("/admin").await;
    assert!(page.contains("None received yet"), "{page}");
    assert!(
        page.contains(env!("CARGO_PKG_VERSION")),
        "the hub's version"
    );
    assert!(
        page.contains("/admin/calls?state=failed"),
        "failed effects link to the calls"
    );
    assert!(page.contains("This hub runs no contact sync"));

    // A call at 10:00 (11:00 in Paris).
    // Intercom answers its first request with a 429.
    app.sandbox
        .faults()
        .rate_limit_next(SandboxApi::Intercom, 1, Duration::from_millis(50));
    play(
        &app,
        &console.hub,
        &Scenario::inbound_answered(demo::JANE, demo::SUPPORT_FR, demo::BOB),
    )
    .await;
    settle(&console.store, Duration::from_secs(10)).await;
    let page = console.page("/admin").await;
    assert!(page.contains("2026-12-07 11:00 CET"), "{page}");
    assert!(!page.contains("No Aircall webhook for more than"), "{page}");
    let intercom = &page[page.find("<th scope=\"row\">Intercom</th>").unwrap()..];
    let intercom = &intercom[..intercom.find("</tr>").unwrap()];
    assert!(
        intercom.contains("too many requests (429) on"),
        "{intercom}"
    );
    assert!(intercom.contains("One answer 429"), "{intercom}");
    assert!(
        page.contains("requests in the last minute"),
        "Aircall's budget: {page}"
    );

    // 31 minutes later, still within Paris' working day: the hub warns.
    clock.set(MONDAY_10AM + 31 * 60);
    let page = console.page("/admin").await;
    assert!(
        page.contains("No Aircall webhook for more than 30 minutes during business hours"),
        "{page}"
    );
    // In French too.
    let french = client()
        .get(console.url("/admin"))
        .bearer_auth(&console.admin)
        .header("accept-language", "fr-FR,fr;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        french.contains("depuis plus de 30 minutes pendant les heures ouvrées"),
        "{french}"
    );

    // At 19:00 in Paris nobody works: no warning, however long the silence.
    clock.set(MONDAY_10AM + 8 * 3600);
    let page = console.page("/admin").await;
    assert!(!page.contains("No Aircall webhook for more than"), "{page}");
    console.hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_agents_page_lists_tokens_invitations_and_sign_ins_and_revoking_ends_a_stream_at_once()
{
    let app = TestApp::demo().await;
    // Tokens are checked again only every minute: a stream that ends sooner was closed.
    let limits = HubLimits {
        token_recheck: Duration::from_secs(60),
        ..HubLimits::default()
    };
    let console = Console::start(&app, limits, |_| {}).await;
    let token = console
        .store
        .add_agent("bob@acme.io", MONDAY_10AM)
        .unwrap()
        .expose()
        .to_owned();
    console
        .store
        .issue_agent_token("chloe@acme.io", Joined::OAuth, MONDAY_10AM)
        .unwrap();
    // Bob's app says its version.
    let calls = client()
        .get(console.url("/api/v1/calls"))
        .bearer_auth(&token)
        .header("user-agent", "Ringside/9.8.7")
        .send()
        .await
        .unwrap();
    assert_eq!(calls.status(), StatusCode::OK);

    // An invitation, its links shown once; one for a hostile address, shown as text.
    let (status, _, invited) = console
        .post("/admin/agents/invite", &[("email", "dan@acme.io")])
        .await;
    assert_eq!(status, StatusCode::OK, "{invited}");
    assert!(invited.contains("ringside://join?hub="), "{invited}");
    assert!(invited.contains("/join?code="), "{invited}");
    let hostile = format!("{HOSTILE_NAME}@acme.io");
    let (status, _, _) = console
        .post("/admin/agents/invite", &[("email", hostile.as_str())])
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, refused) = console
        .post("/admin/agents/invite", &[("email", "not-an-address")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(refused.contains("is not an email address"), "{refused}");

    // Bob opens his event stream.
    let mut stream = client()
        .get(console.url("/api/v1/events"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    stream
        .chunk()
        .await
        .unwrap()
        .expect("the stream's first comment");

    let overview = console.page("/admin").await;
    assert!(
        overview.contains("one agent (one event stream)"),
        "{overview}"
    );
    let page = console.page("/admin/agents").await;
    for (email, joined) in [
        ("bob@acme.io", "Token made by an admin"),
        ("chloe@acme.io", "Signed in with Intercom"),
        ("dan@acme.io", "Invited, not joined yet"),
    ] {
        let row = row_of(&page, email);
        assert!(row.contains(joined), "{email}: {row}");
    }
    let bob = row_of(&page, "bob@acme.io");
    assert!(bob.contains("9.8.7"), "Bob's app version: {bob}");
    assert_eq!(cells(bob)[4], "1", "Bob's open stream: {bob}");
    assert!(page.contains(&format!("{HOSTILE_ESCAPED}@acme.io")));
    assert!(!page.contains(HOSTILE_NAME), "a name is never markup");
    assert!(
        !page.contains("ringside://join"),
        "an invitation's link is shown once"
    );

    // Revoked: the stream ends within a second, the token no longer works.
    let revoked_at = Instant::now();
    let (status, location, _) = console
        .post("/admin/agents/revoke", &[("email", "bob@acme.io")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let ended = tokio::time::timeout(Duration::from_secs(1), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "Bob's stream is still open after a second");
    let took = revoked_at.elapsed();
    let calls = client()
        .get(console.url("/api/v1/calls"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(calls.status(), StatusCode::UNAUTHORIZED);
    let page = console.page(&location).await;
    assert!(
        page.contains("bob@acme.io was revoked")
            && page.contains("their one event stream was closed"),
        "{page}"
    );
    assert!(!page.contains("<th scope=\"row\" class=\"agents-email\">bob@acme.io"));
    let actions = console.store.actions_on("bob@acme.io").unwrap();
    assert_eq!(actions.len(), 1);
    assert_eq!(
        (actions[0].who.as_str(), actions[0].action.as_str()),
        ("admin@acme.io", "revoke")
    );
    assert_eq!(
        console.store.actions_on("dan@acme.io").unwrap()[0].action,
        "invite"
    );
    println!("revoked to stream closed: {took:?}");
    console.hub.shutdown().await;
}

/// The table row of `email` on the Agents page.
fn row_of<'a>(page: &'a str, email: &str) -> &'a str {
    let at = page
        .find(&format!("class=\"agents-email\">{email}<"))
        .unwrap_or_else(|| panic!("{email} is not listed: {page}"));
    let end = page[at..].find("</tr>").map_or(page.len(), |e| at + e);
    &page[at..end]
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sync_page_runs_now_lists_a_dry_runs_changes_and_shows_names_as_text() {
    let app = TestApp::demo().await;
    let console = Console::start(&app, HubLimits::default(), |config| {
        config.sync = Some(SyncSchedule {
            options: ringside_core::sync::SyncOptions::new(Region::parse("FR").unwrap()),
            interval: Duration::from_secs(3600),
        });
    })
    .await;
    // The schedule's first run, at the start.
    let page = until_page(&console, "/admin/sync", |page| finished_runs(page) == 1).await;
    assert!(!page.contains("This hub runs no contact sync"));

    // A new Intercom contact with a hostile name: the dry run lists it, as text.
    app.sandbox.add_intercom_contacts([NewContact {
        role: None,
        name: Some(HOSTILE_NAME.to_owned()),
        email: Some("hostile@example.com".to_owned()),
        phone: Some("+33 6 11 22 33 44".to_owned()),
        external_id: None,
    }]);
    let writes = app.aircall_writes(0).len();
    let (status, _, dry) = console.post("/admin/sync/dry-run", &[]).await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert!(dry.contains("To create in Aircall (1)"), "{dry}");
    assert!(dry.contains(HOSTILE_ESCAPED), "{dry}");
    assert!(dry.contains("+33611223344"), "{dry}");
    assert!(!dry.contains(HOSTILE_NAME), "a name is never markup");
    assert_eq!(
        app.aircall_writes(0).len(),
        writes,
        "a dry run writes nothing"
    );

    // Run now: a second run finishes and shows in the list, with its creation.
    let (status, location, _) = console.post("/admin/sync/run", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let page = console.page(&location).await;
    assert!(page.contains("A run was asked for"), "{page}");
    let page = until_page(&console, "/admin/sync", |page| finished_runs(page) == 2).await;
    let newest = &page[page.find("class=\"sync-run\"").unwrap()..];
    let newest = &newest[..newest.find("</tr>").unwrap()];
    assert!(newest.contains("#2"), "{newest}");
    assert_eq!(cells(newest)[5], "1", "one contact created: {newest}");
    assert!(
        app.sandbox.aircall().contacts().iter().any(|c| c
            .first_name
            .as_deref()
            .is_some_and(|n| n.starts_with("<img"))),
        "the run wrote the new contact"
    );
    let actions = console.store.actions_on("sync").unwrap();
    let words: Vec<&str> = actions.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(words, ["sync_dry_run", "sync_now"]);
    console.hub.shutdown().await;
}

/// The text of each `<td>` of a table row.
fn cells(row: &str) -> Vec<&str> {
    row.split("<td")
        .skip(1)
        .map(|cell| {
            let start = cell.find('>').map_or(0, |at| at + 1);
            let end = cell.find("</td>").unwrap_or(cell.len());
            cell[start..end].trim()
        })
        .collect()
}

/// Finished runs on the Sync page.
fn finished_runs(page: &str) -> usize {
    page.split("class=\"sync-run\"")
        .skip(1)
        .filter(|row| row[..row.find("</tr>").unwrap_or(row.len())].contains("<td>Finished</td>"))
        .count()
}

/// The page once `ready` holds, polling for up to 20 seconds.
async fn until_page(console: &Console, path: &str, ready: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let page = console.page(path).await;
        if ready(&page) {
            return page;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting on {path}: {page}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
