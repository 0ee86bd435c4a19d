//! The insight card built from the demo sandbox: the four contact states in the exact JSON shape
//! of the README's architecture section, which conversation and owner a caller gets, how the
//! local caches keep the card coming when Intercom or Aircall fail, and that the card from the
//! contact index is the card from a live search for every caller of the fixture.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use ringside_core::card::{CardBuilder, Freshness, ANONYMOUS_EMAIL, ANONYMOUS_NAME};
use ringside_core::intercom::{NewContact, Role};
use ringside_core::phone::{CallerId, Region, E164};
use ringside_core::store::{IntercomIdentity, Store};
use ringside_core::sync::SyncMode;
use ringside_sandbox::intercom::NewContact as SandboxContact;
use ringside_sandbox::{Api, NumberSeed, Seed};
use ringside_tests::demo::*;
use ringside_tests::{e164, quick_http, sync_options, TestApp, TestClock};
use serde_json::{json, Value};

async fn card_json(builder: &CardBuilder, caller: &CallerId, call_id: Option<u64>) -> Value {
    let card = builder.build(caller, call_id).await.expect("a card");
    serde_json::to_value(&card).expect("the card serialises")
}

fn number(e164_number: &str) -> CallerId {
    CallerId::Number(e164(e164_number))
}

fn contact_url(id: &str) -> String {
    format!("https://app.intercom.com/a/apps/{WORKSPACE}/users/{id}")
}

fn conversation_url(id: &str) -> String {
    format!("https://app.intercom.com/a/inbox/{WORKSPACE}/inbox/conversation/{id}")
}

/// The `contact` of a card for one existing contact.
fn existing(id: &str, name: &str, kind: &str) -> Value {
    json!({
        "status": "existing",
        "id": id,
        "name": name,
        "type": kind,
        "url": contact_url(id),
        "candidates": [],
    })
}

/// The `conversation` of a card, with no tags.
fn conversation(id: &str, state: &str, owner: Value) -> Value {
    json!({"id": id, "state": state, "url": conversation_url(id), "owner": owner, "tags": []})
}

fn owner(name: &str, email: &str, availability: Option<&str>) -> Value {
    json!({"name": name, "email": email, "availability": availability})
}

