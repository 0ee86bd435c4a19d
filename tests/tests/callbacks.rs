//! The team's "To call back" list through a real hub and the sandbox: missed calls and voicemails
//! open items for their line's agents, a later call back or answered call closes them (with a
//! note on the missed call's conversation), agents claim and dismiss them, items past their
//! deadline are late, and "My day" counts the agent's day.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use ringside_core::domain::subject::SubjectKey;
use ringside_core::hours::BusinessHours;
use ringside_core::hub::Hub;
use ringside_core::rules::Settings;
use ringside_core::store::Store;
use ringside_sandbox::scenario::{demo, stage_at, Envelope, Scenario, Staged};
use ringside_tests::hubs::{deliver_all, hub_config, player, settle, until};
use ringside_tests::{demo as ids, TestApp};
use serde_json::{json, Value};

const BOB: &str = "bob@acme.io";
const ALICE: &str = "alice.durand@acme.io";
const ADMIN: &str = "admin@acme.io";

/// A hub on the sandbox whose team works every hour of the week (deadlines are then plain
/// minutes), once it knows who answers on each line.
async fn start(app: &TestApp, settings: Settings) -> Hub {
    let mut config = hub_config(app, settings, Store::open_in_memory().unwrap());
    config.console.settings.business_hours =
        BusinessHours::parse("mon-sun 00:00-24:00", "UTC").unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hub = Hub::start(config, listener).await.unwrap();
    until("the lines' teammates", Duration::from_secs(10), || {
        [demo::SUPPORT_FR, demo::SALES_US, demo::SUPPORT_GB]
            .iter()
            .all(|line| hub.store().line_users(*line).unwrap().is_some())
    })
    .await;
    hub
}

fn now() -> i64 {
    ringside_core::card::system_clock()()
}

/// Plays a scenario starting at `at` and waits until the hub has done everything.
async fn play(app: &TestApp, hub: &Hub, scenario: &Scenario, at: i64) -> Staged {
    let staged = stage_at(&app.sandbox, scenario, at).unwrap();
    deliver_all(&player(hub.local_addr()), &staged.envelopes).await;
    settle(hub.store(), Duration::from_secs(20)).await;
    staged
}

