//! The admin console's speed with 100,000 calls in the store: server time per page, p50 and
//! p99. (Written with the console's Reports page.)
//!
//! The store is seeded straight into the database file, in one transaction, before the hub
//! opens it: 100,000 calls and 20,000 messages over 90 days for 200 agents on 20 lines, with
//! their searchable columns, their effects (2% failed) and the webhooks that made them, 30,000
//! contacts and 200 agents. A hub starts on it against the sandbox, an admin token is added,
//! and each page of [`pages`] is asked for several hundred times by 4 clients at once; the
//! figures are the hub's own time for each answer (`Server-Timing: app;dur=<ms>`), not the
//! round trip.
//!
//! Run with `cargo xtask bench` or `cargo bench -p ringside-tests --bench console` (release).
//! Without `--bench` it runs small (2,000 calls, a few requests a page), as a smoke test. It
//! prints figures and asserts nothing timed.

// Benchmark code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use ringside_core::domain::effect::Effect;
use ringside_core::domain::memory::{CallMemory, MessageMemory};
use ringside_core::domain::subject::Progress;
use ringside_core::hub::{Hub, HubLimits};
use ringside_core::rules::Settings;
use ringside_core::store::{Store, DB_FILE};
use ringside_sandbox::scenario::Lcg;
use ringside_tests::hubs::hub_config;
use ringside_tests::TestApp;
use rusqlite::params;
use serde_json::json;

/// How much data and how many requests.
#[derive(Debug, Clone, Copy)]
struct Size {
    calls: usize,
    messages: usize,
    contacts: usize,
    agents: usize,
    lines: usize,
    /// Requests per page, measured.
    requests: usize,
    /// Clients asking at once.
    clients: usize,
}

/// Days the seeded calls spread over, back from now.
const DAYS: i64 = 90;

/// The server-time budget of a page, in milliseconds.
const BUDGET_MS: f64 = 50.0;

/// What the seeded store holds that the pages' addresses need.
#[derive(Debug, Clone)]
struct Sample {
    /// A customer's number with several calls.
    phone: String,
    /// A busy agent.
    agent: String,
    /// A call whose logging failed.
    failed_call: String,
}

