//! `GET /metrics` end to end: a hub in process against the sandbox, scraped over HTTP before
//! and after what an admin would watch (a call that rings, is answered and ends, webhooks
//! refused, a 429 from Intercom, Intercom failing, retention, contact sync), each counter
//! checked to have moved by exactly what happened. The text is parsed as OpenMetrics by the
//! small parser below, which fails on any line it cannot read. The Grafana dashboard and the
//! Prometheus alert rules in `packaging/` are checked against a real scrape, so that neither can
//! name a metric the hub does not serve.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::Duration;

use ringside_core::aircall::Call;
use ringside_core::card::system_clock;
use ringside_core::hub::{Hub, HubConfig, HubLimits, SyncSchedule};
use ringside_core::metrics::endpoint_template;
use ringside_core::rules::Settings;
use ringside_core::store::Store;
use ringside_sandbox::aircall::NewCall;
use ringside_sandbox::Api;
use ringside_tests::demo::AIRCALL_BOB;
use ringside_tests::hubs::{hub_config, settle, start_hub, until, WEBHOOK_TOKEN};
use ringside_tests::stream::EventStream;
use ringside_tests::{sync_options, TestApp};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Reading the exposition.

/// One scrape: every sample by its series (`name{k="v",…}`, labels sorted), and every family's
/// type by its name.
#[derive(Debug, Clone)]
struct Scrape {
    samples: BTreeMap<String, f64>,
    families: BTreeMap<String, String>,
    text: String,
}

/// A sample line's parts: its name, its labels, its value.
type Sample = (String, BTreeMap<String, String>, f64);

impl Scrape {
    /// Parses OpenMetrics text, panicking on the first line that is not well formed: a
    /// sample before its family's `# TYPE`, a name that is not its family's (with the suffix
    /// its type allows), a bad label or value, histogram buckets that go down or disagree with
    /// their count, or anything after (or no) `# EOF`.
    fn parse(text: &str) -> Scrape {
        let mut samples = BTreeMap::new();
        let mut families: BTreeMap<String, String> = BTreeMap::new();
        let mut buckets: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.last(), Some(&"# EOF"), "the text must end with # EOF");
        for (n, line) in lines[..lines.len() - 1].iter().enumerate() {
            let at = || format!("line {}: {line:?}", n + 1);
            if let Some(rest) = line.strip_prefix("# ") {
                let mut words = rest.splitn(3, ' ');
                let (keyword, name) = (
                    words.next().unwrap(),
                    words.next().unwrap_or_else(|| panic!("{}", at())),
                );
                assert!(is_name(name), "a bad family name, {}", at());
                match keyword {
                    "TYPE" => {
                        let kind = words.next().unwrap_or_else(|| panic!("{}", at()));
                        assert!(
                            ["counter", "gauge", "histogram", "info", "unknown"].contains(&kind),
                            "an unknown type, {}",
                            at()
                        );
                        assert!(
                            families.insert(name.to_owned(), kind.to_owned()).is_none(),
                            "a family declared twice, {}",
                            at()
                        );
                    }
                    "HELP" | "UNIT" => {}
                    _ => panic!("an unknown comment, {}", at()),
                }
                continue;
            }
            let (name, labels, value) = sample(line).unwrap_or_else(|| panic!("{}", at()));
            let (family, kind) = families
                .iter()
                .filter(|(f, _)| name.starts_with(f.as_str()))
                .max_by_key(|(f, _)| f.len())
                .unwrap_or_else(|| panic!("a sample without its # TYPE, {}", at()));
            let suffix = &name[family.len()..];
            let allowed: &[&str] = match kind.as_str() {
                "counter" => &["_total", "_created"],
                "histogram" => &["_bucket", "_count", "_sum", "_created"],
                "info" => &["_info"],
                _ => &[""],
            };
            assert!(
                allowed.contains(&suffix),
                "{name} does not belong to its {kind} {family}, {}",
                at()
            );
            if suffix == "_bucket" {
                let le = labels.get("le").expect("a bucket's le");
                let le = if le == "+Inf" {
                    f64::INFINITY
                } else {
                    le.parse().unwrap()
                };
                let mut rest = labels.clone();
                rest.remove("le");
                buckets
                    .entry(series(family, &rest))
                    .or_default()
                    .push((le, value));
            }
            let key = series(&name, &labels);
            assert!(
                samples.insert(key, value).is_none(),
                "a series twice, {}",
                at()
            );
        }
        for (histogram, counts) in &buckets {
            assert!(
                counts
                    .windows(2)
                    .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1),
                "{histogram}: buckets out of order or going down: {counts:?}"
            );
            let (le, total) = counts.last().unwrap();
            assert!(le.is_infinite(), "{histogram}: no +Inf bucket");
            let count = histogram.replacen('{', "_count{", 1);
            let count = if count == *histogram {
                format!("{histogram}_count")
            } else {
                count
            };
            assert_eq!(
                samples.get(&count),
                Some(total),
                "{histogram}: +Inf ≠ count"
            );
        }
        Scrape {
            samples,
            families,
            text: text.to_owned(),
        }
    }

    /// The sum of the samples named `name` whose labels include every one of `labels`.
    fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples
            .iter()
            .filter(|(key, _)| {
                let (n, rest) = key.split_once('{').unwrap_or((key.as_str(), ""));
                n == name
                    && labels
                        .iter()
                        .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")))
            })
            .map(|(_, v)| v)
            .sum()
    }

    /// Whether a sample of exactly this series is there.
    fn has(&self, name: &str, labels: &[(&str, &str)]) -> bool {
        let labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.samples.contains_key(&series(name, &labels))
    }

    /// Every name a query may use: each sample's, and each family's with its type's suffixes
    /// (an empty family is still served, and a query over it is valid).
    fn names(&self) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = self
            .samples
            .keys()
            .map(|k| k.split('{').next().unwrap().to_owned())
            .collect();
        for (family, kind) in &self.families {
            let suffixes: &[&str] = match kind.as_str() {
                "counter" => &["_total"],
                "histogram" => &["_bucket", "_count", "_sum"],
                "info" => &["_info"],
                _ => &[""],
            };
            names.extend(suffixes.iter().map(|s| format!("{family}{s}")));
        }
        names
    }
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn series(name: &str, labels: &BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        return name.to_owned();
    }
    let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{name}{{{}}}", pairs.join(","))
}

