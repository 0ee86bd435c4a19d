//! The README's screenshots, taken from the real app: `cargo xtask screenshots` runs this
//! ignored test inside the desktop test environment. The app runs in demo mode with a
//! `--demo-script` that logs an SMS, a missed call, a voicemail with its transcript and a
//! transfer, then leaves five calls ringing (a known lead, the hostile name, an unknown caller,
//! an anonymous caller, the shared number); the test shows each card through the main window's
//! `show_card` command and saves PNGs of the card window and of the main window's history,
//! settings, "To call back" (also at 200 % zoom) and "My day" into `src-tauri/screenshots/` (or
//! `$RINGSIDE_SCREENSHOTS_DIR`); then it starts the app once more with nothing configured and
//! saves the first run's setup. A dark run adds the call-backs and My day in dark mode. It does all of it twice: under an
//! English system locale, and under a French one into `screenshots/fr/`.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ringside_sandbox::scenario::{demo, Scenario};
use serde_json::{json, Value};

use support::{Session, CARD_TITLE, MAIN_TITLE};

/// WebKitGTK's switch for its compositing.
const COMPOSITING: &str = ringside_lib::windows::COMPOSITING_VARIABLE;

/// Only the ringing of a call: it stays ringing, as the card is best seen.
fn ringing(scenario: Scenario) -> Scenario {
    let steps = scenario
        .steps
        .into_iter()
        .filter(|s| ["call.created", "call.ringing_on_agent"].contains(&s.event.as_str()))
        .collect();
    Scenario { steps, ..scenario }
}

fn script() -> Scenario {
    use demo::*;
    Scenario::one_after_another(
        "screenshots",
        vec![
            Scenario::sms_inbound(SOPHIE, SALES_US, "Can you call me back after 5 pm?"),
            Scenario::missed(UNKNOWN, SUPPORT_FR),
            Scenario::voicemail_with_assets(
                SOPHIE,
                SUPPORT_FR,
                Some("Hello, it's Sophie Martin about my last invoice. Could you call me back this afternoon?"),
            ),
            Scenario::transfer(JOHN, SALES_US, ALICE, BOB, true),
            ringing(Scenario::inbound_answered(HOSTILE, SUPPORT_FR, ALICE)),
            ringing(Scenario::anonymous(SUPPORT_FR, ALICE)),
            ringing(Scenario::shared_number(SHARED, SUPPORT_FR, ALICE)),
            ringing(Scenario::unknown_caller(NEW_CALLER, SUPPORT_FR, ALICE)),
            ringing(Scenario::inbound_answered(JANE, SUPPORT_FR, ALICE)),
            // Answered and over: its card is the wrap-up (`card-wrapup.png`).
            Scenario::inbound_answered(JOHN, SUPPORT_FR, ALICE),
        ],
        2,
    )
}

/// Invokes a command from the current window; its answer or its `{code, message}` error.
async fn invoke(session: &Session, command: &str, args: Value) -> Result<Value, Value> {
    let script = "const done = arguments[arguments.length - 1];
        window.__TAURI__.core.invoke(arguments[0], arguments[1])
            .then((value) => done({ value }), (error) => done({ error }));";
    let answer = session.execute_async(script, json!([command, args])).await;
    match answer.get("error") {
        Some(error) => Err(error.clone()),
        None => Ok(answer["value"].clone()),
    }
}