/// The pages measured, by name, in one place: the Calls page's addresses follow its search
/// form's fields (`number`, `agent`, `state`), and its next page is the link the first page
/// gives (added by [`measure_all`] when the page has one).
fn pages(sample: &Sample) -> Vec<(String, String)> {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    [
        ("Overview", "/admin".to_owned()),
        ("Calls", "/admin/calls".to_owned()),
        (
            "Calls by number",
            format!("/admin/calls?number={}", enc(&sample.phone)),
        ),
        (
            "Calls by agent",
            format!("/admin/calls?agent={}", enc(&sample.agent)),
        ),
        ("Calls failed", "/admin/calls?state=failed".to_owned()),
        (
            "Call detail",
            format!("/admin/calls/call/{}", sample.failed_call),
        ),
        ("Agents", "/admin/agents".to_owned()),
        ("Sync", "/admin/sync".to_owned()),
        ("Settings", "/admin/settings".to_owned()),
        ("Reports", "/admin/reports".to_owned()),
        ("Reports CSV", "/admin/reports.csv".to_owned()),
    ]
    .into_iter()
    .map(|(name, path)| (name.to_owned(), path))
    .collect()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A customer's number, E.164.
fn customer(n: usize) -> String {
    format!("+336{:08}", 10_000_000 + n)
}

fn agent_email(n: usize) -> String {
    format!("agent{n:03}@acme.io")
}

fn line_name(n: usize) -> String {
    format!("Line {n:02}")
}

/// Seeds the database in `dir` (its schema made by the store, then closed) in one transaction.
fn seed(dir: &std::path::Path, size: Size) -> Sample {
    drop(Store::open(dir).unwrap());
    let started = Instant::now();
    let mut conn = rusqlite::Connection::open(dir.join(DB_FILE)).unwrap();
    conn.pragma_update(None, "synchronous", "OFF").unwrap();
    let tx = conn.transaction().unwrap();
    let mut rng = Lcg::new(20_261_207);
    let now = now();
    let span = DAYS * 86_400 - 3_600;
    let customers = (size.calls / 3).max(10);
    let call_memory = serde_json::to_string(&CallMemory::default()).unwrap();
    let message_memory = serde_json::to_string(&MessageMemory::default()).unwrap();
    let over = Progress::Over.as_i64();
    let mut sample_phone_calls = (0usize, String::new());
    let mut calls_of = vec![0usize; customers];
    let mut failed_call = None;
    {
        let mut subject = tx
            .prepare(
                "INSERT INTO subjects (kind, id, snapshot, rank, event_time, memory, status, reason,
                     contact_id, conversation_id, created_at, updated_at, started_at, phone,
                     direction, answered, agent_email, line, duration, contact_name, channel)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13, ?14, ?15,
                     ?16, ?17, ?18, ?19, ?20)",
            )
            .unwrap();
        let mut effect = tx
            .prepare(
                "INSERT INTO outbox (key, subject_kind, subject_id, lane, stage, effect, state,
                     attempts, next_attempt_at, started_at, last_error, created_at, done_at)
                 VALUES (?1, ?2, ?3, 'logging', ?4, ?5, ?6, ?7, 0, ?8, ?9, ?8, ?10)",
            )
            .unwrap();
        let mut webhook = tx
            .prepare(
                "INSERT INTO inbox (received_at, event, body, state, processed_at)
                 VALUES (?1, ?2, ?3, 'processed', ?1)",
            )
            .unwrap();
        for i in 0..size.calls {
            let id = (10_000_000 + i).to_string();
            let started_at =
                now - span + (i as i64 * span / size.calls as i64) + rng.below(600) as i64;
            let who = rng.below(customers);
            calls_of[who] += 1;
            if calls_of[who] > sample_phone_calls.0 {
                sample_phone_calls = (calls_of[who], customer(who));
            }
            let phone = customer(who);
            let inbound = rng.below(10) < 7;
            let answered = !inbound || rng.below(10) < 8;
            let agent = answered.then(|| rng.below(size.agents));
            let line = rng.below(size.lines);
            let talk = answered.then(|| 30 + rng.below(870) as i64);
            let answered_at = answered.then_some(started_at + 8);
            let ended_at = started_at + 8 + talk.unwrap_or(20);
            let status = match rng.below(100) {
                0..=1 => "failed",
                2..=6 => "skipped",
                7..=9 => "off",
                _ => "logged",
            };
            let snapshot = json!({
                "id": 10_000_000 + i,
                "direction": if inbound { "inbound" } else { "outbound" },
                "status": "done",
                "missed_call_reason": (!answered).then_some("agents_did_not_answer"),
                "started_at": started_at,
                "answered_at": answered_at,
                "ended_at": ended_at,
                "duration": ended_at - started_at,
                "raw_digits": phone,
                "user": agent.map(|a| json!({"id": 1_000 + a, "name": format!("Agent {a}"), "email": agent_email(a)})),
                "number": {"id": 2_000 + line, "name": line_name(line), "digits": format!("+33 1 76 00 00 {line:02}"), "country": "FR"},
                "comments": [],
                "tags": [],
            });
            let logged = status == "logged";
            subject
                .execute(params![
                    "call",
                    id,
                    snapshot.to_string(),
                    over,
                    ended_at + 30,
                    call_memory,
                    status,
                    match status {
                        "failed" => Some("Intercom refused the conversation"),
                        "skipped" => Some("missed calls are not logged"),
                        _ => None,
                    },
                    logged.then(|| format!("contact-{who}")),
                    logged.then(|| format!("{}", 900_000_000 + i)),
                    ended_at + 30,
                    started_at,
                    phone,
                    if inbound { "inbound" } else { "outbound" },
                    answered,
                    agent.map(agent_email),
                    line_name(line),
                    talk,
                    logged.then(|| format!("Customer {who}")),
                    "call",
                ])
                .unwrap();
            if status == "failed" && failed_call.is_none() && i > size.calls / 2 {
                failed_call = Some(id.clone());
            }
            if matches!(status, "logged" | "failed") {
                let start = Effect::StartConversation {
                    body: format!("Call from {phone}"),
                };
                let failed = status == "failed";
                effect
                    .execute(params![
                        format!("call:{id}:start_conversation"),
                        "call",
                        id,
                        0,
                        serde_json::to_string(&start).unwrap(),
                        if failed { "failed" } else { "done" },
                        if failed { 5 } else { 1 },
                        ended_at + 31,
                        failed.then_some(
                            "Intercom answered 422: the contact is archived and cannot be written to"
                        ),
                        ended_at + 32,
                    ])
                    .unwrap();
                let note = Effect::AddNote {
                    body: format!("<p>Call from {phone}, {} s</p>", talk.unwrap_or(0)),
                    author_email: agent.map(agent_email),
                };
                effect
                    .execute(params![
                        format!("call:{id}:add_note"),
                        "call",
                        id,
                        1,
                        serde_json::to_string(&note).unwrap(),
                        if failed { "blocked" } else { "done" },
                        i64::from(!failed),
                        ended_at + 32,
                        Option::<&str>::None,
                        (!failed).then_some(ended_at + 33),
                    ])
                    .unwrap();
            }
            for (event, at) in [("call.created", started_at), ("call.ended", ended_at + 30)] {
                let body =
                    json!({"resource": "call", "event": event, "timestamp": at, "data": snapshot});
                webhook
                    .execute(params![at, event, body.to_string()])
                    .unwrap();
            }
        }
        for i in 0..size.messages {
            let id = format!("{}", 50_000_000 + i);
            let at = now - span + (i as i64 * span / size.messages.max(1) as i64);
            let who = rng.below(customers);
            let phone = customer(who);
            let inbound = rng.below(2) == 0;
            let agent = (!inbound).then(|| rng.below(size.agents));
            let line = rng.below(size.lines);
            let whatsapp = rng.below(5) == 0;
            let snapshot = json!({
                "id": id,
                "direction": if inbound { "inbound" } else { "outbound" },
                "external_number": phone,
                "body": "Hello, about my order",
                "status": if inbound { "received" } else { "delivered" },
                "channel": whatsapp.then_some("whatsapp"),
                "number": {"id": 2_000 + line, "name": line_name(line), "digits": format!("+33 1 76 00 00 {line:02}")},
                "user": agent.map(|a| json!({"id": 1_000 + a, "name": format!("Agent {a}"), "email": agent_email(a)})),
            });
            subject
                .execute(params![
                    "message",
                    id,
                    snapshot.to_string(),
                    over,
                    at,
                    message_memory,
                    "logged",
                    Option::<&str>::None,
                    format!("contact-{who}"),
                    format!("{}", 800_000_000 + i),
                    at,
                    at,
                    phone,
                    if inbound { "inbound" } else { "outbound" },
                    Option::<bool>::None,
                    agent.map(agent_email),
                    line_name(line),
                    Option::<i64>::None,
                    format!("Customer {who}"),
                    if whatsapp { "whatsapp" } else { "sms" },
                ])
                .unwrap();
            let event = if inbound {
                "message.received"
            } else {
                "message.sent"
            };
            let body =
                json!({"resource": "message", "event": event, "timestamp": at, "data": snapshot});
            webhook
                .execute(params![at, event, body.to_string()])
                .unwrap();
        }
        let mut contact = tx
            .prepare(
                "INSERT INTO contacts (id, role, name, email, phone, e164, updated_at, fetched_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?6)",
            )
            .unwrap();
        for n in 0..size.contacts {
            contact
                .execute(params![
                    format!("contact-{n}"),
                    if n % 3 == 0 { "lead" } else { "user" },
                    format!("Customer {n}"),
                    format!("customer{n}@example.com"),
                    customer(n),
                    now - rng.below(86_400 * 90) as i64,
                ])
                .unwrap();
        }
        let mut agent = tx
            .prepare(
                "INSERT INTO agents (email, token_hash, created_at, admin, joined, last_seen_at)
                 VALUES (?1, ?2, ?3, 0, ?4, ?5)",
            )
            .unwrap();
        for n in 0..size.agents {
            agent
                .execute(params![
                    agent_email(n),
                    format!("bench-token-hash-{n}"),
                    now - DAYS * 86_400,
                    if n % 4 == 0 { "token" } else { "oauth" },
                    now - rng.below(86_400 * 7) as i64,
                ])
                .unwrap();
        }
    }
    tx.commit().unwrap();
    conn.execute_batch("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    let bytes = std::fs::metadata(dir.join(DB_FILE))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "seeded {} calls, {} messages, {} contacts, {} agents on {} lines over {DAYS} days: {:.1} s, {} MB",
        size.calls,
        size.messages,
        size.contacts,
        size.agents,
        size.lines,
        started.elapsed().as_secs_f64(),
        bytes / 1_000_000
    );
    // The busiest agent of the seed is any one: they are drawn evenly.
    Sample {
        phone: sample_phone_calls.1,
        agent: agent_email(7),
        failed_call: failed_call.unwrap_or_else(|| "10000000".to_owned()),
    }
}