/// `name{k="v",…} value`: `None` when the line is anything else.
fn sample(line: &str) -> Option<Sample> {
    let end = line.find(['{', ' '])?;
    let name = &line[..end];
    if !is_name(name) {
        return None;
    }
    let mut labels = BTreeMap::new();
    let mut rest = &line[end..];
    if let Some(mut inner) = rest.strip_prefix('{') {
        loop {
            if let Some(after) = inner.strip_prefix('}') {
                rest = after;
                break;
            }
            let (key, tail) = inner.split_once("=\"")?;
            if !is_name(key) {
                return None;
            }
            let mut value = String::new();
            let mut chars = tail.char_indices();
            let close = loop {
                match chars.next()? {
                    (_, '\\') => match chars.next()? {
                        (_, 'n') => value.push('\n'),
                        (_, c) => value.push(c),
                    },
                    (i, '"') => break i,
                    (_, c) => value.push(c),
                }
            };
            labels.insert(key.to_owned(), value);
            inner = &tail[close + 1..];
            inner = inner.strip_prefix(',').unwrap_or(inner);
        }
    }
    let value = rest.strip_prefix(' ')?;
    let value = value.split(' ').next()?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().ok()?,
    };
    Some((name.to_owned(), labels, value))
}

// ---------------------------------------------------------------------------------------------
// Talking to the hub.

async fn get_metrics(addr: SocketAddr, token: Option<&str>) -> reqwest::Response {
    let request = reqwest::Client::new().get(format!("http://{addr}/metrics"));
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    request.send().await.unwrap()
}

async fn scrape(addr: SocketAddr, admin: &str) -> Scrape {
    let response = get_metrics(addr, Some(admin)).await;
    assert_eq!(response.status(), 200);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        kind.starts_with("application/openmetrics-text; version=1.0.0"),
        "{kind}"
    );
    Scrape::parse(&response.text().await.unwrap())
}

