//! Exactly once, nothing lost: many calls and messages logged through a hub that gets every
//! webhook twice and out of order, meets 429s, 5xx and dropped connections, sees Intercom go
//! down, or is killed with SIGKILL at random moments, must leave Intercom exactly as an
//! uneventful run does (compared without the ids Intercom generates).

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use ringside_core::card::system_clock;
use ringside_core::rules::Settings;
use ringside_core::store::Store;
use ringside_sandbox::scenario::{stage_at, Envelope, Lcg, Scenario};
use ringside_sandbox::Api;
use ringside_tests::hubs::{
    deliver_all, free_port, health, lift_budgets, player, settle, start_hub, start_hub_on, until,
    HubProcess,
};
use ringside_tests::normal::IntercomState;
use ringside_tests::TestApp;

/// The Intercom an uneventful run leaves ([`ringside_tests::hubs::clean_run`]), checked to log
/// enough for a comparison with it to prove something.
async fn clean_run(scenario: &Scenario, start: i64) -> IntercomState {
    let mut subjects: Vec<&str> = scenario.steps.iter().map(|s| s.subject.as_str()).collect();
    subjects.sort_unstable();
    subjects.dedup();
    let state = ringside_tests::hubs::clean_run(scenario, start).await;
    let (conversations, notes) = state.counts();
    // The seed has 9 conversations and 1 note; most subjects must add one and a note.
    let least = subjects.len() * 2 / 3;
    assert!(
        conversations >= 9 + least && notes > least,
        "the scenario logs too little to prove anything: {conversations} conversations, {notes} notes"
    );
    state
}