#[tokio::test]
async fn each_caller_gets_the_card_designed_for_their_case() {
    let app = TestApp::demo().await;
    let builder = app.card_builder();
    let alice = || owner("Alice Durand", "alice.durand@acme.io", Some("available"));
    // (the case, the caller, the call, the whole card).
    let cases: Vec<(&str, &str, Option<u64>, Value)> = vec![
        (
            "an existing lead with an open conversation whose owner is in a call",
            JANE_PHONE,
            Some(RINGING_CALL),
            json!({
                "call_id": RINGING_CALL,
                "phone": "+33762043575",
                "contact": {
                    "status": "existing",
                    "id": JANE,
                    "name": "Jane Roe",
                    "type": "lead",
                    "url": "https://app.intercom.com/a/apps/ecahpwf5/users/6762f0dd1bb69f9f2193bb83",
                    "candidates": [],
                },
                "conversation": {
                    "id": JANE_OPEN,
                    "state": "open",
                    "url": "https://app.intercom.com/a/inbox/ecahpwf5/inbox/conversation/215475827415413",
                    "owner": {"name": "Bob Martin", "email": "bob@acme.io", "availability": "in_call"},
                    "tags": [{"id": "101", "name": "VIP"}, {"id": "102", "name": "Billing"}],
                },
            }),
        ),
        (
            "a number nobody has: a new lead named after the number",
            UNKNOWN_PHONE,
            None,
            json!({
                "call_id": null,
                "phone": UNKNOWN_PHONE,
                "contact": {
                    "status": "new",
                    "id": null,
                    "name": UNKNOWN_PHONE,
                    "type": "lead",
                    "url": null,
                    "candidates": [],
                },
                "conversation": null,
            }),
        ),
        (
            "a shared number: both contacts are candidates, no conversation is guessed",
            SHARED_PHONE,
            Some(780836702),
            json!({
                "call_id": 780836702,
                "phone": SHARED_PHONE,
                "contact": {
                    "status": "ambiguous",
                    "id": null,
                    "name": SHARED_PHONE,
                    "type": null,
                    "url": null,
                    "candidates": [
                        {"id": CLAIRE, "name": "Claire Lefèvre", "type": "lead", "url": contact_url(CLAIRE)},
                        {"id": PAUL, "name": "Paul Lefèvre", "type": "lead", "url": contact_url(PAUL)},
                    ],
                },
                "conversation": null,
            }),
        ),
        (
            "the closed conversation wins over a more recent snoozed one",
            "+14422497851",
            Some(DONE_CALL),
            json!({
                "call_id": DONE_CALL,
                "phone": "+14422497851",
                "contact": existing("6762f0dd1bb69f9f2193bb84", "John Carter", "user"),
                "conversation": conversation("215475827415402", "closed", alice()),
            }),
        ),
        (
            "an owner with no Aircall user has no availability",
            "+33612345678",
            None,
            json!({
                "call_id": null,
                "phone": "+33612345678",
                "contact": existing("6762f0dd1bb69f9f2193bb88", "Sophie Martin", "user"),
                "conversation": {
                    "id": "215475827415406",
                    "state": "open",
                    "url": conversation_url("215475827415406"),
                    "owner": owner("David Smith", "david@acme.io", None),
                    "tags": [{"id": "103", "name": "Churn risk"}],
                },
            }),
        ),
        (
            "an unassigned conversation has no owner",
            "+61281032081",
            None,
            json!({
                "call_id": null,
                "phone": "+61281032081",
                "contact": existing("6762f0dd1bb69f9f2193bb87", "Mia Wilson", "user"),
                "conversation": conversation("215475827415405", "open", Value::Null),
            }),
        ),
        (
            "a hostile name comes back verbatim",
            "+33698765432",
            None,
            json!({
                "call_id": null,
                "phone": "+33698765432",
                "contact": existing("6762f0dd1bb69f9f2193bb8b", "<img src=x onerror=alert(1)>", "lead"),
                "conversation": conversation("215475827415407", "closed", alice()),
            }),
        ),
        (
            "a contact whose only conversation is snoozed has none on the card",
            "+442087653456",
            None,
            json!({
                "call_id": null,
                "phone": "+442087653456",
                "contact": existing("6762f0dd1bb69f9f2193bb85", "Oliver Brown", "user"),
                "conversation": null,
            }),
        ),
    ];
    let aircall = app.aircall();
    for (case, caller, call_id, expected) in cases {
        let card = builder.build(&number(caller), call_id).await.expect(case);
        assert_eq!(serde_json::to_value(&card).unwrap(), expected, "{case}");
        // Aircall's phone app accepts the card as it is pushed during the call.
        aircall
            .push_insight_card(RINGING_CALL, &card.to_insight_blocks())
            .await
            .unwrap_or_else(|e| panic!("{case}: the insight card was refused: {e}"));
    }
}

#[tokio::test]
async fn an_anonymous_caller_gets_the_shared_anonymous_contact() {
    for create_it_first in [false, true] {
        let app = TestApp::demo().await;
        let id = if create_it_first {
            let new = NewContact {
                role: Role::Lead,
                name: Some(ANONYMOUS_NAME.into()),
                email: Some(ANONYMOUS_EMAIL.into()),
                phone: None,
            };
            let created = app.intercom().create_contact(&new).await.unwrap();
            Some(created.id().to_owned())
        } else {
            None
        };
        let card = card_json(
            &app.card_builder(),
            &CallerId::Anonymous,
            Some(RINGING_CALL),
        )
        .await;
        let expected = json!({
            "call_id": RINGING_CALL,
            "phone": null,
            "contact": {
                "status": "anonymous",
                "id": id,
                "name": "Aircall Anonymous Contact",
                "type": "lead",
                "url": id.as_deref().map(contact_url),
                "candidates": [],
            },
            "conversation": null,
        });
        assert_eq!(
            card, expected,
            "anonymous contact created first: {create_it_first}"
        );
    }
}

