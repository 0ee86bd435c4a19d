//! The seed's rules, one test per row of its assignment table and per paragraph, on plain data.

use super::*;
use crate::aircall::{CallTag, Comment, Number};

fn user(id: u64, name: &str, email: &str) -> UserRef {
    UserRef {
        id,
        name: name.into(),
        email: Some(email.into()),
    }
}

fn line() -> Number {
    Number {
        id: 1,
        name: "Support FR".into(),
        digits: "+33 1 76 11 11 11".into(),
        country: Some("FR".into()),
        users: vec![],
    }
}

fn call(direction: Direction, answered: bool) -> Call {
    Call {
        id: 7,
        direction,
        status: "done".into(),
        missed_call_reason: (!answered && direction == Direction::Inbound)
            .then(|| "agents_did_not_answer".into()),
        started_at: Some(1_000),
        answered_at: answered.then_some(1_012),
        ended_at: Some(1_200),
        duration: Some(200),
        raw_digits: "+33 7 62 04 35 75".into(),
        user: answered.then(|| user(11, "Bob Martin", "Bob@Acme.io")),
        number: Some(line()),
        assigned_to: None,
        transferred_to: None,
        transferred_by: None,
        recording: None,
        voicemail: None,
        asset: None,
        comments: vec![],
        tags: vec![],
    }
}

fn effects(planned: &[Planned]) -> Vec<&Effect> {
    planned.iter().map(|p| &p.effect).collect()
}

fn assignments(planned: &[Planned]) -> Vec<AssignTarget> {
    planned
        .iter()
        .filter_map(|p| match &p.effect {
            Effect::Assign { target } => Some(target.clone()),
            _ => None,
        })
        .collect()
}

fn bob(fallback: Fallback) -> AssignTarget {
    AssignTarget::Teammate {
        email: "bob@acme.io".into(),
        name: "Bob Martin".into(),
        fallback,
    }
}

#[test]
fn an_answered_inbound_call_goes_to_the_teammate_who_answered() {
    let (planned, _) = plan_call(
        CallEvent::Ended,
        &call(Direction::Inbound, true),
        1_230,
        &CallMemory::default(),
        &Settings::default(),
    );
    assert_eq!(
        effects(&planned)[0],
        &Effect::StartConversation {
            body: "[Inbound answered call] on Support FR".into()
        }
    );
    assert_eq!(assignments(&planned), [bob(Fallback::IntegrationAdmin)]);
}

#[test]
fn a_missed_inbound_call_is_left_unassigned() {
    let (planned, _) = plan_call(
        CallEvent::Ended,
        &call(Direction::Inbound, false),
        1_230,
        &CallMemory::default(),
        &Settings::default(),
    );
    assert_eq!(
        effects(&planned)[0],
        &Effect::StartConversation {
            body: "[Inbound missed call] on Support FR".into()
        }
    );
    assert!(assignments(&planned).is_empty());
}

#[test]
fn an_outbound_call_goes_to_the_caller_or_the_integration_admin() {
    let mut c = call(Direction::Outbound, true);
    let (planned, _) = plan_call(
        CallEvent::Ended,
        &c,
        1_230,
        &CallMemory::default(),
        &Settings::default(),
    );
    assert_eq!(
        effects(&planned)[0],
        &Effect::StartConversation {
            body: "[Outbound call] on Support FR".into()
        }
    );
    assert_eq!(assignments(&planned), [bob(Fallback::IntegrationAdmin)]);
    c.user = None;
    let (planned, _) = plan_call(
        CallEvent::Ended,
        &c,
        1_230,
        &CallMemory::default(),
        &Settings::default(),
    );
    assert_eq!(assignments(&planned), [AssignTarget::IntegrationAdmin]);
}

#[test]
fn an_answered_transfer_moves_the_conversation_and_an_unanswered_one_does_not() {
    let mut c = call(Direction::Inbound, true);
    c.transferred_to = Some(user(12, "Alice Durand", "alice@acme.io"));
    let (planned, _) = plan_call(
        CallEvent::Ended,
        &c,
        1_230,
        &CallMemory::default(),
        &Settings::default(),
    );
    let alice = AssignTarget::Teammate {
        email: "alice@acme.io".into(),
        name: "Alice Durand".into(),
        fallback: Fallback::Keep,
    };
    assert_eq!(
        assignments(&planned),
        [bob(Fallback::IntegrationAdmin), alice]
    );

    let mut missed = call(Direction::Inbound, false);
    missed.transferred_to = Some(user(12, "Alice Durand", "alice@acme.io"));
    let (planned, _) = plan_call(
        CallEvent::Ended,
        &missed,
        1_230,
        &CallMemory::default(),
        &Settings::default(),
    );
    assert!(assignments(&planned).is_empty());
}

