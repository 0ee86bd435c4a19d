//! The clients against the sandbox's injected faults: vendor errors, 429s, dropped connections,
//! slowness and wrong credentials, checked on both sides (what the engine got, what the fake
//! API saw and stored).

use std::time::{Duration, Instant};

use ringside_core::{ApiError, HttpSettings};
use ringside_sandbox::Api;
use ringside_tests::demo::*;
use ringside_tests::{quick_http, statuses, TestApp};

#[tokio::test]
async fn reads_ride_out_a_few_vendor_errors() {
    let app = TestApp::demo().await;
    app.sandbox.faults().fail_next(Api::Intercom, 2, 503);
    app.intercom().me().await.unwrap();
    assert_eq!(statuses(&app.intercom_requests("/me")), [503, 503, 200]);

    app.sandbox.faults().fail_next(Api::Aircall, 1, 502);
    let users = app.aircall().users().await.unwrap();
    assert_eq!(users.len(), 4);
    assert_eq!(statuses(&app.aircall_requests("/v2/users")), [502, 200]);
}

#[tokio::test]
async fn a_write_that_failed_is_reported_once_and_nothing_was_written() {
    let app = TestApp::demo().await;
    let intercom = app.intercom();
    let jane = intercom.contact(JANE).await.unwrap();
    let before = app.sandbox.intercom().conversations().len();

    app.sandbox.faults().fail_next(Api::Intercom, 1, 500);
    let result = intercom
        .start_conversation(&jane, "[Inbound missed call]")
        .await;
    assert!(
        matches!(result, Err(ApiError::Server { status: 500, .. })),
        "{result:?}"
    );
    assert_eq!(statuses(&app.intercom_requests("/conversations")), [500]);
    assert_eq!(app.sandbox.intercom().conversations().len(), before);

    app.sandbox.faults().drop_next(Api::Intercom, 1);
    let path = format!("/conversations/{JANE_OPEN}/reply");
    let result = intercom
        .add_note(JANE_OPEN, INTEGRATION_ADMIN, "Waiting time: 12s")
        .await;
    assert!(
        matches!(result, Err(ApiError::Network { .. })),
        "{result:?}"
    );
    assert_eq!(statuses(&app.intercom_requests(&path)), [0]);
    let parts = app
        .sandbox
        .intercom()
        .conversation(JANE_OPEN)
        .unwrap()
        .parts;
    assert!(parts
        .iter()
        .all(|p| p.body.as_deref() != Some("Waiting time: 12s")));
}

#[tokio::test]
async fn a_dropped_connection_on_a_read_is_retried() {
    let app = TestApp::demo().await;
    app.sandbox.faults().drop_next(Api::Intercom, 1);
    let admins = app.intercom().admins().await.unwrap();
    assert_eq!(admins.len(), 5);
    assert_eq!(statuses(&app.intercom_requests("/admins")), [0, 200]);
}

#[tokio::test]
async fn an_injected_429_is_waited_out_and_a_refused_write_is_sent_again_once() {
    let app = TestApp::demo().await;
    let reset_in = Duration::from_millis(200);
    app.sandbox
        .faults()
        .rate_limit_next(Api::Aircall, 1, reset_in);
    app.sandbox
        .faults()
        .rate_limit_next(Api::Intercom, 1, reset_in);
    let (aircall, intercom) = (app.aircall(), app.intercom());
    let started = Instant::now();
    let (comment, me) = tokio::join!(
        aircall.comment_call(RINGING_CALL, "Logged to Intercom"),
        intercom.me()
    );
    comment.unwrap();
    me.unwrap();
    // The clients held back until the reset they were given.
    assert!(started.elapsed() >= reset_in);

    let path = format!("/v1/calls/{RINGING_CALL}/comments");
    assert_eq!(statuses(&app.aircall_requests(&path)), [429, 201]);
    let call = app.sandbox.aircall().call(RINGING_CALL).unwrap();
    let comments: Vec<&str> = call.comments.iter().map(|c| c.content.as_str()).collect();
    assert_eq!(comments, ["Logged to Intercom"]);
    assert_eq!(statuses(&app.intercom_requests("/me")), [429, 200]);
}

#[tokio::test]
async fn a_slow_vendor_is_a_timeout_after_the_configured_time() {
    let app = TestApp::demo().await;
    app.sandbox
        .faults()
        .set_latency(Api::Aircall, Duration::from_secs(2));
    let http = HttpSettings {
        request_timeout: Duration::from_millis(200),
        read_attempts: 1,
        ..quick_http()
    };
    let token = app.sandbox.credentials().aircall_api_token;
    let started = Instant::now();
    let result = app.aircall_with(&token, 6_000, http).ping().await;
    assert!(
        matches!(result, Err(ApiError::Timeout { .. })),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn a_wrong_token_is_unauthorized_on_both_apis() {
    let app = TestApp::demo().await;
    let wrong = "not-the-token-5e1f";

    let result = app.intercom_with(wrong, quick_http()).me().await;
    match &result {
        Err(error @ ApiError::Unauthorized { body, .. }) => {
            assert!(body.contains("Access Token Invalid"), "{body}");
            assert!(!format!("{error} {error:?}").contains(wrong));
        }
        other => panic!("expected Unauthorized from Intercom, got {other:?}"),
    }

    let result = app.aircall_with(wrong, 6_000, quick_http()).ping().await;
    match &result {
        Err(error @ ApiError::Unauthorized { .. }) => {
            assert!(!format!("{error} {error:?}").contains(wrong));
        }
        other => panic!("expected Unauthorized from Aircall, got {other:?}"),
    }
    assert_eq!(statuses(&app.intercom_requests("/me")), [401]);
    assert_eq!(statuses(&app.aircall_requests("/v1/ping")), [401]);
}
