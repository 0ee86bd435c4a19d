//! Stopping the hub as a service manager does (SIGTERM) while a burst of webhooks is being
//! logged into a slow Intercom: the real `ringside-cli serve` exits cleanly within its bound,
//! an agent's open event stream ends cleanly, the database is checkpointed, and after a restart
//! every webhook the hub answered 200 is logged exactly once.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use ringside_core::card::system_clock;
use ringside_core::store::DB_FILE;
use ringside_sandbox::scenario::{stage_at, Scenario};
use ringside_sandbox::Api;
use ringside_tests::hubs::{
    clean_run, cli_binary, free_port, health, lift_budgets, player, HubProcess,
};
use ringside_tests::normal::IntercomState;
use ringside_tests::TestApp;

/// What `serve` is given to stop in: below systemd's `TimeoutStopSec=30`.
const STOP_BOUND: Duration = Duration::from_secs(20);

/// An admin's token, made with the CLI before the hub starts.
fn admin_token(data_dir: &Path) -> String {
    let added = std::process::Command::new(cli_binary())
        .args(["agents", "add", "--admin", "it@acme.io"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RINGSIDE_DATA_DIR", data_dir)
        .output()
        .expect("ringside-cli runs");
    assert!(added.status.success(), "{added:?}");
    String::from_utf8_lossy(&added.stdout)
        .split_whitespace()
        .find(|w| w.starts_with("rs_"))
        .expect("the token is printed")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_a_burst_exits_cleanly_in_bound_and_loses_nothing() {
    let scenario = Scenario::mixed(24, 31);
    let start = system_clock()();
    let clean = clean_run(&scenario, start).await;

    let app = TestApp::demo().await;
    lift_budgets(&app);
    let staged = stage_at(&app.sandbox, &scenario, start).unwrap();
    let envelopes = staged.envelopes.clone();
    let dir = tempfile::tempdir().unwrap();
    let token = admin_token(dir.path());
    let port = free_port();
    let hub = HubProcess::start(&app, dir.path(), port).await;
    let addr = hub.addr();

    // An agent follows the hub.
    let mut stream = reqwest::Client::new()
        .get(format!("http://{addr}/api/v1/events"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let opened = tokio::time::timeout(Duration::from_secs(5), stream.chunk()).await;
    assert!(matches!(opened, Ok(Ok(Some(_)))), "the stream opens");

    // Intercom takes a quarter of a second per request: logging lags behind the webhooks.
    app.sandbox
        .faults()
        .set_latency(Api::Intercom, Duration::from_millis(250));
    let aircall = player(addr);
    let mut senders = tokio::task::JoinSet::new();
    for sender in 0..4 {
        let (aircall, envelopes) = (aircall.clone(), envelopes.clone());
        senders.spawn(async move {
            for envelope in envelopes.iter().skip(sender).step_by(4) {
                let _ = aircall.deliver(envelope).await;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while aircall.deliveries().iter().filter(|d| d.accepted()).count() < envelopes.len() / 2 {
        assert!(Instant::now() < deadline, "the burst did not start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let intercom_before_stop = app.sandbox.intercom().requests().len();

    // The stream is read to its end while the hub stops.
    let reader = tokio::spawn(async move {
        loop {
            match tokio::time::timeout(STOP_BOUND, stream.chunk()).await {
                Err(_) => return Err("still open".to_owned()),
                Ok(Ok(Some(_))) => continue,
                Ok(Ok(None)) => return Ok(()),
                Ok(Err(e)) => return Err(format!("broken: {e}")),
            }
        }
    });
    let (status, took) = hub.terminate(STOP_BOUND + Duration::from_secs(5)).await;
    let status = status.expect("the hub exits after SIGTERM");
    assert!(status.success(), "the hub exits with {status}");
    assert!(took < STOP_BOUND, "the hub took {took:?} to stop");
    println!("serve stopped in {took:?} after SIGTERM");
    assert_eq!(
        reader.await.unwrap(),
        Ok(()),
        "the agent's stream ends cleanly"
    );
    while let Some(sent) = senders.join_next().await {
        sent.unwrap();
    }
    // The hub worked on effects as it stopped: Intercom heard from it after the signal.
    assert!(app.sandbox.intercom().requests().len() > intercom_before_stop);
    // Its log was moved into the database.
    let log = dir.path().join(format!("{DB_FILE}-wal"));
    assert!(
        std::fs::metadata(&log).map_or(0, |m| m.len()) == 0,
        "the write-ahead log was not checkpointed"
    );
    let accepted = aircall.deliveries().iter().filter(|d| d.accepted()).count();
    assert!(accepted >= envelopes.len() / 2);

    // Started again; Aircall resends what got no 200.
    app.sandbox.faults().clear();
    lift_budgets(&app);
    let hub = HubProcess::start(&app, dir.path(), port).await;
    let unanswered: Vec<_> = envelopes
        .iter()
        .filter(|e| {
            !aircall
                .deliveries()
                .iter()
                .any(|d| d.accepted() && &d.envelope == *e)
        })
        .cloned()
        .collect();
    for envelope in &unanswered {
        let status = aircall
            .deliver_until_accepted(envelope, 100, Duration::from_millis(20))
            .await;
        assert_eq!(status, 200);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while health(hub.addr()).await != Some((0, 0)) {
        assert!(Instant::now() < deadline, "the hub did not drain");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Four senders overlap: compare each conversation's notes as a set.
    let after = IntercomState::of(&app.sandbox).unordered();
    assert!(
        clean.clone().unordered() == after,
        "Intercom differs from the uneventful run:\n{}",
        after.difference(&clean.unordered())
    );
    hub.kill();
}