#[test]
fn a_reassignment_in_aircall_reassigns_with_a_note_once() {
    let c = call(Direction::Inbound, true);
    let (_, memory) = plan_call(
        CallEvent::Ended,
        &c,
        1_230,
        &CallMemory::default(),
        &Settings::default(),
    );
    let mut reassigned = c.clone();
    reassigned.assigned_to = Some(user(12, "Alice Durand", "alice@acme.io"));
    let (planned, memory) = plan_call(
        CallEvent::Assigned,
        &reassigned,
        1_300,
        &memory,
        &Settings::default(),
    );
    assert_eq!(
        effects(&planned)[0],
        &Effect::AddNote {
            body: "<p>Call reassigned in Aircall from Bob Martin to Alice Durand</p>".into(),
            author_email: None
        }
    );
    assert_eq!(assignments(&planned).len(), 1);
    // The same event again changes nothing.
    let (again, _) = plan_call(
        CallEvent::Assigned,
        &reassigned,
        1_300,
        &memory,
        &Settings::default(),
    );
    assert!(again.is_empty(), "{again:?}");
}

#[test]
fn replaying_and_reordering_events_plans_nothing_twice() {
    let c = call(Direction::Inbound, true);
    let (first, memory) = plan_call(
        CallEvent::Ended,
        &c,
        1_230,
        &CallMemory::default(),
        &Settings::default(),
    );
    assert!(!first.is_empty());
    let (again, _) = plan_call(CallEvent::Ended, &c, 1_230, &memory, &Settings::default());
    assert!(again.is_empty());
    // An `answered` that arrives after `ended` (with the final snapshot kept) adds nothing.
    let (late, _) = plan_call(
        CallEvent::Answered,
        &c,
        1_012,
        &memory,
        &Settings::default(),
    );
    assert!(late.is_empty());
}

#[test]
fn each_comment_becomes_one_note() {
    let mut c = call(Direction::Inbound, true);
    c.comments = vec![Comment {
        id: 1,
        content: "Wants a <b>refund</b>".into(),
        posted_at: None,
        posted_by: None,
    }];
    let (planned, memory) = plan_call(
        CallEvent::Ended,
        &c,
        1_230,
        &CallMemory::default(),
        &Settings::default(),
    );
    let comment_notes = planned
        .iter()
        .filter(|p| p.key.contains(":comment:"))
        .count();
    assert_eq!(comment_notes, 1);
    assert!(planned.iter().any(|p| matches!(&p.effect, Effect::AddNote { body, .. } if body.contains("Wants a &lt;b&gt;refund&lt;/b&gt;"))));
    c.comments.push(Comment {
        id: 2,
        content: "Called back".into(),
        posted_at: None,
        posted_by: None,
    });
    let (planned, _) = plan_call(
        CallEvent::Commented,
        &c,
        1_300,
        &memory,
        &Settings::default(),
    );
    assert_eq!(planned.len(), 1, "only the new comment: {planned:?}");
    assert_eq!(planned[0].key, "call:7:comment:2");
}

#[test]
fn tags_sync_within_the_window_only() {
    let mut c = call(Direction::Inbound, true);
    let (_, memory) = plan_call(
        CallEvent::Ended,
        &c,
        1_230,
        &CallMemory::default(),
        &Settings::default(),
    );
    c.tags = vec![CallTag {
        id: 1,
        name: "VIP".into(),
        tagged_at: Some(1_300),
    }];
    let (planned, memory) = plan_call(CallEvent::Tagged, &c, 1_300, &memory, &Settings::default());
    assert_eq!(
        effects(&planned),
        [&Effect::Tag {
            name: "VIP".into(),
            author_email: None
        }]
    );
    c.tags.clear();
    let (planned, memory) = plan_call(
        CallEvent::Untagged,
        &c,
        1_400,
        &memory,
        &Settings::default(),
    );
    assert_eq!(
        effects(&planned),
        [&Effect::Untag {
            name: "vip".into(),
            author_email: None
        }]
    );
    // Three hours after the end: outside the default two-hour window.
    c.tags = vec![CallTag {
        id: 2,
        name: "Late".into(),
        tagged_at: Some(1_200 + 3 * 3600),
    }];
    let (planned, _) = plan_call(
        CallEvent::Tagged,
        &c,
        1_200 + 3 * 3600,
        &memory,
        &Settings::default(),
    );
    assert!(planned.is_empty());
    // A wider window lets it through.
    let wide = Settings {
        tag_window_secs: 4 * 3600,
        ..Settings::default()
    };
    let (planned, _) = plan_call(CallEvent::Tagged, &c, 1_200 + 3 * 3600, &memory, &wide);
    assert_eq!(
        effects(&planned),
        [&Effect::Tag {
            name: "Late".into(),
            author_email: None
        }]
    );
}

