//! Contact sync benchmarks: how fast a full scan indexes Intercom contacts (with 30 ms of API
//! latency injected), and how close the Aircall writes run to the budget without a 429 (a
//! scaled budget of 100 requests per 10-second window, 600 a minute, enforced by the sandbox
//! and configured in Ringside's pacer, for 30 seconds).
//!
//! Run with `cargo xtask bench`. Under `cargo test` (no `--bench` argument) it runs a short
//! smoke version, so that the tests keep it working without taking a minute.

// Benchmark code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use ringside_core::aircall::{AircallClient, AircallConfig};
use ringside_core::intercom::{IntercomClient, IntercomConfig, Region as IntercomRegion};
use ringside_core::pacing::Budget;
use ringside_core::phone::Region;
use ringside_core::store::Store;
use ringside_core::sync::{SyncEngine, SyncMode, SyncOptions, SyncPhase};
use ringside_core::Secret;
use ringside_sandbox::{Api, Sandbox, Seed};

/// Sizes of a run: the real benchmark, or the smoke test.
struct Plan {
    contacts: usize,
    rounds: usize,
    write_for: Duration,
    window: Duration,
    per_window: u32,
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

async fn sandbox(contacts: usize) -> Sandbox {
    let sandbox = Sandbox::start(Seed::empty()).await.unwrap();
    sandbox.faults().set_aircall_budget(10_000_000);
    sandbox
        .faults()
        .set_intercom_budget(10_000_000, Duration::from_secs(10));
    let generated = ringside_sandbox::generate::contacts(contacts, 1);
    sandbox.add_intercom_contacts(generated.into_iter().map(|g| g.contact));
    sandbox
}

fn clients(sandbox: &Sandbox, aircall_budget: u32) -> (IntercomClient, AircallClient) {
    let c = sandbox.credentials();
    let mut intercom = IntercomConfig::new(Secret::new(c.intercom_token), IntercomRegion::Us);
    intercom.base_url = sandbox.intercom_url().parse().unwrap();
    intercom.budget_per_window = 100_000;
    let mut aircall = AircallConfig::new(c.aircall_api_id, Secret::new(c.aircall_api_token));
    aircall.base_url = sandbox.aircall_url().parse().unwrap();
    aircall.budget_per_minute = aircall_budget;
    (
        IntercomClient::new(intercom).unwrap(),
        AircallClient::new(aircall).unwrap(),
    )
}

fn options() -> SyncOptions {
    SyncOptions::new(Region::parse("FR").unwrap())
}

/// Full scans of `plan.contacts` contacts, each on a fresh database, timed until the first
/// Aircall write would start.
async fn indexing(plan: &Plan, latency: Duration) {
    let sandbox = sandbox(plan.contacts).await;
    sandbox.faults().set_latency(Api::Intercom, latency);
    let mut rates = Vec::new();
    let mut indexed_rates = Vec::new();
    let mut indexed = 0;
    for _ in 0..plan.rounds {
        let dir = tempfile::tempdir().unwrap();
        let (intercom, aircall) = clients(&sandbox, 10_000_000);
        let engine = Arc::new(SyncEngine::new(
            intercom,
            aircall,
            Store::open(dir.path()).unwrap(),
            options(),
        ));
        let mut progress = engine.progress();
        let started = Instant::now();
        let task = tokio::spawn({
            let engine = engine.clone();
            async move { engine.run(SyncMode::Full).await }
        });
        let scanned = progress
            .wait_for(|p| p.phase == SyncPhase::Pushing || p.phase == SyncPhase::Done)
            .await
            .unwrap()
            .clone();
        let elapsed = started.elapsed().as_secs_f64();
        task.abort();
        let _ = task.await;
        indexed = scanned.indexed;
        rates.push(scanned.seen as f64 / elapsed);
        indexed_rates.push(scanned.indexed as f64 / elapsed);
    }
    println!(
        "sync scan, {} ms Intercom latency, 150 a page: {} contacts, {indexed} with a number; median {:.0} contacts read/s, {:.0} indexed by E.164/s ({} rounds)",
        latency.as_millis(),
        plan.contacts,
        median(rates),
        median(indexed_rates),
        plan.rounds
    );
    sandbox.shutdown().await;
}

/// Aircall writes for `plan.write_for`, against a scaled budget enforced on both sides.
async fn writes(plan: &Plan) {
    let per_window = plan.per_window;
    let sandbox = sandbox(plan.contacts).await;
    sandbox.faults().set_aircall_limit(per_window, plan.window);
    sandbox
        .faults()
        .set_latency(Api::Aircall, Duration::from_millis(30));
    let (intercom, aircall) = clients(&sandbox, 600);
    // Ringside's pacer, configured for the same budget and window.
    aircall.pacer().set_budget(Budget {
        requests: per_window,
        period: plan.window,
        burst: 2,
    });
    let dir = tempfile::tempdir().unwrap();
    let engine = Arc::new(SyncEngine::new(
        intercom,
        aircall,
        Store::open(dir.path()).unwrap(),
        options(),
    ));
    let mut progress = engine.progress();
    let task = tokio::spawn({
        let engine = engine.clone();
        async move { engine.run(SyncMode::Full).await }
    });
    progress
        .wait_for(|p| p.phase == SyncPhase::Pushing)
        .await
        .unwrap();
    let eta_at_start = progress.borrow().eta;
    let writes = || {
        sandbox
            .aircall()
            .requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .collect::<Vec<_>>()
    };
    let started = Instant::now();
    let mut windows = Vec::new();
    let mut last = writes().len();
    while started.elapsed() < plan.write_for {
        tokio::time::sleep(plan.window).await;
        let now = writes().len();
        windows.push((now - last) as f64);
        last = now;
    }
    let elapsed = started.elapsed().as_secs_f64();
    task.abort();
    let _ = task.await;
    let all = writes();
    let refused = all.iter().filter(|r| r.status == 429).count();
    let budget_per_minute = f64::from(per_window) * 60.0 / plan.window.as_secs_f64();
    let per_minute = last as f64 / elapsed * 60.0;
    let window_median = median(windows.clone()) * 60.0 / plan.window.as_secs_f64();
    println!(
        "sync writes to Aircall, budget {per_window} per {} s window ({budget_per_minute:.0}/min), 30 ms latency: {per_minute:.0} writes/min over {elapsed:.0} s, ratio {:.2} of the budget; median window {window_median:.0}/min (ratio {:.2}); {refused} × 429; time left estimated at the start {:?}",
        plan.window.as_secs(),
        per_minute / budget_per_minute,
        window_median / budget_per_minute,
        eta_at_start.map(|d| Duration::from_secs(d.as_secs())),
    );
    sandbox.shutdown().await;
}

/// What the pacer's default budget means for a first sync.
fn first_sync_estimate() {
    let budget = Budget::aircall(60);
    let steady = f64::from(budget.requests - budget.burst) / budget.period.as_secs_f64() * 60.0;
    let hours = 10_000.0 / steady / 60.0;
    println!(
        "first sync of 10,000 contacts at the default Aircall budget (60/min, of which {steady:.0}/min steady after a burst of {}): about {hours:.1} h of Aircall writes",
        budget.burst
    );
}

fn main() {
    let benchmark = std::env::args().any(|a| a == "--bench");
    let plan = if benchmark {
        Plan {
            contacts: 10_000,
            rounds: 5,
            write_for: Duration::from_secs(30),
            window: Duration::from_secs(10),
            per_window: 100,
        }
    } else {
        Plan {
            contacts: 400,
            rounds: 1,
            write_for: Duration::from_secs(2),
            window: Duration::from_secs(1),
            per_window: 10,
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        indexing(&plan, Duration::from_millis(30)).await;
        indexing(&plan, Duration::ZERO).await;
        writes(&plan).await;
    });
    first_sync_estimate();
}