#[tokio::test]
async fn a_second_card_for_the_same_number_needs_no_new_search() {
    let app = TestApp::demo().await;
    let builder = app.card_builder();
    for caller in [JANE_PHONE, UNKNOWN_PHONE, SHARED_PHONE] {
        let first = card_json(&builder, &number(caller), None).await;
        let searches = app.intercom_requests("/contacts/search").len();
        let second = card_json(&builder, &number(caller), None).await;
        assert_eq!(second, first, "{caller}");
        assert_eq!(
            app.intercom_requests("/contacts/search").len(),
            searches,
            "{caller} was searched again"
        );
    }
}

#[tokio::test]
async fn a_known_caller_still_gets_a_card_while_intercom_is_down() {
    // (what happens, how long after the first card, whether Intercom answers 500 or hangs up).
    let cases = [
        (
            "Intercom fails, the caches are fresh",
            Duration::ZERO,
            false,
        ),
        (
            "Intercom fails, every cache is stale",
            Duration::from_secs(3_600),
            false,
        ),
        (
            "Intercom hangs up, every cache is stale",
            Duration::from_secs(3_600),
            true,
        ),
    ];
    for (case, later, drop_connections) in cases {
        let app = TestApp::demo().await;
        let clock = TestClock::default();
        let builder = app.card_builder().with_clock(clock.clock());
        let before = card_json(&builder, &number(JANE_PHONE), None).await;

        if drop_connections {
            app.sandbox.faults().drop_next(Api::Intercom, 1_000);
        } else {
            app.sandbox.faults().fail_next(Api::Intercom, 1_000, 500);
        }
        clock.advance(later);
        let during = builder
            .build(&number(JANE_PHONE), None)
            .await
            .unwrap_or_else(|e| panic!("{case}: no card: {e}"));
        assert_eq!(serde_json::to_value(&during).unwrap(), before, "{case}");
    }
}

#[tokio::test]
async fn an_unknown_caller_stays_new_while_intercom_is_down_but_a_never_seen_one_is_an_error() {
    let app = TestApp::demo().await;
    let clock = TestClock::default();
    let builder = app.card_builder().with_clock(clock.clock());
    let before = card_json(&builder, &number(UNKNOWN_PHONE), None).await;
    assert_eq!(before["contact"]["status"], "new");

    app.sandbox.faults().fail_next(Api::Intercom, 1_000, 500);
    clock.advance(Duration::from_secs(3_600));
    // Looked up before and nobody had it: still a new caller.
    let during = card_json(&builder, &number(UNKNOWN_PHONE), None).await;
    assert_eq!(during, before);
    // Never looked up: nothing is known, and the card says so instead of guessing "new".
    let never = builder.build(&number("+33699887766"), None).await;
    assert!(never.is_err(), "a card was guessed: {never:?}");
}