/// The five ringing cards, once the script has played and the other three are logged.
async fn cards_when_ready(session: &Session) -> Vec<Value> {
    let start = Instant::now();
    loop {
        // The hub is still starting when the page is first up: errors mean "not yet".
        let cards = invoke(session, "recent_cards", json!({"limit": 20})).await;
        let ringing: Vec<Value> = cards
            .unwrap_or_default()
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|c| c["state"] == "ringing" && c["card"]["contact"].is_object())
            .collect();
        let history = invoke(session, "history", json!({})).await;
        let logged = history.unwrap_or_default()["items"]
            .as_array()
            .map_or(0, |i| i.iter().filter(|i| i["status"] == "logged").count());
        if ringing.len() == 5 && logged >= 3 {
            return ringing;
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "the script did not play: {} ringing cards, {logged} logged",
            ringing.len()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// A language the screenshots are taken in: the system locale the app starts under, where its
/// pictures go, and the words the test waits for.
struct Language {
    locale: &'static str,
    dir: &'static str,
    anonymous: &'static str,
    welcome: &'static str,
    /// The wrap-up's heading, as shown (upper case).
    wrap_up: &'static str,
}

const LANGUAGES: [Language; 2] = [
    Language {
        locale: "en_US.UTF-8",
        dir: "",
        anonymous: "Anonymous caller",
        welcome: "Welcome to Ringside",
        wrap_up: "WRAP-UP",
    },
    Language {
        locale: "fr_FR.UTF-8",
        dir: "fr",
        anonymous: "Appelant anonyme",
        welcome: "Bienvenue dans Ringside",
        wrap_up: "APRÈS-APPEL",
    },
];

/// What the card shows as the caller's name (see `who` in `ui/js/card.js`).
fn shown_name(card: &Value, language: &Language) -> String {
    let contact = &card["card"]["contact"];
    match contact["name"].as_str() {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => language.anonymous.to_owned(),
    }
}

/// The file each kind of card is saved as.
fn file_for(card: &Value) -> &'static str {
    let contact = &card["card"]["contact"];
    match (contact["status"].as_str(), contact["name"].as_str()) {
        (Some("existing"), Some("Jane Roe")) => "card-known.png",
        (Some("existing"), _) => "card-hostile-name.png",
        (Some("new"), _) => "card-new.png",
        (Some("anonymous"), _) => "card-anonymous.png",
        (Some("ambiguous"), _) => "card-shared-number.png",
        other => panic!("an unexpected card: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "writes the README's screenshots: run by `cargo xtask screenshots`"]
async fn screenshots_of_each_card_and_the_main_window() {
    if !support::in_test_environment("screenshots_of_each_card_and_the_main_window") {
        return;
    }
    let root = std::env::var_os("RINGSIDE_SCREENSHOTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("screenshots"));
    for language in &LANGUAGES {
        let out = root.join(language.dir);
        std::fs::create_dir_all(&out).unwrap();
        take(&out, language).await;
        eprintln!("screenshots saved in {}", out.display());
    }
    take_dark_wrap_up(&root).await;
}

/// The card of the script's answered call that is over (its wrap-up), once the hub has it.
async fn wrap_up_card(session: &Session) -> Value {
    let start = Instant::now();
    loop {
        let cards = invoke(session, "recent_cards", json!({"limit": 20})).await;
        let over = cards
            .unwrap_or_default()
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .find(|c| {
                c["state"] == "ended"
                    && c["answered_at"].is_i64()
                    && c["card"]["contact"].is_object()
            });
        if let Some(card) = over {
            return card;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no answered call is over"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Shows the wrap-up's card and saves it as `file`.
async fn save_wrap_up(session: &Session, out: &std::path::Path, file: &str, words: &str) {
    let card = wrap_up_card(session).await;
    invoke(session, "show_card", json!({"callId": card["call_id"]}))
        .await
        .unwrap();
    session.switch_to(CARD_TITLE, Duration::from_secs(10)).await;
    session
        .until_text("#wrapup h2", words, Duration::from_secs(10))
        .await;
    session
        .until_count("#outcomes button", 4, Duration::from_secs(10))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    session.screenshot(&out.join(file)).await;
}

/// The wrap-up in dark mode (GTK's dark theme, which WebKit reads as `prefers-color-scheme`).
async fn take_dark_wrap_up(root: &std::path::Path) {
    let dir = tempfile::tempdir().unwrap();
    let script_path = dir.path().join("wrap-up.json");
    let over = Scenario::one_after_another(
        "dark",
        // The answered call comes last: a call ringing after it would take the card window
        // while the wrap-up is photographed.
        vec![
            Scenario::missed(demo::UNKNOWN, demo::SUPPORT_FR),
            Scenario::voicemail_with_assets(
                demo::SOPHIE,
                demo::SUPPORT_FR,
                Some("Hello, it's Sophie Martin about my last invoice. Could you call me back this afternoon?"),
            ),
            Scenario::inbound_answered(demo::JOHN, demo::SUPPORT_FR, demo::ALICE),
        ],
        2,
    );
    std::fs::write(&script_path, serde_json::to_string(&over).unwrap()).unwrap();
    let driver = support::Driver::start_with(&[
        ("LC_ALL", std::ffi::OsStr::new("en_US.UTF-8")),
        ("TZ", std::ffi::OsStr::new("UTC")),
        (COMPOSITING, std::ffi::OsStr::new("0")),
        ("GTK_THEME", std::ffi::OsStr::new("Adwaita:dark")),
    ])
    .await;
    let session = driver
        .session(&[
            "--demo".into(),
            "--demo-step-ms".into(),
            "200".into(),
            "--demo-script".into(),
            script_path.display().to_string(),
        ])
        .await;
    session.switch_to(MAIN_TITLE, Duration::from_secs(30)).await;
    save_wrap_up(&session, root, "card-wrapup-dark.png", "WRAP-UP").await;
    session.switch_to(MAIN_TITLE, Duration::from_secs(10)).await;
    save_day(&session, root, "-dark").await;
    session.end().await;
}

/// "To call back" (the script's missed call and voicemail, the voicemail's transcript once it
/// came) and "My day", saved as `main-callbacks{suffix}.png` and `main-day{suffix}.png`; with
/// `suffix` "", the call-backs at 200 % zoom too.
async fn save_day(session: &Session, out: &std::path::Path, suffix: &str) {
    session.click("[data-tab=callbacks]").await;
    let start = Instant::now();
    while session.count("#callbacks li.item").await < 2
        || session.count("#callbacks blockquote.transcript").await < 1
    {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no call-backs with a transcript"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    session
        .screenshot(&out.join(format!("main-callbacks{suffix}.png")))
        .await;
    if suffix.is_empty() {
        let zoom = "document.documentElement.style.zoom = String(arguments[0]); arguments[arguments.length - 1](true);";
        session.execute_async(zoom, json!([2.0])).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        session
            .screenshot(&out.join("main-callbacks-zoom.png"))
            .await;
        session.execute_async(zoom, json!([1.0])).await;
    }
    session.click("[data-tab=day]").await;
    session
        .until_count("#day .figure", 6, Duration::from_secs(10))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    session
        .screenshot(&out.join(format!("main-day{suffix}.png")))
        .await;
}

/// Every screenshot, with the app started under `language`'s locale, into `out`.
async fn take(out: &std::path::Path, language: &Language) {
    let locale = [
        ("LC_ALL", std::ffi::OsStr::new(language.locale)),
        ("TZ", std::ffi::OsStr::new("UTC")),
        // The app draws without WebKit's compositing (see `windows::draw_without_compositing`),
        // and WebKitWebDriver's screenshot of such a window never answers while the hidden card
        // window shares its web process (WebKitGTK 2.50): the screenshots are taken with it.
        (COMPOSITING, std::ffi::OsStr::new("0")),
    ];
    let dir = tempfile::tempdir().unwrap();
    let script_path = dir.path().join("screenshots.json");
    std::fs::write(&script_path, serde_json::to_string(&script()).unwrap()).unwrap();

    let driver = support::Driver::start_with(&locale).await;
    let session = driver
        .session(&[
            "--demo".into(),
            "--demo-step-ms".into(),
            "200".into(),
            "--demo-script".into(),
            script_path.display().to_string(),
        ])
        .await;
    session.switch_to(MAIN_TITLE, Duration::from_secs(30)).await;
    let cards = cards_when_ready(&session).await;

    let mut saved = Vec::new();
    for card in &cards {
        let file = file_for(card);
        invoke(&session, "show_card", json!({"callId": card["call_id"]}))
            .await
            .unwrap();
        session.switch_to(CARD_TITLE, Duration::from_secs(10)).await;
        session
            .until_text(
                "#contact-name",
                &shown_name(card, language),
                Duration::from_secs(10),
            )
            .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        session.screenshot(&out.join(file)).await;
        saved.push(file);
        session.switch_to(MAIN_TITLE, Duration::from_secs(10)).await;
    }
    saved.sort();
    assert_eq!(
        saved,
        [
            "card-anonymous.png",
            "card-hostile-name.png",
            "card-known.png",
            "card-new.png",
            "card-shared-number.png"
        ]
    );

    save_wrap_up(&session, out, "card-wrapup.png", language.wrap_up).await;
    session.switch_to(MAIN_TITLE, Duration::from_secs(10)).await;

    session.click("[data-tab=history]").await;
    let start = Instant::now();
    while session.count("#history tr").await < 8 {
        assert!(start.elapsed() < Duration::from_secs(10), "no history");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    session.screenshot(&out.join("main-history.png")).await;
    session.click("[data-tab=settings]").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    session.screenshot(&out.join("main-settings.png")).await;
    save_day(&session, out, "").await;
    session.end().await;

    // The first run: nothing configured, the setup.
    let fresh = tempfile::tempdir().unwrap();
    let driver = support::Driver::start_with(&[
        locale[0],
        locale[1],
        locale[2],
        ("RINGSIDE_DATA_DIR", fresh.path().as_os_str()),
    ])
    .await;
    let session = driver.session(&[]).await;
    session.switch_to(MAIN_TITLE, Duration::from_secs(30)).await;
    session
        .until_text("#tab-setup h1", language.welcome, Duration::from_secs(20))
        .await;
    // Under Xvfb, a composited window that goes idle after its first paint (the setup, before
    // its words arrived) can keep showing that paint in WebKitWebDriver's screenshot: switching
    // to the window again once its words are there has WebKit present it as it is.
    session.switch_to(MAIN_TITLE, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    session.screenshot(&out.join("main-setup.png")).await;
    session.end().await;
}