#[test]
fn a_live_call_gets_its_card_pushed_once_and_nothing_logged_yet() {
    let mut c = call(Direction::Inbound, false);
    c.status = "initial".into();
    c.ended_at = None;
    c.duration = None;
    let (planned, memory) = plan_call(
        CallEvent::Created,
        &c,
        1_000,
        &CallMemory::default(),
        &Settings::default(),
    );
    assert_eq!(effects(&planned), [&Effect::PushInsightCard]);
    let (planned, _) = plan_call(
        CallEvent::RingingOnAgent,
        &c,
        1_001,
        &memory,
        &Settings::default(),
    );
    assert!(planned.is_empty());
}

#[test]
fn turned_off_kinds_are_not_logged() {
    let settings = Settings {
        log_missed_calls: false,
        ..Settings::default()
    };
    let (planned, _) = plan_call(
        CallEvent::Ended,
        &call(Direction::Inbound, false),
        1_230,
        &CallMemory::default(),
        &settings,
    );
    assert!(planned.is_empty());
    assert_eq!(
        call_not_logged(&call(Direction::Inbound, false), &settings),
        Some(crate::domain::reason::Reason::MissedCallsOff)
    );
}

fn message(direction: Direction, users: Vec<UserRef>) -> Message {
    Message {
        id: "m1".into(),
        direction,
        external_number: Some("+33612345678".into()),
        raw_digits: None,
        body: Some("Hello <there>".into()),
        status: Some("received".into()),
        channel: None,
        number: Some(Number { users, ..line() }),
        user: (direction == Direction::Outbound).then(|| user(11, "Bob Martin", "bob@acme.io")),
    }
}

#[test]
fn an_inbound_message_goes_to_the_numbers_only_teammate_else_the_setting() {
    let (planned, _) = plan_message(
        MessageEvent::Received,
        &message(
            Direction::Inbound,
            vec![user(11, "Bob Martin", "bob@acme.io")],
        ),
        &MessageMemory::default(),
        &Settings::default(),
    );
    assert_eq!(
        effects(&planned)[0],
        &Effect::StartConversation {
            body: "[Inbound SMS on Support FR]".into()
        }
    );
    assert_eq!(
        assignments(&planned),
        [AssignTarget::Teammate {
            email: "bob@acme.io".into(),
            name: "Bob Martin".into(),
            fallback: Fallback::Unassigned
        }]
    );

    let two = vec![
        user(11, "Bob Martin", "bob@acme.io"),
        user(12, "Alice", "alice@acme.io"),
    ];
    let (planned, _) = plan_message(
        MessageEvent::Received,
        &message(Direction::Inbound, two.clone()),
        &MessageMemory::default(),
        &Settings::default(),
    );
    assert!(assignments(&planned).is_empty(), "unassigned by default");
    let admin = Settings {
        message_fallback: MessageFallback::IntegrationAdmin,
        ..Settings::default()
    };
    let (planned, _) = plan_message(
        MessageEvent::Received,
        &message(Direction::Inbound, two),
        &MessageMemory::default(),
        &admin,
    );
    assert_eq!(assignments(&planned), [AssignTarget::IntegrationAdmin]);
}

#[test]
fn an_outbound_whatsapp_goes_to_its_sender_and_delivery_is_noted_once() {
    let mut m = message(Direction::Outbound, vec![]);
    m.channel = Some("whatsapp".into());
    m.status = Some("sent".into());
    let (planned, memory) = plan_message(
        MessageEvent::Sent,
        &m,
        &MessageMemory::default(),
        &Settings::default(),
    );
    assert_eq!(
        effects(&planned)[0],
        &Effect::StartConversation {
            body: "[Outbound WhatsApp on Support FR]".into()
        }
    );
    assert_eq!(
        assignments(&planned),
        [AssignTarget::Teammate {
            email: "bob@acme.io".into(),
            name: "Bob Martin".into(),
            fallback: Fallback::IntegrationAdmin
        }]
    );
    assert!(
        matches!(effects(&planned)[1], Effect::AddNote { body, .. } if body.contains("Hello &lt;there&gt;"))
    );
    m.status = Some("delivered".into());
    let (planned, memory) = plan_message(
        MessageEvent::StatusUpdated,
        &m,
        &memory,
        &Settings::default(),
    );
    assert_eq!(
        effects(&planned),
        [&Effect::AddNote {
            body: "<p>Delivery status: Delivered</p>".into(),
            author_email: None
        }]
    );
    let (again, _) = plan_message(
        MessageEvent::StatusUpdated,
        &m,
        &memory,
        &Settings::default(),
    );
    assert!(again.is_empty());
}

