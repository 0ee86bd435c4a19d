//! The hub as an admin runs it, with the real `ringside-cli` binary: admin agents, revoking a
//! token while the hub serves, and the warning about plain HTTP off loopback. These tests start
//! processes on ports picked in advance, so they live apart from the in-process hubs of
//! `hub_security.rs`, which could otherwise be handed one of those ports.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use ringside_tests::TestApp;
use serde_json::Value;

/// Reads a response's body until it ends, or panics after `within`.
async fn until_the_stream_ends(mut response: reqwest::Response, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, response.chunk()).await {
            Err(_) => panic!("the stream was still open after {within:?}"),
            Ok(Ok(Some(_))) => continue,
            Ok(Ok(None) | Err(_)) => return,
        }
    }
}

/// `ringside-cli` with only a data directory configured.
fn cli(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(ringside_tests::hubs::cli_binary())
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RINGSIDE_DATA_DIR", data_dir)
        .output()
        .expect("ringside-cli runs")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_adds_an_admin_and_its_revoke_cuts_a_stream_of_the_running_hub() {
    let app = TestApp::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let port = ringside_tests::hubs::free_port();
    let hub = ringside_tests::hubs::HubProcess::start(&app, dir.path(), port).await;

    let added = cli(dir.path(), &["agents", "add", "--admin", "Boss@Acme.io"]);
    assert!(added.status.success(), "{added:?}");
    let printed = String::from_utf8_lossy(&added.stdout);
    let token = printed
        .split_whitespace()
        .find(|w| w.starts_with("rs_"))
        .expect("the token is printed")
        .to_owned();
    let listed = cli(dir.path(), &["agents", "list"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("boss@acme.io\tadmin"));
    // An admin token reads /healthz in full.
    let health: Value = reqwest::Client::new()
        .get(format!("http://{}/healthz", hub.addr()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(health.get("last_error").is_some(), "{health}");

    let stream = reqwest::Client::new()
        .get(format!("http://{}/api/v1/events", hub.addr()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let revoked = cli(dir.path(), &["agents", "revoke", "boss@acme.io"]);
    assert!(revoked.status.success(), "{revoked:?}");
    until_the_stream_ends(stream, Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn serving_plain_http_off_loopback_is_warned_about_loudly() {
    let dir = tempfile::tempdir().unwrap();
    let port = ringside_tests::hubs::free_port();
    let mut child = std::process::Command::new(ringside_tests::hubs::cli_binary())
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RINGSIDE_DATA_DIR", dir.path())
        .env("RINGSIDE_INTERCOM_TOKEN", "not-used")
        .env("RINGSIDE_INTERCOM_BASE_URL", "http://127.0.0.1:9")
        .env("RINGSIDE_SYNC_ENABLED", "false")
        .env("RINGSIDE_LISTEN", format!("0.0.0.0:{port}"))
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut text = String::new();
        let mut buf = [0u8; 1024];
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && !text.contains("WARNING") {
            match stderr.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => text.push_str(&String::from_utf8_lossy(&buf[..n])),
            }
        }
        text
    });
    let text = tokio::task::spawn_blocking(move || reader.join().unwrap())
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        text.contains("WARNING: serving plain HTTP on 0.0.0.0"),
        "{text}"
    );
}