fn assert_same(expected: &IntercomState, actual: &IntercomState) {
    assert!(
        expected == actual,
        "Intercom differs from the uneventful run:\n{}",
        actual.difference(expected)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_webhook_twice_and_shuffled_leaves_intercom_as_a_clean_run() {
    let scenario = Scenario::mixed(30, 7);
    let start = system_clock()();
    let clean = clean_run(&scenario, start).await;

    let app = TestApp::demo().await;
    let hub = start_hub(&app, Settings::default()).await;
    let staged = stage_at(&app.sandbox, &scenario, start).unwrap();
    let mut envelopes: Vec<Envelope> = staged
        .envelopes
        .iter()
        .chain(&staged.envelopes)
        .cloned()
        .collect();
    Lcg::new(7).shuffle(&mut envelopes);
    deliver_all(&player(hub.local_addr()), &envelopes).await;
    settle(hub.store(), Duration::from_secs(20)).await;
    // Notes of one conversation may come in another order; none may be missing or doubled.
    assert_same(
        &clean.unordered(),
        &IntercomState::of(&app.sandbox).unordered(),
    );
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_server_errors_and_dropped_connections_change_nothing() {
    let scenario = Scenario::mixed(20, 11);
    let start = system_clock()();
    let clean = clean_run(&scenario, start).await;

    let app = TestApp::demo().await;
    let hub = start_hub(&app, Settings::default()).await;
    let staged = stage_at(&app.sandbox, &scenario, start).unwrap();
    // While the hub works, a fault after every fifth Intercom request: a 500, a dropped
    // connection, two 503s from Aircall, and once two 429s.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let injector = {
        let (faults, intercom, done) = (
            app.sandbox.faults().clone(),
            app.sandbox.intercom(),
            done.clone(),
        );
        tokio::spawn(async move {
            let (mut round, mut seen) = (0, intercom.requests().len());
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let count = intercom.requests().len();
                if count >= seen + 5 {
                    seen = count;
                    round += 1;
                    match round % 4 {
                        0 if round == 8 => {
                            faults.rate_limit_next(Api::Intercom, 2, Duration::from_secs(1))
                        }
                        0 | 2 => faults.fail_next(Api::Intercom, 1, 500),
                        1 => faults.drop_next(Api::Intercom, 1),
                        _ => faults.fail_next(Api::Aircall, 2, 503),
                    }
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    };
    deliver_all(&player(hub.local_addr()), &staged.envelopes).await;
    settle(hub.store(), Duration::from_secs(30)).await;
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    injector.await.unwrap();
    app.sandbox.faults().clear();
    let refused = app
        .sandbox
        .intercom()
        .requests()
        .iter()
        .filter(|r| matches!(r.status, 0 | 429 | 500))
        .count();
    assert!(
        refused >= 10,
        "only {refused} Intercom requests met a fault"
    );
    // Events came in order, so every conversation's notes are in the same order too.
    assert_same(&clean, &IntercomState::of(&app.sandbox));
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn while_intercom_is_down_work_waits_and_drains_in_order_once_it_is_back() {
    let scenario = Scenario::mixed(12, 5);
    let start = system_clock()();
    let clean = clean_run(&scenario, start).await;

    let app = TestApp::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let hub = start_hub_on(&app, Settings::default(), store).await;
    let staged = stage_at(&app.sandbox, &scenario, start).unwrap();
    let before = app.sandbox.intercom().conversations().len();

    app.sandbox
        .faults()
        .fail_next(Api::Intercom, usize::MAX, 503);
    deliver_all(&player(hub.local_addr()), &staged.envelopes).await;
    // Every webhook is taken and processed; the effects wait.
    until("the inbox to drain", Duration::from_secs(10), || {
        hub.store().inbox_depth().unwrap() == 0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (inbox, outbox) = health(hub.local_addr()).await.expect("healthz answers");
    assert_eq!(inbox, 0);
    assert!(outbox > 0, "the effects wait while Intercom is down");
    assert_eq!(app.sandbox.intercom().conversations().len(), before);

    app.sandbox.faults().clear();
    lift_budgets(&app);
    until(
        "healthz to show nothing left",
        Duration::from_secs(30),
        || hub.store().inbox_depth().unwrap() == 0 && hub.store().outbox_depth().unwrap() == 0,
    )
    .await;
    assert_eq!(health(hub.local_addr()).await, Some((0, 0)));
    assert_same(&clean, &IntercomState::of(&app.sandbox));
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_killed_at_random_moments_loses_nothing_and_doubles_nothing() {
    let scenario = Scenario::mixed(24, 42);
    let start = system_clock()();
    let clean = clean_run(&scenario, start).await;

    let app = TestApp::demo().await;
    lift_budgets(&app);
    let staged = stage_at(&app.sandbox, &scenario, start).unwrap();
    let envelopes = &staged.envelopes;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut rng = Lcg::new(42);
    let mut hub = HubProcess::start(&app, dir.path(), port).await;
    let player = player(hub.addr());

    // Three kills while webhooks arrive, each racing a delivery: a webhook that got no 2xx is
    // sent again, as Aircall does.
    let mut kill_at = Vec::new();
    while kill_at.len() < 3 {
        let at = 1 + rng.below(envelopes.len() - 1);
        if !kill_at.contains(&at) {
            kill_at.push(at);
        }
    }
    kill_at.sort_unstable();
    let mut kills = 0;
    let mut next = 0;
    while next < envelopes.len() {
        if kill_at.first() == Some(&next) {
            kill_at.remove(0);
            let delay = Duration::from_micros(rng.below(3000) as u64);
            let dying = hub;
            let (status, ()) = tokio::join!(player.deliver(&envelopes[next]), async move {
                tokio::time::sleep(delay).await;
                dying.kill();
            });
            kills += 1;
            if status.unwrap_or(0) == 200 {
                next += 1;
            }
            hub = HubProcess::start(&app, dir.path(), port).await;
            continue;
        }
        let status = player
            .deliver_until_accepted(&envelopes[next], 50, Duration::from_millis(20))
            .await;
        assert_eq!(status, 200, "the hub took no webhook for a second");
        next += 1;
    }
    // Three kills while the outbox drains.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(20 + rng.below(200) as u64)).await;
        hub.kill();
        kills += 1;
        hub = HubProcess::start(&app, dir.path(), port).await;
    }
    let mut depth = None;
    for _ in 0..1500 {
        depth = health(hub.addr()).await;
        if depth == Some((0, 0)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_same(&clean, &IntercomState::of(&app.sandbox));
    assert_eq!(depth, Some((0, 0)), "healthz shows the backlog drained");
    assert_eq!(kills, 6);
    // The kills did interrupt requests in flight, whose effects were verified and attempted
    // again after the restart.
    hub.kill();
    let store = Store::open(dir.path()).unwrap();
    let mut retried = 0;
    for subject in store.recent_subjects(1000).unwrap() {
        let rows = store.outbox_of(&subject.key()).unwrap();
        retried += rows.iter().filter(|r| r.attempts > 1).count();
    }
    assert!(retried >= 1, "no kill interrupted an effect");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_conversation_started_again_after_an_error_is_not_taken_for_an_earlier_one() {
    use ringside_sandbox::scenario::demo;
    use ringside_tests::demo::JANE;
    // Two answered calls from Jane on the same line: same first message.
    let scenario = Scenario::together(
        "Jane calls twice",
        vec![
            Scenario::inbound_answered(demo::JANE, demo::SUPPORT_FR, demo::BOB),
            Scenario::inbound_answered(demo::JANE, demo::SUPPORT_FR, demo::ALICE),
        ],
        600,
    );
    let app = TestApp::demo().await;
    let hub = start_hub(&app, Settings::default()).await;
    let staged = stage_at(&app.sandbox, &scenario, system_clock()()).unwrap();
    let player = player(hub.local_addr());
    let (first, second): (Vec<Envelope>, Vec<Envelope>) = staged
        .envelopes
        .iter()
        .cloned()
        .partition(|e| e.subject_id() == staged.call("0:call").unwrap().to_string());
    deliver_all(&player, &first).await;
    let (last, before) = second.split_last().unwrap();
    assert_eq!(last.event, "call.ended");
    deliver_all(&player, before).await;
    settle(hub.store(), Duration::from_secs(10)).await;
    // The second call's conversation fails once; its retry must start a conversation of its own.
    app.sandbox.faults().fail_next(Api::Intercom, 1, 500);
    deliver_all(&player, std::slice::from_ref(last)).await;
    settle(hub.store(), Duration::from_secs(10)).await;
    let failed: Vec<_> = app
        .sandbox
        .intercom()
        .requests()
        .into_iter()
        .filter(|r| r.status == 500)
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(failed, ["POST /conversations"]);
    let logged: Vec<_> = app
        .sandbox
        .intercom()
        .conversations_of(JANE)
        .into_iter()
        .filter(|c| c.source.body.starts_with('['))
        .collect();
    assert_eq!(
        logged.len(),
        2,
        "each call has its conversation: {logged:#?}"
    );
    for conversation in &logged {
        let notes = conversation.parts.iter().filter(|p| p.part_type == "note");
        assert_eq!(notes.count(), 1, "{conversation:#?}");
    }
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_comment_written_twice_is_noted_twice_even_after_an_error() {
    use ringside_sandbox::scenario::{demo, Change, Step};
    use ringside_tests::demo::JANE;
    let mut scenario = Scenario::inbound_answered(demo::JANE, demo::SUPPORT_FR, demo::BOB);
    let end = scenario.steps.last().unwrap().at;
    for at in [end + 60, end + 120] {
        scenario.steps.push(Step {
            subject: "call".into(),
            at,
            event: "call.commented".into(),
            change: Change::Comment {
                content: "Call back on Monday.".into(),
                by: Some(demo::BOB),
            },
        });
    }
    let app = TestApp::demo().await;
    let hub = start_hub(&app, Settings::default()).await;
    let staged = stage_at(&app.sandbox, &scenario, system_clock()()).unwrap();
    let player = player(hub.local_addr());
    let (second, first) = staged.envelopes.split_last().unwrap();
    deliver_all(&player, first).await;
    settle(hub.store(), Duration::from_secs(10)).await;
    // The second comment's note fails once, then is retried.
    app.sandbox.faults().fail_next(Api::Intercom, 1, 500);
    deliver_all(&player, std::slice::from_ref(second)).await;
    settle(hub.store(), Duration::from_secs(10)).await;
    let failed = app
        .sandbox
        .intercom()
        .requests()
        .into_iter()
        .filter(|r| r.status == 500 && r.path.ends_with("/reply"))
        .count();
    assert_eq!(failed, 1, "the second comment's note met the error");
    let conversation = app
        .sandbox
        .intercom()
        .conversations_of(JANE)
        .into_iter()
        .find(|c| c.source.body.starts_with('['))
        .unwrap();
    let comments = conversation
        .parts
        .iter()
        .filter(|p| {
            p.body
                .as_deref()
                .is_some_and(|b| b.contains("Call back on Monday."))
        })
        .count();
    assert_eq!(comments, 2, "{conversation:#?}");
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_killed_while_200_calls_play_from_concurrent_senders_loses_nothing() {
    let scenario = Scenario::mixed(200, 2026);
    let start = system_clock()();
    let clean = clean_run(&scenario, start).await;

    let app = TestApp::demo().await;
    lift_budgets(&app);
    let staged = stage_at(&app.sandbox, &scenario, start).unwrap();
    let envelopes = std::sync::Arc::new(staged.envelopes.clone());
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let hub = std::sync::Arc::new(tokio::sync::Mutex::new(Some(
        HubProcess::start(&app, dir.path(), port).await,
    )));
    let player = std::sync::Arc::new(player(std::net::SocketAddr::from(([127, 0, 0, 1], port))));

    // Eight senders, each with its share of the webhooks in order, as Aircall's deliveries
    // overlap; a webhook that got no 2xx is sent again, as Aircall does.
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut senders = tokio::task::JoinSet::new();
    for sender in 0..8 {
        let (envelopes, player, accepted) = (envelopes.clone(), player.clone(), accepted.clone());
        senders.spawn(async move {
            for e in envelopes.iter().skip(sender).step_by(8) {
                let status = player
                    .deliver_until_accepted(e, 500, Duration::from_millis(10))
                    .await;
                assert_eq!(status, 200, "the hub took no webhook for five seconds");
                accepted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        });
    }
    // Four kills while the webhooks arrive, then two while the outbox drains.
    let mut rng = Lcg::new(2026);
    let mut kills = 0;
    for round in 0..6 {
        let wait = if round < 4 { 150 } else { 40 } + rng.below(250) as u64;
        tokio::time::sleep(Duration::from_millis(wait)).await;
        if round == 4 {
            while let Some(sent) = senders.join_next().await {
                sent.unwrap();
            }
        }
        let mut slot = hub.lock().await;
        if let Some(dying) = slot.take() {
            dying.kill();
            kills += 1;
        }
        *slot = Some(HubProcess::start(&app, dir.path(), port).await);
    }
    while let Some(sent) = senders.join_next().await {
        sent.unwrap();
    }
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        envelopes.len()
    );
    let addr = hub.lock().await.as_ref().unwrap().addr();
    let mut depth = None;
    for _ in 0..3000 {
        depth = health(addr).await;
        if depth == Some((0, 0)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(depth, Some((0, 0)), "healthz shows the backlog drained");
    assert_eq!(kills, 6);
    // Deliveries from eight senders arrive in any order across calls: compare each
    // conversation's notes as a set; none may be missing or doubled.
    assert_same(
        &clean.unordered(),
        &IntercomState::of(&app.sandbox).unordered(),
    );
    // Every webhook the hub answered 200 was processed: none is pending or set aside.
    hub.lock().await.take().unwrap().kill();
    let conn = rusqlite::Connection::open(dir.path().join(ringside_core::store::DB_FILE)).unwrap();
    let unprocessed: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM inbox WHERE state NOT IN ('processed', 'ignored')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unprocessed, 0);
    let stored: i64 = conn
        .query_row("SELECT COUNT(*) FROM inbox", [], |r| r.get(0))
        .unwrap();
    assert!(stored >= envelopes.len() as i64, "{stored} webhooks stored");
}
