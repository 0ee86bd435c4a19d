//! The hub under a call centre's load, with the default settings (insight cards pushed to
//! Aircall, Aircall's default budget) and the sandbox answering every Intercom request after
//! 50 ms:
//!
//! - a burst of 20 rings for 20 different callers → each call's `card.ready` on an agent's
//!   stream (p50, p99), callers in the local index and callers never seen before;
//! - 100 finished calls posted at once (an outage's backlog) → calls logged per second and API
//!   requests per call;
//! - webhooks accepted durably per second with 32 keep-alive connections, beside the same hub's
//!   `/healthz` with the same client in the same run, and their ratio;
//! - leads created in the fake Intercom, whose signed notifications reach the hub → the lead in
//!   the index and its Aircall contact (p50, p99);
//! - a hub just restarted, its contact sync writing 60 new contacts to Aircall at the default
//!   budget, and at once a caller in its index whose conversation has an owner → that call's
//!   first `card.ready` (target: one Intercom round trip + 50 ms), and the one that brings the
//!   owner's availability.
//!
//! Run with `cargo xtask bench` (release). Without `--bench` each figure is taken once, small,
//! as a smoke test. Section names after the flags (`bursts`, `backlog`, `ingest`,
//! `notifications`, `first-card`) run only those. Figures are medians and p99 of one run: compare the ratios
//! within a run.

// Benchmark code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ringside_core::aircall::AircallConfig;
use ringside_core::hub::{Hub, HubConfig};
use ringside_core::phone::{Region, E164};
use ringside_core::pipeline::subject::{Status, SubjectKey};
use ringside_core::rules::Settings;
use ringside_core::store::Store;
use ringside_sandbox::intercom::NewContact;
use ringside_sandbox::scenario::{demo, stage, Scenario};
use ringside_sandbox::Api;
use ringside_tests::hubs::{lift_budgets, player, request_counts, WEBHOOK_TOKEN};
use ringside_tests::stream::EventStream;
use ringside_tests::{quick_http, TestApp};
use serde_json::Value;

/// How much work each figure gets.
#[derive(Debug, Clone, Copy)]
struct Size {
    rounds: usize,
    burst: usize,
    backlog: usize,
    ingest: usize,
}

