//! The Intercom client against the fake Intercom: the workspace, finding callers by phone
//! however their number was typed, paging, creating contacts, and logging a call as a
//! conversation with notes, an owner and tags.

use std::collections::BTreeSet;

use ringside_core::intercom::{ConversationState, NewContact, Role, Upserted};
use ringside_tests::demo::*;
use ringside_tests::{e164, TestApp};

#[tokio::test]
async fn me_and_admins_describe_the_workspace() {
    let app = TestApp::demo().await;
    let intercom = app.intercom();

    let me = intercom.me().await.unwrap();
    assert_eq!(me.workspace_id, WORKSPACE);
    assert_eq!(me.workspace_name.as_deref(), Some("Acme"));
    assert_eq!(me.admin.id, INTEGRATION_ADMIN);
    assert_eq!(me.admin.email.as_deref(), Some("integration@acme.io"));

    let admins = intercom.admins().await.unwrap();
    let names: Vec<(&str, &str, bool)> = admins
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_str(), a.away))
        .collect();
    assert_eq!(
        names,
        [
            (INTEGRATION_ADMIN, "Acme Integration", false),
            (BOB, "Bob Martin", false),
            (ALICE, "Alice Durand", false),
            ("991267703", "Chloé Bernard", true),
            ("991267704", "David Smith", false),
        ]
    );
}

#[tokio::test]
async fn a_caller_is_found_however_their_number_was_typed() {
    let app = TestApp::demo().await;
    let intercom = app.intercom();
    // (caller in E.164, the ids of the contacts with that number, how it is stored).
    let cases: &[(&str, &[&str], &str)] = &[
        (JANE_PHONE, &[JANE], "07 62 04 35 75, French national"),
        (
            "+442087653456",
            &["6762f0dd1bb69f9f2193bb85"],
            "020 8765 3456, UK national with no formatted_phone",
        ),
        (
            "+4917667402970",
            &["6762f0dd1bb69f9f2193bb86"],
            "0176 67402970, German national with no formatted_phone",
        ),
        (
            "+14422497851",
            &["6762f0dd1bb69f9f2193bb84"],
            "+1 (442) 249-7851",
        ),
        (
            "+33611223344",
            &["6762f0dd1bb69f9f2193bb8d"],
            "0033 6 11 22 33 44",
        ),
        (
            "+33645678901",
            &["6762f0dd1bb69f9f2193bb8e"],
            "06.45.67.89.01",
        ),
        (SHARED_PHONE, &[PAUL, CLAIRE], "shared by two leads"),
        (UNKNOWN_PHONE, &[], "nobody"),
    ];
    for (number, expected, how) in cases {
        let found = intercom.contacts_with_phone(&e164(number)).await.unwrap();
        let ids: BTreeSet<&str> = found.iter().map(|c| c.id.as_str()).collect();
        let expected: BTreeSet<&str> = expected.iter().copied().collect();
        assert_eq!(ids, expected, "{number} ({how})");
    }
}

#[tokio::test]
async fn list_contacts_pages_through_every_contact() {
    let app = TestApp::demo().await;
    let intercom = app.intercom();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = intercom.list_contacts(5, cursor.as_deref()).await.unwrap();
        pages += 1;
        assert!(page.contacts.len() <= 5);
        seen.extend(page.contacts.into_iter().map(|c| c.id));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
        assert!(pages < 10, "paging does not end");
    }
    let all: BTreeSet<String> = app
        .sandbox
        .intercom()
        .contacts()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(pages, all.len().div_ceil(5));
    assert_eq!(seen.len(), all.len(), "a contact was served twice");
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), all);
}

#[tokio::test]
async fn creating_a_contact_twice_gives_back_the_first_one() {
    let app = TestApp::demo().await;
    let intercom = app.intercom();
    let new = NewContact {
        role: Role::Lead,
        name: Some("+33699887766 Aircall new contact".into()),
        email: Some("caller@example.org".into()),
        phone: Some("+33699887766".into()),
    };
    let created = match intercom.create_contact(&new).await.unwrap() {
        Upserted::Created(contact) => contact,
        other => panic!("expected a new contact, got {other:?}"),
    };
    assert_eq!(created.role, Role::Lead);
    assert_eq!(created.phone.as_deref(), Some("+33699887766"));
    let stored = app.sandbox.intercom().contact(&created.id).unwrap();
    assert_eq!(stored.name, new.name);

    let again = intercom.create_contact(&new).await.unwrap();
    assert_eq!(again, Upserted::Existing(created.id.clone()));
    let with_email = app
        .sandbox
        .intercom()
        .contacts()
        .into_iter()
        .filter(|c| c.email.as_deref() == Some("caller@example.org"))
        .count();
    assert_eq!(with_email, 1);
}