/// Scrapes until `check` holds (every 50 ms, for ten seconds at most); the last scrape.
async fn scrape_until(
    addr: SocketAddr,
    admin: &str,
    what: &str,
    check: impl Fn(&Scrape) -> bool,
) -> Scrape {
    for _ in 0..200 {
        let now = scrape(addr, admin).await;
        if check(&now) {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn webhook(addr: SocketAddr, body: &Value) -> u16 {
    reqwest::Client::new()
        .post(format!("http://{addr}/webhooks/aircall"))
        .json(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn envelope(event: &str, call: &Call, token: &str) -> Value {
    json!({"resource": "call", "event": event, "timestamp": 1_700_000_000, "token": token, "data": call})
}

/// Jane calls line 2201 now; the hub is told it rang. Returns the call's id.
async fn ring(app: &TestApp, addr: SocketAddr) -> u64 {
    let id = app
        .sandbox
        .add_call(NewCall {
            raw_digits: "+33 7 62 04 35 75".into(),
            number_id: Some(2201),
            started_at: Some(system_clock()()),
            ..NewCall::default()
        })
        .unwrap();
    let call = app.aircall().call(id).await.unwrap();
    assert_eq!(
        webhook(addr, &envelope("call.created", &call, WEBHOOK_TOKEN)).await,
        200
    );
    id
}

/// Bob answers the call, then it ends; the hub is told of each.
async fn answer_and_end(app: &TestApp, addr: SocketAddr, id: u64) {
    let now = system_clock()();
    app.sandbox
        .update_call(id, |c| {
            c.status = "answered".into();
            c.user_id = Some(AIRCALL_BOB);
            c.answered_at = Some(now);
        })
        .unwrap();
    let call = app.aircall().call(id).await.unwrap();
    assert_eq!(
        webhook(addr, &envelope("call.answered", &call, WEBHOOK_TOKEN)).await,
        200
    );
    app.sandbox
        .update_call(id, |c| {
            c.status = "done".into();
            c.ended_at = Some(now + 30);
        })
        .unwrap();
    let call = app.aircall().call(id).await.unwrap();
    assert_eq!(
        webhook(addr, &envelope("call.ended", &call, WEBHOOK_TOKEN)).await,
        200
    );
}

/// The sandbox's requests of one vendor, by (method, endpoint template, status).
fn requests_seen(app: &TestApp, api: Api) -> BTreeMap<(String, String, String), f64> {
    let log = match api {
        Api::Intercom => app.sandbox.intercom().requests(),
        Api::Aircall => app.sandbox.aircall().requests(),
    };
    let mut seen = BTreeMap::new();
    for r in log {
        let status = match r.status {
            0 => "network".to_owned(),
            s => s.to_string(),
        };
        *seen
            .entry((r.method, endpoint_template(&r.path), status))
            .or_insert(0.0) += 1.0;
    }
    seen
}

/// The hub's counted requests of one vendor, by (method, endpoint, status).
fn requests_counted(scrape: &Scrape, vendor: &str) -> BTreeMap<(String, String, String), f64> {
    let mut counted = BTreeMap::new();
    for (key, value) in &scrape.samples {
        let Some(labels) = key.strip_prefix("ringside_vendor_requests_total{") else {
            continue;
        };
        let label = |k: &str| {
            let start = labels.find(&format!("{k}=\"")).unwrap() + k.len() + 2;
            labels[start..start + labels[start..].find('"').unwrap()].to_owned()
        };
        if label("vendor") == vendor {
            counted.insert(
                (label("method"), label("endpoint"), label("status")),
                *value,
            );
        }
    }
    counted
}

fn agents(hub: &Hub) -> (String, String) {
    let admin = hub.store().add_agent_with("boss@acme.io", true, 0).unwrap();
    let agent = hub.store().add_agent("bob@acme.io", 0).unwrap();
    (admin.expose().to_owned(), agent.expose().to_owned())
}

// ---------------------------------------------------------------------------------------------
// The tests.

#[tokio::test(flavor = "multi_thread")]
async fn the_metrics_are_for_an_admin_token_only() {
    let app = TestApp::demo().await;
    let hub = start_hub(&app, Settings::default()).await;
    let (admin, agent) = agents(&hub);
    let addr = hub.local_addr();
    assert_eq!(get_metrics(addr, None).await.status(), 401);
    let refused = get_metrics(addr, Some(&agent)).await;
    assert_eq!(refused.status(), 403);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "forbidden");
    assert_eq!(get_metrics(addr, Some("not-a-token")).await.status(), 401);
    let served = scrape(addr, &admin).await;
    assert!(served.has(
        "ringside_build_info",
        &[("version", env!("CARGO_PKG_VERSION"))]
    ));
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_moves_each_counter_by_what_happened() {
    let app = TestApp::demo().await;
    let hub = start_hub(&app, Settings::default()).await;
    let (admin, _) = agents(&hub);
    let addr = hub.local_addr();
    // The hub's first reads of Intercom (admins, workspace) are done before the scenario.
    settle(hub.store(), Duration::from_secs(10)).await;
    let before = scrape(addr, &admin).await;
    assert_eq!(before.sum("ringside_streams_open", &[]), 0.0);

    let mut stream = EventStream::open(addr, &admin).await;
    scrape_until(addr, &admin, "the stream to count", |s| {
        s.sum("ringside_streams_open", &[]) == 1.0
    })
    .await;
    // Intercom refuses the next request it gets with a 429: the hub waits and tries again.
    app.sandbox
        .faults()
        .rate_limit_next(Api::Intercom, 1, Duration::from_secs(1));
    let id = ring(&app, addr).await;
    stream.cards_ready(&[id]).await;
    answer_and_end(&app, addr, id).await;
    // Two webhooks refused: a wrong token, and a body that is not JSON.
    let call = app.aircall().call(id).await.unwrap();
    assert_eq!(
        webhook(addr, &envelope("call.ended", &call, "wrong-token")).await,
        401
    );
    let not_json = reqwest::Client::new()
        .post(format!("http://{addr}/webhooks/aircall"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    settle(hub.store(), Duration::from_secs(30)).await;
    let after = scrape(addr, &admin).await;

    let moved =
        |name: &str, labels: &[(&str, &str)]| after.sum(name, labels) - before.sum(name, labels);
    let aircall = [("source", "aircall")];
    assert_eq!(moved("ringside_webhooks_accepted_total", &aircall), 3.0);
    assert_eq!(
        moved(
            "ringside_webhooks_refused_total",
            &[("source", "aircall"), ("reason", "unauthorized")]
        ),
        1.0
    );
    assert_eq!(
        moved(
            "ringside_webhooks_refused_total",
            &[("source", "aircall"), ("reason", "bad_webhook")]
        ),
        1.0
    );
    assert_eq!(
        moved(
            "ringside_webhooks_accepted_total",
            &[("source", "intercom")]
        ),
        0.0
    );
    // One ring, one card.
    assert_eq!(moved("ringside_ring_to_card_seconds_count", &[]), 1.0);
    assert!(moved("ringside_ring_to_card_seconds_sum", &[]) > 0.0);
    // The one 429, counted once as such and once among the requests.
    let intercom = [("vendor", "intercom")];
    assert_eq!(moved("ringside_vendor_rate_limited_total", &intercom), 1.0);
    assert_eq!(
        moved(
            "ringside_vendor_requests_total",
            &[("vendor", "intercom"), ("status", "429")]
        ),
        1.0
    );
    assert_eq!(
        moved(
            "ringside_vendor_rate_limited_total",
            &[("vendor", "aircall")]
        ),
        0.0
    );
    // The card and the conversation, each done once; every effect of the call done.
    let done = |kind: &'static str| {
        moved(
            "ringside_effects_total",
            &[("kind", kind), ("outcome", "done")],
        )
    };
    assert_eq!(done("push_insight_card"), 1.0);
    assert_eq!(done("start_conversation"), 1.0);
    let effects = hub.store().rows().unwrap().outbox as f64;
    assert_eq!(
        moved("ringside_effects_total", &[("outcome", "done")]),
        effects
    );
    assert_eq!(
        moved("ringside_effects_total", &[("outcome", "failed")]),
        0.0
    );
    // Nothing waits any more.
    assert_eq!(after.sum("ringside_inbox_depth", &[]), 0.0);
    for lane in ["interactive", "logging"] {
        assert!(after.has("ringside_outbox_depth", &[("lane", lane)]));
        assert_eq!(after.sum("ringside_outbox_depth", &[("lane", lane)]), 0.0);
    }
    assert_eq!(after.sum("ringside_streams_open", &[]), 1.0);

    // Every request the hub sent, by endpoint and status, is what the sandbox received (for
    // Aircall, less the test's own three reads of the call before each webhook and the one
    // for the refused webhook).
    let settled = scrape_until(
        addr,
        &admin,
        "the hub's requests to match the sandbox's",
        |s| requests_counted(s, "intercom") == requests_seen(&app, Api::Intercom),
    )
    .await;
    let mut aircall_seen = requests_seen(&app, Api::Aircall);
    let own = (
        "GET".to_owned(),
        "/v1/calls/{id}".to_owned(),
        "200".to_owned(),
    );
    *aircall_seen.get_mut(&own).unwrap() -= 4.0;
    aircall_seen.retain(|_, n| *n > 0.0);
    assert_eq!(requests_counted(&settled, "aircall"), aircall_seen);
    // The card went to Aircall's phone app under its route, not its call's id.
    assert!(
        settled.sum(
            "ringside_vendor_requests_total",
            &[
                ("vendor", "aircall"),
                ("endpoint", "/v1/calls/{id}/insight_cards")
            ]
        ) >= 1.0
    );
    assert!(
        !settled.text.contains(&id.to_string()),
        "a call id is in a label"
    );
    // Each request's time is in the histogram.
    assert_eq!(
        settled.sum("ringside_vendor_request_duration_seconds_count", &intercom),
        settled.sum("ringside_vendor_requests_total", &intercom)
    );
    drop(stream);
    scrape_until(addr, &admin, "the stream to close", |s| {
        s.sum("ringside_streams_open", &[]) == 0.0
    })
    .await;
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_intercom_shows_as_retried_effects_and_a_waiting_outbox() {
    let app = TestApp::demo().await;
    let hub = start_hub(&app, Settings::default()).await;
    let (admin, _) = agents(&hub);
    let addr = hub.local_addr();
    settle(hub.store(), Duration::from_secs(10)).await;
    app.sandbox.faults().fail_next(Api::Intercom, 100_000, 503);
    let id = ring(&app, addr).await;
    answer_and_end(&app, addr, id).await;
    let failing = scrape_until(
        addr,
        &admin,
        "an effect retried and the outbox waiting",
        |s| {
            s.sum("ringside_effects_total", &[("outcome", "retried")]) >= 1.0
                && s.sum("ringside_outbox_depth", &[("lane", "logging")]) >= 1.0
        },
    )
    .await;
    assert!(
        failing.sum(
            "ringside_vendor_requests_total",
            &[("vendor", "intercom"), ("status", "503")]
        ) >= 1.0
    );
    assert_eq!(
        failing.sum("ringside_effects_total", &[("outcome", "failed")]),
        0.0
    );
    // Intercom heals: the outbox empties.
    app.sandbox.faults().clear();
    settle(hub.store(), Duration::from_secs(30)).await;
    let healed = scrape(addr, &admin).await;
    assert_eq!(healed.sum("ringside_outbox_depth", &[]), 0.0);
    assert!(
        healed.sum(
            "ringside_effects_total",
            &[("kind", "start_conversation"), ("outcome", "done")]
        ) >= 1.0
    );
    hub.shutdown().await;
}

/// The demo hub's configuration with an in-memory store.
fn config(app: &TestApp) -> HubConfig {
    hub_config(app, Settings::default(), Store::open_in_memory().unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn retention_counts_what_it_deletes_and_the_metrics_listener_needs_no_token() {
    let app = TestApp::demo().await;
    let limits = HubLimits {
        retention: Duration::ZERO,
        prune_every: Duration::from_millis(200),
        ..HubLimits::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hub = Hub::start_with(config(&app), limits, listener)
        .await
        .unwrap();
    let (admin, _) = agents(&hub);
    let addr = hub.local_addr();
    let id = ring(&app, addr).await;
    answer_and_end(&app, addr, id).await;
    settle(hub.store(), Duration::from_secs(30)).await;
    // Everything finished goes once it is a second old.
    until(
        "retention to empty the outbox",
        Duration::from_secs(10),
        || hub.store().rows().unwrap().outbox == 0,
    )
    .await;
    let after = scrape(addr, &admin).await;
    assert_eq!(
        after.sum("ringside_pruned_rows_total", &[("table", "outbox")]),
        after.sum("ringside_effects_total", &[("outcome", "done")])
    );
    assert!(after.sum("ringside_pruned_rows_total", &[("table", "inbox")]) >= 3.0);

    // The metrics' own listener: no token, and nothing else served there.
    let own = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics_addr = hub.serve_metrics(own).unwrap();
    let open = get_metrics(metrics_addr, None).await;
    assert_eq!(open.status(), 200);
    let open = Scrape::parse(&open.text().await.unwrap());
    assert_eq!(
        open.sum("ringside_webhooks_accepted_total", &[("source", "aircall")]),
        3.0
    );
    let health = reqwest::get(format!("http://{metrics_addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), 404);
    // It stops with the hub.
    hub.shutdown().await;
    let gone = reqwest::Client::new()
        .get(format!("http://{metrics_addr}/metrics"))
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(gone.is_err(), "the metrics listener outlived its hub");
}

#[tokio::test(flavor = "multi_thread")]
async fn contact_sync_shows_its_progress_and_how_its_last_run_ended() {
    let app = TestApp::demo().await;
    let config = HubConfig {
        sync: Some(SyncSchedule {
            options: sync_options(),
            interval: Duration::from_secs(3600),
        }),
        ..config(&app)
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hub = Hub::start(config, listener).await.unwrap();
    let (admin, _) = agents(&hub);
    let done = scrape_until(
        hub.local_addr(),
        &admin,
        "the first sync run to finish",
        |s| s.sum("ringside_sync_last_run_finished", &[]) == 1.0,
    )
    .await;
    let contacts = app.sandbox.intercom().contacts().len() as f64;
    assert_eq!(done.sum("ringside_sync_contacts_seen", &[]), contacts);
    assert!(done.sum("ringside_sync_contacts_written", &[]) > 0.0);
    assert_eq!(done.sum("ringside_sync_running", &[]), 0.0);
    hub.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// The dashboard and the alert rules.

/// Every `ringside_…` name in a query.
fn names_in(query: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = query;
    while let Some(at) = rest.find("ringside_") {
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        names.insert(tail[..end].to_owned());
        rest = &tail[end..];
    }
    names
}

/// Whether a query's brackets pair up.
fn balanced(query: &str) -> bool {
    let mut open = Vec::new();
    let mut quoted = false;
    for c in query.chars() {
        match c {
            '"' => quoted = !quoted,
            _ if quoted => {}
            '(' | '[' | '{' => open.push(c),
            ')' | ']' | '}' => {
                let want = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if open.pop() != Some(want) {
                    return false;
                }
            }
            _ => {}
        }
    }
    open.is_empty() && !quoted
}

/// A hub's full scrape: every family, with series for the labelled ones.
async fn served_names(app: &TestApp) -> (BTreeSet<String>, BTreeSet<String>) {
    let hub = start_hub(app, Settings::default()).await;
    let (admin, _) = agents(&hub);
    // A 429, so that the rate limit's family has a series.
    app.sandbox
        .faults()
        .rate_limit_next(Api::Intercom, 1, Duration::from_secs(1));
    let id = ring(app, hub.local_addr()).await;
    answer_and_end(app, hub.local_addr(), id).await;
    settle(hub.store(), Duration::from_secs(30)).await;
    let served = scrape(hub.local_addr(), &admin).await;
    hub.shutdown().await;
    let families = served.families.keys().cloned().collect();
    (served.names(), families)
}

fn packaging(path: &str) -> String {
    let file = ringside_tests::workspace_root()
        .join("packaging")
        .join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// Every `expr` of a dashboard's panels (rows' nested panels included), with its panel's title.
fn panel_queries(panels: &Value, out: &mut Vec<(String, String)>) {
    for panel in panels.as_array().into_iter().flatten() {
        let title = panel["title"].as_str().unwrap_or_default().to_owned();
        for target in panel["targets"].as_array().into_iter().flatten() {
            if let Some(expr) = target["expr"].as_str() {
                out.push((title.clone(), expr.to_owned()));
            }
        }
        panel_queries(&panel["panels"], out);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_and_the_alert_rules_name_only_what_the_hub_serves() {
    let app = TestApp::demo().await;
    let (served, families) = served_names(&app).await;

    // The dashboard: Grafana's JSON, its data source a variable, every query over served
    // names, and every family the hub serves on some panel.
    let dashboard: Value = serde_json::from_str(&packaging("grafana/ringside-hub.json")).unwrap();
    assert!(dashboard["title"].is_string() && dashboard["uid"].is_string());
    assert!(dashboard["schemaVersion"].as_u64().unwrap() >= 36);
    let variables = dashboard["templating"]["list"].as_array().unwrap();
    let source = variables
        .iter()
        .find(|v| v["type"] == "datasource" && v["query"] == "prometheus")
        .expect("a Prometheus data source variable");
    let source_ref = format!("${{{}}}", source["name"].as_str().unwrap());
    let mut queries = Vec::new();
    panel_queries(&dashboard["panels"], &mut queries);
    assert!(queries.len() >= 10, "only {} queries", queries.len());
    let mut used = BTreeSet::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        if panel["type"] != "row" {
            assert_eq!(
                panel["datasource"]["uid"], source_ref,
                "panel {} does not use the data source variable",
                panel["title"]
            );
        }
    }
    for (title, query) in &queries {
        assert!(balanced(query), "{title}: unbalanced brackets in {query}");
        let names = names_in(query);
        assert!(!names.is_empty(), "{title}: no ringside metric in {query}");
        for name in names {
            assert!(served.contains(&name), "{title}: {name} is not served");
            used.insert(name);
        }
    }
    for family in &families {
        assert!(
            used.iter().any(|name| name.starts_with(family.as_str())),
            "{family} is on no panel of the dashboard"
        );
    }

    // The alert rules: YAML in Prometheus' rule-file shape, the three alerts, each query over
    // served names.
    let text = packaging("prometheus/ringside-alerts.yml");
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).unwrap();
    assert_eq!(docs.len(), 1);
    let groups = docs[0]["groups"].as_vec().expect("groups");
    let mut alerts = BTreeSet::new();
    for group in groups {
        assert!(group["name"].as_str().is_some());
        for rule in group["rules"].as_vec().expect("rules") {
            let name = rule["alert"].as_str().expect("an alert's name");
            let expr = rule["expr"].as_str().expect("an alert's expr");
            assert!(rule["for"].as_str().is_some(), "{name}: no `for`");
            assert!(
                rule["labels"]["severity"].as_str().is_some(),
                "{name}: no severity"
            );
            assert!(
                rule["annotations"]["summary"].as_str().is_some(),
                "{name}: no summary"
            );
            assert!(balanced(expr), "{name}: unbalanced brackets in {expr}");
            for metric in names_in(expr) {
                assert!(served.contains(&metric), "{name}: {metric} is not served");
            }
            alerts.insert(name.to_owned());
        }
    }
    assert_eq!(
        alerts,
        BTreeSet::from([
            "RingsideNoAircallWebhooks".to_owned(),
            "RingsideEffectsFailing".to_owned(),
            "RingsideOutboxGrowing".to_owned(),
        ])
    );
}
