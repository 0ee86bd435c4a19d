//! Pacing under the sandbox's real rate limits: the clients keep within a company's budget
//! without drawing a single 429, and a ringing call's look-ups overtake queued bulk work.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ringside_core::pacing::Priority;
use ringside_tests::{quick_http, statuses, TestApp};

#[tokio::test]
async fn aircall_work_from_many_tasks_stays_within_the_company_budget() {
    let app = TestApp::demo().await;
    let budget = 600;
    app.sandbox.faults().set_aircall_budget(budget);
    let token = app.sandbox.credentials().aircall_api_token;
    let aircall = app.aircall_with(&token, budget, quick_http());
    let finished = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = tokio::task::JoinSet::new();
    let started = Instant::now();
    let mut spawn = |priority: Priority| {
        let (client, finished) = (aircall.at(priority), finished.clone());
        tasks.spawn(async move {
            client.ping().await.unwrap();
            finished.lock().unwrap().push(priority);
        });
    };
    for _ in 0..20 {
        spawn(Priority::Bulk);
    }
    // Let the bulk work take the burst and queue up, then a call rings.
    tokio::time::sleep(Duration::from_millis(50)).await;
    for _ in 0..5 {
        spawn(Priority::Interactive);
    }
    while let Some(task) = tasks.join_next().await {
        task.unwrap();
    }
    let took = started.elapsed();

    let pings = app.aircall_requests("/v1/ping");
    assert_eq!(statuses(&pings), [200; 25], "the sandbox refused some");
    // A burst of 10, then 590 a minute: the last 15 requests need about 1.5 s.
    assert!(
        took >= Duration::from_millis(1_300),
        "sent too fast: {took:?}"
    );
    let order = finished.lock().unwrap().clone();
    let last_interactive = order
        .iter()
        .rposition(|p| *p == Priority::Interactive)
        .unwrap();
    assert!(
        last_interactive < order.len() - 5,
        "the ringing call waited behind bulk work: {order:?}"
    );
}

#[tokio::test]
async fn intercom_reads_obey_the_remaining_budget_of_each_window() {
    let app = TestApp::demo().await;
    // Four requests a second: eight reads need two windows.
    app.sandbox
        .faults()
        .set_intercom_budget(4, Duration::from_secs(1));
    let intercom = app.intercom();
    for _ in 0..8 {
        intercom.me().await.unwrap();
    }
    assert_eq!(statuses(&app.intercom_requests("/me")), [200; 8]);
}
