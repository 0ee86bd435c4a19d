//! The hub under a call centre's load, as agents notice it: cards that never wait for Aircall's
//! budget or other calls' logging, pushes to Aircall's phone app that go to calls still live
//! (ringing or answered), newest first, and an agent's note that overtakes a backlog.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use ringside_core::hub::{Hub, HubConfig};
use ringside_core::pipeline::subject::{CardPush, Status, SubjectKey};
use ringside_core::rules::Settings;
use ringside_core::store::Store;
use ringside_sandbox::scenario::{demo, stage, Scenario};
use ringside_sandbox::Api;
use ringside_tests::hubs::{lift_budgets, player, until, WEBHOOK_TOKEN};
use ringside_tests::stream::EventStream;
use ringside_tests::{quick_http, TestApp};
use serde_json::Value;

/// A hub whose Aircall client has `aircall_per_minute` requests a minute.
async fn hub_with_aircall_budget(app: &TestApp, aircall_per_minute: u32) -> Hub {
    lift_budgets(app);
    let token = app.sandbox.credentials().aircall_api_token;
    let config = HubConfig {
        store: Store::open_in_memory().unwrap(),
        intercom: app.intercom(),
        aircall: Some(app.aircall_with(&token, aircall_per_minute, quick_http())),
        webhook_token: Some(ringside_core::Secret::new(WEBHOOK_TOKEN)),
        settings: Settings::default(),
        default_region: ringside_core::phone::Region::parse("FR").unwrap(),
        clock: ringside_core::card::system_clock(),
        tls: None,
        sync: None,
        intercom_client_secret: None,
        signin: None,
        console: Default::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    Hub::start(config, listener).await.unwrap()
}

/// Waits until the hub has read what it reads of Aircall as it starts (its lines with their
/// teammates, its users and their availability), so that Aircall's budget is the pushes'.
async fn warmed_up(hub: &Hub) {
    until(
        "the hub's first reads of Aircall",
        Duration::from_secs(30),
        || {
            hub.store().line_users(demo::SUPPORT_FR).unwrap().is_some()
                && hub.store().aircall_users_freshness().unwrap().is_some()
        },
    )
    .await;
}

fn card_push(hub: &Hub, call: u64) -> Option<CardPush> {
    hub.store()
        .subject(&SubjectKey::call(call))
        .unwrap()
        .and_then(|s| s.card_push)
}

#[tokio::test(flavor = "multi_thread")]
async fn cards_never_wait_for_aircalls_budget_and_pushes_go_to_the_newest_call_still_ringing() {
    let app = TestApp::demo().await;
    // 20 a minute: one push, then one every three seconds.
    let hub = hub_with_aircall_budget(&app, 20).await;
    warmed_up(&hub).await;
    let token = hub.store().add_agent("bob@acme.io", 0).unwrap();
    let mut cards = EventStream::open(hub.local_addr(), token.expose()).await;
    let player = player(hub.local_addr());
    let numbers = [
        "+33 6 70 00 00 01",
        "+33 6 70 00 00 02",
        "+33 6 70 00 00 03",
        "+33 6 70 00 00 04",
    ];
    let scenarios: Vec<Scenario> = numbers
        .iter()
        .map(|n| Scenario::missed(n, demo::SUPPORT_FR))
        .collect();
    let mut calls = scenarios
        .iter()
        .map(|s| player.playback(&app.sandbox, s))
        .collect::<Vec<_>>();

    // The first call rings alone and its card is pushed at once: the budget is spent.
    calls[0].step().await.unwrap();
    let first = calls[0].call("call").unwrap();
    cards.cards_ready(&[first]).await;
    until("the first card in Aircall", Duration::from_secs(5), || {
        card_push(&hub, first) == Some(CardPush::Pushed)
    })
    .await;

    // Three more ring, one after the other: their cards reach the agent at once, although
    // Aircall's budget holds their pushes for seconds.
    let rung = Instant::now();
    for call in &mut calls[1..] {
        call.step().await.unwrap();
    }
    let ids: Vec<u64> = calls.iter().map(|c| c.call("call").unwrap()).collect();
    cards.cards_ready(&ids[1..]).await;
    let waited = rung.elapsed();
    assert!(
        waited < Duration::from_millis(2500),
        "the cards waited {waited:?}, as long as Aircall's budget"
    );
    // The second and third calls end before their turn comes.
    for call in &mut calls[1..3] {
        while call.step().await.unwrap().is_some() {}
    }
    until("every push decided", Duration::from_secs(15), || {
        ids.iter().all(|c| card_push(&hub, *c).is_some())
    })
    .await;
    assert_eq!(card_push(&hub, ids[3]), Some(CardPush::Pushed));
    assert_eq!(card_push(&hub, ids[1]), Some(CardPush::Dropped));
    assert_eq!(card_push(&hub, ids[2]), Some(CardPush::Dropped));
    let shown: Vec<u64> = app
        .sandbox
        .aircall()
        .insight_cards()
        .iter()
        .map(|c| c.call_id)
        .collect();
    assert_eq!(shown, [ids[0], ids[3]]);
    // The history says what became of each push.
    let history: Vec<Value> = reqwest::Client::new()
        .get(format!("http://{}/api/v1/calls", hub.local_addr()))
        .bearer_auth(token.expose())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let push_of = |id: u64| {
        history
            .iter()
            .find(|h| h["id"].as_str() == Some(id.to_string().as_str()))
            .map(|h| h["card_push"].clone())
    };
    assert_eq!(push_of(ids[1]), Some(Value::from("dropped")));
    assert_eq!(push_of(ids[3]), Some(Value::from("pushed")));
    for call in &mut calls {
        while call.step().await.unwrap().is_some() {}
    }
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_card_waiting_for_aircalls_budget_still_goes_to_an_answered_call_but_not_to_an_ended_one()
{
    let app = TestApp::demo().await;
    // 20 a minute: one push, then one every three seconds.
    let hub = hub_with_aircall_budget(&app, 20).await;
    warmed_up(&hub).await;
    let token = hub.store().add_agent("bob@acme.io", 0).unwrap();
    let mut cards = EventStream::open(hub.local_addr(), token.expose()).await;
    let player = player(hub.local_addr());
    // The first call's push spends the budget.
    let missed = Scenario::missed("+33 6 70 00 00 10", demo::SUPPORT_FR);
    let mut first = player.playback(&app.sandbox, &missed);
    first.step().await.unwrap();
    let first_id = first.call("call").unwrap();
    until("the first card in Aircall", Duration::from_secs(5), || {
        card_push(&hub, first_id) == Some(CardPush::Pushed)
    })
    .await;

    // Three calls ring together while the budget is spent.
    let scenarios: Vec<Scenario> = [
        "+33 6 70 00 00 11",
        "+33 6 70 00 00 12",
        "+33 6 70 00 00 13",
    ]
    .iter()
    .map(|n| Scenario::inbound_answered(n, demo::SUPPORT_GB, demo::BOB))
    .collect();
    let mut calls: Vec<_> = scenarios
        .iter()
        .map(|s| player.playback(&app.sandbox, s))
        .collect();
    for call in &mut calls {
        // call.created, call.ringing_on_agent
        call.step().await.unwrap();
        call.step().await.unwrap();
    }
    let ids: Vec<u64> = calls.iter().map(|c| c.call("call").unwrap()).collect();
    cards.cards_ready(&ids).await;
    // The first is answered before its card's turn, the second ends, the third still rings.
    calls[0].step().await.unwrap();
    until("the first call answered", Duration::from_secs(5), || {
        hub.store()
            .subject(&SubjectKey::call(ids[0]))
            .unwrap()
            .is_some_and(|s| s.progress == ringside_core::domain::subject::Progress::Answered)
    })
    .await;
    while calls[1].step().await.unwrap().is_some() {}
    until("every push decided", Duration::from_secs(20), || {
        ids.iter().all(|c| card_push(&hub, *c).is_some())
    })
    .await;
    assert_eq!(card_push(&hub, ids[0]), Some(CardPush::Pushed), "answered");
    assert_eq!(card_push(&hub, ids[1]), Some(CardPush::Dropped), "ended");
    assert_eq!(card_push(&hub, ids[2]), Some(CardPush::Pushed), "ringing");
    let shown: Vec<u64> = app
        .sandbox
        .aircall()
        .insight_cards()
        .iter()
        .map(|c| c.call_id)
        .collect();
    // The newest call first.
    assert_eq!(shown, [first_id, ids[2], ids[0]]);
    for call in &mut calls {
        while call.step().await.unwrap().is_some() {}
    }
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_card_after_a_start_never_waits_for_aircalls_users_and_gets_the_owners_availability_after(
) {
    let app = TestApp::demo().await;
    // Aircall answers slowly (its budget busy with contact sync's writes, say): the hub's read
    // of its users at start takes well over a second.
    app.sandbox
        .faults()
        .set_latency(Api::Aircall, Duration::from_millis(1500));
    let hub = hub_with_aircall_budget(&app, 60).await;
    let token = hub.store().add_agent("bob@acme.io", 0).unwrap();
    let mut cards = EventStream::open(hub.local_addr(), token.expose()).await;
    // Jane calls at once; her open conversation is Bob's.
    let scenario = Scenario::inbound_answered(demo::JANE, demo::SUPPORT_GB, demo::BOB);
    let player = player(hub.local_addr());
    let mut call = player.playback(&app.sandbox, &scenario);
    call.step().await.unwrap();
    let id = call.call("call").unwrap();
    let card = loop {
        let (name, data) = cards.next().await;
        if name == "card.ready" && data["call_id"] == id {
            break data;
        }
    };
    // The card came without waiting for Aircall: its owner, without an availability yet.
    let owner = &card["card"]["conversation"]["owner"];
    assert_eq!(owner["email"], "bob@acme.io", "{card}");
    assert!(
        owner["availability"].is_null(),
        "the card waited for Aircall: {owner}"
    );
    // Then again, once Aircall's users are in, with Bob's availability.
    let again = loop {
        let (name, data) = cards.next().await;
        if name == "card.ready" && data["call_id"] == id {
            break data;
        }
    };
    assert_eq!(
        again["card"]["conversation"]["owner"]["availability"], "in_call",
        "{again}"
    );
    app.sandbox.faults().clear();
    while call.step().await.unwrap().is_some() {}
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_rings_at_once_build_at_most_64_cards_at_a_time_and_every_card_comes() {
    let app = TestApp::demo().await;
    let hub = hub_with_aircall_budget(&app, 100_000).await;
    warmed_up(&hub).await;
    let token = hub.store().add_agent("bob@acme.io", 0).unwrap();
    let mut cards = EventStream::open(hub.local_addr(), token.expose()).await;
    // Intercom answers each look-up after a second: the builds pile up.
    app.sandbox
        .faults()
        .set_latency(Api::Intercom, Duration::from_secs(1));
    let numbers: Vec<String> = (0..100)
        .map(|i| format!("+33 6 71 00 {:02} {:02}", i / 100, i % 100))
        .collect();
    let scenarios: Vec<Scenario> = numbers
        .iter()
        .map(|n| Scenario::missed(n, demo::SUPPORT_FR))
        .collect();
    let player = player(hub.local_addr());
    let mut calls: Vec<_> = scenarios
        .iter()
        .map(|s| player.playback(&app.sandbox, s))
        .collect();
    futures_util::future::join_all(calls.iter_mut().map(|c| async move {
        assert_eq!(c.step().await.unwrap(), Some(200));
    }))
    .await;
    let ids: Vec<u64> = calls.iter().map(|c| c.call("call").unwrap()).collect();
    // Cards being built are their outbox rows in flight (the calls ring: nothing is logged).
    let store = hub.store().clone();
    let most = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let watching = {
        let (store, most) = (store.clone(), most.clone());
        tokio::spawn(async move {
            loop {
                let now = store.outbox_in_flight().unwrap();
                most.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    tokio::time::timeout(Duration::from_secs(60), cards.cards_ready(&ids))
        .await
        .expect("every card within a minute");
    watching.abort();
    let most = most.load(std::sync::atomic::Ordering::SeqCst);
    assert!(most <= 64, "{most} cards were built at once");
    assert!(
        most >= 32,
        "the burst never piled up ({most} at once): the test proves nothing"
    );
    app.sandbox.faults().clear();
    for call in &mut calls {
        while call.step().await.unwrap().is_some() {}
    }
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agents_note_overtakes_a_backlog_of_other_calls() {
    let app = TestApp::demo().await;
    let hub = hub_with_aircall_budget(&app, 6_000).await;
    let token = hub.store().add_agent("bob@acme.io", 0).unwrap();
    let player = player(hub.local_addr());

    // Bob's call is logged first.
    let bobs = Scenario::inbound_answered(demo::JANE, demo::SUPPORT_FR, demo::BOB);
    let played = player.play(&app.sandbox, &bobs).await.unwrap();
    let bobs_call = played.staged.call("call").unwrap();
    until("Bob's call logged", Duration::from_secs(10), || {
        hub.store()
            .subject(&SubjectKey::call(bobs_call))
            .unwrap()
            .is_some_and(|s| s.status == Status::Logged)
    })
    .await;

    // Then Intercom slows down and a backlog of 40 finished calls arrives.
    app.sandbox
        .faults()
        .set_latency(Api::Intercom, Duration::from_millis(100));
    let backlog = Scenario::together(
        "backlog",
        (0..40)
            .map(|i| Scenario::missed(&format!("+33 6 71 00 00 {i:02}"), demo::SALES_US))
            .collect(),
        1,
    );
    for envelope in &stage(&app.sandbox, &backlog).unwrap().envelopes {
        assert_eq!(player.deliver(envelope).await.unwrap(), 200);
    }
    until("the backlog queued", Duration::from_secs(10), || {
        hub.store().inbox_depth().unwrap() == 0
    })
    .await;
    let queued = hub.store().outbox_depth().unwrap();

    // Bob writes a note on his call: it reaches Intercom while most of the backlog waits.
    let response = reqwest::Client::new()
        .post(format!(
            "http://{}/api/v1/calls/{bobs_call}/notes",
            hub.local_addr()
        ))
        .bearer_auth(token.expose())
        .header("Idempotency-Key", "bobs-note")
        .json(&serde_json::json!({"body": "Wants the yearly plan."}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let conversation = hub
        .store()
        .subject(&SubjectKey::call(bobs_call))
        .unwrap()
        .and_then(|s| s.conversation_id)
        .unwrap();
    until("Bob's note in Intercom", Duration::from_secs(10), || {
        app.sandbox
            .intercom()
            .conversation(&conversation)
            .is_some_and(|c| {
                c.parts
                    .iter()
                    .any(|p| p.body.as_deref().is_some_and(|b| b.contains("yearly plan")))
            })
    })
    .await;
    let left = hub.store().outbox_depth().unwrap();
    assert!(
        left * 2 > queued,
        "the note waited for the backlog: {left} of {queued} effects left when it landed"
    );
    hub.shutdown().await;
}

/// The fake Intercom's requests to `path` so far.
fn requests_to(app: &TestApp, path: &str) -> usize {
    app.sandbox
        .intercom()
        .requests()
        .iter()
        .filter(|r| r.path == path)
        .count()
}

/// The `card.ready` events of these calls, by call.
async fn cards_of(stream: &mut EventStream, calls: &[u64]) -> HashMap<u64, Value> {
    let mut cards = HashMap::new();
    let waiting = async {
        while cards.len() < calls.len() {
            let (name, data) = stream.next().await;
            match data["call_id"].as_u64() {
                Some(id) if name == "card.ready" && calls.contains(&id) => {
                    cards.insert(id, data["card"].clone());
                }
                _ => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("every card within 10 s");
    cards
}

/// A hub whose start-up reads (workspace, admins) are done, so that faults injected next meet
/// the calls' requests.
async fn warmed_hub(app: &TestApp) -> Hub {
    let hub = hub_with_aircall_budget(app, 60).await;
    until("the admins read ahead", Duration::from_secs(5), || {
        matches!(hub.store().admins(), Ok((_, Some(_))))
    })
    .await;
    hub
}

#[tokio::test(flavor = "multi_thread")]
async fn callers_ringing_at_once_are_each_looked_up_once() {
    let app = TestApp::demo().await;
    let hub = warmed_hub(&app).await;
    let token = hub.store().add_agent("bob@acme.io", 0).unwrap();
    let mut stream = EventStream::open(hub.local_addr(), token.expose()).await;
    let player = player(hub.local_addr());
    let (contacts, conversations) = (
        requests_to(&app, "/contacts/search"),
        requests_to(&app, "/conversations/search"),
    );
    let scenarios: Vec<Scenario> = [demo::JANE, demo::JOHN, demo::SOPHIE]
        .iter()
        .map(|n| Scenario::missed(n, demo::SUPPORT_FR))
        .collect();
    let mut calls: Vec<_> = scenarios
        .iter()
        .map(|s| player.playback(&app.sandbox, s))
        .collect();
    futures_util::future::join_all(calls.iter_mut().map(|c| async move {
        assert_eq!(c.step().await.unwrap(), Some(200));
    }))
    .await;
    let ids: Vec<u64> = calls.iter().map(|c| c.call("call").unwrap()).collect();
    let cards = cards_of(&mut stream, &ids).await;
    // Their look-ups started as their webhooks came in, and their cards took those answers
    // instead of asking Intercom a second time.
    let existing = cards
        .values()
        .filter(|c| c["contact"]["status"] == "existing")
        .count();
    assert!(existing >= 2, "{cards:?}");
    assert_eq!(requests_to(&app, "/contacts/search") - contacts, 3);
    assert_eq!(
        requests_to(&app, "/conversations/search") - conversations,
        existing,
        "one conversation search per caller with one contact"
    );
    for call in &mut calls {
        while call.step().await.unwrap().is_some() {}
    }
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_look_up_that_fails_as_the_webhook_arrives_only_delays_the_card() {
    let app = TestApp::demo().await;
    let hub = warmed_hub(&app).await;
    let token = hub.store().add_agent("bob@acme.io", 0).unwrap();
    let mut stream = EventStream::open(hub.local_addr(), token.expose()).await;
    // Every attempt of the first look-up fails (the client tries a read three times).
    app.sandbox.faults().fail_next(Api::Intercom, 3, 500);
    let scenario = Scenario::missed(demo::JANE, demo::SUPPORT_FR);
    let player = player(hub.local_addr());
    let mut call = player.playback(&app.sandbox, &scenario);
    assert_eq!(call.step().await.unwrap(), Some(200));
    let id = call.call("call").unwrap();
    let cards = cards_of(&mut stream, &[id]).await;
    let card = &cards[&id];
    assert_eq!(card["contact"]["status"], "existing", "{card}");
    assert!(card["contact"]["name"]
        .as_str()
        .is_some_and(|n| n.starts_with("Jane")));
    let failed = app
        .sandbox
        .intercom()
        .requests()
        .iter()
        .filter(|r| r.status == 500)
        .count();
    assert_eq!(failed, 3);
    while call.step().await.unwrap().is_some() {}
    hub.shutdown().await;
}
