//! WebDriver for the end-to-end tests: `tauri-driver` (which runs WebKitWebDriver) started on
//! free ports, sessions on the real `ringside` binary, and the few element operations the tests
//! use, each retried while the UI re-renders.

#![allow(dead_code)] // Each test binary uses its own subset.

use std::ffi::OsStr;
use std::net::TcpListener;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The W3C WebDriver key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A free port on loopback.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn tauri_driver_binary() -> String {
    let home = std::env::var("CARGO_HOME")
        .ok()
        .or_else(|| std::env::var("HOME").ok().map(|h| format!("{h}/.cargo")));
    if let Some(home) = home {
        let installed = format!("{home}/bin/tauri-driver");
        if std::path::Path::new(&installed).exists() {
            return installed;
        }
    }
    "tauri-driver".to_owned()
}

/// `tauri-driver`, stopped with SIGTERM on drop (SIGKILL would leave WebKitWebDriver on its
/// port).
pub struct WebDriver {
    child: Child,
    url: String,
    http: reqwest::Client,
}

impl Drop for WebDriver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

impl WebDriver {
    /// Starts `tauri-driver` with these extra environment variables (the apps it starts
    /// inherit them) and waits until it answers.
    pub async fn start(env: &[(&str, &OsStr)]) -> WebDriver {
        let (port, native) = (free_port(), free_port());
        let child = Command::new(tauri_driver_binary())
            .args(["--port", &port.to_string()])
            .args(["--native-port", &native.to_string()])
            .envs(env.iter().copied())
            .spawn()
            .expect("tauri-driver is installed by `cargo xtask test`");
        let driver = WebDriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        let start = Instant::now();
        while driver
            .http
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
        driver
    }

    /// Starts `application` with `args` and opens a session on it.
    pub async fn session(&self, application: &str, args: &[String]) -> Session {
        let created: Value = self
            .http
            .post(format!("{}/session", self.url))
            .json(&json!({"capabilities": {"alwaysMatch": {"tauri:options": {
                "application": application,
                "args": args,
            }}}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"));
        Session {
            http: self.http.clone(),
            base: format!("{}/session/{id}", self.url),
        }
    }

    /// SIGKILLs every process under this driver that runs `application`: the app dies as in a
    /// crash or a power cut, with no chance to clean up.
    pub fn kill_app(&self, application: &str) {
        let target = std::fs::canonicalize(application).unwrap();
        let mut killed = 0;
        for pid in descendants(self.child.id()) {
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
            if exe.as_deref() == Some(target.as_path()) {
                let status = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status()
                    .unwrap();
                assert!(status.success(), "cannot kill {pid}");
                killed += 1;
            }
        }
        assert!(
            killed > 0,
            "{application} is not running under tauri-driver"
        );
    }
}

/// Every process whose ancestry includes `root`, read from `/proc`.
pub fn descendants(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|entry| {
                let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
                let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
                // `pid (comm) state ppid …`: the name may hold spaces, so read after the ')'.
                let ppid = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?;
                Some((pid, ppid.parse().ok()?))
            })
            .collect()
        })
        .unwrap_or_default();
    let mut found = vec![root];
    let mut next = 0;
    while next < found.len() {
        let parent = found[next];
        found.extend(parents.iter().filter(|(_, p)| *p == parent).map(|(c, _)| c));
        next += 1;
    }
    found.remove(0);
    found
}

/// A WebDriver session on the app.
pub struct Session {
    http: reqwest::Client,
    base: String,
}

impl Session {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        match request.send().await {
            Ok(answer) => answer.json::<Value>().await.unwrap_or_default()["value"].clone(),
            Err(e) => json!({"error": e.to_string()}),
        }
    }

    /// `GET` on the session.
    pub async fn get(&self, path: &str) -> Value {
        self.call(reqwest::Method::GET, path, None).await
    }

    /// `POST` on the session.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// Ends the session (and the app, when it still runs).
    pub async fn close(self) {
        let _ = self.http.delete(&self.base).send().await;
    }

    /// Switches to the window with this title, waiting for it to open.
    pub async fn to_window(&self, title: &str, within: Duration) {
        let start = Instant::now();
        loop {
            for handle in self
                .get("/window/handles")
                .await
                .as_array()
                .cloned()
                .unwrap_or_default()
            {
                self.post("/window", json!({ "handle": handle })).await;
                if self.get("/title").await == title {
                    return;
                }
            }
            assert!(start.elapsed() < within, "no window titled {title:?}");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// The first element matching `css`.
    pub async fn find(&self, css: &str) -> Option<String> {
        let found = self
            .post("/element", json!({"using": "css selector", "value": css}))
            .await;
        found[ELEMENT].as_str().map(str::to_owned)
    }

    /// How many elements match `css`.
    pub async fn count(&self, css: &str) -> usize {
        self.post("/elements", json!({"using": "css selector", "value": css}))
            .await
            .as_array()
            .map_or(0, Vec::len)
    }

    /// The text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> Option<String> {
        let id = self.find(css).await?;
        self.get(&format!("/element/{id}/text"))
            .await
            .as_str()
            .map(str::to_owned)
    }

    /// Sends `body` to the element's `action` endpoint; the card re-renders as the call moves
    /// on, so an element gone stale is looked up again.
    pub async fn on_element(&self, css: &str, action: &str, body: Value) {
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
    pub async fn fill(&self, css: &str, text: &str) {
        for _ in 0..5 {
            self.on_element(css, "clear", json!({})).await;
            self.on_element(css, "value", json!({ "text": text })).await;
            let value = match self.find(css).await {
                Some(id) => self.get(&format!("/element/{id}/property/value")).await,
                None => Value::Null,
            };
            if value == text {
                return;
            }
        }
        panic!("{css} would not hold {text:?}");
    }

    /// Clicks the first element matching `css`.
    pub async fn click(&self, css: &str) {
        self.on_element(css, "click", json!({})).await;
    }

    /// Clicks the first element matching `css` once, whatever the answer: for a click that
    /// ends the app, which then cannot answer.
    pub async fn click_last(&self, css: &str) {
        let id = self
            .find(css)
            .await
            .unwrap_or_else(|| panic!("no {css} to click"));
        self.post(&format!("/element/{id}/click"), json!({})).await;
    }

    /// Waits until the element's text is `expected`.
    pub async fn until_text(&self, css: &str, expected: &str, within: Duration) {
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

    /// Waits until `n` elements match `css`.
    pub async fn until_count(&self, css: &str, n: usize, within: Duration) {
        let start = Instant::now();
        while self.count(css).await != n {
            if start.elapsed() > within {
                let page = self.get("/source").await;
                panic!("{css} never matched {n} elements; the page: {page}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
