//! Fault injection seen from a client: latency, failure statuses, injected 429s, dropped
//! connections, and shutdown.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use reqwest::Method;
use ringside_sandbox::Api;
use serde_json::Value;

#[tokio::test]
async fn latency_delays_every_request() {
    let app = TestApp::demo().await;
    app.sandbox
        .faults()
        .set_latency(Api::Intercom, Duration::from_millis(250));
    let started = Instant::now();
    let (status, _) = send(app.intercom(Method::GET, "/me")).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(250));
    let started = Instant::now();
    let (status, _) = send(app.aircall(Method::GET, "/v1/ping")).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() < Duration::from_millis(250));
}

#[tokio::test]
async fn fail_next_answers_the_api_error_shape() {
    let app = TestApp::demo().await;
    let faults = app.sandbox.faults();
    faults.fail_next(Api::Intercom, 2, 503);
    faults.fail_next(Api::Aircall, 1, 500);
    for _ in 0..2 {
        let (status, body) = send(app.intercom(Method::GET, "/me")).await;
        assert_eq!(status, 503);
        assert_eq!(body["type"], "error.list");
        assert_eq!(body["errors"][0]["code"], "service_unavailable");
    }
    assert_eq!(send(app.intercom(Method::GET, "/me")).await.0, 200);
    let (status, body) = send(app.aircall(Method::GET, "/v1/ping")).await;
    assert_eq!(status, 500);
    assert!(body["error"].is_string() && body["troubleshoot"].is_string());
    assert_eq!(send(app.aircall(Method::GET, "/v1/ping")).await.0, 200);
}

fn header(response: &reqwest::Response, name: &str) -> Option<u64> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

#[tokio::test]
async fn rate_limit_next_sends_429_with_each_apis_headers() {
    let app = TestApp::demo().await;
    let faults = app.sandbox.faults();
    faults.rate_limit_next(Api::Intercom, 1, Duration::from_secs(30));
    faults.rate_limit_next(Api::Aircall, 1, Duration::from_secs(7));

    let response = app
        .intercom(Method::GET, "/me")
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), 429);
    let reset = header(&response, "x-ratelimit-reset").expect("reset");
    assert!((unix_now() + 29..=unix_now() + 31).contains(&reset));
    assert_eq!(header(&response, "x-ratelimit-remaining"), Some(0));
    assert_eq!(header(&response, "x-ratelimit-limit"), Some(167));
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["errors"][0]["code"], "rate_limit_exceeded");

    let response = app
        .aircall(Method::GET, "/v1/ping")
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), 429);
    let reset = header(&response, "x-aircallapi-reset").expect("reset");
    assert!((unix_now() + 6..=unix_now() + 8).contains(&reset));
    assert_eq!(header(&response, "x-aircallapi-remaining"), Some(0));

    assert_eq!(send(app.intercom(Method::GET, "/me")).await.0, 200);
    assert_eq!(send(app.aircall(Method::GET, "/v1/ping")).await.0, 200);
}

#[tokio::test]
async fn drop_next_closes_the_connection_without_a_status() {
    let app = TestApp::demo().await;
    // Warm a pooled connection first, so the drop also covers reused connections.
    assert_eq!(send(app.intercom(Method::GET, "/me")).await.0, 200);
    app.sandbox.faults().drop_next(Api::Intercom, 1);
    let error = app
        .intercom(Method::GET, "/me")
        .send()
        .await
        .expect_err("no response");
    assert!(error.status().is_none(), "{error:?}");
    assert!(!error.is_timeout());
    assert_eq!(send(app.intercom(Method::GET, "/me")).await.0, 200);

    app.sandbox.faults().drop_next(Api::Aircall, 1);
    let error = app
        .aircall(Method::POST, "/v1/calls/780836700/comments")
        .json(&serde_json::json!({"content": "never stored"}))
        .send()
        .await
        .expect_err("no response");
    assert!(error.status().is_none());
    let statuses: Vec<u16> = app
        .sandbox
        .intercom()
        .requests()
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![200, 0, 200]);
    assert_eq!(app.sandbox.count_requests(Api::Aircall), 1);
    let call = app.sandbox.aircall().call(DONE_CALL).expect("seeded");
    assert_eq!(call.comments.len(), 1);
}

#[tokio::test]
async fn clear_removes_injected_faults() {
    let app = TestApp::demo().await;
    let faults = app.sandbox.faults();
    faults.fail_next(Api::Aircall, 5, 502);
    faults.drop_next(Api::Intercom, 5);
    faults.clear();
    assert_eq!(send(app.aircall(Method::GET, "/v1/ping")).await.0, 200);
    assert_eq!(send(app.intercom(Method::GET, "/me")).await.0, 200);
}

#[tokio::test]
async fn shutdown_stops_both_servers() {
    let app = TestApp::demo().await;
    let intercom = app.sandbox.intercom_url();
    let aircall = app.sandbox.aircall_url();
    assert_eq!(send(app.intercom(Method::GET, "/me")).await.0, 200);
    app.sandbox.shutdown().await;
    let fresh = reqwest::Client::new();
    for url in [format!("{intercom}/me"), format!("{aircall}/v1/ping")] {
        let error = fresh.get(url).send().await.expect_err("server is gone");
        assert!(error.status().is_none());
    }
}

#[tokio::test]
async fn dropping_the_sandbox_stops_both_servers() {
    let app = TestApp::demo().await;
    let url = format!("{}/v1/ping", app.sandbox.aircall_url());
    drop(app);
    tokio::task::yield_now().await;
    let error = reqwest::Client::new()
        .get(url)
        .send()
        .await
        .expect_err("server is gone");
    assert!(error.status().is_none());
}

#[tokio::test]
async fn a_lost_answer_keeps_the_write_but_never_answers() {
    let app = TestApp::demo().await;
    app.sandbox.faults().lose_answer_next(Api::Aircall, 1);
    let before = app.sandbox.aircall().contacts().len();
    let lost = app
        .aircall(Method::POST, "/v1/contacts")
        .json(&serde_json::json!({"first_name": "Lost", "phone_numbers": [{"value": "+33100000001"}]}))
        .send()
        .await;
    assert!(lost.is_err(), "an answer came: {lost:?}");
    assert_eq!(
        app.sandbox.aircall().contacts().len(),
        before + 1,
        "the write happened"
    );
    let log = app.sandbox.aircall().requests();
    assert_eq!(log.last().map(|r| r.status), Some(0));
    // Only one answer is lost; a failed request does not use it up.
    app.sandbox.faults().lose_answer_next(Api::Aircall, 1);
    assert_eq!(
        send(app.aircall(Method::GET, "/v1/contacts/1")).await.0,
        404
    );
    assert!(app.aircall(Method::GET, "/v1/ping").send().await.is_err());
    assert_eq!(send(app.aircall(Method::GET, "/v1/ping")).await.0, 200);
}

#[tokio::test]
async fn the_aircall_budget_can_be_scaled_to_a_short_window() {
    let app = TestApp::demo().await;
    app.sandbox
        .faults()
        .set_aircall_limit(3, Duration::from_millis(400));
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(send(app.aircall(Method::GET, "/v1/ping")).await.0);
    }
    assert_eq!(statuses, [200, 200, 200, 429]);
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(send(app.aircall(Method::GET, "/v1/ping")).await.0, 200);
}
