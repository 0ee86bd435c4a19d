//! The Aircall client against the fake Aircall: the company's users, availabilities and
//! numbers, calls and what the engine does to them (comment, tag, insight card), contacts and
//! the webhook registration.

use ringside_core::aircall::{
    AircallContact, Availability, CardBlock, ContactDetail, DetailKind, Direction, PageRequest,
};
use ringside_core::ApiError;
use ringside_tests::demo::*;
use ringside_tests::{statuses, TestApp};

#[tokio::test]
async fn the_company_its_users_and_numbers_are_read() {
    let app = TestApp::demo().await;
    let aircall = app.aircall();
    aircall.ping().await.unwrap();

    let users = aircall.users().await.unwrap();
    let users: Vec<(u64, &str, Option<&str>)> = users
        .iter()
        .map(|u| (u.id, u.name.as_str(), u.email.as_deref()))
        .collect();
    assert_eq!(
        users,
        [
            (1101, "Bob Martin", Some("Bob@Acme.io")),
            (1102, "Alice Durand", Some("ALICE.DURAND@acme.io")),
            (1103, "Chloé Bernard", Some("Chloe@acme.io")),
            (1104, "Eve Night", Some("eve.night@acme.io")),
        ]
    );

    let mut availabilities: Vec<(u64, Option<Availability>)> = aircall
        .availabilities()
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.id, a.availability))
        .collect();
    availabilities.sort_by_key(|(id, _)| *id);
    assert_eq!(
        availabilities,
        [
            (1101, Some(Availability::InCall)),
            (1102, Some(Availability::Available)),
            (1103, Some(Availability::Offline)),
            (1104, Some(Availability::AfterCallWork)),
        ]
    );

    let numbers = aircall.numbers().await.unwrap();
    let numbers: Vec<(u64, &str, Option<&str>)> = numbers
        .iter()
        .map(|n| (n.id, n.name.as_str(), n.country.as_deref()))
        .collect();
    assert_eq!(
        numbers,
        [
            (2201, "Support FR", Some("FR")),
            (2202, "Sales US", Some("US")),
            (2203, "Support GB", Some("GB")),
            (2204, "Vertrieb DE", Some("DE")),
        ]
    );
}

#[tokio::test]
async fn calls_are_read_one_by_one_and_page_by_page() {
    let app = TestApp::demo().await;
    let aircall = app.aircall();

    let ringing = aircall.call(RINGING_CALL).await.unwrap();
    assert_eq!(ringing.direction, Direction::Inbound);
    assert_eq!(ringing.status, "initial");
    assert_eq!(ringing.raw_digits, "+33 7 62 04 35 75");
    let line = ringing.number.expect("the Aircall number");
    assert_eq!((line.id, line.name.as_str()), (2201, "Support FR"));

    let mut ids = Vec::new();
    let mut at = PageRequest {
        page: 1,
        per_page: 3,
    };
    loop {
        let page = aircall.calls(at, None, None).await.unwrap();
        assert_eq!(page.total, 4);
        ids.extend(page.items.iter().map(|c| c.id));
        if !page.has_next {
            break;
        }
        at.page += 1;
    }
    assert_eq!(at.page, 2);
    // Oldest first: the outbound call two days ago, John's yesterday, the missed one, Jane's.
    assert_eq!(ids, [780836702, DONE_CALL, 780836701, RINGING_CALL]);

    let missed = aircall.call(780836701).await.unwrap();
    assert_eq!(
        missed.missed_call_reason.as_deref(),
        Some("agents_did_not_answer")
    );
    let done = aircall.call(DONE_CALL).await.unwrap();
    assert_eq!(done.user.map(|u| u.id), Some(1102));
    assert_eq!(done.comments.len(), 1);
    assert_eq!(done.tags.iter().map(|t| t.id).collect::<Vec<_>>(), [3301]);
}

#[tokio::test]
async fn a_call_gets_comments_tags_and_insight_cards_while_live() {
    let app = TestApp::demo().await;
    let aircall = app.aircall();

    aircall
        .comment_call(RINGING_CALL, "Logged to Intercom")
        .await
        .unwrap();
    aircall.tag_call(RINGING_CALL, &[3302]).await.unwrap();
    let call = app.sandbox.aircall().call(RINGING_CALL).unwrap();
    let comments: Vec<&str> = call.comments.iter().map(|c| c.content.as_str()).collect();
    assert_eq!(comments, ["Logged to Intercom"]);
    let tags: Vec<&str> = call.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tags, ["Callback"]);

    let blocks = vec![
        CardBlock::Title {
            text: "Intercom: Jane Roe".into(),
            link: Some(format!(
                "https://app.intercom.com/a/apps/{WORKSPACE}/users/{JANE}"
            )),
        },
        CardBlock::ShortText {
            label: "Owner".into(),
            text: "Bob Martin (In a call)".into(),
            link: None,
        },
    ];
    aircall
        .push_insight_card(RINGING_CALL, &blocks)
        .await
        .unwrap();
    let cards = app.sandbox.aircall().insight_cards();
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0].call_id, RINGING_CALL);
    assert_eq!(cards[0].contents, serde_json::to_value(&blocks).unwrap());

    // An ended call refuses cards; the refusal is final, not retried.
    let refused = aircall.push_insight_card(DONE_CALL, &blocks).await;
    assert!(
        matches!(refused, Err(ApiError::Rejected { status: 400, ref body, .. }) if body.contains("ended")),
        "{refused:?}"
    );
    let path = format!("/v1/calls/{DONE_CALL}/insight_cards");
    assert_eq!(statuses(&app.aircall_requests(&path)), [400]);
    assert_eq!(app.sandbox.aircall().insight_cards().len(), 1);
}

