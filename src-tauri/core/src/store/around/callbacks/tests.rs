//! The call-back list's store: each change keyed (a missed call recorded once, an item closed
//! once with one note), who may see and act on an item, lateness, and retention.

use super::*;
use crate::aircall::UserRef;
use crate::domain::callback::CallbackFilter;

const BOB: &str = "bob@acme.io";
const ALICE: &str = "alice@acme.io";
const SUPPORT: u64 = 1;
const SALES: u64 = 2;
const T: i64 = 1_796_637_600;

fn store() -> Store {
    let store = Store::open_in_memory().unwrap();
    let user = |id, email: &str| UserRef {
        id,
        name: email.to_owned(),
        email: Some(email.to_uppercase()),
    };
    store
        .put_line_users(SUPPORT, &[user(10, BOB), user(11, ALICE)], T)
        .unwrap();
    store.put_line_users(SALES, &[user(11, ALICE)], T).unwrap();
    store
}

fn all_week() -> BusinessHours {
    BusinessHours::parse("mon-sun 00:00-24:00", "UTC").unwrap()
}

/// The default deadline: an hour of `hours`.
fn within_the_hour(hours: &BusinessHours) -> Deadline<'_> {
    Deadline { hours, minutes: 60 }
}

fn missed(call_id: u64, phone: Option<&str>, line: u64, at: i64) -> MissedCall {
    MissedCall {
        call_id,
        phone: phone.map(str::to_owned),
        line: Some(CallbackLine {
            id: line,
            name: format!("line {line}"),
        }),
        started_at: at,
        voicemail: None,
        asset: None,
    }
}

fn no_note(_: &Callback) -> String {
    "<p>returned</p>".to_owned()
}

fn teammate(email: &str) -> Teammate {
    Teammate {
        email: email.to_owned(),
        name: email.to_owned(),
    }
}

fn logged_subject(store: &Store, call_id: u64, status: &str) {
    store
        .conn()
        .exec(
            "INSERT INTO subjects (kind, id, snapshot, rank, event_time, memory, status,
                 created_at, updated_at) VALUES ('call', ?1, '{}', 2, 0, '{}', ?2, 0, 0)",
            params![call_id.to_string(), status],
        )
        .unwrap();
}

fn events(store: &Store) -> Vec<(String, Vec<String>)> {
    store
        .events_after(0, 100)
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.audience))
        .collect()
}

#[test]
fn a_missed_call_is_recorded_once_and_the_next_one_from_the_number_joins_its_item() {
    let store = store();
    let hours = all_week();
    let deadline = within_the_hour(&hours);
    let first = missed(7, Some("+33612345678"), SUPPORT, T);
    let opened = store
        .callback_missed(&first, &deadline, &no_note, T)
        .unwrap();
    assert_eq!(
        opened,
        Fed {
            events: 1,
            effects: 0
        }
    );
    // Processed again (a crash before the webhook was marked done, or a redelivery).
    assert_eq!(
        store
            .callback_missed(&first, &deadline, &no_note, T)
            .unwrap(),
        Fed::default()
    );
    store
        .callback_missed(
            &missed(8, Some("+33612345678"), SUPPORT, T + 60),
            &deadline,
            &no_note,
            T,
        )
        .unwrap();
    // Another line, or a withheld number: not the same item.
    store
        .callback_missed(
            &missed(9, Some("+33612345678"), SALES, T + 90),
            &deadline,
            &no_note,
            T,
        )
        .unwrap();
    assert_eq!(
        store
            .callback_missed(&missed(10, None, SUPPORT, T), &deadline, &no_note, T)
            .unwrap(),
        Fed::default()
    );
    let admin = teammate("admin@acme.io");
    let everyone = Actor {
        who: &admin,
        admin: true,
    };
    let (items, late) = store
        .callbacks_for(&everyone, CallbackFilter::Open, &deadline, T + 100)
        .unwrap();
    assert_eq!(late, 0);
    assert_eq!(items.len(), 2);
    let support = items.iter().find(|i| i.call_id == 7).unwrap();
    assert_eq!(
        (
            support.missed_count,
            support.opened_at,
            support.last_missed_at,
            support.due_at
        ),
        (2, T, T + 60, T + 3600)
    );
    // The events went to each line's agents (from the line's users, any letter case).
    let sent = events(&store);
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0].1, vec![ALICE.to_owned(), BOB.to_owned()]);
    assert_eq!(sent[2].1, vec![ALICE.to_owned()]);
    // Bob answers on Support only; the withheld number counts among Support's missed calls.
    let bob = teammate(BOB);
    let (mine, _) = store
        .callbacks_for(
            &Actor {
                who: &bob,
                admin: false,
            },
            CallbackFilter::All,
            &deadline,
            T,
        )
        .unwrap();
    assert_eq!(mine.iter().map(|i| i.call_id).collect::<Vec<_>>(), [7]);
    assert_eq!(store.day_of(BOB, false, T - 1).unwrap().missed, 3);
    assert_eq!(store.day_of(ALICE, false, T - 1).unwrap().missed, 4);
}

