//! End to end, in the agent's language and looks: the real app (`ringside --demo`) over
//! WebDriver inside the test environment of `cargo xtask test`.
//!
//! - On a French system (`LC_ALL=fr_FR.UTF-8`) the card, the notification and the main window
//!   speak French, with French dates (`30/11/2026 05:22`); choosing English in Settings turns
//!   both windows English at once, without a restart.
//! - At 200 % zoom no element of the card or the main window spills out of its box, and the
//!   page never scrolls sideways; the keyboard reaches every control, with a visible focus ring,
//!   and nothing answers the mouse alone; with the system's dark theme the windows are dark.

mod support;

use std::ffi::OsStr;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use support::{free_port, Driver, Session, CARD_TITLE, MAIN_TITLE};

const TAB: &str = "\u{E004}";
/// One app at a time: two demo apps on the 2-core machine slow each other's cards down enough
/// that a card re-renders between two key presses.
static ONE_APP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
const ESCAPE: &str = "\u{E00C}";

fn demo_args() -> Vec<String> {
    let (aircall, intercom) = (free_port(), free_port());
    vec![
        "--demo".into(),
        "--demo-step-ms".into(),
        "3500".into(),
        "--sandbox-addrs".into(),
        format!("127.0.0.1:{aircall},127.0.0.1:{intercom}"),
    ]
}

/// Runs `body` (a function body whose `arguments` are `args`) in the current window and
/// returns what it returns (a promise is awaited).
async fn run(session: &Session, body: &str, args: Value) -> Value {
    let script = format!(
        "const done = arguments[arguments.length - 1];
         const args = Array.prototype.slice.call(arguments, 0, -1);
         Promise.resolve((function () {{ {body} }}).apply(null, args)).then(done, (e) => done('error: ' + e));"
    );
    session.execute_async(&script, args).await
}

/// `30/11/2026 05:22` for UNIX seconds, in UTC (the test runs the app with `TZ=UTC`).
fn french_date(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Howard Hinnant's days-from-civil, inverted.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{day:02}/{month:02}/{year} {:02}:{:02}",
        secs / 3600,
        (secs % 3600) / 60
    )
}