/// The hub's time for one answer, from `Server-Timing: app;dur=<ms>`.
fn server_ms(response: &reqwest::Response) -> Option<f64> {
    let value = response.headers().get("server-timing")?.to_str().ok()?;
    value
        .split(';')
        .find_map(|part| part.trim().strip_prefix("dur="))
        .and_then(|ms| ms.trim().parse().ok())
}

/// What the requests of one page came to.
#[derive(Debug)]
struct Measured {
    name: String,
    path: String,
    statuses: Vec<u16>,
    server: Vec<f64>,
    bytes: usize,
}

fn percentile(sorted: &[f64], p: usize) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

/// Asks for `path` `size.requests` times from `size.clients` clients at once (after a few
/// unmeasured requests to warm the caches).
async fn measure(base: &str, token: &str, name: &str, path: &str, size: Size) -> Measured {
    let client = reqwest::Client::new();
    let url = format!("{base}{path}");
    for _ in 0..size.requests.div_ceil(20).min(10) {
        let _ = client
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .bytes()
            .await;
    }
    let per_client = size.requests.div_ceil(size.clients);
    let mut tasks = Vec::new();
    for _ in 0..size.clients {
        let (client, url, token) = (client.clone(), url.clone(), token.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut seen = Vec::with_capacity(per_client);
            for _ in 0..per_client {
                let response = client.get(&url).bearer_auth(&token).send().await.unwrap();
                let status = response.status().as_u16();
                let ms = server_ms(&response);
                let bytes = response.bytes().await.map(|b| b.len()).unwrap_or(0);
                seen.push((status, ms, bytes));
            }
            seen
        }));
    }
    let mut measured = Measured {
        name: name.to_owned(),
        path: path.to_owned(),
        statuses: Vec::new(),
        server: Vec::new(),
        bytes: 0,
    };
    for task in tasks {
        for (status, ms, bytes) in task.await.unwrap() {
            measured.statuses.push(status);
            measured.server.extend(ms);
            measured.bytes = measured.bytes.max(bytes);
        }
    }
    measured.server.sort_by(f64::total_cmp);
    measured
}