#[test]
fn a_later_call_closes_the_numbers_items_once_with_one_note_on_a_logged_missed_call() {
    let store = store();
    let hours = all_week();
    let deadline = within_the_hour(&hours);
    let phone = "+33612345678";
    logged_subject(&store, 7, "queued");
    store
        .callback_missed(&missed(7, Some(phone), SUPPORT, T), &deadline, &no_note, T)
        .unwrap();
    // Sales' item was missed on a call a setting does not log: it closes without a note.
    logged_subject(&store, 8, "off");
    store
        .callback_missed(&missed(8, Some(phone), SALES, T), &deadline, &no_note, T)
        .unwrap();
    let returned = |call_id, started_at| ReturnCall {
        call_id,
        phone: phone.to_owned(),
        started_at,
        reason: CloseReason::CalledBack,
        by: Some(teammate(BOB)),
    };
    let note = |item: &Callback| format!("<p>{} returned {}</p>", item.id, item.call_id);
    // A call that started before the missed one returns nothing.
    assert_eq!(
        store
            .callback_returned(&returned(20, T - 5), &deadline, &note, T + 10)
            .unwrap(),
        Fed::default()
    );
    let closed = store
        .callback_returned(&returned(21, T + 300), &deadline, &note, T + 400)
        .unwrap();
    assert_eq!(
        closed,
        Fed {
            events: 2,
            effects: 1
        }
    );
    assert_eq!(
        store
            .callback_returned(&returned(21, T + 300), &deadline, &note, T + 500)
            .unwrap(),
        Fed::default(),
        "processed again: nothing"
    );
    let notes = store.outbox_of(&SubjectKey::call(7)).unwrap();
    assert_eq!(notes.len(), 1);
    assert!(store.outbox_of(&SubjectKey::call(8)).unwrap().is_empty());
    let item = store
        .callback_of_call(7, &deadline, T + 600)
        .unwrap()
        .unwrap();
    assert_eq!(item.state, CallbackState::Closed);
    assert_eq!(item.close_reason, Some(CloseReason::CalledBack));
    assert_eq!(
        (item.closed_at, item.returned_after_seconds),
        (Some(T + 300), Some(300))
    );
    assert_eq!(item.closed_by.map(|b| b.email).as_deref(), Some(BOB));
    assert_eq!(store.day_of(BOB, false, T - 1).unwrap().returned, 2);
    // A new missed call opens a new item.
    store
        .callback_missed(
            &missed(9, Some(phone), SUPPORT, T + 900),
            &deadline,
            &no_note,
            T,
        )
        .unwrap();
    assert_eq!(
        store
            .callback_of_call(9, &deadline, T)
            .unwrap()
            .unwrap()
            .state,
        CallbackState::Open
    );
}

#[test]
fn an_item_is_claimed_by_one_agent_of_its_line_and_dismissed_with_its_reason() {
    let store = store();
    let hours = all_week();
    let deadline = within_the_hour(&hours);
    store
        .callback_missed(
            &missed(7, Some("+33612345678"), SALES, T),
            &deadline,
            &no_note,
            T,
        )
        .unwrap();
    let id = store.callback_of_call(7, &deadline, T).unwrap().unwrap().id;
    let (alice, bob) = (teammate(ALICE), teammate(BOB));
    let alice = Actor {
        who: &alice,
        admin: false,
    };
    let bob = Actor {
        who: &bob,
        admin: false,
    };
    assert_eq!(
        store.callback_claim(&bob, id, &deadline, T).unwrap(),
        Err(Refusal::NotFound),
        "Bob does not answer on Sales"
    );
    let claimed = store
        .callback_claim(&alice, id, &deadline, T + 5)
        .unwrap()
        .unwrap();
    assert_eq!(
        (claimed.state, claimed.claimed_at),
        (CallbackState::Claimed, Some(T + 5))
    );
    let again = store
        .callback_claim(&alice, id, &deadline, T + 9)
        .unwrap()
        .unwrap();
    assert_eq!(again.claimed_at, Some(T + 5));
    let admin = teammate("admin@acme.io");
    let admin = Actor {
        who: &admin,
        admin: true,
    };
    assert_eq!(
        store.callback_claim(&admin, id, &deadline, T).unwrap(),
        Err(Refusal::ClaimedBy(teammate(ALICE)))
    );
    let dismissed = store
        .callback_dismiss(&alice, id, "Wrong number", &deadline, T + 20)
        .unwrap()
        .unwrap();
    assert_eq!(dismissed.close_reason, Some(CloseReason::Dismissed));
    assert!(store
        .callback_dismiss(&alice, id, "Wrong number", &deadline, T + 30)
        .unwrap()
        .is_ok());
    assert_eq!(
        store
            .callback_dismiss(&admin, id, "spam", &deadline, T + 30)
            .unwrap(),
        Err(Refusal::Closed)
    );
    assert_eq!(
        store.callback_claim(&alice, id, &deadline, T).unwrap(),
        Err(Refusal::Closed)
    );
    let kinds: Vec<String> = events(&store).into_iter().map(|e| e.0).collect();
    assert_eq!(
        kinds,
        ["callback.opened", "callback.claimed", "callback.closed"]
    );
}

