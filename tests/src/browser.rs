//! A real browser for the admin console's tests: Debian's Chromium, headless, driven over
//! WebDriver by a chromedriver this harness starts on a free port and kills when done.
//!
//! [`Browser::start`] opens a fresh profile at a window size; the methods navigate, find by
//! text or CSS, fill and submit forms, read the page's text and cookies, and take PNG
//! screenshots. Every look-up polls for a few seconds ([`PATIENCE`]) rather than sleeping, so
//! a test waits exactly as long as the page takes.
//!
//! When Chromium or chromedriver is missing or cannot start, the test fails and says how to
//! install them (`cargo xtask test` does it): a browser test is never skipped.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::cookies::Cookie;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

use crate::hubs::free_port;

/// Debian's Chromium (package `chromium`).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Debian's chromedriver (package `chromium-driver`).
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long a look-up waits for the page before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(8);

/// How to install what the browser tests need.
const INSTALL: &str = "the admin console's browser tests need Debian's Chromium and its \
                       WebDriver: `apt-get install chromium chromium-driver` (`cargo xtask test` \
                       installs them)";

/// How a browser is set up: its window and the languages it asks for.
#[derive(Debug, Clone)]
pub struct Options {
    /// The viewport's width, in CSS pixels.
    pub width: u32,
    /// The viewport's height, in CSS pixels.
    pub height: u32,
    /// The browser's languages, best first (its `Accept-Language`), e.g. `["fr-FR", "fr"]`.
    pub languages: Vec<String>,
}

impl Options {
    /// An English browser of this size.
    pub fn new(width: u32, height: u32) -> Options {
        Options {
            width,
            height,
            languages: vec!["en-US".into(), "en".into()],
        }
    }

    /// The same browser, asking for these languages.
    pub fn languages(mut self, languages: &[&str]) -> Options {
        self.languages = languages.iter().map(|l| (*l).to_owned()).collect();
        self
    }
}

/// A headless Chromium with its own chromedriver and a fresh profile. Dropping it kills both;
/// [`Browser::close`] ends the session politely first.
pub struct Browser {
    client: Option<Client>,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("driver", &self.driver.id())
            .finish()
    }
}

impl Browser {
    /// An English browser with a `width`×`height` viewport.
    pub async fn start(width: u32, height: u32) -> Browser {
        Browser::with(Options::new(width, height)).await
    }