fn quantile(samples: &[Duration], q: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The hub's configuration on this store, as `ringside-cli serve` runs by default (without
/// contact sync): Aircall keeps the client's default budget.
fn config(app: &TestApp, store: Store) -> HubConfig {
    let token = app.sandbox.credentials().aircall_api_token;
    let defaults = AircallConfig::new(String::new(), ringside_core::Secret::new(""));
    HubConfig {
        store,
        intercom: app.intercom(),
        aircall: Some(app.aircall_with(&token, defaults.budget_per_minute, quick_http())),
        webhook_token: Some(ringside_core::Secret::new(WEBHOOK_TOKEN)),
        settings: Settings::default(),
        default_region: Region::parse("FR").unwrap(),
        clock: ringside_core::card::system_clock(),
        tls: None,
        sync: None,
        intercom_client_secret: None,
        signin: None,
        console: Default::default(),
    }
}

/// A hub on a file-backed store, as `ringside-cli serve` runs, with Intercom answering after
/// `latency`. Aircall keeps the client's default budget (the fake's own limit is lifted, so
/// only Ringside's pacing shapes the traffic).
async fn hub(app: &TestApp, dir: &std::path::Path, latency: Duration) -> Hub {
    lift_budgets(app);
    let config = config(app, Store::open(dir).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hub = Hub::start(config, listener).await.unwrap();
    app.sandbox.faults().set_latency(Api::Intercom, latency);
    // A hub that has run a moment: it has read Aircall's lines (who each call concerns).
    let started = Instant::now();
    while hub.store().line_users(demo::SUPPORT_FR).unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the lines were not read"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    hub
}

/// A hub restarted on a database whose contact sync ran before (Jane is in its index), with 60
/// new contacts for its sync to write to Aircall at the default budget and 50 ms Intercom
/// latency; Jane (whose open conversation is Bob's) calls as it starts. The time from her ring
/// to her call's first `card.ready`, and to the `card.ready` that carries Bob's availability.
async fn first_card(round: usize) -> (Duration, Option<Duration>) {
    let app = TestApp::demo().await;
    lift_budgets(&app);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    app.sync_engine(store.clone(), ringside_tests::sync_options(), 100_000)
        .run(ringside_core::sync::SyncMode::Auto)
        .await
        .unwrap();
    for i in 0..60 {
        app.sandbox.add_intercom_contact(NewContact {
            name: Some(format!("Synced {round}-{i}")),
            phone: Some(format!("+33 6 44 {round:02} {:02} {:02}", i / 100, i % 100)),
            ..NewContact::default()
        });
    }
    app.sandbox
        .faults()
        .set_latency(Api::Intercom, Duration::from_millis(50));
    let bob = store.add_agent_with("bob@acme.io", true, 0).unwrap();
    let config = HubConfig {
        sync: Some(ringside_core::hub::SyncSchedule {
            options: ringside_core::sync::SyncOptions::new(Region::parse("FR").unwrap()),
            interval: Duration::from_secs(3600),
        }),
        ..config(&app, store)
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hub = Hub::start(config, listener).await.unwrap();
    let mut stream = EventStream::open(hub.local_addr(), bob.expose()).await;
    let scenario = Scenario::inbound_answered(demo::JANE, demo::SUPPORT_FR, demo::BOB);
    let player = player(hub.local_addr());
    let mut call = player.playback(&app.sandbox, &scenario);
    let rung = Instant::now();
    assert_eq!(call.step().await.unwrap(), Some(200));
    let id = call.call("call").unwrap();
    let mut first = None;
    let mut with_availability = None;
    while with_availability.is_none() && rung.elapsed() < Duration::from_secs(30) {
        let (name, data) = stream.next().await;
        if name != "card.ready" || data["call_id"] != id {
            continue;
        }
        first.get_or_insert(rung.elapsed());
        if !data["card"]["conversation"]["owner"]["availability"].is_null() {
            with_availability = Some(rung.elapsed());
        }
    }
    while call.step().await.unwrap().is_some() {}
    hub.shutdown().await;
    (first.expect("a card"), with_availability)
}

async fn first_cards(size: Size) {
    let (mut firsts, mut availabilities) = (Vec::new(), Vec::new());
    for round in 0..size.rounds * 2 {
        let (first, availability) = first_card(round).await;
        firsts.push(first);
        availabilities.extend(availability);
    }
    println!(
        "first card after a restart, caller in the index, contact sync writing to Aircall, 50 ms Intercom latency: card.ready p50 {:.1} ms, p99 {:.1} ms (target ≤ 100 ms: one round trip + 50 ms); with the owner's availability p50 {:.1} ms, {} of {} runs",
        ms(quantile(&firsts, 0.5)),
        ms(quantile(&firsts, 0.99)),
        if availabilities.is_empty() { f64::NAN } else { ms(quantile(&availabilities, 0.5)) },
        availabilities.len(),
        firsts.len()
    );
}

/// 20 (or `size.burst`) calls from different callers ring at once; the time from the burst's
/// start to each call's `card.ready` on Bob's stream. `known`: the callers are Intercom
/// contacts already in the hub's index (their conversations not cached); otherwise nobody has
/// their numbers.
async fn burst(size: Size, known: bool, round: usize) -> Vec<Duration> {
    let app = TestApp::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let hub = hub(&app, dir.path(), Duration::from_millis(50)).await;
    let token = hub.store().add_agent("bob@acme.io", 0).unwrap();
    let mut stream = EventStream::open(hub.local_addr(), token.expose()).await;
    let region = Region::parse("FR").unwrap();
    let numbers: Vec<String> = (0..size.burst)
        .map(|i| {
            format!(
                "+33 6 3{round} {:02} {:02} {:02}",
                i / 100,
                i % 100,
                10 + round
            )
        })
        .collect();
    if known {
        let contacts = hub_contacts(&app, &hub);
        for (i, number) in numbers.iter().enumerate() {
            let e164 = E164::parse(number, region).unwrap();
            let id = app.sandbox.add_intercom_contact(NewContact {
                name: Some(format!("Caller {i}")),
                email: Some(format!("caller{i}@example.com")),
                phone: Some(e164.to_string()),
                ..NewContact::default()
            });
            // The index holds them, as a contact sync leaves it; their conversations are not
            // cached.
            let found = contacts.live(&e164).await.unwrap();
            assert_eq!(found.len(), 1, "{id}");
        }
    }
    let scenarios: Vec<Scenario> = numbers
        .iter()
        .map(|n| Scenario::missed(n, demo::SUPPORT_FR))
        .collect();
    let player = player(hub.local_addr());
    let mut playbacks: Vec<_> = scenarios
        .iter()
        .map(|s| player.playback(&app.sandbox, s))
        .collect();
    let start = Instant::now();
    let rings = async {
        futures_util::future::join_all(playbacks.iter_mut().map(|p| async move {
            assert_eq!(p.step().await.unwrap(), Some(200));
        }))
        .await;
    };
    let mut ready: HashMap<u64, Duration> = HashMap::new();
    let wanted = size.burst;
    let watch = async {
        while ready.len() < wanted {
            let (name, data) = stream.next().await;
            if name == "card.ready" {
                if let Some(id) = data["call_id"].as_u64() {
                    ready.entry(id).or_insert_with(|| start.elapsed());
                }
            }
        }
    };
    let ((), ()) = tokio::join!(rings, watch);
    let calls: Vec<u64> = playbacks.iter().map(|p| p.call("call").unwrap()).collect();
    let samples = calls.iter().map(|c| ready[c]).collect();
    for p in &mut playbacks {
        while p.step().await.unwrap().is_some() {}
    }
    hub.shutdown().await;
    samples
}

/// The hub's way of resolving numbers, on its own store (to fill the index as a sync would).
fn hub_contacts(app: &TestApp, hub: &Hub) -> ringside_core::contacts::Contacts {
    ringside_core::card::CardBuilder::new(app.intercom(), None, hub.store().clone())
        .contacts()
        .clone()
}

async fn bursts(size: Size) {
    for known in [true, false] {
        let mut samples = Vec::new();
        for round in 0..size.rounds {
            samples.extend(burst(size, known, round).await);
        }
        println!(
            "burst of {} rings, 50 ms Intercom latency, callers {}: card.ready p50 {:.1} ms, p99 {:.1} ms (target p99 ≤ {} ms), {} samples",
            size.burst,
            if known { "in the local index" } else { "never seen" },
            ms(quantile(&samples, 0.5)),
            ms(quantile(&samples, 0.99)),
            if known { 100 } else { 150 },
            samples.len()
        );
    }
}

/// `size.backlog` finished calls (answered, missed and outbound, from known and new callers)
/// posted at once; the time until every one is logged, and the requests it took.
async fn backlog(size: Size) -> (f64, f64, f64) {
    let app = TestApp::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let hub = hub(&app, dir.path(), Duration::from_millis(50)).await;
    let known = [demo::JANE, demo::JOHN, demo::SOPHIE];
    let parts: Vec<Scenario> = (0..size.backlog)
        .map(|i| match i % 4 {
            0 => Scenario::inbound_answered(known[i % 3], demo::SUPPORT_FR, demo::BOB),
            1 => Scenario::missed(
                &format!("+33 6 41 {:02} {:02} 00", i / 100, i % 100),
                demo::SUPPORT_FR,
            ),
            2 => Scenario::outbound(known[i % 3], demo::SUPPORT_FR, demo::ALICE),
            _ => Scenario::inbound_answered(
                &format!("+33 6 42 {:02} {:02} 00", i / 100, i % 100),
                demo::SALES_US,
                demo::ALICE,
            ),
        })
        .collect();
    let scenario = Scenario::together("backlog", parts, 1);
    let staged = stage(&app.sandbox, &scenario).unwrap();
    let (intercom_before, aircall_before) = request_counts(&app);
    let player = Arc::new(player(hub.local_addr()));
    let envelopes = Arc::new(staged.envelopes.clone());
    let start = Instant::now();
    let mut senders = tokio::task::JoinSet::new();
    for sender in 0..16 {
        let (player, envelopes) = (player.clone(), envelopes.clone());
        senders.spawn(async move {
            for e in envelopes.iter().skip(sender).step_by(16) {
                assert_eq!(player.deliver(e).await.unwrap(), 200);
            }
        });
    }
    while let Some(r) = senders.join_next().await {
        r.unwrap();
    }
    let calls: Vec<u64> = staged.calls.values().copied().collect();
    assert_eq!(calls.len(), size.backlog);
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let logged = calls
            .iter()
            .filter(|c| {
                hub.store()
                    .subject(&SubjectKey::call(**c))
                    .ok()
                    .flatten()
                    .is_some_and(|s| s.status == Status::Logged)
            })
            .count();
        let depth = hub.store().outbox_depth().unwrap();
        if logged == calls.len() && depth == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{logged} of {} logged",
            calls.len()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let elapsed = start.elapsed();
    let (intercom, aircall) = request_counts(&app);
    hub.shutdown().await;
    let n = calls.len() as f64;
    (
        n / elapsed.as_secs_f64(),
        (intercom - intercom_before) as f64 / n,
        (aircall - aircall_before) as f64 / n,
    )
}

async fn backlogs(size: Size) {
    let mut runs = Vec::new();
    for _ in 0..size.rounds {
        runs.push(backlog(size).await);
    }
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (rate, intercom, aircall) = runs[runs.len() / 2];
    println!(
        "backlog of {} finished calls posted at once, 50 ms Intercom latency: {rate:.1} calls/s logged (target ≥ 20), {intercom:.1} Intercom + {aircall:.1} Aircall requests per call (median of {} runs)",
        size.backlog,
        runs.len()
    );
}

/// Requests a second through 32 keep-alive connections of one client: `n` POSTs of webhooks
/// (each committed before its 200), then `n` GETs of `/healthz`, on the same hub.
async fn ingest(size: Size) -> (f64, f64) {
    let app = TestApp::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let hub = hub(&app, dir.path(), Duration::from_millis(50)).await;
    let scenario = Scenario::mixed(size.ingest / 8 + 1, 7);
    let mut bodies: Vec<Value> = stage(&app.sandbox, &scenario)
        .unwrap()
        .envelopes
        .iter()
        .map(|e| e.body(WEBHOOK_TOKEN))
        .collect();
    bodies.truncate(size.ingest);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(32)
        .build()
        .unwrap();
    let base = format!("http://{}", hub.local_addr());
    let bodies = Arc::new(bodies);
    let rate = |post: bool| {
        let (client, base, bodies) = (client.clone(), base.clone(), bodies.clone());
        async move {
            let start = Instant::now();
            let mut tasks = tokio::task::JoinSet::new();
            for worker in 0..32 {
                let (client, base, bodies) = (client.clone(), base.clone(), bodies.clone());
                tasks.spawn(async move {
                    for i in (worker..bodies.len()).step_by(32) {
                        let response = if post {
                            client
                                .post(format!("{base}/webhooks/aircall"))
                                .json(&bodies[i])
                                .send()
                                .await
                        } else {
                            client.get(format!("{base}/healthz")).send().await
                        };
                        assert!(response.unwrap().status().is_success());
                    }
                });
            }
            while let Some(r) = tasks.join_next().await {
                r.unwrap();
            }
            bodies.len() as f64 / start.elapsed().as_secs_f64()
        }
    };
    let webhooks = rate(true).await;
    let health = rate(false).await;
    hub.shutdown().await;
    (webhooks, health)
}

async fn ingests(size: Size) {
    let mut runs = Vec::new();
    for _ in 0..size.rounds {
        runs.push(ingest(size).await);
    }
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (webhooks, health) = runs[runs.len() / 2];
    println!(
        "webhooks accepted durably, 32 keep-alive connections, {} per run: {webhooks:.0}/s; the same hub's /healthz with the same client: {health:.0}/s; ratio {:.2} (target ≥ 5,000/s or ≥ 0.5)",
        size.ingest,
        webhooks / health
    );
}

/// Leads created in the fake Intercom one every half second, with 50 ms of latency on both
/// APIs and Aircall's default budget: the time from each creation (the fake posts its
/// notification at once, signed, to the hub) to the lead in the hub's index (so its card needs
/// no search) and to its Aircall contact.
async fn notifications(size: Size) {
    const SECRET: &str = "bench-client-secret";
    let app = TestApp::demo().await;
    lift_budgets(&app);
    let dir = tempfile::tempdir().unwrap();
    let token = app.sandbox.credentials().aircall_api_token;
    let defaults = AircallConfig::new(String::new(), ringside_core::Secret::new(""));
    let region = Region::parse("FR").unwrap();
    let config = HubConfig {
        store: Store::open(dir.path()).unwrap(),
        intercom: app.intercom(),
        aircall: Some(app.aircall_with(&token, defaults.budget_per_minute, quick_http())),
        webhook_token: Some(ringside_core::Secret::new(WEBHOOK_TOKEN)),
        settings: Settings::default(),
        default_region: region,
        clock: ringside_core::card::system_clock(),
        tls: None,
        sync: Some(ringside_core::hub::SyncSchedule {
            options: ringside_core::sync::SyncOptions::new(region),
            interval: Duration::from_secs(3600),
        }),
        intercom_client_secret: Some(ringside_core::Secret::new(SECRET)),
        signin: None,
        console: Default::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hub = Hub::start(config, listener).await.unwrap();
    let mut progress = hub.sync_progress().unwrap();
    progress
        .wait_for(|p| p.phase == ringside_core::sync::SyncPhase::Done)
        .await
        .unwrap();
    app.sandbox.deliver_intercom_notifications(
        &format!("http://{}/webhooks/intercom", hub.local_addr()),
        SECRET,
    );
    app.sandbox
        .faults()
        .set_latency(Api::Intercom, Duration::from_millis(50));
    app.sandbox
        .faults()
        .set_latency(Api::Aircall, Duration::from_millis(50));
    let mut to_index = Vec::new();
    let mut to_aircall = Vec::new();
    let leads = size.burst;
    let mut pending = Vec::new();
    let start = Instant::now();
    let mut next = 0;
    while to_aircall.len() < leads {
        if next < leads && start.elapsed() >= Duration::from_millis(500) * next as u32 {
            let number = format!("+33 6 4{} 00 {:02} {:02}", next / 100, next % 100, next);
            let e164 = E164::parse(&number, region).unwrap();
            let id = app.sandbox.add_intercom_contact(NewContact {
                role: Some(ringside_sandbox::intercom::Role::Lead),
                name: Some(format!("Lead {next}")),
                phone: Some(number),
                ..NewContact::default()
            });
            pending.push((id, e164, Instant::now(), None::<Duration>));
            next += 1;
        }
        let aircall = app.sandbox.aircall().contacts();
        pending.retain_mut(|(id, e164, created, indexed)| {
            if indexed.is_none()
                && hub
                    .store()
                    .contacts_by_phone(e164)
                    .unwrap()
                    .iter()
                    .any(|c| &c.contact.id == id)
            {
                *indexed = Some(created.elapsed());
            }
            let in_aircall = aircall.iter().any(|c| {
                c.information
                    .as_deref()
                    .is_some_and(|i| i.ends_with(&format!("/{id}")))
            });
            match (in_aircall, *indexed) {
                (true, Some(indexed)) => {
                    to_index.push(indexed);
                    to_aircall.push(created.elapsed());
                    false
                }
                _ => true,
            }
        });
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    println!(
        "Intercom notifications, a lead created every 0.5 s, 50 ms latency on both APIs, Aircall's default budget: in the index p50 {:.1} ms, p99 {:.1} ms; its Aircall contact p50 {:.1} ms, p99 {:.1} ms ({} leads)",
        ms(quantile(&to_index, 0.5)),
        ms(quantile(&to_index, 0.99)),
        ms(quantile(&to_aircall, 0.5)),
        ms(quantile(&to_aircall, 0.99)),
        leads
    );
    hub.shutdown().await;
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let size = if full {
        Size {
            rounds: 5,
            burst: 20,
            backlog: 100,
            ingest: 4000,
        }
    } else {
        Size {
            rounds: 1,
            burst: 3,
            backlog: 4,
            ingest: 64,
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // `cargo xtask bench --bench load -- --bench bursts ingest` runs only the sections named.
    let named: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |section: &str| named.is_empty() || named.iter().any(|n| n == section);
    runtime.block_on(async {
        if wanted("bursts") {
            bursts(size).await;
        }
        if wanted("backlog") {
            backlogs(size).await;
        }
        if wanted("ingest") {
            ingests(size).await;
        }
        if wanted("notifications") {
            notifications(size).await;
        }
        if wanted("first-card") {
            first_cards(size).await;
        }
    });
}