#[test]
fn lateness_follows_the_deadline_in_business_hours() {
    let store = store();
    // Weekdays nine to six, UTC; T is Monday 7 December 2026, 10:00.
    let hours = BusinessHours::default();
    let deadline = within_the_hour(&hours);
    let friday = T - 3 * 86_400 + 7 * 3600 + 1800;
    store
        .callback_missed(
            &missed(7, Some("+33612345678"), SUPPORT, friday),
            &deadline,
            &no_note,
            T,
        )
        .unwrap();
    store
        .callback_missed(
            &missed(8, Some("+33698765432"), SUPPORT, T),
            &deadline,
            &no_note,
            T,
        )
        .unwrap();
    // Friday 17:30 plus an hour of work is Monday 09:30.
    let item = store.callback_of_call(7, &deadline, T).unwrap().unwrap();
    assert_eq!(item.due_at, T - 1800);
    assert!(item.late);
    let figures = store.callback_figures(&deadline, T - 3600, T).unwrap();
    assert_eq!(
        figures,
        CallbackFigures {
            waiting: 2,
            late: 1,
            oldest_late: Some(friday),
            returned: 0
        }
    );
    let bob = teammate(BOB);
    assert_eq!(
        store
            .callbacks_late(
                &Actor {
                    who: &bob,
                    admin: false
                },
                &deadline,
                T
            )
            .unwrap(),
        1
    );
    let alice = teammate("nobody@acme.io");
    assert_eq!(
        store
            .callbacks_late(
                &Actor {
                    who: &alice,
                    admin: false
                },
                &deadline,
                T
            )
            .unwrap(),
        0
    );
}

#[test]
fn closed_items_past_retention_are_pruned_and_waiting_ones_kept() {
    let store = store();
    let hours = all_week();
    let deadline = within_the_hour(&hours);
    for (call, phone) in [(7, "+33612345678"), (8, "+33698765432")] {
        store
            .callback_missed(
                &missed(call, Some(phone), SUPPORT, T),
                &deadline,
                &no_note,
                T,
            )
            .unwrap();
    }
    store
        .callback_transcript(8, "Call me back", &deadline, T)
        .unwrap();
    let bob = teammate(BOB);
    let bob = Actor {
        who: &bob,
        admin: false,
    };
    let id = store.callback_of_call(7, &deadline, T).unwrap().unwrap().id;
    store
        .callback_dismiss(&bob, id, "Spam", &deadline, T + 10)
        .unwrap()
        .unwrap();
    store.prune_before(T + 11).unwrap();
    assert!(store.callback_of_call(7, &deadline, T).unwrap().is_none());
    let kept = store.callback_of_call(8, &deadline, T).unwrap().unwrap();
    assert_eq!(kept.transcript.as_deref(), Some("Call me back"));
}

