//! The admin console's Settings page over HTTP, on a hub in process against the sandbox: a
//! setting changed there is obeyed by the next webhook without a restart, kept across one,
//! shown as overriding the file, taken back by a reset, refused in words when out of range,
//! and recorded in the audit; no secret ever reaches the page.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use reqwest::redirect::Policy;
use reqwest::StatusCode;
use ringside_core::config::{Config, Request};
use ringside_core::hub::history::HistoryItem;
use ringside_core::hub::Hub;
use ringside_core::pipeline::subject::Status;
use ringside_core::store::Store;
use ringside_sandbox::scenario::{demo, Scenario};
use ringside_tests::hubs::{hub_config, player, settle};
use ringside_tests::TestApp;

/// The secret hub.toml holds; the page must never show it.
const SECRET: &str = "tok_dont-show-this-secret-4242";

/// A hub.toml that sets `log_missed_calls` on line 3 and holds a secret, read as `serve` reads
/// it.
fn configuration(dir: &Path) -> Config {
    let path = dir.join("hub.toml");
    std::fs::write(
        &path,
        format!("# The tests' hub.\nintercom_token = \"{SECRET}\"\nlog_missed_calls = true\ntag_window_minutes = 90\n"),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let request = Request {
        file: Some(path),
        flags: Vec::new(),
    };
    Config::load(&request, |_| None).unwrap()
}

/// A hub on the sandbox with this configuration's settings and report, on the store in `dir`.
async fn start(app: &TestApp, config: &Config, dir: &Path) -> Hub {
    let store = Store::open(dir).unwrap();
    let mut hub = hub_config(app, config.settings.clone(), store);
    hub.console.report = config.report().to_vec();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    Hub::start(hub, listener).await.unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

async fn settings_page(hub: &Hub, token: &str) -> String {
    let answer = client()
        .get(format!("http://{}/admin/settings", hub.local_addr()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    answer.text().await.unwrap()
}

async fn post(hub: &Hub, token: &str, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let answer = client()
        .post(format!("http://{}{path}", hub.local_addr()))
        .bearer_auth(token)
        .form(form)
        .send()
        .await
        .unwrap();
    (answer.status(), answer.text().await.unwrap())
}

/// The page's row of one setting, from its `<tr>` to the next, with the template's escapes
/// read back.
fn row(page: &str, key: &str) -> String {
    let start = page
        .find(&format!("<tr id=\"setting-{key}\""))
        .unwrap_or_else(|| panic!("no row for {key}"));
    let rest = &page[start..];
    rest[..rest.find("</tr>").unwrap()]
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// Plays a missed call from `from` to its end and waits for the hub to catch up; answers what
/// the history says of it.
async fn missed_call(app: &TestApp, hub: &Hub, token: &str, from: &str) -> HistoryItem {
    let scenario = Scenario::missed(from, demo::SUPPORT_FR);
    let player = player(hub.local_addr());
    let mut playback = player.playback(&app.sandbox, &scenario);
    while let Some(status) = playback.step().await.unwrap() {
        assert_eq!(status, 200);
    }
    settle(hub.store(), Duration::from_secs(10)).await;
    let history: Vec<HistoryItem> = client()
        .get(format!("http://{}/api/v1/calls?limit=50", hub.local_addr()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    history
        .into_iter()
        .find(|i| i.phone.as_deref() == Some(from))
        .unwrap_or_else(|| panic!("no history line for the call from {from}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn turning_missed_calls_off_in_the_console_applies_at_once_survives_a_restart_and_resets() {
    let app = TestApp::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let config = configuration(dir.path());
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let hub = start(&app, &config, &data).await;
    let token = hub.store().add_agent_with("boss@acme.io", true, 0).unwrap();
    let token = token.expose().to_owned();

    // The file's value, with its line.
    let page = settings_page(&hub, &token).await;
    let before = row(&page, "log_missed_calls");
    assert!(before.contains("hub.toml, line 3"), "{before}");
    assert!(before.contains(" checked"), "{before}");

    let (status, _) = post(
        &hub,
        &token,
        "/admin/settings",
        &[("log_missed_calls", "false")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let page = settings_page(&hub, &token).await;
    let changed = row(&page, "log_missed_calls");
    assert!(changed.contains("console, by boss@acme.io"), "{changed}");
    assert!(changed.contains("overriding the file's true"), "{changed}");
    assert!(!changed.contains(" checked"), "{changed}");
    assert!(!hub.engine().settings().log_missed_calls);

    // The next missed call is not logged, without a restart.
    let skipped = missed_call(&app, &hub, &token, demo::UNKNOWN).await;
    assert_eq!(skipped.status, Status::Off, "{skipped:?}");
    assert_eq!(
        skipped.reason.as_deref(),
        Some("logging missed calls is turned off")
    );

    // The change is the hub's: it survives a restart on the same store.
    hub.shutdown().await;
    let hub = start(&app, &config, &data).await;
    let page = settings_page(&hub, &token).await;
    assert!(row(&page, "log_missed_calls").contains("console, by boss@acme.io"));
    let skipped = missed_call(&app, &hub, &token, demo::SOPHIE).await;
    assert_eq!(skipped.status, Status::Off, "{skipped:?}");

    // Back to the file's value: the next missed call is logged.
    let (status, _) = post(&hub, &token, "/admin/settings/log_missed_calls/reset", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let page = settings_page(&hub, &token).await;
    let reset = row(&page, "log_missed_calls");
    assert!(reset.contains("hub.toml, line 3"), "{reset}");
    assert!(!reset.contains("console"), "{reset}");
    let logged = missed_call(&app, &hub, &token, demo::NEW_CALLER).await;
    assert_eq!(logged.status, Status::Logged, "{logged:?}");

    // Each change is in the audit, with who made it.
    let audit = hub.store().actions_on("log_missed_calls").unwrap();
    let seen: Vec<_> = audit
        .iter()
        .map(|a| (a.action.as_str(), a.who.as_str(), a.detail.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("setting", "boss@acme.io", "set to false (was true)"),
            (
                "setting",
                "boss@acme.io",
                "back to the configuration's true"
            ),
        ]
    );
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_out_of_range_tag_window_is_refused_in_words_and_no_secret_reaches_the_page() {
    let app = TestApp::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let config = configuration(dir.path());
    let hub = start(&app, &config, dir.path()).await;
    let token = hub.store().add_agent_with("boss@acme.io", true, 0).unwrap();
    let token = token.expose().to_owned();

    // One value refused changes nothing, not even the others posted with it.
    let (status, body) = post(
        &hub,
        &token,
        "/admin/settings",
        &[("tag_window_minutes", "99999"), ("log_messages", "false")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Nothing was changed"), "{body}");
    assert!(body.contains("a whole number from 0 to 10080"), "{body}");
    let settings = hub.engine().settings();
    assert_eq!(
        (settings.tag_window_secs, settings.log_messages),
        (90 * 60, true)
    );
    assert!(hub.store().overrides().unwrap().is_empty());
    assert!(hub
        .store()
        .actions_on("tag_window_minutes")
        .unwrap()
        .is_empty());
    assert!(hub.store().actions_on("log_messages").unwrap().is_empty());

    let french = client()
        .post(format!("http://{}/admin/settings", hub.local_addr()))
        .bearer_auth(&token)
        .header("accept-language", "fr")
        .form(&[("tag_window_minutes", "-5")])
        .send()
        .await
        .unwrap();
    assert_eq!(french.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let french = french.text().await.unwrap();
    assert!(french.contains("un nombre entier de 0 à 10080"), "{french}");

    // A setting the console does not change is refused too.
    let (status, body) = post(&hub, &token, "/admin/settings", &[("listen", "0.0.0.0:80")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("cannot be changed in the console"), "{body}");

    // Every setting of the registry is on the page; the secret never is.
    let (status, _) = post(
        &hub,
        &token,
        "/admin/settings",
        &[("tag_window_minutes", "30")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(hub.engine().settings().tag_window_secs, 30 * 60);
    // The whole form as a browser sends it (a hidden `false` before each ticked box's `true`),
    // with one box unticked: that setting alone changes.
    let now = hub.engine().settings();
    let mut form: Vec<(&str, String)> = Vec::new();
    for (key, _) in ringside_core::rules::Settings::KEYS {
        let value = now.value_of(key).unwrap();
        match value.as_str() {
            "true" | "false" => {
                form.push((key, "false".into()));
                if value == "true" && *key != "log_messages" {
                    form.push((key, "true".into()));
                }
            }
            _ => form.push((key, value)),
        }
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = client()
        .post(format!("http://{}/admin/settings", hub.local_addr()))
        .bearer_auth(&token)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(answer.headers()["location"], "/admin/settings?saved=1");
    let changed: Vec<String> = hub
        .store()
        .overrides()
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(changed, ["log_messages", "tag_window_minutes"]);
    assert!(!hub.engine().settings().log_messages);

    let page = settings_page(&hub, &token).await;
    for setting in ringside_core::config::SETTINGS {
        row(&page, setting.key);
    }
    assert!(!page.contains(SECRET));
    assert!(row(&page, "intercom_token").contains("set (hidden)"));
    assert!(row(&page, "aircall_api_token").contains("not set"));
    assert!(!row(&page, "aircall_api_token").contains("hidden"));
    assert!(row(&page, "tag_window_minutes").contains("overriding the file's 90"));
    let french = client()
        .get(format!("http://{}/admin/settings", hub.local_addr()))
        .bearer_auth(&token)
        .header("accept-language", "fr")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!french.contains(SECRET));
    assert!(row(&french, "tag_window_minutes").contains("remplace la valeur du fichier, 90"));
    hub.shutdown().await;
}

#[test]
fn config_check_names_the_settings_changed_in_the_console() {
    use ringside_core::store::console::overrides::Override;
    let dir = tempfile::tempdir().unwrap();
    configuration(dir.path());
    let store = Store::open(dir.path()).unwrap();
    let change = Override {
        key: "log_missed_calls".into(),
        value: "false".into(),
        set_by: "boss@acme.io".into(),
        set_at: 1_800_000_000,
    };
    store
        .put_override(&change, "set to false (was true)")
        .unwrap();
    drop(store);
    let out = std::process::Command::new(ringside_tests::hubs::cli_binary())
        .args(["config", "check"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RINGSIDE_CONFIG", dir.path().join("hub.toml"))
        .env("RINGSIDE_DATA_DIR", dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let console = &stdout[stdout.find("Changed in the admin console").expect(&stdout)..];
    assert!(
        console.contains(
            "log_missed_calls  false  (console, by boss@acme.io at 2027-01-15 08:00 UTC)"
        ),
        "{console}"
    );
    assert!(!stdout.contains(SECRET));
}
