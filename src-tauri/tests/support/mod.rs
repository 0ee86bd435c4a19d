//! WebDriver helpers shared by the tests that drive the real app (`e2e.rs`, `e2e_agent.rs`,
//! `screenshots.rs`):
//! `tauri-driver` started on free ports and stopped with SIGTERM (with every process it started), and a [`Session`] on the app
//! with the few W3C WebDriver calls they need (find, type, click, wait for a text, switch
//! window, run a script, take a screenshot), and a way to kill the app as a crash would.

// Each test binary compiles this module and uses part of it.
#![allow(dead_code)]
// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::ffi::OsStr;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

/// The W3C WebDriver key of an element reference.
pub const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// The title of the card window.
pub const CARD_TITLE: &str = "Ringside — call";
/// The title of the main window.
pub const MAIN_TITLE: &str = "Ringside";

pub mod environment;

/// Whether `test`, which drives the real app over WebDriver, can run here: under CI a missing
/// part of the test environment fails it, naming the part (see [`environment`]).
pub fn in_test_environment(test: &str) -> bool {
    environment::require(test, environment::WEBDRIVER)
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `tauri-driver`, stopped with SIGTERM (SIGKILL would leave WebKitWebDriver on its port).
/// It and the apps it starts get fresh, empty per-user data and cache directories
/// (`XDG_DATA_HOME`, `XDG_CACHE_HOME`, `XDG_CONFIG_HOME`), so a test can see what they write.
pub struct Driver {
    child: Child,
    url: String,
    http: reqwest::Client,
    home: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let _ = self.child.wait();
        // A test that failed before ending its session leaves its app running (tauri-driver
        // does not stop it), and that app's card would take the focus from the next test's
        // windows at each ring: stop everything the driver started, its process group.
        let group = format!("-{pid}");
        let _ = Command::new("kill")
            .args(["-TERM", "--", &group])
            .stderr(std::process::Stdio::null())
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5)
            && Command::new("kill")
                .args(["-0", "--", &group])
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(std::process::Stdio::null())
            .status();
    }
}

fn tauri_driver() -> Option<std::path::PathBuf> {
    use environment::Lookup;
    environment::Process.program("tauri-driver")
}

impl Driver {
    /// Starts `tauri-driver` on free ports and waits until it answers.
    pub async fn start() -> Driver {
        Driver::start_with(&[]).await
    }

    /// [`Driver::start`] with these extra environment variables, which the apps it starts
    /// inherit (e.g. `RINGSIDE_DATA_DIR`).
    pub async fn start_with(env: &[(&str, &OsStr)]) -> Driver {
        let binary = tauri_driver().expect("tauri-driver is installed by `cargo xtask test`");
        let (port, native) = (free_port(), free_port());
        let home = tempfile::tempdir().unwrap();
        let child = Command::new(binary)
            .args(["--port", &port.to_string()])
            .args(["--native-port", &native.to_string()])
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .envs(env.iter().copied())
            // Its own process group, which the apps it starts join: see `Drop`.
            .process_group(0)
            .spawn()
            .unwrap();
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
            home,
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

    /// The files written so far into the per-user data, cache and config directories.
    pub fn written_per_user(&self) -> Vec<std::path::PathBuf> {
        let mut files = Vec::new();
        let mut dirs = vec![self.home.path().to_owned()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        files
    }

    /// SIGKILLs the app under this driver: it dies as in a crash or a power cut, with no chance
    /// to clean up.
    pub fn kill_app(&self) {
        let target = std::fs::canonicalize(env!("CARGO_BIN_EXE_ringside")).unwrap();
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
        assert!(killed > 0, "the app is not running under tauri-driver");
    }

    /// A session on the app (`ringside` with these arguments).
    pub async fn session(&self, args: &[String]) -> Session {
        let created: Value = self
            .http
            .post(format!("{}/session", self.url))
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
        let id = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"));
        Session {
            http: self.http.clone(),
            base: format!("{}/session/{id}", self.url),
        }
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
        // An app that died (or quit on a click) answers with an error, which the callers see.
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

    /// Ends the session (the app quits, if it still runs).
    pub async fn end(self) {
        let _ = self.http.delete(&self.base).send().await;
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
            .unwrap_or_else(|| panic!("cannot look for {css}"))
            .len()
    }

    /// The text of the first element matching `css`; a window that re-renders between finding
    /// the element and reading it (the element gone stale) is read again.
    pub async fn text(&self, css: &str) -> Option<String> {
        for _ in 0..10 {
            let id = self.find(css).await?;
            if let Some(text) = self.get(&format!("/element/{id}/text")).await.as_str() {
                return Some(text.to_owned());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
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

    /// Clicks the first element matching `css`.
    pub async fn click(&self, css: &str) {
        self.on_element(css, "click", json!({})).await;
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

    /// Clicks the first element matching `css` once, whatever the answer: for a click that
    /// ends the app, which then cannot answer.
    pub async fn click_last(&self, css: &str) {
        let id = self
            .find(css)
            .await
            .unwrap_or_else(|| panic!("no {css} to click"));
        self.post(&format!("/element/{id}/click"), json!({})).await;
    }

    /// A property of the first element matching `css` (`value`, `checked`, …), if it is there.
    pub async fn property(&self, css: &str, name: &str) -> Option<Value> {
        let id = self.find(css).await?;
        let value = self.get(&format!("/element/{id}/property/{name}")).await;
        (value.get("error").is_none()).then_some(value)
    }

    /// Chooses `value` in the `<select>` matching `select`, until the select holds it.
    ///
    /// A click on an `<option>` is not enough on its own: when the page re-renders between
    /// WebKitWebDriver's look-up of the option's place and of its tag name, the driver takes
    /// the detached option for an ordinary element and clicks at its old coordinates, which
    /// selects nothing and still answers "done".
    pub async fn choose(&self, select: &str, value: &str, within: Duration) {
        let start = Instant::now();
        loop {
            self.click(&format!("{select} option[value='{value}']"))
                .await;
            if self
                .property(select, "value")
                .await
                .as_ref()
                .and_then(Value::as_str)
                == Some(value)
            {
                return;
            }
            assert!(start.elapsed() < within, "{select} would not hold {value}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the first element matching `css` (a checkbox, a radio button, an option)
    /// is selected.
    pub async fn until_selected(&self, css: &str, within: Duration) {
        let start = Instant::now();
        loop {
            if let Some(id) = self.find(css).await {
                if self.get(&format!("/element/{id}/selected")).await == true {
                    return;
                }
            }
            assert!(start.elapsed() < within, "{css} never got selected");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
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

    /// Switches to the window with this title, waiting for it to open.
    pub async fn switch_to(&self, title: &str, within: Duration) {
        let start = Instant::now();
        loop {
            for handle in self
                .get("/window/handles")
                .await
                .as_array()
                .cloned()
                .unwrap_or_default()
            {
                self.post("/window", json!({"handle": handle})).await;
                if self.get("/title").await == title {
                    return;
                }
            }
            assert!(
                start.elapsed() < within,
                "no window titled {title:?} opened"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Runs an async script in the current window (its last argument is the callback).
    pub async fn execute_async(&self, script: &str, args: Value) -> Value {
        self.post("/execute/async", json!({"script": script, "args": args}))
            .await
    }

    /// Saves a PNG of the current window's page.
    pub async fn screenshot(&self, path: &Path) {
        let encoded = self.get("/screenshot").await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().expect("a screenshot"))
            .expect("the screenshot is base64");
        std::fs::write(path, png).unwrap();
    }
}