    /// A browser set up by `options`. Fails the test, saying how to install them, when
    /// Chromium or chromedriver is missing or does not start.
    pub async fn with(options: Options) -> Browser {
        for (program, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
            assert!(
                Path::new(program).exists(),
                "{program} (Debian package {package}) is not installed; {INSTALL}"
            );
        }
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--log-level=SEVERE")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            // Its own process group, so that dropping the browser ends chromedriver and every
            // Chromium process it started, even when the test panicked mid-way.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("{CHROMEDRIVER} does not start ({e}); {INSTALL}"));
        let profile = tempfile::tempdir().expect("a profile directory");
        let mut browser = Browser {
            client: None,
            driver,
            _profile: profile,
        };
        let webdriver = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let up = http
                .get(format!("{webdriver}/status"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if up {
                break;
            }
            if let Ok(Some(status)) = browser.driver.try_wait() {
                panic!("{CHROMEDRIVER} exited at once ({status}); {INSTALL}");
            }
            assert!(
                Instant::now() < deadline,
                "{CHROMEDRIVER} did not answer on port {port} within 20 s; {INSTALL}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let capabilities = capabilities(&options, browser._profile.path());
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&webdriver)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "Chromium did not start headless under chromedriver ({e}); check that \
                     `{CHROMIUM} --headless --no-sandbox --dump-dom about:blank` works here; \
                     {INSTALL}"
                )
            });
        browser.client = Some(client);
        // A page that fits the device's width, as the console's pages do.
        browser
            .goto("data:text/html,<meta name=viewport content='width=device-width'><p>ready")
            .await;
        let inner: Value = browser
            .run("return [window.innerWidth, window.innerHeight];")
            .await;
        assert_eq!(
            (inner[0].as_u64(), inner[1].as_u64()),
            (
                Some(u64::from(options.width)),
                Some(u64::from(options.height))
            ),
            "the viewport is {inner}, not {}×{}",
            options.width,
            options.height
        );
        browser
    }

    /// The WebDriver client, for what this harness does not wrap.
    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("a WebDriver session")
    }

    /// Opens `url` and waits for its document to be loaded.
    pub async fn goto(&self, url: &str) {
        self.client()
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("the browser cannot open {url}: {e}"));
        self.loaded().await;
    }

    /// Waits until the document is complete (after a click that submits a form, say).
    pub async fn loaded(&self) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let state = self
                .client()
                .execute("return document.readyState;", vec![])
                .await;
            if matches!(state, Ok(Value::String(ref s)) if s == "complete") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the page did not finish loading: {state:?}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The address shown in the address bar.
    pub async fn url(&self) -> url::Url {
        self.client().current_url().await.expect("the current URL")
    }

    /// The page's path (and query).
    pub async fn path(&self) -> String {
        let url = self.url().await;
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// The page's title.
    pub async fn title(&self) -> String {
        self.client().title().await.expect("the page's title")
    }

    /// The page's text as a reader sees it (`document.body.innerText`).
    pub async fn text(&self) -> String {
        let text: Value = self
            .run("return document.body ? document.body.innerText : '';")
            .await;
        text.as_str().unwrap_or_default().to_owned()
    }

    /// The page's HTML as the browser parsed it.
    pub async fn html(&self) -> String {
        self.client().source().await.expect("the page's source")
    }

    /// The value of `<html lang>`.
    pub async fn lang(&self) -> String {
        let lang: Value = self.run("return document.documentElement.lang;").await;
        lang.as_str().unwrap_or_default().to_owned()
    }

    /// Waits until the page's text contains `needle`; the text.
    pub async fn wait_for_text(&self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let text = self.text().await;
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{needle:?} never showed on {}; the page says:\n{text}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Reloads the page until its text contains `needle` (for what the hub does in the
    /// background: the console has no script to refresh itself); the text.
    pub async fn reload_until_text(&self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let text = self.text().await;
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{needle:?} never showed on {} after reloading for {timeout:?}; the page says:\n{text}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
            self.client().refresh().await.expect("a reload");
            self.loaded().await;
        }
    }

    /// The first element matching the CSS selector, waited for.
    pub async fn css(&self, selector: &str) -> Element {
        self.wait_find(Locator::Css(selector), selector).await
    }

    /// Every element matching the CSS selector now (none is fine).
    pub async fn all(&self, selector: &str) -> Vec<Element> {
        self.client()
            .find_all(Locator::Css(selector))
            .await
            .unwrap_or_default()
    }

    /// How many elements match the CSS selector now.
    pub async fn count(&self, selector: &str) -> usize {
        self.all(selector).await.len()
    }

    /// The first link, button or submit input whose words contain `text`, waited for.
    pub async fn control(&self, text: &str) -> Element {
        let literal = xpath_literal(text);
        let xpath = format!(
            "//*[self::a or self::button or self::summary][contains(normalize-space(.), {literal})] \
             | //input[(@type='submit' or @type='button') and contains(@value, {literal})]"
        );
        self.wait_find(
            Locator::XPath(&xpath),
            &format!("a control saying {text:?}"),
        )
        .await
    }

    /// The first element of any kind whose own words contain `text`, waited for.
    pub async fn by_text(&self, text: &str) -> Element {
        let xpath = format!(
            "//body//*[contains(normalize-space(text()), {})]",
            xpath_literal(text)
        );
        self.wait_find(Locator::XPath(&xpath), &format!("{text:?}"))
            .await
    }

    /// Clicks the first link or button saying `text`, then waits for the page to load.
    pub async fn click(&self, text: &str) {
        let element = self.control(text).await;
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {text:?}: {e}"));
        self.loaded().await;
    }

    /// Clicks the first element matching the CSS selector, then waits for the page to load.
    pub async fn click_css(&self, selector: &str) {
        let element = self.css(selector).await;
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {selector}: {e}"));
        self.loaded().await;
    }

    /// Types `value` into the field matching the CSS selector, replacing what it held.
    pub async fn fill(&self, selector: &str, value: &str) {
        let field = self.css(selector).await;
        field.clear().await.expect("the field clears");
        field
            .send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("cannot type into {selector}: {e}"));
    }

    /// Runs a script in the page (`return …` gives its value).
    pub async fn run(&self, script: &str) -> Value {
        self.client()
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("the script failed: {e}\n{script}"))
    }

    /// Runs a script with arguments (`arguments[0]`…).
    pub async fn run_with(&self, script: &str, args: Vec<Value>) -> Value {
        self.client()
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("the script failed: {e}\n{script}"))
    }

    /// Presses Tab once (on whatever has the focus).
    pub async fn tab(&self) {
        let focused = self.client().active_element().await.expect("a focus");
        focused
            .send_keys(&fantoccini::key::Key::Tab.to_string())
            .await
            .expect("Tab");
    }

    /// What has the focus, in words: its tag, its text or value, and its `href` or `action`.
    pub async fn focused(&self) -> Focused {
        let value = self
            .run(&format!(
                "{DESCRIBE} return describe(document.activeElement);"
            ))
            .await;
        Focused::from_json(&value)
    }

    /// Presses Tab `times` times from the top of the page (one round of key actions) and
    /// returns what had the focus after each press.
    pub async fn tab_through(&self, times: usize) -> Vec<Focused> {
        self.run(&format!(
            "{DESCRIBE} window.__focused = []; \
             document.addEventListener('focusin', (e) => window.__focused.push(describe(e.target))); \
             if (document.activeElement) document.activeElement.blur();"
        ))
        .await;
        let mut keys = KeyActions::new("keyboard".into());
        let tab = char::from(fantoccini::key::Key::Tab);
        for _ in 0..times {
            keys = keys
                .then(KeyAction::Down { value: tab })
                .then(KeyAction::Up { value: tab });
        }
        self.client()
            .perform_actions(keys)
            .await
            .expect("the Tab presses");
        let list = self.run("return window.__focused;").await;
        list.as_array()
            .map(|items| items.iter().map(Focused::from_json).collect())
            .unwrap_or_default()
    }

    /// The viewport as a PNG.
    pub async fn screenshot(&self) -> Vec<u8> {
        self.client().screenshot().await.expect("a screenshot")
    }

    /// Saves the viewport as a PNG at `path`.
    pub async fn save_screenshot(&self, path: &Path) {
        let png = self.screenshot().await;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("the screenshots' folder");
        }
        std::fs::write(path, png)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }

    /// Every cookie the page's site holds, HttpOnly ones included.
    pub async fn cookies(&self) -> Vec<Cookie<'static>> {
        self.client().get_all_cookies().await.expect("the cookies")
    }

    /// The cookie called `name`, if the browser holds it.
    pub async fn cookie(&self, name: &str) -> Option<Cookie<'static>> {
        self.cookies().await.into_iter().find(|c| c.name() == name)
    }

    /// Forgets every cookie of the current site.
    pub async fn clear_cookies(&self) {
        self.client()
            .delete_all_cookies()
            .await
            .expect("the cookies are deleted");
    }

    /// Whether the page scrolls sideways (its content is wider than the viewport).
    pub async fn scrolls_sideways(&self) -> bool {
        let wide = self
            .run(
                "const d = document.documentElement; \
                 return Math.max(d.scrollWidth, document.body.scrollWidth) > d.clientWidth;",
            )
            .await;
        wide.as_bool().unwrap_or(true)
    }

    /// The elements that stick out of the viewport on the right (tag, id and classes, and how
    /// far they reach), outermost first: why a page scrolls sideways.
    pub async fn sticking_out(&self) -> Vec<String> {
        let list = self
            .run(
                "const w = document.documentElement.clientWidth; \
                 const out = []; \
                 for (const e of document.body.querySelectorAll('*')) { \
                   const r = e.getBoundingClientRect(); \
                   if (r.right <= w + 1 || r.width === 0) continue; \
                   if (e.parentElement && e.parentElement.closest('[data-wide]')) continue; \
                   e.setAttribute('data-wide', ''); \
                   const name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + \
                     [...e.classList].map(c => '.' + c).join(''); \
                   out.push(name + ' to ' + Math.round(r.right) + ' px'); \
                 } \
                 return out;",
            )
            .await;
        list.as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Ends the session (Chromium quits), then chromedriver.
    pub async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
        }
    }

    async fn wait_find(&self, locator: Locator<'_>, what: &str) -> Element {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(found) = self.client().find_all(locator).await {
                let mut shown = None;
                for element in found {
                    if element.is_displayed().await.unwrap_or(false) {
                        shown = Some(element);
                        break;
                    }
                }
                if let Some(element) = shown {
                    return element;
                }
            }
            if Instant::now() >= deadline {
                panic!(
                    "no {what} on {} after {PATIENCE:?}; the page says:\n{}",
                    self.path().await,
                    self.text().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The whole process group: chromedriver and the Chromium it started.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A script's function `describe(element)`: what [`Focused`] reads.
const DESCRIBE: &str = "const describe = (e) => e ? { \
    tag: e.tagName.toLowerCase(), \
    text: (e.innerText || e.value || e.getAttribute('aria-label') || '').trim(), \
    href: e.getAttribute('href'), \
    form: e.form ? e.form.getAttribute('action') : null, \
    in_nav: !!e.closest('nav'), \
    in_main: !!e.closest('main') } : null;";

/// What has the focus (see [`Browser::focused`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Focused {
    /// Its tag, lower case.
    pub tag: String,
    /// Its words (text, value or label).
    pub text: String,
    /// A link's `href`.
    pub href: Option<String>,
    /// The `action` of a button's form.
    pub form: Option<String>,
    /// Whether it is inside a `<nav>`.
    pub in_nav: bool,
    /// Whether it is inside `<main>`.
    pub in_main: bool,
}

impl Focused {
    fn from_json(value: &Value) -> Focused {
        Focused {
            tag: value["tag"].as_str().unwrap_or_default().to_owned(),
            text: value["text"].as_str().unwrap_or_default().to_owned(),
            href: value["href"].as_str().map(str::to_owned),
            form: value["form"].as_str().map(str::to_owned),
            in_nav: value["in_nav"].as_bool().unwrap_or(false),
            in_main: value["in_main"].as_bool().unwrap_or(false),
        }
    }
}

/// The WebDriver capabilities of a headless Chromium set up by `options`, its profile in
/// `profile`. Headless as root needs `--no-sandbox`; the rest keeps it off the network (this
/// machine has none) and quiet.
fn capabilities(options: &Options, profile: &Path) -> fantoccini::wd::Capabilities {
    let languages = options.languages.join(",");
    let args = vec![
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-quic".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--hide-scrollbars".to_owned(),
        format!("--user-data-dir={}", profile.display()),
        format!("--window-size={},{}", options.width, options.height),
        format!(
            "--lang={}",
            options
                .languages
                .first()
                .map(String::as_str)
                .unwrap_or("en-US")
        ),
    ];
    let capabilities = json!({
        "browserName": "chrome",
        "pageLoadStrategy": "normal",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": args,
            "prefs": { "intl.accept_languages": languages },
            // The viewport exactly: a headless window's size includes a frame, and no window
            // is narrower than 500 px, so a phone's width is emulated.
            "mobileEmulation": {
                "deviceMetrics": {
                    "width": options.width,
                    "height": options.height,
                    "pixelRatio": 1.0,
                    "touch": false,
                    "mobile": options.width < 600,
                },
            },
        },
    });
    match capabilities {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object"),
    }
}

/// `text` as an XPath string literal (XPath 1.0 has no escapes: quotes are joined with
/// `concat`).
fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}