/// Waits until at least one element matches `css`.
async fn until_some(session: &Session, css: &str, within: Duration) {
    let start = Instant::now();
    while session.count(css).await == 0 {
        assert!(start.elapsed() < within, "nothing matched {css}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until `css`'s text contains `part`.
async fn until_contains(session: &Session, css: &str, part: &str, within: Duration) {
    let start = Instant::now();
    loop {
        let text = session.text(css).await.unwrap_or_default();
        if text.contains(part) {
            return;
        }
        assert!(
            start.elapsed() < within,
            "{css} never contained {part:?}; it reads {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_french_system_the_card_and_the_main_window_speak_french_until_english_is_chosen() {
    if !support::in_test_environment(
        "on_a_french_system_the_card_and_the_main_window_speak_french_until_english_is_chosen",
    ) {
        return;
    }
    let _one = ONE_APP.lock().await;
    let driver = Driver::start_with(&[
        ("LC_ALL", OsStr::new("fr_FR.UTF-8")),
        ("TZ", OsStr::new("UTC")),
    ])
    .await;
    let session = driver.session(&demo_args()).await;

    // Jane's demo call rings (the tour plays her in each round): the card speaks French.
    session.switch_to(CARD_TITLE, Duration::from_secs(30)).await;
    session
        .until_text("#contact-name", "Jane Roe", Duration::from_secs(90))
        .await;
    assert_eq!(
        run(&session, "return document.documentElement.lang;", json!([])).await,
        "fr"
    );
    assert_eq!(
        session.text("#contact-type").await.as_deref(),
        Some("Prospect")
    );
    assert_eq!(
        session.text("#conversation-state").await.as_deref(),
        Some("ouverte")
    );
    assert_eq!(
        session.text("#availability").await.as_deref(),
        Some("En appel")
    );
    until_contains(&session, "#owner", "Responsable :", Duration::from_secs(5)).await;
    let timer = session.text("#timer").await.unwrap_or_default();
    assert!(
        ["Sonne · ", "En appel · ", "Terminé · ", "Transféré · "]
            .iter()
            .any(|s| timer.starts_with(s)),
        "the timer reads {timer:?}"
    );
    assert_eq!(
        session
            .text("footer [data-l10n-id=card-footer]")
            .await
            .as_deref(),
        Some("Alt+N note · Alt+T tag · Échap fermer")
    );
    assert_eq!(
        session.property("#tag-input", "placeholder").await,
        Some(json!("Ajouter un tag (Alt+T)"))
    );

    // The notification said it in French too.
    if let Some(log) = std::env::var_os("RINGSIDE_NOTIFICATIONS_LOG") {
        let start = Instant::now();
        loop {
            let shown = std::fs::read_to_string(&log).unwrap_or_default();
            if shown.contains("summary: 'Appel entrant : Jane Roe (Prospect)'")
                && shown.contains("body: 'Responsable de la conversation : Bob Martin (en appel)'")
            {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "no French notification for Jane: {shown}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    // The main window: French tabs and headings, and each history row's date in French.
    session.switch_to(MAIN_TITLE, Duration::from_secs(10)).await;
    session
        .until_text("#tab-button-history", "Historique", Duration::from_secs(10))
        .await;
    assert_eq!(
        session.text("#tab-button-settings").await.as_deref(),
        Some("Réglages")
    );
    assert_eq!(
        session.text("[data-l10n-id=history-when]").await.as_deref(),
        Some("Quand")
    );
    until_some(&session, "#history tr", Duration::from_secs(60)).await;
    // The rows are refreshed as calls come: the first row shows the newest item's time.
    let start = Instant::now();
    loop {
        let history = run(
            &session,
            "return window.__TAURI__.core.invoke('history');",
            json!([]),
        )
        .await;
        let newest = history["items"][0]["created_at"].as_i64().map(french_date);
        // The cell says how long ago; its title gives the date and time.
        let shown = session
            .property("#history tr td.when time", "title")
            .await
            .and_then(|v| v.as_str().map(str::to_owned));
        if newest.is_some() && shown == newest {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "the first row's date reads {shown:?}, not {newest:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // Plural variants follow French rules (0 and 1.5 take the singular, a million the "many"
    // form, which the catalog writes as the plural) and numbers French digits.
    assert_eq!(
        missed_counts(&session).await,
        json!([
            "0 appel manqué",
            "1 appel manqué",
            "1,5 appel manqué",
            "2 appels manqués",
            "1\u{202f}000\u{202f}000 appels manqués"
        ])
    );

    // English from Settings: both windows change at once, no restart.
    session.click("#tab-button-settings").await;
    session
        .choose("select[name=language]", "en", Duration::from_secs(10))
        .await;
    session.click("#settings button[type=submit]").await;
    session
        .until_text("#tab-button-history", "History", Duration::from_secs(10))
        .await;
    assert_eq!(
        session
            .text("[data-l10n-id=label-language]")
            .await
            .as_deref(),
        Some("Language of the app")
    );
    session.switch_to(CARD_TITLE, Duration::from_secs(10)).await;
    session
        .until_text(
            "footer [data-l10n-id=card-footer]",
            "Alt+N note · Alt+T tag · Esc close",
            Duration::from_secs(10),
        )
        .await;
    assert_eq!(
        run(&session, "return document.documentElement.lang;", json!([])).await,
        "en"
    );
    session.switch_to(MAIN_TITLE, Duration::from_secs(10)).await;
    assert_eq!(
        missed_counts(&session).await,
        json!([
            "0 missed calls",
            "1 missed call",
            "1.5 missed calls",
            "2 missed calls",
            "1,000,000 missed calls"
        ])
    );
    session.end().await;
}

/// The main window's "N missed calls" for 0, 1, 1.5, 2 and a million, as its catalog says them.
async fn missed_counts(session: &Session) -> Value {
    run(
        session,
        "return import(new URL('js/i18n.js', document.baseURI).href)
           .then((i18n) => [0, 1, 1.5, 2, 1000000].map((count) => i18n.t('callback-missed-count', { count })));",
        json!([]),
    )
    .await
}

/// What overflows its box in the current window at `zoom`: elements whose content is wider
/// than they are and that do not scroll it, and the page scrolling sideways.
async fn overflows_at(session: &Session, zoom: f64) -> Vec<String> {
    let found = run(
        session,
        "document.documentElement.style.zoom = String(arguments[0]);
         return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => {
           const root = document.documentElement;
           const bad = [];
           if (root.scrollWidth > root.clientWidth + 1) bad.push(`the page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
           for (const node of document.body.querySelectorAll('*')) {
             if (node.closest('[hidden]') || node.getClientRects().length === 0) continue;
             const style = getComputedStyle(node);
             if (/(auto|scroll)/.test(style.overflowX) || node.clientWidth === 0) continue;
             if (node.scrollWidth > node.clientWidth + 1) {
               bad.push(`${node.tagName.toLowerCase()}#${node.id}.${node.className} holds ${node.scrollWidth}px in ${node.clientWidth}px: ${node.textContent.slice(0, 60)}`);
             }
           }
           resolve(bad);
         })));",
        json!([zoom]),
    )
    .await;
    serde_json::from_value(found.clone()).unwrap_or_else(|_| panic!("{found}"))
}

/// Presses and releases `key` in the current window.
async fn press(session: &Session, key: &str) {
    session
        .post(
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
                {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}
            ]}]}),
        )
        .await;
}

/// Tabs through the window: every visible control must be reached, each with a visible
/// focus ring, and every element that looks clickable must be one the keyboard reaches.
async fn keyboard_reaches_everything(session: &Session) {
    let controls = run(
        session,
        "document.querySelectorAll('[data-kbd]').forEach((n) => n.removeAttribute('data-kbd'));
         const shown = (n) => { const r = n.getBoundingClientRect(); return r.width > 0 && r.height > 0 && !n.closest('[hidden]'); };
         // A group of radio buttons is one stop: its checked button, else its first.
         const stop = (n) => n.type !== 'radio' || n === (document.querySelector(`input[type=radio][name=${n.name}]:checked`) || document.querySelector(`input[type=radio][name=${n.name}]`));
         const all = [...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')]
           .filter((n) => !n.disabled && n.tabIndex >= 0 && shown(n) && stop(n));
         all.forEach((n, i) => n.setAttribute('data-kbd', String(i)));
         const mouseOnly = [...document.querySelectorAll('*')]
           .filter((n) => n.getClientRects().length > 0 && getComputedStyle(n).cursor === 'pointer' && !n.closest('a[href], button, summary, label, select, input, [tabindex]'))
           .map((n) => n.outerHTML.slice(0, 80));
         document.activeElement && document.activeElement.blur();
         return { count: all.length, mouseOnly };",
        json!([]),
    )
    .await;
    let count = controls["count"].as_u64().unwrap_or(0) as usize;
    assert!(count > 0, "no control found: {controls}");
    assert_eq!(
        controls["mouseOnly"],
        json!([]),
        "controls only a mouse can use"
    );
    // The window must have the system's focus for its elements to show theirs.
    let start = Instant::now();
    while run(session, "return document.hasFocus();", json!([])).await != true {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the window never got the focus"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut reached = std::collections::BTreeSet::new();
    let mut order = Vec::new();
    for _ in 0..count + 3 {
        press(session, TAB).await;
        let focused = run(
            session,
            "const n = document.activeElement;
             if (!n || n === document.body) return null;
             const s = getComputedStyle(n);
             return { kbd: n.getAttribute('data-kbd'), ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0, html: n.outerHTML.slice(0, 80) };",
            json!([]),
        )
        .await;
        if focused.is_null() {
            continue;
        }
        assert_eq!(
            focused["ring"], true,
            "no visible focus on {}",
            focused["html"]
        );
        if let Some(kbd) = focused["kbd"].as_str() {
            reached.insert(kbd.to_owned());
            order.push(kbd.to_owned());
        }
    }
    let missed = run(
        session,
        "return [...document.querySelectorAll('[data-kbd]')].filter((n) => !arguments[0].includes(n.getAttribute('data-kbd'))).map((n) => n.outerHTML.slice(0, 100));",
        json!([reached.iter().collect::<Vec<_>>()]),
    )
    .await;
    assert_eq!(
        reached.len(),
        count,
        "Tab reached {} of {count} controls, not {missed}; in order: {order:?}",
        reached.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn at_200_percent_nothing_overflows_the_keyboard_reaches_everything_and_dark_is_dark() {
    if !support::in_test_environment(
        "at_200_percent_nothing_overflows_the_keyboard_reaches_everything_and_dark_is_dark",
    ) {
        return;
    }
    let _one = ONE_APP.lock().await;
    // The system's dark theme, as GTK desktops set it.
    let driver = Driver::start_with(&[("GTK_THEME", OsStr::new("Adwaita:dark"))]).await;
    let session = driver.session(&demo_args()).await;

    // Whichever demo call rings first.
    session.switch_to(CARD_TITLE, Duration::from_secs(30)).await;
    until_some(&session, "#contact-name", Duration::from_secs(20)).await;
    let dark = run(
        &session,
        "return { dark: matchMedia('(prefers-color-scheme: dark)').matches, background: getComputedStyle(document.body).backgroundColor };",
        json!([]),
    )
    .await;
    assert_eq!(dark["dark"], true, "the webview is not dark: {dark}");
    assert_eq!(dark["background"], "rgb(13, 17, 23)", "{dark}");

    let spilled = overflows_at(&session, 2.0).await;
    assert!(
        spilled.is_empty(),
        "the card at 200 %:\n{}",
        spilled.join("\n")
    );
    keyboard_reaches_everything(&session).await;
    overflows_at(&session, 1.0).await;
    // Escape closes the card (it hides; the app stays in the tray), which hands the focus back.
    press(&session, ESCAPE).await;

    session.switch_to(MAIN_TITLE, Duration::from_secs(10)).await;
    until_some(&session, "#history tr", Duration::from_secs(60)).await;
    for tab in ["callbacks", "history", "day", "settings", "about"] {
        session.click(&format!("#tab-button-{tab}")).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let spilled = overflows_at(&session, 2.0).await;
        assert!(
            spilled.is_empty(),
            "the main window's {tab} at 200 %:\n{}",
            spilled.join("\n")
        );
        overflows_at(&session, 1.0).await;
    }
    session.end().await;

    // The main window from the keyboard, in an app where no card takes the focus from it (the
    // first run: nothing configured): Xvfb has no window manager to hand the focus back.
    let fresh = tempfile::tempdir().unwrap();
    let driver = Driver::start_with(&[("RINGSIDE_DATA_DIR", fresh.path().as_os_str())]).await;
    let session = driver.session(&[]).await;
    session.switch_to(MAIN_TITLE, Duration::from_secs(30)).await;
    until_some(
        &session,
        "#tab-setup:not([hidden])",
        Duration::from_secs(20),
    )
    .await;
    keyboard_reaches_everything(&session).await;
    for tab in ["settings", "callbacks", "history", "day", "about"] {
        session.click(&format!("#tab-button-{tab}")).await;
        // Settings shows the fields of the saved mode once it has read them.
        tokio::time::sleep(Duration::from_millis(1000)).await;
        keyboard_reaches_everything(&session).await;
    }
    session.end().await;
}
