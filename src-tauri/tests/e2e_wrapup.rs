//! End to end, the card's wrap-up: the real app (`ringside --demo` playing one answered call of
//! Jane's) in a real webview, driven over WebDriver (`tauri-driver` + WebKitWebDriver) inside the
//! test environment of `cargo xtask test`. After the hang-up the card shows the wrap-up with the
//! demo hub's outcomes, each with its digit; the agent presses "2" then Enter; the outcome reaches
//! the call's conversation in the sandbox's Intercom (its "Call outcome" attribute) and the card
//! window closes. The same panel in French.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::ffi::OsStr;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use support::{free_port, Driver, Session, CARD_TITLE};

const JANE: &str = "6762f0dd1bb69f9f2193bb83";
const JANE_PHONE: &str = "+33 7 62 04 35 75";
const SUPPORT_FR: u64 = 2201;
const ALICE_AIRCALL: u64 = 1102;

/// One app at a time: two would share the display and take each other's focus.
static ONE_APP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The demo's arguments: Jane's answered call, played once, on these sandbox ports.
fn demo_args(script: &std::path::Path, aircall: u16, intercom: u16) -> Vec<String> {
    vec![
        "--demo".into(),
        "--demo-step-ms".into(),
        "2500".into(),
        "--demo-script".into(),
        script.display().to_string(),
        "--sandbox-addrs".into(),
        format!("127.0.0.1:{aircall},127.0.0.1:{intercom}"),
    ]
}

fn janes_call(dir: &std::path::Path) -> std::path::PathBuf {
    let script = dir.join("janes-call.json");
    let scenario = ringside_sandbox::scenario::Scenario::inbound_answered(
        JANE_PHONE,
        SUPPORT_FR,
        ALICE_AIRCALL,
    );
    std::fs::write(&script, serde_json::to_string(&scenario).unwrap()).unwrap();
    script
}

/// Presses one key in the window, wherever the focus is (W3C key actions).
async fn press(session: &Session, key: &str) {
    session
        .post(
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
                {"type": "keyDown", "value": key},
                {"type": "keyUp", "value": key},
            ]}]}),
        )
        .await;
}

async fn script(session: &Session, body: &str) -> Value {
    session
        .execute_async(
            &format!("const done = arguments[arguments.length - 1]; done((() => {{ {body} }})());"),
            json!([]),
        )
        .await
}

/// Waits until the card window is hidden (its page no longer visible).
async fn until_closed(session: &Session, within: Duration) {
    let start = Instant::now();
    while script(session, "return document.visibilityState;").await != "hidden" {
        assert!(
            start.elapsed() < within,
            "the card window is still open: {}",
            session.text("#message").await.unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Jane's conversations in the sandbox's Intercom, read through its API.
async fn janes_outcomes(intercom: &str) -> Vec<String> {
    let http = reqwest::Client::new();
    let auth = |r: reqwest::RequestBuilder| {
        r.bearer_auth("sandbox-intercom-token")
            .header("Intercom-Version", "2.16")
    };
    let found: Value = auth(http.post(format!("{intercom}/conversations/search")))
        .json(&json!({"query": {"field": "contact_ids", "operator": "=", "value": JANE}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut out = Vec::new();
    for c in found["conversations"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let id = c["id"].as_str().unwrap_or_default();
        let full: Value = auth(http.get(format!("{intercom}/conversations/{id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(outcome) = full["custom_attributes"]["Call outcome"].as_str() {
            out.push(outcome.to_owned());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn after_the_hang_up_the_agent_picks_an_outcome_with_a_digit_and_enter_closes_the_card() {
    if !support::in_test_environment(
        "after_the_hang_up_the_agent_picks_an_outcome_with_a_digit_and_enter_closes_the_card",
    ) {
        return;
    }
    let _one = ONE_APP.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let driver = Driver::start().await;
    let (aircall, intercom) = (free_port(), free_port());
    let session = driver
        .session(&demo_args(&janes_call(dir.path()), aircall, intercom))
        .await;

    session.switch_to(CARD_TITLE, Duration::from_secs(30)).await;
    session
        .until_text("#contact-name", "Jane Roe", Duration::from_secs(30))
        .await;
    // The hang-up: the card stays open as the wrap-up, the demo hub's outcomes with their digits.
    session
        .until_text("#wrapup h2", "WRAP-UP", Duration::from_secs(40))
        .await;
    session
        .until_count("#outcomes button", 4, Duration::from_secs(10))
        .await;
    assert_eq!(
        session.text("#outcomes button").await.as_deref(),
        Some("1 Resolved")
    );
    assert_eq!(session.text("#wrapup-done").await.as_deref(), Some("Done"));
    assert_eq!(
        session.text("#wrapup-keys").await.as_deref(),
        Some("Press a digit to pick the outcome, Enter for Done.")
    );

    // "2" picks the second outcome; the card says it is chosen.
    press(&session, "2").await;
    session
        .until_text(
            "#outcomes button[aria-pressed=true] span",
            "Follow-up needed",
            Duration::from_secs(10),
        )
        .await;
    // Enter is Done: the window closes.
    press(&session, "\u{E007}").await;
    until_closed(&session, Duration::from_secs(10)).await;

    // The outcome is on the call's conversation in Intercom, once.
    let intercom_url = format!("http://127.0.0.1:{intercom}");
    let start = Instant::now();
    loop {
        let outcomes = janes_outcomes(&intercom_url).await;
        if outcomes == ["Follow-up needed"] {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "Jane's conversations hold the outcomes {outcomes:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    session.end().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_french_system_the_wrap_up_speaks_french() {
    if !support::in_test_environment("on_a_french_system_the_wrap_up_speaks_french") {
        return;
    }
    let _one = ONE_APP.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let driver = Driver::start_with(&[("LC_ALL", OsStr::new("fr_FR.UTF-8"))]).await;
    let (aircall, intercom) = (free_port(), free_port());
    let session = driver
        .session(&demo_args(&janes_call(dir.path()), aircall, intercom))
        .await;

    session.switch_to(CARD_TITLE, Duration::from_secs(30)).await;
    session
        .until_text("#wrapup h2", "APRÈS-APPEL", Duration::from_secs(60))
        .await;
    assert_eq!(
        session.text("#wrapup-done").await.as_deref(),
        Some("Terminé")
    );
    assert_eq!(
        session.text("#wrapup-keys").await.as_deref(),
        Some("Un chiffre choisit l'issue, Entrée termine.")
    );
    // "1" picks Resolved, sent to the hub; Enter ends the wrap-up.
    press(&session, "1").await;
    session
        .until_text("#outcome-state", "envoyée", Duration::from_secs(10))
        .await;
    press(&session, "\u{E007}").await;
    until_closed(&session, Duration::from_secs(10)).await;
    session.end().await;
}