/// The Calls page's link to its next page, as the first page gives it.
async fn next_page_link(base: &str, token: &str) -> Option<String> {
    let page = reqwest::Client::new()
        .get(format!("{base}/admin/calls"))
        .bearer_auth(token)
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    page.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find(|href| href.starts_with("/admin/calls?") && href.contains("before="))
        .map(|href| href.replace("&amp;", "&"))
}

async fn measure_all(base: &str, token: &str, sample: &Sample, size: Size) -> Vec<Measured> {
    let mut pages = pages(sample);
    match next_page_link(base, token).await {
        Some(next) => pages.insert(5, ("Calls next page".to_owned(), next)),
        None => println!("(the Calls page gives no link to a next page yet: not measured)"),
    }
    // RINGSIDE_BENCH_ONLY=<words>: measure only the pages whose name holds them.
    let only = std::env::var("RINGSIDE_BENCH_ONLY").unwrap_or_default();
    let mut all = Vec::new();
    for (name, path) in pages.into_iter().filter(|(name, _)| name.contains(&only)) {
        all.push(measure(base, token, &name, &path, size).await);
    }
    all
}

fn report(all: &[Measured], size: Size) {
    println!(
        "\nserver time per page ({} requests each, {} clients at once; Server-Timing app;dur):",
        size.requests, size.clients
    );
    println!(
        "{:<18} {:>9} {:>9} {:>8}  {:<12} path",
        "page", "p50 ms", "p99 ms", "KB", "status"
    );
    for m in all {
        let mut statuses = m.statuses.clone();
        statuses.sort_unstable();
        statuses.dedup();
        let statuses = statuses
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(",");
        println!(
            "{:<18} {:>9.2} {:>9.2} {:>8.1}  {:<12} {}",
            m.name,
            percentile(&m.server, 50),
            percentile(&m.server, 99),
            m.bytes as f64 / 1_000.0,
            statuses,
            m.path
        );
    }
    println!();
    for m in all {
        let (p50, p99) = (percentile(&m.server, 50), percentile(&m.server, 99));
        let verdict = if p99 <= BUDGET_MS {
            "under 50 ms (p50 and p99)".to_owned()
        } else if p50 <= BUDGET_MS {
            format!("p50 under 50 ms, p99 OVER ({p99:.1} ms)")
        } else {
            format!("OVER 50 ms (p50 {p50:.1} ms)")
        };
        let note = if m.statuses.iter().any(|s| *s != 200) {
            " — not every answer was 200: the page may not be written yet"
        } else {
            ""
        };
        println!("{}: {verdict}{note}", m.name);
    }
}

