//! End to end: the real app (`ringside --demo`) in a real webview, driven over WebDriver
//! (`tauri-driver` + WebKitWebDriver) inside the test environment of `cargo xtask test`. A
//! ringing call opens the card with the right name, type, status and availability and a desktop
//! notification; a tag and a note typed in the card reach the sandbox's Intercom; a hostile
//! contact name renders as text; the demo writes nothing of its own into the per-user
//! directories (its data, the webviews' included, stays in a temporary directory).

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use support::{free_port, Driver, CARD_TITLE};

const JANE: &str = "6762f0dd1bb69f9f2193bb83";
const HOSTILE: &str = "<img src=x onerror=alert(1)>";
const ENTER: &str = "\u{E007}";

/// The conversations of a contact in the sandbox's Intercom, each with its tags and parts.
async fn conversations_of(intercom: &str, contact: &str) -> Vec<Value> {
    let http = reqwest::Client::new();
    let auth = |r: reqwest::RequestBuilder| {
        r.bearer_auth("sandbox-intercom-token")
            .header("Intercom-Version", "2.16")
    };
    let found: Value = auth(http.post(format!("{intercom}/conversations/search")))
        .json(&json!({"query": {"field": "contact_ids", "operator": "=", "value": contact}}))
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
        out.push(full);
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_card_shows_the_caller_and_sends_tags_and_notes_to_intercom() {
    if !support::in_test_environment(
        "the_demo_card_shows_the_caller_and_sends_tags_and_notes_to_intercom",
    ) {
        return;
    }
    let driver = Driver::start().await;
    let (aircall, intercom) = (free_port(), free_port());
    let session = driver
        .session(&[
            "--demo".into(),
            "--demo-step-ms".into(),
            "3500".into(),
            "--sandbox-addrs".into(),
            format!("127.0.0.1:{aircall},127.0.0.1:{intercom}"),
        ])
        .await;

    // The first demo call rings: the card window opens on it.
    session.switch_to(CARD_TITLE, Duration::from_secs(30)).await;
    session
        .until_text("#contact-name", "Jane Roe", Duration::from_secs(20))
        .await;
    assert_eq!(session.text("#contact-type").await.as_deref(), Some("Lead"));
    assert_eq!(
        session.text("#conversation-state").await.as_deref(),
        Some("open")
    );
    assert_eq!(
        session.text("#availability").await.as_deref(),
        Some("In a call")
    );

    // The desktop notification said who is calling (dunst prints what it shows).
    if let Some(log) = std::env::var_os("RINGSIDE_NOTIFICATIONS_LOG") {
        let start = Instant::now();
        loop {
            let shown = std::fs::read_to_string(&log).unwrap_or_default();
            if shown.contains("summary: 'Incoming call: Jane Roe (Lead)'")
                && shown.contains("body: 'Conversation owner: Bob Martin (in a call)'")
            {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "no notification for Jane: {shown}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    // A tag and a note, from the keyboard.
    session.fill("#tag-input", "E2E tag").await;
    session
        .on_element("#tag-input", "value", json!({ "text": ENTER }))
        .await;
    session.fill("#note-input", "Called about the refund").await;
    session.click("form.note button").await;
    // Both are in the card's lists once the app has them.
    session
        .until_text("#tags li span", "E2E tag", Duration::from_secs(10))
        .await;
    session
        .until_text(
            "ul.notes li",
            "Called about the refund (sent)",
            Duration::from_secs(10),
        )
        .await;

    let intercom_url = format!("http://127.0.0.1:{intercom}");
    let start = Instant::now();
    loop {
        let conversations = conversations_of(&intercom_url, JANE).await;
        let tagged = conversations.iter().any(|c| {
            c["tags"]["tags"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t["name"] == "E2E tag"))
        });
        let noted = conversations.iter().any(|c| {
            c["conversation_parts"]["conversation_parts"]
                .as_array()
                .is_some_and(|p| {
                    p.iter().any(|p| {
                        p["body"]
                            .as_str()
                            .is_some_and(|b| b.contains("Called about the refund"))
                    })
                })
        });
        if tagged && noted {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "the tag ({tagged}) and the note ({noted}) did not reach Intercom"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // The next demo caller's name is markup: it shows as text and makes no element.
    session
        .until_text("#contact-name", HOSTILE, Duration::from_secs(40))
        .await;
    assert_eq!(session.count("#card img").await, 0);

    session.end().await;
    // Mesa's shader cache and dconf (system libraries) may write there; the app may not.
    let written: Vec<_> = driver
        .written_per_user()
        .into_iter()
        .filter(|f| f.to_string_lossy().contains("ringside"))
        .collect();
    assert!(written.is_empty(), "the demo wrote {written:?}");
}
