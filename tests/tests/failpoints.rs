//! The hub stopped dead at each step of logging a call (the effect claimed, Intercom's answer
//! in hand, the outcome committed), then started again on the same database: the call is logged
//! once, in one conversation, and the agents are told once. The steps are the engine's
//! failpoints (the `fail` crate, turned on for test builds only). Failpoints are global to the
//! process: this file holds one test, which visits the steps one after the other.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use ringside_core::card::system_clock;
use ringside_core::hub::Hub;
use ringside_core::pipeline::subject::{Status, SubjectKey};
use ringside_core::rules::Settings;
use ringside_core::store::Store;
use ringside_sandbox::scenario::{demo, stage_at, Scenario, Staged};
use ringside_tests::hubs::{deliver_all, player, settle, start_hub_on, until};
use ringside_tests::normal::IntercomState;
use ringside_tests::TestApp;

/// The conversations in the sandbox's Intercom.
fn conversations(app: &TestApp) -> usize {
    IntercomState::of(&app.sandbox).counts().0
}

/// The `call.logged` events of this call in the hub's log.
fn logged_events(hub: &Hub, call: u64) -> usize {
    hub.store()
        .events_after(0, 1_000)
        .unwrap()
        .iter()
        .filter(|e| e.kind == "call.logged" && e.payload.contains(&format!("\"id\":\"{call}\"")))
        .count()
}

/// Jane's call, answered by Bob, staged at `start` on a fresh demo sandbox and delivered to
/// `hub`.
async fn jane_calls(app: &TestApp, hub: &Hub, start: i64) -> Staged {
    let scenario = Scenario::inbound_answered(demo::JANE, demo::SUPPORT_GB, demo::BOB);
    let staged = stage_at(&app.sandbox, &scenario, start).unwrap();
    deliver_all(&player(hub.local_addr()), &staged.envelopes).await;
    staged
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_stopped_at_each_step_of_logging_a_call_logs_it_once_and_tells_it_once() {
    let start = system_clock()();
    // What an uneventful run leaves in Intercom.
    let clean = {
        let app = TestApp::demo().await;
        let hub = start_hub_on(&app, Settings::default(), Store::open_in_memory().unwrap()).await;
        jane_calls(&app, &hub, start).await;
        settle(hub.store(), Duration::from_secs(20)).await;
        hub.shutdown().await;
        IntercomState::of(&app.sandbox)
    };
    for step in [
        "executor::claimed",
        "executor::answered",
        "executor::recorded",
    ] {
        let app = TestApp::demo().await;
        let dir = tempfile::tempdir().unwrap();
        let seeded = conversations(&app);
        let hub = start_hub_on(&app, Settings::default(), Store::open(dir.path()).unwrap()).await;
        // The first effect to reach the step (the one that starts the call's conversation)
        // stops there, as if the hub had died: it stays claimed, and nothing after it runs.
        fail::cfg(step, "1*return").unwrap();
        let call = jane_calls(&app, &hub, start).await.call("call").unwrap();
        let key = SubjectKey::call(call);
        let store = hub.store().clone();
        match step {
            "executor::claimed" => {
                until("the effect claimed", Duration::from_secs(10), || {
                    store.outbox_in_flight().unwrap() == 1
                })
                .await
            }
            "executor::answered" => {
                until("the conversation made", Duration::from_secs(10), || {
                    conversations(&app) == seeded + 1
                })
                .await
            }
            _ => {
                until("the call logged", Duration::from_secs(10), || {
                    store
                        .subject(&key)
                        .unwrap()
                        .is_some_and(|s| s.status == Status::Logged)
                })
                .await
            }
        }
        hub.shutdown().await;
        fail::remove(step);
        let subject = store.subject(&key).unwrap().unwrap();
        match step {
            "executor::claimed" => {
                assert_eq!(conversations(&app), seeded, "{step}: nothing was sent");
                assert_ne!(subject.status, Status::Logged, "{step}");
            }
            "executor::answered" => {
                assert_ne!(
                    subject.status,
                    Status::Logged,
                    "{step}: nothing was recorded"
                );
                assert_eq!(store.outbox_in_flight().unwrap(), 1, "{step}");
            }
            _ => assert_eq!(subject.status, Status::Logged, "{step}"),
        }
        drop(store);

        // Started again on the same database, the hub finishes the work.
        let hub = start_hub_on(&app, Settings::default(), Store::open(dir.path()).unwrap()).await;
        settle(hub.store(), Duration::from_secs(20)).await;
        until("the call logged", Duration::from_secs(10), || {
            hub.store()
                .subject(&key)
                .unwrap()
                .is_some_and(|s| s.status == Status::Logged)
        })
        .await;
        assert_eq!(conversations(&app), seeded + 1, "{step}: one conversation");
        assert_eq!(logged_events(&hub, call), 1, "{step}: told once");
        let state = IntercomState::of(&app.sandbox);
        assert!(
            state == clean,
            "{step}: Intercom differs from the uneventful run:\n{}",
            state.difference(&clean)
        );
        hub.shutdown().await;
    }
}