/// The Reports page's store read alone, one at a time: the last 30 days, UTC days.
fn store_figures(store: &Store, size: Size) {
    let today = now() / 86_400;
    let days: Vec<(i64, i64)> = (today - 29..=today)
        .map(|d| (d * 86_400, (d + 1) * 86_400))
        .collect();
    let mut samples = Vec::new();
    let mut report = None;
    for _ in 0..size.requests.min(50) {
        let started = Instant::now();
        report = Some(store.call_report(&days, now(), false).unwrap());
        samples.push(started.elapsed().as_secs_f64() * 1e3);
    }
    samples.sort_by(f64::total_cmp);
    let report = report.unwrap();
    println!(
        "the reports' store read, 30 days ({} counts, {} missed calls), one thread: p50 {:.2} ms, p99 {:.2} ms",
        report.tallies.len(),
        report.call_backs.len(),
        percentile(&samples, 50),
        percentile(&samples, 99)
    );
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let size = if full {
        Size {
            calls: 100_000,
            messages: 20_000,
            contacts: 30_000,
            agents: 200,
            lines: 20,
            requests: 300,
            clients: std::env::var("RINGSIDE_BENCH_CLIENTS")
                .ok()
                .and_then(|c| c.parse().ok())
                .unwrap_or(4),
        }
    } else {
        Size {
            calls: 2_000,
            messages: 200,
            contacts: 500,
            agents: 20,
            lines: 5,
            requests: 8,
            clients: 2,
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // RINGSIDE_BENCH_KEEP=<dir>: seed there and keep the database, to look at its queries
        // (`sqlite3 <dir>/ringside.db`, EXPLAIN QUERY PLAN) after the run.
        let temp = tempfile::tempdir().unwrap();
        let dir = std::env::var_os("RINGSIDE_BENCH_KEEP")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| temp.path().to_owned());
        let sample = seed(&dir, size);
        let app = TestApp::demo().await;
        let config = hub_config(&app, Settings::default(), Store::open(&dir).unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        // Keep the seeded 90 days: the default retention (30 days) would prune two thirds.
        let limits = HubLimits::with_retention_days(365).unwrap();
        let hub = Hub::start_with(config, limits, listener).await.unwrap();
        let token = hub
            .store()
            .add_agent_with("boss@acme.io", true, 0)
            .unwrap()
            .expose()
            .to_owned();
        store_figures(hub.store(), size);
        let base = format!("http://{}", hub.local_addr());
        let started = Instant::now();
        let all = measure_all(&base, &token, &sample, size).await;
        report(&all, size);
        println!("\nmeasured in {:.1} s", started.elapsed().as_secs_f64());
        tokio::time::timeout(Duration::from_secs(10), hub.shutdown())
            .await
            .ok();
    });
}
