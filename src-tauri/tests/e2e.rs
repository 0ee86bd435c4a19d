//! End to end: the real app (`ringside --demo`) in a real webview, driven over WebDriver
//! (`tauri-driver` + WebKitWebDriver) inside the test environment of `cargo xtask test`. A
//! ringing call opens the card with the right name, type, status and availability and a desktop
//! notification; a tag and a note typed in the card reach the sandbox's Intercom; a hostile
//! contact name renders as text.

use std::net::TcpListener;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const JANE: &str = "6762f0dd1bb69f9f2193bb83";
const HOSTILE: &str = "<img src=x onerror=alert(1)>";
const ENTER: &str = "\u{E007}";
/// The W3C WebDriver key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `tauri-driver`, stopped with SIGTERM (SIGKILL would leave WebKitWebDriver on its port).
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn tauri_driver() -> Option<String> {
    let home = std::env::var("CARGO_HOME")
        .ok()
        .or_else(|| std::env::var("HOME").ok().map(|h| format!("{h}/.cargo")))?;
    let installed = format!("{home}/bin/tauri-driver");
    if std::path::Path::new(&installed).exists() {
        return Some(installed);
    }
    Command::new("tauri-driver")
        .arg("--help")
        .output()
        .ok()
        .map(|_| "tauri-driver".to_owned())
}

/// A WebDriver session on the app.
struct Session {
    http: reqwest::Client,
    base: String,
}

impl Session {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        answer["value"].clone()
    }

    async fn get(&self, path: &str) -> Value {
        self.call(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn find(&self, css: &str) -> Option<String> {
        let found = self
            .post("/element", json!({"using": "css selector", "value": css}))
            .await;
        found[ELEMENT].as_str().map(str::to_owned)
    }

    async fn count(&self, css: &str) -> usize {
        self.post("/elements", json!({"using": "css selector", "value": css}))
            .await
            .as_array()
            .unwrap_or_else(|| panic!("cannot look for {css}"))
            .len()
    }

    async fn text(&self, css: &str) -> Option<String> {
        let id = self.find(css).await?;
        self.get(&format!("/element/{id}/text"))
            .await
            .as_str()
            .map(str::to_owned)
    }

    /// Sends `body` to the element's `action` endpoint; the card re-renders as the call moves
    /// on, so an element gone stale is looked up again.
    async fn on_element(&self, css: &str, action: &str, body: Value) {
        for _ in 0..20 {
            if let Some(id) = self.find(css).await {
                let answer = self
                    .post(&format!("/element/{id}/{action}"), body.clone())
                    .await;
                if answer.get("error").is_none() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("cannot {action} {css}");
    }

    /// Types into a field until it holds `text` (re-typing if a re-render interrupted it).
    async fn fill(&self, css: &str, text: &str) {
        for _ in 0..5 {
            self.on_element(css, "clear", json!({})).await;
            self.on_element(css, "value", json!({ "text": text })).await;
            let id = self.find(css).await;
            let value = match id {
                Some(id) => self.get(&format!("/element/{id}/property/value")).await,
                None => Value::Null,
            };
            if value == text {
                return;
            }
        }
        panic!("{css} would not hold {text:?}");
    }

    async fn click(&self, css: &str) {
        self.on_element(css, "click", json!({})).await;
    }

    /// Waits until the element's text is `expected`.
    async fn until_text(&self, css: &str, expected: &str, within: Duration) {
        let start = Instant::now();
        let mut last = None;
        while start.elapsed() < within {
            last = self.text(css).await;
            if last.as_deref() == Some(expected) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let page = self.get("/source").await;
        panic!("{css} shows {last:?}, not {expected:?}; the page: {page}");
    }
}

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
    if std::env::var_os("RINGSIDE_DESKTOP_TEST_ENV").is_none() {
        eprintln!("no test environment (run `cargo xtask test`): the webview is not driven");
        return;
    }
    let binary = tauri_driver().expect("tauri-driver is installed by `cargo xtask test`");
    let (port, native) = (free_port(), free_port());
    let child = Command::new(binary)
        .args(["--port", &port.to_string()])
        .args(["--native-port", &native.to_string()])
        .spawn()
        .unwrap();
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::new();
    let start = Instant::now();
    while http
        .get(format!("{}/status", driver.url))
        .send()
        .await
        .is_err()
    {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "tauri-driver did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let (aircall, intercom) = (free_port(), free_port());
    let args = json!([
        "--demo",
        "--demo-step-ms",
        "3500",
        "--sandbox-addrs",
        format!("127.0.0.1:{aircall},127.0.0.1:{intercom}"),
    ]);
    let created: Value = http
        .post(format!("{}/session", driver.url))
        .json(&json!({"capabilities": {"alwaysMatch": {"tauri:options": {
            "application": env!("CARGO_BIN_EXE_ringside"),
            "args": args,
        }}}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session_id = created["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no session: {created}"))
        .to_owned();
    let session = Session {
        http: http.clone(),
        base: format!("{}/session/{session_id}", driver.url),
    };

    // The first demo call rings: the card window opens on it.
    let start = Instant::now();
    'card: loop {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the card window did not open"
        );
        for handle in session
            .get("/window/handles")
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            session.post("/window", json!({"handle": handle})).await;
            if session.get("/title").await == "Ringside — call" {
                break 'card;
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
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

    http.delete(&session.base).send().await.unwrap();
}