#[test]
fn the_earliest_call_that_returns_an_item_names_it_whatever_the_order() {
    let store = store();
    let hours = all_week();
    let deadline = within_the_hour(&hours);
    let phone = "+33612345678";
    let note =
        |item: &Callback| format!("<p>by {:?}</p>", item.closed_by.as_ref().map(|b| &b.email));
    let returned = |call_id, started_at, by: &str| ReturnCall {
        call_id,
        phone: phone.to_owned(),
        started_at,
        reason: CloseReason::CalledBack,
        by: Some(teammate(by)),
    };
    logged_subject(&store, 7, "queued");
    store
        .callback_missed(&missed(7, Some(phone), SUPPORT, T), &deadline, &note, T)
        .unwrap();
    // The later call back is processed first, then the earlier one: the earlier one names it,
    // and the note, still waiting, says so.
    store
        .callback_returned(&returned(31, T + 600, ALICE), &deadline, &note, T)
        .unwrap();
    store
        .callback_returned(&returned(30, T + 300, BOB), &deadline, &note, T)
        .unwrap();
    let item = store.callback_of_call(7, &deadline, T).unwrap().unwrap();
    assert_eq!(item.closed_by.map(|b| b.email).as_deref(), Some(BOB));
    assert_eq!(item.returned_after_seconds, Some(300));
    let notes = store.outbox_of(&SubjectKey::call(7)).unwrap();
    assert_eq!(notes.len(), 1);
    assert!(
        matches!(&notes[0].effect, Effect::AddNote { body, .. } if body.contains(BOB)),
        "{notes:?}"
    );
    // Processed again, the later one changes nothing.
    assert_eq!(
        store
            .callback_returned(&returned(31, T + 600, ALICE), &deadline, &note, T)
            .unwrap(),
        Fed::default()
    );

    // A missed call processed after the call that returned it: closed at once.
    logged_subject(&store, 40, "queued");
    store
        .conn()
        .exec(
            "INSERT INTO subjects (kind, id, snapshot, rank, event_time, memory, status,
                 created_at, updated_at, phone, started_at, direction, answered, agent_email)
             VALUES ('call', '41', '{}', 2, 0, '{}', 'queued', 0, 0, ?1, ?2, 'outbound', 1, ?3)",
            params![phone, T + 2000, ALICE],
        )
        .unwrap();
    let fed = store
        .callback_missed(
            &missed(40, Some(phone), SALES, T + 1000),
            &deadline,
            &note,
            T,
        )
        .unwrap();
    assert_eq!(
        fed,
        Fed {
            events: 1,
            effects: 1
        }
    );
    let item = store.callback_of_call(40, &deadline, T).unwrap().unwrap();
    assert_eq!(item.state, CallbackState::Closed);
    assert_eq!(item.closed_by.map(|b| b.email).as_deref(), Some(ALICE));
    assert_eq!(item.returned_after_seconds, Some(1000));
}

#[test]
fn an_item_is_its_earliest_missed_calls_whatever_order_they_are_processed_in() {
    let store = store();
    let hours = all_week();
    let deadline = within_the_hour(&hours);
    // The later missed call is processed first (concurrent senders, a redelivery).
    for (call_id, at) in [(21, T + 60), (20, T)] {
        store
            .callback_missed(
                &missed(call_id, Some("+33612345678"), SUPPORT, at),
                &deadline,
                &no_note,
                T + 90,
            )
            .unwrap();
    }
    let admin = teammate("admin@acme.io");
    let everyone = Actor {
        who: &admin,
        admin: true,
    };
    let (items, _) = store
        .callbacks_for(&everyone, CallbackFilter::Open, &deadline, T + 100)
        .unwrap();
    let item = &items[0];
    assert_eq!(
        (
            items.len(),
            item.call_id,
            item.missed_count,
            item.opened_at,
            item.last_missed_at
        ),
        (1, 20, 2, T, T + 60)
    );
}

#[test]
fn a_call_returned_across_extreme_times_reads_back_with_its_wait_clamped() {
    // Hostile webhooks can carry any 64-bit time: SQLite turns an integer subtraction that
    // overflows into a real number, which the item's integer field could not read back.
    let store = store();
    let hours = all_week();
    let deadline = within_the_hour(&hours);
    let phone = "+33612345678";
    store
        .callback_missed(
            &missed(7, Some(phone), SUPPORT, i64::MIN + 1),
            &deadline,
            &no_note,
            T,
        )
        .unwrap();
    store
        .callback_returned(
            &ReturnCall {
                call_id: 8,
                phone: phone.to_owned(),
                started_at: i64::MAX - 1,
                reason: CloseReason::Answered,
                by: Some(teammate(BOB)),
            },
            &deadline,
            &no_note,
            T,
        )
        .unwrap();
    let item = store.callback_of_call(7, &deadline, T).unwrap().unwrap();
    assert_eq!(item.state, CallbackState::Closed);
    assert_eq!(item.returned_after_seconds, Some(i64::MAX));
    let admin = teammate("admin@acme.io");
    let everyone = Actor {
        who: &admin,
        admin: true,
    };
    let (items, _) = store
        .callbacks_for(&everyone, CallbackFilter::All, &deadline, T)
        .unwrap();
    assert_eq!(items.len(), 1);
}