#[tokio::test]
async fn a_call_is_logged_as_a_conversation_with_a_note_an_owner_and_tags() {
    let app = TestApp::demo().await;
    let intercom = app.intercom();
    let jane = intercom.contact(JANE).await.unwrap();

    let started = intercom
        .start_conversation(&jane, "[Inbound answered call] on Support FR")
        .await
        .unwrap();
    let stored = app
        .sandbox
        .intercom()
        .conversation(&started.conversation_id)
        .expect("the conversation exists in Intercom");
    assert_eq!(stored.contact_ids, [JANE]);
    assert_eq!(stored.source.body, "[Inbound answered call] on Support FR");
    assert_eq!(stored.source.id, started.message_id);

    let conversation = intercom
        .add_note(
            &started.conversation_id,
            INTEGRATION_ADMIN,
            "<p>Waiting time: 12s</p>",
        )
        .await
        .unwrap();
    let note = conversation.parts.last().expect("the note");
    assert_eq!(note.part_type, "note");
    assert_eq!(note.body.as_deref(), Some("<p>Waiting time: 12s</p>"));
    assert_eq!(note.author_id.as_deref(), Some(INTEGRATION_ADMIN));

    let conversation = intercom
        .assign(
            &started.conversation_id,
            INTEGRATION_ADMIN,
            Some(BOB),
            Some("Alice reassigned the call to Bob"),
        )
        .await
        .unwrap();
    assert_eq!(conversation.admin_assignee_id.as_deref(), Some(BOB));
    let stored = app
        .sandbox
        .intercom()
        .conversation(&started.conversation_id)
        .unwrap();
    let assignment = stored.parts.last().expect("the assignment");
    assert_eq!(assignment.part_type, "assignment");
    assert_eq!(
        assignment.body.as_deref(),
        Some("Alice reassigned the call to Bob")
    );
    assert_eq!(
        assignment.assigned_to.as_ref().map(|a| a.id.as_str()),
        Some(BOB)
    );

    let conversation = intercom
        .assign(&started.conversation_id, INTEGRATION_ADMIN, None, None)
        .await
        .unwrap();
    assert_eq!(conversation.admin_assignee_id, None);
    assert_eq!(conversation.state, ConversationState::Open);

    let vip = intercom.tag_named("vip").await.unwrap();
    assert_eq!((vip.id.as_str(), vip.name.as_str()), ("101", "VIP"));
    intercom
        .attach_tag(&started.conversation_id, &vip.id, INTEGRATION_ADMIN)
        .await
        .unwrap();
    let tagged = app
        .sandbox
        .intercom()
        .conversation(&started.conversation_id)
        .unwrap();
    assert_eq!(
        tagged
            .tags
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["VIP"]
    );
    intercom
        .detach_tag(&started.conversation_id, &vip.id, INTEGRATION_ADMIN)
        .await
        .unwrap();
    let untagged = app
        .sandbox
        .intercom()
        .conversation(&started.conversation_id)
        .unwrap();
    assert!(untagged.tags.is_empty());
}

#[tokio::test]
async fn tag_named_creates_a_tag_once_whatever_the_letter_case() {
    let app = TestApp::demo().await;
    let intercom = app.intercom();
    let before = app.sandbox.intercom().tags().len();

    let created = intercom.tag_named("Aircall call").await.unwrap();
    assert_eq!(created.name, "Aircall call");
    let again = intercom.tag_named("AIRCALL CALL").await.unwrap();
    assert_eq!(again.id, created.id);

    let tags = app.sandbox.intercom().tags();
    assert_eq!(tags.len(), before + 1);
    let listed = intercom.tags().await.unwrap();
    assert!(listed.contains(&created));
}

#[tokio::test]
async fn the_latest_conversations_of_a_contact_come_most_recent_first() {
    let app = TestApp::demo().await;
    let intercom = app.intercom();
    let states = [ConversationState::Open, ConversationState::Closed];
    let found = intercom
        .conversations_of("6762f0dd1bb69f9f2193bb84", &states, 5)
        .await
        .unwrap();
    // John's snoozed conversation is more recent but is not asked for.
    let ids: Vec<&str> = found.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["215475827415402"]);

    let jane = intercom.conversations_of(JANE, &states, 5).await.unwrap();
    let ids: Vec<&str> = jane.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, [JANE_OPEN, "215475827415401"]);
    assert_eq!(jane[0].admin_assignee_id.as_deref(), Some(BOB));
    let tags: Vec<&str> = jane[0].tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tags, ["VIP", "Billing"]);
}