#[tokio::test]
async fn contacts_are_searched_created_updated_and_deleted() {
    let app = TestApp::demo().await;
    let aircall = app.aircall();

    let jane = aircall
        .search_contacts(Some(JANE_PHONE), None)
        .await
        .unwrap();
    assert_eq!(jane.iter().map(|c| c.id).collect::<Vec<_>>(), [Some(4401)]);

    let new = AircallContact {
        id: None,
        first_name: Some("John".into()),
        last_name: Some("Carter".into()),
        company_name: None,
        information: Some(
            "Intercom: https://app.intercom.com/a/apps/ecahpwf5/users/6762f0dd1bb69f9f2193bb84"
                .into(),
        ),
        phone_numbers: vec![ContactDetail {
            id: None,
            label: "Work".into(),
            value: "+14422497851".into(),
        }],
        emails: vec![ContactDetail {
            id: None,
            label: "Work".into(),
            value: "john.carter@example.com".into(),
        }],
        created_at: None,
    };
    let created = aircall.create_contact(&new).await.unwrap();
    let id = created.id.expect("an id");
    assert_eq!(created.first_name.as_deref(), Some("John"));
    assert_eq!(created.phone_numbers[0].value, "+14422497851");
    let found = aircall
        .search_contacts(None, Some("John.Carter@example.com"))
        .await
        .unwrap();
    assert_eq!(found.iter().map(|c| c.id).collect::<Vec<_>>(), [Some(id)]);

    let renamed = AircallContact {
        first_name: Some("Johnny".into()),
        ..created
    };
    let updated = aircall.update_contact(id, &renamed).await.unwrap();
    assert_eq!(updated.first_name.as_deref(), Some("Johnny"));
    let stored = app
        .sandbox
        .aircall()
        .contacts()
        .into_iter()
        .find(|c| c.id == id)
        .unwrap();
    assert_eq!(stored.first_name.as_deref(), Some("Johnny"));
    assert_eq!(stored.information, new.information);

    aircall.delete_contact(id).await.unwrap();
    assert!(app.sandbox.aircall().contacts().iter().all(|c| c.id != id));
    let gone = aircall
        .search_contacts(Some("+14422497851"), None)
        .await
        .unwrap();
    assert!(gone.is_empty());
}

#[tokio::test]
async fn a_contacts_numbers_and_emails_change_without_touching_the_rest() {
    let app = TestApp::demo().await;
    let aircall = app.aircall();
    let new = AircallContact {
        id: None,
        first_name: Some("Mia".into()),
        last_name: Some("Wilson".into()),
        company_name: None,
        information: Some("Intercom: link".into()),
        phone_numbers: vec![ContactDetail {
            id: None,
            label: "Work".into(),
            value: "+61281032081".into(),
        }],
        emails: Vec::new(),
        created_at: None,
    };
    let created = aircall.create_contact(&new).await.unwrap();
    let id = created.id.expect("an id");
    let phone_id = created.phone_numbers[0].id.expect("a detail id");
    assert!(created.created_at.is_some(), "the sandbox dates contacts");

    aircall
        .update_detail(DetailKind::Phone, id, phone_id, "Work", "+61299998888")
        .await
        .unwrap();
    let email_id = aircall
        .add_detail(DetailKind::Email, id, "Work", "mia@example.com")
        .await
        .unwrap()
        .expect("the new email's id");
    aircall
        .update_contact_info(id, Some("Mia"), None, Some("Intercom: other"))
        .await
        .unwrap();
    let read = aircall.contact(id).await.unwrap();
    assert_eq!(
        (read.first_name.as_deref(), read.last_name.as_deref()),
        (Some("Mia"), None)
    );
    assert_eq!(read.information.as_deref(), Some("Intercom: other"));
    assert_eq!(read.phone_numbers.len(), 1);
    assert_eq!(read.phone_numbers[0].value, "+61299998888");
    assert_eq!(read.emails[0].id, Some(email_id));

    aircall
        .delete_detail(DetailKind::Email, id, email_id)
        .await
        .unwrap();
    assert!(aircall.contact(id).await.unwrap().emails.is_empty());
    let gone = aircall.delete_detail(DetailKind::Email, id, email_id).await;
    assert!(matches!(gone, Err(ApiError::NotFound { .. })), "{gone:?}");
    let methods: Vec<(String, u16)> = app
        .sandbox
        .aircall()
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("_details"))
        .map(|r| (r.method, r.status))
        .collect();
    assert_eq!(
        methods,
        [
            ("PUT".to_owned(), 200),
            ("POST".to_owned(), 201),
            ("DELETE".to_owned(), 204),
            ("DELETE".to_owned(), 404)
        ]
    );
}

#[tokio::test]
async fn a_webhook_registration_returns_its_token_and_is_listed() {
    let app = TestApp::demo().await;
    let aircall = app.aircall();
    let url = "https://hub.example.com/webhooks/aircall";
    let events = ["call.created", "call.ended", "call.tagged"];

    let webhook = aircall
        .create_webhook("Ringside", url, &events)
        .await
        .unwrap();
    let token = webhook
        .token
        .clone()
        .expect("the token comes with the creation");
    assert!(!token.is_empty());
    let stored = app.sandbox.aircall().webhooks();
    assert_eq!(stored.len(), 1);
    assert_eq!(token.expose(), stored[0].token);
    assert!(
        !format!("{webhook:?}").contains(token.expose()),
        "the token is printed"
    );

    let listed = aircall.webhooks().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].webhook_id, webhook.webhook_id);
    assert_eq!(listed[0].url, url);
    assert_eq!(listed[0].events, events);
    assert_eq!(listed[0].custom_name.as_deref(), Some("Ringside"));
    assert!(listed[0].active);
}
