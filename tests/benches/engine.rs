//! Engine benchmarks: phone parsing throughput, and the insight card's latency from the local
//! caches, from a live search against the sandbox, and with realistic API latency injected.
//!
//! Run with `cargo xtask bench`. Figures are medians over many rounds; the machine is shared, so
//! compare ratios between lines of one run rather than absolute numbers across runs.

// Benchmark code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use ringside_core::aircall::{AircallClient, AircallConfig};
use ringside_core::card::CardBuilder;
use ringside_core::intercom::{IntercomClient, IntercomConfig, Region as IntercomRegion};
use ringside_core::phone::{CallerId, Region, E164};
use ringside_core::store::Store;
use ringside_core::Secret;
use ringside_sandbox::{Api, Sandbox, Seed};

/// Formats from the seed's table, each with its region.
const FORMATS: &[(&str, &str)] = &[
    ("FR", "07.62.04.35.75"),
    ("FR", "+33 7 62 04 35 75"),
    ("FR", "00762043575"),
    ("US", "(442) 249-7851"),
    ("US", "+1 (442) 249-7851"),
    ("GB", "020 8765 3456"),
    ("GB", "(2087) 653 456"),
    ("BR", "11-46803559"),
    ("ES", "34 911 239 613"),
    ("DE", "004917667402970"),
    ("AU", "(02) 8103 2081"),
];

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn phone_parsing() {
    let inputs: Vec<(Region, &str)> = FORMATS
        .iter()
        .map(|(r, n)| (Region::parse(r).unwrap(), *n))
        .collect();
    // The first parse loads the metadata; keep it out of the figures.
    let load = Instant::now();
    E164::parse("+33762043575", inputs[0].0).unwrap();
    let first = load.elapsed();

    let per_round = 2_000;
    let mut samples = Vec::new();
    for _ in 0..15 {
        let start = Instant::now();
        for i in 0..per_round {
            let (region, raw) = inputs[i % inputs.len()];
            std::hint::black_box(E164::parse(std::hint::black_box(raw), region).unwrap());
        }
        samples.push(start.elapsed() / per_round as u32);
    }
    let m = median(samples);
    println!("phone parsing (seed-table formats, fallbacks included): median {:.2} µs/number, {:.0} numbers/s; first parse (metadata load) {:.1} ms",
        m.as_secs_f64() * 1e6, 1.0 / m.as_secs_f64(), first.as_secs_f64() * 1e3);

    let plain: Vec<E164> = inputs
        .iter()
        .map(|(r, n)| E164::parse(n, *r).unwrap())
        .collect();
    let mut samples = Vec::new();
    for _ in 0..15 {
        let start = Instant::now();
        for i in 0..per_round {
            std::hint::black_box(
                E164::parse(plain[i % plain.len()].as_str(), inputs[0].0).unwrap(),
            );
        }
        samples.push(start.elapsed() / per_round as u32);
    }
    let e = median(samples);
    println!("phone parsing (already E.164): median {:.2} µs/number; national/odd formats cost {:.2}× that",
        e.as_secs_f64() * 1e6, m.as_secs_f64() / e.as_secs_f64());
}

fn clients(sandbox: &Sandbox) -> (IntercomClient, AircallClient) {
    let c = sandbox.credentials();
    let mut intercom = IntercomConfig::new(Secret::new(c.intercom_token), IntercomRegion::Us);
    intercom.base_url = sandbox.intercom_url().parse().unwrap();
    intercom.budget_per_window = 100_000;
    let mut aircall = AircallConfig::new(c.aircall_api_id, Secret::new(c.aircall_api_token));
    aircall.base_url = sandbox.aircall_url().parse().unwrap();
    aircall.budget_per_minute = 100_000;
    (
        IntercomClient::new(intercom).unwrap(),
        AircallClient::new(aircall).unwrap(),
    )
}

async fn card_latency(latency: Duration, rounds: usize) {
    let mut seed = Seed::demo();
    seed.rate_limits.aircall_per_minute = 1_000_000;
    seed.rate_limits.intercom_per_window = 1_000_000;
    let sandbox = Sandbox::start(seed).await.unwrap();
    sandbox.faults().set_latency(Api::Intercom, latency);
    sandbox.faults().set_latency(Api::Aircall, latency);
    let (intercom, aircall) = clients(&sandbox);
    let fr = Region::parse("FR").unwrap();
    let jane = CallerId::parse("07 62 04 35 75", fr).unwrap();

    // Cold: a new database every time, so every look-up is live.
    let mut cold = Vec::new();
    for _ in 0..rounds {
        let builder = CardBuilder::new(
            intercom.clone(),
            Some(aircall.clone()),
            Store::open_in_memory().unwrap(),
        );
        builder.workspace_id().await.unwrap();
        let start = Instant::now();
        builder.build(&jane, None).await.unwrap();
        cold.push(start.elapsed());
    }
    // Warm: the same database; after the first build everything comes from the local caches.
    let builder = CardBuilder::new(
        intercom.clone(),
        Some(aircall.clone()),
        Store::open_in_memory().unwrap(),
    );
    builder.build(&jane, None).await.unwrap();
    let mut warm = Vec::new();
    for _ in 0..rounds * 5 {
        let start = Instant::now();
        builder.build(&jane, None).await.unwrap();
        warm.push(start.elapsed());
    }
    let (c, w) = (median(cold), median(warm));
    println!("card for a known caller, {} ms API latency injected: live search median {:.2} ms, local index and caches median {:.3} ms ({:.0}× faster)",
        latency.as_millis(), c.as_secs_f64() * 1e3, w.as_secs_f64() * 1e3, c.as_secs_f64() / w.as_secs_f64());
    sandbox.shutdown().await;
}

fn main() {
    phone_parsing();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        card_latency(Duration::ZERO, 30).await;
        card_latency(Duration::from_millis(50), 10).await;
    });
}
