//! Contacts in step within seconds: Intercom's contact notifications through the hub, against
//! the sandbox's fake Intercom (which signs and posts them as an Intercom app would) and its
//! fake Aircall.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use ringside_core::hub::{Hub, HubConfig, SyncSchedule};
use ringside_core::intercom::notification::sign;
use ringside_core::store::Store;
use ringside_core::sync::SyncMode;
use ringside_core::Secret;
use ringside_sandbox::intercom::NewContact;
use ringside_sandbox::scenario::{demo, Scenario};
use ringside_tests::hubs::{lift_budgets, player, until, WEBHOOK_TOKEN};
use ringside_tests::stream::EventStream;
use ringside_tests::{e164, sync_options, TestApp};
use serde_json::{json, Value};

const SECRET: &str = "intercom-client-secret-for-tests";

/// A hub with contact sync (after its first run) and Intercom notifications on; with
/// `deliver`, the fake Intercom posts every contact change to it.
async fn hub(app: &TestApp, sync: bool, deliver: bool) -> Hub {
    lift_budgets(app);
    let config = HubConfig {
        store: Store::open_in_memory().unwrap(),
        intercom: app.intercom(),
        aircall: Some(app.aircall()),
        webhook_token: Some(Secret::new(WEBHOOK_TOKEN)),
        settings: ringside_core::rules::Settings::default(),
        default_region: ringside_core::phone::Region::parse("FR").unwrap(),
        clock: ringside_core::card::system_clock(),
        tls: None,
        sync: sync.then(|| SyncSchedule {
            options: sync_options(),
            interval: Duration::from_secs(3600),
        }),
        intercom_client_secret: Some(Secret::new(SECRET)),
        signin: None,
        console: Default::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hub = Hub::start(config, listener).await.unwrap();
    if let Some(mut progress) = hub.sync_progress() {
        tokio::time::timeout(
            Duration::from_secs(20),
            progress.wait_for(|p| p.phase == ringside_core::sync::SyncPhase::Done),
        )
        .await
        .expect("the first sync finishes")
        .unwrap();
    }
    if deliver {
        app.sandbox
            .deliver_intercom_notifications(&url(&hub), SECRET);
    }
    hub
}

fn url(hub: &Hub) -> String {
    format!("http://{}/webhooks/intercom", hub.local_addr())
}

/// Posts `body` signed with `secret`.
async fn post(hub: &Hub, body: &Value, secret: &str) -> (u16, Value) {
    let bytes = serde_json::to_vec(body).unwrap();
    let answer = reqwest::Client::new()
        .post(url(hub))
        .header("x-hub-signature", sign(secret, &bytes))
        .body(bytes)
        .send()
        .await
        .unwrap();
    (
        answer.status().as_u16(),
        answer.json().await.unwrap_or(Value::Null),
    )
}

fn notification(id: &str, topic: &str, item: Value) -> Value {
    notification_at(id, topic, item, ringside_core::card::system_clock()())
}

/// A notification Intercom made at `created_at` (UNIX seconds).
fn notification_at(id: &str, topic: &str, item: Value, created_at: i64) -> Value {
    json!({"type": "notification_event", "id": id, "topic": topic, "app_id": "demo",
           "created_at": created_at, "delivery_attempts": 1, "first_sent_at": created_at,
           "data": {"type": "notification_event_data", "item": item}})
}

/// The Aircall contacts Ringside made for this Intercom contact.
fn aircall_contacts_of(app: &TestApp, contact_id: &str) -> Vec<ringside_sandbox::aircall::Contact> {
    app.sandbox
        .aircall()
        .contacts()
        .into_iter()
        .filter(|c| {
            c.information
                .as_deref()
                .is_some_and(|i| i.ends_with(&format!("/{contact_id}")))
        })
        .collect()
}

fn indexed(hub: &Hub, number: &str) -> Vec<String> {
    hub.store()
        .contacts_by_phone(&e164(number))
        .unwrap()
        .into_iter()
        .map(|c| c.contact.id)
        .collect()
}

const TIMEOUT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread")]
async fn a_new_lead_is_in_the_index_and_aircall_within_seconds_and_follows_its_changes() {
    let app = TestApp::demo().await;
    let hub = hub(&app, true, true).await;
    let number = "+33641526374";
    let created = Instant::now();
    let lead = app.sandbox.add_intercom_contact(NewContact {
        role: Some(ringside_sandbox::intercom::Role::Lead),
        name: Some("Léa Martin".into()),
        phone: Some("06 41 52 63 74".into()),
        ..NewContact::default()
    });
    until("the lead's Aircall contact", TIMEOUT, || {
        aircall_contacts_of(&app, &lead).len() == 1
    })
    .await;
    let took = created.elapsed();
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(indexed(&hub, number), [lead.as_str()]);
    let made = &aircall_contacts_of(&app, &lead)[0];
    assert_eq!(made.first_name.as_deref(), Some("Léa"));
    assert_eq!(made.phone_numbers[0].value, number);

    // Her card is instant: the index answers, Intercom's search is not asked.
    let searches = app.intercom_requests("/contacts/search").len();
    let token = hub.store().add_agent("bob@acme.io", 0).unwrap();
    let mut stream = EventStream::open(hub.local_addr(), token.expose()).await;
    let scenario = Scenario::missed("+33 6 41 52 63 74", demo::SUPPORT_FR);
    let player = player(hub.local_addr());
    let mut playback = player.playback(&app.sandbox, &scenario);
    assert_eq!(playback.step().await.unwrap(), Some(200));
    let card = loop {
        let (name, data) = stream.next().await;
        if name == "card.ready" {
            break data;
        }
    };
    assert_eq!(card["card"]["contact"]["id"], lead.as_str(), "{card}");
    assert_eq!(
        app.intercom_requests("/contacts/search").len(),
        searches,
        "the card searched Intercom"
    );
    while playback.step().await.unwrap().is_some() {}
    // The missed call is logged to her (were her number to change first, the call would go to
    // a new contact for the number, as Intercom would then have nobody with it).
    until("the call logged", TIMEOUT, || {
        app.intercom_requests("/conversations")
            .iter()
            .any(|r| r.method == "POST" && r.status == 200)
    })
    .await;
    assert!(app
        .intercom_requests("/contacts")
        .iter()
        .all(|r| r.method != "POST"));

    // A new number in Intercom: the index and the Aircall contact follow.
    app.sandbox
        .update_intercom_contact(&lead, |c| c.phone = Some("+33 7 11 22 33 44".into()))
        .unwrap();
    until("the new number in Aircall", TIMEOUT, || {
        aircall_contacts_of(&app, &lead)
            .first()
            .is_some_and(|c| c.phone_numbers.iter().any(|p| p.value == "+33711223344"))
    })
    .await;
    assert_eq!(indexed(&hub, "+33711223344"), [lead.as_str()]);
    assert!(indexed(&hub, number).is_empty());

    // Deleted in Intercom: gone from both.
    app.sandbox.remove_intercom_contact(&lead).unwrap();
    until("the Aircall contact to go", TIMEOUT, || {
        aircall_contacts_of(&app, &lead).is_empty()
    })
    .await;
    assert!(indexed(&hub, "+33711223344").is_empty());

    // Every notification the fake sent got a 200 and was applied.
    // (The fake records a delivery's answer once it has read it, which may be after the hub
    // has acted on it.)
    until("the deletion's delivery recorded", TIMEOUT, || {
        app.sandbox.intercom_notifications().len() >= 3
    })
    .await;
    let sent = app.sandbox.intercom_notifications();
    for n in &sent {
        assert_eq!(n.attempts, [200], "{n:?}");
        let id = n.body["id"].as_str().unwrap();
        let (state, outcome) = hub.store().notification_outcome(id).unwrap().unwrap();
        assert!(
            state == "applied" || state == "ignored",
            "{state} {outcome:?}"
        );
    }
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signature_that_does_not_match_is_refused_and_nothing_is_stored() {
    let app = TestApp::demo().await;
    let hub = hub(&app, false, false).await;
    let client = reqwest::Client::new();
    // Intercom's validation request.
    let head = client.head(url(&hub)).send().await.unwrap();
    assert_eq!(head.status(), 200);

    let body = notification(
        "notif_1",
        "contact.deleted",
        json!({"type": "contact", "id": "x"}),
    );
    let (status, answer) = post(&hub, &body, "another-secret").await;
    assert_eq!(status, 401);
    assert_eq!(answer["error"]["code"], "unauthorized");
    let unsigned = client
        .post(url(&hub))
        .body(serde_json::to_vec(&body).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
    // Signed right, but the body was changed on the way.
    let bytes = serde_json::to_vec(&body).unwrap();
    let tampered = client
        .post(url(&hub))
        .header("x-hub-signature", sign(SECRET, &bytes))
        .body(
            serde_json::to_vec(&notification(
                "notif_1",
                "contact.deleted",
                json!({"type": "contact", "id": "y"}),
            ))
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(tampered.status(), 401);
    // Signed right but not a notification: a 400 that says why.
    let (status, answer) = post(&hub, &json!({"topic": "contact.deleted"}), SECRET).await;
    assert_eq!(status, 400);
    assert!(
        answer["error"]["message"].as_str().unwrap().contains("id"),
        "{answer}"
    );
    assert_eq!(hub.store().notification_stats(0).unwrap().received, 0);
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_without_the_client_secret_says_how_to_turn_notifications_on() {
    let app = TestApp::demo().await;
    lift_budgets(&app);
    let hub = ringside_tests::hubs::start_hub(&app, Default::default()).await;
    let body = notification(
        "notif_1",
        "contact.deleted",
        json!({"type": "contact", "id": "x"}),
    );
    let (status, answer) = post(&hub, &body, SECRET).await;
    assert_eq!(status, 404);
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("RINGSIDE_INTERCOM_CLIENT_SECRET"),
        "{answer}"
    );
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_notification_is_applied_once() {
    let app = TestApp::demo().await;
    let hub = hub(&app, true, true).await;
    let lead = app.sandbox.add_intercom_contact(NewContact {
        role: Some(ringside_sandbox::intercom::Role::Lead),
        name: Some("Replay Test".into()),
        phone: Some("+33 6 98 76 54 32".into()),
        ..NewContact::default()
    });
    until("the lead's Aircall contact", TIMEOUT, || {
        aircall_contacts_of(&app, &lead).len() == 1
    })
    .await;
    let creates = app.aircall_requests("/v1/contacts").len();
    let sent = app.sandbox.intercom_notifications();
    let original = &sent.last().unwrap().body;
    assert_eq!(original["topic"], "contact.lead.created");
    // Intercom delivers it again (its retry after a timeout, or a replay by someone who
    // captured it): the same signature, the same id.
    let (status, answer) = post(&hub, original, SECRET).await;
    assert_eq!(status, 200);
    // Not stored again: there is nothing left to apply.
    assert_eq!(answer["redelivered"], original["id"]);
    until("nothing left to apply", TIMEOUT, || {
        hub.store().notification_stats(0).unwrap().pending == 0
    })
    .await;
    assert_eq!(aircall_contacts_of(&app, &lead).len(), 1);
    assert_eq!(app.aircall_requests("/v1/contacts").len(), creates);
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deletion_of_a_contact_intercom_still_has_takes_nothing_away() {
    let app = TestApp::demo().await;
    let hub = hub(&app, true, true).await;
    let lead = app.sandbox.add_intercom_contact(NewContact {
        role: Some(ringside_sandbox::intercom::Role::Lead),
        name: Some("Still Here".into()),
        phone: Some("+33 6 12 12 12 12".into()),
        ..NewContact::default()
    });
    until("the lead's Aircall contact", TIMEOUT, || {
        aircall_contacts_of(&app, &lead).len() == 1
    })
    .await;
    let item = json!({"type": "contact", "id": lead});
    // A signed deletion 40 days old, on its third attempt: a replay of one the hub forgot.
    let forty_days_ago = ringside_core::card::system_clock()() - 40 * 86_400;
    let mut replayed =
        notification_at("notif_old", "contact.deleted", item.clone(), forty_days_ago);
    replayed["delivery_attempts"] = json!(3);
    let (status, answer) = post(&hub, &replayed, SECRET).await;
    assert_eq!(status, 200);
    assert!(answer["ignored"].is_string(), "{answer}");
    assert_eq!(hub.store().notification_outcome("notif_old").unwrap(), None);
    // A fresh one (signed, but Intercom still has the contact): confirmed with Intercom first.
    let fresh = notification("notif_fresh", "contact.deleted", item);
    assert_eq!(post(&hub, &fresh, SECRET).await.0, 200);
    until("the deletion applied", TIMEOUT, || {
        hub.store()
            .notification_outcome("notif_fresh")
            .unwrap()
            .is_some_and(|(state, _)| state == "applied")
    })
    .await;
    let (_, outcome) = hub
        .store()
        .notification_outcome("notif_fresh")
        .unwrap()
        .unwrap();
    assert!(outcome.unwrap().contains("still in Intercom, kept"));
    assert_eq!(indexed(&hub, "+33612121212"), [lead.as_str()]);
    assert_eq!(aircall_contacts_of(&app, &lead).len(), 1);
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deletion_that_arrives_before_its_creation_leaves_nothing() {
    let app = TestApp::demo().await;
    let hub = hub(&app, true, false).await;
    let lead = app.sandbox.add_intercom_contact(NewContact {
        role: Some(ringside_sandbox::intercom::Role::Lead),
        name: Some("Gone Soon".into()),
        phone: Some("+33 6 55 44 33 22".into()),
        ..NewContact::default()
    });
    app.sandbox.remove_intercom_contact(&lead).unwrap();
    let item = json!({"type": "contact", "id": lead, "role": "lead", "phone": "+33655443322"});
    let deleted = notification(
        "notif_del",
        "contact.deleted",
        json!({"type": "contact", "id": lead}),
    );
    let created = notification("notif_new", "contact.lead.created", item);
    assert_eq!(post(&hub, &deleted, SECRET).await.0, 200);
    assert_eq!(post(&hub, &created, SECRET).await.0, 200);
    until("both notifications applied", TIMEOUT, || {
        ["notif_del", "notif_new"].iter().all(|id| {
            hub.store()
                .notification_outcome(id)
                .unwrap()
                .is_some_and(|(state, _)| state == "applied")
        })
    })
    .await;
    assert!(indexed(&hub, "+33655443322").is_empty());
    assert!(aircall_contacts_of(&app, &lead).is_empty());
    let (_, outcome) = hub
        .store()
        .notification_outcome("notif_new")
        .unwrap()
        .unwrap();
    assert!(outcome.unwrap().contains("no longer in Intercom"));
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn archived_leads_leave_and_come_back_and_a_merge_leaves_one() {
    let app = TestApp::demo().await;
    let hub = hub(&app, true, true).await;
    let lead = app.sandbox.add_intercom_contact(NewContact {
        role: Some(ringside_sandbox::intercom::Role::Lead),
        name: Some("Archie Ved".into()),
        phone: Some("+33 6 11 11 11 11".into()),
        ..NewContact::default()
    });
    until("the lead in Aircall", TIMEOUT, || {
        aircall_contacts_of(&app, &lead).len() == 1
    })
    .await;
    app.sandbox.archive_intercom_contact(&lead).unwrap();
    until("the archived lead to leave Aircall", TIMEOUT, || {
        aircall_contacts_of(&app, &lead).is_empty()
    })
    .await;
    assert!(indexed(&hub, "+33611111111").is_empty());
    app.sandbox.unarchive_intercom_contact(&lead).unwrap();
    until("the lead back in Aircall", TIMEOUT, || {
        aircall_contacts_of(&app, &lead).len() == 1
    })
    .await;
    assert_eq!(indexed(&hub, "+33611111111"), [lead.as_str()]);

    // The lead signs up as a user without a phone: Intercom merges them.
    let user = app.sandbox.add_intercom_contact(NewContact {
        role: Some(ringside_sandbox::intercom::Role::User),
        name: Some("Archie Ved".into()),
        email: Some("archie@example.com".into()),
        ..NewContact::default()
    });
    app.sandbox.merge_intercom_contacts(&lead, &user).unwrap();
    until("the user to take the lead's place", TIMEOUT, || {
        aircall_contacts_of(&app, &lead).is_empty() && aircall_contacts_of(&app, &user).len() == 1
    })
    .await;
    assert_eq!(indexed(&hub, "+33611111111"), [user.as_str()]);
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_after_notifications_finds_nothing_to_change() {
    let app = TestApp::demo().await;
    let hub = hub(&app, true, true).await;
    let mut leads = Vec::new();
    for i in 0..5 {
        leads.push(app.sandbox.add_intercom_contact(NewContact {
            role: Some(ringside_sandbox::intercom::Role::Lead),
            name: Some(format!("Lead {i}")),
            phone: Some(format!("+33 6 20 00 00 0{i}")),
            ..NewContact::default()
        }));
    }
    app.sandbox
        .update_intercom_contact(&leads[0], |c| c.name = Some("Lead Zero".into()))
        .unwrap();
    app.sandbox.remove_intercom_contact(&leads[4]).unwrap();
    until("every notification applied", TIMEOUT, || {
        let stats = hub.store().notification_stats(0).unwrap();
        stats.received == 7 && stats.pending == 0
    })
    .await;
    // The Aircall writes follow the index on a task of their own: wait for them too.
    until("Aircall in step", TIMEOUT, || {
        leads[..4]
            .iter()
            .all(|l| aircall_contacts_of(&app, l).len() == 1)
            && aircall_contacts_of(&app, &leads[0])[0]
                .first_name
                .as_deref()
                == Some("Lead")
            && aircall_contacts_of(&app, &leads[0])[0].last_name.as_deref() == Some("Zero")
            && aircall_contacts_of(&app, &leads[4]).is_empty()
    })
    .await;
    let writes = app.aircall_count();
    let engine = app.sync_engine(hub.store().clone(), sync_options(), 100_000);
    for mode in [SyncMode::Incremental, SyncMode::Full] {
        let report = engine.run(mode).await.unwrap();
        let c = report.counts;
        assert_eq!(
            (c.created, c.updated, c.deleted, c.failed),
            (0, 0, 0, 0),
            "{mode:?}: {c:?}"
        );
    }
    assert_eq!(
        app.sandbox
            .aircall()
            .requests()
            .iter()
            .skip(writes)
            .filter(|r| r.method != "GET")
            .count(),
        0
    );
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_contact_sync_notifications_keep_the_index_only() {
    let app = TestApp::demo().await;
    let hub = hub(&app, false, true).await;
    let aircall_before = app.sandbox.aircall().contacts().len();
    let lead = app.sandbox.add_intercom_contact(NewContact {
        role: Some(ringside_sandbox::intercom::Role::Lead),
        name: Some("Index Only".into()),
        phone: Some("+33 6 77 77 77 77".into()),
        ..NewContact::default()
    });
    until("the lead in the index", TIMEOUT, || {
        indexed(&hub, "+33677777777") == [lead.clone()]
    })
    .await;
    assert_eq!(app.sandbox.aircall().contacts().len(), aircall_before);
    hub.shutdown().await;
}