async fn get(hub: &Hub, token: &str, path: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("http://{}{path}", hub.local_addr()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn post(hub: &Hub, token: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let request = reqwest::Client::new()
        .post(format!("http://{}{path}", hub.local_addr()))
        .bearer_auth(token);
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The open items an agent sees.
async fn open_items(hub: &Hub, token: &str) -> Vec<Value> {
    let (status, body) = get(hub, token, "/api/v1/callbacks").await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

/// The call-back events of the log: (kind, who they go to, payload).
fn callback_events(hub: &Hub) -> Vec<(String, Vec<String>, Value)> {
    hub.store()
        .events_after(0, 1000)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind.starts_with("callback."))
        .map(|e| {
            (
                e.kind,
                e.audience,
                serde_json::from_str(&e.payload).unwrap(),
            )
        })
        .collect()
}

/// The notes on a call's Intercom conversation.
fn notes_of(app: &TestApp, hub: &Hub, call: u64) -> Vec<String> {
    let Some(conversation) = hub
        .store()
        .subject(&SubjectKey::call(call))
        .unwrap()
        .and_then(|s| s.conversation_id)
    else {
        return Vec::new();
    };
    app.sandbox
        .intercom()
        .conversations()
        .into_iter()
        .filter(|c| c.id == conversation)
        .flat_map(|c| c.parts)
        .filter(|p| p.part_type == "note")
        .filter_map(|p| p.body)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missed_call_opens_an_item_for_its_lines_agents_and_the_next_one_joins_it() {
    let app = TestApp::demo().await;
    let hub = start(&app, Settings::default()).await;
    let bob = hub.store().add_agent(BOB, 0).unwrap();
    let alice = hub.store().add_agent(ALICE, 0).unwrap();
    let admin = hub.store().add_agent_with(ADMIN, true, 0).unwrap();
    let mut bobs = ringside_tests::stream::EventStream::open(hub.local_addr(), bob.expose()).await;

    // Jane calls Support GB, where Bob alone answers, and nobody picks up.
    let first = now() - 900;
    let staged = play(
        &app,
        &hub,
        &Scenario::missed(demo::JANE, demo::SUPPORT_GB),
        first,
    )
    .await;
    let missed = staged.call("call").unwrap();
    let opened = loop {
        let (name, data) = bobs.next().await;
        if name == "callback.opened" {
            break data;
        }
    };
    assert_eq!(opened["callback"]["call_id"], missed);
    let items = open_items(&hub, bob.expose()).await;
    assert_eq!(items.len(), 1, "{items:?}");
    let item = &items[0];
    assert_eq!(item["kind"], "missed");
    assert_eq!(item["phone"], ids::JANE_PHONE);
    assert_eq!(
        item["line"],
        json!({"id": demo::SUPPORT_GB, "name": "Support GB"})
    );
    assert_eq!(item["contact"]["id"], ids::JANE);
    assert_eq!(item["contact"]["role"], "lead");
    assert_eq!(
        (item["missed_count"].as_u64(), item["state"].as_str()),
        (Some(1), Some("open"))
    );
    assert_eq!(item["opened_at"], first);
    assert_eq!(item["late"], false);
    // Alice does not answer on Support GB: she sees nothing, and may not claim it; an admin
    // sees it.
    assert!(open_items(&hub, alice.expose()).await.is_empty());
    let id = item["id"].as_i64().unwrap();
    let (status, body) = post(
        &hub,
        alice.expose(),
        &format!("/api/v1/callbacks/{id}/claim"),
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    assert_eq!(open_items(&hub, admin.expose()).await.len(), 1);
    let events = callback_events(&hub);
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].1,
        vec![BOB.to_owned()],
        "the line's agents only (and admins)"
    );

    // Jane calls again on the same line: the same item, two missed calls.
    let again = now() - 600;
    let second = play(
        &app,
        &hub,
        &Scenario::missed(demo::JANE, demo::SUPPORT_GB),
        again,
    )
    .await;
    let items = open_items(&hub, bob.expose()).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["missed_count"], 2);
    assert_eq!(
        (
            items[0]["opened_at"].as_i64(),
            items[0]["last_missed_at"].as_i64()
        ),
        (Some(first), Some(again))
    );
    assert_eq!(
        items[0]["call_id"], missed,
        "the first missed call stays the one to call back"
    );
    assert_eq!(callback_events(&hub).len(), 2);

    // Aircall delivers every webhook again: nothing opens or counts twice.
    let all: Vec<Envelope> = staged
        .envelopes
        .iter()
        .chain(&second.envelopes)
        .cloned()
        .collect();
    deliver_all(&player(hub.local_addr()), &all).await;
    settle(hub.store(), Duration::from_secs(20)).await;
    let items = open_items(&hub, bob.expose()).await;
    assert_eq!(
        (items.len(), items[0]["missed_count"].as_u64()),
        (1, Some(2))
    );
    assert_eq!(callback_events(&hub).len(), 2, "no event for a redelivery");
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_claimed_item_closes_when_the_agent_calls_back_and_the_missed_call_gets_a_note() {
    let app = TestApp::demo().await;
    let hub = start(&app, Settings::default()).await;
    let bob = hub.store().add_agent(BOB, 0).unwrap();
    let alice = hub.store().add_agent(ALICE, 0).unwrap();

    let missed_at = now() - 1200;
    let staged = play(
        &app,
        &hub,
        &Scenario::missed(demo::JANE, demo::SUPPORT_FR),
        missed_at,
    )
    .await;
    let missed = staged.call("call").unwrap();
    let id = open_items(&hub, alice.expose()).await[0]["id"]
        .as_i64()
        .unwrap();
    let claim = format!("/api/v1/callbacks/{id}/claim");
    let (status, claimed) = post(&hub, alice.expose(), &claim, None).await;
    assert_eq!(status, 200, "{claimed}");
    assert_eq!(claimed["state"], "claimed");
    assert_eq!(
        claimed["claimed_by"],
        json!({"email": ALICE, "name": "Alice Durand"})
    );
    // Bob sees who calls back, and cannot take it; Alice claiming again changes nothing.
    let seen = open_items(&hub, bob.expose()).await;
    assert_eq!(seen[0]["claimed_by"]["name"], "Alice Durand");
    let (status, body) = post(&hub, bob.expose(), &claim, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("callback_claimed"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Alice Durand"),
        "{body}"
    );
    let (status, again) = post(&hub, alice.expose(), &claim, None).await;
    assert_eq!(
        (status, &again["claimed_at"]),
        (200, &claimed["claimed_at"])
    );
    let claimed_events: Vec<_> = callback_events(&hub)
        .into_iter()
        .filter(|e| e.0 == "callback.claimed")
        .collect();
    assert_eq!(claimed_events.len(), 1);

    // Alice calls Jane back ten minutes after she called.
    let back = play(
        &app,
        &hub,
        &Scenario::outbound(demo::JANE, demo::SUPPORT_FR, demo::ALICE),
        missed_at + 600,
    )
    .await;
    assert!(open_items(&hub, alice.expose()).await.is_empty());
    let (status, closed) = get(&hub, alice.expose(), "/api/v1/callbacks?state=closed").await;
    assert_eq!(status, 200);
    let item = &closed["items"][0];
    assert_eq!(item["state"], "closed");
    assert_eq!(item["close_reason"], "called_back");
    assert_eq!(item["closed_by"]["email"], ALICE);
    assert_eq!(item["returned_after_seconds"], 600);
    let closed_events: Vec<_> = callback_events(&hub)
        .into_iter()
        .filter(|e| e.0 == "callback.closed")
        .collect();
    assert_eq!(closed_events.len(), 1);
    until(
        "the note on the missed call's conversation",
        Duration::from_secs(20),
        || {
            notes_of(&app, &hub, missed)
                .iter()
                .any(|n| n.contains("Alice Durand called back after 10 min 0 s"))
        },
    )
    .await;
    // Once: the outbound call's webhooks delivered again add no second note.
    let notes = notes_of(&app, &hub, missed).len();
    let (status, body) = post(&hub, bob.expose(), &claim, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("callback_closed"))
    );
    deliver_all(&player(hub.local_addr()), &back.envelopes).await;
    settle(hub.store(), Duration::from_secs(10)).await;
    assert_eq!(notes_of(&app, &hub, missed).len(), notes);
    assert_eq!(
        callback_events(&hub)
            .iter()
            .filter(|e| e.0 == "callback.closed")
            .count(),
        1
    );
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answered_call_from_the_number_closes_its_item_and_a_dismiss_needs_a_reason() {
    let app = TestApp::demo().await;
    let hub = start(&app, Settings::default()).await;
    let alice = hub.store().add_agent(ALICE, 0).unwrap();
    let bob = hub.store().add_agent(BOB, 0).unwrap();

    let start_at = now() - 1800;
    play(
        &app,
        &hub,
        &Scenario::missed(demo::UNKNOWN, demo::SALES_US),
        start_at,
    )
    .await;
    assert_eq!(open_items(&hub, alice.expose()).await.len(), 1);
    play(
        &app,
        &hub,
        &Scenario::inbound_answered(demo::UNKNOWN, demo::SALES_US, demo::ALICE),
        start_at + 300,
    )
    .await;
    assert!(open_items(&hub, alice.expose()).await.is_empty());
    let (_, closed) = get(&hub, alice.expose(), "/api/v1/callbacks?state=closed").await;
    assert_eq!(closed["items"][0]["close_reason"], "answered");
    assert_eq!(closed["items"][0]["returned_after_seconds"], 300);

    // A new missed call opens a new item; it needs a reason to be dismissed.
    play(
        &app,
        &hub,
        &Scenario::missed(demo::UNKNOWN, demo::SALES_US),
        start_at + 900,
    )
    .await;
    let items = open_items(&hub, alice.expose()).await;
    assert_eq!(items.len(), 1);
    let dismiss = format!("/api/v1/callbacks/{}/dismiss", items[0]["id"]);
    for body in [
        json!({}),
        json!({"reason": "   "}),
        json!({"reason": "x".repeat(201)}),
    ] {
        let (status, answer) = post(&hub, alice.expose(), &dismiss, Some(body)).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (422, Some("reason_required"))
        );
    }
    let (status, _) = post(
        &hub,
        bob.expose(),
        &dismiss,
        Some(json!({"reason": "spam"})),
    )
    .await;
    assert_eq!(status, 404, "Bob does not answer on Sales US");
    let (status, item) = post(
        &hub,
        alice.expose(),
        &dismiss,
        Some(json!({"reason": "Wrong number"})),
    )
    .await;
    assert_eq!(status, 200, "{item}");
    assert_eq!(
        (item["state"].as_str(), item["close_reason"].as_str()),
        (Some("closed"), Some("dismissed"))
    );
    assert_eq!(item["dismiss_reason"], "Wrong number");
    assert!(open_items(&hub, alice.expose()).await.is_empty());
    let (_, all) = get(&hub, alice.expose(), "/api/v1/callbacks?state=all").await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let (status, _) = get(&hub, alice.expose(), "/api/v1/callbacks?state=later").await;
    assert_eq!(status, 400);
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_item_past_its_deadline_in_business_hours_is_late() {
    let app = TestApp::demo().await;
    let hub = start(&app, Settings::default()).await;
    let bob = hub.store().add_agent(BOB, 0).unwrap();
    let missed_at = now() - 600;
    play(
        &app,
        &hub,
        &Scenario::missed(demo::SOPHIE, demo::SUPPORT_GB),
        missed_at,
    )
    .await;
    // An hour's deadline: ten minutes in, on time.
    let (_, list) = get(&hub, bob.expose(), "/api/v1/callbacks").await;
    assert_eq!(list["items"][0]["due_at"], missed_at + 3600);
    assert_eq!(
        (list["items"][0]["late"].as_bool(), list["late"].as_u64()),
        (Some(false), Some(0))
    );
    // The console makes it one minute: the same item is late at once.
    let mut settings = hub.engine().settings();
    settings.callback_deadline_minutes = 1;
    hub.engine().update_settings(settings);
    let (_, list) = get(&hub, bob.expose(), "/api/v1/callbacks").await;
    assert_eq!(list["items"][0]["due_at"], missed_at + 60);
    assert_eq!(
        (list["items"][0]["late"].as_bool(), list["late"].as_u64()),
        (Some(true), Some(1))
    );
    let (_, day) = get(&hub, bob.expose(), "/api/v1/me/day").await;
    assert_eq!(day["late"], 1);
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_voicemail_shows_its_lasting_link_and_the_transcript_aircall_sends() {
    let app = TestApp::demo().await;
    let hub = start(&app, Settings::default()).await;
    let bob = hub.store().add_agent(BOB, 0).unwrap();
    let staged = play(
        &app,
        &hub,
        &Scenario::voicemail(demo::JANE, demo::SUPPORT_GB),
        now() - 300,
    )
    .await;
    let call = staged.call("call").unwrap();
    let items = open_items(&hub, bob.expose()).await;
    assert_eq!(items[0]["kind"], "voicemail");
    let rendered = staged
        .envelopes
        .iter()
        .rev()
        .find(|e| e.data["voicemail"].is_string())
        .unwrap();
    let link = items[0]["voicemail_url"].as_str().unwrap();
    let expected = rendered.data["asset"]
        .as_str()
        .or(rendered.data["voicemail"].as_str())
        .unwrap();
    assert_eq!(link, expected, "the lasting asset page first");
    assert_eq!(items[0]["transcript"], Value::Null);

    // Aircall's AI transcribes it (a shape it documents, with utterances).
    let transcription = Envelope {
        resource: "conversation_intelligence".into(),
        event: "transcription.created".into(),
        timestamp: now(),
        data: json!({"id": 9, "call_id": call, "type": "voicemail", "content": {"language": "en",
            "utterances": [{"participant_type": "external", "text": "Hello, it is Jane."},
                           {"participant_type": "external", "text": "Please call me back."}]}}),
    };
    deliver_all(
        &player(hub.local_addr()),
        &[transcription.clone(), transcription],
    )
    .await;
    settle(hub.store(), Duration::from_secs(10)).await;
    let items = open_items(&hub, bob.expose()).await;
    assert_eq!(
        items[0]["transcript"],
        "Hello, it is Jane. Please call me back."
    );
    let opened: Vec<_> = callback_events(&hub)
        .into_iter()
        .filter(|e| e.0 == "callback.opened")
        .collect();
    assert_eq!(
        opened.len(),
        2,
        "opened, then once more with the transcript"
    );
    assert_eq!(
        opened[1].2["callback"]["transcript"],
        "Hello, it is Jane. Please call me back."
    );
    hub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn my_day_counts_the_agents_calls_of_today_in_the_teams_time_zone() {
    let app = TestApp::demo().await;
    let hub = start(&app, Settings::default()).await;
    let alice = hub.store().add_agent(ALICE, 0).unwrap();
    // Every call starts today (UTC, the team's zone here), a few minutes ago at most.
    let today = now() - now().rem_euclid(86_400);
    let at = (now() - 300).max(today);
    play(
        &app,
        &hub,
        &Scenario::inbound_answered(demo::SOPHIE, demo::SUPPORT_FR, demo::ALICE),
        at,
    )
    .await;
    play(
        &app,
        &hub,
        &Scenario::outbound(demo::JOHN, demo::SALES_US, demo::ALICE),
        at + 1,
    )
    .await;
    play(
        &app,
        &hub,
        &Scenario::missed(demo::UNKNOWN, demo::SALES_US),
        at + 2,
    )
    .await;
    // A missed call on a line Alice does not answer on is not hers.
    play(
        &app,
        &hub,
        &Scenario::missed(demo::NEW_CALLER, demo::SUPPORT_GB),
        at + 3,
    )
    .await;
    let (status, day) = get(&hub, alice.expose(), "/api/v1/me/day").await;
    assert_eq!(status, 200, "{day}");
    let date = utc_date(now());
    assert_eq!(day["date"], date);
    assert_eq!(day["timezone"], "UTC");
    assert_eq!(
        (
            day["answered"].as_u64(),
            day["outbound"].as_u64(),
            day["missed"].as_u64(),
            day["returned"].as_u64()
        ),
        (Some(1), Some(1), Some(1), Some(0))
    );
    // 3 min 5 s answered, 2 min 4 s made: 154.5 s on average, rounded.
    assert_eq!(day["average_handle_seconds"], 155);
    assert_eq!(day["late"], 0);
    hub.shutdown().await;
}

/// `YYYY-MM-DD` of a UNIX time in UTC (Howard Hinnant's days-to-civil).
fn utc_date(unix: i64) -> String {
    let z = unix.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// A console page as an admin's browser gets it (`lang`: its `Accept-Language`).
async fn console(hub: &Hub, admin: &str, path: &str, lang: &str) -> String {
    let answer = reqwest::Client::new()
        .get(format!("http://{}{path}", hub.local_addr()))
        .bearer_auth(admin)
        .header(reqwest::header::ACCEPT_LANGUAGE, lang)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{path}");
    answer.text().await.unwrap()
}

/// The value of an Overview card, by its label.
fn card(page: &str, label: &str) -> String {
    let at = page
        .find(&format!("<span class=\"label\">{label}</span>"))
        .unwrap_or_else(|| panic!("no card {label}"));
    let rest = &page[at..];
    let end = rest.find("</div>").unwrap();
    rest[..end].to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_shows_late_items_and_whether_a_call_has_one() {
    let app = TestApp::demo().await;
    let settings = Settings {
        callback_deadline_minutes: 1,
        ..Settings::default()
    };
    let hub = start(&app, settings).await;
    let admin = hub.store().add_agent_with(ADMIN, true, 0).unwrap();
    let bob = hub.store().add_agent(BOB, 0).unwrap();
    let missed_at = now() - 600;
    let staged = play(
        &app,
        &hub,
        &Scenario::missed(demo::JANE, demo::SUPPORT_GB),
        missed_at,
    )
    .await;
    let missed = staged.call("call").unwrap();
    play(
        &app,
        &hub,
        &Scenario::missed(demo::SOPHIE, demo::SUPPORT_GB),
        now() - 30,
    )
    .await;

    let overview = console(&hub, admin.expose(), "/admin", "en").await;
    assert!(overview.contains("<h2>Call-backs</h2>"), "{overview}");
    assert!(card(&overview, "To call back").contains("<span class=\"value\">2</span>"));
    assert!(
        card(&overview, "Late").contains(">1</span>"),
        "Sophie's call is 30 s old"
    );
    assert!(card(&overview, "Oldest late").contains("10 minutes ago"));
    assert!(card(&overview, "Returned today").contains("<span class=\"value\">0</span>"));
    let french = console(&hub, admin.expose(), "/admin", "fr-FR,fr;q=0.9").await;
    assert!(french.contains("<h2>Rappels</h2>"));
    assert!(card(&french, "À rappeler").contains("<span class=\"value\">2</span>"));

    let page = format!("/admin/calls/call/{missed}");
    let call = console(&hub, admin.expose(), &page, "en").await;
    assert!(call.contains("On the call-back list, late"), "{call}");
    let id = open_items(&hub, bob.expose())
        .await
        .iter()
        .find(|i| i["call_id"] == missed)
        .unwrap()["id"]
        .clone();
    let (status, _) = post(
        &hub,
        bob.expose(),
        &format!("/api/v1/callbacks/{id}/claim"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let call = console(&hub, admin.expose(), &page, "en").await;
    assert!(
        call.contains("On the call-back list: Bob Martin is calling back."),
        "{call}"
    );

    play(
        &app,
        &hub,
        &Scenario::outbound(demo::JANE, demo::SUPPORT_GB, demo::BOB),
        now() - 200,
    )
    .await;
    let call = console(&hub, admin.expose(), &page, "en").await;
    assert!(
        call.contains("Its call-back item is closed: returned by Bob Martin."),
        "{call}"
    );
    let overview = console(&hub, admin.expose(), "/admin", "en").await;
    assert!(card(&overview, "To call back").contains("<span class=\"value\">1</span>"));
    assert!(card(&overview, "Returned today").contains("<span class=\"value\">1</span>"));
    hub.shutdown().await;
}