#[tokio::test]
async fn when_aircall_fails_the_owner_shows_the_last_known_availability_or_none() {
    let app = TestApp::demo().await;
    let clock = TestClock::default();
    let availability = |card: &Value| card["conversation"]["owner"]["availability"].clone();

    // Aircall down from the start: nothing is known, the card comes anyway.
    app.sandbox.faults().fail_next(Api::Aircall, 1_000, 500);
    let cold = app.card_builder().with_clock(clock.clock());
    let card = card_json(&cold, &number(JANE_PHONE), None).await;
    assert_eq!(card["conversation"]["owner"]["name"], "Bob Martin");
    assert_eq!(availability(&card), Value::Null);

    // Known once, then Aircall fails while Bob becomes available: the card keeps "in call".
    app.sandbox.faults().clear();
    let warm = app.card_builder().with_clock(clock.clock());
    let card = card_json(&warm, &number(JANE_PHONE), None).await;
    assert_eq!(availability(&card), "in_call");
    app.sandbox
        .set_availability(AIRCALL_BOB, "available")
        .unwrap();
    app.sandbox.faults().fail_next(Api::Aircall, 1_000, 500);
    clock.advance(Duration::from_secs(30));
    let card = card_json(&warm, &number(JANE_PHONE), None).await;
    assert_eq!(availability(&card), "in_call");

    // Aircall is back: a card never waits for Aircall's budget, so it shows the last known
    // availability at once while the stale one is read again in the background; the next
    // cards show the new one.
    // Aircall answers slowly, so the refresh cannot finish first: the card comes without
    // waiting for it.
    app.sandbox.faults().clear();
    app.sandbox
        .faults()
        .set_latency(Api::Aircall, Duration::from_millis(400));
    let asked = std::time::Instant::now();
    let card = card_json(&warm, &number(JANE_PHONE), None).await;
    assert!(
        asked.elapsed() < Duration::from_millis(400),
        "the card waited for Aircall: {:?}",
        asked.elapsed()
    );
    assert_eq!(availability(&card), "in_call");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let card = card_json(&warm, &number(JANE_PHONE), None).await;
        if availability(&card) == "available" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the availability was never read again"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_new_owner_shows_once_the_cached_conversation_is_stale() {
    let no_conversation_cache = Freshness {
        conversation: Duration::ZERO,
        ..Freshness::default()
    };
    // (the case, the builder's freshness, time passed since the first card, the owner shown).
    let cases = [
        (
            "within a minute, the cached owner",
            Freshness::default(),
            0,
            "Bob Martin",
        ),
        (
            "after a minute, the new owner",
            Freshness::default(),
            61,
            "Alice Durand",
        ),
        (
            "with no conversation cache, the new owner",
            no_conversation_cache,
            0,
            "Alice Durand",
        ),
    ];
    for (case, freshness, later, expected) in cases {
        let app = TestApp::demo().await;
        let clock = TestClock::default();
        let builder = app
            .card_builder()
            .with_freshness(freshness)
            .with_clock(clock.clock());
        let card = card_json(&builder, &number(JANE_PHONE), None).await;
        assert_eq!(
            card["conversation"]["owner"]["name"], "Bob Martin",
            "{case}"
        );

        app.intercom()
            .assign(JANE_OPEN, INTEGRATION_ADMIN, Some(ALICE), None)
            .await
            .unwrap();
        clock.advance(Duration::from_secs(later));
        let card = card_json(&builder, &number(JANE_PHONE), None).await;
        assert_eq!(card["conversation"]["owner"]["name"], expected, "{case}");
    }
}

#[tokio::test]
async fn links_use_the_workspace_of_the_token_in_use_not_one_cached_for_another() {
    let app = TestApp::demo().await;
    let store = Store::open_in_memory().unwrap();
    // What an earlier token, of another workspace, left in the database; and the untied cache
    // of an older Ringside.
    let earlier = app.intercom_with("a-token-of-another-workspace", quick_http());
    let elsewhere = IntercomIdentity {
        workspace_id: "otherws".into(),
        admin_id: "1".into(),
    };
    store
        .set_intercom_identity(earlier.identity_key(), &elsewhere)
        .unwrap();
    store.set_meta("intercom_workspace_id", "legacyws").unwrap();
    assert_ne!(earlier.identity_key(), app.intercom().identity_key());

    let builder = CardBuilder::new(app.intercom(), Some(app.aircall()), store.clone());
    let card = card_json(&builder, &number(JANE_PHONE), None).await;
    assert_eq!(card["contact"]["url"], contact_url(JANE));
    assert_eq!(card["conversation"]["url"], conversation_url(JANE_OPEN));
    // The token in use is now the one remembered; the earlier one would ask `/me` again.
    let remembered = store.intercom_identity(app.intercom().identity_key());
    assert_eq!(remembered.unwrap().unwrap().workspace_id, WORKSPACE);
    assert_eq!(
        store.intercom_identity(earlier.identity_key()).unwrap(),
        None
    );
}