#[test]
fn a_transfer_that_was_not_picked_up_leaves_the_call_with_the_first_teammate() {
    let mut c = call(Direction::Inbound, true);
    c.transferred_to = Some(user(12, "Alice Durand", "alice@acme.io"));
    // In order: `call.unsuccessful_transfer`, then `call.ended`.
    let mut memory = CallMemory::default();
    memory.transfer_failed(&c);
    let (planned, _) = plan_call(CallEvent::Ended, &c, 1_230, &memory, &Settings::default());
    assert_eq!(assignments(&planned), [bob(Fallback::IntegrationAdmin)]);
    // The other way round: the conversation moves to Alice, then back to Bob.
    let (_, mut memory) = plan_call(
        CallEvent::Ended,
        &c,
        1_230,
        &CallMemory::default(),
        &Settings::default(),
    );
    memory.transfer_failed(&c);
    let (planned, _) = plan_call(
        CallEvent::UnsuccessfulTransfer,
        &c,
        1_240,
        &memory,
        &Settings::default(),
    );
    assert_eq!(assignments(&planned), [bob(Fallback::IntegrationAdmin)]);
}

#[test]
fn nothing_is_logged_from_the_hang_up_before_the_data_is_final() {
    let c = call(Direction::Inbound, true);
    let (planned, memory) = plan_call(
        CallEvent::Hungup,
        &c,
        1_200,
        &CallMemory::default(),
        &Settings::default(),
    );
    assert!(planned.is_empty(), "{planned:?}");
    // A late `call.answered` brings nothing final either.
    let (planned, memory) = plan_call(
        CallEvent::Answered,
        &c,
        1_012,
        &memory,
        &Settings::default(),
    );
    assert!(planned.is_empty(), "{planned:?}");
    // A comment sent a minute after the end is after `call.ended`: its data is final.
    let (planned, _) = plan_call(
        CallEvent::Commented,
        &c,
        1_260,
        &memory,
        &Settings::default(),
    );
    assert!(matches!(
        effects(&planned)[0],
        Effect::StartConversation { .. }
    ));
}

#[test]
fn a_tag_put_on_after_the_window_is_ignored_whichever_event_brings_it() {
    let mut c = call(Direction::Inbound, true);
    c.tags = vec![
        CallTag {
            id: 1,
            name: "VIP".into(),
            tagged_at: Some(1_300),
        },
        CallTag {
            id: 2,
            name: "Late".into(),
            tagged_at: Some(1_200 + 3 * 3600),
        },
    ];
    // The in-window event is processed after the late one, whose snapshot is kept.
    let (planned, _) = plan_call(
        CallEvent::Tagged,
        &c,
        1_300,
        &CallMemory::default(),
        &Settings::default(),
    );
    let tags: Vec<&Effect> = effects(&planned)
        .into_iter()
        .filter(|e| matches!(e, Effect::Tag { .. }))
        .collect();
    assert_eq!(
        tags,
        [&Effect::Tag {
            name: "VIP".into(),
            author_email: None
        }]
    );
}

#[test]
fn a_delivery_status_is_noted_the_same_way_whichever_event_comes_first() {
    let mut m = message(Direction::Outbound, vec![]);
    m.status = Some("delivered".into());
    let (first, memory) = plan_message(
        MessageEvent::StatusUpdated,
        &m,
        &MessageMemory::default(),
        &Settings::default(),
    );
    assert_eq!(
        effects(&first).last(),
        Some(&&Effect::AddNote {
            body: "<p>Delivery status: Delivered</p>".into(),
            author_email: None
        })
    );
    assert!(
        !matches!(effects(&first)[1], Effect::AddNote { body, .. } if body.contains("Delivery status"))
    );
    m.status = Some("sent".into());
    let (late, _) = plan_message(MessageEvent::Sent, &m, &memory, &Settings::default());
    assert!(late.is_empty());
}
