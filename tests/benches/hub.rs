//! Hub benchmarks: how fast webhooks are accepted durably, how long a ringing call takes to put
//! its card on an agent's event stream, and how many API requests logging a call costs.
//!
//! Run with `cargo xtask bench` (release). Without `--bench` (as `cargo test --all-targets`
//! runs it) every figure is taken once, small, as a smoke test. Figures are medians; the
//! machine is shared, so compare the ratios within one run rather than numbers across runs.

// Benchmark code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use ringside_core::hub::Hub;
use ringside_core::rules::Settings;
use ringside_core::store::Store;
use ringside_sandbox::intercom::NewContact;
use ringside_sandbox::scenario::{demo, stage, Envelope, Player, Scenario};
use ringside_sandbox::Api;
use ringside_tests::hubs::{player, request_counts, settle, start_hub, start_hub_on};
use ringside_tests::stream::EventStream;
use ringside_tests::TestApp;

/// How much work each figure gets.
#[derive(Debug, Clone, Copy)]
struct Size {
    rounds: usize,
    ingest_subjects: usize,
    calls: usize,
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn p99(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[(samples.len() * 99 / 100).min(samples.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Rows in the inbox table of the database in `dir`, read with a connection of its own.
fn inbox_rows(dir: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open_with_flags(
        dir.join(ringside_core::store::DB_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    conn.query_row("SELECT COUNT(*) FROM inbox", [], |r| r.get(0))
        .unwrap()
}

/// Events a second accepted (2xx, row committed) by a hub on a file-backed store, with
/// `senders` posting at once; the hub processes and logs them meanwhile.
async fn ingest_rate(envelopes: &[Envelope], senders: usize, rounds: usize) -> f64 {
    let mut rates = Vec::new();
    for _ in 0..rounds {
        let app = TestApp::demo().await;
        let dir = tempfile::tempdir().unwrap();
        let hub = start_hub_on(&app, Settings::default(), Store::open(dir.path()).unwrap()).await;
        let shared = Arc::new(envelopes.to_vec());
        let player = player(hub.local_addr());
        let start = Instant::now();
        let mut tasks = Vec::new();
        for sender in 0..senders {
            let (shared, player) = (shared.clone(), player.clone());
            tasks.push(tokio::spawn(async move {
                for envelope in shared.iter().skip(sender).step_by(senders) {
                    assert_eq!(player.deliver(envelope).await.unwrap(), 200);
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let elapsed = start.elapsed();
        assert_eq!(inbox_rows(dir.path()), envelopes.len() as i64);
        rates.push(envelopes.len() as f64 / elapsed.as_secs_f64());
        hub.shutdown().await;
    }
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

async fn webhook_ingest(size: Size) {
    let app = TestApp::demo().await;
    let envelopes = stage(&app.sandbox, &Scenario::mixed(size.ingest_subjects, 3))
        .unwrap()
        .envelopes;
    let mut line = format!(
        "webhook ingest ({} events, file-backed SQLite, hub logging meanwhile), median of {} rounds:",
        envelopes.len(),
        size.rounds
    );
    let single = ingest_rate(&envelopes, 1, size.rounds).await;
    line += &format!(" 1 sender {single:.0} events/s");
    for senders in [4, 16] {
        let rate = ingest_rate(&envelopes, senders, size.rounds).await;
        line += &format!(
            ", {senders} senders {rate:.0} events/s ({:.1}×)",
            rate / single
        );
    }
    println!("{line}");
}

/// From posting `call.created` to `card.ready` on the stream, for a first call from each of
/// `calls` numbers and then a second one from each.
async fn ring_to_card(latency: Duration, size: Size) {
    let app = TestApp::demo().await;
    let hub: Hub = start_hub(&app, Settings::default()).await;
    app.sandbox.faults().set_latency(Api::Intercom, latency);
    app.sandbox.faults().set_latency(Api::Aircall, latency);
    let token = hub.store().add_agent("bob@acme.io", 0).unwrap();
    let mut stream = EventStream::open(hub.local_addr(), token.expose()).await;
    let numbers: Vec<String> = (0..size.calls)
        .map(|i| {
            let number = format!("+33 6 20 00 {:02} {:02}", i / 100, i % 100);
            app.sandbox.add_intercom_contact(NewContact {
                name: Some(format!("Caller {i}")),
                email: Some(format!("caller{i}@example.com")),
                phone: Some(number.replace(' ', "")),
                ..NewContact::default()
            });
            number
        })
        .collect();
    let player: Player = player(hub.local_addr());
    let mut first = Vec::new();
    let mut second = Vec::new();
    for round in [&mut first, &mut second] {
        for number in &numbers {
            let scenario = Scenario::missed(number, demo::SUPPORT_FR);
            let mut playback = player.playback(&app.sandbox, &scenario);
            let start = Instant::now();
            playback.step().await.unwrap();
            stream.cards_ready(&[playback.call("call").unwrap()]).await;
            round.push(start.elapsed());
            while playback.step().await.unwrap().is_some() {}
        }
    }
    let (f, s) = (median(first.clone()), median(second.clone()));
    println!(
        "ring → card.ready on the stream, {} ms API latency, {} calls: first call from a number median {:.1} ms (p99 {:.1}), second call (number in the local index) median {:.1} ms (p99 {:.1}), {:.1}× faster",
        latency.as_millis(),
        size.calls,
        ms(f),
        ms(p99(first)),
        ms(s),
        ms(p99(second)),
        f.as_secs_f64() / s.as_secs_f64()
    );
    hub.shutdown().await;
}

/// Requests each API received while a hub logged `scenario` (cards included), after `warm_up`.
async fn requests_for(scenario: &Scenario, warm_up: Option<&Scenario>) -> (usize, usize) {
    let app = TestApp::demo().await;
    let hub = start_hub(&app, Settings::default()).await;
    let player = player(hub.local_addr());
    if let Some(warm_up) = warm_up {
        player.play(&app.sandbox, warm_up).await.unwrap();
        settle(hub.store(), Duration::from_secs(30)).await;
    }
    settle(hub.store(), Duration::from_secs(30)).await;
    let (intercom, aircall) = request_counts(&app);
    player.play(&app.sandbox, scenario).await.unwrap();
    settle(hub.store(), Duration::from_secs(30)).await;
    let (i, a) = request_counts(&app);
    hub.shutdown().await;
    (i - intercom, a - aircall)
}

async fn requests_per_call() {
    let kinds = [
        (
            "answered inbound",
            Scenario::inbound_answered(demo::JANE, demo::SUPPORT_FR, demo::BOB),
        ),
        ("missed", Scenario::missed(demo::JOHN, demo::SALES_US)),
        (
            "outbound",
            Scenario::outbound(demo::SOPHIE, demo::SUPPORT_FR, demo::ALICE),
        ),
        (
            "inbound SMS",
            Scenario::sms_inbound(demo::SOPHIE, demo::SALES_US, "Hello"),
        ),
    ];
    let mut line = "API requests per logged call (Intercom + Aircall, card included), first from a number / next one:".to_owned();
    for (name, scenario) in &kinds {
        let (i1, a1) = requests_for(scenario, None).await;
        let (i2, a2) = requests_for(scenario, Some(scenario)).await;
        line += &format!(" {name} {i1}+{a1} / {i2}+{a2};");
    }
    println!("{}", line.trim_end_matches(';'));
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let size = if full {
        Size {
            rounds: 5,
            ingest_subjects: 60,
            calls: 50,
        }
    } else {
        Size {
            rounds: 1,
            ingest_subjects: 5,
            calls: 3,
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        webhook_ingest(size).await;
        ring_to_card(Duration::ZERO, size).await;
        ring_to_card(Duration::from_millis(30), size).await;
        requests_per_call().await;
    });
}