/// Every caller number the demo fixture holds: each call's caller, read in its line's country,
/// and each contact's phone read in the country of each of the company's lines (a caller on the
/// UK line presents a UK number, which a French workspace may have stored in UK national form).
fn fixture_callers(seed: &Seed) -> Vec<E164> {
    let region_of = |line: &NumberSeed| Region::parse(&line.country).ok();
    let regions: Vec<Region> = seed.aircall.numbers.iter().filter_map(region_of).collect();
    let default = Region::parse(&seed.default_region).unwrap();
    let mut out = BTreeSet::new();
    for call in &seed.aircall.calls {
        let line = seed.aircall.numbers.iter().find(|n| n.id == call.number);
        let region = line.and_then(region_of).unwrap_or(default);
        if let Ok(CallerId::Number(n)) = CallerId::parse(&call.raw_digits, region) {
            out.insert(n);
        }
    }
    for phone in seed
        .intercom
        .contacts
        .iter()
        .filter_map(|c| c.phone.as_deref())
    {
        out.extend(regions.iter().filter_map(|r| E164::parse(phone, *r).ok()));
    }
    out.into_iter().collect()
}

/// The demo workspace, plus for some callers one more contact with the caller's number written
/// as one of its variants (`None`: no twin), indexed by a contact sync; then, for every caller,
/// the card from that index and the card from a live search. Returns the callers whose cards
/// differ, with both cards.
async fn index_and_live_cards_disagree(twins: &[Option<usize>]) -> Vec<(String, Value, Value)> {
    let seed = Seed::demo();
    let callers = fixture_callers(&seed);
    let app = TestApp::with(seed).await;
    app.unlimited();
    let new = callers
        .iter()
        .zip(twins)
        .filter_map(|(caller, twin)| {
            let variants = caller.variants();
            let phone = variants[twin.as_ref()? % variants.len()].clone();
            Some(SandboxContact {
                name: Some(format!("Twin of {caller}")),
                phone: Some(phone),
                ..SandboxContact::default()
            })
        })
        .collect::<Vec<_>>();
    app.sandbox.add_intercom_contacts(new);

    let store = Store::open_in_memory().unwrap();
    app.sync_engine(store.clone(), sync_options(), 1_000_000)
        .run(SyncMode::Full)
        .await
        .expect("contact sync runs");
    let from_index = CardBuilder::new(app.intercom(), Some(app.aircall()), store);
    let live = app.card_builder();
    let mut differ = Vec::new();
    for caller in callers {
        let caller = CallerId::Number(caller);
        let indexed = card_json(&from_index, &caller, None).await;
        let searched = card_json(&live, &caller, None).await;
        if indexed != searched {
            let number = caller.number().unwrap().to_string();
            differ.push((number, indexed, searched));
        }
    }
    differ
}

#[tokio::test]
async fn the_index_and_a_live_search_give_the_same_card_for_every_caller_of_the_fixture() {
    let callers = fixture_callers(&Seed::demo());
    assert!(callers.len() >= 10, "{callers:?}");
    // No twin; then a twin for every caller in international form (`+44 20 8765 3456`), which
    // reads as the number in any workspace while the fixture's `020 8765 3456` does not.
    for twins in [vec![None; callers.len()], vec![Some(1); callers.len()]] {
        let differ = index_and_live_cards_disagree(&twins).await;
        assert!(differ.is_empty(), "cards differ: {differ:#?}");
    }
}

#[test]
fn the_index_and_a_live_search_agree_whoever_shares_a_number_in_whatever_form() {
    use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};
    let callers = fixture_callers(&Seed::demo()).len();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 8,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        source_file: Some(file!()),
        ..Config::default()
    });
    let twins = proptest::collection::vec(proptest::option::of(0..15usize), callers);
    runner
        .run(&twins, |twins| {
            let differ = runtime.block_on(index_and_live_cards_disagree(&twins));
            proptest::prop_assert!(differ.is_empty(), "cards differ: {differ:#?}");
            Ok(())
        })
        .unwrap();
}
